"""Run every check over a snapshot: findings, suppressions, the compliance table and score.

`assess(snapshot, options)` is the one entry point. It reads no files and no clock: the
assessment date is `options.now` or the snapshot's collection time, and suppressions arrive
as data (`parse_suppressions` turns a YAML text into them). Every gap in the data is listed
with the checks and controls it left NOT_ASSESSED (`DataGap`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from types import MappingProxyType

from iamwarden.analysis.compliance import (
    DEFAULT_FRAMEWORK,
    ComplianceView,
    ControlResult,
    ControlStatus,
    Framework,
    compliance_score,
    compliance_view,
    load_framework,
)
from iamwarden.analysis.exposure.zone import Zone, ZoneOfTrust
from iamwarden.analysis.permissions import Permissions
from iamwarden.analysis.quality import DataWarning, data_warnings
from iamwarden.analysis.registry import CheckContext, CheckSpec, registered_checks
from iamwarden.config import Suppression, parse_suppression
from iamwarden.errors import InputError
from iamwarden.fileio import DuplicateKey, parse_yaml
from iamwarden.findings import Finding, Severity, Status
from iamwarden.policy import Catalog, load_catalog
from iamwarden.snapshot import DataSet, Gap, Snapshot, with_policy_gaps
from iamwarden.snapshot.policies import policy_documents

__all__ = [
    "CREDENTIAL_REPORT_MAX_AGE",
    "AssessOptions",
    "Assessment",
    "DataGap",
    "Suppression",
    "assess",
    "mute_findings",
    "parse_suppressions",
]


CREDENTIAL_REPORT_MAX_AGE = timedelta(hours=4)
"""AWS returns the cached credential report while it is younger than this"""

UNRECORDED = "not collected; no gap recorded"
"""The reason of a `DataGap` for a data set that is missing without a recorded gap"""


@dataclass(frozen=True, slots=True, kw_only=True)
class DataGap:
    """One gap in the data and what it left NOT_ASSESSED

    `gap` is one of the snapshot's recorded gaps, or (`is_recorded` false) stands for a data
    set a check needed that is missing with no gap recorded. `checks` are the checks with a
    NOT_ASSESSED finding because of it; `controls` the framework requirements of those checks
    that are NOT_ASSESSED or MANUAL (a failing control is decided regardless).
    """

    gap: Gap
    is_recorded: bool
    is_collected: bool
    checks: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessOptions:
    """What `assess` runs with; `now` (the assessment date) defaults to the snapshot's
    collection time. `today`, the real date when the caller knows it, only questions data
    dated after it (a `DataWarning`); it never changes a finding."""

    now: datetime | None = None
    today: datetime | None = None
    suppressions: tuple[Suppression, ...] = ()
    zone: Zone = Zone.ACCOUNT
    """The zone of trust of the external-access checks"""
    known_accounts: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )
    """Third-party accounts by id, with the names findings give them (`iamwarden.toml`)"""
    framework: Framework | None = None
    """The framework of the compliance table and score (default CIS v3.0); see `frameworks`"""
    frameworks: tuple[Framework, ...] = ()
    """Every framework to view the findings through, the first the main one (`framework`
    when given goes first)"""
    catalog: Catalog | None = None
    progress: Callable[[AssessProgress], None] | None = None
    """Told of each stage and check as it finishes (the library never prints)"""


class AssessStage(Enum):
    """A stage of `assess`, in the order they run"""

    POLICIES = "policies"
    """Every policy document of the account parsed (one that cannot be is a gap)"""
    CHECKS = "checks"
    """Each registered check run"""


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessProgress:
    """`done` of `total` items of `stage` are finished; `detail` names the last (a check id)"""

    stage: AssessStage
    done: int
    total: int
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """The result of one assessment: every finding, the specs of the checks that ran, the
    compliance table, summary and gaps

    `framework` and `compliance` are the main framework and its table; `views` holds one
    table per framework asked for, the main one first.
    """

    account_id: str
    account_alias: str
    source: str
    assessed_at: datetime
    framework: Framework
    checks: Mapping[str, CheckSpec]
    findings: tuple[Finding, ...]
    compliance: tuple[ControlResult, ...]
    missing_data: tuple[str, ...]
    data_gaps: tuple[DataGap, ...] = ()
    data_warnings: tuple[DataWarning, ...] = ()
    expired_suppressions: tuple[Suppression, ...] = ()
    """Suppressions whose expiry date is before the assessment date: they muted nothing"""
    credential_report_collected: bool = False
    credential_report_generated: datetime | None = None
    compliance_views: tuple[ComplianceView, ...] = ()
    """One table per framework, the main one first (empty: only `framework`'s)"""

    @property
    def views(self) -> tuple[ComplianceView, ...]:
        """Every framework's compliance table, the main one (`framework`) first"""
        if self.compliance_views:
            return self.compliance_views
        return (ComplianceView(framework=self.framework, table=self.compliance),)

    @property
    def credential_report_age(self) -> timedelta | None:
        """How long before the assessment date the credential report was generated"""
        generated = self.credential_report_generated
        return self.assessed_at - generated if generated is not None else None

    @property
    def failures(self) -> tuple[Finding, ...]:
        """The FAIL findings, most severe first"""
        return tuple(f for f in self.findings if f.status is Status.FAIL)

    @property
    def summary(self) -> Mapping[Severity, int]:
        """FAIL findings by severity (every severity present, zero included)"""
        counts = {severity: 0 for severity in Severity}
        for finding in self.failures:
            counts[finding.severity] += 1
        return MappingProxyType(counts)

    @property
    def score(self) -> float | None:
        """Automated controls passed / automated controls assessed"""
        return compliance_score(self.compliance)

    def worst_failure(self) -> Severity | None:
        """The highest severity among FAIL findings"""
        return min((f.severity for f in self.failures), key=lambda s: s.rank, default=None)


def _caused_by(finding: Finding, gap: Gap, is_recorded: bool) -> bool:
    """Whether `finding` is NOT_ASSESSED because of `gap` (its data set, and the gap itself
    when the finding names the gaps it saw)"""
    evidence = finding.evidence
    if finding.status is not Status.NOT_ASSESSED:
        return False
    if gap.dataset.value not in evidence.get("missing_data", ()):
        return False
    return not is_recorded or gap.reason in evidence.get("gaps", (gap.reason,))


def _data_gaps(
    snapshot: Snapshot, findings: Iterable[Finding], compliance: Iterable[ControlResult]
) -> tuple[DataGap, ...]:
    """Every recorded gap, and every data set a check missed without one, with its impact"""
    pending = [f for f in findings if f.status is Status.NOT_ASSESSED]
    open_rows = [
        row
        for row in compliance
        if row.status in (ControlStatus.NOT_ASSESSED, ControlStatus.MANUAL)
    ]
    recorded = {gap.dataset for gap in snapshot.gaps}
    missed = sorted(
        {
            DataSet(name)
            for f in pending
            for name in f.evidence.get("missing_data", ())
            if DataSet(name) not in recorded
        },
        key=lambda dataset: dataset.value,
    )
    entries = [(gap, True) for gap in snapshot.gaps]
    entries += [(Gap(dataset=dataset, reason=UNRECORDED), False) for dataset in missed]
    found = []
    for gap, is_recorded in entries:
        checks = sorted({f.check_id for f in pending if _caused_by(f, gap, is_recorded)})
        controls = [
            row.requirement.id for row in open_rows if set(row.requirement.checks) & set(checks)
        ]
        found.append(
            DataGap(
                gap=gap,
                is_recorded=is_recorded,
                is_collected=snapshot.has(gap.dataset),
                checks=tuple(checks),
                controls=tuple(controls),
            )
        )
    return tuple(
        sorted(
            found,
            key=lambda d: (
                d.gap.dataset.value,
                d.gap.region,
                d.gap.service,
                d.gap.call,
                d.gap.reason,
            ),
        )
    )


_RANKS = {severity: severity.rank for severity in Severity}


def _sort_key(finding: Finding) -> tuple[int, str, str]:
    return (_RANKS[finding.severity], finding.check_id, finding.resource_arn)


def _mute(finding: Finding, suppressions: tuple[Suppression, ...]) -> Finding:
    if not suppressions or finding.status is Status.MUTED:
        return finding
    listed = finding.evidence.get("principals", ())  # a count in some checks' evidence
    principals = tuple(str(p) for p in listed) if isinstance(listed, list | tuple) else ()
    rule = next(
        (s for s in suppressions if s.matches(finding.check_id, finding.resource_arn, principals)),
        None,
    )
    if rule is None:
        return finding
    evidence = {
        **finding.evidence,
        "muted_status": finding.status.value,
        "muted_reason": rule.reason,
    }
    if rule.expires is not None:
        evidence["muted_until"] = rule.expires.isoformat()
    return dataclasses.replace(finding, status=Status.MUTED, evidence=evidence)


def mute_findings(
    findings: Iterable[Finding], suppressions: Iterable[Suppression], *, on: datetime
) -> tuple[tuple[Finding, ...], tuple[Suppression, ...]]:
    """`findings` with those a live suppression covers MUTED (the first matching rule's reason
    and former status go into the evidence), and the suppressions that expired before the
    day of `on` (the assessment date), which mute nothing"""
    rules = tuple(suppressions)
    live = tuple(r for r in rules if not r.is_expired(on.date()))
    expired = tuple(r for r in rules if r.is_expired(on.date()))
    return tuple(_mute(f, live) for f in findings), expired


def assess(snapshot: Snapshot, options: AssessOptions = AssessOptions()) -> Assessment:
    """Run every registered check and build the assessment

    Raises:
        ValueError: neither `options.now` nor `snapshot.collected_at` gives a date.
    """
    now = options.now or snapshot.collected_at
    if now is None:
        raise ValueError("the snapshot has no collection time: pass AssessOptions(now=...)")
    catalog = options.catalog or load_catalog()
    tell = options.progress or _ignore
    documents = sum(1 for _ in policy_documents(snapshot))
    tell(AssessProgress(stage=AssessStage.POLICIES, done=0, total=documents))
    snapshot = with_policy_gaps(snapshot)
    tell(AssessProgress(stage=AssessStage.POLICIES, done=documents, total=documents))
    base = CheckContext(
        snapshot=snapshot,
        catalog=catalog,
        permissions=Permissions(snapshot, catalog),
        now=now,
        trust=ZoneOfTrust.of(snapshot, options.zone, options.known_accounts),
    )
    findings: list[Finding] = []
    live = tuple(s for s in options.suppressions if not s.is_expired(now.date()))
    expired = tuple(s for s in options.suppressions if s.is_expired(now.date()))
    checks = registered_checks()
    tell(AssessProgress(stage=AssessStage.CHECKS, done=0, total=len(checks)))
    for done, (check_id, entry) in enumerate(checks.items(), 1):
        ctx = dataclasses.replace(base, spec=entry.spec)
        findings.extend(_mute(f, live) for f in entry.run(ctx))
        tell(
            AssessProgress(stage=AssessStage.CHECKS, done=done, total=len(checks), detail=check_id)
        )
    findings.sort(key=_sort_key)
    main = (options.framework,) if options.framework is not None else ()
    frameworks = tuple(dict.fromkeys((*main, *options.frameworks))) or (
        load_framework(DEFAULT_FRAMEWORK),
    )
    views = tuple(compliance_view(framework, findings) for framework in frameworks)
    framework, compliance = views[0].framework, views[0].table
    report = snapshot.credential_report if snapshot.has(DataSet.CREDENTIAL_REPORT) else None
    missing = sorted(
        {
            name
            for f in findings
            if f.status is Status.NOT_ASSESSED
            for name in f.evidence.get("missing_data", ())
        }
    )
    return Assessment(
        account_id=snapshot.account.id,
        account_alias=snapshot.account.alias,
        source=snapshot.source,
        assessed_at=now,
        framework=framework,
        checks=MappingProxyType({check_id: entry.spec for check_id, entry in checks.items()}),
        findings=tuple(findings),
        compliance=compliance,
        missing_data=tuple(missing),
        data_gaps=_data_gaps(snapshot, findings, compliance),
        data_warnings=data_warnings(snapshot, now=now, today=options.today),
        expired_suppressions=expired,
        credential_report_collected=report is not None,
        credential_report_generated=report.generated if report is not None else None,
        compliance_views=views,
    )


def parse_suppressions(text: str, *, path: str = "") -> tuple[Suppression, ...]:
    """Suppressions from YAML: `suppressions: [{check_id, resource_arn?, principal?, reason?,
    expires?}, ...]`, the same rules as `iamwarden.toml`'s `archive_rules`

    Raises:
        InputError: the text is not YAML of that shape; every problem is reported.
    """
    duplicates: list[DuplicateKey] = []
    data = parse_yaml(text, path=path, duplicates=duplicates)
    if duplicates:  # a suppression written with two check ids would mute the last silently
        first = duplicates[0]
        inside = f" in `{first.path}`" if first.path else ""
        raise InputError(
            f"duplicate key `{first.key}`{inside}: the last one would silently win",
            path=path,
            location=first.line or first.path,
        )
    items = data.get("suppressions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InputError("expected a mapping with a `suppressions` list", path=path)
    known = registered_checks()
    found: list[Suppression] = []
    problems = []
    for index, item in enumerate(items):
        rule, trouble = parse_suppression(item, f"suppressions[{index}]", known_checks=known)
        problems.extend(trouble)
        if rule is not None:
            found.append(rule)
    if problems:
        raise InputError(
            problems[0].problem, path=path, location=problems[0].location, problems=problems
        )
    return tuple(found)


def _ignore(event: AssessProgress) -> None:
    """The default progress sink: drops every event"""
