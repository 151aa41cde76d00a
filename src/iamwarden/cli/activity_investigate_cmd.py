"""`iamwarden activity investigate`: what a leaked access key (or a user or role) did across
every account of the activity store, the credentials it minted, and the response plan

Registered on the `activity` group by `cli.activity_cmd`; this module parses the options and
renders (text or JSON). Secrets never reach it: `activity.investigate` reads only named fields.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from iamwarden.activity.investigate import Investigation, TimelineEvent, investigate, one_line
from iamwarden.activity.store import open_store
from iamwarden.analysis.evidence import counted
from iamwarden.cli.options import TEXT_OR_JSON

__all__ = ["investigate_command", "investigation_json", "investigation_text"]

_DEFAULT_DB = Path("activity.duckdb")
_TIMELINE_SHOWN = 500
# IAM API Reference, "AccessKey": AccessKeyId is 16 to 128 word characters; IAM User Guide,
# "IAM identifiers" (unique ID prefixes): AKIA… an access key, ASIA… a temporary one (AWS
# issues them in upper case)
_ACCESS_KEY = re.compile(r"(AKIA|ASIA)[A-Z0-9]{12,124}")


def _access_key(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    key = value.strip()
    if not _ACCESS_KEY.fullmatch(key):
        shown = one_line(key[:40]) + ("…" if len(key) > 40 else "")
        raise click.BadParameter(
            f"`{shown}` is not an access key id (AKIA… or ASIA…, then 12 to 124 upper-case "
            "letters and digits)"
        )
    return key


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _event_json(event: TimelineEvent) -> dict[str, Any]:
    return {
        "time": _iso(event.time),
        "event_id": event.event_id,
        "account": event.account,
        "region": event.region,
        "event_source": event.event_source,
        "event_name": event.event_name,
        "source_ip": event.source_ip,
        "user_agent": event.user_agent,
        "error_code": event.error_code,
        "denied": event.is_denied,
        "access_key_id": event.access_key_id,
        "identity_arn": event.identity_arn,
        "credential": event.credential,
        "depth": event.depth,
        "flagged": None
        if event.flagged is None
        else {
            "category": event.flagged.category,
            "description": event.flagged.description,
            "created": dict(event.flagged.created),
            "undo": list(event.flagged.undo),
        },
    }


def investigation_json(found: Investigation) -> dict[str, Any]:
    """The investigation as one JSON object (times ISO 8601 UTC)"""
    return {
        "subject": found.subject,
        "kind": found.kind,
        "window": {"since": _iso(found.since), "until": _iso(found.until)},
        "owners": list(found.owners),
        "first_use": _iso(found.first_use),
        "last_use": _iso(found.last_use),
        "calls": len(found.timeline),
        "denied": len(found.denied),
        "not_assessed": list(found.not_assessed),
        "credentials": [
            {
                "access_key_id": c.access_key_id,
                "session_arn": c.session_arn,
                "principal_arn": c.principal_arn,
                "minted_by": c.minted_by or None,
                "minted_at": _iso(c.minted_at),
                "valid_until": _iso(c.valid_until),
                "parent": c.parent or None,
                "account": c.account,
                "depth": c.depth,
            }
            for c in found.credentials
        ],
        "breakdowns": {
            b.dimension: [{"value": v, "calls": n, "denied": d} for v, n, d in b.rows]
            for b in found.breakdowns
        },
        "flagged": [_event_json(e) for e in found.flagged],
        "timeline": [_event_json(e) for e in found.timeline],
        "plan": [
            {"step": i, "title": s.title, "why": s.why, "commands": list(s.commands)}
            for i, s in enumerate(found.plan, 1)
        ],
    }


def _line(event: TimelineEvent) -> str:
    where = f"{event.account or '?'} {event.region or '?'}"
    outcome = f" {event.error_code}" if event.error_code else ""
    mark = "!" if event.flagged else ("x" if event.is_denied else " ")
    via = f" via {event.credential}" if event.depth else ""
    return (
        f"{mark} {event.time:%Y-%m-%d %H:%M:%S} {where} {event.event_source} "
        f"{event.event_name}{outcome} from {event.source_ip or '?'}{via}"
    )


def investigation_text(found: Investigation) -> list[str]:
    """The investigation as lines of text: summary, credentials, breakdowns, flagged actions,
    denied calls, timeline (the first 500 calls), plan"""
    span = (
        "the whole history"
        if found.since is None or found.until is None
        else f"{found.since:%Y-%m-%d %H:%M} to {found.until:%Y-%m-%d %H:%M} UTC"
    )
    if not found.timeline:
        return [one_line(f"{found.subject}: no calls in the store in {span}")]
    accounts = next(b for b in found.breakdowns if b.dimension == "account")
    lines = [
        f"{found.subject}: {counted(len(found.timeline), 'call')} in "
        f"{counted(len(accounts.rows), 'account')} ({span}), "
        f"{len(found.denied)} denied, {counted(len(found.flagged), 'flagged action')}",
        f"first use {found.first_use:%Y-%m-%d %H:%M:%S} UTC, "
        f"last use {found.last_use:%Y-%m-%d %H:%M:%S} UTC",
    ]
    if found.owners:
        lines.append(f"used as {', '.join(found.owners)}")
    minted = [c for c in found.credentials if c.depth]
    lines.append(f"credentials followed: {counted(len(minted), 'minted credential')}")
    for c in minted:
        at = f"{c.minted_at:%Y-%m-%d %H:%M:%S}" if c.minted_at else "?"
        session = f" {c.session_arn}" if c.session_arn and c.access_key_id else ""
        lines.append(
            f"  {'  ' * (c.depth - 1)}{c.label}{session}: {c.minted_by} by {c.parent} at {at} "
            f"in {c.account or '?'}"
        )
    lines.extend(f"NOT ASSESSED: {reason}" for reason in found.not_assessed)
    for breakdown in found.breakdowns:
        lines.append(f"by {breakdown.dimension.replace('_', ' ')}:")
        lines.extend(
            f"  {value}: {calls}" + (f" ({denied} denied)" if denied else "")
            for value, calls, denied in breakdown.rows[:15]
        )
        if len(breakdown.rows) > 15:
            lines.append(f"  … and {len(breakdown.rows) - 15} more")
    lines.append(f"flagged actions: {len(found.flagged)}")
    for event in found.flagged:
        assert event.flagged is not None
        created = ", ".join(f"{k}={v}" for k, v in event.flagged.created) or "-"
        lines.append(
            f"  {event.time:%Y-%m-%d %H:%M:%S} {event.account} {event.region} "
            f"[{event.flagged.category}] {event.event_name}: {event.flagged.description} "
            f"({created})"
        )
    lines.append(f"denied calls: {len(found.denied)}")
    lines.extend(f"  {_line(e)}" for e in found.denied[:50])
    lines.append("timeline (! flagged, x denied):")
    lines.extend(f"  {_line(e)}" for e in found.timeline[:_TIMELINE_SHOWN])
    if len(found.timeline) > _TIMELINE_SHOWN:
        rest = len(found.timeline) - _TIMELINE_SHOWN
        lines.append(f"  … and {rest} more calls (--format json lists them all)")
    lines.append("response plan:")
    for number, step in enumerate(found.plan, 1):
        lines.append(f"{number}. {step.title}: {step.why}")
        lines.extend(f"   {command}" for command in step.commands)
    # record values (accounts, ARNs, regions, agents) may carry newlines or escapes: no value
    # starts a line of its own
    return [one_line(line) for line in lines]


@click.command(
    "investigate",
    epilog="""\b
