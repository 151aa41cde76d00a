"""Whether one compiled statement applies to a request: resource, principal, conditions"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from iamwarden.policy.conditions import (
    Missing,
    Rendered,
    SetQualifier,
    ValueMatcher,
    apply_null,
    apply_operator,
    render,
    render_glob,
    rendered_text,
    value_matcher,
)
from iamwarden.policy.document import PolicyKind
from iamwarden.policy.engine.combine import MAYBE, TRUE, Tri
from iamwarden.policy.engine.compiled import Clause, Stmt
from iamwarden.policy.engine.context import UNKNOWN, Context
from iamwarden.policy.engine.globs import globs_cover, globs_intersect
from iamwarden.policy.engine.model import ConditionRef, StatementRef
from iamwarden.policy.engine.principals import (
    Grant,
    Principal,
    not_principal_applies,
    not_principal_partly_names,
    principal_grant,
)

Match = bool | tuple[ConditionRef, ...]
"""True: applies; False: does not; tuple: applies only if these clauses hold"""


@lru_cache(maxsize=16384)
def _rendered_matcher(base: str, rendered: tuple[Rendered, ...]) -> ValueMatcher:
    if base in ("StringLike", "StringNotLike"):
        regexes = tuple(render_glob(r) for r in rendered)
        return lambda v: any(x.fullmatch(v) is not None for x in regexes)
    return value_matcher(base, [rendered_text(r) for r in rendered])


def clause_truth(clause: Clause, stmt: Stmt, ctx: Context) -> bool | None:
    """The truth of one clause; None when it cannot be decided (unknown key or operator)"""
    if clause.error is not None:
        ctx.issue(stmt.ref, clause.error)
        return None
    values = ctx.values(clause.key)
    if values is UNKNOWN:
        return None
    request_values = None if isinstance(values, Missing) else values
    spec = clause.spec
    if not request_values:
        if spec.base != "Null":
            ctx.note_missing(clause.key, clause.condition.key)
        if spec.if_exists and spec.qualifier is SetQualifier.FOR_ANY_VALUE:
            ctx.issue(stmt.ref, _FOR_ANY_IF_EXISTS.format(clause.condition.operator))
    elif len(request_values) > 1 and spec.qualifier is SetQualifier.NONE:
        ctx.issue(
            stmt.ref, _PLAIN_MULTIVALUED.format(clause.condition.operator, clause.condition.key)
        )
    if spec.base == "Null":
        return apply_null(clause.condition.values, request_values)
    matcher = clause.matcher
    if clause.templates is not None:
        rendered: list[Rendered] = []
        for template in clause.templates:
            if isinstance(template, str):
                rendered.append(((template, False),))
                continue
            got = render(template, ctx.single)
            if got is Missing.UNKNOWN:
                return None
            if not isinstance(got, Missing):
                rendered.append(got)
        if not rendered:
            matcher = _no_match
        else:
            try:
                matcher = _rendered_matcher(spec.base, tuple(rendered))
            except ValueError as exc:
                ctx.issue(stmt.ref, str(exc))
                return None
    assert matcher is not None
    result = apply_operator(spec, matcher, request_values)
    if clause.partial_arn is not None and request_values and result is spec.is_negated:
        # no value matched: the partial ARN might, were AWS to fill its missing components
        ctx.issue(stmt.ref, PARTIAL_ARN.format(clause.condition.operator, clause.partial_arn))
    return result


_FOR_ANY_IF_EXISTS = (
    "`{}` on an absent key: AWS does not document `ForAnyValue:` with `IfExists`; "
    "evaluated as false, as `ForAnyValue:` of no values (observed on AWS, re:Post "
    "QU9HFmDzP0QGuU-fd7rS6B7w)"
)
_PLAIN_MULTIVALUED = (
    "`{}` without `ForAnyValue:` / `ForAllValues:` on `{}` with several values: AWS "
    "requires a set operator for multivalued keys and does not document this; evaluated "
    "as true when any value matches (none, for a negated operator)"
)


PARTIAL_ARN = (
    "`{}` value `{}` has fewer than the six colon-delimited components an ARN operator "
    "checks one by one (IAM User Guide, reference_policies_elements_condition_operators.md, "
    "ARN condition operators); AWS does not document how it matches: evaluated as no "
    "match, write every component (`arn:aws:sns:*:*:*`)"
)
NOT_PRINCIPAL_PARTLY_LISTED = (
    "`NotPrincipal` lists the principal but not every identity it acts as (its account, "
    'and a session\'s role): AWS says such a Deny "might" deny it, depending on the '
    "service (IAM User Guide, reference_policies_elements_notprincipal.md); decided as "
    "denied, list the account ARN too to be sure"
)


def _no_match(_value: str) -> bool:
    return False


def static_resource_hit(stmt: Stmt, resource: str) -> bool:
    cached = stmt.res_cache.get(resource)
    if cached is None:
        cached = (
            stmt.res_all
            or resource in stmt.res_exact
            or (stmt.res_globs is not None and stmt.res_globs.fullmatch(resource))
        )
        if len(stmt.res_cache) < 4096:
            stmt.res_cache[resource] = cached
    return cached


def resource_patterns(stmt: Stmt, ctx: Context) -> tuple[str, ...]:
    """The statement's `Resource` / `NotResource` entries, variables substituted (entries
    whose variables have no value are left out, as for a single resource)"""
    if not stmt.res_templates:
        return stmt.res_patterns
    rendered = []
    for template in stmt.res_templates:
        got = render(template, ctx.single)
        if not isinstance(got, Missing):
            rendered.append(rendered_text(got))
    return (*stmt.res_patterns, *rendered)


def pattern_relation(stmt: Stmt, pattern: str, ctx: Context) -> tuple[bool, bool]:
    """(some, every): whether the statement's resource element applies to some resource
    matching wildcard `pattern`, and to every one"""
    patterns = resource_patterns(stmt, ctx)
    if pattern == "*":
        universal = stmt.res_universal or (
            bool(stmt.res_templates) and any(set(p) == {"*"} for p in patterns)
        )
        some, every = bool(patterns), universal
    else:
        some = any(globs_intersect(p, pattern) for p in patterns)
        every = some and globs_cover(patterns, pattern)
    if stmt.res_negated:
        return not every, not some
    return some, every


def resource_hit(stmt: Stmt, resource: str, ctx: Context) -> bool:
    if not stmt.res_present:
        return True
    if ctx.is_pattern:
        # a Deny must cover every resource of the pattern to deny "some resource", an
        # Allow share one with it (the reverse when every resource is asked about)
        some, every = pattern_relation(stmt, resource, ctx)
        return every if stmt.is_deny != ctx.every_resource else some
    hit = static_resource_hit(stmt, resource)
    if not hit and stmt.res_templates:
        for template in stmt.res_templates:
            got = render(template, ctx.single)
            if not isinstance(got, Missing) and render_glob(got).fullmatch(resource):
                hit = True
                break
    return hit != stmt.res_negated


def match_statement(stmt: Stmt, ctx: Context) -> Match:
    partial = False
    if not resource_hit(stmt, ctx.request.resource, ctx):
        if not (
            ctx.is_pattern
            and stmt.is_deny
            and not ctx.every_resource
            and pattern_relation(stmt, ctx.request.resource, ctx)[0]
        ):
            return False
        partial = True  # denies some resources of the pattern, not all: noted, not denied
    if stmt.not_principal is not None:
        # AWS: a NotPrincipal Deny always denies a user or role with a permissions
        # boundary, whatever it lists (IAM User Guide, access_policies_boundaries.md)
        if not (stmt.is_deny and ctx.has_boundary):
            if not not_principal_applies(stmt.not_principal, ctx.principal):
                return False
            if stmt.is_deny and not_principal_partly_names(stmt.not_principal, ctx.principal):
                ctx.issue(stmt.ref, NOT_PRINCIPAL_PARTLY_LISTED)
    elif stmt.principal is not None:
        if principal_grant(stmt.principal, ctx.principal) is Grant.NONE:
            return False
    elif stmt.ref.kind is PolicyKind.RESOURCE:
        # INVARIANT: a resource-policy statement names whom it applies to; without
        # `Principal` / `NotPrincipal` it applies to no one (lint: `principal_missing`)
        ctx.skip(stmt.ref)
        return False
    if partial:
        if not stmt.clauses or all(clause_truth(c, stmt, ctx) is True for c in stmt.clauses):
            if ctx.partial_denies is None:
                ctx.partial_denies = []
            patterns = resource_patterns(stmt, ctx)
            listed = ", ".join(f"`{p}`" for p in patterns)
            ctx.partial_denies.append(
                (
                    stmt.ref,
                    f"every resource but {listed}" if stmt.res_negated else listed,
                    (patterns, stmt.res_negated),
                )
            )
        return False
    if not stmt.clauses:
        return True
    pending: list[ConditionRef] = []
    for clause in stmt.clauses:
        truth = clause_truth(clause, stmt, ctx)
        if truth is False:
            return False
        if truth is None:
            pending.append(
                ConditionRef(
                    statement=stmt.ref,
                    operator=clause.condition.operator,
                    key=clause.condition.key,
                    values=clause.condition.values,
                    must_hold=not stmt.is_deny,
                )
            )
    return tuple(pending) if pending else True


def grant_of(stmt: Stmt, principal: Principal) -> Grant:
    if stmt.principal is None or stmt.not_principal is not None:
        return Grant.DIRECT
    return principal_grant(stmt.principal, principal)


def allow(stmts: Sequence[Stmt], ctx: Context, no: Tri) -> Tri:
    if not stmts and ctx.trace is None:
        return no
    refs: list[StatementRef] = []
    best: tuple[ConditionRef, ...] | None = None
    for stmt in stmts:
        got = match_statement(stmt, ctx)
        if got is True:
            refs.append(stmt.ref)
        elif got is not False and (best is None or len(got) < len(best)):
            best = got
    if ctx.trace is not None:
        ctx.trace.append(
            f"{no.kind.value if no.kind else ''}: "
            + (
                "allowed by " + ", ".join(map(str, refs))
                if refs
                else "conditionally allowed"
                if best
                else "no allow"
            )
        )
    if refs:
        return Tri(TRUE, tuple(refs))
    if best:
        return Tri(MAYBE, clauses=best)
    return no
