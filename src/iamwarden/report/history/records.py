"""What the history store keeps of one assessment: a `ScanRecord`

A record is built from an `Assessment` (`record_of`), from the JSON report that
`assess --format json` writes (`record_from_json`), or read back from the store. It holds
every finding (PASS, NOT_ASSESSED and MUTED included, so a diff can tell "resolved" from "no
longer assessed") with its stable id, and the compliance score of each framework the
assessment scored. This module reads and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from iamwarden import __version__
from iamwarden.analysis import Assessment, ControlStatus
from iamwarden.errors import InputError
from iamwarden.findings import Severity, Status

__all__ = ["FrameworkScore", "ScanRecord", "StoredFinding", "record_from_json", "record_of"]

_Choice = TypeVar("_Choice", Status, Severity)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFinding:
    """One finding as stored: its stable id (`Finding.id`, a hash of check id and resource
    ARN), check, resource, status, severity and one-line message"""

    id: str
    check_id: str
    resource_arn: str
    resource_type: str
    status: Status
    severity: Severity
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameworkScore:
    """A framework's compliance score in one scan: automated controls passed of those
    assessed (PASS or FAIL); `percent` is None when none was assessed"""

    framework: str
    version: str
    passed: int
    assessed: int

    @property
    def percent(self) -> float | None:
        """100 * passed / assessed, rounded to two decimals (None when nothing was assessed)"""
        return round(self.passed * 100 / self.assessed, 2) if self.assessed else None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanRecord:
    """One stored assessment of one account

    `scan_id` is the store's id (None for a record read from a file), `assessed_at` the
    assessment date (UTC), `stored_at` when it was saved (None for a file), `findings` sorted
    by id, `scores` by framework and version.
    """

    scan_id: int | None
    account_id: str
    account_alias: str
    assessed_at: datetime
    stored_at: datetime | None
    tool_version: str
    source: str
    findings: tuple[StoredFinding, ...]
    scores: tuple[FrameworkScore, ...]

    def __post_init__(self) -> None:
        if self.assessed_at.tzinfo is None:
            raise ValueError("assessed_at needs a time zone")
        object.__setattr__(self, "assessed_at", self.assessed_at.astimezone(UTC))
        object.__setattr__(self, "findings", tuple(sorted(self.findings, key=lambda f: f.id)))
        object.__setattr__(
            self, "scores", tuple(sorted(self.scores, key=lambda s: (s.framework, s.version)))
        )

    def failing_counts(self) -> Mapping[Severity, int]:
        """FAIL findings by severity, every severity present"""
        counts = {severity: 0 for severity in Severity}
        for finding in self.findings:
            if finding.status is Status.FAIL:
                counts[finding.severity] += 1
        return counts


def record_of(assessment: Assessment, *, stored_at: datetime | None = None) -> ScanRecord:
    """The record of an assessment (not yet stored: `scan_id` is None), with the score of
    every framework it was viewed through (`Assessment.views`)"""
    return ScanRecord(
        scan_id=None,
        account_id=assessment.account_id,
        account_alias=assessment.account_alias,
        assessed_at=assessment.assessed_at,
        stored_at=stored_at,
        tool_version=__version__,
        source=assessment.source,
        findings=tuple(
            StoredFinding(
                id=f.id,
                check_id=f.check_id,
                resource_arn=f.resource_arn,
                resource_type=f.resource_type,
                status=f.status,
                severity=f.severity,
                message=f.message,
            )
            for f in assessment.findings
        ),
        scores=tuple(
            FrameworkScore(
                framework=view.framework.name,
                version=view.framework.version,
                passed=sum(row.status is ControlStatus.PASS for row in view.table),
                assessed=sum(row.is_scored for row in view.table),
            )
            for view in assessment.views
        ),
    )


class _Reader:
    """Typed access to the JSON report, each problem an `InputError` at its JSON path"""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, location: str, problem: str) -> InputError:
        return InputError(problem, path=self.path, location=location)

    def object(self, value: Any, location: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(location, "expected an object")
        return value

    def field(self, parent: Mapping[str, Any], key: str, location: str) -> Any:
        if key not in parent:
            raise self.fail(location, f"missing `{key}`")
        return parent[key]

    def text(self, parent: Mapping[str, Any], key: str, location: str) -> str:
        value = self.field(parent, key, location)
        if not isinstance(value, str):
            raise self.fail(f"{location}.{key}", "expected a string")
        return value

    def count(self, parent: Mapping[str, Any], key: str, location: str) -> int:
        value = self.field(parent, key, location)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(f"{location}.{key}", "expected a whole number, 0 or more")
        return value

    def choice(
        self, parent: Mapping[str, Any], key: str, location: str, kind: type[_Choice]
    ) -> _Choice:
        value = self.text(parent, key, location)
        try:
            return kind(value)
        except ValueError:
            known = ", ".join(member.value for member in kind)
            raise self.fail(f"{location}.{key}", f"`{value}` is not one of {known}") from None

    def moment(self, parent: Mapping[str, Any], key: str, location: str) -> datetime:
        value = self.text(parent, key, location)
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(f"{location}.{key}", f"`{value}` is not an ISO 8601 date") from None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def record_from_json(data: Any, *, path: str) -> ScanRecord:
    """The record of a JSON assessment report (`assess --format json`, schema_version 1)

    Reads `account`, `source`, `assessment_date`, `analyzer.version`, every entry of
    `findings`, and each framework's score (`frameworks[].compliance_score`, or without that
    list `framework` and `summary.compliance_score`).

    Raises:
        InputError: a missing or mistyped field, named by its JSON path in `path`
    """
    read = _Reader(path)
    root = read.object(data, "$")
    if root.get("schema_version") != 1:
        raise read.fail("$.schema_version", "not an iamwarden JSON assessment (schema_version 1)")
    account = read.object(read.field(root, "account", "$"), "$.account")
    analyzer = read.object(read.field(root, "analyzer", "$"), "$.analyzer")
    entries = read.field(root, "findings", "$")
    if not isinstance(entries, list):
        raise read.fail("$.findings", "expected a list")
    findings: dict[str, StoredFinding] = {}
    for index, entry in enumerate(entries):
        at = f"$.findings[{index}]"
        item = read.object(entry, at)
        finding = StoredFinding(
            id=read.text(item, "id", at),
            check_id=read.text(item, "check_id", at),
            resource_arn=read.text(item, "resource_arn", at),
            resource_type=read.text(item, "resource_type", at),
            status=read.choice(item, "status", at, Status),
            severity=read.choice(item, "severity", at, Severity),
            message=read.text(item, "message", at),
        )
        if finding.id in findings:
            raise read.fail(f"{at}.id", f"finding id `{finding.id}` appears twice")
        findings[finding.id] = finding
    return ScanRecord(
        scan_id=None,
        account_id=read.text(account, "id", "$.account"),
        account_alias=read.text(account, "alias", "$.account"),
        assessed_at=read.moment(root, "assessment_date", "$"),
        stored_at=None,
        tool_version=read.text(analyzer, "version", "$.analyzer"),
        source=read.text(root, "source", "$"),
        findings=tuple(findings.values()),
        scores=_scores(read, root),
    )


def _score(read: _Reader, framework: Mapping[str, Any], at: str, score_at: str) -> FrameworkScore:
    score = read.object(read.field(framework, "compliance_score", at), score_at)
    passed = read.count(score, "passed", score_at)
    assessed = read.count(score, "assessed", score_at)
    if passed > assessed:
        raise read.fail(f"{score_at}.passed", "more controls passed than assessed")
    return FrameworkScore(
        framework=read.text(framework, "name", at),
        version=read.text(framework, "version", at),
        passed=passed,
        assessed=assessed,
    )


def _scores(read: _Reader, root: Mapping[str, Any]) -> tuple[FrameworkScore, ...]:
    """Each framework's score: `frameworks[]` when the report has it, else the main
    `framework` with `summary.compliance_score`"""
    if "frameworks" in root:
        views = root["frameworks"]
        if not isinstance(views, list):
            raise read.fail("$.frameworks", "expected a list")
        return tuple(
            _score(
                read,
                read.object(view, f"$.frameworks[{i}]"),
                f"$.frameworks[{i}]",
                f"$.frameworks[{i}].compliance_score",
            )
            for i, view in enumerate(views)
        )
    framework = read.object(read.field(root, "framework", "$"), "$.framework")
    summary = read.object(read.field(root, "summary", "$"), "$.summary")
    main = {**framework, "compliance_score": read.field(summary, "compliance_score", "$.summary")}
    return (_score(read, main, "$.framework", "$.summary.compliance_score"),)
