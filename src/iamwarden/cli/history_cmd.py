"""`iamwarden history` (stored scans) and `iamwarden diff A B` (drift between two scans), and
the `--store` option `assess` shares with them"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from iamwarden.analysis import Assessment
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.cli.files import OUTPUT_FILE, write_text
from iamwarden.errors import InputError, StoreError, one_line
from iamwarden.fileio import read_json
from iamwarden.findings import Severity
from iamwarden.report.history import (
    DEFAULT_STORE_URL,
    ScanRecord,
    diff_scans,
    is_stored_ref,
    record_from_json,
    record_of,
    render_diff_json,
    render_diff_text,
    render_history_json,
    render_history_text,
)

if TYPE_CHECKING:
    from iamwarden.report.history.store import HistoryStore

__all__ = [
    "STORE_ENV",
    "assess_store_option",
    "check_store",
    "diff_command",
    "history_command",
    "store_assessments",
]

STORE_ENV = "IAMWARDEN_STORE"
"""The environment variable naming the store when `--store` gives no URL"""

_store_option = click.option(
    "--store",
    "store",
    metavar="URL",
    envvar=STORE_ENV,
    default=DEFAULT_STORE_URL,
    show_default=True,
    help="The history store: sqlite:///FILE, a SQLite file path, or "
    f"postgresql://USER@HOST:PORT/DB (extra [postgres]); default also from ${STORE_ENV}.",
)

assess_store_option = click.option(
    "--store",
    "store",
    metavar="[URL]",
    is_flag=False,
    flag_value="",
    default=None,
    help="Save the assessment (each account's, with --org) as a scan in the history store: "
    f"URL as for `iamwarden history`; alone, ${STORE_ENV} or {DEFAULT_STORE_URL}.",
)
"""`assess --store [URL]`: None when not given, "" when given without a URL"""


def _url(value: str) -> str:
    return value or os.environ.get(STORE_ENV) or DEFAULT_STORE_URL


def check_store(value: str) -> None:
    """Open (create or upgrade) the store of `assess --store` and check that it takes writes
    before any long work, so a bad URL, an unreachable, foreign or read-only database is one
    line before the assessment starts"""
    from iamwarden.report.history.store import open_store  # SQLAlchemy only when used

    with open_store(_url(value), write=True):
        pass


def store_assessments(value: str, assessments: list[Assessment]) -> None:
    """Save each assessment as one scan of the store `assess --store` names, and say so on
    stderr"""
    from iamwarden.report.history.store import open_store

    with open_store(_url(value), write=True) as store:
        for assessment in assessments:
            scan_id = store.save(record_of(assessment), stored_at=datetime.now(UTC))
            click.echo(
                f"stored scan {scan_id} of account {assessment.account_id} in {store.shown}",
                err=True,
            )


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text(output, text)
        click.echo(f"wrote {output}", err=True)


_FORMAT = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json (schema_version 1) for tools.",
)
_OUTPUT = click.option(
    "--output", "-o", type=OUTPUT_FILE, help="Write to this file instead of stdout."
)


@click.command(
    "history",
    epilog="""\b
Examples:
  iamwarden history
  iamwarden history --account 123456789012 --format json
  iamwarden history --store postgresql://iamwarden@db.internal:5432/iamwarden
  iamwarden history --limit 5

\b
Reading creates, migrates and writes nothing: a missing SQLite file or an empty database
lists no scan.

\b
Exit codes:
  0  done (an empty or missing store lists nothing)
  2  bad usage, a bad store URL, an unreadable store, a database of something else, or
     --account naming an account the store holds no scan of (one line on stderr)
