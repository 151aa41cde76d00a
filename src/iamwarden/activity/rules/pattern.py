"""EventBridge event patterns: validation with located errors, and compilation of each pattern
into closures once, so that matching an event walks no pattern data

The semantics follow Amazon EventBridge's "Creating event patterns" and "Content filtering in
Amazon EventBridge event patterns" (EventBridge User Guide, eb-event-patterns.md and
eb-event-patterns-content-based-filtering.md):

- a pattern is an object; every leaf is an array of matchers, and a field matches when any of
  its matchers matches; the fields of an object must all match (AND);
- a field whose event value is an array matches when any element matches;
- exact values are strings, numbers (compared as numbers: 300 matches 300.0), booleans and
  null, each only against a value of the same JSON type;
- `prefix`, `suffix` (each also `{"equals-ignore-case": …}`), `anything-but` (a value, a list
  of values, `prefix`, `suffix`, `equals-ignore-case`, `wildcard`), `exists` true or false,
  `numeric` ranges, `equals-ignore-case`, `wildcard` (`*`, with `\\*` a literal star), `cidr`
  (IPv4 and IPv6) and `$or` (a list of patterns, at any level).

`exists: true` matches a present leaf value (null included), never an object; an absent field
matches only `exists: false`. This module knows nothing of rules or of CloudTrail.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from iamwarden.errors import InputError, Problem

__all__ = ["CompiledPattern", "PatternError", "compile_pattern", "exact_values"]

Matcher = Callable[[Any], bool]
"""One matcher of a leaf, applied to one scalar of the event"""
Test = Callable[[Mapping[str, Any]], bool]
"""A compiled (sub)pattern, applied to an object of the event"""

_MISSING = object()
_OPERATORS = frozenset(
    {
        "prefix",
        "suffix",
        "anything-but",
        "exists",
        "numeric",
        "equals-ignore-case",
        "wildcard",
        "cidr",
    }
)
_NUMERIC_OPS = {"<": 0, "<=": 1, "=": 2, ">": 3, ">=": 4}


class PatternError(InputError):
    """An event pattern that EventBridge would reject"""


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """A pattern compiled once: `matches(event)` answers for one event in the EventBridge
    shape (`{"source": …, "detail-type": …, "detail": {…}}`); `pattern` is the source value"""

    pattern: Mapping[str, Any]
    matches: Test


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fail(problems: list[Problem], location: str, problem: str) -> None:
    problems.append(Problem(location, problem))


def _string(value: Any, where: str, problems: list[Problem], what: str) -> str | None:
    if isinstance(value, str):
        return value
    _fail(problems, where, f"{what} takes a string, not `{value!r}`")
    return None


def _exact(value: Any) -> Matcher:
    if value is None:
        return lambda v: v is None
    if isinstance(value, bool):
        return lambda v: v is value
    if _is_number(value):
        number = float(value)
        return lambda v: _is_number(v) and float(v) == number
    return lambda v: v == value if isinstance(v, str) else False


def _wildcard_regex(text: str, where: str, problems: list[Problem]) -> re.Pattern[str] | None:
    parts: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 < len(text) and text[i + 1] in "*\\":
                parts.append(re.escape(text[i + 1]))
                i += 2
                continue
            _fail(problems, where, f"wildcard `{text}` has a `\\` that escapes nothing")
            return None
        if char == "*":
            if parts and parts[-1] == ".*":
                _fail(problems, where, f"wildcard `{text}` has consecutive `*`")
                return None
            parts.append(".*")
        else:
            parts.append(re.escape(char))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


def _wildcard(text: str, where: str, problems: list[Problem]) -> Matcher:
    regex = _wildcard_regex(text, where, problems)
    if regex is None:
        return lambda v: False
    full = regex.fullmatch
    return lambda v: isinstance(v, str) and full(v) is not None


def _ignore_case(value: Any, where: str, problems: list[Problem]) -> Matcher:
    text = _string(value, where, problems, "equals-ignore-case")
    if text is None:
        return lambda v: False
    folded = text.casefold()
    return lambda v: isinstance(v, str) and v.casefold() == folded


def _affix(name: str, value: Any, where: str, problems: list[Problem]) -> Matcher:
    """`prefix` or `suffix`, plain or `{"equals-ignore-case": …}`"""
    ignore_case = False
    if isinstance(value, dict):
        if set(value) != {"equals-ignore-case"}:
            _fail(problems, where, f"{name} takes a string or {{equals-ignore-case: …}}")
            return lambda v: False
        value = value["equals-ignore-case"]
        ignore_case = True
    text = _string(value, where, problems, name)
    if text is None:
        return lambda v: False
    if ignore_case:
        folded = text.casefold()
        if name == "prefix":
            return lambda v: isinstance(v, str) and v.casefold().startswith(folded)
        return lambda v: isinstance(v, str) and v.casefold().endswith(folded)
    if name == "prefix":
        return lambda v: isinstance(v, str) and v.startswith(text)
    return lambda v: isinstance(v, str) and v.endswith(text)


def _numeric(value: Any, where: str, problems: list[Problem]) -> Matcher:
    if not isinstance(value, list) or not value or len(value) % 2:
        _fail(problems, where, "numeric takes pairs of an operator and a number")
        return lambda v: False
    checks: list[tuple[int, float]] = []
    for i in range(0, len(value), 2):
        op, bound = value[i], value[i + 1]
        if op not in _NUMERIC_OPS or not _is_number(bound):
            _fail(problems, where, f"numeric needs an operator and a number, not `{op}` `{bound}`")
            return lambda v: False
        checks.append((_NUMERIC_OPS[op], float(bound)))

    def numeric(v: Any) -> bool:
        if not _is_number(v):
            return False
        x = float(v)
        for op, bound in checks:
            if not (
                (op == 0 and x < bound)
                or (op == 1 and x <= bound)
                or (op == 2 and x == bound)
                or (op == 3 and x > bound)
                or (op == 4 and x >= bound)
            ):
                return False
        return True

    return numeric


def _cidr(value: Any, where: str, problems: list[Problem]) -> Matcher:
    text = _string(value, where, problems, "cidr")
    if text is None:
        return lambda v: False
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        _fail(problems, where, f"cidr `{text}` is not an IP address range")
        return lambda v: False

    def cidr(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        try:
            return ipaddress.ip_address(v) in network
        except ValueError:
            return False

    return cidr


def _anything_but(value: Any, where: str, problems: list[Problem]) -> Matcher:
    if isinstance(value, dict):
        if len(value) != 1 or next(iter(value)) not in (
            "prefix",
            "suffix",
            "equals-ignore-case",
            "wildcard",
        ):
            _fail(
                problems,
                where,
                "anything-but takes values, prefix, suffix, equals-ignore-case or wildcard",
            )
            return lambda v: False
        ((name, operand),) = value.items()
        operands = operand if isinstance(operand, list) else [operand]
        if not operands:
            _fail(problems, where, f"anything-but {name} needs a value")
            return lambda v: False
        if name in ("prefix", "suffix"):
            matchers = [_affix(name, o, where, problems) for o in operands]
        elif name == "equals-ignore-case":
            matchers = [_ignore_case(o, where, problems) for o in operands]
        else:
            matchers = [
                _wildcard(t, where, problems)
                for t in (_string(o, where, problems, "wildcard") for o in operands)
                if t is not None
            ]
        # INVARIANT: anything-but prefix/suffix/… is for strings: other types never match
        return lambda v: isinstance(v, str) and not any(m(v) for m in matchers)
    values = value if isinstance(value, list) else [value]
    if not values or not (
        all(isinstance(v, str) for v in values) or all(_is_number(v) for v in values)
    ):
        _fail(problems, where, "anything-but takes a string, a number, or a list of only one")
        return lambda v: False
    exacts = [_exact(v) for v in values]
    return lambda v: not any(m(v) for m in exacts)


def _operator(item: dict[str, Any], where: str, problems: list[Problem]) -> Matcher | None:
    """The matcher of one `{operator: operand}` (None for exists, handled by the leaf)"""
    if len(item) != 1:
        _fail(problems, where, "a matcher object has exactly one operator")
        return lambda v: False
    ((name, operand),) = item.items()
    if name not in _OPERATORS:
        _fail(problems, where, f"unknown operator `{name}`")
        return lambda v: False
    if name in ("prefix", "suffix"):
        return _affix(name, operand, where, problems)
    if name == "anything-but":
        return _anything_but(operand, where, problems)
    if name == "numeric":
        return _numeric(operand, where, problems)
    if name == "equals-ignore-case":
        return _ignore_case(operand, where, problems)
    if name == "wildcard":
        text = _string(operand, where, problems, "wildcard")
        return _wildcard(text, where, problems) if text is not None else lambda v: False
    if name == "cidr":
        return _cidr(operand, where, problems)
    if not isinstance(operand, bool):  # exists
        _fail(problems, where, "exists takes true or false")
    return None


def _leaf(key: str, items: list[Any], where: str, problems: list[Problem]) -> Test:
    if not items:
        _fail(problems, where, "a leaf needs at least one value")
        return lambda obj: False
    matchers: list[Matcher] = []
    exists: bool | None = None
    for i, item in enumerate(items):
        spot = f"{where}[{i}]"
        if isinstance(item, dict):
            matcher = _operator(item, spot, problems)
            if matcher is None:
                exists = bool(item.get("exists"))
            else:
                matchers.append(matcher)
        elif isinstance(item, list):
            _fail(problems, spot, "a value in a leaf cannot be a list")
        else:
            matchers.append(_exact(item))
    if exists is not None and matchers:
        _fail(problems, where, "exists cannot be combined with other matchers in one leaf")
    if exists is None and items and all(isinstance(item, str) for item in items):
        return _exact_strings(key, frozenset(items))
    if len(matchers) == 1:
        (only,) = matchers
    else:
        only = None

    def scalar(value: Any) -> bool:
        if only is not None:
            return only(value)
        return any(m(value) for m in matchers)

    def leaf(obj: Mapping[str, Any]) -> bool:
        value = obj.get(key, _MISSING)
        if value is _MISSING:
            return exists is False
        if isinstance(value, dict):
            # an object is no leaf: `exists` matches leaves only, so it counts as absent
            return exists is False
        if exists is True:
            return True
        if isinstance(value, list):
            return any(
                not isinstance(element, dict | list) and scalar(element) for element in value
            )
        return scalar(value)

    return leaf


def _exact_strings(key: str, values: frozenset[str]) -> Test:
    """The common leaf, only exact strings, as one set lookup (the same answers as `_leaf`)"""

    def leaf(obj: Mapping[str, Any]) -> bool:
        value = obj.get(key)
        if value.__class__ is str:
            return value in values
        if isinstance(value, list):
            return any(isinstance(e, str) and e in values for e in value)
        return isinstance(value, str) and value in values  # a str subclass

    return leaf


def _nested(key: str, inner: Test) -> Test:
    def nested(obj: Mapping[str, Any]) -> bool:
        value = obj.get(key, _MISSING)
        if value.__class__ is dict or isinstance(value, dict):
            return inner(value)
        if isinstance(value, list):  # an array of objects: any element may match
            objects = [e for e in value if isinstance(e, dict)]
            if objects:
                return any(inner(e) for e in objects)
        # INVARIANT: a scalar, null or absent object has no fields: only `exists: false`
        # below it can match (EventBridge matches on the flattened leaves)
        return inner(_EMPTY)

    return nested


_EMPTY: Mapping[str, Any] = {}


def _all(tests: Sequence[Test]) -> Test:
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda obj: first(obj) and second(obj)
    frozen = tuple(tests)

    def all_of(obj: Mapping[str, Any]) -> bool:
        for test in frozen:  # noqa: SIM110 - a loop costs less than all() over a generator
            if not test(obj):
                return False
        return True

    return all_of


def _any(branches: tuple[Test, ...]) -> Test:
    return lambda obj: any(t(obj) for t in branches)


def _object(pattern: Any, where: str, problems: list[Problem]) -> Test:
    if not isinstance(pattern, dict):
        _fail(problems, where or "pattern", "a pattern is an object")
        return lambda obj: False
    if not pattern:
        _fail(problems, where or "pattern", "a pattern object cannot be empty")
        return lambda obj: False
    tests: list[Test] = []
    for key, value in pattern.items():
        spot = f"{where}.{key}" if where else str(key)
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                _fail(problems, spot, "$or takes a list of at least two patterns")
                continue
            branches = tuple(_object(b, f"{spot}[{i}]", problems) for i, b in enumerate(value))
            tests.append(_any(branches))
        elif isinstance(value, dict):
            tests.append(_nested(key, _object(value, spot, problems)))
        elif isinstance(value, list):
            tests.append(_leaf(key, value, spot, problems))
        else:
            _fail(problems, spot, "a leaf is an array of values or matchers")
    return _all(tests) if tests else (lambda obj: False)


def compile_pattern(pattern: Any, *, path: str = "", location: str = "") -> CompiledPattern:
    """Validate and compile an EventBridge event pattern (a decoded JSON object)

    Args:
        pattern: the pattern as decoded JSON.
        path: the file it came from, for errors.
        location: the JSON path of the pattern in that file (`rules[3].pattern`).

    Raises:
        PatternError: every problem found, each located by JSON path.
    """
    problems: list[Problem] = []
    test = _object(pattern, location, problems)
    if problems:
        first = problems[0]
        raise PatternError(first.problem, path=path, location=first.location, problems=problems)
    return CompiledPattern(pattern=pattern, matches=test)


def exact_values(pattern: Mapping[str, Any], *keys: str) -> frozenset[str] | None:
    """The exact strings the field at `keys` (`"detail", "eventName"`) must equal for
    `pattern` to match, outside any `$or`; None when the pattern does not confine the field
    to exact strings (so an index on that field cannot skip the pattern)"""
    value: Any = pattern
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if not isinstance(value, list) or not value:
        return None
    if all(isinstance(v, str) for v in value):
        return frozenset(value)
    return None
