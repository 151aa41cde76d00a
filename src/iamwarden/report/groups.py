"""The report's view of an assessment: failing findings grouped per check, numbered per severity.

Shared by the text and terminal renderers so both show the same content. Reads only the
`Assessment` (findings, the specs it carries, the compliance table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from iamwarden.analysis import Assessment, CheckSpec, ControlResult, Requirement
from iamwarden.findings import Finding, Severity, Status

__all__ = [
    "SEVERITY_CODES",
    "FindingGroup",
    "control_facts",
    "finding_groups",
    "not_assessed",
    "requirements_of",
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


def requirements_of(assessment: Assessment, check_id: str) -> tuple[Requirement, ...]:
    """The framework requirements a check contributes to"""
    return assessment.framework.requirements_for(check_id)


def finding_groups(assessment: Assessment) -> tuple[FindingGroup, ...]:
    """FAIL findings grouped by check, most severe first, numbered within each severity"""
    by_check: dict[str, list[Finding]] = {}
    for finding in assessment.failures:
        by_check.setdefault(finding.check_id, []).append(finding)
    ordered = sorted(
        by_check.items(),
        key=lambda item: (item[1][0].severity.rank, -len(item[1]), item[0]),
    )
    counters: dict[Severity, int] = {}
    groups = []
    for check_id, findings in ordered:
        severity = findings[0].severity
        counters[severity] = counters.get(severity, 0) + 1
        groups.append(
            FindingGroup(
                code=f"{SEVERITY_CODES[severity]}-{counters[severity]:03d}",
                spec=assessment.checks[check_id],
                findings=tuple(findings),
                requirements=requirements_of(assessment, check_id),
            )
        )
    return tuple(groups)


def not_assessed(assessment: Assessment) -> Mapping[str, tuple[Finding, ...]]:
    """NOT_ASSESSED findings by check id, in check order"""
    found: dict[str, list[Finding]] = {}
    for finding in assessment.findings:
        if finding.status is Status.NOT_ASSESSED:
            found.setdefault(finding.check_id, []).append(finding)
    return {check_id: tuple(found[check_id]) for check_id in sorted(found)}


def control_facts(row: ControlResult) -> str:
    """`2 FAIL, 1 PASS` for a row's findings (empty when it has none)"""
    parts = [f"{n} {status.value}" for status, n in row.counts.items() if n]
    return ", ".join(parts)
