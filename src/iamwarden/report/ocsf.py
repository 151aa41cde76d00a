"""OCSF events (Open Cybersecurity Schema Framework) for Security Lake and SIEMs

Built with `py-ocsf-models` (the optional extra `iamwarden[ocsf]`), so every event is
validated by the library's models as it is made: one **Detection Finding** (class 2004) per
resource-level result and one **Compliance Finding** (class 2003) per control of the
framework. The report is a JSON array of the events, most severe results first, then the
controls in document order; the same assessment gives the same bytes (times are the
assessment date).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import TYPE_CHECKING, Any

from iamwarden import __version__
from iamwarden.analysis import Assessment, ControlResult, ControlStatus
from iamwarden.findings import Finding, Severity, Status
from iamwarden.report.json_report import plain_data
from iamwarden.report.jsontext import json_text

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "OCSF_EXTRA",
    "assessment_to_ocsf",
    "compliance_finding",
    "detection_finding",
    "render_ocsf",
]

OCSF_EXTRA = "ocsf"
"""The extra that installs py-ocsf-models: `pip install 'iamwarden[ocsf]'`"""

_SEVERITY_IDS: Mapping[Severity, str] = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Informational",
}
_FINDING_STATUS: Mapping[Status, str] = {
    Status.FAIL: "New",
    Status.NOT_ASSESSED: "New",
    Status.MUTED: "Suppressed",
    Status.PASS: "Resolved",
}
_CONTROL_STATUS: Mapping[ControlStatus, str] = {
    ControlStatus.PASS: "Pass",
    ControlStatus.FAIL: "Fail",
    ControlStatus.NOT_ASSESSED: "Warning",  # "did not yield a result: missing information"
    ControlStatus.MUTED: "Other",
    ControlStatus.MANUAL: "Unknown",
}


def _millis(assessment: Assessment) -> int:
    return int(assessment.assessed_at.astimezone(UTC).timestamp() * 1000)


def _cloud(assessment: Assessment) -> Any:
    from py_ocsf_models.objects.account import Account, TypeID
    from py_ocsf_models.objects.cloud import Cloud

    return Cloud(
        provider="AWS",
        account=Account(
            name=assessment.account_alias or assessment.account_id,
            type_id=TypeID.AWS_Account,
            type=TypeID.AWS_Account.name,
            uid=assessment.account_id,
        ),
    )


def _common(assessment: Assessment, *, event_code: str, uid: str) -> dict[str, Any]:
    from py_ocsf_models.objects.metadata import Metadata
    from py_ocsf_models.objects.product import Product

    return {
        "metadata": Metadata(
            product=Product(
                name="iamwarden", vendor_name="iamwarden", uid="iamwarden", version=__version__
            ),
            event_code=event_code,
            uid=uid,
            profiles=["cloud"],
        ),
        "time": _millis(assessment),
        "time_dt": assessment.assessed_at.astimezone(UTC),
    }


def _resource(arn: str, resource_type: str) -> Any:
    from py_ocsf_models.objects.resource_details import ResourceDetails

    parts = arn.split(":", 5)
    return ResourceDetails(
        uid=arn,
        type=resource_type or None,
        name=arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1],
        cloud_partition=parts[1] if len(parts) == 6 else None,
        region=(parts[3] or None) if len(parts) == 6 else None,
    )


def detection_finding(assessment: Assessment, finding: Finding) -> BaseModel:
    """One resource-level result as an OCSF Detection Finding (validated by its model)"""
    from py_ocsf_models.events.findings.activity_id import ActivityID
    from py_ocsf_models.events.findings.detection_finding import DetectionFinding
    from py_ocsf_models.events.findings.detection_finding_type_id import DetectionFindingTypeID
    from py_ocsf_models.events.findings.severity_id import SeverityID
    from py_ocsf_models.events.findings.status_id import StatusID
    from py_ocsf_models.objects.finding_info import FindingInformation
    from py_ocsf_models.objects.remediation import Remediation

    spec = assessment.checks[finding.check_id]
    uid = f"iamwarden/{assessment.account_id}/{finding.id}"
    severity = SeverityID[_SEVERITY_IDS[finding.severity]]
    status = StatusID[_FINDING_STATUS[finding.status]]
    event: BaseModel = DetectionFinding(
        **_common(assessment, event_code=finding.check_id, uid=uid),
        cloud=_cloud(assessment),
        activity_id=ActivityID.Create,
        activity_name=ActivityID.Create.name,
        type_uid=DetectionFindingTypeID.Create,
        type_name=f"Detection Finding: {ActivityID.Create.name}",
        severity_id=severity,
        severity=severity.name,
        status_id=status,
        status=status.name,
        status_code=finding.status.value,
        status_detail=finding.message,
        message=finding.message,
        finding_info=FindingInformation(
            uid=uid,
            title=spec.title,
            desc=spec.rationale,
            types=[finding.check_id],
            created_time=_millis(assessment),
            created_time_dt=assessment.assessed_at.astimezone(UTC),
        ),
        resources=[_resource(finding.resource_arn, finding.resource_type)],
        remediation=Remediation(desc=spec.remediation.text, references=list(spec.references)),
        unmapped={
            "check_id": finding.check_id,
            "finding_id": finding.id,
            "compliance": {  # every chosen framework's requirement ids, by its name
                view.framework.name: [r.id for r in view.framework.requirements_for(spec.id)]
                for view in assessment.views
            },
            "remediation_command": spec.remediation.command,
            "remediation_policy": spec.remediation.policy,
            "evidence": plain_data(finding.evidence),
        },
    )
    return event


def _check_status(assessment: Assessment, check_id: str) -> str:
    statuses = {f.status for f in assessment.findings if f.check_id == check_id}
    for status in (Status.FAIL, Status.NOT_ASSESSED, Status.MUTED, Status.PASS):
        if status in statuses:
            return str(status.value)
    return "NONE"


def compliance_finding(assessment: Assessment, row: ControlResult) -> BaseModel:
    """One control of the framework as an OCSF Compliance Finding (validated by its model)"""
    from py_ocsf_models.events.findings.activity_id import ActivityID
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
    from py_ocsf_models.events.findings.compliance_finding_type_id import (
        ComplianceFindingTypeID,
    )
    from py_ocsf_models.events.findings.severity_id import SeverityID
    from py_ocsf_models.objects.check import Check
    from py_ocsf_models.objects.compliance import Compliance
    from py_ocsf_models.objects.compliance_status import StatusID as ComplianceStatusID
    from py_ocsf_models.objects.finding_info import FindingInformation

    requirement = row.requirement
    framework = assessment.framework
    uid = f"iamwarden/{assessment.account_id}/{framework.name}/{requirement.id}"
    specs = [assessment.checks[c] for c in requirement.checks if c in assessment.checks]
    worst = min((s.severity for s in specs), key=lambda s: s.rank, default=Severity.INFO)
    severity = SeverityID[_SEVERITY_IDS[worst]]
    status = ComplianceStatusID[_CONTROL_STATUS[row.status]]
    event: BaseModel = ComplianceFinding(
        **_common(assessment, event_code=requirement.id, uid=uid),
        class_name="Compliance Finding",
        activity_id=ActivityID.Create,
        activity_name=ActivityID.Create.name,
        type_uid=ComplianceFindingTypeID.Create,
        type_name=f"Compliance Finding: {ActivityID.Create.name}",
        severity_id=severity,
        severity=severity.name,
        status_code=row.status.value,
        message=f"{framework.name} {requirement.id}: {row.status.value}",
        finding_info=FindingInformation(
            uid=uid,
            title=requirement.title,
            types=[requirement.assessment.value],
            created_time=_millis(assessment),
        ),
        compliance=Compliance(
            control=requirement.id,
            desc=requirement.title,
            standards=[framework.name],
            requirements=[requirement.id],
            status_id=status,
            checks=[
                Check(
                    uid=spec.id,
                    name=spec.title,
                    severity=spec.severity.value,
                    severity_id=SeverityID[_SEVERITY_IDS[spec.severity]],
                    status=_check_status(assessment, spec.id),
                    standards=[framework.name],
                )
                for spec in specs
            ]
            or None,
        ),
        resources=[
            _resource(f"arn:aws:iam::{assessment.account_id}:root", "AwsAccount"),
        ],
        unmapped={"counts": {s.value: n for s, n in row.counts.items()}},
    )
    return event


def assessment_to_ocsf(assessment: Assessment) -> list[dict[str, Any]]:
    """Every result as a Detection Finding, then every control as a Compliance Finding

    Raises:
        ModuleNotFoundError: without py-ocsf-models (`pip install 'iamwarden[ocsf]'`).
    """
    events = [detection_finding(assessment, f) for f in assessment.findings]
    events += [compliance_finding(assessment, row) for row in assessment.compliance]
    dumped: list[dict[str, Any]] = [
        event.model_dump(mode="json", exclude_none=True) for event in events
    ]
    return dumped


def render_ocsf(assessment: Assessment) -> str:
    """The OCSF events as one JSON array: sorted keys, two-space indent, a final newline"""
    return json_text(assessment_to_ocsf(assessment))
