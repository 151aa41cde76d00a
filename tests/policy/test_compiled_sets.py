"""Compiled policy sets are shared by content, never by identity alone"""

from __future__ import annotations

import dataclasses
from typing import Any

from iamwarden.policy import PolicyKind, PolicySet, Request, evaluate, parse_policy
from iamwarden.policy.engine.authorizer import evaluate_uncached
from iamwarden.policy.engine.compiled import union_regex
from iamwarden.policy.engine.plans import clear_caches, compile_set

ALICE = "arn:aws:iam::111122223333:user/alice"


def _doc(action: str, effect: str = "Allow") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": action, "Resource": "*"}],
    }


def _set(action: str = "s3:Get*", *, name: str = "p", **flags: Any) -> PolicySet:
    # a fresh parse of the same text each time: equal content, distinct objects
    return PolicySet(identity=(parse_policy(dict(_doc(action)), name=name),), **flags)


def test_equal_content_sets_share_one_compiled_set() -> None:
    clear_caches()
    first, second = _set(), _set()
    assert first is not second
    assert compile_set(first) is compile_set(second)
    rebuilt = dataclasses.replace(first)
    assert compile_set(rebuilt) is compile_set(first)


def test_different_content_or_flags_get_their_own_compiled_set() -> None:
    clear_caches()
    base = compile_set(_set())
    others = [
        _set("s3:Put*"),  # another document
        _set(name="q"),  # another name: reasons would name another policy
        _set(session=()),  # a session with no session policy
        _set(scps=()),  # in an organization (no SCP levels given)
        _set(is_management_account=True),
        _set(requires_resource_grant=True),
        PolicySet(
            identity=(),
            permissions_boundary=parse_policy(
                _doc("s3:Get*"), name="p", kind=PolicyKind.PERMISSIONS_BOUNDARY
            ),
        ),
    ]
    compiled = [compile_set(other) for other in others]
    assert all(c is not base for c in compiled)
    assert len({id(c) for c in compiled}) == len(compiled)


def test_policy_order_within_a_slot_is_part_of_the_content() -> None:
    clear_caches()
    a = parse_policy(_doc("s3:*"), name="a")
    b = parse_policy(_doc("s3:*", "Deny"), name="b")
    assert compile_set(PolicySet(identity=(a, b))) is not compile_set(PolicySet(identity=(b, a)))


def test_shared_compilation_decides_as_a_fresh_one() -> None:
    clear_caches()
    request = Request(principal=ALICE, action="s3:GetObject", resource="arn:aws:s3:::b/k")
    for policies in (_set(), _set(), _set("s3:Put*"), _set(session=()), _set()):
        assert evaluate(request, policies) == evaluate_uncached(request, policies)


def test_union_regexes_are_shared_by_their_globs() -> None:
    assert union_regex(["s3:get*", "iam:list*"]) is union_regex(("s3:get*", "iam:list*"))
    assert union_regex([]) is None
    regex = union_regex(["s3:get*", "a?c"])
    assert regex is not None
    assert regex.fullmatch("s3:getobject") and regex.fullmatch("abc")
    assert not regex.fullmatch("s3:putobject") and not regex.fullmatch("a.bc")
