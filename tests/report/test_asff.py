"""Security Hub ASFF findings: BatchImportFindings shapes, stable ids, statuses"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from iamwarden.analysis import Assessment, AssessOptions, assess
from iamwarden.config import Suppression
from iamwarden.findings import Status
from iamwarden.report.asff import asff_finding_id, assessment_to_asff, product_arn, render_asff
from iamwarden.snapshot import DataSet
from iamwarden.snapshot.demo import demo_snapshot
from tests.builders import credential_report, root_row, snapshot


@pytest.fixture(scope="module")
def input_shape() -> Any:
    model = botocore.session.get_session().get_service_model("securityhub")
    return model.operation_model("BatchImportFindings").input_shape


@pytest.fixture(scope="module")
def demo() -> Assessment:
    return assess(demo_snapshot())


def _problems(shape: Any, findings: list[dict[str, Any]]) -> str:
    report = ParamValidator().validate({"Findings": findings}, shape)
    return report.generate_report() if report.has_errors() else ""


def test_every_finding_has_batch_import_findings_shape(demo: Assessment, input_shape: Any) -> None:
    findings = assessment_to_asff(demo, region="eu-west-1")
    assert len(findings) == len(demo.findings)
    for start in range(0, len(findings), 100):
        assert _problems(input_shape, findings[start : start + 100]) == ""
    first = findings[0]
    assert first["ProductArn"] == product_arn(demo.account_id, "eu-west-1")
    assert first["ProductArn"].endswith(f":{demo.account_id}:product/{demo.account_id}/default")
    assert first["Resources"][0]["Region"] == "eu-west-1"
    assert first["CreatedAt"].endswith("Z")


def test_the_shape_check_catches_a_bad_finding(demo: Assessment, input_shape: Any) -> None:
    broken = assessment_to_asff(demo, region="us-east-1")[:1]
    del broken[0]["Title"]
    broken[0]["Severity"]["Label"] = 5
    assert "Title" in _problems(input_shape, broken)


def test_ids_are_stable_across_runs_and_unique(demo: Assessment) -> None:
    again = assess(demo_snapshot())
    first = [f["Id"] for f in assessment_to_asff(demo, region="us-east-1")]
    second = [f["Id"] for f in assessment_to_asff(again, region="us-east-1")]
    assert first == second and len(set(first)) == len(first)
    assert first[0] == asff_finding_id(demo, demo.findings[0])
    assert render_asff(demo) == render_asff(again)


def test_statuses_map_to_compliance_and_workflow(input_shape: Any) -> None:
    snap = snapshot(
        credential_report=credential_report(root_row(mfa_active=False)),
        collected=frozenset(DataSet) - {DataSet.PASSWORD_POLICY},
    )
    rule = Suppression(check_id="root_mfa_enabled", reason="break glass")
    assessment = assess(snap, AssessOptions(suppressions=(rule,)))
    findings = assessment_to_asff(assessment, region="us-east-1")
    assert _problems(input_shape, findings) == ""
    by_status = {f.status: asff for f, asff in zip(assessment.findings, findings, strict=True)}
    assert by_status[Status.MUTED]["Workflow"]["Status"] == "SUPPRESSED"
    assert by_status[Status.MUTED]["ProductFields"]["iamwarden/muted_reason"] == "break glass"
    assert by_status[Status.NOT_ASSESSED]["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert by_status[Status.PASS]["Workflow"]["Status"] == "RESOLVED"
    assert by_status[Status.PASS]["Compliance"]["Status"] == "PASSED"
    failing = [
        a for f, a in zip(assessment.findings, findings, strict=True) if f.status is Status.FAIL
    ]
    assert failing and all(a["Compliance"]["Status"] == "FAILED" for a in failing)
    muted = by_status[Status.MUTED]
    assert "CIS AWS Foundations Benchmark v3.0 1.5" in muted["Compliance"]["RelatedRequirements"]


def test_render_asff_is_batch_import_findings_input(demo: Assessment) -> None:
    document = json.loads(render_asff(demo, region="ap-south-1"))
    assert set(document) == {"Findings"}
    assert document["Findings"][0]["Resources"][0]["Region"] == "ap-south-1"


def test_an_empty_message_is_described_by_the_title(demo: Assessment, input_shape: Any) -> None:
    quiet = replace(demo, findings=(replace(demo.findings[0], message=" "),))
    (finding,) = assessment_to_asff(quiet, region="us-east-1")
    assert finding["Description"] == demo.checks[demo.findings[0].check_id].title
    assert _problems(input_shape, [finding]) == ""
