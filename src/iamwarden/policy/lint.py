"""Policy lint: what IAM (or common sense) rejects that the grammar cannot see.

Owns the checks that need the action catalogue or the policy's place: unknown actions,
services and condition keys, condition keys no action of the statement supports, wrong or
missing `Principal` for the policy kind, the version floor of managed policies, literal
policy variables under the old version, regions in S3 ARNs, unknown condition operators.
`lint_policy` returns every diagnostic it finds, in document order; it never decides
access (that is `engine`) and never raises for a bad policy.

Codes (stable, snake_case): `syntax`, `duplicate_key`, `version_floor`, `literal_variable`,
`principal_not_allowed`, `principal_missing`, `rcp_principal_not_star`, `resource_missing`,
`rcp_allow`, `not_principal_with_allow`, `unknown_operator`, `for_any_value_if_exists`,
`multivalued_key_without_set_operator`, `unknown_service`, `unknown_action`,
`action_matches_nothing`, `resource_region`, `unknown_global_condition_key`,
`unknown_condition_key`, `condition_key_not_applicable`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from iamwarden.errors import PolicySyntaxError
from iamwarden.policy.arn import compile_glob, try_parse_arn
from iamwarden.policy.catalog import Catalog, closest_name, load_catalog
from iamwarden.policy.conditions import OPERATORS, SetQualifier, parse_operator, value_matcher
from iamwarden.policy.document import (
    _ANY_PRINCIPAL,
    _IDENTITY_LIKE,
    _PRINCIPAL_KINDS,
    VERSION_2008,
    Effect,
    Policy,
    PolicyKind,
    Statement,
    parse_policy,
)

__all__ = ["Diagnostic", "DiagnosticSeverity", "lint_policy"]


class DiagnosticSeverity(Enum):
    """How bad a lint diagnostic is: ERROR means IAM rejects or ignores the element"""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    """One lint result, located by a path such as `Statement[0].Action[2]`"""

    severity: DiagnosticSeverity
    code: str
    location: str
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity.value} {self.code}: {self.message}"


_VARIABLE = re.compile(r"\$\{[^}]*\}")
_RESOURCE_TYPE = re.compile(r"[/:]")
_KEY_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")
_WILD = ("*", "?")
_ERROR = DiagnosticSeverity.ERROR
_WARNING = DiagnosticSeverity.WARNING


def lint_policy(
    policy_or_source: Policy | str | Mapping[str, Any],
    *,
    kind: PolicyKind | None = None,
    managed: bool = False,
    catalog: Catalog | None = None,
    duplicate_keys: Iterable[tuple[str, str]] = (),
) -> tuple[Diagnostic, ...]:
    """Every diagnostic for a policy, in document order

    Args:
        policy_or_source: a parsed `Policy`, JSON text or decoded JSON data.
        kind: where the policy is used; defaults to the `Policy`'s own kind, or IDENTITY
            for a source.
        managed: the policy is (to be) a managed policy, which IAM requires to be version
            `2012-10-17`.
        catalog: the action catalogue; `load_catalog()` when not given.
        duplicate_keys: (object path, key) of each key the source repeats in one object,
            for decoded data whose reader saw them (YAML); JSON text is searched here.

    Repeated keys come first, as `duplicate_key` errors. A source that breaks the grammar
    only where its kind decides (`Principal` in an identity policy, no `Resource`) is linted
    in full, those problems under their own codes (`principal_not_allowed`,
    `resource_missing`); any other grammar problem makes the source's problems `syntax`
    errors (those two keep their codes) and nothing else.
    """
    repeated = list(duplicate_keys)
    if isinstance(policy_or_source, str):
        repeated.extend(_repeated_keys(policy_or_source))
    found = [_duplicate_key(path, key) for path, key in repeated]
    if isinstance(policy_or_source, Policy):
        policy = policy_or_source
        kind = kind or policy.kind
    else:
        kind = kind or PolicyKind.IDENTITY
        try:
            policy = parse_policy(policy_or_source, kind=kind)
        except PolicySyntaxError as exc:
            relaxed = _parse_ignoring_kind(policy_or_source, kind)
            if relaxed is None:
                return (*found, *(_syntax(p.location, p.problem, kind) for p in exc.problems))
            policy = relaxed  # the linter reports what the kind forbids, with its codes
    linter = _Linter(kind, catalog or load_catalog())
    return (*found, *linter.policy(policy, managed=managed))


def _parse_ignoring_kind(source: str | Mapping[str, Any], kind: PolicyKind) -> Policy | None:
    """The policy parsed as a resource policy (`Principal` allowed, `Resource` optional) when
    only the rules of `kind` broke the grammar, so that every other diagnostic is still
    found; else None"""
    if kind in _PRINCIPAL_KINDS:
        return None
    try:
        return parse_policy(source, kind=PolicyKind.RESOURCE)
    except PolicySyntaxError:
        return None


def _syntax(location: str, problem: str, kind: PolicyKind) -> Diagnostic:
    """A grammar problem, with the documented code of the two the policy's kind decides"""
    code = "syntax"
    if kind not in _PRINCIPAL_KINDS and location.endswith(("Principal", "NotPrincipal")):
        code = "principal_not_allowed" if "is not allowed" in problem else code
    elif kind in _IDENTITY_LIKE and problem == "statement must contain resources":
        code = "resource_missing"
    return Diagnostic(severity=_ERROR, code=code, location=location, message=problem)


