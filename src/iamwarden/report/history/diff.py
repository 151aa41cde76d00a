"""Drift between two scans of one account: what is new, resolved and regressed

Findings are matched by their stable id (`Finding.id`, a hash of check id and resource ARN).
With `before` the older scan A and `after` the newer scan B, each finding failing in either
is one `FindingChange`:

- `REGRESSED`: FAIL in B, and PASS in A, or absent or NOT_ASSESSED in A and FAIL in some
  stored scan of the account on or before A (`failed_earlier`: it had been resolved and came
  back);
- `NEW`: FAIL in B, not FAIL in A, and not regressed: absent or NOT_ASSESSED in A and never
  failing before, or MUTED in A (its suppression expired or was removed: it was never fixed,
  so it is not a regression, and it needs looking at again);
- `RESOLVED`: FAIL in A and PASS in B, or absent from B while B ran its check on the whole
  account (the resource is gone);
- `MUTED`: FAIL in A, MUTED in B (suppressed, not fixed);
- `NOT_ASSESSED`: FAIL in A, and NOT_ASSESSED in B, or absent from B where B did not run
  its check on the whole account: the check has no finding in B, or one of its B findings is
  NOT_ASSESSED on the account itself (`arn:PARTITION:iam::ACCOUNT:root`, the finding the
  check registry yields when a data set the check needs was not collected). Missing data is
  never a resolution (DESIGN.md, "Rules of the house");
- `STILL_FAILING`: FAIL in both.

Each framework's score is compared by (name, version); a framework scored in one scan only
has None on the other side. A score that moves while fewer automated requirements were
assessed (more NOT_ASSESSED or MUTED) is flagged (`ScoreChange.fewer_assessed`): losing data
or muting findings can raise a score without anything being fixed. This module reads and
writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from iamwarden.findings import Severity, Status
from iamwarden.report.history.records import FrameworkScore, ScanRecord, StoredFinding

__all__ = ["Change", "Drift", "FindingChange", "ScoreChange", "diff_scans"]


class Change(Enum):
    """How a finding changed between two scans, in the order reports list them"""

    NEW = "new"
    REGRESSED = "regressed"
    RESOLVED = "resolved"
    MUTED = "muted"
    NOT_ASSESSED = "not_assessed"
    STILL_FAILING = "still_failing"


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingChange:
    """One finding's change: the finding as in B (as in A when B lacks it), and its status
    in A and B (None where absent)"""

    change: Change
    finding: StoredFinding
    before: Status | None
    after: Status | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreChange:
    """A framework's score in A and B; `points` is B's percent minus A's (None when either
    is missing or assessed nothing)"""

    framework: str
    version: str
    before: FrameworkScore | None
    after: FrameworkScore | None

    @property
    def fewer_assessed(self) -> int:
        """How many fewer automated requirements B assessed (PASS or FAIL) than A: those
        NOT_ASSESSED or MUTED in B and not in A, net; 0 when B assessed as many or more, or
        either side is missing. A score change beside such a loss is no measure of fixes."""
        if self.before is None or self.after is None:
            return 0
        return max(0, self.before.assessed - self.after.assessed)

    @property
    def points(self) -> float | None:
        """The change in percentage points, rounded to two decimals"""
        if self.before is None or self.after is None:
            return None
        if self.before.percent is None or self.after.percent is None:
            return None
        return round(self.after.percent - self.before.percent, 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class Drift:
    """What changed from scan A (`before`) to scan B (`after`)"""

    before: ScanRecord
    after: ScanRecord
    changes: tuple[FindingChange, ...]
    scores: tuple[ScoreChange, ...]

    def of(self, change: Change) -> tuple[FindingChange, ...]:
        """The changes of one kind, most severe first"""
        return tuple(c for c in self.changes if c.change is change)

    def counts(self) -> dict[Change, int]:
        """How many findings changed each way (every kind present)"""
        counts = dict.fromkeys(Change, 0)
        for item in self.changes:
            counts[item.change] += 1
        return counts

    def worst_new(self) -> Severity | None:
        """The highest severity among NEW and REGRESSED findings"""
        return min(
            (
                c.finding.severity
                for c in self.changes
                if c.change in (Change.NEW, Change.REGRESSED)
            ),
            key=lambda s: s.rank,
            default=None,
        )


def _classify(
    before: StoredFinding | None,
    after: StoredFinding | None,
    *,
    failed_earlier: frozenset[str],
    checks_after: frozenset[str],
) -> Change | None:
    was = before.status if before else None
    now = after.status if after else None
    if now is Status.FAIL:
        if was is Status.FAIL:
            return Change.STILL_FAILING
        assert after is not None
        if was is Status.PASS or (was is not Status.MUTED and after.id in failed_earlier):
            return Change.REGRESSED
        return Change.NEW
    if was is not Status.FAIL:
        return None
    assert before is not None
    if now is Status.PASS or (now is None and before.check_id in checks_after):
        return Change.RESOLVED
    if now is Status.MUTED:
        return Change.MUTED
    return Change.NOT_ASSESSED


def _checks_run_on_the_account(scan: ScanRecord) -> frozenset[str]:
    """The checks of `scan` that ran on the whole account: those with a finding in it and
    no NOT_ASSESSED finding on the account itself (a data set the check needs was missing,
    so it said nothing of the account's resources)"""
    account = re.compile(rf"arn:[^:]+:iam::{re.escape(scan.account_id)}:root")
    ran = {f.check_id for f in scan.findings}
    skipped = {
        f.check_id
        for f in scan.findings
        if f.status is Status.NOT_ASSESSED and account.fullmatch(f.resource_arn)
    }
    return frozenset(ran - skipped)


def diff_scans(
    before: ScanRecord, after: ScanRecord, *, failed_earlier: frozenset[str] = frozenset()
) -> Drift:
    """The drift from `before` (A) to `after` (B), by the rules of this module's docstring

    `failed_earlier` holds the ids of findings that were FAIL in some scan of the account on
    or before A (from the store; empty for files, where only PASS→FAIL is a regression).
    Changes are sorted by kind, severity (most severe first), check id and resource ARN.
    """
    was = {f.id: f for f in before.findings}
    now = {f.id: f for f in after.findings}
    checks_after = _checks_run_on_the_account(after)
    changes = []
    for finding_id in was.keys() | now.keys():
        old, new = was.get(finding_id), now.get(finding_id)
        change = _classify(old, new, failed_earlier=failed_earlier, checks_after=checks_after)
        if change is None:
            continue
        shown = new or old
        assert shown is not None
        changes.append(
            FindingChange(
                change=change,
                finding=shown,
                before=old.status if old else None,
                after=new.status if new else None,
            )
        )
    order = list(Change)
    changes.sort(
        key=lambda c: (
            order.index(c.change),
            c.finding.severity.rank,
            c.finding.check_id,
            c.finding.resource_arn,
        )
    )
    scored_before = {(s.framework, s.version): s for s in before.scores}
    scored_after = {(s.framework, s.version): s for s in after.scores}
    return Drift(
        before=before,
        after=after,
        changes=tuple(changes),
        scores=tuple(
            ScoreChange(
                framework=name,
                version=version,
                before=scored_before.get((name, version)),
                after=scored_after.get((name, version)),
            )
            for name, version in sorted(scored_before.keys() | scored_after.keys())
        ),
    )
