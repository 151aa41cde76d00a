from datetime import timedelta

import pytest

from iamwarden.analysis.credentials import access_key_arn
from iamwarden.findings import Status
from iamwarden.snapshot import AccessKey, DataSet
from tests.analysis.checking import only, run_check, statuses
from tests.builders import (
    ACCOUNT_ID,
    NOW,
    credential_report,
    credential_row,
    inline,
    managed_policy,
    root_row,
    snapshot,
    user,
)

ALICE = f"arn:aws:iam::{ACCOUNT_ID}:user/alice"
NO_REPORT = frozenset(DataSet) - {DataSet.CREDENTIAL_REPORT}
CREATED = NOW - timedelta(days=400)


def with_rows(*rows, **kw):
    return snapshot(credential_report=credential_report(root_row(), *rows), **kw)


def days_ago(n):
    return NOW - timedelta(days=n)


USER_CHECKS = [
    "console_user_mfa",
    "credentials_unused_45_days",
    "user_single_active_key",
    "access_key_rotated_90_days",
    "access_key_never_used",
    "console_user_initial_access_key",
    "user_admin_without_mfa",
]


@pytest.mark.parametrize("check_id", USER_CHECKS)
def test_not_assessed_without_credential_report(check_id):
    finding = only(run_check(check_id, snapshot(collected=NO_REPORT)))
    assert finding.status is Status.NOT_ASSESSED
    assert "credential_report" in finding.evidence["missing_data"]


@pytest.mark.parametrize(
    ("row", "status"),
    [
        (credential_row(password_enabled=True, mfa_active=True), Status.PASS),
        (credential_row(password_enabled=False), Status.PASS),
        (credential_row(password_enabled=True, mfa_active=False), Status.FAIL),
    ],
)
def test_console_user_mfa(row, status):
    assert statuses(run_check("console_user_mfa", with_rows(row)))[ALICE] is status


def test_console_user_mfa_not_assessed_for_user_missing_from_report():
    snap = with_rows(users=(user("alice"),))
    assert statuses(run_check("console_user_mfa", snap))[ALICE] is Status.NOT_ASSESSED


@pytest.mark.parametrize(
    ("row", "status"),
    [
        (
            credential_row(
                password_enabled=True, password_last_used=days_ago(5), user_creation_time=CREATED
            ),
            Status.PASS,
        ),
        (
            credential_row(
                password_enabled=True, password_last_used=days_ago(46), user_creation_time=CREATED
            ),
            Status.FAIL,
        ),
        (
            credential_row(
                password_enabled=False,
                access_key_1_active=True,
                access_key_1_last_rotated=days_ago(300),
                access_key_1_last_used_date=days_ago(60),
            ),
            Status.FAIL,
        ),
        (
            credential_row(
                password_enabled=False,
                access_key_1_active=True,
                access_key_1_last_rotated=days_ago(300),
                access_key_1_last_used_date=days_ago(1),
            ),
            Status.PASS,
        ),
        (
            credential_row(
                password_enabled=True, password_last_used=days_ago(45), user_creation_time=CREATED
            ),
            Status.FAIL,
        ),
        (
            credential_row(
                password_enabled=True, password_last_used=days_ago(44), user_creation_time=CREATED
            ),
            Status.PASS,
        ),
        (credential_row(password_enabled=None), Status.NOT_ASSESSED),
    ],
)
def test_credentials_unused_45_days(row, status):
    assert statuses(run_check("credentials_unused_45_days", with_rows(row)))[ALICE] is status


@pytest.mark.parametrize(
    ("row", "status"),
    [
        (
            credential_row(
                access_key_1_active=True,
                access_key_1_last_rotated=days_ago(9),
                access_key_2_active=True,
                access_key_2_last_rotated=days_ago(8),
            ),
            Status.FAIL,
        ),
        (
            credential_row(
                access_key_1_active=True,
                access_key_1_last_rotated=days_ago(9),
                access_key_2_last_rotated=days_ago(8),
            ),
            Status.PASS,
        ),
    ],
)
def test_user_single_active_key(row, status):
    assert statuses(run_check("user_single_active_key", with_rows(row)))[ALICE] is status


def test_user_single_active_key_not_assessed_without_key_data():
    snap = with_rows(users=(user("alice"),))
    assert statuses(run_check("user_single_active_key", snap))[ALICE] is Status.NOT_ASSESSED


@pytest.mark.parametrize(
    ("age", "status"), [(91, Status.FAIL), (90, Status.PASS), (10, Status.PASS)]
)
def test_access_key_rotated_90_days(age, status):
    created = days_ago(age)
    snap = with_rows(
        credential_row(access_key_1_active=True, access_key_1_last_rotated=created),
        users=(
            user(
                "alice", access_keys=(AccessKey(id="AKIAALICE", is_active=True, created=created),)
            ),
        ),
    )
    finding = only(run_check("access_key_rotated_90_days", snap))
    assert (finding.status, finding.resource_arn) == (status, access_key_arn(ALICE, "AKIAALICE"))
    assert finding.evidence["age_days"] == age


