"""Security Hub findings: the assessment in the AWS Security Finding Format (ASFF)

`assessment_to_asff` gives one `AwsSecurityFinding` per resource-level result, shaped as
`securityhub:BatchImportFindings` takes them: a custom integration's product ARN in the given
region, the finding's stable id (so a second import updates rather than duplicates), the
assessment date as `CreatedAt`/`UpdatedAt`, severity, compliance status and the framework's
requirements, a remediation recommendation and the resource's ARN and type. FAIL findings are
`NEW` and compliance `FAILED`; PASS ones `RESOLVED` and `PASSED`; MUTED ones `SUPPRESSED`;
NOT_ASSESSED ones compliance `NOT_AVAILABLE`. Pure data: sending is `iamwarden.aws.securityhub`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from iamwarden import __version__
from iamwarden.analysis import Assessment
from iamwarden.findings import Finding, Severity, Status
from iamwarden.report.jsontext import json_text

__all__ = [
    "ASFF_SCHEMA_VERSION",
    "RESOURCE_TYPES",
    "asff_finding_id",
    "assessment_to_asff",
    "product_arn",
    "render_asff",
]

ASFF_SCHEMA_VERSION = "2018-10-08"
TYPE_BEST_PRACTICES = "Software and Configuration Checks/AWS Security Best Practices"
TYPE_CIS = (
    "Software and Configuration Checks/Industry and Regulatory Standards/"
    "CIS AWS Foundations Benchmark"
)
RESOURCE_TYPES = frozenset(
    {
        "AwsAccount",
        "AwsIamAccessKey",
        "AwsIamGroup",
        "AwsIamPolicy",
        "AwsIamRole",
        "AwsIamUser",
        "AwsKmsKey",
        "AwsLambdaFunction",
        "AwsS3Bucket",
        "AwsSecretsManagerSecret",
        "AwsSnsTopic",
        "AwsSqsQueue",
    }
)
"""Resource types ASFF names; any other type is sent as `Other` with ours in `Details`"""

SEVERITY_LABELS: Mapping[Severity, str] = {
    Severity.CRITICAL: "CRITICAL",
    Severity.HIGH: "HIGH",
    Severity.MEDIUM: "MEDIUM",
    Severity.LOW: "LOW",
    Severity.INFO: "INFORMATIONAL",
}
COMPLIANCE: Mapping[Status, str] = {
    Status.FAIL: "FAILED",
    Status.PASS: "PASSED",
    Status.MUTED: "FAILED",
    Status.NOT_ASSESSED: "NOT_AVAILABLE",
}
WORKFLOW: Mapping[Status, str] = {
    Status.FAIL: "NEW",
    Status.PASS: "RESOLVED",
    Status.MUTED: "SUPPRESSED",
    Status.NOT_ASSESSED: "NEW",
}
TITLE_LIMIT, DESCRIPTION_LIMIT, RECOMMENDATION_LIMIT, REQUIREMENTS_LIMIT = 256, 1024, 512, 32
"""Security Hub's length limits on Title, Description, Recommendation.Text, and the
number of RelatedRequirements"""


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def product_arn(account_id: str, region: str, partition: str = "aws") -> str:
    """The product ARN of a custom integration's findings in `account_id`, `region`"""
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"


def asff_finding_id(assessment: Assessment, finding: Finding) -> str:
    """The ASFF `Id`: stable across runs (the finding's id: check id and resource ARN)"""
    return f"iamwarden/{assessment.account_id}/{finding.id}"


def _timestamp(assessment: Assessment) -> str:
    moment = assessment.assessed_at.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _finding(
    assessment: Assessment, finding: Finding, *, region: str, partition: str
) -> dict[str, Any]:
    spec = assessment.checks[finding.check_id]
    requirements = [  # every chosen framework's, the main one first
        f"{view.framework.name} {r.id}"
        for view in assessment.views
        for r in view.framework.requirements_for(finding.check_id)
    ]
    resource_type = finding.resource_type or spec.resource_type
    resource: dict[str, Any] = {
        "Type": resource_type if resource_type in RESOURCE_TYPES else "Other",
        "Id": finding.resource_arn,
        "Partition": partition,
        "Region": region,
    }
    if resource["Type"] == "Other":
        resource["Details"] = {"Other": {"iamwarden/resource_type": resource_type or "unknown"}}
    recommendation: dict[str, str] = {"Text": _cut(spec.remediation.text, RECOMMENDATION_LIMIT)}
    if spec.references:
        recommendation["Url"] = spec.references[0]
    compliance: dict[str, Any] = {"Status": COMPLIANCE[finding.status]}
    if requirements:
        compliance["RelatedRequirements"] = requirements[:REQUIREMENTS_LIMIT]
    timestamp = _timestamp(assessment)
    fields = {
        "iamwarden/check_id": finding.check_id,
        "iamwarden/finding_id": finding.id,
        "iamwarden/status": finding.status.value,
        "ProviderName": "iamwarden",
        "ProviderVersion": __version__,
    }
    if finding.status is Status.MUTED:
        fields["iamwarden/muted_reason"] = _cut(str(finding.evidence.get("muted_reason", "")), 1024)
    return {
        "SchemaVersion": ASFF_SCHEMA_VERSION,
        "Id": asff_finding_id(assessment, finding),
        "ProductArn": product_arn(assessment.account_id, region, partition),
        "ProductName": "iamwarden",
        "CompanyName": "iamwarden",
        "GeneratorId": f"iamwarden/{finding.check_id}",
        "AwsAccountId": assessment.account_id,
        "Types": [TYPE_CIS if requirements else TYPE_BEST_PRACTICES],
        "CreatedAt": timestamp,
        "UpdatedAt": timestamp,
        "Severity": {
            "Label": SEVERITY_LABELS[finding.severity],
            "Original": finding.severity.value,
        },
        "Title": _cut(spec.title, TITLE_LIMIT),
        "Description": _cut(finding.message.strip() or spec.title, DESCRIPTION_LIMIT),
        "Remediation": {"Recommendation": recommendation},
        "ProductFields": fields,
        "Resources": [resource],
        "Compliance": compliance,
        "Workflow": {"Status": WORKFLOW[finding.status]},
        "RecordState": "ACTIVE",
    }


def assessment_to_asff(
    assessment: Assessment, *, region: str, partition: str = "aws"
) -> list[dict[str, Any]]:
    """Every resource-level result as an ASFF finding for `BatchImportFindings` in `region`"""
    return [
        _finding(assessment, f, region=region, partition=partition) for f in assessment.findings
    ]


def render_asff(
    assessment: Assessment, *, region: str = "us-east-1", partition: str = "aws"
) -> str:
    """The ASFF findings as a JSON document `{"Findings": [...]}` (BatchImportFindings' input)"""
    document = {"Findings": assessment_to_asff(assessment, region=region, partition=partition)}
    return json_text(document)
