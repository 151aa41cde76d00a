"""The history store on SQLite and PostgreSQL: round trip, scan look-up, one transaction per
scan, versioned migrations (Alembic), concurrent writers, and one-line errors

SQLite's locking (https://www.sqlite.org/lang_transaction.html, BEGIN IMMEDIATE) and
PostgreSQL's transactional DDL and advisory locks
(https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS) are what the
concurrency tests rely on.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from iamwarden.analysis import Assessment
from iamwarden.errors import StoreError
from iamwarden.findings import Severity, Status
from iamwarden.report.history import ScanRecord, StoredFinding, record_of
from iamwarden.report.history.store import SCHEMA_REVISION, metadata, open_store, parse_store_url

STORED_AT = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)


def _at(record: ScanRecord, moment: datetime, account: str = "") -> ScanRecord:
    return dataclasses.replace(record, assessed_at=moment, account_id=account or record.account_id)


def _count(url: str, table: str) -> int:
    engine = sa.create_engine(parse_store_url(url))
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_a_scan_round_trips(store_url: str, demo_assessment: Assessment) -> None:
    record = record_of(demo_assessment)
    with open_store(store_url, write=True) as store:
        scan_id = store.save(record, stored_at=STORED_AT)
        loaded = store.load(scan_id)
        (summary,) = store.scans()
    assert loaded == dataclasses.replace(record, scan_id=scan_id, stored_at=STORED_AT)
    assert len(loaded.findings) == len(demo_assessment.findings) > 100
    assert {f.id for f in loaded.findings} == {f.id for f in demo_assessment.findings}
    assert loaded.assessed_at == demo_assessment.assessed_at
    assert loaded.scores[0].percent == round(demo_assessment.score * 100, 2)  # type: ignore[operator]
    assert summary.scan_id == scan_id and summary.stored_at == STORED_AT
    assert summary.failing == dict(demo_assessment.summary)
    assert summary.status_counts[Status.PASS] == sum(
        f.status is Status.PASS for f in demo_assessment.findings
    )
    assert summary.scores == loaded.scores


def test_scans_are_found_by_id_date_latest_and_previous(
    store_url: str, demo_assessment: Assessment
) -> None:
    record = record_of(demo_assessment)
    day = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    with open_store(store_url, write=True) as store:
        first = store.save(_at(record, day), stored_at=STORED_AT)
        second = store.save(_at(record, day + timedelta(days=7)), stored_at=STORED_AT)
        third = store.save(_at(record, day + timedelta(days=7, hours=5)), stored_at=STORED_AT)
        assert store.resolve("latest").scan_id == third
        assert store.resolve("previous").scan_id == second
        assert store.resolve(str(first)).scan_id == first
        assert store.resolve("2026-11-08").scan_id == third  # the latest on that day
        assert store.resolve("2026-11-07").scan_id == first
        assert store.resolve("2026-11-08T10:00:00+00:00").scan_id == second
        assert store.resolve("2026-11-08T10:00:00").scan_id == second  # UTC without offset
        with pytest.raises(StoreError, match="no scan of account 210987654321 for `2026-10-31`"):
            store.resolve("2026-10-31")
        with pytest.raises(StoreError, match=r"no scan `99` \(see `iamwarden history`\)$"):
            store.resolve("99")
        store.save(_at(record, day, account="111122223333"), stored_at=STORED_AT)
        with pytest.raises(StoreError, match=r"several accounts \(111122223333, 210987654321\)"):
            store.resolve("latest")
        assert store.resolve("latest", account="111122223333").account_id == "111122223333"
        assert [s.scan_id for s in store.scans(account="210987654321")] == [first, second, third]


def test_a_failed_save_leaves_nothing(store_url: str, demo_assessment: Assessment) -> None:
    """The scan row is inserted before its findings; a finding the database refuses (the
    same id twice) rolls the whole scan back"""
    record = record_of(demo_assessment)
    broken = dataclasses.replace(record, findings=(*record.findings, record.findings[0]))
    with open_store(store_url, write=True) as store:
        with pytest.raises(StoreError) as caught:
            store.save(broken, stored_at=STORED_AT)
        assert "\n" not in str(caught.value)
        assert store.scans() == ()
        assert store.save(record, stored_at=STORED_AT) > 0
    assert _count(store_url, "findings") == len(record.findings)
    assert _count(store_url, "scans") == 1


def _alembic(connection: sa.Connection) -> Config:
    from iamwarden.report.history import store

    config = Config()
    config.set_main_option("script_location", str(Path(store.__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


def test_a_store_at_schema_1_is_upgraded_keeping_its_scans(store_url: str) -> None:
    """Alembic's versioned migrations: a store created at revision 0001 (as an older
    iamwarden left it) is upgraded on open, and its scans are kept"""
    engine = sa.create_engine(parse_store_url(store_url))
    with engine.begin() as connection:
        command.upgrade(_alembic(connection), "0001")
        connection.execute(
            sa.text(
                "INSERT INTO scans (account_id, account_alias, assessed_at, stored_at, "
                "tool_version, source) VALUES ('123456789012', 'old', :at, :at, '0.0.9', 'demo')"
            ),
            {"at": datetime(2026, 1, 1)},
        )
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0001"
        assert not sa.inspect(connection).get_indexes("scans")
    with open_store(store_url) as store:
        (old,) = store.scans()
    with engine.connect() as connection:  # a reader reads the old schema and migrates nothing
        assert MigrationContext.configure(connection).get_current_revision() == "0001"
    with open_store(store_url, write=True) as store:
        (old,) = store.scans()
    assert (old.account_id, old.tool_version, old.account_alias) == ("123456789012", "0.0.9", "old")
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == SCHEMA_REVISION
        assert {i["name"] for i in sa.inspect(connection).get_indexes("scans")} == {
            "ix_scans_account_assessed"
        }
        # the tables the code queries are exactly what the migrations built
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    engine.dispose()


def test_a_store_of_a_newer_schema_is_refused(store_url: str) -> None:
    with open_store(store_url, write=True):
        pass
    engine = sa.create_engine(parse_store_url(store_url))
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(StoreError) as caught, open_store(store_url):
        pass
    assert str(caught.value).endswith(
        "schema revision `0099` is newer than this iamwarden knows (0002): upgrade iamwarden"
    )


def test_a_database_of_something_else_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    engine = sa.create_engine(f"sqlite:///{other}")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE scans (x INTEGER)"))
    engine.dispose()
    refused = pytest.raises(StoreError, match="has a `scans` table but is no iamwarden store")
    with refused, open_store(str(other)):
        pass
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="file is not a database"), open_store(str(garbage)):
        pass


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mysql://root:hunter2@db/x", "store `mysql://root:***@db/x`: give sqlite:///FILE or"),
        ("sqlite://", "store `sqlite://`: give sqlite:///FILE or postgresql://"),
        ("postgresql://u:hunter2@db:port/x", "store `postgresql://u:***@db:port/x`: not a"),
        ("postgresql://u:hunter2@127.0.0.1:1/x", "store `postgresql://u:***@127.0.0.1:1/x`: "),
    ],
)
def test_bad_store_urls_are_one_line_without_the_password(url: str, problem: str) -> None:
    with pytest.raises(StoreError) as caught, open_store(url):
        pass
    message = str(caught.value)
    assert message.startswith(problem)
    assert "hunter2" not in message and "\n" not in message


def test_readers_do_not_create_a_store(tmp_path: Path) -> None:
    """A missing SQLite file opens to read as a store without scans, and stays missing"""
    missing = tmp_path / "history.db"
    with open_store(f"sqlite:///{missing}") as store:
        assert store.is_empty and store.scans() == () and store.accounts() == ()
        with pytest.raises(StoreError, match=r"history.db`: holds no scan yet"):
            store.resolve("latest")
        with pytest.raises(StoreError, match="no scan `1`"):
            store.load(1)
    assert not missing.exists()
    refused = pytest.raises(StoreError, match=r"directory `.*/nowhere` does not exist")
    with refused, open_store(str(tmp_path / "nowhere" / "h.db"), write=True):
        pass


_WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from iamwarden.findings import Severity, Status
    from iamwarden.report.history import ScanRecord, StoredFinding
    from iamwarden.report.history.store import open_store

    url, writer = sys.argv[1], sys.argv[2]
    findings = tuple(
        StoredFinding(id=f"iw-{writer}-{n:04}", check_id="c", resource_arn=f"arn:{n}",
                      resource_type="AwsIamUser", status=Status.FAIL, severity=Severity.LOW,
                      message="m")
        for n in range(200)
    )
    with open_store(url, write=True) as store:
        for i in range(15):
            record = ScanRecord(scan_id=None, account_id=writer, account_alias="",
                                assessed_at=datetime(2026, 11, 1, 0, i, tzinfo=UTC),
                                stored_at=None, tool_version="t", source="s",
                                findings=findings, scores=())
            store.save(record, stored_at=datetime.now(UTC))
    """
)


