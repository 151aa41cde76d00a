"""Missing or uncertain data is never a pass: absence is NOT_ASSESSED with its reason"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from iamwarden.analysis import ControlStatus, assess
from iamwarden.findings import Status
from iamwarden.report import render_text
from iamwarden.snapshot import (
    AccessKey,
    CredentialReport,
    DataSet,
    Gap,
    ServiceAccess,
    ServiceLastAccessed,
    import_cloudmapper,
)
from tests.analysis.checking import only, run_check
from tests.builders import (
    ACCOUNT_ID,
    NOW,
    credential_report,
    credential_row,
    role,
    root_row,
    snapshot,
    user,
)

ALICE = f"arn:aws:iam::{ACCOUNT_ID}:user/alice"
CORPUS = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "corpora"
    / "cloudmapper-demo"
    / "account-data"
    / "demo"
)
KEY_CHECKS = ["access_key_rotated_90_days", "access_key_never_used", "user_single_active_key"]


def days_ago(n: int):
    return NOW - timedelta(days=n)


def header_only(**kw):
    """A snapshot whose credential report has no row at all (only its header)"""
    return snapshot(credential_report=CredentialReport(rows=(), generated=NOW), **kw)


@pytest.mark.parametrize("check_id", KEY_CHECKS)
def test_user_without_a_report_row_is_not_assessed_not_skipped(check_id):
    findings = run_check(check_id, header_only(users=(user("alice"),)))
    finding = only(findings)
    assert (finding.resource_arn, finding.status) == (ALICE, Status.NOT_ASSESSED)
    assert finding.message == "access keys of alice not known: no row in the credential report"


def test_header_only_report_leaves_cis_1_14_not_assessed_and_unscored():
    result = assess(header_only(users=(user("alice"), user("bob"))))
    row = next(r for r in result.compliance if r.requirement.id == "1.14")
    assert row.status is ControlStatus.NOT_ASSESSED and not row.is_scored
    assert row.counts[Status.NOT_ASSESSED] == 2


def test_a_header_only_report_is_described_as_collected_without_rows() -> None:
    """Newcomer review: it was "not collected: credential_report", though it was collected"""
    text = render_text(assess(header_only(users=(user("alice"),))))
    assert "- credential_report collected, but without what the checks need" in text
    assert "not collected: credential_report" not in text


def test_listed_key_without_usage_data_is_not_called_never_used():
    listed = AccessKey(id="AKIAEXAMPLE", is_active=True, created=days_ago(200))
    snap = header_only(users=(user("alice", access_keys=(listed,)),))
    (finding,) = run_check("access_key_never_used", snap)
    assert finding.status is Status.NOT_ASSESSED
    assert finding.message == "use of AKIAEXAMPLE of alice not known"
    unused = only(run_check("credentials_unused_45_days", snap))
    assert unused.status is Status.NOT_ASSESSED


def test_role_without_role_last_used_is_not_never_used():
    old = role("app", created=days_ago(300), is_last_used_known=False)
    finding = only(run_check("role_unused_90_days", snapshot(roles=(old,))))
    assert finding.status is Status.NOT_ASSESSED
    assert finding.message.startswith("last use of app not known")


def test_service_last_accessed_tells_when_a_role_was_used():
    old = role("app", created=days_ago(300), is_last_used_known=False)
    used = ServiceLastAccessed(
        principal_arn=old.arn,
        services=(ServiceAccess(namespace="logs", last_authenticated=days_ago(3)),),
    )
    finding = only(
        run_check("role_unused_90_days", snapshot(roles=(old,), service_last_accessed=(used,)))
    )
    assert (finding.status, finding.message) == (Status.PASS, "app last used (logs) 3 days ago")


def test_role_last_used_absent_means_never_used_only_when_reported():
    old = role("app", created=days_ago(300))  # RoleLastUsed reported, with no date
    finding = only(run_check("role_unused_90_days", snapshot(roles=(old,))))
    assert (finding.status, finding.message) == (
        Status.FAIL,
        "app created and never used 300 days ago",
    )


def test_cloudmapper_demo_roles_are_not_called_never_used():
    if not CORPUS.is_dir():
        pytest.skip("shared corpora not present")
    result = assess(import_cloudmapper(CORPUS))
    roles = [f for f in result.findings if f.check_id == "role_unused_90_days"]
    assert roles and not any("never used" in f.message for f in roles)
    bad_role = next(f for f in roles if f.resource_arn.endswith(":role/bad_role"))
    assert bad_role.message == "bad_role last used (logs) 22 days ago"


@pytest.mark.parametrize(
    ("row", "status", "message"),
    [
        (
            credential_row(
                password_enabled=False,
                access_key_1_active=True,
                access_key_1_last_rotated=days_ago(10),
            ),
            Status.PASS,
            "alice: used or created within 45 days: access key access_key_1 never used, created "
            "10 days ago",
        ),
        (
            credential_row(
                password_enabled=False,
                access_key_1_active=True,
                access_key_1_last_rotated=days_ago(60),
            ),
            Status.FAIL,
            "alice: unused 45+ days: access key access_key_1 never used, created 60 days ago",
        ),
        (
            credential_row(password_enabled=False),
            Status.PASS,
            "alice has no enabled password and no active access key",
        ),
        (
            credential_row(password_enabled=True, password_last_used=days_ago(1)),
            Status.PASS,
            "alice: used or created within 45 days: password last used 1 day ago",
        ),
    ],
)
def test_credentials_unused_45_days_says_what_was_decided(row, status, message):
    snap = snapshot(credential_report=credential_report(root_row(), row))
    finding = only(run_check("credentials_unused_45_days", snap))
    assert (finding.status, finding.message) == (status, message)


def test_cloudmapper_demo_new_unused_key_is_not_called_used():
    """Newcomer review of issue 7 (item 11): `auditor_tmp: used within 45 days: access key
    access_key_1 never used` contradicted itself; the PASS says what was decided"""
    if not CORPUS.is_dir():
        pytest.skip("shared corpora not present")
    result = assess(import_cloudmapper(CORPUS))
    finding = next(
        f
        for f in result.findings
        if f.check_id == "credentials_unused_45_days" and f.resource_arn.endswith("/auditor_tmp")
    )
    assert finding.status is Status.PASS
    assert finding.message.startswith(
        "auditor_tmp: used or created within 45 days: access key access_key_1 never used, created "
    )


def test_region_whose_instances_could_not_be_listed_is_not_assessed():
    gap = Gap(
        dataset=DataSet.COMPUTE,
        reason="file not found: ec2-describe-instances.json",
        region="eu-west-1",
        service="ec2",
        call="describe-instances",
    )
    snap = snapshot(gaps=(gap,))
    finding = only(run_check("ec2_instance_profile_attached", snap))
    assert finding.status is Status.NOT_ASSESSED
    assert finding.evidence["gaps"] == [gap.reason]
    row = next(r for r in assess(snap).compliance if r.requirement.id == "1.18")
    assert row.status is ControlStatus.NOT_ASSESSED


def test_console_user_mfa_says_why_a_user_is_not_assessed():
    finding = only(run_check("console_user_mfa", header_only(users=(user("alice"),))))
    assert finding.status is Status.NOT_ASSESSED
    assert finding.message == (
        "console password or MFA state not known: no row in the credential report"
    )
