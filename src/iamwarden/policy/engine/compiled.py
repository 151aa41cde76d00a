"""Policies compiled once into statement matchers indexed by service prefix (cached by
digest, name and kind)"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from iamwarden.policy.arn import glob_regex
from iamwarden.policy.catalog import Catalog
from iamwarden.policy.conditions import (
    OperatorSpec,
    Template,
    ValueMatcher,
    parse_operator,
    parse_template,
    value_matcher,
)
from iamwarden.policy.document import VERSION_2008, Condition, Effect, Policy, PolicyKind, Statement
from iamwarden.policy.engine.model import StatementRef
from iamwarden.policy.engine.special import ROLE_ACTIONS, SPECIAL_ACTIONS


@dataclass(frozen=True, slots=True, kw_only=True)
class Clause:
    condition: Condition
    spec: OperatorSpec
    key: str
    templates: tuple[Template | str, ...] | None
    matcher: ValueMatcher | None
    error: str | None
    partial_arn: str | None = None
    """The first value of an ARN operator with fewer than six colon-delimited components
    (`arn:aws:sns:*`): AWS documents no match for it (see `matching.PARTIAL_ARN`)"""


class Stmt:
    """One statement compiled to matchers"""

    __slots__ = (
        "act_all",
        "act_exact",
        "act_globs",
        "act_negated",
        "act_patterns",
        "act_prefixes",
        "act_set",
        "clauses",
        "has_dynamic",
        "is_deny",
        "not_principal",
        "principal",
        "ref",
        "res_all",
        "res_cache",
        "res_dependent",
        "res_exact",
        "res_globs",
        "res_negated",
        "res_patterns",
        "res_present",
        "res_templates",
        "res_universal",
        "services",
    )

    def __init__(self, statement: Statement, policy: Policy) -> None:
        self.ref = StatementRef(
            kind=policy.kind,
            policy=policy.name,
            index=statement.index,
            sid=statement.sid,
            pointer=statement.pointer,
        )
        self.is_deny = statement.effect is Effect.DENY
        actions = statement.action if statement.action is not None else statement.not_action
        self.act_negated = statement.action is None
        lowered = tuple(a.lower() for a in actions or ())
        self.act_patterns = lowered
        self.act_set: tuple[Catalog, frozenset[str]] | None = None
        self.act_all = "*" in lowered
        self.act_exact = frozenset(a for a in lowered if "*" not in a and "?" not in a)
        globs = [a for a in lowered if ("*" in a or "?" in a) and a != "*"]
        # `service:Prefix*` (nearly every action glob) is a prefix test, no regex
        self.act_prefixes = tuple(g[:-1] for g in globs if _is_prefix_glob(g))
        self.act_globs = lazy_union([g for g in globs if not _is_prefix_glob(g)])
        prefixes = {a.split(":", 1)[0] for a in lowered}
        wild = self.act_negated or self.act_all or any("*" in p or "?" in p for p in prefixes)
        self.services = None if wild else frozenset(prefixes)
        literal = policy.version == VERSION_2008
        resources = statement.resource if statement.resource is not None else statement.not_resource
        self.res_present = resources is not None
        self.res_negated = statement.resource is None and statement.not_resource is not None
        self.res_all = False
        exact: set[str] = set()
        res_globs: list[str] = []
        templates: list[Template] = []
        for value in resources or ():
            template = None if literal else parse_template(value)
            if template is not None:
                templates.append(template)
            elif value == "*":
                self.res_all = True
            elif "*" in value or "?" in value:
                res_globs.append(value)
            else:
                exact.add(value)
        self.res_exact = frozenset(exact)
        self.res_patterns = (*sorted(exact), *res_globs, *(("*",) if self.res_all else ()))
        """The `Resource` / `NotResource` entries without variables, as written"""
        self.res_globs = lazy_union(res_globs)
        self.res_templates = tuple(templates)
        self.res_universal = any(set(p) == {"*"} for p in self.res_patterns)
        """Whether an entry without variables is all `*` (matches every resource)"""
        # whether matching depends on the request's resource at all
        self.res_dependent = self.res_present and not (self.res_all and not self.res_negated)
        self.res_cache: dict[str, bool] = {}
        self.principal = statement.principal
        self.not_principal = statement.not_principal
        self.clauses = tuple(compile_clause(c, literal) for c in statement.conditions)
        self.has_dynamic = bool(self.clauses or self.res_templates)

    def covers(self, action: str) -> bool:
        hit = (
            self.act_all
            or action in self.act_exact
            or (bool(self.act_prefixes) and action.startswith(self.act_prefixes))
            or (self.act_globs is not None and self.act_globs.fullmatch(action))
        )
        return hit != self.act_negated

    def named_actions(self, catalog: Catalog) -> frozenset[str]:
        """The catalogue actions (lowercased) its `Action` / `NotAction` patterns name

        The statement covers exactly these (`Action`) or every other one (`NotAction`);
        with `*` it names none, as it covers all catalogue actions or none alike. Cached
        per catalogue.
        """
        cached = self.act_set
        if cached is not None and cached[0] is catalog:
            return cached[1]
        named: frozenset[str] = frozenset()
        if not self.act_all:
            named = named.union(*(expand_lower(catalog, p) for p in self.act_patterns))
        self.act_set = (catalog, named)
        return named


@lru_cache(maxsize=4096)
def expand_lower(catalog: Catalog, pattern: str) -> frozenset[str]:
    """`catalog.expand(pattern)`, lowercased as the engine compares actions"""
    return frozenset(a.lower() for a in catalog.expand(pattern))


@lru_cache(maxsize=256)
def sorted_lower(catalog: Catalog, pattern: str) -> tuple[str, ...]:
    """`expand_lower(catalog, pattern)` in sorted order"""
    return tuple(sorted(expand_lower(catalog, pattern)))


@lru_cache(maxsize=64)
def action_classes(catalog: Catalog, has_rcps: bool) -> tuple[frozenset[str], ...]:
    """Catalogue actions the decision rules single out: KMS, role assumption, AWS's
    guardrails and GetCallerIdentity (`special`), RCP services"""
    everything = expand_lower(catalog, "*")
    classes = [expand_lower(catalog, "kms:*"), ROLE_ACTIONS & everything]
    classes.extend(actions & everything for actions in SPECIAL_ACTIONS)
    if has_rcps:
        classes.append(
            frozenset(a for a in everything if a.split(":", 1)[0] in catalog.rcp_services)
        )
    return tuple(classes)


def _is_prefix_glob(glob: str) -> bool:
    return glob.endswith("*") and "*" not in glob[:-1] and "?" not in glob


class LazyUnion:
    """Whole-string matching of any of some IAM globs

    Most statements of a policy are asked about few resources (or actions), so a regex,
    costly to compile, is built only for globs with `?` or once the union has been asked
    more than `_COMPILE_AFTER` times; until then `*`-only globs match piece by piece. The
    regex is shared by every statement with the same globs.
    """

    __slots__ = ("globs", "pieces", "regex", "uses")

    def __init__(self, globs: tuple[str, ...]) -> None:
        self.globs = globs
        self.regex: re.Pattern[str] | None = None
        self.uses = 0
        self.pieces: tuple[list[str], ...] | None = None

    def fullmatch(self, value: str) -> bool:
        """Whether `value` as a whole matches one of the globs"""
        regex = self.regex
        if regex is None:
            self.uses += 1
            pieces = self.pieces
            if pieces is None:  # none (empty) when a glob has `?`: the regex decides
                has_any_one = any("?" in g for g in self.globs)
                pieces = self.pieces = (
                    () if has_any_one else tuple(g.split("*") for g in self.globs)
                )
            if pieces and self.uses <= _COMPILE_AFTER:
                return any(_pieces_match(p, value) for p in pieces)
            regex = self.regex = _union_regex(self.globs)
        return regex.fullmatch(value) is not None


_COMPILE_AFTER: Final = 64


def _pieces_match(pieces: list[str], value: str) -> bool:
    """Whether `value` matches the glob `"*".join(pieces)` (no `?`): the first piece a
    prefix, the last a suffix, the others found in order between them (leftmost first)"""
    first = pieces[0]
    if len(pieces) == 1:
        return value == first
    last = pieces[-1]
    end = len(value) - len(last)
    if end < len(first) or not value.startswith(first) or not value.endswith(last):
        return False
    pos = len(first)
    for piece in pieces[1:-1]:
        if piece:
            pos = value.find(piece, pos, end)
            if pos < 0:
                return False
            pos += len(piece)
    return True


def lazy_union(globs: Sequence[str]) -> LazyUnion | None:
    """A `LazyUnion` of `globs` (None when there are none)"""
    return LazyUnion(tuple(globs)) if globs else None


def union_regex(globs: Sequence[str]) -> re.Pattern[str] | None:
    """One regex matching any of `globs` (None when there are none)

    Cached by the globs: policies of one shape (the same `Action` list in thousands of
    generated or managed policies) share one compiled regex.
    """
    if not globs:
        return None
    return _union_regex(tuple(globs))


@lru_cache(maxsize=32768)
def _union_regex(globs: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{glob_regex(g)})" for g in globs), re.DOTALL)


def compile_clause(condition: Condition, literal: bool) -> Clause:
    spec = parse_operator(condition.operator)
    error: str | None = None
    templates: tuple[Template | str, ...] | None = None
    matcher: ValueMatcher | None = None
    if not spec.is_known:
        error = f"unknown condition operator `{condition.operator}`"
    elif spec.base != "Null":
        if not literal and spec.takes_variables and any("${" in v for v in condition.values):
            templates = tuple(parse_template(v) or v for v in condition.values)
        else:
            try:
                matcher = value_matcher(spec.base, condition.values)
            except ValueError as exc:
                error = f"`{condition.operator}` on `{condition.key}`: {exc}"
    partial_arn = None
    if spec.is_known and spec.base.startswith("Arn"):
        partial_arn = next(
            (v for v in condition.values if v.startswith("arn:") and v.count(":") < 5), None
        )
    return Clause(
        condition=condition,
        spec=spec,
        key=condition.key.lower(),
        templates=templates,
        matcher=matcher,
        error=error,
        partial_arn=partial_arn,
    )


class Split:
    """The statements of one policy that apply to one action, and what they depend on"""

    __slots__ = ("allows", "denies", "is_static", "resource_dependent")

    def __init__(self, allows: tuple[Stmt, ...], denies: tuple[Stmt, ...]) -> None:
        self.allows = allows
        self.denies = denies
        both = allows + denies
        self.is_static = not any([stmt.has_dynamic for stmt in both])
        self.resource_dependent = tuple([stmt for stmt in both if stmt.res_dependent])


_NO_STATEMENTS: Final = Split((), ())


class CompiledPolicy:
    __slots__ = ("by_service", "splits", "statements", "wildcard")

    def __init__(self, policy: Policy) -> None:
        self.statements = tuple(Stmt(s, policy) for s in policy.statements)
        # per service prefix, the statements that may name it, in policy order: those that
        # name it and those whose actions are not by service (NotAction, `*`, `s*:…`)
        by_service: dict[str, list[Stmt]] = {}
        for stmt in self.statements:
            for svc in stmt.services or ():
                by_service.setdefault(svc, []).append(stmt)
        self.wildcard = tuple(s for s in self.statements if s.services is None)
        order = {stmt: i for i, stmt in enumerate(self.statements)}
        self.by_service = {
            svc: tuple(sorted((*named, *self.wildcard), key=order.__getitem__))
            if self.wildcard
            else tuple(named)  # already in policy order
            for svc, named in by_service.items()
        }
        self.splits: dict[str, Split] = {}

    def split(self, key: str, service: str | None) -> Split:
        """The Allow and Deny statements that apply to action `key` (cached per action)"""
        found = self.splits.get(key)
        if found is not None:
            return found
        allows: list[Stmt] = []
        denies: list[Stmt] = []
        for stmt in self.candidates(service):
            if stmt.covers(key):
                (denies if stmt.is_deny else allows).append(stmt)
        found = Split(tuple(allows), tuple(denies)) if allows or denies else _NO_STATEMENTS
        if len(self.splits) < 100_000:
            self.splits[key] = found
        return found

    def candidates(self, service: str | None) -> Sequence[Stmt]:
        if service is None:
            return self.statements
        return self.by_service.get(service, self.wildcard)


_COMPILED: OrderedDict[tuple[str, str, PolicyKind], CompiledPolicy] = OrderedDict()
_COMPILED_MAX: Final = 8192


def compile_policy(policy: Policy) -> CompiledPolicy:
    """The compiled form of `policy`, shared by every policy set that holds it"""
    key = (policy.digest, policy.name, policy.kind)
    found = _COMPILED.get(key)
    if found is None:
        found = CompiledPolicy(policy)
        _COMPILED[key] = found
        if len(_COMPILED) > _COMPILED_MAX:
            _COMPILED.popitem(last=False)
    return found


def clear_compiled() -> None:
    """Forget every compiled policy and statement regex"""
    _COMPILED.clear()
    _union_regex.cache_clear()