def test_access_key_rotated_not_assessed_without_creation_date():
    snap = with_rows(credential_row(access_key_1_active=True))
    assert only(run_check("access_key_rotated_90_days", snap)).status is Status.NOT_ASSESSED


@pytest.mark.parametrize("check_id", ["access_key_rotated_90_days", "credentials_unused_45_days"])
def test_a_key_dated_after_the_assessment_date_is_not_assessed_not_a_negative_age(check_id):
    """`assess --as-of` before the data (newcomer review: "-2831 days old" was PASS)"""
    later = days_ago(-30)
    snap = with_rows(
        credential_row(access_key_1_active=True, access_key_1_last_rotated=later),
        users=(
            user("alice", access_keys=(AccessKey(id="AKIAALICE", is_active=True, created=later),)),
        ),
    )
    finding = only([f for f in run_check(check_id, snap) if f.resource_arn.startswith(ALICE)])
    assert finding.status is Status.NOT_ASSESSED
    assert "after the assessment date" in finding.message


def test_inactive_keys_are_not_rotation_findings():
    snap = with_rows(credential_row(access_key_1_last_rotated=days_ago(400)))
    assert run_check("access_key_rotated_90_days", snap) == []


@pytest.mark.parametrize(("used", "status"), [(None, Status.FAIL), (days_ago(3), Status.PASS)])
def test_access_key_never_used(used, status):
    snap = with_rows(
        credential_row(
            access_key_1_active=True,
            access_key_1_last_rotated=days_ago(5),
            access_key_1_last_used_date=used,
        )
    )
    finding = only(run_check("access_key_never_used", snap))
    assert finding.status is status
    assert finding.resource_arn == access_key_arn(ALICE, "access_key_1")


@pytest.mark.parametrize(
    ("key_created", "used", "status"),
    [
        (CREATED, None, Status.FAIL),
        (CREATED, days_ago(2), Status.PASS),
        (CREATED + timedelta(days=30), None, Status.PASS),
        (None, None, Status.NOT_ASSESSED),
    ],
)
def test_console_user_initial_access_key(key_created, used, status):
    snap = with_rows(
        credential_row(
            password_enabled=True,
            user_creation_time=CREATED,
            access_key_1_active=True,
            access_key_1_last_rotated=key_created,
            access_key_1_last_used_date=used,
        )
    )
    assert only(run_check("console_user_initial_access_key", snap)).status is status


@pytest.mark.parametrize(
    ("alice", "status"),
    [
        (user("alice", groups=("devs",)), Status.PASS),
        (user("alice", attached_policies=("arn:aws:iam::aws:policy/ReadOnlyAccess",)), Status.FAIL),
        (user("alice", inline_policies=(inline("own"),)), Status.FAIL),
    ],
)
def test_user_no_direct_policies(alice, status):
    assert only(run_check("user_no_direct_policies", snapshot(users=(alice,)))).status is status


def test_user_no_direct_policies_not_assessed_without_authorization_details():
    snap = snapshot(collected=frozenset({DataSet.CREDENTIAL_REPORT}), users=(user("alice"),))
    assert only(run_check("user_no_direct_policies", snap)).status is Status.NOT_ASSESSED


ADMIN = managed_policy("Admin")
ADMIN_WITH_MFA = managed_policy(
    "AdminWithMfa",
    document={
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    },
)
READ = managed_policy(
    "Read",
    document={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    },
)


@pytest.mark.parametrize(
    ("policy", "mfa", "status"),
    [
        (ADMIN, False, Status.FAIL),
        (ADMIN, True, Status.PASS),
        (ADMIN_WITH_MFA, False, Status.PASS),
        (READ, False, Status.PASS),
    ],
)
def test_user_admin_without_mfa(policy, mfa, status):
    snap = with_rows(
        credential_row(password_enabled=True, mfa_active=mfa),
        users=(user("alice", attached_policies=(policy.arn,)),),
        policies=(policy,),
    )
    finding = only(run_check("user_admin_without_mfa", snap))
    assert finding.status is status


def test_admin_only_with_mfa_is_told_apart_by_the_engine():
    snap = with_rows(
        credential_row(mfa_active=False),
        policies=(ADMIN_WITH_MFA,),
        users=(user("alice", attached_policies=(ADMIN_WITH_MFA.arn,)),),
    )
    finding = only(run_check("user_admin_without_mfa", snap))
    assert finding.message == "alice is administrator only with MFA"
    assert finding.evidence["only_if"][0]["key"].lower() == "aws:multifactorauthpresent"


