"""The plain-text assessment report (the shape is a public interface: see the README)"""

from __future__ import annotations

from collections.abc import Iterator

from iamwarden import __version__
from iamwarden.analysis import Assessment, ComplianceView, ControlStatus
from iamwarden.findings import Severity, Status
from iamwarden.report.groups import (
    FindingGroup,
    control_facts,
    credential_report_line,
    data_not_assessed_lines,
    data_warning_lines,
    finding_groups,
    muted_controls,
)

__all__ = [
    "SEVERITY_SECTIONS",
    "header_fields",
    "render_text",
    "requirement_label",
    "score_text",
    "view_score_text",
]

TITLE = "IAM Security Assessment Report"
SEVERITY_SECTIONS = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
"""Sections always printed, in order; INFO is printed only when it has findings"""


def view_score_text(view: ComplianceView) -> str:
    """`NN% (<framework>)`, or `n/a (...)` when no automated control was assessed"""
    score = view.score
    shown = f"{round(score * 100)}%" if score is not None else "n/a"
    return f"{shown} ({view.framework.name})"


def requirement_label(view: ComplianceView, views: tuple[ComplianceView, ...]) -> str:
    """How a finding names its requirements in `view`: `CIS Benchmark` when a CIS version is
    the only framework (the report's historic shape), else the framework's name"""
    if len(views) == 1 and view.framework.id.startswith("cis-"):
        return "CIS Benchmark"
    return view.framework.name


def score_text(assessment: Assessment) -> str:
    """The main framework's score: `NN% (<framework>)`, or `n/a (...)`"""
    return view_score_text(assessment.views[0])


def header_fields(assessment: Assessment) -> tuple[tuple[str, str], ...]:
    """The header's (label, value) fields: account, assessment date, analyzer"""
    account = assessment.account_id
    if assessment.account_alias:
        account += f" ({assessment.account_alias})"
    return (
        ("Account ID", account),
        ("Assessment Date", assessment.assessed_at.date().isoformat()),
        ("Analyzer", f"iamwarden {__version__}"),
    )


def _group_lines(group: FindingGroup, views: tuple[ComplianceView, ...]) -> Iterator[str]:
    yield f"[{group.code}] {group.title}"
    if len(group.findings) == 1:
        finding = group.findings[0]
        yield f"- Resource: {finding.resource_arn}"
        yield f"- Detail: {finding.message}"
    else:
        yield "- Resources:"
        for finding in group.findings:
            yield f"  - {finding.resource_arn}: {finding.message}"
    remediation = group.spec.remediation
    yield f"- Remediation: {remediation.text}"
    if remediation.command:
        yield f"  Command: {remediation.command}"
    if remediation.policy:
        yield f"  Policy: {remediation.policy}"
    for view in views:
        label = requirement_label(view, views)
        for requirement in view.framework.requirements_for(group.spec.id):
            yield f"- {label}: {requirement.id} ({requirement.title})"


def _lines(assessment: Assessment) -> Iterator[str]:
    yield TITLE
    yield "=" * len(TITLE)
    yield "   ".join(f"{label}: {value}" for label, value in header_fields(assessment))
    yield credential_report_line(assessment)
    groups = finding_groups(assessment)
    sections = [*SEVERITY_SECTIONS]
    if any(g.severity is Severity.INFO for g in groups):
        sections.append(Severity.INFO)
    for severity in sections:
        yield ""
        yield f"{severity.name} FINDINGS:"
        members = [g for g in groups if g.severity is severity]
        if not members:
            yield "None"
        for index, group in enumerate(members):
            if index:
                yield ""
            yield from _group_lines(group, assessment.views)
    summary = assessment.summary
    yield ""
    yield "SUMMARY:"
    yield f"Total Findings: {len(assessment.failures)}"
    yield " | ".join(f"{s.name.title()}: {summary[s]}" for s in Severity)  # sums to the total
    for view in assessment.views:
        yield f"Compliance Score: {view_score_text(view)}"
    muted = sum(1 for f in assessment.findings if f.status is Status.MUTED)
    if muted:
        yield f"Muted: {muted} (suppressed, not counted)"
    for rule in assessment.expired_suppressions:
        yield (
            f"Expired suppression (mutes nothing): {rule.check_id} {rule.resource_arn}"
            f" expired {rule.expires}"
        )
    muted_ids = muted_controls(assessment)
    if muted_ids:
        yield f"Muted controls (not scored): {', '.join(muted_ids)}"
    for view in assessment.views:
        yield ""
        yield f"COMPLIANCE ({view.framework.name}):"
        width = max((len(r.requirement.id) for r in view.table), default=4)
        for row in view.table:
            facts = control_facts(row)
            note = f" [{facts}]" if facts and row.status is ControlStatus.MANUAL else ""
            status = row.status.value
            yield f"{row.requirement.id:<{width}}  {status:<12}  {row.requirement.title}{note}"
    for heading, lines in (
        ("DATA WARNINGS:", list(data_warning_lines(assessment))),
        ("DATA NOT ASSESSED:", list(data_not_assessed_lines(assessment))),
    ):
        if lines:  # a section with nothing to list is left out, not filled with a placeholder
            yield ""
            yield heading
            yield from lines


def render_text(assessment: Assessment) -> str:
    """The report as plain text, ending with a newline"""
    return "\n".join(_lines(assessment)) + "\n"
