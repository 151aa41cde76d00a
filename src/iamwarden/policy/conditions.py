"""Condition operators and policy variables, as pure functions.

Owns what one condition clause means: the operator families (String, Numeric, Date, Bool,
Binary, IP address, ARN, Null), the `...IfExists` suffix, the `ForAllValues:` and
`ForAnyValue:` set qualifiers, and `${...}` policy variables. It knows nothing of
statements or policies; the engine feeds it values.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import lru_cache

from iamwarden.policy.arn import arn_like, compile_glob

__all__ = [
    "OPERATORS",
    "Missing",
    "OperatorSpec",
    "SetQualifier",
    "Template",
    "ValueMatcher",
    "Variable",
    "apply_operator",
    "parse_date",
    "parse_operator",
    "parse_template",
    "render",
    "render_glob",
    "value_matcher",
]

ValueMatcher = Callable[[str], bool]
"""Whether one request value matches any of a clause's policy values"""


class SetQualifier(Enum):
    """The set-operator prefix of a condition operator"""

    NONE = ""
    FOR_ALL_VALUES = "ForAllValues"
    FOR_ANY_VALUE = "ForAnyValue"


_NEGATED = frozenset(
    {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotEquals",
        "ArnNotLike",
    }
)
OPERATORS: frozenset[str] = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnEquals",
        "ArnLike",
        "ArnNotEquals",
        "ArnNotLike",
        "Null",
    }
)
"""Base operator names as AWS spells them (without qualifier or `IfExists`)"""

_CANONICAL = {name.lower(): name for name in OPERATORS}
_VARIABLE_FAMILIES = ("String", "Arn", "Bool")


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorSpec:
    """A condition operator split into qualifier, base operator and `IfExists`"""

    name: str
    base: str
    qualifier: SetQualifier = SetQualifier.NONE
    if_exists: bool = False

    @property
    def is_known(self) -> bool:
        """Whether the base operator is one AWS defines"""
        return self.base in OPERATORS

    @property
    def is_negated(self) -> bool:
        """Whether the operator is a negated one (`StringNotEquals`, `NotIpAddress`, …)"""
        return self.base in _NEGATED

    @property
    def takes_variables(self) -> bool:
        """Whether `${...}` in values is substituted (String, ARN and Bool operators)"""
        return self.base.startswith(_VARIABLE_FAMILIES)


@lru_cache(maxsize=1024)
def parse_operator(name: str) -> OperatorSpec:
    """Split an operator name; an unknown base keeps its spelling and `is_known` is False"""
    qualifier = SetQualifier.NONE
    rest = name
    if ":" in name:
        prefix, rest = name.split(":", 1)
        for q in (SetQualifier.FOR_ALL_VALUES, SetQualifier.FOR_ANY_VALUE):
            if prefix.lower() == q.value.lower():
                qualifier = q
                break
        else:
            return OperatorSpec(name=name, base=name)
    if_exists = False
    base = _CANONICAL.get(rest.lower())
    if base is None and rest.lower().endswith("ifexists"):
        base = _CANONICAL.get(rest[: -len("IfExists")].lower())
        if_exists = base is not None and base != "Null"
        if base == "Null":
            base = None
    return OperatorSpec(name=name, base=base or rest, qualifier=qualifier, if_exists=if_exists)


def apply_operator(
    spec: OperatorSpec,
    match: ValueMatcher,
    request_values: Sequence[str] | None,
) -> bool:
    """The truth of a clause given the request's values for its key (None: key absent)

    Several policy values are OR-ed inside `match`. Absent key: `ForAnyValue:` gives
    false (with `IfExists` too: AWS does not document the pair; observed false, so the
    engine reports it as uncertain), `...IfExists` and `ForAllValues:` true, a negated
    operator true, any other false. Without a qualifier a multi-valued key matches when
    any value does; a negated operator then holds when no value matches (undocumented
    too: the engine reports it as uncertain).
    """
    if not request_values:
        if spec.qualifier is SetQualifier.FOR_ANY_VALUE:
            return False
        if spec.if_exists or spec.qualifier is SetQualifier.FOR_ALL_VALUES:
            return True
        return spec.is_negated
    negated = spec.is_negated
    if spec.qualifier is SetQualifier.NONE:
        hit = any(match(v) for v in request_values)
        return not hit if negated else hit
    if spec.qualifier is SetQualifier.FOR_ALL_VALUES:
        return all((not match(v)) if negated else match(v) for v in request_values)
    return any((not match(v)) if negated else match(v) for v in request_values)


def apply_null(policy_values: Sequence[str], request_values: Sequence[str] | None) -> bool:
    """`Null`: `true` holds when the key is absent, `false` when it is present"""
    absent = not request_values
    return any((v.lower() == "true") == absent for v in policy_values)


def parse_date(value: str) -> float | None:
    """Seconds since the epoch of an ISO 8601 date or an epoch integer; None if neither"""
    text = value.strip()
    if text.lstrip("-").isdigit():
        return float(int(text))
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValueError(f"`{value}` is not a valid ip address or cidr") from None


