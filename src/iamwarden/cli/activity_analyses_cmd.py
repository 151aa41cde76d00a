"""`iamwarden activity principals | calls | access-keys`: the aggregate analyses of
`activity.dialect`, on the store or, with `--engine spark|athena`, at Organization scale"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from iamwarden.activity import list_principals, open_store
from iamwarden.activity.dialect import Engine, run_analysis
from iamwarden.analysis.evidence import counted
from iamwarden.cli.activity_engine import (
    DB_OPTION,
    EngineChoice,
    engine_options,
    open_events,
    store_path,
)
from iamwarden.cli.options import TEXT_OR_JSON

__all__ = ["access_keys_command", "calls_command", "principals_command"]

_DEMO_OPTION = click.option(
    "--demo", is_flag=True, help="Use the demo account's generated history."
)


def _epilog(name: str, extra: str) -> str:
    return f"""\b
Examples:
  iamwarden activity {name} --db trail.duckdb{extra}
  iamwarden activity {name} --engine spark --trail AWSLogs/ --format json
  iamwarden activity {name} --engine athena --database security \\
      --table cloudtrail_logs --athena-output s3://athena-results/iamwarden/

\b
Exit codes:
  0  done
  2  bad usage or bad input (one line on stderr): an option of another engine,
     PySpark or Java missing, Spark's or Athena's error
"""


def _time(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def _rows(choice: EngineChoice, db: Path | None, demo: bool, name: str) -> list[tuple[Any, ...]]:
    store = store_path(db, demo=demo) if choice.engine is Engine.DUCKDB else None
    with open_events(choice, store) as events:
        return run_analysis(events, name)


@click.command("principals", epilog=_epilog("principals", " --demo"))
@DB_OPTION
@_DEMO_OPTION
@engine_options
@TEXT_OR_JSON
def principals_command(db: Path | None, demo: bool, fmt: str, choice: EngineChoice) -> None:
    """Who did it: every principal (role sessions rolled up to their role), its kind,
    calls, errors and time span; on the store also its access keys and sessions; then how
    many events name no principal (text only)."""
    rows: list[dict[str, Any]]
    if choice.engine is Engine.DUCKDB:
        with open_store(store_path(db, demo=demo), read_only=True) as store:
            ((unattributed,),) = run_analysis(store, "unattributed")
            rows = [
                {
                    "principal": p.principal_arn,
                    "kind": p.kind.value,
                    "events": p.events,
                    "errors": p.errors,
                    "first_seen": _time(p.first_seen),
                    "last_seen": _time(p.last_seen),
                    "access_keys": list(p.access_keys),
                    "sessions": p.sessions,
                }
                for p in list_principals(store)
            ]
    else:
        rows = [
            {
                "principal": arn,
                "kind": kind,
                "events": events,
                "errors": errors,
                "first_seen": _time(first),
                "last_seen": _time(last),
            }
            for arn, kind, events, errors, first, last in _rows(choice, db, demo, "principals")
        ]
        ((unattributed,),) = _rows(choice, db, demo, "unattributed")
        if not rows and not unattributed:
            raise choice.no_events()
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, sort_keys=True))
        return
    for row in rows:
        keys = ", " + (", ".join(row["access_keys"]) or "no key") if "access_keys" in row else ""
        click.echo(
            f"{row['principal']} ({row['kind']}): {counted(row['events'], 'event')}, "
            f"{row['errors']:,} failed, {row['first_seen']} to {row['last_seen']}{keys}"
        )
    if unattributed:
        # events whose record names no principal are in no row above: counted, not lost
        click.echo(f"unattributed: {counted(unattributed, 'event')} (no principal in the record)")


@click.command("calls", epilog=_epilog("calls", ""))
@click.option("--principal", help="Only this principal's calls (ARN as CloudTrail names it).")
@DB_OPTION
@_DEMO_OPTION
@engine_options
@TEXT_OR_JSON
def calls_command(
    principal: str | None, db: Path | None, demo: bool, fmt: str, choice: EngineChoice
) -> None:
    """Each principal's successful calls by event source and name: how many, and the
    last (UTC)."""
    rows = [
        {
            "principal": arn,
            "event_source": source,
            "event_name": name,
            "calls": calls,
            "last_seen": _time(last),
        }
        for arn, source, name, calls, last in _rows(choice, db, demo, "calls")
        if principal is None or arn == principal
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, sort_keys=True))
        return
    for row in rows:
        click.echo(
            f"{row['principal']} {row['event_source']} {row['event_name']}: "
            f"{counted(row['calls'], 'call')}, last {row['last_seen']}"
        )


@click.command("access-keys", epilog=_epilog("access-keys", ""))
@DB_OPTION
@_DEMO_OPTION
@engine_options
@TEXT_OR_JSON
def access_keys_command(db: Path | None, demo: bool, fmt: str, choice: EngineChoice) -> None:
    """Each access key seen: its principal, how many calls it signed, and its last use
    (UTC)."""
    rows = [
        {"principal": arn, "access_key_id": key, "calls": calls, "last_used": _time(last)}
        for arn, key, calls, last in _rows(choice, db, demo, "access-keys")
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, sort_keys=True))
        return
    for row in rows:
        click.echo(
            f"{row['access_key_id']} ({row['principal']}): {counted(row['calls'], 'call')}, "
            f"last used {row['last_used']}"
        )
