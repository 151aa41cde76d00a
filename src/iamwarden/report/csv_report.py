"""The CSV report: one row per resource-level result, for spreadsheets

Written with the standard library's `csv` module (RFC 4180 quoting, CRLF line ends), one row
per finding, PASS and NOT_ASSESSED included, in the assessment's order. A cell that a
spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage
return: an IAM name may start with `=` or `+`) is prefixed with `'`; `read_csv` removes the
prefix again, so the file round-trips. The `evidence` cell is the finding's structured
evidence as compact JSON; a few checks' evidence (every action of a risky policy) is longer
than the 32,767 characters a spreadsheet cell shows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from iamwarden.analysis import Assessment
from iamwarden.findings import Finding
from iamwarden.report.json_report import plain_data

__all__ = ["CSV_COLUMNS", "FORMULA_PREFIXES", "read_csv", "render_csv"]

CSV_COLUMNS = (
    "finding_id",
    "account_id",
    "check_id",
    "title",
    "status",
    "severity",
    "resource_type",
    "resource_arn",
    "message",
    "compliance",
    "remediation",
    "evidence",
)
"""The header row, in order (the column set only grows)"""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _uncell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


def _row(assessment: Assessment, finding: Finding) -> dict[str, str]:
    spec = assessment.checks[finding.check_id]
    return {
        "finding_id": finding.id,
        "account_id": assessment.account_id,
        "check_id": finding.check_id,
        "title": spec.title,
        "status": finding.status.value,
        "severity": finding.severity.value,
        "resource_type": finding.resource_type,
        "resource_arn": finding.resource_arn,
        "message": finding.message,
        "compliance": "; ".join(  # every chosen framework's, the main one first
            f"{view.framework.name} {r.id}"
            for view in assessment.views
            for r in view.framework.requirements_for(finding.check_id)
        ),
        "remediation": spec.remediation.text,
        "evidence": json.dumps(
            plain_data(finding.evidence), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ),
    }


def render_csv(assessment: Assessment) -> str:
    """The CSV report: a header row, then one row per finding"""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    for finding in assessment.findings:
        writer.writerow({k: _cell(v) for k, v in _row(assessment, finding).items()})
    return buffer.getvalue()


def read_csv(text: str) -> Iterator[dict[str, Any]]:
    """The rows of a CSV report as written: cells unprefixed, `evidence` parsed from JSON

    The `csv` module's field size limit (process-wide) is raised to the text's length when it
    is lower: an evidence cell can be larger than its default 128 KiB.
    """
    if csv.field_size_limit() < len(text):
        csv.field_size_limit(len(text))
    for row in csv.DictReader(io.StringIO(text, newline="")):
        values: dict[str, Any] = {k: _uncell(v) for k, v in row.items()}
        values["evidence"] = json.loads(values["evidence"])
        yield values