def test_concurrent_writers_do_not_corrupt_a_sqlite_store(tmp_path: Path) -> None:
    """Two processes create the same new store and each save 15 scans at once: the schema
    is made once, every scan is whole, and SQLite's integrity check passes"""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, url, name], stderr=subprocess.PIPE, text=True
        )
        for name in ("111111111111", "222222222222")
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=300)
        assert writer.returncode == 0, errors
    with open_store(url) as store:
        summaries = store.scans()
    assert len(summaries) == 30
    assert len({s.scan_id for s in summaries}) == 30
    assert all(s.failing[Severity.LOW] == 200 for s in summaries)
    assert _count(url, "findings") == 30 * 200
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA integrity_check")).scalar_one() == "ok"
    engine.dispose()


def test_readers_go_on_while_a_writer_holds_the_lock(
    tmp_path: Path, demo_assessment: Assessment
) -> None:
    """A writer's reserved lock (https://www.sqlite.org/lockingv3.html) does not block
    readers: listing and loading answer at once, while a second writer waits its turn"""
    url = f"sqlite:///{tmp_path / 'h.db'}"
    with open_store(url, write=True) as store:
        scan_id = store.save(record_of(demo_assessment), stored_at=STORED_AT)
    writer = sqlite3.connect(tmp_path / "h.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM scores")
    try:
        started = time.perf_counter()
        with open_store(url) as store:
            assert [s.scan_id for s in store.scans()] == [scan_id]
            assert store.load(scan_id).scores  # the writer's change is not visible
        assert time.perf_counter() - started < 10
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_saving_a_record_without_findings_or_scores(store_url: str) -> None:
    empty = ScanRecord(
        scan_id=None,
        account_id="123456789012",
        account_alias="",
        assessed_at=datetime(2026, 11, 1, tzinfo=UTC),
        stored_at=None,
        tool_version="0.1.0",
        source="demo",
        findings=(),
        scores=(),
    )
    with open_store(store_url, write=True) as store:
        scan_id = store.save(empty, stored_at=STORED_AT)
        assert store.load(scan_id).findings == ()
        (summary,) = store.scans()
    assert set(summary.status_counts.values()) == {0}


