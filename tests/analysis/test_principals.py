"""Resolving a principal ARN to the policies that apply to it"""

from __future__ import annotations

from iamwarden.analysis.principals import (
    PolicyResolver,
    entity_policies,
    is_known_principal,
    policies_for,
)
from iamwarden.policy import PolicyKind
from tests.builders import ACCOUNT_ID, group, managed_policy, role, snapshot, user

BOUNDARY = managed_policy("Boundary")


def _account():
    return snapshot(
        users=(user("alice", attached_policies=("arn:aws:iam::111122223333:policy/Absent",)),),
        roles=(role("app", path="/svc/", permissions_boundary=BOUNDARY.arn),),
        policies=(BOUNDARY,),
    )


def test_a_role_session_resolves_to_its_role_in_the_same_account() -> None:
    account = _account()
    session = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/app/build-42"
    assert is_known_principal(account, session)
    resolved = policies_for(account, session)
    boundary = resolved.policies.permissions_boundary
    assert boundary is not None and boundary.kind is PolicyKind.PERMISSIONS_BOUNDARY
    assert not is_known_principal(account, "arn:aws:sts::999999999999:assumed-role/app/x")


def test_missing_attached_policies_are_reported_not_dropped() -> None:
    resolved = entity_policies(_account(), _account().users[0])
    assert resolved.missing == ("arn:aws:iam::111122223333:policy/Absent",)
    assert not resolved.is_complete


def test_a_resolver_parses_a_shared_policy_once_and_answers_as_entity_policies() -> None:
    shared = managed_policy("Shared")
    broken = managed_policy("Broken", document={"Statement": 3})
    team = group("team", attached_policies=(shared.arn,))
    alice = user("alice", attached_policies=(shared.arn, broken.arn), groups=("team", "gone"))
    app = role("app", attached_policies=(shared.arn,), permissions_boundary=shared.arn)
    account = snapshot(users=(alice,), groups=(team,), roles=(app,), policies=(shared, broken))
    resolver = PolicyResolver(account)
    for entity in (alice, team, app):
        assert resolver.entity_policies(entity) == entity_policies(account, entity)
    first, second = resolver.entity_policies(alice).policies.identity
    assert first is second  # the user's own attachment and the group's: one parse
    resolved = resolver.entity_policies(alice)
    assert resolved.unreadable == (broken.arn,) and resolved.missing == ("group/gone",)
    boundary = resolver.entity_policies(app).policies.permissions_boundary
    assert boundary is not None and boundary.kind is PolicyKind.PERMISSIONS_BOUNDARY
