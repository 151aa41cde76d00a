"""Set algebra of IAM wildcard patterns (`*` any run of characters, `?` exactly one)

Owns two questions about the sets of strings two patterns match: do they share a
string (`globs_intersect`), and does a union of patterns contain every string another
matches (`globs_cover`). Each pattern is read as a nondeterministic automaton whose
states are positions in the pattern; both questions are a search over pairs of state
sets. Only the characters written literally in the patterns can tell strings apart, so
the search reads those plus one stand-in for every other character. It never decides
access (that is `authorizer`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

_Tokens = tuple[str, ...]
"""A pattern as tokens: `*`, `?`, or one literal character prefixed with `=`"""

_States = frozenset[int]


@lru_cache(maxsize=8192)
def tokens(pattern: str) -> _Tokens:
    """`pattern` as tokens; runs of `*` collapse into one (they match the same strings)"""
    out: list[str] = []
    for char in pattern:
        if char == "*":
            if not out or out[-1] != "*":
                out.append("*")
        elif char == "?":
            out.append("?")
        else:
            out.append("=" + char)
    return tuple(out)


def _closure(toks: _Tokens, states: _States) -> _States:
    """`states` plus every position reachable by letting a `*` match nothing"""
    found = set(states)
    for state in sorted(states):
        while state < len(toks) and toks[state] == "*":
            state += 1
            found.add(state)
    return frozenset(found)


def _step(toks: _Tokens, states: _States, char: str) -> _States:
    nxt: set[int] = set()
    for state in states:
        if state == len(toks):
            continue
        tok = toks[state]
        if tok == "*":
            nxt.add(state)
        elif tok == "?" or tok[1] == char:
            nxt.add(state + 1)
    return _closure(toks, frozenset(nxt))


def _alphabet(*patterns: _Tokens) -> tuple[str, ...]:
    """The literal characters of `patterns`, plus one character none of them contains"""
    chars = {tok[1] for toks in patterns for tok in toks if tok[0] == "="}
    other = next(chr(c) for c in range(0x100, 0x110000) if chr(c) not in chars)
    return (*sorted(chars), other)


@lru_cache(maxsize=16384)
def globs_intersect(a: str, b: str) -> bool:
    """Whether some string matches both patterns `a` and `b`"""
    if a == b or a == "*" or b == "*":
        return True  # every pattern matches some string (its own text with `*` empty)
    if "*" not in a and "?" not in a:
        return _matches(tokens(b), a)
    if "*" not in b and "?" not in b:
        return _matches(tokens(a), b)
    ta, tb = tokens(a), tokens(b)
    start = (_closure(ta, frozenset({0})), _closure(tb, frozenset({0})))
    alphabet = _alphabet(ta, tb)
    seen = {start}
    todo = [start]
    while todo:
        sa, sb = todo.pop()
        if len(ta) in sa and len(tb) in sb:
            return True
        for char in alphabet:
            pair = (_step(ta, sa, char), _step(tb, sb, char))
            if pair[0] and pair[1] and pair not in seen:
                seen.add(pair)
                todo.append(pair)
    return False


def globs_cover(outer: Sequence[str], inner: str) -> bool:
    """Whether every string matching pattern `inner` matches one of the patterns `outer`"""
    if inner in outer or "*" in outer:
        return True
    return _cover(tuple(sorted(set(outer))), inner)


@lru_cache(maxsize=16384)
def _cover(outer: tuple[str, ...], inner: str) -> bool:
    if not outer:
        return False
    if any(set(p) == {"*"} for p in outer):
        return True
    if "*" not in inner and "?" not in inner:
        return any(_matches(tokens(p), inner) for p in outer)
    touts = tuple(tokens(p) for p in outer)
    # False when a string `inner` matches and no outer pattern does
    return all(any(accepting) for accepting in _inner_accepts(tokens(inner), touts))


def _inner_accepts(inner: _Tokens, others: tuple[_Tokens, ...]) -> Iterator[tuple[bool, ...]]:
    """For each reachable state of the product automaton in which `inner` accepts, whether
    each of `others` accepts too (a search of the pairs of state sets, cut where `inner`
    can match nothing more)"""
    alphabet = _alphabet(inner, *others)
    start = (
        _closure(inner, frozenset({0})),
        tuple(_closure(t, frozenset({0})) for t in others),
    )
    seen = {start}
    todo = [start]
    while todo:
        si, states = todo.pop()
        if len(inner) in si:
            yield tuple(len(t) in s for t, s in zip(others, states, strict=True))
        for char in alphabet:
            nxt = _step(inner, si, char)
            if not nxt:
                continue
            pair = (nxt, tuple(_step(t, s, char) for t, s in zip(others, states, strict=True)))
            if pair not in seen:
                seen.add(pair)
                todo.append(pair)


def _matches(toks: _Tokens, text: str) -> bool:
    states = _closure(toks, frozenset({0}))
    for char in text:
        states = _step(toks, states, char)
        if not states:
            return False
    return len(toks) in states


Component = tuple[tuple[str, ...], bool]
"""A set of strings: those matching one of the patterns, or (negated) those matching none"""


def some_string(
    inner: str,
    within: Sequence[Sequence[Component]] = (),
    outside: Sequence[Component] = (),
) -> bool:
    """Whether some string matches pattern `inner`, lies in one component of each group of
    `within` (an intersection of unions) and in no component of `outside`"""
    return _some_string(
        inner,
        tuple(tuple(group) for group in within),
        tuple(outside),
    )


@lru_cache(maxsize=4096)
def _some_string(
    inner: str,
    within: tuple[tuple[Component, ...], ...],
    outside: tuple[Component, ...],
) -> bool:
    names = sorted(
        {p for group in within for pats, _ in group for p in pats}
        | {p for pats, _ in outside for p in pats}
    )
    index = {name: i for i, name in enumerate(names)}
    ti = tokens(inner)
    toks = tuple(tokens(name) for name in names)

    def holds(component: Component, accepting: tuple[bool, ...]) -> bool:
        pats, negated = component
        return any(accepting[index[p]] for p in pats) != negated

    return any(
        all(any(holds(c, accepting) for c in group) for group in within)
        and not any(holds(c, accepting) for c in outside)
        for accepting in _inner_accepts(ti, toks)
    )
