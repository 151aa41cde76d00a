"""`iamwarden activity …`: CloudTrail into an activity store, and the least-privilege
questions asked of it"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click

from iamwarden.activity import (
    IngestOptions,
    IngestProgress,
    IngestReport,
    find_files,
    ingest_files,
    open_store,
)
from iamwarden.analysis.evidence import counted
from iamwarden.errors import InputError

__all__ = ["activity"]

_DEFAULT_DB = Path("activity.duckdb")


@click.group(
    "activity",
    epilog="""\b
Examples:
  iamwarden activity ingest AWSLogs/ --db trail.duckdb
  iamwarden activity generate --demo --principal arn:aws:iam::210987654321:role/dev-role-01

\b
Exit codes:
  0  done
  1  replay: a recorded call would be denied
  2  bad usage or bad input (one line on stderr)
""",
)
def activity() -> None:
    """Least privilege from CloudTrail: ingest events, see who did what, generate policies
    verified by the engine, and replay a proposed policy against recorded activity."""


def _time(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"`{text}` is not a time (such as 2026-01-31 or 2026-01-31T12:00:00Z)",
            location=option,
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


@contextmanager
def _progress(*, quiet: bool) -> Iterator[Callable[[IngestProgress], None]]:
    """Rich bar (files, events, events/s) on a terminal; plain lines under CI or --quiet"""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        state = {"last": -1.0}

        def plain(step: IngestProgress) -> None:
            finished = step.files_done == step.files_total
            if finished or step.elapsed - state["last"] >= 5.0:
                state["last"] = step.elapsed
                rate = step.events / step.elapsed if step.elapsed > 0 else 0.0
                click.echo(
                    f"ingest: {step.files_done}/{step.files_total} files, "
                    f"{step.events} events, {rate:,.0f} events/s",
                    err=True,
                )

        yield plain
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files, {task.fields[events]:,} events, {task.fields[rate]:,.0f} events/s"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
    with bars:
        task = bars.add_task("ingest", total=None, events=0, rate=0.0)

        def rich(step: IngestProgress) -> None:
            rate = step.events / step.elapsed if step.elapsed > 0 else 0.0
            bars.update(
                task,
                total=step.files_total,
                completed=step.files_done,
                events=step.events,
                rate=rate,
            )

        yield rich


def _summary(found: IngestReport) -> list[str]:
    lines = [
        f"ingested {counted(found.files, 'file')}, {counted(found.events, 'event')} "
        f"in {found.seconds:.1f} s; {counted(found.unchanged, 'file')} already ingested"
    ]
    if found.outside_window:
        lines.append(f"left out {counted(found.outside_window, 'event')} outside --since/--until")
    if found.files_failed:
        lines.append(f"skipped {counted(found.files_failed, 'file')} whole:")
        lines.extend(f"  {p}" for p in found.problems if not p.count)
    skipped = found.records_skipped
    if skipped:
        lines.append(f"skipped {counted(sum(skipped.values()), 'record')}:")
        lines.extend(f"  {count} {reason}" for reason, count in sorted(skipped.items()))
        lines.extend(f"  {p}" for p in found.problems if p.count)
    return lines


@activity.command(
    "ingest",
    epilog="""\b
Examples:
  iamwarden activity ingest AWSLogs/ --db trail.duckdb
  iamwarden activity ingest events.jsonl export.json.gz --since 2026-01-01
  iamwarden activity ingest s3://my-trail-bucket/AWSLogs/123456789012/ --db trail.duckdb

\b
Exit codes:
  0  done (files or records skipped are listed with their reasons)
  2  bad usage or bad input: a path that does not exist, a database that is not a store
""",
)
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=_DEFAULT_DB,
    show_default=True,
    help="The activity store (a DuckDB file), created if missing.",
)
@click.option("--since", help="Keep events at or after this time (ISO 8601, UTC if no offset).")
@click.option("--until", help="Keep events before this time (ISO 8601, UTC if no offset).")
@click.option("--quiet", is_flag=True, help="Plain progress lines instead of a progress bar.")
def ingest_command(
    paths: tuple[str, ...], db: Path, since: str | None, until: str | None, quiet: bool
) -> None:
    """Ingest CloudTrail PATHS (files, directories in CloudTrail's layout, or s3:// URLs):
    {"Records": [...]} files, JSON arrays and JSON lines, gzip or not. Files already ingested
    (same path and size) are skipped; bad files and records are counted and listed."""
    options = IngestOptions(since=_time(since, "--since"), until=_time(until, "--until"))
    from iamwarden.activity.s3 import s3_files

    with (
        open_store(db) as store,
        _progress(quiet=quiet) as progress,
        s3_files([p for p in paths if p.startswith("s3://")]) as remote,
    ):
        local = list(find_files([Path(p) for p in paths if not p.startswith("s3://")]))
        found = ingest_files(store, [*local, *remote], options=options, progress=progress)
    for line in _summary(found):
        click.echo(line)
