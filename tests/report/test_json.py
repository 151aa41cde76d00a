import json

from iamwarden.analysis import assess
from iamwarden.report import SCHEMA_VERSION, render_json
from iamwarden.snapshot.demo import demo_snapshot
from tests.builders import credential_report, root_row, snapshot

TOP_KEYS = {
    "schema_version",
    "analyzer",
    "account",
    "source",
    "assessment_date",
    "framework",
    "summary",
    "findings",
    "checks",
    "compliance",
    "gaps",
    "missing_data",
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