def _duplicate_key(path: str, key: str) -> Diagnostic:
    """IAM rejects a repeated key: "Individual elements must not contain multiple instances
    of the same key" (IAM User Guide, grammar of the IAM JSON policy language, notes)"""
    return Diagnostic(
        severity=_ERROR,
        code="duplicate_key",
        location=f"{path}.{key}" if path else key,
        message=f"`{key}` appears more than once in this object: IAM rejects a repeated key "
        "(a reader keeps only the last one)",
    )


def _repeated_keys(source: str) -> list[tuple[str, str]]:
    """(object path, key) of every key repeated in an object of JSON text, in path order;
    none when the text is not JSON (the grammar's `syntax` errors say why)"""
    repeated: dict[int, list[str]] = {}

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) != len(pairs):
            seen: set[str] = set()
            keys = repeated.setdefault(id(built), [])
            for key, _ in pairs:
                if key in seen:
                    keys.append(key)
                seen.add(key)
        return built

    try:
        value = json.loads(source, object_pairs_hook=build)
    except (ValueError, RecursionError):
        return []
    if not repeated:
        return []
    found: list[tuple[str, str]] = []
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:  # INVARIANT: every object is alive in `value`, so ids are unique
        where, item = pending.pop()
        if isinstance(item, dict):
            found.extend((where, key) for key in repeated.get(id(item), ()))
            pending.extend((f"{where}.{k}" if where else k, v) for k, v in item.items())
        elif isinstance(item, list):
            pending.extend((f"{where}[{i}]", v) for i, v in enumerate(item))
    return sorted(found)