Examples:
  iamwarden activity investigate --access-key AKIAIOSFODNN7EXAMPLE --db trail.duckdb
  iamwarden activity investigate --access-key AKIAIOSFODNN7EXAMPLE --days 90 --format json
  iamwarden activity investigate --principal arn:aws:iam::111122223333:user/alice
  iamwarden activity investigate --access-key ASIAIOSFODNN7EXAMPLE --days 3650

\b
Exit codes:
  0  done (a key with no calls in the window says so)
  2  bad usage or bad input: an --access-key not shaped as an access key id,
     no such store, not a store (one line on stderr)
""",
)
@click.option(
    "--access-key",
    callback=_access_key,
    help="The access key id (AKIA… or ASIA…, 16 to 128 upper-case letters and digits) to "
    "investigate; an ASIA… key is revoked through its role's or user's sessions.",
)
@click.option("--principal", help="Or a user or role ARN (role sessions roll up to the role).")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Days of history, ending at the store's latest event (more than the calendar can "
    "count back: the whole history, said on stderr).",
)
@click.option(
    "--db",
    "--store",
    "db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=_DEFAULT_DB,
    show_default=True,
    help="The activity store (a DuckDB file made by `iamwarden activity ingest`).",
)
@TEXT_OR_JSON
def investigate_command(
    access_key: str | None, principal: str | None, days: int, db: Path, fmt: str
) -> None:
    """Every call made with an access key (or by a user or role) in every account of the
    store, and with the temporary credentials it minted (followed recursively); breakdowns,
    denied calls, persistence and privilege actions with what they created, and the ordered
    response plan with its AWS CLI commands. Secrets in the records are never printed."""
    if (access_key is None) == (principal is None):
        raise click.UsageError("give exactly one of --access-key KEY and --principal ARN")
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with open_store(db, read_only=True) as store:
        found = investigate(
            store,
            access_key=access_key,
            principal=principal,
            days=days,
            revoke_before=now,
            store_path=str(db),
        )
    if found.since is None and found.timeline:
        click.echo(
            f"note: --days {days} counts back past the earliest date; investigated the whole "
            "history",
            err=True,
        )
    if fmt == "json":
        click.echo(json.dumps(investigation_json(found), indent=2, sort_keys=True))
        return
    for line in investigation_text(found):
        click.echo(line)
