"""Ingestion: layouts, gzip by content, incremental by path and size, bad input reported by
file and reason, a file whole or not at all"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from iamwarden.activity import (
    IngestOptions,
    IngestProgress,
    Layout,
    find_files,
    ingest_files,
    open_store,
)
from iamwarden.activity import ingest as ingest_module
from iamwarden.activity.ingest import DUPLICATE, _object_limit
from iamwarden.activity.sources import CloudTrailFile, sniff_layout
from iamwarden.errors import InputError
from tests.activity.conftest import record, write_records


def _layout_dir(root: Path) -> Path:
    day = root / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "2026" / "03" / "01"
    write_records(day / "a.json.gz", [record(), record("PutObject")], compress=True)
    write_records(day / "b.json.gz", [record("ListBuckets", params={})], compress=True)
    digest = root / "AWSLogs" / "111122223333" / "CloudTrail-Digest" / "us-east-1" / "d.json.gz"
    write_records(digest, [record()], compress=True)
    return root


def test_the_standard_layout_is_walked_and_digests_left_out(tmp_path: Path) -> None:
    root = _layout_dir(tmp_path / "logs")
    with open_store(tmp_path / "s.duckdb") as store:
        report = ingest_files(store, find_files([root]))
        assert (report.files, report.events, report.problems) == (2, 3, ())
        names = store.connection.execute(
            "SELECT event_name FROM events ORDER BY event_name"
        ).fetchall()
    assert [n for (n,) in names] == ["GetObject", "ListBuckets", "PutObject"]


def test_arrays_json_lines_and_gzip_recognised_by_content(tmp_path: Path) -> None:
    (tmp_path / "array.json").write_text(json.dumps([record(), record("PutObject")]))
    lines = "\n".join(json.dumps(r) for r in [record("A"), record("B"), record("C")])
    (tmp_path / "lake.jsonl").write_text(lines)
    (tmp_path / "named-plain.json").write_bytes(gzip.compress(json.dumps([record("D")]).encode()))
    assert sniff_layout(tmp_path / "array.json") == (Layout.ARRAY, False)
    assert sniff_layout(tmp_path / "lake.jsonl") == (Layout.LINES, False)
    assert sniff_layout(tmp_path / "named-plain.json") == (Layout.ARRAY, True)
    with open_store(None) as store:
        report = ingest_files(store, find_files([tmp_path]))
    assert (report.files, report.events, report.problems) == (3, 6, ())


def test_columns_are_typed_and_json_kept(tmp_path: Path) -> None:
    path = write_records(tmp_path / "x.json", [record(params={"bucketName": "b", "n": [1, 2]})])
    with open_store(None) as store:
        ingest_files(store, find_files([path]))
        row = store.connection.execute(
            "SELECT event_time, read_only, request_parameters->>'$.bucketName', "
            "principal_arn, principal_kind, session_name, access_key_id, typeof(event_time) "
            "FROM events"
        ).fetchone()
    assert row is not None
    assert str(row[0]) == "2026-03-01 10:00:00"
    assert row[1:] == (
        True,
        "b",
        "arn:aws:iam::111122223333:role/dev",
        "role",
        "alice",
        "ASIAEXAMPLE",
        "TIMESTAMP",
    )


def test_bad_files_and_records_are_reported_and_ingestion_goes_on(tmp_path: Path) -> None:
    write_records(tmp_path / "good.json", [record(), record("PutObject")])
    (tmp_path / "corrupt.json.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (tmp_path / "truncated.json").write_text(json.dumps({"Records": [record()]})[:200])
    missing = record("X")
    del missing["eventName"]
    bad_time = record("Y", time="yesterday")
    write_records(tmp_path / "partial.json", [record("Z"), missing, bad_time])
    with open_store(None) as store:
        report = ingest_files(store, find_files([tmp_path]))
        stored = store.connection.execute("SELECT count(*) FROM events").fetchone()
    assert report.events == 3 and stored == (3,)
    whole = {Path(p.file).name: p.reason for p in report.problems if not p.count}
    assert whole["corrupt.json.gz"].startswith("corrupt gzip")
    assert whole["truncated.json"].startswith("malformed JSON")
    assert report.files_failed == 2
    assert report.records_skipped == {"missing eventName": 1, "eventTime is not a time": 1}
    assert all(Path(p.file).name == "partial.json" for p in report.problems if p.count)


def test_a_record_of_another_shape_costs_only_itself(tmp_path: Path) -> None:
    """The fast reader fails a file whose record is a string or whose userIdentity is not an
    object; the lenient one then keeps the file's other records (CloudTrail record contents,
    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)"""
    odd = record("Odd")
    odd["userIdentity"] = "not an object"
    path = tmp_path / "odd.json.gz"
    path.write_bytes(
        gzip.compress(json.dumps({"Records": [record(), "a string", odd, record("B")]}).encode())
    )
    write_records(tmp_path / "fine.json", [record("C")])
    with open_store(None) as store:
        report = ingest_files(store, find_files([tmp_path]))
        names = store.connection.execute(
            "SELECT event_name, principal_arn FROM events ORDER BY event_name"
        ).fetchall()
    assert report.files_failed == 0 and report.files == 2
    assert [n for n, _ in names] == ["B", "C", "GetObject", "Odd"]
    assert dict(names)["Odd"] is None
    assert report.records_skipped == {"missing eventTime": 1}


def test_incremental_by_path_and_size(tmp_path: Path) -> None:
    path = write_records(tmp_path / "a.json", [record()])
    db = tmp_path / "s.duckdb"
    with open_store(db) as store:
        assert ingest_files(store, find_files([tmp_path])).events == 1
    with open_store(db) as store:
        again = ingest_files(store, find_files([tmp_path]))
        assert (again.files, again.unchanged, again.events) == (0, 1, 0)
        write_records(path, [record(), record("PutObject"), record("DeleteObject")])
        grown = ingest_files(store, find_files([tmp_path]))
        assert (grown.files, grown.events) == (1, 3)
        assert store.event_count() == 3  # the file's earlier events were replaced


def test_since_and_until_leave_out_events(tmp_path: Path) -> None:
    times = ["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"]
    write_records(tmp_path / "a.json", [record(time=t) for t in times])
    window = IngestOptions(since=datetime(2026, 1, 15), until=datetime(2026, 3, 1))
    with open_store(None) as store:
        report = ingest_files(store, find_files([tmp_path]), options=window)
    assert (report.events, report.outside_window) == (1, 2)


def test_a_window_with_since_not_before_until_is_refused() -> None:
    with pytest.raises(InputError, match="--since 2026-10-02T00:00:00 is not before --until"):
        IngestOptions(since=datetime(2026, 10, 2), until=datetime(2026, 10, 1))


def test_a_file_the_window_narrowed_is_read_again_by_a_wider_ingest(tmp_path: Path) -> None:
    """A file some of whose events the window left out is not ingested whole: the next
    ingestion reads it again and its earlier events are replaced; one the window did not
    narrow is skipped as ingested"""
    times = ["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"]
    write_records(tmp_path / "a.json", [record(time=t) for t in times])
    write_records(tmp_path / "b.json", [record("B", time="2026-02-01T00:00:00Z")])
    with open_store(tmp_path / "s.duckdb") as store:
        window = IngestOptions(since=datetime(2026, 1, 15))
        narrowed = ingest_files(store, find_files([tmp_path]), options=window)
        assert (narrowed.files, narrowed.events, narrowed.outside_window) == (2, 2, 1)
        wider = ingest_files(store, find_files([tmp_path]))
        assert (wider.files, wider.unchanged, wider.events) == (1, 1, 2)
        assert store.event_count() == 3
        assert ingest_files(store, find_files([tmp_path])).unchanged == 2


def test_a_store_made_before_partial_files_gains_the_column(tmp_path: Path) -> None:
    write_records(tmp_path / "logs" / "a.json", [record()])
    db = tmp_path / "s.duckdb"
    with open_store(db) as store:
        store.connection.execute("ALTER TABLE ingested_files DROP COLUMN partial")
    with open_store(db) as store:
        assert ingest_files(store, find_files([tmp_path / "logs"])).events == 1
        assert ingest_files(store, find_files([tmp_path / "logs"])).unchanged == 1


def test_a_file_too_large_for_the_memory_limit_is_read_with_the_free_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit (`_MEMORY_LIMIT`, at least 4 times the object size limit) is for batches of
    ordinary files; one larger file that does not fit is read again with most of the free
    memory, not skipped (a 305 MB file of 400,000 records needed 1.6 GB)"""
    records = [record(eventID=f"e{n}", requestParameters={"pad": "x" * 400}) for n in range(30000)]
    path = write_records(tmp_path / "big.json", records)
    monkeypatch.setattr(ingest_module, "_MEMORY_LIMIT", 0)
    with open_store(None) as store:
        report = ingest_files(store, find_files([path]))
    assert (report.files, report.events, report.problems) == (1, 30000, ())


