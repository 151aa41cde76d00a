"""Alerts: conditions decided from the event, and the snapshot condition decided by the engine
(a principal allowed `*` on `*`); without the snapshot it is NOT_ASSESSED, never dropped"""

from __future__ import annotations

import json

import pytest

from iamwarden.activity.rules import (
    ConditionKind,
    SnapshotContext,
    alerts_for,
    decide_condition,
    load_builtin_pack,
)
from iamwarden.policy import load_catalog
from iamwarden.snapshot import demo_snapshot

PACK = load_builtin_pack()


@pytest.fixture(scope="module")
def context() -> SnapshotContext:
    return SnapshotContext(demo_snapshot(), load_catalog())


def _key_for(user: str, caller: str = "mallory") -> dict[str, object]:
    return {
        "eventSource": "iam.amazonaws.com",
        "eventName": "CreateAccessKey",
        "eventType": "AwsApiCall",
        "eventID": "e-1",
        "requestParameters": {"userName": user},
        "userIdentity": {"type": "IAMUser", "userName": caller},
    }


def test_credentials_for_an_admin_user_raise_the_critical_alert(context: SnapshotContext) -> None:
    """The demo's deploy-bot is allowed `*` on `*` by its policies (engine decision)"""
    raised = {a.rule.id: a for a in alerts_for(PACK, _key_for("deploy-bot"), context=context)}
    assert "credentials_created_for_admin" in raised
    assert raised["credentials_created_for_admin"].undecided == ()


def test_credentials_for_a_non_admin_user_do_not(context: SnapshotContext) -> None:
    raised = {a.rule.id for a in alerts_for(PACK, _key_for("dev-alice"), context=context)}
    assert "credentials_created_for_admin" not in raised
    assert "access_key_created_for_other_user" in raised


def test_without_a_snapshot_the_condition_is_not_assessed_and_the_alert_stands() -> None:
    (alert,) = [
        a
        for a in alerts_for(PACK, _key_for("dev-alice"))
        if a.rule.id == "credentials_created_for_admin"
    ]
    assert alert.undecided == (ConditionKind.TARGET_IS_ADMIN,)
    assert alert.to_json()["not_assessed"] == ["target_is_admin"]


def test_a_principal_the_snapshot_lacks_is_not_assessed(context: SnapshotContext) -> None:
    assert decide_condition(ConditionKind.TARGET_IS_ADMIN, _key_for("nobody"), context) is None


def test_an_assumed_role_caller_is_its_role(context: SnapshotContext) -> None:
    role = context.snapshot.roles[0]
    record = {
        "userIdentity": {
            "type": "AssumedRole",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role.arn}},
        }
    }
    assert context.principal(record) is role


def test_a_user_acting_on_itself_is_not_another_user() -> None:
    own = _key_for("mallory", caller="mallory")
    assert decide_condition(ConditionKind.TARGET_IS_OTHER_USER, own, None) is False
    assert "access_key_created_for_other_user" not in {a.rule.id for a in alerts_for(PACK, own)}
    by_role = {**own, "userIdentity": {"type": "AssumedRole"}}
    assert decide_condition(ConditionKind.TARGET_IS_OTHER_USER, by_role, None) is True


def _trust(principal: object, account: str = "111122223333") -> dict[str, object]:
    document = {
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]
    }
    return {
        "recipientAccountId": account,
        "requestParameters": {"roleName": "r", "policyDocument": json.dumps(document)},
    }


@pytest.mark.parametrize(
    ("principal", "outside"),
    [
        ({"AWS": "arn:aws:iam::444455556666:root"}, True),
        ({"AWS": "444455556666"}, True),
        ({"AWS": ["arn:aws:iam::111122223333:role/a", "arn:aws:iam::444455556666:user/b"]}, True),
        ("*", True),
        ({"AWS": "*"}, True),
        ({"AWS": "arn:aws:iam::111122223333:root"}, False),
        ({"Service": "ec2.amazonaws.com"}, False),
        ({"Federated": "arn:aws:iam::111122223333:oidc-provider/x"}, False),
    ],
)
def test_a_trust_policy_outside_the_account(principal: object, outside: bool) -> None:
    """IAM User Guide, "AWS JSON policy elements: Principal": an account id or its root ARN
    names every principal of that account"""
    assert (
        decide_condition(ConditionKind.TRUSTS_OUTSIDE_ACCOUNT, _trust(principal), None) is outside
    )


def test_an_unreadable_trust_policy_is_not_called_outside() -> None:
    record = {"recipientAccountId": "1", "requestParameters": {"policyDocument": "{not json"}}
    assert decide_condition(ConditionKind.TRUSTS_OUTSIDE_ACCOUNT, record, None) is False


def test_an_alert_as_json_names_rule_source_position_and_event() -> None:
    (alert,) = alerts_for(
        PACK,
        {"eventSource": "iam.amazonaws.com", "eventName": "DeactivateMFADevice", "eventID": "x"},
        source="trail.json",
        index=7,
    )
    found = alert.to_json()
    assert (found["rule"], found["source"], found["index"], found["event_id"]) == (
        "mfa_deactivated",
        "trail.json",
        7,
        "x",
    )