""",
)
@_store_option
@click.option("--account", metavar="ID", help="Only the scans of this AWS account id.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Only the N newest scans (listed oldest first); default all.",
)
@_FORMAT
@_OUTPUT
def history_command(
    store: str, account: str | None, limit: int | None, output_format: str, output: Path | None
) -> None:
    """List the scans saved by `assess --store`, oldest first: id, date, account, FAIL
    findings by severity and the score of each framework."""
    from iamwarden.report.history.store import open_store

    with open_store(store) as opened:
        summaries = opened.scans(account=account, limit=limit)
        if account is not None and not summaries and not opened.is_empty:
            stored = ", ".join(opened.accounts())
            raise StoreError(
                f"store `{opened.shown}`: no scan of account {one_line(account)} "
                f"(accounts stored: {stored})"
            )
    render = render_history_json if output_format == "json" else render_history_text
    _emit(render(summaries), output)


def _record(ref: str, store: HistoryStore | None, account: str | None) -> ScanRecord:
    if store is not None and is_stored_ref(ref):
        return store.resolve(ref, account=account)
    return record_from_json(read_json(Path(ref)), path=ref)


def _when(record: ScanRecord, label: str) -> str:
    scan = f"scan {record.scan_id}" if record.scan_id is not None else one_line(label)
    return f"{scan}, {record.assessed_at:%Y-%m-%d %H:%M:%S} UTC"


def _fail_on(value: str | None) -> Severity | None:
    return Severity(value.lower()) if value is not None else None


@click.command(
    "diff",
    epilog="""\b
A and B are each a scan id (see `iamwarden history`), `latest`, `previous`, an ISO 8601
date (the latest scan on or before that day, UTC) or date-time, or a JSON report written by
`iamwarden assess --format json` (./FILE forces a file). Findings match by stable id.
  new        FAIL in B; MUTED in A (suppression ended), or absent or NOT_ASSESSED in A and
             never FAIL in a stored scan of the account on or before A
  regressed  FAIL in B; PASS in A, or absent or NOT_ASSESSED in A and FAIL in a stored
             scan on or before A (fixed, then back)
  resolved   FAIL in A; PASS in B, or gone from B while B ran its check on the account
  muted      FAIL in A, MUTED in B (suppressed, not fixed)
  not assessed  FAIL in A; NOT_ASSESSED in B, or gone from B where its check did not run
             on the whole account (a data set it needs was missing): never a resolution
A score that moves while B assessed fewer requirements (NOT_ASSESSED or MUTED) gets a `!`
line (JSON: fewer_assessed). A newer than B is compared as given, with a warning on stderr.

\b
Examples:
  iamwarden diff previous latest
  iamwarden diff 2026-11-01 latest --account 123456789012
  iamwarden diff 12 15 --format json --output drift.json
  iamwarden diff last-week.json this-week.json --fail-on-new high

\b
Exit codes:
  0  done; no new or regressed FAIL finding at or above --fail-on-new (always 0 without it)
  1  a new or regressed FAIL finding at or above --fail-on-new
  2  bad usage, a bad store URL, an unknown scan, an unreadable file (one line on stderr)
""",
)
@click.argument("before", metavar="A")
@click.argument("after", metavar="B")
@_store_option
@click.option(
    "--account",
    metavar="ID",
    help="The account whose scans dates, latest and previous name (needed when the store "
    "holds several).",
)
@click.option(
    "--fail-on-new",
    type=click.Choice([s.value for s in Severity], case_sensitive=False),
    help="Exit 1 when a new or regressed finding is at or above this severity.",
)
@_FORMAT
@_OUTPUT
def diff_command(
    before: str,
    after: str,
    store: str,
    account: str | None,
    fail_on_new: str | None,
    output_format: str,
    output: Path | None,
) -> None:
    """Show what changed from scan A to scan B: new, regressed and resolved findings and
    the score change of each framework."""
    if is_stored_ref(before) or is_stored_ref(after):
        from iamwarden.report.history.store import open_store

        with open_store(store) as opened:
            old = _record(before, opened, account)
            new = _record(after, opened, account)
            failed_earlier = opened.failed_until(old)
    else:
        old, new = _record(before, None, account), _record(after, None, account)
        failed_earlier = frozenset()
    if old.account_id != new.account_id:
        raise InputError(
            f"A is of account {old.account_id} and B of account {new.account_id}: "
            "compare scans of one account",
            path=after,
        )
    if old.assessed_at > new.assessed_at:
        click.echo(
            f"warning: A ({_when(old, before)}) is newer than B ({_when(new, after)}): "
            "the changes shown go back in time (give the older scan first)",
            err=True,
        )
    drift = diff_scans(old, new, failed_earlier=failed_earlier)
    render = render_diff_json if output_format == "json" else render_diff_text
    _emit(render(drift, before_label=before, after_label=after), output)
    threshold, worst = _fail_on(fail_on_new), drift.worst_new()
    if threshold is not None and worst is not None and worst.at_least(threshold):
        sys.exit(ExitCode.FINDINGS)
