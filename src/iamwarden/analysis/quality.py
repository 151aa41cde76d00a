"""Data that looks wrong, questioned: each oddity is a `DataWarning` shown with the report.

Duplicate credential report rows, dates after the assessment date or after today, entities
of another account, users created after the credential report: the assessment still runs
on what it has, but says what it doubted and what it used. A pure function of the snapshot
and two dates given to it; it never reads the clock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from iamwarden.analysis.evidence import counted
from iamwarden.policy import try_parse_arn
from iamwarden.snapshot import DataSet, Role, Snapshot, User

__all__ = ["DataWarning", "WarningKind", "data_warnings"]


class WarningKind(Enum):
    """What kind of oddity a `DataWarning` is"""

    DUPLICATE_REPORT_ROW = "duplicate_report_row"
    FUTURE_DATE = "future_date"
    OTHER_ACCOUNT = "other_account"
    CREATED_AFTER_REPORT = "created_after_report"


@dataclass(frozen=True, slots=True, kw_only=True)
class DataWarning:
    """One thing in the data that looks wrong, with what the assessment did about it"""

    kind: WarningKind
    message: str
    resource: str = ""


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _duplicates(snapshot: Snapshot) -> list[DataWarning]:
    report = snapshot.credential_report
    if report is None or not snapshot.has(DataSet.CREDENTIAL_REPORT):
        return []
    counts = Counter(row.user for row in report.rows)
    return [
        DataWarning(
            kind=WarningKind.DUPLICATE_REPORT_ROW,
            message=f"the credential report has {counted(n, 'row')} for `{user}`; "
            "the last one is used",
            resource=next(r.arn for r in report.rows if r.user == user),
        )
        for user, n in sorted(counts.items())
        if n > 1
    ]


def _future(snapshot: Snapshot, now: datetime, today: datetime | None) -> list[DataWarning]:
    report = snapshot.credential_report
    generated = report.generated if report is not None else None
    dated = {"the credential report was generated": generated}
    if snapshot.collected_at != generated:
        dated["the snapshot was collected"] = snapshot.collected_at
    found = []
    for what, moment in dated.items():
        if moment is None:
            continue
        if today is not None and moment > today:
            found.append(
                DataWarning(
                    kind=WarningKind.FUTURE_DATE,
                    message=f"{what} {moment.isoformat()}, after today ({_day(today)}); ages "
                    f"are counted to the assessment date {_day(now)}: give the real date "
                    "(--as-of)",
                )
            )
        elif moment > now:
            found.append(
                DataWarning(
                    kind=WarningKind.FUTURE_DATE,
                    message=f"{what} {moment.isoformat()}, after the assessment date {_day(now)}",
                )
            )
    return found


def _other_accounts(snapshot: Snapshot) -> list[DataWarning]:
    own = snapshot.account.id
    arns = [u.arn for u in snapshot.users] + [g.arn for g in snapshot.groups]
    arns += [r.arn for r in snapshot.roles]
    report = snapshot.credential_report
    if report is not None and snapshot.has(DataSet.CREDENTIAL_REPORT):
        arns += [row.arn for row in report.rows]
    found = []
    for arn in sorted(set(arns)):
        parsed = try_parse_arn(arn)
        if parsed is not None and parsed.service == "iam" and parsed.account != own:
            found.append(
                DataWarning(
                    kind=WarningKind.OTHER_ACCOUNT,
                    message=f"`{arn}` belongs to account `{parsed.account}`, not `{own}`; "
                    "it is assessed with the rest",
                    resource=arn,
                )
            )
    return found


def _created_after(snapshot: Snapshot, now: datetime) -> list[DataWarning]:
    report = snapshot.credential_report
    generated = report.generated if report is not None else None
    found = []
    entities: list[tuple[str, User | Role]] = [("user", u) for u in snapshot.users] + [
        ("role", r) for r in snapshot.roles
    ]
    for kind, entity in entities:
        created = entity.created
        if created is None:
            continue
        if kind == "user" and generated is not None and created > generated:
            message = (
                f"user `{entity.name}` was created {created.isoformat()}, after the credential "
                f"report ({generated.isoformat()}), which cannot list it"
            )
        elif created > now:
            message = (
                f"{kind} `{entity.name}` was created {created.isoformat()}, after the "
                f"assessment date {_day(now)}"
            )
        else:
            continue
        found.append(
            DataWarning(kind=WarningKind.CREATED_AFTER_REPORT, message=message, resource=entity.arn)
        )
    return found


def data_warnings(
    snapshot: Snapshot, *, now: datetime, today: datetime | None = None
) -> tuple[DataWarning, ...]:
    """Every oddity of `snapshot` assessed as of `now`; `today` (the real date, when known)
    questions dates in the future"""
    return (
        *_duplicates(snapshot),
        *_future(snapshot, now, today),
        *_other_accounts(snapshot),
        *_created_after(snapshot, now),
    )