def _binary(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "Equals": lambda a, b: a == b,
    "NotEquals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}


def _comparison(
    compare: Callable[[float, float], bool],
    parse: Callable[[str], float | None],
    what: str,
    values: Sequence[str],
) -> ValueMatcher:
    """Numeric / Date matcher: parse each side with `parse`, then `compare` any pair

    Raises:
        ValueError: a policy value does not parse (`what` names the expected kind).
    """
    parsed: list[float] = []
    for text in values:
        number = parse(text)
        if number is None:
            raise ValueError(f"`{text}` is not {what}")
        parsed.append(number)

    def matches(v: str) -> bool:
        got = parse(v)
        return got is not None and any(compare(got, p) for p in parsed)

    return matches


def value_matcher(base: str, policy_values: Sequence[str]) -> ValueMatcher:
    """A matcher of one request value against the policy values (OR-ed)

    Negated operators get the positive matcher; `apply_operator` negates.

    Raises:
        ValueError: a policy value is invalid for the operator (a bad number, date or CIDR),
            or the operator is unknown.
    """
    values = tuple(policy_values)
    if base in ("StringEquals", "StringNotEquals"):
        exact = frozenset(values)
        return exact.__contains__
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        folded = frozenset(v.casefold() for v in values)
        return lambda v: v.casefold() in folded
    if base in ("StringLike", "StringNotLike"):
        regexes = tuple(compile_glob(v) for v in values)
        return lambda v: any(r.fullmatch(v) is not None for r in regexes)
    if base.startswith("Numeric"):
        return _comparison(_COMPARE[base[len("Numeric") :]], _number, "a number", values)
    if base.startswith("Date"):
        return _comparison(_COMPARE[base[len("Date") :]], parse_date, "a date", values)
    if base == "Bool":
        wanted = frozenset(v.lower() for v in values)
        return lambda v: v.lower() in wanted
    if base == "BinaryEquals":
        decoded = tuple(_binary(v) for v in values)

        def binary(v: str) -> bool:
            got = _binary(v)
            return any(
                (got is not None and d is not None and got == d) or v == raw
                for d, raw in zip(decoded, values, strict=True)
            )

        return binary
    if base in ("IpAddress", "NotIpAddress"):
        networks = tuple(_network(v) for v in values)

        def ip(v: str) -> bool:
            try:
                address = ipaddress.ip_address(v.strip().split("/", 1)[0])
            except ValueError:
                return False
            return any(address.version == n.version and address in n for n in networks)

        return ip
    if base in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"):
        return lambda v: any(arn_like(p, v) for p in values)
    raise ValueError(f"unknown condition operator `{base}`")


class Missing(Enum):
    """Why a variable could not be substituted"""

    ABSENT = "absent"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Variable:
    """A `${key}` or `${key, 'default'}` reference (key lowercased)"""

    key: str
    default: str | None = None


Template = tuple[str | Variable, ...]
"""A value split into literal text and variables"""

_VAR = re.compile(r"\$\{([^}]*)\}")
_SPECIAL = frozenset({"*", "?", "$"})
_DEFAULT = re.compile(r"\s*([^,\s]+)\s*,\s*'([^']*)'\s*")


@lru_cache(maxsize=16384)
def parse_template(value: str) -> Template | None:
    """Split `value` at `${...}` variables; None when it has none

    `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$` and are kept as
    one-character literal parts (wrapped in a 1-tuple marker by `render`).
    """
    if "${" not in value:
        return None
    parts: list[str | Variable] = []
    pos = 0
    for found in _VAR.finditer(value):
        if found.start() > pos:
            parts.append(value[pos : found.start()])
        inner = found.group(1)
        if inner in _SPECIAL:
            parts.append(Variable(key="", default=inner))
        else:
            with_default = _DEFAULT.fullmatch(inner)
            if with_default:
                parts.append(Variable(with_default.group(1).lower(), with_default.group(2)))
            else:
                parts.append(Variable(inner.strip().lower()))
        pos = found.end()
    if pos < len(value):
        parts.append(value[pos:])
    return tuple(parts)


Lookup = Callable[[str], "str | Missing"]
"""Single value of a context key (lowercased), or why there is none"""

Rendered = tuple[tuple[str, bool], ...]
"""Rendered segments: (text, is_literal); literal text is never a wildcard"""


def render(template: Template, lookup: Lookup) -> Rendered | Missing:
    """Substitute the variables of `template`, or say which kind of value is missing"""
    out: list[tuple[str, bool]] = []
    for part in template:
        if isinstance(part, str):
            out.append((part, False))
        elif not part.key:
            out.append((part.default or "", True))
        else:
            got = lookup(part.key)
            if isinstance(got, Missing):
                if got is Missing.ABSENT and part.default is not None:
                    out.append((part.default, True))
                    continue
                return got
            out.append((got, True))
    return tuple(out)


@lru_cache(maxsize=16384)
def render_glob(rendered: Rendered, *, ignore_case: bool = False) -> re.Pattern[str]:
    """A regex for rendered segments: wildcards in template text, literals escaped"""
    body = "".join(
        re.escape(text) if literal else compile_glob(text).pattern for text, literal in rendered
    )
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def rendered_text(rendered: Rendered) -> str:
    """The rendered value as plain text"""
    return "".join(text for text, _ in rendered)
