"""OCSF events: Detection Findings per result, Compliance Findings per control, validated by
py-ocsf-models (the `[ocsf]` extra, part of the test extra)"""

from __future__ import annotations

import json
from typing import Any

import pytest

from iamwarden.analysis import Assessment, ControlStatus, assess
from iamwarden.findings import Severity, Status
from iamwarden.report.ocsf import render_ocsf
from iamwarden.snapshot.demo import demo_snapshot

ocsf = pytest.importorskip("py_ocsf_models")
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding  # noqa: E402
from py_ocsf_models.events.findings.detection_finding import DetectionFinding  # noqa: E402

REQUIRED = {
    "activity_id",
    "category_uid",
    "class_uid",
    "metadata",
    "severity_id",
    "time",
    "type_uid",
}


@pytest.fixture(scope="module")
def demo() -> Assessment:
    return assess(demo_snapshot())


@pytest.fixture(scope="module")
def events(demo: Assessment) -> list[dict[str, Any]]:
    return list(json.loads(render_ocsf(demo)))


def test_one_detection_finding_per_result(demo: Assessment, events: list[dict[str, Any]]) -> None:
    detections = [e for e in events if e["class_uid"] == 2004]
    assert len(detections) == len(demo.findings)
    for event, finding in zip(detections, demo.findings, strict=True):
        DetectionFinding.model_validate(event)
        assert set(event) >= REQUIRED
        assert event["type_uid"] == 2004 * 100 + event["activity_id"] == 200401
        assert event["category_uid"] == 2 and event["class_name"] == "Detection Finding"
        assert event["finding_info"]["uid"].endswith(finding.id)
        assert event["resources"][0]["uid"] == finding.resource_arn
        assert event["status_code"] == finding.status.value
        assert event["metadata"]["product"]["name"] == "iamwarden"
        assert event["metadata"]["version"] == "1.5.0"
        assert event["cloud"]["account"]["uid"] == demo.account_id
    critical = next(
        e for e, f in zip(detections, demo.findings, strict=True) if f.severity is Severity.CRITICAL
    )
    assert critical["severity_id"] == 5 and critical["severity"] == "Critical"
    passed = next(
        e for e, f in zip(detections, demo.findings, strict=True) if f.status is Status.PASS
    )
    assert passed["status"] == "Resolved"


def test_one_compliance_finding_per_control(demo: Assessment, events: list[dict[str, Any]]) -> None:
    controls = [e for e in events if e["class_uid"] == 2003]
    assert len(controls) == len(demo.compliance)
    statuses = {"PASS": 1, "FAIL": 3, "NOT_ASSESSED": 2, "MANUAL": 0, "MUTED": 99}
    for event, row in zip(controls, demo.compliance, strict=True):
        ComplianceFinding.model_validate(event)
        assert set(event) >= REQUIRED and event["type_uid"] == 200301
        assert event["class_name"] == "Compliance Finding"
        assert event["compliance"]["control"] == row.requirement.id
        assert event["compliance"]["status_id"] == statuses[row.status.value]
        assert event["compliance"]["standards"] == [demo.framework.name]
    failing = next(
        e for e, r in zip(controls, demo.compliance, strict=True) if r.status is ControlStatus.FAIL
    )
    assert any(c["status"] == "FAIL" for c in failing["compliance"]["checks"])


def test_a_model_rejects_a_broken_event(events: list[dict[str, Any]]) -> None:
    broken = dict(events[0])
    del broken["finding_info"]
    with pytest.raises(ValueError, match="finding_info"):
        DetectionFinding.model_validate(broken)


def test_same_assessment_same_bytes(demo: Assessment) -> None:
    assert render_ocsf(demo) == render_ocsf(demo)
