"""Ingestion keeps an event delivered twice once, and never loses it when the file holding
its stored copy is replaced: the files that repeated it are read again"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from iamwarden.activity import (
    ActivityStore,
    IngestOptions,
    IngestReport,
    find_files,
    ingest_files,
    open_store,
)
from iamwarden.activity.ingest import DUPLICATE, REREAD
from iamwarden.activity.sources import CloudTrailFile
from tests.activity.conftest import record, write_records

SIX = [record(f"E{n}", eventID=f"e{n}", time=f"2026-01-{10 + n}T12:00:00Z") for n in range(6)]
"""Six events, one a day from 2026-01-10"""


def _stored(store: ActivityStore) -> list[tuple[str, str]]:
    """(event id, name of the file holding it) of every stored event"""
    rows = store.connection.execute(
        "SELECT e.event_id, f.path FROM events e JOIN ingested_files f USING (file_id) ORDER BY ALL"
    ).fetchall()
    return [(event_id, Path(path).name) for event_id, path in rows]


def _whole_files(found: IngestReport) -> list[str]:
    """The report's problems of files left out whole"""
    return [str(problem) for problem in found.problems if not problem.count]


def _partial(store: ActivityStore) -> dict[str, bool]:
    rows = store.connection.execute("SELECT path, partial FROM ingested_files").fetchall()
    return {Path(path).name: bool(partial) for path, partial in rows}


def test_a_file_that_changed_size_leaves_the_events_its_copy_holds(tmp_path: Path) -> None:
    """two.json's six records were skipped as duplicates of one.json's; one.json then loses
    half its records: two.json is read again after it and stores them"""
    logs = tmp_path / "logs"
    write_records(logs / "one.json", SIX)
    write_records(logs / "two.json", SIX)
    with open_store(tmp_path / "s.duckdb") as store:
        first = ingest_files(store, find_files([logs]))
        assert (first.events, first.records_skipped[DUPLICATE]) == (6, 6)
        write_records(logs / "one.json", SIX[:3])
        second = ingest_files(store, find_files([logs]))
        assert (second.files, second.unchanged, _whole_files(second)) == (2, 0, [])
        assert _stored(store) == [
            *((f"e{n}", "one.json") for n in range(3)),
            *((f"e{n}", "two.json") for n in range(3, 6)),
        ]
        repeated = store.connection.execute("SELECT count FROM duplicate_files").fetchall()
        assert repeated == [(3,)]  # two.json's e0..e2, of one.json
        assert ingest_files(store, find_files([logs])).unchanged == 2


def test_a_partial_file_read_again_leaves_the_events_its_copy_holds(tmp_path: Path) -> None:
    """The finding's second case, no file changed: A stores e3..e5 (--since), B stores
    e0..e2 and skips e3..e5 as A's; A read again with --until drops e3..e5 (and skips e0 as
    B's), so B (not named this time) is read again whole from its recorded path, and then A,
    whose e0 B's stored copy was"""
    a = write_records(tmp_path / "A.json", SIX)
    b = write_records(tmp_path / "B.json", SIX)
    with open_store(tmp_path / "s.duckdb") as store:
        ingest_files(store, find_files([a]), options=IngestOptions(since=datetime(2026, 1, 13)))
        assert ingest_files(store, find_files([b])).records_skipped[DUPLICATE] == 3
        until = IngestOptions(until=datetime(2026, 1, 11))
        third = ingest_files(store, find_files([a]), options=until)
        assert (third.files, _whole_files(third)) == (2, [])
        assert [(Path(p.file).name, p.count) for p in third.problems] == [("A.json", 6)]
        assert _stored(store) == [(f"e{n}", "B.json") for n in range(6)]
        assert _partial(store) == {"A.json": False, "B.json": False}


def test_a_file_read_before_the_one_it_repeats_is_read_again_after_it(tmp_path: Path) -> None:
    """a.jsonl (JSON lines, a batch of its own read first) changed and repeats b.json, which
    changed too: a.jsonl is read again after b.json is replaced"""
    b = write_records(tmp_path / "b.json", SIX)
    lines = tmp_path / "a.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in SIX))
    with open_store(tmp_path / "s.duckdb") as store:
        ingest_files(store, find_files([b]))
        ingest_files(store, find_files([lines]))
        seventh = record("E6", eventID="e6", time="2026-01-16T12:00:00Z")
        lines.write_text("\n".join(json.dumps(r) for r in [*SIX, seventh]))
        write_records(b, SIX[:3])
        again = ingest_files(store, find_files([tmp_path]))
        assert (again.files, _whole_files(again)) == (2, [])
        assert _stored(store) == [
            *((f"e{n}", "b.json") for n in range(3)),
            *((f"e{n}", "a.jsonl") for n in range(3, 7)),
        ]


def _unreadable_case(
    tmp_path: Path, b: CloudTrailFile, hide: Any
) -> tuple[list[str], list[str], dict[str, bool]]:
    a = write_records(tmp_path / "A.json", SIX)
    with open_store(tmp_path / "s.duckdb") as store:
        ingest_files(store, find_files([a]), options=IngestOptions(since=datetime(2026, 1, 13)))
        ingest_files(store, [b])
        hide()
        until = IngestOptions(until=datetime(2026, 1, 11))
        report = ingest_files(store, find_files([a]), options=until)
        stored = [event_id for event_id, _ in _stored(store)]
        partial = _partial(store)
    return _whole_files(report), stored, partial


def test_a_repeating_file_that_is_gone_is_reported_and_read_by_the_next_ingest(
    tmp_path: Path,
) -> None:
    b = write_records(tmp_path / "B.json", SIX)
    kept = tmp_path / "kept.json"
    problems, stored, partial = _unreadable_case(
        tmp_path, next(find_files([b])), lambda: shutil.move(b, kept)
    )
    assert problems == [f"{b}: file skipped: {REREAD}"]
    assert stored == [f"e{n}" for n in range(3)]  # B's own; A's new copies are duplicates
    assert partial == {"A.json": True, "B.json": True}
    shutil.move(kept, b)
    with open_store(tmp_path / "s.duckdb") as store:
        # B is back: `partial`, so read again although its size is the same (and then A,
        # whose e0 was skipped as B's)
        assert ingest_files(store, find_files([b])).files == 2
        assert _stored(store) == [(f"e{n}", "B.json") for n in range(6)]


def test_an_s3_object_not_listed_is_reported_not_looked_for(tmp_path: Path) -> None:
    """An `s3://` object is read only when listed (downloaded for the run): one holding
    events of a replaced file is reported and marked `partial`"""
    local = write_records(tmp_path / "download" / "B.json", SIX)
    b = CloudTrailFile(name="s3://trail/B.json", size=local.stat().st_size, local=local)
    problems, stored, partial = _unreadable_case(tmp_path, b, lambda: None)
    assert problems == [f"s3://trail/B.json: file skipped: {REREAD}"]
    assert stored == [f"e{n}" for n in range(3)]
    assert partial == {"A.json": True, "B.json": True}


def test_a_store_made_before_duplicate_files_gains_the_table(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with open_store(db) as store:
        store.connection.execute("DROP TABLE duplicate_files")
    write_records(tmp_path / "logs" / "one.json", SIX)
    write_records(tmp_path / "logs" / "two.json", SIX)
    with open_store(db) as store:
        assert ingest_files(store, find_files([tmp_path / "logs"])).events == 6
        rows = store.connection.execute("SELECT count FROM duplicate_files").fetchall()
    assert rows == [(6,)]