def test_an_interrupted_ingest_leaves_whole_files(tmp_path: Path) -> None:
    """A batch is one transaction: what is in the store after an interruption is whole files"""
    write_records(tmp_path / "a.json", [record(eventID=f"e{n}") for n in range(5)])
    (tmp_path / "b.jsonl").write_text(json.dumps(record("B")))
    db = tmp_path / "s.duckdb"
    seen: list[IngestProgress] = []

    def stop_after_first_batch(step: IngestProgress) -> None:
        seen.append(step)
        if step.files_done == 1:
            raise KeyboardInterrupt

    with open_store(db) as store, pytest.raises(KeyboardInterrupt):
        ingest_files(store, find_files([tmp_path]), progress=stop_after_first_batch)
    with open_store(db) as store:
        files = store.connection.execute("SELECT path, events FROM ingested_files").fetchall()
        assert len(files) == 1
        ((path, events),) = files
        assert store.event_count() == events == (5 if path.endswith("a.json") else 1)
        resumed = ingest_files(store, find_files([tmp_path]))
        assert (resumed.files, resumed.unchanged) == (1, 1)
        assert store.event_count() == 6


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    path = write_records(tmp_path / "a.json", [record()])
    with pytest.raises(InputError, match="not an activity store"), open_store(path):
        pass
    with (
        pytest.raises(InputError, match="no such activity store"),
        open_store(tmp_path / "none.duckdb", read_only=True),
    ):
        pass


