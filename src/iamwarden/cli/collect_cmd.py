"""`iamwarden collect`: read a live account (or a whole Organization) into snapshot files.

Also owns the progress display of live collection: rich bars per account and service on a
terminal, plain log lines on stderr under CI (env `CI`) or with `--quiet`.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from iamwarden.aws import (
    INDEX_NAME,
    ProgressEvent,
    ProgressKind,
    collect_account,
    collect_organization,
    open_access,
)
from iamwarden.aws.calls import Progress
from iamwarden.cli.sources import live_options, live_request
from iamwarden.snapshot import Snapshot, dump_snapshot

__all__ = ["collect", "collect_live", "live_progress"]


class _PlainProgress:
    """One stderr line per account start and end, finished service, and gap"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._planned: dict[tuple[str, str], int] = {}
        self._done: dict[tuple[str, str], int] = {}
        self._calls: dict[tuple[str, str], int] = {}

    def __call__(self, event: ProgressEvent) -> None:
        key = (event.account, event.service)
        line = ""
        with self._lock:
            if event.kind is ProgressKind.PLANNED:
                self._planned[key] = self._planned.get(key, 0) + event.count
            elif event.kind is ProgressKind.CALL:
                self._calls[key] = self._calls.get(key, 0) + 1
            elif event.kind is ProgressKind.TASK_FINISHED:
                self._done[key] = self._done.get(key, 0) + 1
                if self._done[key] == self._planned.get(key):
                    line = (
                        f"{event.account} {event.service}: {self._done[key]} tasks, "
                        f"{self._calls.get(key, 0)} calls"
                    )
            elif event.kind is ProgressKind.GAP:
                line = f"{event.account} {event.service} {event.region}: gap: {event.detail}"
            elif event.kind is ProgressKind.ACCOUNT_STARTED:
                line = f"{event.account}: collecting"
            elif event.kind is ProgressKind.ACCOUNT_FINISHED:
                line = f"{event.account}: done, {event.count} gaps"
            if line:
                click.echo(line.rstrip(), err=True)


@contextmanager
def _rich_progress() -> Iterator[Progress]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import (
        Progress as Bars,
    )

    bars = Bars(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[calls]} calls"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    lock = threading.Lock()
    tasks: dict[tuple[str, str], TaskID] = {}
    planned: dict[TaskID, int] = {}
    calls: dict[TaskID, int] = {}

    def report(event: ProgressEvent) -> None:
        if not event.service:
            return
        key = (event.account, event.service)
        with lock:
            if key not in tasks:
                tasks[key] = bars.add_task(f"{event.account} {event.service}", total=0, calls=0)
            task_id = tasks[key]
            if event.kind is ProgressKind.PLANNED:
                planned[task_id] = planned.get(task_id, 0) + event.count
                bars.update(task_id, total=planned[task_id])
            elif event.kind is ProgressKind.TASK_FINISHED:
                bars.advance(task_id)
            elif event.kind is ProgressKind.CALL:
                calls[task_id] = calls.get(task_id, 0) + 1
                bars.update(task_id, calls=calls[task_id])

    with bars:
        yield report


@contextmanager
def live_progress(*, quiet: bool) -> Iterator[Progress]:
    """The progress sink for a live collection: rich bars on a terminal, else plain lines"""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        yield _PlainProgress()
    else:
        with _rich_progress() as report:
            yield report


def collect_live(*, quiet: bool = False) -> Snapshot:
    """Collect the account named by the live options of the current command"""
    target, options = live_request()
    with live_progress(quiet=quiet) as progress:
        access = open_access(target, home_region=options.home_region)
        return collect_account(access, options=options, progress=progress).snapshot


@click.command()
@live_options
@click.option(
    "--org",
    "is_org",
    is_flag=True,
    help="Collect every account of the Organization (needs --role-name).",
)
@click.option("--role-name", help="The role to assume in each member account (with --org).")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(path_type=Path),
    help="Snapshot file (.json/.json.gz), or a directory with --org.",
)
@click.option("--sequential", is_flag=True, help="One call at a time (for comparison).")
@click.option(
    "--max-workers",
    type=click.IntRange(1, 64),
    default=16,
    show_default=True,
    help="Concurrent calls per account.",
)
@click.option(
    "--max-accounts",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Accounts collected at the same time (with --org).",
)
@click.option("--quiet", "-q", is_flag=True, help="Plain log lines instead of progress bars.")
def collect(
    is_org: bool,
    role_name: str | None,
    output: Path,
    sequential: bool,
    max_workers: int,
    max_accounts: int,
    quiet: bool,
) -> None:
    """Collect a live account (or, with --org, every account) into snapshot files."""
    target, options = live_request(
        max_workers=1 if sequential else max_workers, max_accounts=1 if sequential else max_accounts
    )
    if is_org and not role_name:
        raise click.UsageError("--org needs --role-name NAME")
    if role_name and not is_org:
        raise click.UsageError("--role-name only goes with --org")
    with live_progress(quiet=quiet) as progress:
        access = open_access(target, home_region=options.home_region)
        if is_org:
            assert role_name is not None
            index = collect_organization(
                access,
                role_name=role_name,
                out_dir=output,
                external_id=target.external_id,
                options=options,
                progress=progress,
            )
        else:
            collection = collect_account(access, options=options, progress=progress)
    if is_org:
        failed = sum(1 for a in index.accounts if a.error)
        click.echo(
            f"wrote {len(index.accounts)} account snapshots and {output / INDEX_NAME}"
            f" ({failed} accounts failed)",
            err=True,
        )
        return
    snapshot = collection.snapshot
    dump_snapshot(snapshot, output)
    stats = collection.stats
    click.echo(
        f"wrote {output} ({len(snapshot.users)} users, {len(snapshot.roles)} roles, "
        f"{len(snapshot.resource_policies)} resource policies; {stats.calls} calls, "
        f"{stats.retries} retries, {len(snapshot.gaps)} gaps, {stats.seconds:.1f}s)",
        err=True,
    )
