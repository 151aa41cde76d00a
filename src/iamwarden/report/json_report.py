"""The JSON assessment report: a documented, versioned schema with deterministic bytes.

Schema (version 1, see the README): `schema_version`, `analyzer`, `account`, `source`,
`assessment_date`, `credential_report`, `framework`, `summary`, `findings` (every
resource-level result, PASS and NOT_ASSESSED included), `checks`, `compliance`, `frameworks`
(each framework asked for, the main one first: its id, score and compliance table), `gaps`
(each with the checks and controls it left NOT_ASSESSED), `missing_data`. Fields are only ever
added within a version. Keys are sorted and lists are in a fixed order, so the same input
gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from iamwarden import __version__
from iamwarden.analysis import Assessment, ComplianceView, ControlResult, ControlStatus
from iamwarden.analysis.assessment import CREDENTIAL_REPORT_MAX_AGE
from iamwarden.findings import Status
from iamwarden.report.jsontext import json_text

__all__ = ["SCHEMA_VERSION", "assessment_to_json", "plain_data", "render_json"]

SCHEMA_VERSION = 1


def plain_data(value: Any) -> Any:
    """`value` as JSON-ready data: mappings, lists, enum values, ISO 8601 dates"""
    if isinstance(value, Mapping):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_data(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _credential_report(assessment: Assessment) -> dict[str, Any]:
    age = assessment.credential_report_age
    generated = assessment.credential_report_generated
    return {
        "collected": assessment.credential_report_collected,
        "generated": generated.isoformat() if generated is not None else None,
        "age_seconds": int(age.total_seconds()) if age is not None else None,
        "stale": age > CREDENTIAL_REPORT_MAX_AGE if age is not None else None,
    }


def _score(table: tuple[ControlResult, ...], score: float | None) -> dict[str, Any]:
    scored = [r for r in table if r.is_scored]
    return {
        "passed": sum(r.status is ControlStatus.PASS for r in scored),
        "assessed": len(scored),
        "percent": round(score * 100, 2) if score is not None else None,
    }


def _rows(table: tuple[ControlResult, ...]) -> list[dict[str, Any]]:
    return [
        {
            "id": row.requirement.id,
            "title": row.requirement.title,
            "assessment": row.requirement.assessment.value,
            "status": row.status.value,
            "checks": list(row.requirement.checks),
            "counts": {s.value: n for s, n in row.counts.items()},
        }
        for row in table
    ]


def _view(view: ComplianceView) -> dict[str, Any]:
    framework = view.framework
    return {
        "id": framework.id,
        "name": framework.name,
        "version": framework.version,
        "compliance_score": _score(view.table, view.score),
        "compliance": _rows(view.table),
    }


def assessment_to_json(assessment: Assessment) -> dict[str, Any]:
    """The assessment as JSON-ready data (schema version 1)"""
    status_counts = {s.value: 0 for s in Status}
    for finding in assessment.findings:
        status_counts[finding.status.value] += 1
    return {
        "schema_version": SCHEMA_VERSION,
        "analyzer": {"name": "iamwarden", "version": __version__},
        "account": {"id": assessment.account_id, "alias": assessment.account_alias},
        "source": assessment.source,
        "assessment_date": assessment.assessed_at.isoformat(),
        "credential_report": _credential_report(assessment),
        "framework": {"name": assessment.framework.name, "version": assessment.framework.version},
        "summary": {
            "total_findings": len(assessment.failures),
            "by_severity": {s.value: n for s, n in assessment.summary.items()},
            "by_status": status_counts,
            "compliance_score": _score(assessment.compliance, assessment.score),
        },
        "findings": [
            {
                "id": f.id,
                "check_id": f.check_id,
                "title": assessment.checks[f.check_id].title,
                "status": f.status.value,
                "severity": f.severity.value,
                "resource_arn": f.resource_arn,
                "resource_type": f.resource_type,
                "message": f.message,
                "evidence": plain_data(f.evidence),
                "compliance": [r.id for r in assessment.framework.requirements_for(f.check_id)],
            }
            for f in assessment.findings
        ],
        "checks": [
            {
                "id": spec.id,
                "title": spec.title,
                "severity": spec.severity.value,
                "resource_type": spec.resource_type,
                "rationale": spec.rationale,
                "remediation": {
                    "text": spec.remediation.text,
                    "command": spec.remediation.command,
                    "policy": spec.remediation.policy,
                },
                "references": list(spec.references),
                "needs": [d.value for d in spec.needs],
            }
            for spec in assessment.checks.values()
        ],
        "compliance": _rows(assessment.compliance),
        "frameworks": [_view(view) for view in assessment.views],
        "gaps": [
            {
                "dataset": d.gap.dataset.value,
                "reason": d.gap.reason,
                "account": d.gap.account,
                "region": d.gap.region,
                "service": d.gap.service,
                "call": d.gap.call,
                "error_code": d.gap.error_code,
                "resource": d.gap.resource,
                "recorded": d.is_recorded,
                "dataset_collected": d.is_collected,
                "not_assessed_checks": list(d.checks),
                "not_assessed_controls": list(d.controls),
            }
            for d in assessment.data_gaps
        ],
        "missing_data": list(assessment.missing_data),
        "data_warnings": [
            {"kind": w.kind.value, "message": w.message, "resource": w.resource}
            for w in assessment.data_warnings
        ],
        "expired_suppressions": [
            {
                "check_id": r.check_id,
                "resource_arn": r.resource_arn,
                "principal": r.principal,
                "reason": r.reason,
                "expires": r.expires.isoformat() if r.expires else None,
            }
            for r in assessment.expired_suppressions
        ],
    }


def render_json(assessment: Assessment) -> str:
    """The JSON report: sorted keys, two-space indent, a final newline"""
    return json_text(assessment_to_json(assessment))
