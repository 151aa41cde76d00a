from datetime import timedelta

import pytest

from iamwarden import __version__
from iamwarden.analysis import assess
from iamwarden.report import render_text
from iamwarden.report.groups import duration
from iamwarden.snapshot import (
    AccessKey,
    CredentialReport,
    DataSet,
    Gap,
    PasswordPolicy,
    demo_snapshot,
)
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

SCOPED = managed_policy(
    "Scoped",
    document={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    },
)


def report_snapshot():
    old = NOW - timedelta(days=200)
    names = ("svc-backup", "svc-monitoring")
    return snapshot(
        credential_report=credential_report(
            root_row(access_key_1_active=True),
            *(
                credential_row(
                    n,
                    access_key_1_active=True,
                    access_key_1_last_rotated=old,
                    access_key_1_last_used_date=NOW,
                )
                for n in names
            ),
        ),
        users=tuple(
            user(n, access_keys=(AccessKey(id=f"AKIA{i}", is_active=True, created=old),))
            for i, n in enumerate(names)
        ),
        password_policy=PasswordPolicy(minimum_length=14, reuse_prevention=24),
    )


def lines():
    return render_text(assess(report_snapshot())).splitlines()


def test_header_shape():
    out = lines()
    assert out[:4] == [
        "IAM Security Assessment Report",
        "==============================",
        f"Account ID: {ACCOUNT_ID}   Assessment Date: 2026-11-01   "
        f"Analyzer: iamwarden {__version__}",
        "Credential report: generated 2026-11-01T00:00:00+00:00 (under a minute before assessment)",
    ]


def test_critical_finding_block():
    out = lines()
    start = out.index("CRITICAL FINDINGS:")
    assert out[start + 1] == "[C-001] Root user has access keys"
    assert out[start + 2] == f"- Resource: arn:aws:iam::{ACCOUNT_ID}:root"
    block = out[start + 1 : out.index("", start + 1)]
    assert any(line.startswith("- Remediation: ") for line in block)
    assert block[-1] == "- CIS Benchmark: 1.4 (Ensure no 'root' user account access key exists)"


def test_findings_of_one_check_are_grouped():
    out = lines()
    assert (
        "[M-001] 2 access keys older than 90 days detected - Users: svc-backup, "
        "svc-monitoring" in out
    )
    assert (
        f"  - arn:aws:iam::{ACCOUNT_ID}:user/svc-backup/accesskey/AKIA0: AKIA0 of svc-backup "
        "is 200 days old" in out
    )


def test_sections_in_order_and_summary():
    out = lines()
    order = [
        out.index(h)
        for h in (
            "CRITICAL FINDINGS:",
            "HIGH FINDINGS:",
            "MEDIUM FINDINGS:",
            "LOW FINDINGS:",
            "SUMMARY:",
            "DATA NOT ASSESSED:",
        )
    ]
    assert order == sorted(order)
    summary = out.index("SUMMARY:")
    assert out[summary + 1].startswith("Total Findings: ")
    assert out[summary + 2].startswith("Critical: 1 | High: 0 | Medium: ")
    assert out[summary + 3].startswith("Compliance Score: ")
    assert out[summary + 3].endswith("% (CIS AWS Foundations Benchmark v3.0)")


def test_compliance_table_lists_every_control():
    out = lines()
    assert any(line.startswith("1.4 ") and "FAIL" in line for line in out)
    assert any(line.startswith("1.1 ") and "MANUAL" in line for line in out)
    assert any(line.startswith("1.8 ") and "PASS" in line for line in out)


def test_data_not_assessed_lists_missing_sets():
    out = render_text(assess(snapshot(collected=frozenset()))).splitlines()
    start = out.index("DATA NOT ASSESSED:")
    entry = out.index("- not collected: credential_report (no gap recorded)", start)
    assert out[entry + 1].startswith("  Checks not assessed: access_key_never_used, ")
    assert out[entry + 2] == (
        "  Controls not assessed: 1.4, 1.5, 1.6, 1.7, 1.10, 1.11, 1.12, 1.13, 1.14"
    )
    assert any(line.startswith("1.4 ") and "NOT_ASSESSED" in line for line in out)
    assert "Compliance Score: n/a (CIS AWS Foundations Benchmark v3.0)" in out


def test_empty_sections_say_none():
    out = render_text(assess(snapshot(credential_report=credential_report(root_row()))))
    assert "CRITICAL FINDINGS:\nNone\n" in out


def gap_snapshot():
    return snapshot(
        collected=frozenset(DataSet) - {DataSet.PASSWORD_POLICY},
        credential_report=credential_report(root_row()),
        gaps=(
            Gap(
                dataset=DataSet.PASSWORD_POLICY,
                reason="access denied",
                service="iam",
                call="GetAccountPasswordPolicy",
                error_code="AccessDenied",
            ),
            Gap(dataset=DataSet.RESOURCE_POLICIES, reason="throttled", region="eu-west-1"),
        ),
    )


