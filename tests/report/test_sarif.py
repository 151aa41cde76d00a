"""The SARIF 2.1.0 report: valid against the schema, rules with help and levels, ARNs"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from iamwarden.analysis import Assessment, AssessOptions, assess
from iamwarden.config import Suppression
from iamwarden.findings import Severity, Status
from iamwarden.report.sarif import SECURITY_SEVERITY, level, render_sarif
from iamwarden.snapshot import DataSet
from iamwarden.snapshot.demo import demo_snapshot
from tests.builders import credential_report, root_row, snapshot

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-2.1.0-rtm.5.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="module")
def demo() -> Assessment:
    return assess(demo_snapshot())


@pytest.fixture(scope="module")
def demo_log(demo: Assessment) -> dict[str, Any]:
    return json.loads(render_sarif(demo))


def test_demo_log_is_valid_sarif(validator: Any, demo_log: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(demo_log), key=str)
    assert errors == []
    assert demo_log["version"] == "2.1.0"


def test_the_validator_rejects_a_broken_log(validator: Any, demo_log: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(demo_log))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    del broken["runs"][0]["tool"]["driver"]["name"]
    assert len(list(validator.iter_errors(broken))) >= 2


def test_rules_carry_help_and_levels(demo: Assessment, demo_log: dict[str, Any]) -> None:
    rules = demo_log["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(demo.checks)
    by_id = {r["id"]: r for r in rules}
    root = by_id["root_access_key_absent"]
    spec = demo.checks["root_access_key_absent"]
    assert root["defaultConfiguration"]["level"] == "error"
    assert root["shortDescription"]["text"] == spec.title
    assert spec.remediation.text in root["help"]["text"]
    assert root["properties"]["security-severity"] == SECURITY_SEVERITY[Severity.CRITICAL]
    assert "CIS AWS Foundations Benchmark v3.0 1.4" in root["properties"]["compliance"]
    assert level(Severity.MEDIUM) == "warning" and level(Severity.LOW) == "note"


def test_results_are_located_at_arns(demo: Assessment, demo_log: dict[str, Any]) -> None:
    run = demo_log["runs"][0]
    results = run["results"]
    assert len(results) == sum(f.status is not Status.PASS for f in demo.findings)
    rules = run["tool"]["driver"]["rules"]
    for result, finding in zip(
        results, [f for f in demo.findings if f.status is not Status.PASS], strict=True
    ):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding.check_id
        location = result["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == finding.resource_arn
        assert location["logicalLocations"][0]["fullyQualifiedName"] == finding.resource_arn
        assert result["partialFingerprints"]["iamwardenFindingId/v1"] == finding.id
        assert result["level"] == level(finding.severity)


def test_muted_and_not_assessed_results(validator: Any) -> None:
    snap = snapshot(
        credential_report=credential_report(root_row(mfa_active=False)),
        collected=frozenset(DataSet) - {DataSet.PASSWORD_POLICY},
    )
    rule = Suppression(check_id="root_mfa_enabled", reason="break glass, SEC-12")
    log = json.loads(render_sarif(assess(snap, AssessOptions(suppressions=(rule,)))))
    assert list(validator.iter_errors(log)) == []
    results = log["runs"][0]["results"]
    muted = [r for r in results if r["ruleId"] == "root_mfa_enabled"]
    assert muted and muted[0]["suppressions"][0]["justification"] == "break glass, SEC-12"
    pending = [r for r in results if r["properties"]["status"] == "NOT_ASSESSED"]
    assert pending and all(r["kind"] == "open" and r["level"] == "none" for r in pending)


def test_same_assessment_same_bytes(demo: Assessment) -> None:
    assert render_sarif(demo) == render_sarif(demo)


def test_an_empty_message_is_the_rule_title(validator: Any, demo: Assessment) -> None:
    failing = next(f for f in demo.findings if f.status is Status.FAIL)
    quiet = replace(demo, findings=(replace(failing, message=""),))
    log = json.loads(render_sarif(quiet))
    assert list(validator.iter_errors(log)) == []
    text = log["runs"][0]["results"][0]["message"]["text"]
    assert text == demo.checks[failing.check_id].title
