"""The per-statement checks of the lint that need the action catalogue or the policy's place

Unknown actions, services and condition keys, keys no action of the statement supports,
wrong or missing `Principal` for the policy kind, the version floor, literal policy
variables under the old version, regions and types of resource ARNs, unknown operators,
values an operator cannot read, Sids. It never decides access and never raises for a bad
policy; the security checks are in `security`, the statement comparisons in `statements`.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from iamwarden.policy.arn import try_parse_arn
from iamwarden.policy.catalog import Catalog, arn_format_regex, closest_name
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
)
from iamwarden.policy.lint.codes import CODES, Diagnostic, DiagnosticSeverity, iam_message

__all__ = ["Linter", "covered_actions", "diagnostic", "key_index", "known_actions"]

_VARIABLE = re.compile(r"\$\{[^}]*\}")
_RESOURCE_TYPE = re.compile(r"[/:]")
_KEY_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")
_SID = re.compile(r"[0-9A-Za-z_]*")
_WILD = ("*", "?")
_REJECTED_BY_IAM = frozenset(
    {
        "unknown_operator",
        "resource_region",
        "principal_not_allowed",
        "principal_missing",
        "principal_wildcard",
    }
)
"""Codes whose ERROR IAM itself returns as `MalformedPolicyDocument`"""
_ERROR = DiagnosticSeverity.ERROR
_WARNING = DiagnosticSeverity.WARNING
_MAX_TYPED_ACTIONS = 400
"""Statements granting more actions than this are not checked for resource types (a
service wildcard fits nearly every ARN of its service)"""

_KEY_TYPES = {
    "aws:sourceip": "ip",
    "aws:vpcsourceip": "ip",
    "aws:currenttime": "date",
    "aws:tokenissuetime": "date",
    "aws:epochtime": "date",
    "aws:multifactorauthpresent": "bool",
    "aws:securetransport": "bool",
    "aws:viaawsservice": "bool",
    "aws:principalisawsservice": "bool",
    "aws:assumedroot": "bool",
    "aws:multifactorauthage": "numeric",
    "aws:principalarn": "arn",
    "aws:sourcearn": "arn",
}
"""Global keys' types, from the IAM User Guide's global condition context keys page"""

_OPERATOR_TYPES = {
    "String": "string",
    "Numeric": "numeric",
    "Date": "date",
    "Bool": "bool",
    "Binary": "binary",
    "Ip": "ip",
    "NotIp": "ip",
    "Arn": "arn",
}
_FITS = {
    "ip": {"ip", "string"},
    "date": {"date", "numeric", "string"},
    "bool": {"bool", "string"},
    "numeric": {"numeric", "string"},
    "arn": {"arn", "string"},
}
"""Operator types a key type works with (AWS compares a Date key as a number or text too)"""


def _coded(
    *, code: str, location: str, message: str, severity: DiagnosticSeverity | None = None
) -> Diagnostic:
    rejected = code in _REJECTED_BY_IAM and (severity or CODES[code].severity) is _ERROR
    return diagnostic(code, location, message, severity=severity, rejected_by_iam=rejected)


def diagnostic(
    code: str,
    location: str,
    message: str,
    *,
    severity: DiagnosticSeverity | None = None,
    rejected_by_iam: bool = False,
) -> Diagnostic:
    """A diagnostic of `code` in its table class (or `severity`), with IAM's message when
    IAM rejects the document for it"""
    return Diagnostic(
        severity=severity or CODES[code].severity,
        code=code,
        location=location,
        message=message,
        iam_message=iam_message(message) if rejected_by_iam else "",
    )


class Linter:
    """The per-statement checks, over one policy kind and one catalogue"""

    def __init__(self, kind: PolicyKind, catalog: Catalog) -> None:
        self.kind = kind
        self.catalog = catalog

    def policy(self, policy: Policy, *, managed: bool) -> Iterator[Diagnostic]:
        """Every per-statement diagnostic, in document order"""
        if policy.version == VERSION_2008:
            if managed:
                yield diagnostic(
                    "version_floor",
                    "Version",
                    "managed policies must be version `2012-10-17` or greater "
                    "(the Version is missing or `2008-10-17`)",
                    rejected_by_iam=True,
                )
            else:
                yield diagnostic(
                    "version_missing",
                    "Version",
                    "the Version is missing or `2008-10-17`: set `2012-10-17` "
                    "(the old version reads policy variables as literal text)",
                )
        for statement in policy.statements:
            yield from self.statement(statement, policy)

    def statement(self, statement: Statement, policy: Policy) -> Iterator[Diagnostic]:
        """The diagnostics of one statement"""
        at = statement.pointer
        yield from self.sid(statement, at)
        if policy.version == VERSION_2008:
            yield from self.literal_variables(statement, at)
        yield from self.principal(statement, at)
        if statement.conditions:
            yield from self.operators(statement, at)
            yield from self.condition_values(statement, at)
            yield from self.set_operators(statement, at)
            yield from self.partial_arns(statement, at)
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
        if statement.resource and statement.action:
            yield from self.resource_types(statement, at)
        if statement.conditions:
            yield from self.condition_keys(statement, at)

    def sid(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        """IAM requires identity-policy Sids to match `[0-9A-Za-z]*` (IAM User Guide, IAM
        JSON policy elements: Sid); an empty Sid says nothing"""
        sid = statement.sid
        if sid is None:
            return
        if sid == "":
            yield diagnostic("empty_sid", f"{at}.Sid", "the Sid is empty: name the statement")
        elif self.kind in _IDENTITY_LIKE and not _SID.fullmatch(sid):
            yield diagnostic(
                "sid_invalid",
                f"{at}.Sid",
                f"sid `{sid}` is not alphanumeric: IAM accepts only letters, digits and `_`",
                rejected_by_iam=True,
            )

    def resource_types(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        """A resource ARN that fits none of the statement's actions' resource types (the
        Service Authorization Reference's ARN formats, compared as wildcard patterns)"""
        actions = statement.action or ()
        if "*" in actions:
            return
        catalog = self.catalog
        named = covered_actions(catalog, actions)
        if not named or len(named) > _MAX_TYPED_ACTIONS:
            return
        for i, entry in enumerate(statement.resource or ()):
            if entry == "*" or "{{" in entry or "${" in entry:
                continue
            arn = try_parse_arn(entry)
            if arn is None or any(w in arn.service for w in _WILD):
                continue
            # None: no action of the statement has a resource type, so none fits an ARN
            if catalog.fits_resource_type(entry, named) is not True:
                yield diagnostic(
                    "resource_type_mismatch",
                    f"{at}.Resource[{i}]",
                    f"resource `{entry}` fits no resource type of the statement's actions "
                    f"({_sample(named)}): they never apply to it",
                )

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
                yield _coded(
                    code="literal_variable",
                    location=where,
                    message=f"policy variable in `{value}` is literal text under version "
                    "`2008-10-17` (or no Version): set Version `2012-10-17`",
                )

    def principal(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        named = statement.principal is not None or statement.not_principal is not None
        element = "Principal" if statement.principal is not None else "NotPrincipal"
        if named and self.kind not in _PRINCIPAL_KINDS:
            yield _coded(
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
            yield _coded(
                code="resource_missing",
                location=at,
                message=f"statements of {self.kind.value} policies must contain `Resource` "
                "or `NotResource`",
            )
        if self.kind is PolicyKind.RESOURCE and not named:
            yield _coded(
                code="principal_missing",
                location=at,
                message="a resource policy statement must contain `Principal` or `NotPrincipal`",
            )
        if self.kind is PolicyKind.RCP and statement.principal != _ANY_PRINCIPAL:
            yield _coded(
                code="rcp_principal_not_star",
                location=f"{at}.{element}" if named else at,
                message="a resource control policy statement must have `Principal` `*`",
            )
        if self.kind is PolicyKind.RCP and statement.effect is Effect.ALLOW:
            yield _coded(
                code="rcp_allow",
                location=f"{at}.Effect",
                message="resource control policies only deny: AWS attaches `RCPFullAWSAccess` "
                "at every level, so an `Allow` grants nothing (use `Deny`)",
            )
        yield from self.principal_wildcards(statement, at)
        if statement.not_principal is not None and statement.effect is Effect.ALLOW:
            yield _coded(
                code="not_principal_with_allow",
                location=f"{at}.NotPrincipal",
                message="`NotPrincipal` with `Allow` grants every principal not listed, "
                "anonymous users included: name the principals in `Principal` instead",
            )

    def principal_wildcards(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        """IAM rejects a wildcard inside a principal ("You cannot use a wildcard to match part
        of a principal name or ARN", IAM User Guide, AWS JSON policy elements: Principal):
        only `*` alone means every principal; IAM answers "Invalid principal in policy"."""
        for element, principals in (
            ("Principal", statement.principal),
            ("NotPrincipal", statement.not_principal),
        ):
            if principals is None or principals == _ANY_PRINCIPAL:
                continue
            for kind, values in principals:
                for i, value in enumerate(values):
                    if value != "*" and any(w in value for w in _WILD):
                        yield _coded(
                            code="principal_wildcard",
                            location=f"{at}.{element}.{kind}[{i}]",
                            message=f"principal `{value}` has a wildcard in it: IAM rejects "
                            "a partial wildcard in a principal (only `*` alone means everyone)",
                        )

    def operators(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        seen: set[str] = set()
        for condition in statement.conditions:
            operator = condition.operator
            if operator in seen or parse_operator(operator).is_known:
                continue
            seen.add(operator)
            base = operator.rsplit(":", 1)[-1]
            yield _coded(
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
            elif spec.base == "BinaryEquals":
                bad = [v for v in values if not _is_base64(v)]
                if bad:
                    problem = f"`{bad[0]}` is not base64"
            else:
                try:
                    value_matcher(spec.base, values)
                except ValueError as exc:
                    problem = str(exc)
            if problem is None:
                problem = _type_mismatch(spec.base, condition.key)
                if problem is not None:
                    yield _coded(
                        code="operator_type_mismatch",
                        location=f"{at}.Condition.{condition.operator}.{condition.key}",
                        message=problem,
                    )
            else:
                yield _coded(
                    code="invalid_condition_value",
                    location=f"{at}.Condition.{condition.operator}.{condition.key}",
                    message=f"`{condition.operator}` on `{condition.key}`: {problem}",
                )

    def partial_arns(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        """ARN operator values with fewer than the six colon-delimited components the
        operator checks one by one (IAM User Guide, condition operators, ARN condition
        operators): how they match is not documented; the engine marks the clause uncertain"""
        for condition in statement.conditions:
            spec = parse_operator(condition.operator)
            if not (spec.is_known and spec.base.startswith("Arn")):
                continue
            for value in condition.values:
                if value.startswith("arn:") and value.count(":") < 5:
                    yield _coded(
                        code="arn_condition_value_partial",
                        location=f"{at}.Condition.{condition.operator}.{condition.key}",
                        message=f"`{condition.operator}` value `{value}` has "
                        f"{value.count(':') + 1} of the six colon-delimited components an ARN "
                        "operator checks one by one; AWS does not document how it matches: "
                        "write every component (`arn:aws:sns:*:*:*`)",
                    )
                    break

    def set_operators(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        """Set operators whose meaning AWS leaves open (the engine marks them uncertain)"""
        for condition in statement.conditions:
            spec = parse_operator(condition.operator)
            if not spec.is_known:
                continue
            where = f"{at}.Condition.{condition.operator}.{condition.key}"
            if spec.qualifier is SetQualifier.FOR_ANY_VALUE and spec.if_exists:
                yield _coded(
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
                yield _coded(
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
            yield _coded(
                code="unknown_service",
                location=at,
                message=f"unknown service prefix `{service}`: retired or not in the catalogue",
            )
            return
        if any(w in entry for w in _WILD):
            if not catalog.expand(entry):
                yield _coded(
                    code="action_matches_nothing",
                    location=at,
                    message=f"action pattern `{entry}` matches no known action",
                )
            return
        if not catalog.action_exists(entry):
            # the service's actions that share the name's first two letters: a typo seldom
            # starts there, and comparing with every action of a large service is slow
            head = entry.partition(":")[2][:2]
            known = sorted(catalog.expand(f"{lower}:{head}*")) if head else []
            yield _coded(
                code="unknown_action",
                location=at,
                message=f"unknown action `{entry}`: retired, misspelled or not in the catalogue"
                + _did_you_mean(entry, known),
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
            yield _coded(
                severity=_ERROR if is_s3 else _WARNING,
                code="resource_region",
                location=at,
                message=f"resource `{entry}` can not contain region information"
                + ("" if is_s3 else f": `{arn.service}` ARNs of this type have no region"),
            )

    def condition_keys(self, statement: Statement, at: str) -> Iterator[Diagnostic]:
        catalog = self.catalog
        index = key_index(catalog)
        actions: frozenset[str] | None = None
        if statement.action is not None and "*" not in statement.action:
            actions = covered_actions(catalog, statement.action)
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
                yield _coded(
                    code="unknown_global_condition_key",
                    location=where,
                    message=f"unknown global condition key `{key}`"
                    + _did_you_mean(lower, catalog.global_condition_keys),
                )
                continue
            if "." in prefix or "/" in prefix or ":" not in lower:
                continue  # identity-provider keys (`accounts.google.com:aud`) are open-ended
            if not index.matches(lower):
                yield _coded(
                    code="unknown_condition_key",
                    location=where,
                    message=f"unknown condition key `{key}`"
                    + _did_you_mean(lower, index.names_of(prefix)),
                )
                continue
            if actions and not any(
                index.matches(lower, catalog.condition_keys(action)) for action in actions
            ):
                yield _coded(
                    code="condition_key_not_applicable",
                    location=where,
                    message=f"no action of this statement supports condition key `{key}` "
                    "(per the catalogue): "
                    + _absent_key_outcome(condition.operator, condition.values),
                )


@lru_cache(maxsize=65536)
def covered_actions(
    catalog: Catalog, patterns: tuple[str, ...], *, negated: bool = False
) -> frozenset[str]:
    """`catalog.covered`, cached by the statement's patterns (one set per element)"""
    return catalog.covered(patterns, negated=negated)


@lru_cache(maxsize=65536)
def known_actions(catalog: Catalog, patterns: tuple[str, ...]) -> frozenset[str] | None:
    """The catalogue actions the patterns cover, or None when one pattern covers none"""
    sets = [catalog.expand(p) for p in patterns]
    return frozenset().union(*sets) if all(sets) else None


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _type_mismatch(base: str, key: str) -> str | None:
    """Why an operator does not fit a global key of known type (`DateEquals` on
    `aws:SourceIp`), else None"""
    key_type = _KEY_TYPES.get(key.lower())
    if key_type is None or base == "Null":
        return None
    family = next((t for prefix, t in _OPERATOR_TYPES.items() if base.startswith(prefix)), None)
    if family is None or family in _FITS.get(key_type, {key_type}):
        return None
    return f"`{base}` compares {family} values, but `{key}` is of type {key_type}"


def _absent_key_outcome(operator: str, values: tuple[str, ...]) -> str:
    """What a clause does when its key is absent from the request (IAM User Guide, condition
    operators: `...IfExists`, `Null`, and negated operators on a missing key)"""
    spec = parse_operator(operator)
    if spec.base == "Null":
        if all(v.lower() == "true" for v in values):
            return "`Null: true` on it always matches (the key is absent)"
        return "`Null: false` on it never matches (the key is absent)"
    if spec.if_exists:
        return f"`{operator}` always matches (IfExists: the key is absent)"
    if spec.qualifier is SetQualifier.FOR_ALL_VALUES:
        return f"`{operator}` always matches (an absent key is an empty set)"
    if spec.base.startswith(("StringNot", "NumericNot", "DateNot", "NotIp", "ArnNot")):
        return f"`{operator}` always matches (a negated operator on an absent key is true)"
    return "the clause never matches"


def _sample(actions: frozenset[str]) -> str:
    first = sorted(actions)[:3]
    more = f", ... {len(actions)} actions" if len(actions) > 3 else ""
    return ", ".join(f"`{a}`" for a in first) + more


_CLOSE = 0.8
"""How alike (difflib's ratio) the names after the prefix must be for a suggestion: a
letter missing, doubled or swapped (`GetObjct`: 0.94), not another word (`ListObjectsV2`
and `ListJobs`: 0.67)"""


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """`: did you mean `x`?` for the closest known name when it is close, or nothing"""
    best = closest_name(name, known)
    if best is None:
        return ""
    ratio = difflib.SequenceMatcher(
        a=name.lower().partition(":")[2], b=best.lower().partition(":")[2]
    ).ratio()
    return f": did you mean `{best}`?" if ratio >= _CLOSE else ""


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
                shape = arn_format_regex(kind)
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
def key_index(catalog: Catalog) -> _KeyIndex:
    """The catalogue's condition keys, indexed once per catalogue"""
    return _KeyIndex(catalog)