def test_every_gap_is_listed_with_what_it_left_not_assessed():
    out = render_text(assess(gap_snapshot())).splitlines()
    section = out[out.index("DATA NOT ASSESSED:") + 1 :]
    assert section == [
        "- not collected: password_policy: access denied (iam, GetAccountPasswordPolicy, "
        "AccessDenied)",
        "  Checks not assessed: password_policy_complexity_8, password_policy_max_age_90, "
        "password_policy_min_length, password_policy_requires_lowercase, "
        "password_policy_requires_numbers, password_policy_requires_symbols, "
        "password_policy_requires_uppercase, password_policy_reuse_prevention, "
        "password_policy_strong",
        "  Controls not assessed: 1.8, 1.9",
        "- gap in resource_policies (partly collected): throttled (eu-west-1)",
        "  Checks not assessed: none",
        "- access_analyzer_all_regions: 1 not assessed (enabled regions not known)",
        "- organization_guardrails_attached: 1 not assessed (the account is in no AWS "
        "Organization: no SCP or RCP can apply to it)",
    ]


@pytest.mark.parametrize(
    ("generated", "line"),
    [
        (
            NOW - timedelta(hours=3, minutes=12, seconds=40),
            "Credential report: generated 2026-10-31T20:47:20+00:00 (3 hours 12 minutes before "
            "assessment)",
        ),
        (
            NOW - timedelta(days=2, minutes=5),
            "Credential report: generated 2026-10-29T23:55:00+00:00 (2 days before assessment; "
            "older than the 4 hours AWS caches a report)",
        ),
        (
            NOW - timedelta(hours=1),
            "Credential report: generated 2026-10-31T23:00:00+00:00 (1 hour before assessment)",
        ),
        (None, "Credential report: generation time not known"),
    ],
)
def test_credential_report_age_in_header(generated, line):
    report = CredentialReport(rows=(root_row(),), generated=generated)
    out = render_text(assess(snapshot(credential_report=report))).splitlines()
    assert out[3] == line


def test_credential_report_not_collected_in_header():
    snap = snapshot(collected=frozenset(DataSet) - {DataSet.CREDENTIAL_REPORT})
    assert render_text(assess(snap)).splitlines()[3] == "Credential report: not collected"


def test_counts_use_singular_and_plural():
    snap = snapshot(
        credential_report=credential_report(root_row(access_key_1_active=True)),
        users=(
            user("solo", attached_policies=(SCOPED.arn,)),
            user("duo", attached_policies=(SCOPED.arn,), inline_policies=(inline("x"),)),
        ),
        policies=(SCOPED,),
    )
    out = render_text(assess(snap))
    assert "root user has 1 access key\n" in out
    assert "solo has 1 policy attached directly" in out
    assert "duo has 2 policies attached directly" in out
    assert "(s)" not in out


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(seconds=59), "under a minute"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=1, minutes=5), "1 hour 5 minutes"),
        (timedelta(days=1, minutes=3), "1 day"),
        (timedelta(days=3, hours=2, minutes=9), "3 days 2 hours"),
        (-timedelta(hours=2), "2 hours"),
    ],
)
def test_duration(span, text):
    assert duration(span) == text


def test_empty_data_sections_are_left_out() -> None:
    """The demo has every data set and nothing that looks wrong: no DATA section is printed,
    and no placeholder value follows the compliance table"""
    assessment = assess(demo_snapshot())
    assert not assessment.data_warnings and not assessment.data_gaps
    out = render_text(assessment)
    assert "DATA WARNINGS:" not in out and "DATA NOT ASSESSED:" not in out
    tail = out[out.index("COMPLIANCE (") :]
    assert "None" not in tail
    assert out.endswith("[1 PASS]\n")


def test_a_finding_a_check_rates_lower_is_listed_under_its_own_severity():
    """The demo's oncall-olga escalates only with MFA (HIGH): it was listed inside the CRITICAL
    group of privilege_escalation"""
    out = render_text(assess(demo_snapshot())).splitlines()
    high = out.index("HIGH FINDINGS:")
    olga = next(i for i, line in enumerate(out) if "oncall-olga can escalate" in line)
    assert olga > high
    critical_group = next(line for line in out if line.startswith("[C-001]"))
    assert "oncall-olga" not in critical_group


def test_summary_counts_sum_to_the_total_including_info() -> None:
    """The demo account has INFO findings; the severity line must add up to Total Findings"""
    out = render_text(assess(demo_snapshot())).splitlines()
    summary = out.index("SUMMARY:")
    total = int(out[summary + 1].removeprefix("Total Findings: "))
    parts = dict(part.split(": ") for part in out[summary + 2].split(" | "))
    assert list(parts) == ["Critical", "High", "Medium", "Low", "Info"]
    assert int(parts["Info"]) > 0
    assert sum(int(n) for n in parts.values()) == total
