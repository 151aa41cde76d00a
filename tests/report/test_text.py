from datetime import timedelta

from iamwarden import __version__
from iamwarden.analysis import assess
from iamwarden.report import render_text
from iamwarden.snapshot import AccessKey, PasswordPolicy
from tests.builders import (
    ACCOUNT_ID,
    NOW,
    credential_report,
    credential_row,
    root_row,
    snapshot,
    user,
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
    assert out[:5] == [
        "IAM Security Assessment Report",
        "==============================",
        f"Account ID: {ACCOUNT_ID}",
        "Assessment Date: 2026-11-01",
        f"Analyzer: iamwarden {__version__}",
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
        "[H-001] 2 access keys older than 90 days detected - Users: svc-backup, "
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
    assert out[summary + 2].startswith("Critical: 1 | High: 2 | Medium: ")
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
    assert "- not collected: credential_report" in out[start:]
    assert any(line.startswith("1.4 ") and "NOT_ASSESSED" in line for line in out)
    assert "Compliance Score: n/a (CIS AWS Foundations Benchmark v3.0)" in out


def test_empty_sections_say_none():
    out = render_text(assess(snapshot(credential_report=credential_report(root_row()))))
    assert "CRITICAL FINDINGS:\nNone\n" in out
