import json
from datetime import timedelta

from iamwarden.analysis import assess
from iamwarden.report import SCHEMA_VERSION, render_json
from iamwarden.snapshot import CredentialReport, DataSet, Gap
from iamwarden.snapshot.demo import demo_snapshot
from tests.builders import NOW, credential_report, root_row, snapshot

TOP_KEYS = {
    "schema_version",
    "analyzer",
    "account",
    "source",
    "assessment_date",
    "credential_report",
    "framework",
    "summary",
    "findings",
    "checks",
    "compliance",
    "frameworks",
    "gaps",
    "missing_data",
    "data_warnings",
    "expired_suppressions",
}
FINDING_KEYS = {
    "id",
    "check_id",
    "title",
    "status",
    "severity",
    "resource_arn",
    "resource_type",
    "message",
    "evidence",
    "compliance",
}


def document(snap):
    return json.loads(render_json(assess(snap)))


def test_schema_keys_are_stable():
    data = document(snapshot(credential_report=credential_report(root_row(mfa_active=False))))
    assert set(data) == TOP_KEYS
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert all(set(f) == FINDING_KEYS for f in data["findings"])
    assert set(data["summary"]) == {
        "total_findings",
        "by_severity",
        "by_status",
        "compliance_score",
    }
    assert set(data["summary"]["compliance_score"]) == {"passed", "assessed", "percent"}
    assert {row["id"] for row in data["compliance"]} >= {"1.4", "1.22"}


def test_every_resource_level_result_is_included_with_ids():
    data = document(snapshot(credential_report=credential_report(root_row(mfa_active=False))))
    statuses = {f["status"] for f in data["findings"]}
    assert {"FAIL", "PASS"} <= statuses
    root_mfa = next(f for f in data["findings"] if f["check_id"] == "root_mfa_enabled")
    assert root_mfa["id"].startswith("iw-")
    assert root_mfa["compliance"] == ["1.5"]


def test_not_assessed_results_and_gaps_are_included():
    data = document(snapshot(collected=frozenset()))
    assert data["summary"]["by_status"]["NOT_ASSESSED"] > 0
    assert "credential_report" in data["missing_data"]
    assert data["summary"]["compliance_score"]["percent"] is None


def test_same_input_same_bytes():
    assert render_json(assess(demo_snapshot())) == render_json(assess(demo_snapshot()))


def test_gaps_carry_what_they_left_not_assessed():
    snap = snapshot(
        collected=frozenset(DataSet) - {DataSet.SERVER_CERTIFICATES, DataSet.PASSWORD_POLICY},
        credential_report=credential_report(root_row()),
        gaps=(Gap(dataset=DataSet.SERVER_CERTIFICATES, reason="access denied", service="iam"),),
    )
    gaps = document(snap)["gaps"]
    assert gaps == [
        {
            "dataset": "password_policy",
            "reason": "not collected; no gap recorded",
            "account": "",
            "region": "",
            "service": "",
            "call": "",
            "error_code": "",
            "resource": "",
            "recorded": False,
            "dataset_collected": False,
            "not_assessed_checks": [
                "password_policy_complexity_8",
                "password_policy_max_age_90",
                "password_policy_min_length",
                "password_policy_requires_lowercase",
                "password_policy_requires_numbers",
                "password_policy_requires_symbols",
                "password_policy_requires_uppercase",
                "password_policy_reuse_prevention",
                "password_policy_strong",
            ],
            "not_assessed_controls": ["1.8", "1.9"],
        },
        {
            "dataset": "server_certificates",
            "reason": "access denied",
            "account": "",
            "region": "",
            "service": "iam",
            "call": "",
            "error_code": "",
            "resource": "",
            "recorded": True,
            "dataset_collected": False,
            "not_assessed_checks": ["server_certificate_not_expired"],
            "not_assessed_controls": ["1.19"],
        },
    ]


def test_credential_report_age():
    report = CredentialReport(rows=(root_row(),), generated=NOW - timedelta(hours=5))
    assert document(snapshot(credential_report=report))["credential_report"] == {
        "collected": True,
        "generated": "2026-10-31T19:00:00+00:00",
        "age_seconds": 5 * 3600,
        "stale": True,
    }
    missing = snapshot(collected=frozenset(DataSet) - {DataSet.CREDENTIAL_REPORT})
    assert document(missing)["credential_report"] == {
        "collected": False,
        "generated": None,
        "age_seconds": None,
        "stale": None,
    }


def test_checks_list_the_data_they_need():
    checks = {c["id"]: c for c in document(snapshot())["checks"]}
    assert checks["console_user_mfa"]["needs"] == ["credential_report"]
    assert checks["root_mfa_enabled"]["needs"] == []
