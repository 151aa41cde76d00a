"""The decision: AWS's evaluation order over a compiled policy set, with reasons"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from typing import Final, TypeVar

from iamwarden.policy.arn import glob_matches, try_parse_arn
from iamwarden.policy.catalog import Catalog
from iamwarden.policy.document import PolicyKind
from iamwarden.policy.engine.combine import (
    FALSE,
    NO_BOUNDARY,
    NO_IDENTITY,
    NO_RESOURCE,
    NO_SCP,
    NO_SESSION,
    YES,
    Tri,
    all_of,
    any_of,
)
from iamwarden.policy.engine.compiled import Stmt, expand_lower
from iamwarden.policy.engine.context import Context
from iamwarden.policy.engine.globs import Component, globs_intersect, some_string
from iamwarden.policy.engine.matching import (
    allow,
    grant_of,
    match_statement,
    resource_patterns,
    static_resource_hit,
)
from iamwarden.policy.engine.model import (
    ConditionRef,
    Decision,
    Evaluation,
    PolicySet,
    PrincipalType,
    Request,
    StatementRef,
)
from iamwarden.policy.engine.plans import (
    RCP_SLOT,
    SCP_SLOT,
    CompiledSet,
    Group,
    Plan,
    compile_set,
)
from iamwarden.policy.engine.principals import Grant, Principal, parse_principal
from iamwarden.policy.engine.special import (
    CALLER_IDENTITY,
    CALLER_IDENTITY_NOTE,
    SPECIAL_ACTIONS,
    guardrail,
    needs_resource_grant,
)


def owning_account(account: str | None) -> str | None:
    """The account an ARN's account field names, None when it names none: empty, a
    wildcard, or `aws` (resources AWS owns, such as AWS managed policies, which no resource
    policy guards: reading them takes the caller's own permissions only)"""
    if not account or account == "aws" or "*" in account or "?" in account:
        return None
    return account


def _resource_account(request: Request, principal: Principal) -> str | None:
    """The account owning the request's resource: `request.resource_account` when given,
    else the account its ARN names, else the principal's own

    A wildcard account field (`arn:aws:ec2:*:*:instance/*`) asks about some resource it
    matches: one in the principal's account when the pattern matches that account, one in
    another account (None: not the principal's) when it does not.
    """
    if request.resource_account:
        return request.resource_account
    account, is_pattern = _arn_account(request.resource)
    if not is_pattern:
        return account or principal.account
    mine = principal.account
    return mine if mine is not None and glob_matches(account or "", mine) else None


@lru_cache(maxsize=65536)
def _arn_account(resource: str) -> tuple[str | None, bool]:
    """The account a resource ARN names (`owning_account`; None for none or no ARN), and
    whether its account field is a wildcard pattern (then returned as written)"""
    arn = try_parse_arn(resource)
    if arn is None:
        return None, False
    if "*" in arn.account or "?" in arn.account:
        return arn.account, True
    return owning_account(arn.account), False


def _decide(
    compiled: CompiledSet,
    request: Request,
    catalog: Catalog | None,
    trace: bool,
    *,
    memo: bool = True,
) -> Evaluation:
    key = request.action.lower()
    plan = compiled.plans.get(key)
    if plan is None:
        if "*" in key or "?" in key:
            return _decide_wildcard(compiled, request, key, catalog, trace, memo)
        plan = compiled.plan(key)
    return _decide_plan(compiled, plan, request, catalog, trace, memo)


def _decide_plan(
    compiled: CompiledSet,
    plan: Plan,
    request: Request,
    catalog: Catalog | None,
    trace: bool,
    memo: bool,
) -> Evaluation:
    principal = parse_principal(request.principal)
    action = plan.action
    if action in SPECIAL:
        special = _decide_special(action, request, principal)
        if special is not None:
            return special
    resource_account = _resource_account(request, principal)
    memo_key: tuple[object, ...] | None = None
    resource = request.resource
    if plan.is_static and memo and not trace:
        # INVARIANT: a static plan (no conditions, no variables) decides from the principal,
        # the resource account, whether the resource needs a resource-policy grant (a KMS
        # key, not its alias) and which statements match it, nothing else; a wildcard
        # resource (whose notes name it) is keyed by itself.
        if "*" in resource or "?" in resource:
            memo_key = (request.principal, resource_account, None, resource, request.every_resource)
        else:
            memo_key = (
                request.principal,
                resource_account,
                needs_resource_grant(action, resource),
                *[static_resource_hit(stmt, resource) for stmt in plan.resource_dependent],
            )
        found = plan.memo.get(memo_key)
        if found is not None:
            return found
    steps: list[str] | None = [] if trace else None
    ctx = Context(
        request,
        principal,
        resource_account,
        steps,
        has_boundary=compiled.policies.permissions_boundary is not None
        and principal.type in (PrincipalType.USER, PrincipalType.ASSUMED_ROLE),
    )
    result = _evaluate_plan(compiled, plan, ctx, catalog)
    if memo_key is not None and len(plan.memo) < 4096:
        plan.memo[memo_key] = result
    return result


SPECIAL: Final = frozenset().union(*SPECIAL_ACTIONS)


def _decide_special(action: str, request: Request, principal: Principal) -> Evaluation | None:
    """AWS's answer for `action` that no policy can change, or None

    sts:GetCallerIdentity is always allowed; the guardrails of `special.GUARDRAILS`
    refuse changes to AWS-managed resources (not to the owning service acting on its own
    roles, `special.owned_roles`; another service's service-linked role is refused).
    """
    if action == CALLER_IDENTITY:
        if principal.type is PrincipalType.ANONYMOUS:
            return None  # AWS answers only signed requests: policies decide, as for any action
        return Evaluation(decision=Decision.ALLOWED, notes=(CALLER_IDENTITY_NOTE,))
    rule = guardrail(action, request.resource, principal)
    if rule is None:
        return None
    return Evaluation(decision=Decision.IMPLICIT_DENY, notes=(rule.reason,))


_PRECEDENCE: Final = {Decision.EXPLICIT_DENY: 0, Decision.IMPLICIT_DENY: 1, Decision.ALLOWED: 2}
_T = TypeVar("_T")


def _decide_wildcard(
    compiled: CompiledSet,
    request: Request,
    key: str,
    catalog: Catalog | None,
    trace: bool,
    memo: bool,
) -> Evaluation:
    """Decide every action wildcard `key` stands for, one representative per class

    Allowed only if every class is allowed: the Allow statements of each policy type (and
    of each SCP / RCP level) must cover the expansion between them. Any explicit deny
    wins, then any implicit deny; reasons are the statements that decided.
    """
    catalog = compiled.resolve_catalog(catalog)
    parts = [
        (action, size, _decide_plan(compiled, compiled.plan(action), request, catalog, trace, memo))
        for action, size in compiled.representatives(key, catalog)
    ]
    results = [result for _, _, result in parts]
    decision = min((result.decision for result in results), key=_PRECEDENCE.__getitem__)
    deciding = [result for result in results if result.decision is decision]
    steps: list[str] = []
    if trace:
        for action, size, result in parts:
            more = f" and {size - 1} more like it" if size > 1 else ""
            steps.append(f"{action}{more}: {result.decision.value}")
            steps.extend(f"  {step}" for step in result.trace)
    order = {stmt.ref: i for i, stmt in enumerate(compiled.statements())}
    reasons = sorted(
        {ref for result in deciding for ref in result.reasons},
        key=lambda ref: order.get(ref, len(order)),
    )
    return Evaluation(
        decision=decision,
        reasons=tuple(reasons),
        undecided=(
            _unique(clause for result in deciding for clause in result.undecided)
            if decision is Decision.ALLOWED
            else ()
        ),
        errors=_unique(issue for result in results for issue in result.errors),
        deciding_kind=deciding[0].deciding_kind,
        trace=tuple(steps),
        notes=_unique(note for result in deciding for note in result.notes),
        missing_context=tuple(
            sorted({key for result in results for key in result.missing_context}, key=str.lower)
        ),
    )


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    """`items` without repeats, in first-seen order"""
    return tuple(dict.fromkeys(items))


def _evaluate_plan(
    compiled: CompiledSet, plan: Plan, ctx: Context, catalog: Catalog | None
) -> Evaluation:
    policies = compiled.policies
    principal = ctx.principal
    ptype = principal.type
    has_account = principal.account is not None
    steps = ctx.trace

    in_org_principal = (
        policies.scps is not None
        and not policies.is_management_account
        and has_account
        and not principal.is_service_linked
    )
    rcp_applies = False
    if (
        policies.rcps is not None
        and not policies.is_management_account
        and ptype is not PrincipalType.SERVICE
        and not principal.is_service_linked
    ):
        rcp_applies = plan.service in compiled.resolve_catalog(catalog).rcp_services

    # 1. explicit deny, in every applicable policy
    denied: list[StatementRef] = []
    deny_kind: PolicyKind | None = None
    deny_clauses: list[ConditionRef] = []
    for group in plan.deny_groups:
        if group.slot == SCP_SLOT and not in_org_principal:
            continue
        if group.slot == RCP_SLOT and not rcp_applies:
            continue
        for stmt in group.denies:
            got = match_statement(stmt, ctx)
            if got is True:
                denied.append(stmt.ref)
                deny_kind = deny_kind or group.kind
            elif got is not False:
                deny_clauses.extend(got)
    if denied:
        if steps is not None:
            steps.append("explicit deny: " + ", ".join(map(str, denied)))
        notes: tuple[str, ...] = ()
        if ctx.has_boundary and any(
            stmt.not_principal is not None and stmt.ref in denied
            for group in plan.deny_groups
            for stmt in group.denies
        ):
            notes = (NOT_PRINCIPAL_BOUNDARY_NOTE,)
        return _finish(ctx, Decision.EXPLICIT_DENY, tuple(denied), (), deny_kind, notes, plan)
    if steps is not None:
        steps.append("explicit deny: none" + (" (some conditional)" if deny_clauses else ""))

    # 2. organization guardrails: each SCP level needs an allow. RCPs only deny: AWS
    # attaches RCPFullAWSAccess at every level and it cannot be detached, so a level
    # without an Allow does not deny (Organizations User Guide, orgs_manage_policies_rcps)
    gates: list[Tri] = []
    if in_org_principal:
        gates.extend(allow(group.allows, ctx, NO_SCP) for group in plan.scp)

    # 3. permissions: identity path and resource-based grants
    if ptype is PrincipalType.ACCOUNT:
        identity_path = YES
        boundary = session = YES
    elif has_account:
        identity = allow(plan.identity.allows, ctx, NO_IDENTITY)
        boundary = (
            allow(plan.boundary.allows, ctx, NO_BOUNDARY)
            if policies.permissions_boundary is not None
            else YES
        )
        if principal.is_session:
            if policies.session is not None:
                session = allow(plan.session.allows, ctx, NO_SESSION)
            elif ptype is PrincipalType.FEDERATED_USER:
                session = NO_SESSION
            else:
                session = YES
        else:
            session = YES
        identity_path = all_of(identity, boundary, session)
    else:
        identity_path = NO_IDENTITY
        boundary = session = YES

    if plan.resource.allows:
        grants: tuple[list[Stmt], list[Stmt], list[Stmt], list[Stmt]] = ([], [], [], [])
        for stmt in plan.resource.allows:
            grants[grant_of(stmt, principal).value].append(stmt)
        direct = allow(grants[Grant.DIRECT.value], ctx, NO_RESOURCE)
        limited = allow(grants[Grant.LIMITED.value], ctx, NO_RESOURCE)
        account = allow(grants[Grant.ACCOUNT.value], ctx, NO_RESOURCE)
    else:
        direct = limited = account = NO_RESOURCE

    same_account = has_account and principal.account == ctx.resource_account
    needs_grant = policies.requires_resource_grant or needs_resource_grant(
        plan.action, ctx.request.resource
    )
    if not has_account:
        permitted = any_of(PolicyKind.RESOURCE, direct, limited, account)
    elif not same_account:
        resource_side = any_of(PolicyKind.RESOURCE, direct, limited, account)
        permitted = all_of(resource_side, identity_path)
    elif needs_grant:
        permitted = any_of(
            PolicyKind.RESOURCE,
            direct,
            all_of(limited, boundary, session),
            all_of(account, identity_path),
        )
    else:
        limited_path = all_of(limited, boundary, session)
        kind = limited_path.kind if limited.state != FALSE else identity_path.kind
        permitted = any_of(kind, direct, limited_path, identity_path)
    if steps is not None:
        steps.append(
            f"principal {principal.type.value} account {principal.account} "
            f"resource account {ctx.resource_account}"
            f"{' (needs resource grant)' if needs_grant else ''}"
        )
    final = all_of(*gates, permitted)
    if final.state == FALSE:
        return _finish(ctx, Decision.IMPLICIT_DENY, (), (), final.kind, (), plan)
    undecided = (*final.clauses, *deny_clauses)
    if ctx.is_pattern and not ctx.every_resource:
        refused = _no_resource_left(ctx, plan, _unique(final.refs), same_account)
        if refused is not None:
            return refused
    return _finish(ctx, Decision.ALLOWED, _unique(final.refs), undecided, None, (), plan)


NOT_PRINCIPAL_BOUNDARY_NOTE: Final = (
    "a `NotPrincipal` Deny always denies an IAM user or role with a permissions boundary, "
    "whatever `NotPrincipal` lists (IAM User Guide, access_policies_boundaries.md and "
    "reference_policies_elements_notprincipal.md)"
)


NO_PRINCIPAL_NOTE: Final = (
    "skipped, without `Principal` / `NotPrincipal` a resource-policy statement applies to "
    "no one (IAM User Guide, reference_policies_elements_principal.md: resource-based "
    "policies must use `Principal`)"
)


_MAX_PATTERNS: Final = 24


def _no_resource_left(
    ctx: Context, plan: Plan, refs: tuple[StatementRef, ...], same_account: bool
) -> Evaluation | None:
    """The deny of a wildcard resource that each statement allows alone but no single
    resource passes: the allowing policy types share no resource inside the pattern, or
    Denies that each spare part of it cover between them all it allows (None otherwise)"""
    wanted = set(refs)

    def union(*groups: Group) -> list[Component] | None:
        comps: list[Component] = []
        for group in groups:
            for stmt in group.allows:
                if stmt.ref not in wanted:
                    continue
                if not stmt.res_present or (stmt.res_universal and not stmt.res_negated):
                    return None  # this group allows every resource
                comps.append((resource_patterns(stmt, ctx), stmt.res_negated))
        return comps or None

    by_resource = any(stmt.ref in wanted for stmt in plan.resource.allows)
    groups: list[tuple[Group, ...]] = (
        [(plan.resource, plan.identity)] if same_account else [(plan.resource,), (plan.identity,)]
    )
    if not by_resource:
        groups.extend([(plan.boundary,), (plan.session,)])
    groups.extend((level,) for level in plan.scp)
    # a group with a component matching every string constrains nothing
    within = [
        found
        for found in (union(*g) for g in groups)
        if found is not None and not any("*" in pats and not neg for pats, neg in found)
    ]
    denies = [(ref, comp) for ref, _, comp in ctx.partial_denies or ()]
    outside = [comp for _, comp in denies]
    names = {p for group in within for pats, _ in group for p in pats}
    names.update(p for pats, _ in outside for p in pats)
    if (not within and not outside) or len(names) > _MAX_PATTERNS:
        return None
    pattern = ctx.request.resource
    if not some_string(pattern, within):
        note = (
            f"resource `{pattern}`: each allowing policy type allows some resource it "
            "matches, but no one resource is allowed by all of them"
        )
        return _finish(ctx, Decision.IMPLICIT_DENY, (), (), None, (note,))
    if not outside or some_string(pattern, within, outside):
        return None
    reasons = tuple(ref for ref, _ in denies)
    if not some_string(pattern, (), outside):
        note = f"resource `{pattern}`: the Denies cover every resource it matches between them"
        return _finish(ctx, Decision.EXPLICIT_DENY, reasons, (), reasons[0].kind, (note,))
    note = (
        f"resource `{pattern}`: every resource it matches that the Allows grant is denied "
        "by " + ", ".join(map(str, reasons))
    )
    return _finish(ctx, Decision.IMPLICIT_DENY, (), (), None, (note,))


def _pattern_notes(
    ctx: Context, plan: Plan, decision: Decision, reasons: tuple[StatementRef, ...]
) -> list[str]:
    """What a wildcard resource's decision means: on which resources it holds"""
    pattern = ctx.request.resource
    if ctx.every_resource:
        verb = {Decision.ALLOWED: "allowed", Decision.EXPLICIT_DENY: "denied"}.get(decision)
        if verb is None:
            return [f"resource `{pattern}`: not allowed on every resource it matches"]
        return [f"resource `{pattern}`: {verb} on every resource it matches"]
    notes: list[str] = []
    if decision is Decision.ALLOWED:
        wanted = set(reasons)
        allowed: dict[str, None] = {}
        for group in (plan.resource, plan.identity, plan.boundary, plan.session, *plan.scp):
            for stmt in group.allows:
                if stmt.ref not in wanted:
                    continue
                if not stmt.res_present:
                    allowed[f"`{pattern}`"] = None
                    continue
                patterns = resource_patterns(stmt, ctx)
                if stmt.res_negated:
                    allowed["every resource but " + ", ".join(f"`{p}`" for p in patterns)] = None
                    continue
                for p in patterns:
                    if pattern == "*" or globs_intersect(p, pattern):
                        allowed[f"`{p}`"] = None
        if set(allowed) != {f"`{pattern}`"}:
            notes.append(
                f"resource `{pattern}`: allowed on some resource it matches, among those "
                f"matching {', '.join(allowed)} (as in AWS's policy simulator, a wildcard "
                "resource asks whether some resource it matches is allowed)"
            )
    elif pattern == "*":
        pass
    elif decision is Decision.EXPLICIT_DENY:
        notes.append(f"resource `{pattern}`: denied on every resource it matches")
    else:
        notes.append(f"resource `{pattern}`: no resource it matches is allowed")
    for ref, listed, _ in ctx.partial_denies or ():
        notes.append(f"resource `{pattern}`: denied on {listed} by {ref}")
    return notes


def _finish(
    ctx: Context,
    decision: Decision,
    reasons: tuple[StatementRef, ...],
    undecided: tuple[ConditionRef, ...],
    kind: PolicyKind | None,
    notes: tuple[str, ...] = (),
    plan: Plan | None = None,
) -> Evaluation:
    if ctx.is_pattern and plan is not None:
        notes = (*notes, *_pattern_notes(ctx, plan, decision, reasons))
    if ctx.skipped:
        notes = (
            *notes,
            *(f"the resource policy's {ref.pointer}: {NO_PRINCIPAL_NOTE}" for ref in ctx.skipped),
        )
    missing = ctx.missing
    return Evaluation(
        decision=decision,
        reasons=reasons,
        undecided=_unique(undecided) if undecided else (),
        errors=tuple(ctx.issues.values()) if ctx.issues else (),
        deciding_kind=kind,
        trace=tuple(ctx.trace) if ctx.trace is not None else (),
        notes=notes,
        missing_context=tuple(sorted(missing.values(), key=str.lower)) if missing else (),
    )


def evaluate(
    request: Request,
    policies: PolicySet,
    *,
    trace: bool = False,
    catalog: Catalog | None = None,
) -> Evaluation:
    """Decide `request` against `policies` the way AWS does, with reasons

    A wildcard action (`iam:*`) stands for every catalogue action it matches and is
    allowed only if each of them is: the Allow statements of each policy type (each SCP /
    RCP level) must cover the expansion between them, and a Deny covering any of them
    denies. The catalogue is loaded only for wildcard actions and RCPs, unless given.

    Raises:
        InputError: the principal is not an ARN, an account id, a service or `*`.
    """
    return _decide(compile_set(policies), request, catalog, trace)


def evaluate_uncached(
    request: Request, policies: PolicySet, *, catalog: Catalog | None = None
) -> Evaluation:
    """`evaluate` from a fresh compilation, without memo or shared caches (for tests)"""
    return _decide(CompiledSet(policies, shared=False), request, catalog, False, memo=False)


def evaluate_many(
    requests: Iterable[Request],
    policies: PolicySet,
    *,
    catalog: Catalog | None = None,
) -> list[Evaluation]:
    """Decide many requests against one policy set, compiling it once"""
    compiled = compile_set(policies)
    return [_decide(compiled, request, catalog, False) for request in requests]


def evaluate_actions(
    request: Request,
    policies: PolicySet,
    actions: Iterable[str],
    *,
    catalog: Catalog,
) -> dict[str, Evaluation]:
    """`request` decided for each of `actions` (catalogue actions; `request.action` is
    ignored), keyed as given

    Actions the policy set treats alike (the classes of `CompiledSet.classes`: covered by
    the same statements, singled out by no rule) get one decision, that of the class's
    first action, as a wildcard action's expansion does. Actions not in the catalogue are
    decided one by one.
    """
    compiled = compile_set(policies)
    given = {a.lower(): a for a in actions}
    known = frozenset(given.keys() & expand_lower(catalog, "*"))
    out: dict[str, Evaluation] = {}
    for block in compiled.classes(known, catalog) if known else ():
        answer = _decide(compiled, replace(request, action=min(block)), catalog, False)
        for action in block:
            out[given[action]] = answer
    for action in given.keys() - known:
        out[given[action]] = _decide(compiled, replace(request, action=action), catalog, False)
    return out