class _Linter:
    """The checks, over one policy kind and one catalogue"""

    def __init__(self, kind: PolicyKind, catalog: Catalog) -> None:
        self.kind = kind
        self.catalog = catalog

    def policy(self, policy: Policy, *, managed: bool) -> Iterator[Diagnostic]:
        if managed and policy.version == VERSION_2008:
            yield Diagnostic(
                severity=_ERROR,
                code="version_floor",
                location="Version",
                message="managed policies must be version `2012-10-17` or greater "
                "(the Version is missing or `2008-10-17`)",
            )
        for statement in policy.statements:
            at = statement.pointer
            if policy.version == VERSION_2008:
                yield from self.literal_variables(statement, at)
            yield from self.principal(statement, at)
            if statement.conditions:
                yield from self.operators(statement, at)
                yield from self.condition_values(statement, at)
                yield from self.set_operators(statement, at)
            for name, entries in (
                ("Action", statement.action),
                ("NotAction", statement.not_action),
            ):
                for i, entry in enumerate(entries or ()):
                    yield from self.action(entry, f"{at}.{name}[{i}]")
            for name, entries in (
                ("Resource", statement.resource),
                ("NotResource", statement.not_resource),
            ):
                for i, entry in enumerate(entries or ()):
                    yield from self.resource(entry, f"{at}.{name}[{i}]")
            if statement.conditions:
                yield from self.condition_keys(statement, at)

    def literal_variables(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        values: list[tuple[str, str]] = [
            (f"{at}.{name}[{i}]", value)
            for name, entries in (
                ("Resource", statement.resource),
                ("NotResource", statement.not_resource),
            )
            for i, value in enumerate(entries or ())
        ]
        values.extend(
            (f"{at}.Condition.{c.operator}.{c.key}", value)
            for c in statement.conditions
            for value in c.values
        )
        for where, value in values:
            if _VARIABLE.search(value):
                yield Diagnostic(
                    severity=_WARNING,
                    code="literal_variable",
                    location=where,
                    message=f"policy variable in `{value}` is literal text under version "
                    "`2008-10-17` (or no Version): set Version `2012-10-17`",
                )

    def principal(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        named = statement.principal is not None or statement.not_principal is not None
        element = "Principal" if statement.principal is not None else "NotPrincipal"
        if named and self.kind not in _PRINCIPAL_KINDS:
            yield Diagnostic(
                severity=_ERROR,
                code="principal_not_allowed",
                location=f"{at}.{element}",
                message=f"`{element}` is not allowed in {self.kind.value} policies: "
                "they apply to the principal they are attached to",
            )
        if (
            self.kind in _IDENTITY_LIKE
            and statement.resource is None
            and (statement.not_resource is None)
        ):
            yield Diagnostic(
                severity=_ERROR,
                code="resource_missing",
                location=at,
                message=f"statements of {self.kind.value} policies must contain `Resource` "
                "or `NotResource`",
            )
        if self.kind is PolicyKind.RESOURCE and not named:
            yield Diagnostic(
                severity=_ERROR,
                code="principal_missing",
                location=at,
                message="a resource policy statement must contain `Principal` or `NotPrincipal`",
            )
        if self.kind is PolicyKind.RCP and statement.principal != _ANY_PRINCIPAL:
            yield Diagnostic(
                severity=_ERROR,
                code="rcp_principal_not_star",
                location=f"{at}.{element}" if named else at,
                message="a resource control policy statement must have `Principal` `*`",
            )
        if self.kind is PolicyKind.RCP and statement.effect is Effect.ALLOW:
            yield Diagnostic(
                severity=_ERROR,
                code="rcp_allow",
                location=f"{at}.Effect",
                message="resource control policies only deny: AWS attaches `RCPFullAWSAccess` "
                "at every level, so an `Allow` grants nothing (use `Deny`)",
            )
        if statement.not_principal is not None and statement.effect is Effect.ALLOW:
            yield Diagnostic(
                severity=_WARNING,
                code="not_principal_with_allow",
                location=f"{at}.NotPrincipal",
                message="`NotPrincipal` with `Allow` grants every principal not listed, "
                "anonymous users included: name the principals in `Principal` instead",
            )

    def operators(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        seen: set[str] = set()
        for condition in statement.conditions:
            operator = condition.operator
            if operator in seen or parse_operator(operator).is_known:
                continue
            seen.add(operator)
            base = operator.rsplit(":", 1)[-1]
            yield Diagnostic(
                severity=_ERROR,
                code="unknown_operator",
                location=f"{at}.Condition.{operator}",
                message=f"unknown condition operator `{operator}`"
                + _did_you_mean(base.removesuffix("IfExists"), OPERATORS),
            )

    def condition_values(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        """Values their operator cannot read (a CIDR `/33`, a number `ten`, a date
        `yesterday`, `Bool` or `Null` other than true/false, an `Arn…` value that is no ARN):
        the engine reports the clause as an evaluation error, so the statement never applies
        as written"""
        for condition in statement.conditions:
            spec = parse_operator(condition.operator)
            values = condition.values
            # a policy variable, or a template's placeholder (`{{Name}}`, known at deploy)
            if not spec.is_known or any("${" in v or "{{" in v for v in values):
                continue
            problem = None
            if spec.base in ("Null", "Bool"):
                bad = [v for v in values if v.lower() not in ("true", "false")]
                if bad:
                    problem = f"`{bad[0]}` is not `true` or `false`"
            elif spec.base.startswith("Arn"):
                bad = [v for v in values if not v.startswith("arn:") and set(v) != {"*"}]
                if bad:
                    problem = f"`{bad[0]}` is not an ARN"
            else:
                try:
                    value_matcher(spec.base, values)
                except ValueError as exc:
                    problem = str(exc)
            if problem is not None:
                yield Diagnostic(
                    severity=_WARNING,
                    code="invalid_condition_value",
                    location=f"{at}.Condition.{condition.operator}.{condition.key}",
                    message=f"`{condition.operator}` on `{condition.key}`: {problem}",
                )

    def set_operators(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        """Set operators whose meaning AWS leaves open (the engine marks them uncertain)"""
        for condition in statement.conditions:
            spec = parse_operator(condition.operator)
            if not spec.is_known:
                continue
            where = f"{at}.Condition.{condition.operator}.{condition.key}"
            if spec.qualifier is SetQualifier.FOR_ANY_VALUE and spec.if_exists:
                yield Diagnostic(
                    severity=_WARNING,
                    code="for_any_value_if_exists",
                    location=where,
                    message=f"`{condition.operator}`: AWS does not document `IfExists` with "
                    "`ForAnyValue:`; an absent key makes it false (as observed), not true: "
                    "drop `IfExists`, or use `ForAllValues:` if an absent key should pass",
                )
            elif (
                spec.qualifier is SetQualifier.NONE
                and spec.base != "Null"
                and self.catalog.is_multivalued_key(condition.key)
            ):
                yield Diagnostic(
                    severity=_WARNING,
                    code="multivalued_key_without_set_operator",
                    location=where,
                    message=f"`{condition.key}` can have several values in a request: AWS "
                    f"requires `ForAnyValue:` or `ForAllValues:` with it and does not document "
                    f"`{condition.operator}` alone",
                )

    def action(self, entry: str, at: str) -> Iterator[Diagnostic]:
        if entry == "*":
            return
        service = entry.partition(":")[0]
        catalog = self.catalog
        lower = service.lower()
        if not any(w in lower for w in _WILD) and lower not in catalog.services:
            yield Diagnostic(
                severity=_WARNING,
                code="unknown_service",
                location=at,
                message=f"unknown service prefix `{service}`"
                + _did_you_mean(lower, catalog.services),
            )
            return
        if any(w in entry for w in _WILD):
            if not catalog.expand(entry):
                yield Diagnostic(
                    severity=_WARNING,
                    code="action_matches_nothing",
                    location=at,
                    message=f"action pattern `{entry}` matches no known action",
                )
            return
        if not catalog.action_exists(entry):
            known = sorted(catalog.expand(f"{lower}:*"))
            yield Diagnostic(
                severity=_WARNING,
                code="unknown_action",
                location=at,
                message=f"unknown action `{entry}`" + _did_you_mean(entry, known),
            )

    def resource(self, entry: str, at: str) -> Iterator[Diagnostic]:
        arn = try_parse_arn(entry)
        if arn is None or not arn.region or any(c in arn.region for c in (*_WILD, "$")):
            return
        formats = _arn_formats(self.catalog, arn.service.lower())
        if not formats:
            return
        kind = arn.resource_type
        if any(w in kind for w in _WILD):
            return
        matching = [region for region, shape in formats if shape.fullmatch(kind)]
        if matching and not any(matching):
            # S3 is the one service whose region-less ARNs IAM itself rejects with a region
            is_s3 = arn.service == "s3"
            yield Diagnostic(
                severity=_ERROR if is_s3 else _WARNING,
                code="resource_region",
                location=at,
                message=f"resource `{entry}` can not contain region information"
                + ("" if is_s3 else f": `{arn.service}` ARNs of this type have no region"),
            )

    def condition_keys(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        catalog = self.catalog
        index = _key_index(catalog)
        actions: frozenset[str] | None = None
        if statement.action is not None and "*" not in statement.action:
            actions = frozenset().union(*(catalog.expand(a) for a in statement.action))
        seen: set[str] = set()
        for condition in statement.conditions:
            key = condition.key
            lower = key.lower()
            if lower in seen:
                continue
            seen.add(lower)
            where = f"{at}.Condition.{condition.operator}.{key}"
            prefix = lower.split(":", 1)[0]
            if catalog.is_global_condition_key(lower):
                continue  # global and cross-service keys go with every action
            if prefix == "aws":
                yield Diagnostic(
                    severity=_WARNING,
                    code="unknown_global_condition_key",
                    location=where,
                    message=f"unknown global condition key `{key}`"
                    + _did_you_mean(lower, catalog.global_condition_keys),
                )
                continue
            if "." in prefix or "/" in prefix or ":" not in lower:
                continue  # identity-provider keys (`accounts.google.com:aud`) are open-ended
            if not index.matches(lower):
                yield Diagnostic(
                    severity=_WARNING,
                    code="unknown_condition_key",
                    location=where,
                    message=f"unknown condition key `{key}`"
                    + _did_you_mean(lower, index.names_of(prefix)),
                )
                continue
            if actions and not any(
                index.matches(lower, catalog.condition_keys(action)) for action in actions
            ):
                yield Diagnostic(
                    severity=_WARNING,
                    code="condition_key_not_applicable",
                    location=where,
                    message=f"no action of this statement supports condition key `{key}` "
                    "(per the catalogue): the clause would never match",
                )


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """`: did you mean `x`?` for the closest known name, or nothing"""
    best = closest_name(name, known)
    return f": did you mean `{best}`?" if best else ""


@lru_cache(maxsize=512)
def _arn_formats(catalog: Catalog, service: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(region segment, resource-type regex) of each ARN format the service's actions use

    The resource type is the resource part up to the first `/` or `:` (`accesspoint`);
    a format whose type is a variable (`${BucketName}`) matches any.
    """
    found: dict[str, tuple[str, re.Pattern[str]]] = {}
    for action in catalog.expand(f"{service}:*"):
        for rtype in catalog.resource_types(action):
            for arn_format in rtype.arn_formats:
                parts = arn_format.split(":", 5)
                if len(parts) != 6 or arn_format in found:
                    continue
                kind = _RESOURCE_TYPE.split(parts[5], maxsplit=1)[0]
                shape = compile_glob(_VARIABLE.sub("*", kind))
                found[arn_format] = (parts[3], shape)
    return tuple(found.values())


class _KeyIndex:
    """Catalogue condition keys, exact and templated (`aws:RequestTag/${TagKey}`)"""

    def __init__(self, catalog: Catalog) -> None:
        exact: set[str] = set()
        templated: dict[str, re.Pattern[str]] = {}
        self.spelled: dict[str, set[str]] = {}
        for action in catalog.all_actions:
            for key in catalog.condition_keys(action):
                lower = key.lower()
                self.spelled.setdefault(lower.split(":", 1)[0], set()).add(key)
                if "/" in key or _KEY_PLACEHOLDER.search(key):
                    templated.setdefault(lower, _key_regex(lower))
                else:
                    exact.add(lower)
        self.exact = frozenset(exact)
        self.templated = templated

    def matches(self, key: str, among: Iterable[str] | None = None) -> bool:
        """Whether lowercased `key` is a catalogue key (of the keys `among`, if given)"""
        if among is None:
            return key in self.exact or any(r.fullmatch(key) for r in self.templated.values())
        for candidate in among:
            lower = candidate.lower()
            if lower == key:
                return True
            if lower in self.templated and self.templated[lower].fullmatch(key):
                return True
        return False

    def names_of(self, prefix: str) -> frozenset[str]:
        """The catalogue keys of one service prefix, as AWS spells them"""
        return frozenset(self.spelled.get(prefix, ()))


def _key_regex(template: str) -> re.Pattern[str]:
    """A lowercased key template as a regex; after a `/` anything goes (`…/tag-key`)"""
    head, slash, _ = template.partition("/")
    pieces = _KEY_PLACEHOLDER.split(head)
    body = ".+".join(re.escape(piece) for piece in pieces)
    return re.compile(body + ("/.+" if slash else ""), re.DOTALL)


@lru_cache(maxsize=8)
def _key_index(catalog: Catalog) -> _KeyIndex:
    return _KeyIndex(catalog)
