"""credentials_exposure, data_exfiltration, resource_exposure, infrastructure_modification:
one finding per principal and class, decided by the engine (issue 8 §3)"""

from __future__ import annotations

from typing import Any

import pytest

from iamwarden.analysis.checks import risks
from iamwarden.findings import Severity, Status
from tests.analysis.checking import only, run_check, statuses
from tests.builders import ACCOUNT_ID, inline, managed_policy, snapshot, user

ALICE = f"arn:aws:iam::{ACCOUNT_ID}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT_ID}:user/bob"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _alice(*statements: dict[str, Any], **kw: Any) -> Any:
    return snapshot(
        users=(user(inline_policies=(inline(document=_policy(*statements)),), **kw), user("bob"))
    )


def _finding(check_id: str, snap: Any) -> Any:
    return only([f for f in run_check(check_id, snap) if f.resource_arn == ALICE])


def test_creating_keys_for_other_users_is_credentials_exposure_naming_them() -> None:
    found = _finding("credentials_exposure", _alice(_allow("iam:CreateAccessKey")))
    assert found.status is Status.FAIL and found.severity is Severity.HIGH
    (grant,) = found.evidence["grants"]
    assert grant["actions"] == ["iam:CreateAccessKey"]
    assert grant["resources"] == [BOB]


def test_self_service_keys_are_not_credentials_exposure() -> None:
    """AWS's own pattern for users managing their own keys: scoped to ${aws:username}"""
    own = f"arn:aws:iam::{ACCOUNT_ID}:user/${{aws:username}}"
    found = _finding("credentials_exposure", _alice(_allow("iam:CreateAccessKey", own)))
    assert found.status is Status.PASS


def test_a_boundary_that_denies_the_action_cuts_the_finding() -> None:
    boundary = managed_policy("Boundary", document=_policy(_allow("s3:*")))
    snap = snapshot(
        users=(
            user(
                inline_policies=(inline(document=_policy(_allow("iam:CreateAccessKey"))),),
                permissions_boundary=boundary.arn,
            ),
            user("bob"),
        ),
        policies=(boundary,),
    )
    assert _finding("credentials_exposure", snap).status is Status.PASS


def test_a_grant_only_with_mfa_is_one_severity_lower_and_says_so() -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    found = _finding(
        "credentials_exposure", _alice(_allow("secretsmanager:GetSecretValue", Condition=mfa))
    )
    assert found.status is Status.FAIL and found.severity is Severity.MEDIUM
    assert found.evidence["requires_mfa"] and "only with MFA" in found.message


def test_data_reads_count_on_every_resource_only() -> None:
    everywhere = _finding("data_exfiltration", _alice(_allow("s3:GetObject")))
    assert everywhere.status is Status.FAIL
    assert [g["actions"] for g in everywhere.evidence["grants"]] == [["s3:GetObject"]]
    scoped = _finding("data_exfiltration", _alice(_allow("s3:GetObject", "arn:aws:s3:::reports/*")))
    assert scoped.status is Status.PASS


def test_an_explicit_deny_on_part_of_the_resources_is_not_every_resource() -> None:
    deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"}
    found = _finding("data_exfiltration", _alice(_allow("s3:GetObject"), deny))
    assert found.status is Status.PASS


def test_permissions_management_is_resource_exposure_with_its_scope() -> None:
    bucket = "arn:aws:s3:::app-bucket"
    found = _finding("resource_exposure", _alice(_allow("s3:PutBucketPolicy", bucket)))
    assert found.status is Status.FAIL
    assert found.evidence["grants"][0]["resources"] == [bucket]
    assert _finding("resource_exposure", _alice(_allow("s3:GetObject"))).status is Status.PASS


def test_write_actions_on_star_are_infrastructure_modification() -> None:
    found = _finding("infrastructure_modification", _alice(_allow("lambda:UpdateFunctionCode")))
    assert found.status is Status.FAIL and found.severity is Severity.LOW
    scoped = _finding(
        "infrastructure_modification",
        _alice(_allow("lambda:UpdateFunctionCode", "arn:aws:lambda:*:*:function:app-*")),
    )
    assert scoped.status is Status.PASS


@pytest.mark.parametrize(
    "check_id",
    [
        "credentials_exposure",
        "data_exfiltration",
        "resource_exposure",
        "infrastructure_modification",
    ],
)
def test_administrators_are_left_to_the_admin_checks_and_missing_policies_not_assessed(
    check_id: str,
) -> None:
    admin = snapshot(users=(user(inline_policies=(inline(),)),))
    assert ALICE not in statuses(run_check(check_id, admin))
    missing = snapshot(users=(user(attached_policies=("arn:aws:iam::aws:policy/Gone",)),))
    assert _finding(check_id, missing).status is Status.NOT_ASSESSED


def test_above_the_principal_limit_the_account_is_not_assessed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(risks, "MAX_PRINCIPALS", 1)
    (found,) = run_check("data_exfiltration", _alice(_allow("s3:GetObject")))
    assert found.status is Status.NOT_ASSESSED
    assert found.resource_arn == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert "iamwarden permissions" in found.message
