"""The progress display of live collection: rich bars per account and service on a
terminal, plain log lines on stderr under CI (env `CI`) or with `--quiet`"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click

from iamwarden.analysis.evidence import counted
from iamwarden.aws import ProgressEvent, ProgressKind
from iamwarden.aws.calls import Progress

__all__ = ["live_progress"]


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
                        f"{event.account} {event.service}: {counted(self._done[key], 'task')}, "
                        f"{counted(self._calls.get(key, 0), 'call')}"
                    )
            elif event.kind is ProgressKind.GAP:
                line = f"{event.account} {event.service} {event.region}: gap: {event.detail}"
            elif event.kind is ProgressKind.ACCOUNT_STARTED:
                line = f"{event.account}: collecting"
            elif event.kind is ProgressKind.ACCOUNT_FINISHED:
                line = f"{event.account}: done, {counted(event.count, 'gap')}"
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
