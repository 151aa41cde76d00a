"""Text and JSON renderings of `iamwarden history` (stored scans) and `iamwarden diff` (drift)

JSON output has sorted keys, two-space indent and a final newline (`schema_version` 1);
dates are ISO 8601 UTC; scores are percentages rounded to two decimals (null when a
framework assessed nothing). Text output is for people and may change.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from iamwarden.findings import Severity
from iamwarden.report.history.diff import Change, Drift, FindingChange, ScoreChange
from iamwarden.report.history.records import FrameworkScore, ScanRecord

if TYPE_CHECKING:
    from iamwarden.report.history.store import ScanSummary

__all__ = [
    "HISTORY_SCHEMA_VERSION",
    "render_diff_json",
    "render_diff_text",
    "render_history_json",
    "render_history_text",
]

HISTORY_SCHEMA_VERSION = 1

_HEADINGS = {
    Change.NEW: "New (FAIL now; never failing before, or its suppression ended)",
    Change.REGRESSED: "Regressed (PASS before, or failing again after it was resolved)",
    Change.RESOLVED: "Resolved (PASS now, or the resource is gone)",
    Change.MUTED: "Muted (FAIL before, suppressed now: not fixed)",
    Change.NOT_ASSESSED: "No longer assessed (FAIL before, no data now: not a resolution)",
}


_SHORT = {
    Severity.CRITICAL: "crit",
    Severity.HIGH: "high",
    Severity.MEDIUM: "med",
    Severity.LOW: "low",
    Severity.INFO: "info",
}


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _score_json(score: FrameworkScore | None) -> dict[str, Any] | None:
    if score is None:
        return None
    return {
        "framework": score.framework,
        "version": score.version,
        "passed": score.passed,
        "assessed": score.assessed,
        "percent": score.percent,
    }


def _percent(score: FrameworkScore | None) -> str:
    if score is None:
        return "not scored"
    if score.percent is None:
        return "nothing assessed"
    return f"{score.percent:.2f}% ({score.passed}/{score.assessed})"


def render_history_json(summaries: tuple[ScanSummary, ...]) -> str:
    """`{"schema_version": 1, "scans": [...]}`, oldest first; each scan has its id, account,
    dates, source, tool version, counts by status, FAIL counts by severity and scores"""
    return _dump(
        {
            "schema_version": HISTORY_SCHEMA_VERSION,
            "scans": [
                {
                    "scan_id": s.scan_id,
                    "account": {"id": s.account_id, "alias": s.account_alias},
                    "assessment_date": s.assessed_at.isoformat(),
                    "stored_at": s.stored_at.isoformat(),
                    "source": s.source,
                    "tool_version": s.tool_version,
                    "by_status": {k.value: n for k, n in s.status_counts.items()},
                    "failing_by_severity": {k.value: n for k, n in s.failing.items()},
                    "scores": [_score_json(score) for score in s.scores],
                }
                for s in summaries
            ],
        }
    )


def render_history_text(summaries: tuple[ScanSummary, ...]) -> str:
    """One line per scan, oldest first: id, date, account, FAIL counts by severity, scores"""
    if not summaries:
        return "no scan stored yet (store one with `iamwarden assess --store`)\n"
    severities = " ".join(f"{_SHORT[s]:>4}" for s in Severity)
    lines = [f"{'scan':>5}  {'assessed (UTC)':<19} {'account':<14} FAIL ({severities})  score"]
    for s in summaries:
        failing = " ".join(f"{s.failing[sev]:>4}" for sev in Severity)
        total = sum(s.failing.values())
        scored = "; ".join(f"{x.framework} {_percent(x)}" for x in s.scores) or "not scored"
        lines.append(
            f"{s.scan_id:>5}  {s.assessed_at:%Y-%m-%d %H:%M:%S} {s.account_id:<14} "
            f"{total:>4} ({failing})  {scored}"
        )
    return "\n".join(lines) + "\n"


def _side(record: ScanRecord, label: str) -> dict[str, Any]:
    return {
        "label": label,
        "scan_id": record.scan_id,
        "account": {"id": record.account_id, "alias": record.account_alias},
        "assessment_date": record.assessed_at.isoformat(),
        "source": record.source,
        "tool_version": record.tool_version,
    }


def _change_json(item: FindingChange) -> dict[str, Any]:
    f = item.finding
    return {
        "change": item.change.value,
        "id": f.id,
        "check_id": f.check_id,
        "resource_arn": f.resource_arn,
        "resource_type": f.resource_type,
        "severity": f.severity.value,
        "message": f.message,
        "before": item.before.value if item.before else None,
        "after": item.after.value if item.after else None,
    }


def render_diff_json(drift: Drift, *, before_label: str, after_label: str) -> str:
    """`{"schema_version", "before", "after", "summary", "changes", "scores"}`: each side's
    scan, the count of each change kind, every changed finding (still-failing ones
    included) and each framework's score before, after, its change in points and
    `fewer_assessed` (how many fewer automated requirements B assessed: 0, or a score change
    that comes from lost data or muting rather than fixes)"""
    return _dump(
        {
            "schema_version": HISTORY_SCHEMA_VERSION,
            "before": _side(drift.before, before_label),
            "after": _side(drift.after, after_label),
            "summary": {k.value: n for k, n in drift.counts().items()},
            "changes": [_change_json(item) for item in drift.changes],
            "scores": [
                {
                    "framework": s.framework,
                    "version": s.version,
                    "before": _score_json(s.before),
                    "after": _score_json(s.after),
                    "points": s.points,
                    "fewer_assessed": s.fewer_assessed,
                }
                for s in drift.scores
            ],
        }
    )


def _name(record: ScanRecord, label: str) -> str:
    scan = f"scan {record.scan_id}" if record.scan_id is not None else label
    return f"{scan} ({record.assessed_at:%Y-%m-%d %H:%M:%S} UTC)"


def _caveat(score: ScoreChange) -> str:
    """Why a score change beside fewer assessed requirements is no measure of fixes"""
    points = score.points
    moved = (
        "score unchanged"
        if points is None or points == 0
        else ("score rose" if points > 0 else "score fell")
    )
    lost = score.fewer_assessed
    what = "requirement" if lost == 1 else "requirements"
    assert score.before is not None and score.after is not None
    return (
        f"{moved} with {lost} {what} no longer assessed or muted "
        f"({score.before.assessed} assessed before, {score.after.assessed} now): "
        "not a measure of fixes"
    )


def render_diff_text(drift: Drift, *, before_label: str, after_label: str) -> str:
    """A heading, the counts, the score change per framework (with a `!` line when fewer
    requirements were assessed in B), then each changed finding by kind (still-failing ones
    counted, not listed)"""
    account = drift.after.account_id
    alias = f" ({drift.after.account_alias})" if drift.after.account_alias else ""
    counts = drift.counts()
    lines = [
        f"Drift of account {account}{alias}: "
        f"{_name(drift.before, before_label)} -> {_name(drift.after, after_label)}",
        " · ".join(f"{change.value.replace('_', ' ')} {counts[change]}" for change in Change),
        "",
        "Scores:",
    ]
    for score in drift.scores:
        points = score.points
        moved = f" ({points:+.2f} points)" if points is not None else ""
        lines.append(
            f"  {score.framework} {score.version}: "
            f"{_percent(score.before)} -> {_percent(score.after)}{moved}"
        )
        if score.fewer_assessed:
            lines.append(f"    ! {_caveat(score)}")
    if not drift.scores:
        lines.append("  none")
    for change, heading in _HEADINGS.items():
        items = drift.of(change)
        if not items:
            continue
        lines += ["", f"{heading}: {len(items)}"]
        for item in items:
            f = item.finding
            lines.append(
                f"  {f.severity.value.upper():<8} {f.check_id}  {f.resource_arn}  {f.message}"
            )
    return "\n".join(lines) + "\n"
