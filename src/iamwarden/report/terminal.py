"""The assessment report for a terminal: the text report's content with colours and tables"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from iamwarden import __version__
from iamwarden.analysis import Assessment, ControlStatus
from iamwarden.findings import Severity, Status
from iamwarden.report.groups import (
    control_facts,
    credential_report_line,
    data_not_assessed_lines,
    data_warning_lines,
    finding_groups,
)
from iamwarden.report.text import SEVERITY_SECTIONS, TITLE, score_text

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


def render_terminal(assessment: Assessment, console: Console) -> None:
    """Print the report to `console` (same sections and facts as `render_text`)"""
    console.rule(Text(TITLE, style="bold"))
    account = assessment.account_id
    if assessment.account_alias:
        account += f" ({assessment.account_alias})"
    console.print(
        Text.assemble(
            ("Account ID: ", "bold"),
            account,
            "   ",
            ("Assessment Date: ", "bold"),
            assessment.assessed_at.date().isoformat(),
            "   ",
            ("Analyzer: ", "bold"),
            f"iamwarden {__version__}",
        )
    )
    label, _, value = credential_report_line(assessment).partition(": ")
    console.print(Text.assemble((f"{label}: ", "bold"), value))
    groups = finding_groups(assessment)
    sections = [*SEVERITY_SECTIONS]
    if any(g.spec.severity is Severity.INFO for g in groups):
        sections.append(Severity.INFO)
    for severity in sections:
        console.print()
        console.print(Text(f"{severity.name} FINDINGS:", style=SEVERITY_STYLES[severity]))
        members = [g for g in groups if g.spec.severity is severity]
        if not members:
            console.print("None", style="dim")
        for group in members:
            console.print(
                Text.assemble(
                    (f"[{group.code}] ", SEVERITY_STYLES[severity]), (group.title, "bold")
                )
            )
            for finding in group.findings:
                console.print(
                    Text.assemble("  - ", (finding.resource_arn, "cyan"), ": ", finding.message)
                )
            remediation = group.spec.remediation
            console.print(Text.assemble(("  Remediation: ", "green"), remediation.text))
            if remediation.command:
                console.print(Text.assemble("  Command: ", (remediation.command, "italic")))
            if remediation.policy:
                console.print(Text.assemble("  Policy: ", (remediation.policy, "italic")))
            for requirement in group.requirements:
                console.print(
                    f"  CIS Benchmark: {requirement.id} ({requirement.title})",
                    highlight=False,
                    markup=False,
                )
    summary = assessment.summary
    console.print()
    console.print(Text("SUMMARY:", style="bold"))
    console.print(f"Total Findings: {len(assessment.failures)}", highlight=False, markup=False)
    console.print(
        Text(" | ").join(
            Text(f"{s.name.title()}: {summary[s]}", style=SEVERITY_STYLES[s] if summary[s] else "")
            for s in SEVERITY_SECTIONS
        )
    )
    console.print(f"Compliance Score: [bold]{score_text(assessment)}[/]", highlight=False)
    muted = sum(1 for f in assessment.findings if f.status is Status.MUTED)
    if muted:
        console.print(f"Muted: {muted} (suppressed, not counted)", highlight=False, markup=False)
    muted_controls = [
        r.requirement.id for r in assessment.compliance if r.status is ControlStatus.MUTED
    ]
    if muted_controls:
        console.print(
            f"Muted controls (not scored): {', '.join(muted_controls)}",
            highlight=False,
            markup=False,
        )
    table = Table(title=f"COMPLIANCE ({assessment.framework.name})", title_justify="left")
    table.add_column("Control")
    table.add_column("Status")
    table.add_column("Title")
    table.add_column("Facts", style="dim")
    for row in assessment.compliance:
        table.add_row(
            row.requirement.id,
            Text(row.status.value, style=STATUS_STYLES[row.status]),
            row.requirement.title,
            control_facts(row),
        )
    console.print()
    console.print(table)
    console.print()
    console.print(Text("DATA WARNINGS:", style="bold yellow"))
    for line in data_warning_lines(assessment):
        console.print(line, style="dim" if line == "None" else "", highlight=False, markup=False)
    console.print()
    console.print(Text("DATA NOT ASSESSED:", style="bold yellow"))
    for line in data_not_assessed_lines(assessment):
        console.print(line, style="dim" if line == "None" else "", highlight=False, markup=False)
