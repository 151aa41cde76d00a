"""The assessment report for a terminal: the text report's content with colours and tables

Lines are fitted to the terminal's width without losing their shape: prose wraps under its
label (a finding's message under its resource, remediation text under `Remediation:`), the
header breaks between its fields, never inside one, and code (a command, a policy) is never
broken by the renderer: a command stays one line and a policy is printed as indented JSON, so
both copy as they are.
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from iamwarden.analysis import Assessment, ControlStatus
from iamwarden.findings import Severity, Status
from iamwarden.report.groups import (
    control_facts,
    credential_report_line,
    data_not_assessed_lines,
    data_warning_lines,
    finding_groups,
    muted_controls,
)
from iamwarden.report.text import (
    SEVERITY_SECTIONS,
    TITLE,
    header_fields,
    requirement_label,
    view_score_text,
)

__all__ = ["render_terminal"]

SEVERITY_STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "bold cyan",
    Severity.INFO: "dim",
}
STATUS_STYLES = {
    ControlStatus.PASS: "green",
    ControlStatus.FAIL: "bold red",
    ControlStatus.NOT_ASSESSED: "yellow",
    ControlStatus.MUTED: "magenta",
    ControlStatus.MANUAL: "dim",
}


_FIELD_GAP = "   "
_MIN_BODY = 20
"""Narrowest column wrapped prose keeps beside its label (a narrower terminal wraps it)"""


def _hanging(console: Console, label: Text | str, body: Text | str) -> None:
    """`label` then `body`; when `body` wraps, its lines start under its first character"""
    label = Text(label) if isinstance(label, str) else label
    body = Text(body) if isinstance(body, str) else body
    indent = label.cell_len
    width = max(console.width - indent, _MIN_BODY)
    for number, line in enumerate(body.wrap(console, width, overflow="fold")):
        line.rstrip()
        lead = label if number == 0 else Text(" " * indent)
        console.print(Text.assemble(lead, line), soft_wrap=True)  # wrapped already


def _prose(console: Console, line: str) -> None:
    """A plain line whose wrapped lines keep its indent (past a leading `- `)"""
    body = line.lstrip(" ")
    indent = line[: len(line) - len(body)]
    if body.startswith("- "):
        indent, body = indent + "- ", body[2:]
    _hanging(console, indent, Text(body))


def _header(console: Console, assessment: Assessment) -> None:
    """The header's fields, as many to a line as fit: a line breaks between fields"""
    fields = [
        Text.assemble((f"{label}: ", "bold"), value) for label, value in header_fields(assessment)
    ]
    line = Text()
    for field in fields:
        if line and line.cell_len + len(_FIELD_GAP) + field.cell_len > console.width:
            console.print(line)
            line = Text()
        line = Text.assemble(line, _FIELD_GAP, field) if line else field
    console.print(line)


def _code(console: Console, label: str, code: str) -> None:
    """A command on one line, a policy as indented JSON: never wrapped, so never cut"""
    try:
        shown = json.dumps(json.loads(code), indent=2)
    except ValueError:
        console.print(Text.assemble(f"  {label}: ", (code, "italic")), soft_wrap=True)
        return
    console.print(f"  {label}:", highlight=False, markup=False)
    for line in shown.splitlines():
        console.print(Text(f"    {line}", style="italic"), soft_wrap=True)


def render_terminal(assessment: Assessment, console: Console) -> None:
    """Print the report to `console` (same sections and facts as `render_text`)"""
    console.rule(Text(TITLE, style="bold"))
    _header(console, assessment)
    label, _, value = credential_report_line(assessment).partition(": ")
    _hanging(console, Text(f"{label}: ", style="bold"), value)
    groups = finding_groups(assessment)
    sections = [*SEVERITY_SECTIONS]
    if any(g.severity is Severity.INFO for g in groups):
        sections.append(Severity.INFO)
    for severity in sections:
        console.print()
        console.print(Text(f"{severity.name} FINDINGS:", style=SEVERITY_STYLES[severity]))
        members = [g for g in groups if g.severity is severity]
        if not members:
            console.print("None", style="dim")
        for group in members:
            _hanging(
                console,
                Text(f"[{group.code}] ", style=SEVERITY_STYLES[severity]),
                Text(group.title, style="bold"),
            )
            for finding in group.findings:
                _hanging(
                    console,
                    "  - ",
                    Text.assemble((finding.resource_arn, "cyan"), ": ", finding.message),
                )
            remediation = group.spec.remediation
            _hanging(console, Text("  Remediation: ", style="green"), remediation.text)
            if remediation.command:
                _code(console, "Command", remediation.command)
            if remediation.policy:
                _code(console, "Policy", remediation.policy)
            views = assessment.views
            for view in views:
                label = requirement_label(view, views)
                for requirement in view.framework.requirements_for(group.spec.id):
                    _hanging(console, f"  {label}: ", f"{requirement.id} ({requirement.title})")
    summary = assessment.summary
    console.print()
    console.print(Text("SUMMARY:", style="bold"))
    console.print(f"Total Findings: {len(assessment.failures)}", highlight=False, markup=False)
    console.print(
        Text(" | ").join(
            Text(f"{s.name.title()}: {summary[s]}", style=SEVERITY_STYLES[s] if summary[s] else "")
            for s in Severity
        )
    )
    for view in assessment.views:
        console.print(Text.assemble("Compliance Score: ", (view_score_text(view), "bold")))
    muted = sum(1 for f in assessment.findings if f.status is Status.MUTED)
    if muted:
        console.print(f"Muted: {muted} (suppressed, not counted)", highlight=False, markup=False)
    for rule in assessment.expired_suppressions:
        console.print(
            f"Expired suppression (mutes nothing): {rule.check_id} {rule.resource_arn}"
            f" expired {rule.expires}",
            highlight=False,
            markup=False,
        )
    muted_ids = muted_controls(assessment)
    if muted_ids:
        console.print(
            f"Muted controls (not scored): {', '.join(muted_ids)}",
            highlight=False,
            markup=False,
        )
    for view in assessment.views:
        table = Table(title=f"COMPLIANCE ({view.framework.name})", title_justify="left")
        table.add_column("Control", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Title", overflow="fold")
        table.add_column("Facts", style="dim", overflow="fold")
        for row in view.table:
            table.add_row(
                row.requirement.id,
                Text(row.status.value, style=STATUS_STYLES[row.status]),
                row.requirement.title,
                control_facts(row),
            )
        console.print()
        console.print(table)
    for heading, lines in (
        ("DATA WARNINGS:", list(data_warning_lines(assessment))),
        ("DATA NOT ASSESSED:", list(data_not_assessed_lines(assessment))),
    ):
        if lines:  # as in the text report: an empty section is left out
            console.print()
            console.print(Text(heading, style="bold yellow"))
            for line in lines:
                _prose(console, line)
