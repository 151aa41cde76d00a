"""The progress display of `iamwarden assess` on large accounts: the import, the reading of
every policy document and each check, as rich bars on a terminal, plain log lines on stderr
under CI (env `CI`), with `--quiet` or when stderr is not a terminal

Small accounts (fewer than `LARGE` users, roles and managed policies) show nothing: they are
assessed in a moment. The library only reports `AssessProgress` events; this module draws.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from iamwarden.analysis import AssessProgress, AssessStage
from iamwarden.snapshot import Snapshot
from iamwarden.text import counted

__all__ = ["LARGE", "AssessDisplay", "assess_display", "importing"]

LARGE = 2_000
"""Users, roles and managed policies from which an assessment shows its progress"""

_NOUNS = {AssessStage.POLICIES: ("document", "documents"), AssessStage.CHECKS: ("check", "checks")}


def _size(snapshot: Snapshot) -> int:
    return len(snapshot.users) + len(snapshot.roles) + len(snapshot.policies)


class AssessDisplay:
    """Draws one assessment's progress; `sink` is what `AssessOptions.progress` takes"""

    def __init__(self, *, bars: Any = None) -> None:
        """Rich `bars` on a terminal; without them, plain log lines on stderr"""
        self._bars = bars
        self._tasks: dict[AssessStage, Any] = {}
        self._started: dict[AssessStage, float] = {}

    def imported(self, snapshot: Snapshot, seconds: float) -> Callable[[AssessProgress], None]:
        """Announce the imported account; the sink for `assess`"""
        line = (
            f"import: {counted(len(snapshot.roles), 'role', 'roles')}, "
            f"{counted(len(snapshot.users), 'user', 'users')}, "
            f"{counted(len(snapshot.groups), 'group', 'groups')}, "
            f"{counted(len(snapshot.policies), 'managed policy', 'managed policies')} "
            f"({seconds:.1f} s)"
        )
        if self._bars is not None:
            self._bars.console.print(line, highlight=False)
        else:
            click.echo(line, err=True)
        return self.sink

    def sink(self, event: AssessProgress) -> None:
        """Show one event: a plain line per stage start and end and per check, or a bar"""
        stage = event.stage
        label = stage.value
        noun, plural = _NOUNS[stage]
        if event.done == 0:
            self._started[stage] = time.perf_counter()
        elapsed = time.perf_counter() - self._started.get(stage, time.perf_counter())
        if self._bars is not None:
            task = self._tasks.get(stage)
            if task is None:
                task = self._tasks[stage] = self._bars.add_task(label, total=event.total)
            detail = f"{label} {event.detail}".rstrip()
            self._bars.update(task, completed=event.done, total=event.total, description=detail)
            return
        if event.done == 0:
            line = f"{label}: {counted(event.total, noun, plural)} to go"
        elif event.detail:
            line = f"{label}: {event.done:,}/{event.total:,} {event.detail} ({elapsed:.1f} s)"
        else:
            line = f"{label}: {counted(event.done, noun, plural)} done ({elapsed:.1f} s)"
        click.echo(line, err=True)


def _is_plain(quiet: bool) -> bool:
    return quiet or bool(os.environ.get("CI")) or not sys.stderr.isatty()


@contextmanager
def importing(*, quiet: bool) -> Iterator[None]:
    """A transient spinner while the account is read, on a terminal only"""
    if _is_plain(quiet):
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status("import: reading the account"):
        yield


@contextmanager
def assess_display(
    snapshot: Snapshot, import_seconds: float, *, quiet: bool
) -> Iterator[Callable[[AssessProgress], None] | None]:
    """The progress sink for assessing `snapshot` (None for a small account), after a line
    on the import: rich bars on a terminal, plain lines under CI, `--quiet` or a
    redirected stderr"""
    if _size(snapshot) < LARGE:
        yield None
        return
    if _is_plain(quiet):
        yield AssessDisplay().imported(snapshot, import_seconds)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    with bars:
        yield AssessDisplay(bars=bars).imported(snapshot, import_seconds)