def test_findings_keep_every_status(store_url: str) -> None:
    findings = tuple(
        StoredFinding(
            id=f"iw-{status.value}",
            check_id="c",
            resource_arn=f"arn:aws:iam::123456789012:user/{status.value}",
            resource_type="AwsIamUser",
            status=status,
            severity=Severity.MEDIUM,
            message=f"ünïcode `{status.value}` <b>",
        )
        for status in Status
    )
    record = ScanRecord(
        scan_id=None,
        account_id="123456789012",
        account_alias="a",
        assessed_at=datetime(2026, 11, 1, 12, 30, 15, 123456, tzinfo=UTC),
        stored_at=None,
        tool_version="0.1.0",
        source="snapshot",
        findings=findings,
        scores=(),
    )
    with open_store(store_url, write=True) as store:
        loaded = store.load(store.save(record, stored_at=STORED_AT))
    assert loaded.findings == record.findings
    assert loaded.assessed_at == record.assessed_at


def _tables(url: str) -> list[str]:
    engine = sa.create_engine(parse_store_url(url))
    try:
        with engine.connect() as connection:
            return sorted(sa.inspect(connection).get_table_names())
    finally:
        engine.dispose()


def test_an_empty_database_is_read_without_creating_tables(store_url: str) -> None:
    """Reading an empty database (a new PostgreSQL database, an empty SQLite file) finds no
    scan and leaves it empty: only a write creates the schema"""
    if store_url.startswith("sqlite:///"):
        Path(store_url.removeprefix("sqlite:///")).touch()
    with open_store(store_url) as store:
        assert (
            store.is_empty
            and store.scans() == ()
            and store.failed_until(dataclasses.replace(_empty_record(), scan_id=1)) == frozenset()
        )
    assert _tables(store_url) == []
    with open_store(store_url, write=True) as store:
        assert not store.is_empty and store.scans() == ()
    assert _tables(store_url) == ["alembic_version", "findings", "scans", "scores"]


