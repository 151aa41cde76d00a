"""The organization summary: worst accounts and failing checks across accounts (text, JSON)"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from iamwarden import __version__
from iamwarden.analysis.evidence import counted
from iamwarden.analysis.organization import OrganizationAssessment
from iamwarden.findings import Severity
from iamwarden.report.jsontext import json_text

__all__ = ["organization_to_json", "render_organization_json", "render_organization_text"]

TITLE = "IAM Security Assessment: Organization Summary"


def _score(value: float | None) -> str:
    return f"{round(value * 100)}%" if value is not None else "n/a"


def _lines(org: OrganizationAssessment, reports: Mapping[str, str]) -> Iterator[str]:
    yield TITLE
    yield "=" * len(TITLE)
    assessed = sum(a.assessment is not None for a in org.accounts)
    yield f"Organization: {org.organization_id}"
    yield f"Management Account: {org.management_account_id}"
    yield f"Accounts: {len(org.accounts)} ({assessed} assessed)"
    yield f"Analyzer: iamwarden {__version__}"
    yield ""
    yield "WORST ACCOUNTS:"
    yield (
        f"{'account':<14}{'name':<24}{'critical':>9}{'high':>6}{'medium':>8}{'low':>5}{'info':>6}"
        "  score"
    )
    for account in org.worst_accounts():
        assert account.assessment is not None
        counts = account.failures_by_severity
        yield (
            f"{account.account_id:<14}{account.name[:23]:<24}{counts[Severity.CRITICAL]:>9}"
            f"{counts[Severity.HIGH]:>6}{counts[Severity.MEDIUM]:>8}{counts[Severity.LOW]:>5}"
            f"{counts[Severity.INFO]:>6}"
            f"  {_score(account.assessment.score)}"
        )
    yield ""
    yield "FINDINGS BY CHECK ACROSS ACCOUNTS:"
    spreads = org.checks_across_accounts()
    for spread in spreads:
        yield (
            f"[{spread.severity.value.upper()}] {spread.title} - {len(spread.accounts)} of "
            f"{counted(assessed, 'account')}, {counted(spread.resources, 'resource')}: "
            f"{', '.join(spread.accounts)}"
        )
    if not spreads:
        yield "None"
    failed = [a for a in org.accounts if a.assessment is None]
    if failed:
        yield ""
        yield "ACCOUNTS NOT ASSESSED:"
        for account in failed:
            yield f"- {account.account_id} ({account.name}): {account.error}"
    if reports:
        yield ""
        yield "ACCOUNT REPORTS:"
        for account_id, path in sorted(reports.items()):
            yield f"- {account_id}: {path}"


def render_organization_text(
    org: OrganizationAssessment, reports: Mapping[str, str] | None = None
) -> str:
    """The organization summary as plain text; `reports` maps account ids to report files"""
    return "\n".join(_lines(org, reports or {})) + "\n"


def organization_to_json(
    org: OrganizationAssessment, reports: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The organization summary as JSON-ready data (schema version 1); each account's
    `compliance_score` is its main framework's, `compliance_scores` every framework's by id"""
    reports = reports or {}
    return {
        "schema_version": 1,
        "analyzer": {"name": "iamwarden", "version": __version__},
        "organization": {
            "id": org.organization_id,
            "management_account_id": org.management_account_id,
        },
        "accounts": [
            {
                "id": a.account_id,
                "name": a.name,
                "error": a.error or None,
                "failures_by_severity": {s.value: n for s, n in a.failures_by_severity.items()},
                "compliance_score": a.assessment.score if a.assessment else None,
                "compliance_scores": {
                    view.framework.id or view.framework.name: view.score
                    for view in (a.assessment.views if a.assessment else ())
                },
                "report": reports.get(a.account_id),
            }
            for a in org.accounts
        ],
        "worst_accounts": [a.account_id for a in org.worst_accounts()],
        "checks_across_accounts": [
            {
                "check_id": s.check_id,
                "title": s.title,
                "severity": s.severity.value,
                "accounts": list(s.accounts),
                "resources": s.resources,
            }
            for s in org.checks_across_accounts()
        ],
    }


def render_organization_json(
    org: OrganizationAssessment, reports: Mapping[str, str] | None = None
) -> str:
    """The organization summary as deterministic JSON text"""
    return json_text(organization_to_json(org, reports))
