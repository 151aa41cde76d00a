"""Ingestion: CloudTrail files into the activity store, incrementally and one file at a time
whole or not at all

DuckDB reads every file (gzip included), shapes each record to an explicit structure
(`schema.RECORD_STRUCTURE`) and inserts it, in one statement per batch of files of one layout
and one transaction. When a batch fails, the file DuckDB's error names is set aside and the
others go on together (each file alone when none is named), so a corrupt gzip or truncated
JSON costs only its own file, which is reported with the reason. Records without an
eventTime, eventSource or eventName are skipped and counted by file and reason. A file
already ingested with the same size is skipped; one whose size changed replaces its earlier
events.

The same event delivered twice (an organization trail and an account trail both logging it,
or a file copied under another name) is stored once: a record whose eventID,
recipientAccountId and eventTime are those of a stored event, or of an earlier record of the
batch, is skipped as a duplicate and counted (CloudTrail User Guide, "CloudTrail record
contents": eventID is the GUID CloudTrail generates for each event). Records without an
eventID are all kept. The store records which file each skipped duplicate repeated
(`duplicate_files`): when that file is replaced, the files that repeated it (and, in turn,
those that repeated them) are read again whole in the same run, after it, so an event whose
stored copy went with the replaced file is stored again from its other file; one that cannot
be read (gone, an `s3://` object not listed) is reported and marked `partial`.

This module writes only through the store it is given and never prints: progress goes to a
callback.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from iamwarden.activity.principals import attribution_sql
from iamwarden.activity.schema import EVENT_COLUMNS, RECORD_STRUCTURE, record_type
from iamwarden.activity.sources import CloudTrailFile, Layout, is_s3_url, sniff_layout
from iamwarden.activity.store import ActivityStore, in_use_error
from iamwarden.errors import InputError

__all__ = [
    "DUPLICATE",
    "REREAD",
    "IngestOptions",
    "IngestProblem",
    "IngestProgress",
    "IngestReport",
    "ingest_files",
]

_BATCH_FILES = 256
_BATCH_BYTES = 128 * 1024 * 1024
"""A batch's size: at most 256 files and 128 MiB as stored (1 M events in files of 2,000: 15.1
CPU s in batches of 256 files, 17.5 in batches of 64, whose 8 commits took 3.6 of them)"""
_MEMORY_LIMIT = 512 * 1024 * 1024
"""DuckDB's memory limit while ingesting (raised to 4 times a batch's object size limit for
very large files): the store's blocks already written are evicted rather than kept (without
it the buffer pool grew with the store, 807 MiB at 1 M events)"""
_MIN_OBJECT_BYTES = 16 * 1024 * 1024
_MAX_OBJECT_BYTES = 512 * 1024 * 1024
_DEFLATE_RATIO = 1032
"""Deflate's largest expansion: a trailer promising more is corrupt (the read then says so)"""


