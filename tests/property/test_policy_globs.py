"""The set algebra of IAM wildcard patterns against brute force (hypothesis)

A request for a wildcard resource asks whether some resource it matches is allowed, as
AWS's policy simulator does: an Allow counts when its `Resource` shares a resource with the
pattern, a Deny when it covers all of it. These laws check the pattern intersection and
coverage the engine uses against enumeration of every short string over a small alphabet.
"""

from __future__ import annotations

import itertools
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from iamwarden.policy import Decision, PolicySet, Request, evaluate, parse_policy
from iamwarden.policy.arn import glob_matches
from iamwarden.policy.engine.compiled import LazyUnion
from iamwarden.policy.engine.globs import globs_cover, globs_intersect, some_string

USER = "arn:aws:iam::111122223333:user/alice"
ALPHABET = "ab"
patterns = st.text(alphabet="ab*?", max_size=4)
short_patterns = st.text(alphabet="ab*?", max_size=3)
components = st.lists(
    st.tuples(st.lists(short_patterns, min_size=1, max_size=2), st.booleans()), max_size=2
)


@cache
def strings(max_len: int) -> tuple[str, ...]:
    """Every string over `ab` plus one other character, up to `max_len` characters"""
    chars = ALPHABET + "c"
    return tuple("".join(p) for n in range(max_len + 1) for p in itertools.product(chars, repeat=n))


def matches(pattern: str, value: str) -> bool:
    return glob_matches(pattern, value)


@settings(max_examples=300, deadline=None)
@given(patterns, patterns)
def test_intersection_is_exact(a: str, b: str) -> None:
    """Two patterns share a string exactly when one of length at most the sum of their
    lengths exists (every `*` can match nothing, or one character where needed)"""
    brute = any(matches(a, s) and matches(b, s) for s in strings(len(a) + len(b)))
    assert globs_intersect(a, b) == brute
    assert globs_intersect(b, a) == brute


@settings(max_examples=300, deadline=None)
@given(st.lists(patterns, min_size=1, max_size=3), st.text(alphabet="abc:/*", max_size=6))
def test_statement_glob_matching_agrees_with_the_regex(globs: list[str], value: str) -> None:
    """A statement's globs match piece by piece before their regex is compiled, and the
    regex after: both agree with the regex of each glob"""
    union = LazyUnion(tuple(globs))
    expected = any(matches(g, value) for g in globs)
    for _ in range(70):  # past the point where the union compiles its regex
        assert union.fullmatch(value) == expected


@settings(max_examples=300, deadline=None)
@given(short_patterns, st.lists(short_patterns, min_size=1, max_size=2))
def test_cover_is_exact(inner: str, outer: list[str]) -> None:
    """`inner` is covered when no short string matches it and none of `outer`"""
    brute = not any(matches(inner, s) and not any(matches(o, s) for o in outer) for s in strings(7))
    assert globs_cover(outer, inner) == brute


@settings(max_examples=200, deadline=None)
@given(
    short_patterns,
    st.lists(
        st.tuples(st.lists(short_patterns, min_size=1, max_size=2), st.booleans()), max_size=2
    ),
    st.lists(
        st.tuples(st.lists(short_patterns, min_size=1, max_size=2), st.booleans()), max_size=2
    ),
)
def test_some_string_is_exact(
    inner: str,
    within: list[tuple[list[str], bool]],
    outside: list[tuple[list[str], bool]],
) -> None:
    """Some string matches `inner`, lies in every `within` set and in no `outside` set"""

    def holds(value: str, pats: list[str], negated: bool) -> bool:
        return any(matches(p, value) for p in pats) != negated

    brute = any(
        matches(inner, s)
        and all(holds(s, p, n) for p, n in within)
        and not any(holds(s, p, n) for p, n in outside)
        for s in strings(7)
    )
    got = some_string(
        inner,
        [[(tuple(p), n)] for p, n in within],
        [(tuple(p), n) for p, n in outside],
    )
    assert got == brute


@given(patterns)
def test_a_pattern_covers_itself_and_star_covers_all(pattern: str) -> None:
    assert globs_cover([pattern], pattern)
    assert globs_cover(["*"], pattern)
    assert globs_intersect(pattern, "*")


statements = st.lists(
    st.tuples(
        st.sampled_from(("Allow", "Deny")),
        st.sampled_from(("Resource", "NotResource")),
        st.lists(short_patterns, min_size=1, max_size=2),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=60, deadline=None)
@given(statements, short_patterns)
def test_a_wildcard_resource_is_allowed_when_some_resource_is(
    spec: list[tuple[str, str, list[str]]], pattern: str
) -> None:
    """One identity policy, no conditions: the engine allows `s3:GetObject` on a wildcard
    resource exactly when some concrete resource it matches is allowed (AWS policy
    simulator semantics), checked against every short resource name"""
    prefix = "arn:aws:s3:::"
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": effect, "Action": "s3:GetObject", element: [prefix + p for p in pats]}
            for effect, element, pats in spec
        ],
    }
    policies = PolicySet(identity=(parse_policy(document, name="p"),))

    def ask(resource: str) -> Decision:
        request = Request(principal=USER, action="s3:GetObject", resource=resource)
        return evaluate(request, policies).decision

    brute = any(ask(prefix + s) is Decision.ALLOWED for s in strings(6) if matches(pattern, s))
    assert (ask(prefix + pattern) is Decision.ALLOWED) == brute, (document, pattern)