def test_admin_without_mfa_cites_the_allowing_statement():
    snap = with_rows(
        credential_row(mfa_active=False),
        policies=(ADMIN,),
        users=(user("alice", attached_policies=(ADMIN.arn,)),),
    )
    finding = only(run_check("user_admin_without_mfa", snap))
    assert finding.evidence["statements"][0]["policy"] == ADMIN.arn


def test_admin_without_mfa_not_assessed_when_a_policy_is_missing():
    snap = with_rows(
        credential_row(mfa_active=False), users=(user("alice", attached_policies=(ADMIN.arn,)),)
    )
    finding = only(run_check("user_admin_without_mfa", snap))
    assert finding.status is Status.NOT_ASSESSED
    assert finding.evidence["missing_policies"] == [ADMIN.arn]


def _deny_unless(operator, key, value, **extra):
    return managed_policy(
        "Guard",
        document={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {operator: {key: value}, **extra},
                }
            ],
        },
    )


def _admin_without_mfa(guard, *, mfa=False):
    snap = with_rows(
        credential_row(password_enabled=True, mfa_active=mfa),
        policies=(ADMIN, guard),
        users=(user("alice", attached_policies=(ADMIN.arn, guard.arn)),),
    )
    return only(run_check("user_admin_without_mfa", snap))


def test_admin_in_one_region_without_mfa_fails():
    # aws:RequestedRegion: "This key is always included in the request context" (IAM User
    # Guide, AWS global condition context keys), so a region guard does not make a non-admin
    finding = _admin_without_mfa(
        _deny_unless("StringNotEquals", "aws:RequestedRegion", "eu-west-1")
    )
    assert finding.status is Status.FAIL
    assert finding.message == "alice has full administrator access in eu-west-1 only and no MFA"
    assert finding.evidence["only_under"] == "in eu-west-1 only"
    assert finding.evidence["statements"][0]["policy"] == ADMIN.arn


def test_admin_from_one_network_without_mfa_fails():
    # aws:SourceIp: included in every request except through a VPC endpoint
    finding = _admin_without_mfa(_deny_unless("NotIpAddress", "aws:SourceIp", "203.0.113.0/24"))
    assert finding.status is Status.FAIL
    assert finding.message == (
        "alice has full administrator access only from 203.0.113.0/24 and no MFA"
    )


def test_admin_from_one_network_or_through_a_service():
    # the IAM guide's "Denies access to AWS based on the source IP" example
    guard = _deny_unless(
        "NotIpAddress", "aws:SourceIp", "203.0.113.0/24", Bool={"aws:ViaAWSService": "false"}
    )
    finding = _admin_without_mfa(guard)
    assert finding.status is Status.FAIL
    assert finding.evidence["only_under"] == (
        "only through an AWS service or only from 203.0.113.0/24"
    )


def test_admin_in_one_region_with_mfa_passes():
    guard = _deny_unless("StringNotEquals", "aws:RequestedRegion", "eu-west-1")
    assert _admin_without_mfa(guard, mfa=True).status is Status.PASS


def test_admin_only_with_mfa_and_in_one_region_is_still_mfa_conditional():
    guard = _deny_unless("StringNotEquals", "aws:RequestedRegion", "eu-west-1")
    snap = with_rows(
        credential_row(mfa_active=False),
        policies=(ADMIN_WITH_MFA, guard),
        users=(user("alice", attached_policies=(ADMIN_WITH_MFA.arn, guard.arn)),),
    )
    finding = only(run_check("user_admin_without_mfa", snap))
    assert finding.status is Status.PASS
    assert finding.message == "alice is administrator only with MFA"
    keys = {c["key"].lower() for c in finding.evidence["only_if"]}
    assert keys == {"aws:multifactorauthpresent", "aws:requestedregion"}


def test_admin_if_mfa_exists_is_admin_without_mfa():
    # BoolIfExists true "allows requests that are authenticated using MFA, or requests that
    # cannot be authenticated using MFA" (long-term access keys carry no MFA key)
    policy = managed_policy(
        "AdminIfMfaExists",
        document={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
                }
            ],
        },
    )
    snap = with_rows(
        credential_row(mfa_active=False),
        policies=(policy,),
        users=(user("alice", attached_policies=(policy.arn,)),),
    )
    assert only(run_check("user_admin_without_mfa", snap)).status is Status.FAIL


def test_admin_denied_without_mfa_is_mfa_conditional():
    # the IAM guide's recommended Deny + BoolIfExists false: no request without MFA is allowed
    guard = _deny_unless("BoolIfExists", "aws:MultiFactorAuthPresent", "false")
    finding = _admin_without_mfa(guard)
    assert finding.status is Status.PASS
    assert finding.message == "alice is administrator only with MFA"
