"""Resolving a principal ARN to the policies that apply to it"""

from __future__ import annotations

from iamwarden.analysis.principals import entity_policies, is_known_principal, policies_for
from iamwarden.policy import PolicyKind
from tests.builders import ACCOUNT_ID, managed_policy, role, snapshot, user

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
