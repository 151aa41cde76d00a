"""The report's view of an assessment: failing findings grouped per check, numbered per severity.

Shared by the text and terminal renderers so both show the same content. Reads only the
`Assessment` (findings, the specs it carries, the compliance table).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta

from iamwarden.analysis import Assessment, CheckSpec, ControlResult, ControlStatus, Requirement
from iamwarden.analysis.assessment import CREDENTIAL_REPORT_MAX_AGE
from iamwarden.analysis.evidence import counted
from iamwarden.findings import Finding, Severity, Status

__all__ = [
    "SEVERITY_CODES",
    "FindingGroup",
    "control_facts",
    "credential_report_line",
    "data_not_assessed_lines",
    "data_warning_lines",
    "duration",
    "finding_groups",
    "muted_controls",
    "not_assessed",
]

SEVERITY_CODES: Mapping[Severity, str] = {
    Severity.CRITICAL: "C",
    Severity.HIGH: "H",
    Severity.MEDIUM: "M",
    Severity.LOW: "L",
    Severity.INFO: "I",
}

TITLE_SUBJECTS = 20
"""How many subjects a group's title names; every resource is still listed below it"""


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingGroup:
    """The failing findings of one check, with their report code (`H-002`)"""

    code: str
    spec: CheckSpec
    findings: tuple[Finding, ...]
    requirements: tuple[Requirement, ...]

    @property
    def severity(self) -> Severity:
        """The severity of the group's findings (a check may lower it for some resources)"""
        return self.findings[0].severity

    @property
    def title(self) -> str:
        """The spec's title for one resource; the group title and subjects for several"""
        if len(self.findings) == 1:
            return self.spec.title
        subjects = self.subjects
        names = ", ".join(subjects[:TITLE_SUBJECTS])
        if len(subjects) > TITLE_SUBJECTS:
            names += f" and {len(subjects) - TITLE_SUBJECTS} more"
        return (
            f"{self.spec.group_title.format(count=len(self.findings))} - "
            f"{self.spec.group_label}: {names}"
        )

    @property
    def subjects(self) -> tuple[str, ...]:
        """The findings' subjects (user, role, policy names), each once, in order"""
        names = (str(f.evidence.get("subject") or f.resource_arn) for f in self.findings)
        return tuple(dict.fromkeys(names))


def finding_groups(assessment: Assessment) -> tuple[FindingGroup, ...]:
    """FAIL findings grouped by check and severity (a check lowers a finding's severity when,
    say, it needs MFA: that one is listed under its own severity), most severe first,
    numbered within each severity"""
    by_check: dict[tuple[str, Severity], list[Finding]] = {}
    for finding in assessment.failures:
        by_check.setdefault((finding.check_id, finding.severity), []).append(finding)
    ordered = sorted(
        by_check.items(),
        key=lambda item: (item[0][1].rank, -len(item[1]), item[0][0]),
    )
    counters: dict[Severity, int] = {}
    groups = []
    for (check_id, severity), findings in ordered:
        counters[severity] = counters.get(severity, 0) + 1
        groups.append(
            FindingGroup(
                code=f"{SEVERITY_CODES[severity]}-{counters[severity]:03d}",
                spec=assessment.checks[check_id],
                findings=tuple(findings),
                requirements=assessment.framework.requirements_for(check_id),
            )
        )
    return tuple(groups)


def not_assessed(assessment: Assessment) -> Mapping[str, tuple[Finding, ...]]:
    """NOT_ASSESSED findings not explained by missing data, by check id, in check order"""
    found: dict[str, list[Finding]] = {}
    for finding in assessment.findings:
        if finding.status is Status.NOT_ASSESSED and not finding.evidence.get("missing_data"):
            found.setdefault(finding.check_id, []).append(finding)
    return {check_id: tuple(found[check_id]) for check_id in sorted(found)}


def data_not_assessed_lines(assessment: Assessment) -> Iterator[str]:
    """The DATA NOT ASSESSED section's lines (without its heading): every gap with the checks
    and controls it left NOT_ASSESSED, then the other NOT_ASSESSED findings; none when every
    check was assessed"""
    pending = not_assessed(assessment)
    for entry in assessment.data_gaps:
        gap = entry.gap
        where = ", ".join(p for p in (gap.region, gap.service, gap.call, gap.error_code) if p)
        detail = f"{gap.reason} ({where})" if where else gap.reason
        if not entry.is_recorded and entry.is_collected:
            # e.g. a credential report with a header and no rows
            yield f"- {gap.dataset.value} collected, but without what the checks need"
        elif not entry.is_recorded:
            yield f"- not collected: {gap.dataset.value} (no gap recorded)"
        elif entry.is_collected:
            yield f"- gap in {gap.dataset.value} (partly collected): {detail}"
        else:
            yield f"- not collected: {gap.dataset.value}: {detail}"
        yield f"  Checks not assessed: {', '.join(entry.checks) or 'none'}"
        if entry.controls:
            yield f"  Controls not assessed: {', '.join(entry.controls)}"
    for check_id, findings in pending.items():
        yield f"- {check_id}: {len(findings)} not assessed ({findings[0].message})"


def data_warning_lines(assessment: Assessment) -> Iterator[str]:
    """The DATA WARNINGS section's lines (without its heading): data that looks wrong; none
    when nothing does"""
    for warning in assessment.data_warnings:
        yield f"- {warning.message}"


def muted_controls(assessment: Assessment) -> list[str]:
    """The ids of the controls whose status is MUTED (not scored), in table order"""
    return [r.requirement.id for r in assessment.compliance if r.status is ControlStatus.MUTED]


def duration(span: timedelta) -> str:
    """`2 days 3 hours`, `1 hour 5 minutes`, `under a minute`: the two largest units"""
    minutes = int(abs(span).total_seconds()) // 60
    units = ((minutes // 1440, "day"), (minutes // 60 % 24, "hour"), (minutes % 60, "minute"))
    first = next((i for i, (n, _) in enumerate(units) if n), None)
    if first is None:
        return "under a minute"
    return " ".join(counted(n, unit) for n, unit in units[first : first + 2] if n)


def credential_report_line(assessment: Assessment) -> str:
    """`Credential report: generated <ts> (<age> before assessment)`, or why there is none"""
    generated = assessment.credential_report_generated
    age = assessment.credential_report_age
    if not assessment.credential_report_collected:
        return "Credential report: not collected"
    if generated is None or age is None:
        return "Credential report: generation time not known"
    side = "after" if age < timedelta(0) else "before"
    line = f"Credential report: generated {generated.isoformat()} ({duration(age)} {side}"
    line += " assessment"
    if age > CREDENTIAL_REPORT_MAX_AGE:
        line += f"; older than the {duration(CREDENTIAL_REPORT_MAX_AGE)} AWS caches a report"
    return line + ")"


def control_facts(row: ControlResult) -> str:
    """`2 FAIL, 1 PASS` for a row's findings (empty when it has none)"""
    parts = [f"{n} {status.value}" for status, n in row.counts.items() if n]
    return ", ".join(parts)