def test_the_real_stratus_records(stratus: Path) -> None:
    with open_store(None) as store:
        report = ingest_files(store, find_files([stratus]))
        kinds = dict(
            store.connection.execute(
                "SELECT principal_kind, count(*) FROM events GROUP BY ALL"
            ).fetchall()
        )
        sso = store.connection.execute(
            "SELECT DISTINCT principal_arn FROM events WHERE principal_arn LIKE '%AWSReservedSSO%'"
        ).fetchall()
    assert report.events == 310 and not report.problems
    assert kinds["user"] > 200 and kinds["role"] > 50
    # a role session rolls up to its role, path included
    assert sso == [
        (
            "arn:aws:iam::844015365555:role/aws-reserved/sso.amazonaws.com/"
            "AWSReservedSSO_account-admin_599c9e90e350d2ff",
        )
    ]


def test_the_store_prints_nothing(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    with open_store(None) as store:
        on = store.connection.execute("SELECT current_setting('enable_progress_bar')").fetchone()
    assert on == (False,)
    assert capfd.readouterr() == ("", "")


def test_the_object_size_limit_follows_the_gzip_trailer(tmp_path: Path) -> None:
    """ISIZE, the last 4 bytes of a gzip member, is the input size modulo 2^32 (RFC 1952
    §2.3.1); a trailer claiming more than deflate can expand is not believed"""
    big = tmp_path / "big.json.gz"
    big.write_bytes(gzip.compress(b" " * (20 * 2**20)))
    corrupt = tmp_path / "corrupt.json.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00garbage")

    def found(path: Path) -> CloudTrailFile:
        return next(iter(find_files([path])))

    assert _object_limit([found(big)], compressed=True) == 40 * 2**20
    assert _object_limit([found(corrupt)], compressed=True) == 16 * 2**20


