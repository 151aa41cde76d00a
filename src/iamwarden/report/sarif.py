"""The SARIF 2.1.0 report: for GitHub code scanning and other SARIF viewers

One run, one rule per check that ran (title, rationale, help with the remediation text,
command and policy, the check's level and a GitHub `security-severity`), and one result per
FAIL, MUTED (with an external suppression) and NOT_ASSESSED finding (kind `open`); PASS
results are in the JSON and CSV reports. A result's location is the resource's ARN, as the
artifact URI and as a logical location; its fingerprint is the finding's stable id, so a
viewer matches results across runs. Same input, same bytes: no clock, sorted rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from iamwarden import __version__
from iamwarden.analysis import Assessment, CheckSpec
from iamwarden.findings import Finding, Severity, Status
from iamwarden.report.json_report import plain_data
from iamwarden.report.jsontext import json_text

__all__ = [
    "SARIF_SCHEMA",
    "SARIF_VERSION",
    "SECURITY_SEVERITY",
    "artifact_uri",
    "assessment_to_sarif",
    "level",
    "render_sarif",
]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "iamwardenFindingId/v1"

LEVELS: Mapping[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
SECURITY_SEVERITY: Mapping[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
"""GitHub's numeric severity (critical above 9.0, high 7.0 to 8.9, medium 4.0 to 6.9)"""


def level(severity: Severity) -> str:
    """The SARIF level of a failing finding of this severity"""
    return LEVELS[severity]


def artifact_uri(path: str) -> str:
    """The SARIF `artifactLocation.uri` of a file name: `file:///…` for an absolute path
    (pathlib's `as_uri`, percent-encoded), else the relative reference with `/` separators
    and every character outside RFC 3986's unreserved set and `/` percent-encoded
    (`my pol#1.json` → `my%20pol%231.json`)"""
    candidate = PurePath(path)  # the platform's own flavour: `C:/x` is absolute on Windows
    if candidate.is_absolute():
        return candidate.as_uri()
    return quote(path.replace("\\", "/").removeprefix("./"), safe="/")


def _help(spec: CheckSpec) -> dict[str, str]:
    fix = spec.remediation
    text = [fix.text]
    markdown = [fix.text]
    if fix.command:
        text.append(f"Command: {fix.command}")
        markdown.append(f"```\n{fix.command}\n```")
    if fix.policy:
        text.append(f"Policy: {fix.policy}")
        markdown.append(f"```json\n{fix.policy}\n```")
    markdown.extend(f"- <{ref}>" for ref in spec.references)
    return {"text": "\n".join(text), "markdown": "\n\n".join(markdown)}


def _rule(spec: CheckSpec, assessment: Assessment) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": spec.id,
        "name": "".join(part.title() for part in spec.id.split("_")),
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": spec.rationale},
        "help": _help(spec),
        "defaultConfiguration": {"level": level(spec.severity)},
        "properties": {
            "tags": ["security", "aws", "iam", spec.resource_type],
            "precision": "very-high",
            "security-severity": SECURITY_SEVERITY[spec.severity],
            "severity": spec.severity.value,
            "compliance": [  # every chosen framework's, the main one first
                f"{view.framework.name} {r.id}"
                for view in assessment.views
                for r in view.framework.requirements_for(spec.id)
            ],
        },
    }
    if spec.references:
        rule["helpUri"] = spec.references[0]
    return rule


def _result(finding: Finding, index: int, title: str) -> dict[str, Any]:
    is_fail = finding.status in (Status.FAIL, Status.MUTED)
    result: dict[str, Any] = {
        "ruleId": finding.check_id,
        "ruleIndex": index,
        "kind": "fail" if is_fail else "open",
        "level": level(finding.severity) if is_fail else "none",
        "message": {"text": finding.message.strip() or title},
        "locations": [
            {
                "physicalLocation": {"artifactLocation": {"uri": finding.resource_arn}},
                "logicalLocations": [
                    {
                        "fullyQualifiedName": finding.resource_arn,
                        "kind": "resource",
                        "name": finding.resource_arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1],
                    }
                ],
            }
        ],
        "partialFingerprints": {FINGERPRINT: finding.id},
        "properties": {
            "finding_id": finding.id,
            "status": finding.status.value,
            "severity": finding.severity.value,
            "resource_type": finding.resource_type,
            "evidence": plain_data(finding.evidence),
        },
    }
    if finding.status is Status.MUTED:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": str(finding.evidence.get("muted_reason", "")),
            }
        ]
    return result


def assessment_to_sarif(assessment: Assessment) -> dict[str, Any]:
    """The assessment as a SARIF 2.1.0 log (JSON-ready data)"""
    specs = sorted(assessment.checks.values(), key=lambda s: s.id)
    indexes = {spec.id: i for i, spec in enumerate(specs)}
    results = [
        _result(f, indexes[f.check_id], assessment.checks[f.check_id].title)
        for f in assessment.findings
        if f.status is not Status.PASS
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "iamwarden",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(spec, assessment) for spec in specs],
                    }
                },
                "automationDetails": {"id": f"iamwarden/{assessment.account_id}/"},
                "results": results,
                "properties": {
                    "account_id": assessment.account_id,
                    "account_alias": assessment.account_alias,
                    "source": assessment.source,
                    "assessment_date": assessment.assessed_at.isoformat(),
                    "framework": assessment.framework.name,
                },
            }
        ],
    }


def render_sarif(assessment: Assessment) -> str:
    """The SARIF log: sorted keys, two-space indent, a final newline"""
    return json_text(assessment_to_sarif(assessment))
