"""The activity store: one DuckDB database file holding the `events` table and the list of
files ingested (path, size), opened and checked here

This module owns the connection and the schema's version; it reads no CloudTrail files
(`activity.ingest` does) and decides nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from iamwarden.activity.schema import SCHEMA_VERSION, create_tables_sql
from iamwarden.errors import InputError

__all__ = ["ActivityStore", "in_use_error", "open_store"]


class ActivityStore:
    """An open activity store; `connection` is the DuckDB connection (UTC session time zone)"""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path | None) -> None:
        self.connection = connection
        self.path = path

    def event_count(self) -> int:
        """How many events the store holds"""
        row = self.connection.execute("SELECT count(*) FROM events").fetchone()
        return int(row[0]) if row else 0


@contextmanager
def open_store(path: Path | None, *, read_only: bool = False) -> Iterator[ActivityStore]:
    """Open (creating unless `read_only`) the store at `path`; `None` opens one in memory

    Raises:
        InputError: the file is not a DuckDB database, is of another schema version, is in
            use by another process (`in_use_error`), or (`read_only`) does not exist.
    """
    shown = str(path) if path is not None else ":memory:"
    if path is not None and read_only and not path.is_file():
        raise InputError(
            "no such activity store (run `iamwarden activity ingest` first)", path=shown
        )
    if path is not None and path.is_file() and path.stat().st_size and not _is_duckdb(path):
        raise InputError("not an activity store (not a DuckDB database file)", path=shown)
    try:
        connection = duckdb.connect(str(path) if path else ":memory:", read_only=read_only)
    except duckdb.Error as error:
        raise in_use_error(error, shown) or InputError(
            f"not an activity store: {_first_line(error)}", path=shown
        ) from None
    try:
        connection.execute("SET TimeZone = 'UTC'")
        # the library never prints: DuckDB's own progress bar would write to stdout
        connection.execute("SET enable_progress_bar = false")
        if not read_only:
            connection.execute(create_tables_sql())
            connection.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                [str(SCHEMA_VERSION)],
            )
            try:
                connection.execute("CHECKPOINT")
            except duckdb.Error as error:
                # a second process opening a new store at once fails on the write-ahead log's lock
                raise in_use_error(error, shown) or error from None
            if path is not None and not _is_duckdb(path):
                # DuckDB reads some names (`x.json`) as other formats, never as a file of its own
                raise InputError(
                    "DuckDB does not keep a database in a file of this name (use .duckdb)",
                    path=shown,
                )
        try:
            row = connection.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
        except duckdb.Error:
            row = None
        if row is None or row[0] != str(SCHEMA_VERSION):
            found = row[0] if row else "none"
            raise InputError(
                f"activity store schema version {found}, expected {SCHEMA_VERSION}", path=shown
            )
        yield ActivityStore(connection, path)
    finally:
        connection.close()


_LOCKED = "Could not set lock on file"
_PID = re.compile(r"\(PID (\d+)\)")


def in_use_error(error: duckdb.Error, path: str) -> InputError | None:
    """The one-line error for DuckDB's `error` when it is a lock another process holds on
    the store (or its write-ahead log) at `path`, naming that process when DuckDB does;
    None for any other error"""
    text = str(error)
    if _LOCKED not in text:
        return None
    pid = _PID.search(text)
    by = f" (PID {pid.group(1)})" if pid else ""
    return InputError(f"the store is in use by another process{by}", path=path)


def _is_duckdb(path: Path) -> bool:
    """Whether the file carries DuckDB's magic bytes (`DUCK` at offset 8)"""
    try:
        with path.open("rb") as raw:
            return raw.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