def test_the_same_event_ingested_twice_is_stored_once(tmp_path: Path) -> None:
    """An organization trail and an account trail both deliver an event (CloudTrail User
    Guide, "Creating a trail for an organization"), or a file is copied: eventID (with
    recipientAccountId and eventTime) identifies it ("CloudTrail record contents")"""
    one, two = record("PutObject", eventID="e-1"), record("GetObject", eventID="e-2")
    other_account = {**one, "recipientAccountId": "444455556666"}
    no_id = {k: v for k, v in record("ListBuckets").items() if k != "eventID"}
    write_records(tmp_path / "org" / "a.json", [one, two, two, no_id])
    write_records(tmp_path / "account" / "b.json", [one, other_account, no_id])
    with open_store(None) as store:
        first = ingest_files(store, find_files([tmp_path / "org"]))
        second = ingest_files(store, find_files([tmp_path / "account"]))
        rows = store.connection.execute(
            "SELECT event_id, recipient_account_id FROM events ORDER BY ALL"
        ).fetchall()
    assert rows == [
        ("e-1", "111122223333"),
        ("e-1", "444455556666"),
        ("e-2", "111122223333"),
        (None, "111122223333"),
        (None, "111122223333"),
    ]
    assert first.records_skipped == Counter({DUPLICATE: 1})
    assert second.records_skipped == Counter({DUPLICATE: 1})


def test_a_file_the_reader_names_goes_alone_and_the_batch_goes_on(tmp_path: Path) -> None:
    """DuckDB's error names the truncated gzip file: it is set aside and the other files are
    still ingested together, in one transaction (one progress step for all of them)"""
    for n in range(5):
        write_records(tmp_path / f"{n}.json.gz", [record(f"E{n}")], compress=True)
    whole = write_records(tmp_path / "2b.json.gz", [record() for _ in range(500)], compress=True)
    whole.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert sniff_layout(whole) == (Layout.RECORDS, True)
    steps: list[int] = []
    with open_store(None) as store:
        report = ingest_files(
            store, find_files([tmp_path]), progress=lambda step: steps.append(step.files_done)
        )
    assert (report.files, report.events, report.files_failed) == (5, 5, 1)
    assert [Path(p.file).name for p in report.problems] == ["2b.json.gz"]
    assert steps == [0, 1, 6]


def test_skipped_records_and_duplicates_leave_no_trace(tmp_path: Path) -> None:
    """Records left out (by reason, by window, as duplicates, across the files of one batch)
    are counted per file in `ingested_files`, and no row of theirs stays in `events`"""
    repeated = record("PutObject", eventID="same")
    missing = record("X")
    del missing["eventSource"]
    early = record("Early", time="2025-01-01T00:00:00Z")
    write_records(tmp_path / "a.json", [repeated, missing, early, record("A")])
    write_records(tmp_path / "b.json", [repeated, record("B")])
    window = IngestOptions(since=datetime(2026, 1, 1))
    with open_store(None) as store:
        report = ingest_files(store, find_files([tmp_path]), options=window)
        files = store.connection.execute(
            "SELECT path, events, skipped FROM ingested_files ORDER BY path"
        ).fetchall()
        ids = store.connection.execute("SELECT min(file_id), count(*) FROM events").fetchone()
    assert (report.events, report.outside_window) == (3, 1)
    assert report.records_skipped == Counter({"missing eventSource": 1, DUPLICATE: 1})
    assert [(Path(p).name, kept, skipped) for p, kept, skipped in files] == [
        ("a.json", 2, 1),
        ("b.json", 1, 1),
    ]
    assert ids is not None and ids[0] > 0 and ids[1] == 3


def test_a_file_named_twice_is_ingested_once(tmp_path: Path) -> None:
    path = write_records(tmp_path / "a.json", [record(), record("PutObject")])
    with open_store(None) as store:
        report = ingest_files(store, [*find_files([path]), *find_files([tmp_path])])
    assert (report.files, report.events, report.problems) == (1, 2, ())
