"""Compliance frameworks as data, and the compliance table as a view over findings.

A framework file (`data/*.yaml`, one per framework version) maps each requirement to check
ids; checks know nothing of frameworks. A requirement labelled automated is scored; a manual
one is listed with the facts its checks found, never scored. `FRAMEWORK_FILES` names every
bundled framework by its id (`cis-3.0`, `cis-5.0`, `cis-7.0`, `fsbp`, `pci-4.0`, `soc2`);
`load_framework(id)` reads one (from the package, through the guarded YAML reader; cached).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from iamwarden.fileio import parse_yaml
from iamwarden.findings import Finding, Status

__all__ = [
    "DEFAULT_FRAMEWORK",
    "FRAMEWORK_FILES",
    "AssessmentKind",
    "ComplianceView",
    "ControlResult",
    "ControlStatus",
    "Framework",
    "Requirement",
    "cis_aws_v3",
    "compliance_score",
    "compliance_table",
    "compliance_view",
    "load_framework",
]

FRAMEWORK_FILES = MappingProxyType(
    {
        "cis-3.0": "cis_aws_v3.yaml",
        "cis-5.0": "cis_aws_v5.yaml",
        "cis-7.0": "cis_aws_v7.yaml",
        "fsbp": "aws_fsbp.yaml",
        "pci-4.0": "pci_dss_v4.yaml",
        "soc2": "soc2.yaml",
    }
)
"""Every bundled framework: its id (what `--framework` takes) and its file in `data/`"""

DEFAULT_FRAMEWORK = "cis-3.0"
"""The framework an assessment uses when none is asked for"""


class AssessmentKind(Enum):
    """How the framework says a requirement is assessed"""

    AUTOMATED = "automated"
    MANUAL = "manual"


class ControlStatus(Enum):
    """A requirement's status in the compliance table"""

    PASS = "PASS"
    FAIL = "FAIL"
    NOT_ASSESSED = "NOT_ASSESSED"
    MUTED = "MUTED"
    MANUAL = "MANUAL"


@dataclass(frozen=True, slots=True, kw_only=True)
class Requirement:
    """One requirement of a framework and the checks that decide it"""

    id: str
    title: str
    assessment: AssessmentKind
    checks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.assessment is AssessmentKind.AUTOMATED and not self.checks:
            raise ValueError(f"automated requirement `{self.id}` has no check")


@dataclass(frozen=True, slots=True, kw_only=True)
class Framework:
    """A compliance framework: a name and its requirements in document order"""

    name: str
    version: str
    requirements: tuple[Requirement, ...]
    id: str = ""
    """The framework's id in `FRAMEWORK_FILES` (empty for one built in code)"""

    @property
    def automated(self) -> int:
        """How many requirements are automated (scored)"""
        return sum(r.assessment is AssessmentKind.AUTOMATED for r in self.requirements)

    @property
    def manual(self) -> int:
        """How many requirements are manual (listed with facts, never scored)"""
        return len(self.requirements) - self.automated

    def requirements_for(self, check_id: str) -> tuple[Requirement, ...]:
        """The requirements a check contributes to"""
        return tuple(r for r in self.requirements if check_id in r.checks)


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlResult:
    """One row of the compliance table, with the counts of its findings by status"""

    requirement: Requirement
    status: ControlStatus
    counts: Mapping[Status, int]

    @property
    def is_scored(self) -> bool:
        """Whether the row counts in the score (automated and assessed)"""
        return self.status in (ControlStatus.PASS, ControlStatus.FAIL)


def _framework(data: Any, framework_id: str = "") -> Framework:
    return Framework(
        id=framework_id,
        name=str(data["framework"]),
        version=str(data["version"]),
        requirements=tuple(
            Requirement(
                id=str(item["id"]),
                title=str(item["title"]),
                assessment=AssessmentKind(item["assessment"]),
                checks=tuple(str(c) for c in item.get("checks") or ()),
            )
            for item in data["requirements"]
        ),
    )


@cache
def load_framework(framework_id: str) -> Framework:
    """The bundled framework `framework_id` (a key of `FRAMEWORK_FILES`), read once

    Raises:
        KeyError: `framework_id` is not a bundled framework.
    """
    name = FRAMEWORK_FILES[framework_id]
    text = resources.files("iamwarden.analysis").joinpath(f"data/{name}").read_text("utf-8")
    return _framework(parse_yaml(text, path=name), framework_id)


def cis_aws_v3() -> Framework:
    """CIS AWS Foundations Benchmark v3.0.0, section 1 (read from the package, then cached)"""
    return load_framework("cis-3.0")


def compliance_table(
    framework: Framework, findings: Iterable[Finding]
) -> tuple[ControlResult, ...]:
    """Each requirement's status: FAIL if any finding fails, else NOT_ASSESSED if any was not
    assessed, else MUTED if any was suppressed, else PASS; MANUAL for manual requirements.

    A MUTED finding is accepted risk: it does not fail its control, but the control did not
    pass either, so it is MUTED and, like NOT_ASSESSED, out of the score.
    """
    by_check: dict[str, dict[Status, int]] = {}
    for finding in findings:
        counts = by_check.setdefault(finding.check_id, {})
        counts[finding.status] = counts.get(finding.status, 0) + 1
    rows = []
    for requirement in framework.requirements:
        counts = {status: 0 for status in Status}
        for check_id in requirement.checks:
            for found, n in by_check.get(check_id, {}).items():
                counts[found] += n
        if requirement.assessment is AssessmentKind.MANUAL:
            status = ControlStatus.MANUAL
        elif counts[Status.FAIL]:
            status = ControlStatus.FAIL
        elif counts[Status.NOT_ASSESSED]:
            status = ControlStatus.NOT_ASSESSED
        elif counts[Status.MUTED]:
            status = ControlStatus.MUTED
        else:
            status = ControlStatus.PASS
        rows.append(
            ControlResult(requirement=requirement, status=status, counts=MappingProxyType(counts))
        )
    return tuple(rows)


def compliance_score(table: Iterable[ControlResult]) -> float | None:
    """Automated controls passed / automated controls assessed; `None` when none was assessed"""
    scored = [row for row in table if row.is_scored]
    if not scored:
        return None
    return sum(row.status is ControlStatus.PASS for row in scored) / len(scored)


@dataclass(frozen=True, slots=True, kw_only=True)
class ComplianceView:
    """One framework's compliance table over an assessment's findings, with its score"""

    framework: Framework
    table: tuple[ControlResult, ...]

    @property
    def score(self) -> float | None:
        """Automated controls passed / automated controls assessed (`None`: none assessed)"""
        return compliance_score(self.table)


def compliance_view(framework: Framework, findings: Iterable[Finding]) -> ComplianceView:
    """`framework`'s table over `findings` (see `compliance_table`)"""
    return ComplianceView(framework=framework, table=compliance_table(framework, findings))