def _empty_record() -> ScanRecord:
    return ScanRecord(
        scan_id=None, account_id="123456789012", account_alias="", assessed_at=STORED_AT,
        stored_at=None, tool_version="t", source="s", findings=(), scores=(),
    )  # fmt: skip


def test_a_database_of_other_tables_is_refused_and_left_alone(store_url: str) -> None:
    """A database holding someone else's tables and no iamwarden store is refused to read
    and to write, and gets no table of ours"""
    engine = sa.create_engine(parse_store_url(store_url))
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE customers (id INTEGER)"))
    engine.dispose()
    for write in (False, True):
        refused = pytest.raises(StoreError, match=r"holds other tables \(customers\) and no")
        with refused, open_store(store_url, write=write):
            pass
    assert _tables(store_url) == ["customers"]


def test_limit_gives_the_newest_scans_oldest_first(store_url: str) -> None:
    with open_store(store_url, write=True) as store:
        ids = [
            store.save(_at(_empty_record(), STORED_AT - timedelta(days=n)), stored_at=STORED_AT)
            for n in (1, 3, 2)
        ]
        assert [s.scan_id for s in store.scans(limit=2)] == [ids[2], ids[0]]
        assert [s.scan_id for s in store.scans(limit=9)] == [ids[1], ids[2], ids[0]]
        with pytest.raises(ValueError, match="limit must be 1 or more"):
            store.scans(limit=0)


@pytest.mark.parametrize("scan_id", [2**31, 10**20])
def test_an_id_past_any_stored_scan_is_no_scan(store_url: str, scan_id: int) -> None:
    """Scan ids are 32-bit on PostgreSQL (and SQLite's are 64-bit): a larger id names no
    scan, rather than overflowing the driver"""
    with open_store(store_url, write=True) as store:
        store.save(_empty_record(), stored_at=STORED_AT)
        with pytest.raises(StoreError, match=rf"no scan `{scan_id}` \(see"):
            store.resolve(str(scan_id))


def test_a_read_only_postgresql_store_is_refused_to_write(postgres_server: str) -> None:
    """default_transaction_read_only
    (https://www.postgresql.org/docs/15/runtime-config-client.html): opening to write says
    so at once; reading goes on"""
    from tests.integration.postgres import fresh_database

    url = fresh_database(postgres_server)
    with open_store(url, write=True) as store:
        store.save(_empty_record(), stored_at=STORED_AT)
    name = url.rsplit("/", 1)[1]
    import psycopg

    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    refused = pytest.raises(StoreError, match="the database is read-only")
    with refused, open_store(url, write=True):
        pass
    with open_store(url) as store:
        assert len(store.scans()) == 1


def test_an_immutable_sqlite_store_is_refused_to_write(tmp_path: Path) -> None:
    """A store file the system will not let anyone write (`chattr +i`, even for root):
    opening to write fails at once with SQLite's own words; reading goes on"""
    path = tmp_path / "history.db"
    with open_store(str(path), write=True) as store:
        store.save(_empty_record(), stored_at=STORED_AT)
    locked = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if locked.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {locked.stderr!r}")
    try:
        refused = pytest.raises(StoreError, match="attempt to write a readonly database")
        with refused, open_store(str(path), write=True):
            pass
        with open_store(str(path)) as store:
            assert len(store.scans()) == 1
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