def _object_limit(files: Sequence[CloudTrailFile], compressed: bool) -> int:
    """DuckDB's `maximum_object_size` for a batch: twice its largest file's decompressed size
    (gzip's ISIZE trailer, RFC 1952 §2.3.1, the size modulo 2^32), at least 16 MiB and at
    most 512 MiB

    DuckDB allocates a buffer of that size per file read, so a limit far above the files'
    size costs CPU time on every file (512 MiB took a third more than 16 MiB on 2 MiB files).
    """
    largest = 0
    for found in files:
        size = found.size
        if compressed:
            try:
                with found.local.open("rb") as raw:
                    raw.seek(-4, 2)
                    claimed = int.from_bytes(raw.read(4), "little")
                if claimed <= _DEFLATE_RATIO * found.size:
                    size = max(size, claimed)
            except OSError:
                size = _MAX_OBJECT_BYTES
        largest = max(largest, size)
    return min(_MAX_OBJECT_BYTES, max(_MIN_OBJECT_BYTES, 2 * largest))


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestOptions:
    """What to keep: events at or after `since` and before `until` (naive UTC), all if None

    Raises:
        InputError: `since` is not before `until` (a window no event is in).
    """

    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise InputError(
                f"--since {self.since:%Y-%m-%dT%H:%M:%S} is not before --until "
                f"{self.until:%Y-%m-%dT%H:%M:%S}: no event is in that window"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestProblem:
    """Records (or a whole file, `count` 0) left out of the store, and why"""

    file: str
    reason: str
    count: int = 0

    def __str__(self) -> str:
        if self.count:
            plural = "s" if self.count != 1 else ""
            return f"{self.file}: {self.count} record{plural} skipped: {self.reason}"
        return f"{self.file}: file skipped: {self.reason}"


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestProgress:
    """Where an ingestion is: files done of the total, events stored so far, seconds spent"""

    files_done: int
    files_total: int
    events: int
    elapsed: float


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestReport:
    """The outcome of one ingestion

    `files` ingested now (once each, also when read again for the events of a replaced
    file), `unchanged` skipped as already ingested (same path and size), `events` stored
    (by every read), `outside_window` records left out by `--since`/`--until`, `problems`
    the files and records left out with their reasons (sorted by file).
    """

    files: int
    unchanged: int
    events: int
    outside_window: int
    problems: tuple[IngestProblem, ...] = field(default=())
    seconds: float = 0.0

    @property
    def files_failed(self) -> int:
        """Files left out whole"""
        return sum(1 for p in self.problems if not p.count)

    @property
    def records_skipped(self) -> Counter[str]:
        """Records skipped, counted by reason"""
        counts: Counter[str] = Counter()
        for problem in self.problems:
            if problem.count:
                counts[problem.reason] += problem.count
        return counts


def _reader_sql(
    layout: Layout, compressed: bool, *, lenient: bool, limit: int, marked: bool = False
) -> str:
    """A SELECT of (file_index, r) with one row per record, over the file list parameter $files
    (`file_index` the position of the record's file in that list, from 0)

    The fast path (`lenient` False, `{"Records": [...]}` files) has `read_json` parse each
    file straight into the record structure, in C++ on every thread; it fails a file whose
    records do not have the structure's shapes (a string where an object belongs). The lenient
    path reads each file's JSON values (`read_json_objects`) and `json_transform` shapes them,
    turning a value of the wrong shape into NULL fields, so one odd record never costs its file.
    JSON lines after a UTF-8 byte order mark (`marked`), which DuckDB's line reader refuses,
    are read as a sequence of JSON values (format `unstructured`).
    """
    compression = "gzip" if compressed else "none"
    if layout is Layout.RECORDS and not lenient:
        records = f"{record_type()}[]".replace("'", "''")
        return (
            "SELECT file_index, unnest(Records) AS r FROM "
            f"read_json($files, format = 'auto', records = true, compression = '{compression}', "
            f"columns = {{'Records': '{records}'}}, "
            f"maximum_object_size = {limit})"
        )
    structure = json.dumps(RECORD_STRUCTURE).replace("'", "''")
    json_format = {
        Layout.RECORDS: "unstructured",
        Layout.ARRAY: "array",
        Layout.LINES: "unstructured" if marked else "newline_delimited",
    }[layout]
    source = (
        f"read_json_objects($files, format = '{json_format}', compression = '{compression}', "
        f"maximum_object_size = {limit})"
    )
    if layout is Layout.RECORDS:
        return (
            f"SELECT file_index, unnest(json_transform(json_extract(json, '$.Records'), "
            f"'[{structure}]')) AS r FROM {source}"
        )
    return f"SELECT file_index, json_transform(json, '{structure}') AS r FROM {source}"


def _select_sql() -> str:
    """Expressions over a staged record `r` for every column of `events` but `file_id`"""
    who = attribution_sql("r")
    ident = "r.userIdentity"
    values = {
        "event_id": "r.eventID",
        "event_time": "event_time",
        "event_source": "r.eventSource",
        "event_name": "r.eventName",
        "aws_region": "r.awsRegion",
        "source_ip_address": "r.sourceIPAddress",
        "user_agent": "r.userAgent",
        "error_code": "r.errorCode",
        "error_message": "r.errorMessage",
        "read_only": "TRY_CAST(r.readOnly AS BOOLEAN)",
        "event_type": "r.eventType",
        "recipient_account_id": "r.recipientAccountId",
        "access_key_id": f"{ident}.accessKeyId",
        "identity_type": f"{ident}.type",
        "identity_arn": f"{ident}.arn",
        "principal_id": f"{ident}.principalId",
        "identity_account_id": f"{ident}.accountId",
        "session_issuer_arn": f"{ident}.sessionContext.sessionIssuer.arn",
        "invoked_by": f"{ident}.invokedBy",
        "request_parameters": "r.requestParameters",
        "response_elements": "r.responseElements",
        "resources": "r.resources",
        "additional_event_data": "r.additionalEventData",
        **who,
    }
    return ", ".join(f"{values[name]} AS {name}" for name in EVENT_COLUMNS if name != "file_id")


_REASONS = (
    ("r IS NULL", "not a record (null)"),
    ("r.eventTime IS NULL", "missing eventTime"),
    ("event_time IS NULL", "eventTime is not a time"),
    ("r.eventSource IS NULL", "missing eventSource"),
    ("r.eventName IS NULL", "missing eventName"),
)
"""Why a record is skipped: (condition, reason) of codes 1 to 5, the first that holds wins"""
_OUTSIDE = len(_REASONS) + 1
"""The code of a record left out by `--since`/`--until`"""
_CODES = 8
"""A record not kept is inserted as a marker row whose `file_id` is -(file_id * 8 + code)"""


def _code_sql(window: str) -> str:
    """0 for a record to keep, else its code (`_REASONS`, `_OUTSIDE`)"""
    reasons = " ".join(f"WHEN {test} THEN {code}" for code, (test, _) in enumerate(_REASONS, 1))
    return f"CASE {reasons} WHEN NOT ({window}) THEN {_OUTSIDE} ELSE 0 END"


DUPLICATE = "duplicate (eventID, recipientAccountId and eventTime of an event already stored)"
"""The skip reason of a record that repeats an event"""

_DUPLICATES_SQL = """CREATE OR REPLACE TEMP TABLE duplicates AS
SELECT b.* FROM (
    SELECT rowid AS row_id, file_id, event_id, event_time, recipient_account_id FROM events
    WHERE file_id BETWEEN $first AND $last AND event_id IS NOT NULL
) b SEMI JOIN (
    SELECT rowid AS row_id, file_id, event_id, event_time, recipient_account_id FROM events
    WHERE event_time BETWEEN $earliest AND $latest AND file_id > 0
) e ON e.event_id = b.event_id AND e.event_time = b.event_time
    AND e.recipient_account_id IS NOT DISTINCT FROM b.recipient_account_id
    AND (e.file_id < b.file_id OR (e.file_id = b.file_id AND e.row_id < b.row_id))"""
"""The batch's rows (file ids `first` to `last`) repeating a stored event or an earlier row of
the batch; the time span of the batch lets the scan of the stored events skip the row groups
whose event_time range lies outside it (zone maps). A semi join: as a correlated EXISTS it took
2.5 times the CPU time (DuckDB grouped the batch's rows by every correlated column)"""

_REPEATED_SQL = """INSERT INTO duplicate_files
SELECT file_id, of_file_id, count(*) FROM (
    SELECT d.row_id, any_value(d.file_id) AS file_id, min(e.file_id) AS of_file_id
    FROM duplicates d JOIN (
        SELECT file_id, event_id, event_time, recipient_account_id FROM events
        WHERE event_time BETWEEN $earliest AND $latest AND file_id > 0
    ) e ON e.event_id = d.event_id AND e.event_time = d.event_time
        AND e.recipient_account_id IS NOT DISTINCT FROM d.recipient_account_id
        AND e.file_id < d.file_id
    GROUP BY d.row_id
) GROUP BY ALL"""
"""The files whose stored events the batch's duplicates repeat, counted by (file, file
repeated): the stored copy is the one of the lowest file id (a record repeating only an
earlier record of its own file is not counted); run only when there are duplicates"""

REREAD = "holds events of a replaced file: read it again"
"""The problem of a file holding the only other copy of events of a replaced file, which
could not be read again (it is marked `partial`, so the next ingestion reads it)"""


def _classify(error: duckdb.Error) -> str:
    """A one-line reason from DuckDB's error (corrupt gzip, malformed JSON, a bad shape)"""
    text = " ".join(str(error).split())
    text = text.split("Error: ", 1)[-1] if "Error: " in text else text
    text = text.split(" LINE ", 1)[0]
    lowered = text.lower()
    if "gzip" in lowered or "zlib" in lowered or "decompress" in lowered:
        return f"corrupt gzip ({text})"
    if "malformed json" in lowered:
        detail = text.split('", ', 1)[-1] if '", ' in text else text
        return f"malformed JSON: {detail.rstrip('. ')}"
    return text.rstrip(". ")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Loaded:
    """What a committed batch did: `events` stored, `outside` the window, record `problems`,
    and the paths of the files (none of the batch) that repeated events of the files it
    replaced (`dependents`, marked `partial` in its transaction)"""

    events: int
    outside: int
    problems: list[IngestProblem]
    dependents: list[str]


class _Batch:
    """Files of one layout ingested in one transaction"""

    def __init__(self, layout: Layout, compressed: bool) -> None:
        self.layout = layout
        self.compressed = compressed
        self.files: list[CloudTrailFile] = []
        self.bytes = 0


def _window_sql(options: IngestOptions) -> tuple[str, dict[str, datetime]]:
    """A condition on `event_time` for `--since`/`--until`, with its named parameters"""
    clauses, params = [], {}
    if options.since is not None:
        clauses.append("event_time >= $since")
        params["since"] = options.since
    if options.until is not None:
        clauses.append("event_time < $until")
        params["until"] = options.until
    return (" AND ".join(clauses) or "TRUE"), params


def _load(
    store: ActivityStore,
    batch: Sequence[CloudTrailFile],
    layout: Layout,
    compressed: bool,
    options: IngestOptions,
    *,
    lenient: bool = False,
    memory: int | None = None,
    marked: bool = False,
) -> _Loaded:
    """Ingest `batch` in one transaction (what it did: `_Loaded`), under DuckDB's memory
    limit `memory` (bytes; None: `_MEMORY_LIMIT` or 4 times the batch's object size limit)

    One statement reads every file of the batch and inserts each record into `events`, in
    DuckDB's threads, parsing each file once and passing no record through Python: a record to
    keep as it is, one skipped or outside the window as a marker row (`_CODES`). The markers
    and the duplicates are then counted by file and deleted, before the transaction commits.

    Raises:
        duckdb.Error: a file of the batch cannot be read (the transaction is rolled back).
    """
    con = store.connection
    limit = _object_limit(batch, compressed)
    con.execute(f"SET memory_limit = '{memory or max(_MEMORY_LIMIT, 4 * limit)}B'")
    con.execute("BEGIN TRANSACTION")
    try:
        ids, dependents = _register(con, batch)
        by_id = {fid: found for fid, found in zip(ids, batch, strict=True)}
        first, last = min(ids), max(ids)
        window, window_params = _window_sql(options)
        columns = [name for name in EVENT_COLUMNS if name != "file_id"]
        # outside a window, a record may be most of a trail: its marker then stores no column
        values = (
            columns if not window_params else [f"CASE WHEN code = 0 THEN {c} END" for c in columns]
        )
        reader = _reader_sql(layout, compressed, lenient=lenient, limit=limit, marked=marked)
        con.execute(
            f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
            f"SELECT {', '.join(values)}, "
            f"CASE WHEN code = 0 THEN file_id ELSE -(file_id * {_CODES} + code) END "
            f"FROM (SELECT $ids[file_index::BIGINT + 1] AS file_id, {_code_sql(window)} AS code, "
            f"{_select_sql()} FROM (SELECT file_index, r, "
            "TRY_CAST(TRY_CAST(r.eventTime AS TIMESTAMPTZ) AS TIMESTAMP) AS event_time "
            f"FROM ({reader})))",
            {"files": [str(found.local) for found in batch], "ids": ids, **window_params},
        )
        problems: list[IngestProblem] = []
        skipped: Counter[int] = Counter()
        outside = 0
        narrowed: set[int] = set()
        for fid, code, count in _drop_markers(con):
            if code == _OUTSIDE:
                outside += count
                narrowed.add(fid)
            else:
                problems.append(
                    IngestProblem(file=by_id[fid].name, reason=_REASONS[code - 1][1], count=count)
                )
                skipped[fid] += count
        for fid, count in _drop_duplicates(con, first, last):
            problems.append(IngestProblem(file=by_id[fid].name, reason=DUPLICATE, count=count))
            skipped[fid] += count
        kept: dict[int, int] = dict(
            con.execute(
                "SELECT file_id, count(*) FROM events WHERE file_id BETWEEN $first AND $last "
                "GROUP BY ALL",
                {"first": first, "last": last},
            ).fetchall()
        )
        # a file the window narrowed is `partial`: the next ingestion reads it again
        con.executemany(
            "INSERT INTO ingested_files (file_id, path, size, events, skipped, partial) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                [fid, found.name, found.size, kept.get(fid, 0), skipped[fid], fid in narrowed]
                for fid, found in by_id.items()
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        # a fatal error has ended the transaction already: its own error is the one to report
        with suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    return _Loaded(
        events=sum(kept.values()), outside=outside, problems=problems, dependents=dependents
    )


def _store_failure(error: duckdb.Error, store: ActivityStore) -> InputError | None:
    """The error that ends the ingestion rather than skipping a file: another process's lock
    on the store, or a fatal error (DuckDB refuses every statement after one)"""
    shown = str(store.path) if store.path is not None else ":memory:"
    found = in_use_error(error, shown)
    if found is None and (isinstance(error, duckdb.FatalException) or "invalidated" in str(error)):
        text = str(error).strip().splitlines()
        found = InputError(f"the store failed: {text[0] if text else 'fatal error'}", path=shown)
    return found


def _register(
    con: duckdb.DuckDBPyConnection, batch: Sequence[CloudTrailFile]
) -> tuple[list[int], list[str]]:
    """New file ids for `batch`, in order, and the paths of the files outside it that
    repeated events of an earlier version of one of its files (same path, another size or
    `partial`), sorted; those are marked `partial`, and the earlier versions' events and
    `duplicate_files` rows are deleted"""
    params = {"paths": [found.name for found in batch]}
    earlier = "SELECT file_id FROM ingested_files WHERE path IN (SELECT unnest($paths))"
    rows = con.execute(
        "SELECT DISTINCT f.path FROM duplicate_files d JOIN ingested_files f USING (file_id) "
        f"WHERE d.of_file_id IN ({earlier}) AND d.file_id NOT IN ({earlier}) ORDER BY 1",
        params,
    ).fetchall()
    dependents = [str(path) for (path,) in rows]
    if dependents:
        con.execute(
            "UPDATE ingested_files SET partial = true WHERE path IN (SELECT unnest($paths))",
            {"paths": dependents},
        )
    con.execute(
        f"DELETE FROM duplicate_files WHERE file_id IN ({earlier}) OR of_file_id IN ({earlier})",
        params,
    )
    con.execute(f"DELETE FROM events WHERE file_id IN ({earlier})", params)
    con.execute(f"DELETE FROM ingested_files WHERE file_id IN ({earlier})", params)
    ids = con.execute("SELECT nextval('file_ids') FROM range($n)", {"n": len(batch)}).fetchall()
    return [int(n) for (n,) in ids], dependents


def _drop_markers(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int, int]]:
    """Delete the marker rows: (file id, code, count) of each kind found"""
    # INVARIANT: stored file ids are positive; the committed row groups' zone maps skip them
    markers = con.execute(
        "SELECT file_id, count(*) FROM events WHERE file_id < 0 GROUP BY ALL"
    ).fetchall()
    if markers:
        con.execute("DELETE FROM events WHERE file_id < 0")
    return sorted((*divmod(-marker, _CODES), count) for marker, count in markers)


def _drop_duplicates(
    con: duckdb.DuckDBPyConnection, first: int, last: int
) -> list[tuple[int, int]]:
    """Delete the batch's duplicates (`_DUPLICATES_SQL`), recording the files they repeat
    (`_REPEATED_SQL`): (file id, count) of each file with some"""
    span = con.execute(
        "SELECT min(event_time), max(event_time) FROM events "
        "WHERE file_id BETWEEN $first AND $last",
        {"first": first, "last": last},
    ).fetchone()
    if span is None or span[0] is None:
        return []
    params = {"earliest": span[0], "latest": span[1]}
    con.execute(_DUPLICATES_SQL, {"first": first, "last": last, **params})
    found = con.execute(
        "SELECT file_id, count(*) FROM duplicates GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    if found:
        con.execute(_REPEATED_SQL, params)
        con.execute("DELETE FROM events WHERE rowid IN (SELECT row_id FROM duplicates)")
    con.execute("DROP TABLE duplicates")
    return [(int(fid), int(count)) for fid, count in found]


def _load_one(
    store: ActivityStore, one: CloudTrailFile, batch: _Batch, options: IngestOptions
) -> _Loaded:
    """`_load` of one file: the fast reader, then the lenient one if the file has odd shapes;
    a file too large for the memory limit (a 305 MB file of 400,000 records needed 1.6 GB)
    is read again with most of the machine's free memory (`_spare_memory`)

    Raises:
        duckdb.Error: the file cannot be read, within the free memory either.
    """
    try:
        return _read_one(store, one, batch, options, memory=None)
    except duckdb.OutOfMemoryException:
        limit = _object_limit([one], batch.compressed)
        spare = _spare_memory()
        if spare <= max(_MEMORY_LIMIT, 4 * limit):
            raise
        return _read_one(store, one, batch, options, memory=spare)


def _read_one(
    store: ActivityStore,
    one: CloudTrailFile,
    batch: _Batch,
    options: IngestOptions,
    *,
    memory: int | None,
) -> _Loaded:
    if batch.layout is Layout.RECORDS:
        try:
            return _load(store, [one], batch.layout, batch.compressed, options, memory=memory)
        except duckdb.OutOfMemoryException:
            raise
        except duckdb.Error:
            pass
    try:
        return _load(
            store, [one], batch.layout, batch.compressed, options, lenient=True, memory=memory
        )
    except duckdb.Error as error:
        if batch.layout is not Layout.LINES or _BOM not in str(error):
            raise
    return _load(
        store,
        [one],
        batch.layout,
        batch.compressed,
        options,
        lenient=True,
        memory=memory,
        marked=True,
    )


_BOM = "byte order mark (BOM) is not supported"
"""DuckDB's error on JSON lines that start with a UTF-8 byte order mark"""


def _spare_memory() -> int:
    """Four fifths of the machine's free physical memory, in bytes (0 where the platform does
    not say: POSIX `sysconf`)"""
    try:
        return int(0.8 * os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return 0


def _named_file(error: duckdb.Error, files: Sequence[CloudTrailFile]) -> CloudTrailFile | None:
    """The file of `files` DuckDB's reader names in `error` (the longest path named), if any"""
    text = str(error)
    named = [found for found in files if str(found.local) in text]
    return max(named, key=lambda found: len(str(found.local)), default=None)


def _already(store: ActivityStore) -> dict[str, int]:
    """The files ingested whole, by path: their sizes (a `partial` one is read again)"""
    found = "SELECT path, size FROM ingested_files WHERE NOT partial"
    return dict(store.connection.execute(found).fetchall())


def ingest_files(
    store: ActivityStore,
    files: Iterable[CloudTrailFile],
    *,
    options: IngestOptions | None = None,
    progress: Callable[[IngestProgress], None] | None = None,
) -> IngestReport:
    """Ingest CloudTrail `files` into `store`; bad files and records are reported, never fatal

    Each file is in the store whole or not at all (one transaction per batch of files; a
    failed batch goes on without the file its error names, or file by file). Files already
    ingested with the same size are skipped.

    Returns:
        The counts and every problem, by file and reason.

    Raises:
        InputError: another process holds the store's lock, or DuckDB failed fatally.
    """
    options = options or IngestOptions()
    started = time.perf_counter()
    row = store.connection.execute("SELECT current_setting('memory_limit')").fetchone()
    try:
        report = _ingest(store, files, options, progress, started)
        # under the limit: a checkpoint left to closing time ran without it (3 GiB at 5 M)
        try:
            store.connection.execute("CHECKPOINT")
        except duckdb.Error as error:
            raise _store_failure(error, store) or error from None
        return report
    finally:
        if row is not None:
            store.connection.execute(f"SET memory_limit = '{row[0]}'")


def _ingest(
    store: ActivityStore,
    files: Iterable[CloudTrailFile],
    options: IngestOptions,
    progress: Callable[[IngestProgress], None] | None,
    started: float,
) -> IngestReport:
    known = _already(store)
    todo: list[CloudTrailFile] = []
    unchanged: set[str] = set()
    listed: dict[str, CloudTrailFile] = {}
    for found in files:
        if found.name in listed:  # named twice (a folder and a file in it): read once
            continue
        listed[found.name] = found
        if known.get(found.name) == found.size:
            unchanged.add(found.name)
        else:
            todo.append(found)
    run = _Run(store, progress, started)
    while True:
        again = run.read(todo, options)
        # a file read again for the events of a replaced file is read whole (their only
        # copies may lie outside the window)
        options = IngestOptions()
        todo = []
        for path in again:
            readable = listed.get(path) or _at_recorded_path(path)
            if readable is None:
                run.problems.append(IngestProblem(file=path, reason=REREAD))
            else:
                todo.append(readable)
        if not todo:
            break
    return IngestReport(
        files=len(run.ingested),
        unchanged=len(unchanged - run.ingested),
        events=run.events,
        outside_window=run.outside,
        problems=tuple(sorted(run.all_problems(), key=lambda p: (p.file, p.reason))),
        seconds=time.perf_counter() - started,
    )


def _at_recorded_path(path: str) -> CloudTrailFile | None:
    """The file once ingested from the local `path`, if it is still there (an `s3://`
    object is read only when listed)"""
    if is_s3_url(path):
        return None
    local = Path(path)
    try:
        return CloudTrailFile(name=path, size=local.stat().st_size, local=local)
    except OSError:
        return None


class _Run:
    """One ingestion's passes and tallies: `ingested` the paths read, `events` stored,
    `outside` the window, `problems` of whole files, `skipped` records by path (of a
    file's last read)"""

    def __init__(
        self,
        store: ActivityStore,
        progress: Callable[[IngestProgress], None] | None,
        started: float,
    ) -> None:
        self.store = store
        self.progress = progress
        self.started = started
        self.total = self.done = self.events = self.outside = 0
        self.ingested: set[str] = set()
        self.problems: list[IngestProblem] = []
        self.skipped: dict[str, list[IngestProblem]] = {}

    def all_problems(self) -> list[IngestProblem]:
        return [*self.problems, *(p for found in self.skipped.values() for p in found)]

    def report(self) -> None:
        if self.progress is not None:
            self.progress(
                IngestProgress(
                    files_done=self.done,
                    files_total=self.total,
                    events=self.events,
                    elapsed=time.perf_counter() - self.started,
                )
            )

    def read(self, todo: Sequence[CloudTrailFile], options: IngestOptions) -> dict[str, None]:
        """Ingest `todo` in batches of one layout; returns the paths to read again after this
        pass: the dependents of the files it replaced, unless read after them in it whole"""
        batches: dict[tuple[Layout, bool], _Batch] = {}
        ready: list[_Batch] = []
        for found in todo:
            try:
                layout, compressed = sniff_layout(found.local)
            except OSError as error:
                reason = error.strerror or str(error)
                self.problems.append(IngestProblem(file=found.name, reason=reason))
                continue
            batch = batches.setdefault((layout, compressed), _Batch(layout, compressed))
            batch.files.append(found)
            batch.bytes += found.size
            if len(batch.files) >= _BATCH_FILES or batch.bytes >= _BATCH_BYTES:
                ready.append(batches.pop((layout, compressed)))
        ready.extend(batches.values())
        self.total += sum(len(b.files) for b in ready)
        self.report()
        again: dict[str, None] = {}
        is_whole = options.since is None and options.until is None
        pending = deque(ready)
        while pending:
            batch = pending.popleft()
            try:
                loaded = _load(self.store, batch.files, batch.layout, batch.compressed, options)
            except duckdb.Error as error:
                if failed := _store_failure(error, self.store):
                    raise failed from None
                named = _named_file(error, batch.files)
                if named is not None and len(batch.files) > 1:
                    # the reader names the file it failed on: it goes alone, the rest together
                    rest = _Batch(batch.layout, batch.compressed)
                    rest.files = [f for f in batch.files if f is not named]
                    pending.appendleft(rest)
                    alone = [named]
                else:
                    alone = batch.files
            else:
                self._count(batch.files, loaded, again, is_whole=is_whole)
                self.done += len(batch.files)
                self.report()
                continue
            for one in alone:
                try:
                    loaded = _load_one(self.store, one, batch, options)
                except duckdb.Error as error:
                    if failed := _store_failure(error, self.store):
                        raise failed from None
                    self.problems.append(IngestProblem(file=one.name, reason=_classify(error)))
                else:
                    self._count([one], loaded, again, is_whole=is_whole)
                self.done += 1
                self.report()
        return again

    def _count(
        self,
        files: Sequence[CloudTrailFile],
        loaded: _Loaded,
        again: dict[str, None],
        *,
        is_whole: bool,
    ) -> None:
        self.events += loaded.events
        self.outside += loaded.outside
        for found in files:
            self.skipped.pop(found.name, None)  # its records as read before are gone
            self.ingested.add(found.name)
            if is_whole:
                again.pop(found.name, None)
        for problem in loaded.problems:
            self.skipped.setdefault(problem.file, []).append(problem)
        again.update(dict.fromkeys(loaded.dependents))
