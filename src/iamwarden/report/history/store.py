"""The history store: past assessments in SQLite (the default) or PostgreSQL

A store is a database URL: `sqlite:///path/to/file.db` (the default is
`sqlite:///iamwarden-history.db`, in the current directory; a value without `://` is taken as
a SQLite file path) or `postgresql://user@host:port/db` (driven by psycopg 3, the extra
`iamwarden[postgres]`). Opening a store to write (`open_store(url, write=True)`) creates or
upgrades its schema with the Alembic migrations in `migrations/` (one transaction, under a
lock, so two processes opening a new store at once do not race) and checks that the
database takes writes; opening it to read creates, migrates and writes nothing: a missing
SQLite file or an empty database reads as a store without scans. A store written by a newer
iamwarden (an unknown schema revision) is refused, and so is a database that holds other
tables and no iamwarden store. Each scan is saved in one transaction: a failure leaves
nothing of it.

SQLite writers are serialised with `BEGIN IMMEDIATE` and wait up to 30 s for each other;
readers take no lock up front (a plain `BEGIN`), so `history` goes on beside a writer.
Tables (schema 2): `scans(id, account_id, account_alias, assessed_at, stored_at, tool_version,
source)`, `findings(scan_id, finding_id, check_id, resource_arn, resource_type, status,
severity, message)`, `scores(scan_id, framework, version, passed, assessed)` and Alembic's
`alembic_version`. Dates are UTC.

The library never prints; every failure is a `StoreError` naming the store (password hidden).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from iamwarden.errors import StoreError, one_line
from iamwarden.findings import Severity, Status
from iamwarden.report.history.records import FrameworkScore, ScanRecord, StoredFinding
from iamwarden.report.history.refs import DEFAULT_STORE_URL

__all__ = [
    "SCHEMA_REVISION",
    "HistoryStore",
    "ScanSummary",
    "metadata",
    "open_store",
    "parse_store_url",
]

SCHEMA_REVISION = "0002"
"""The newest schema revision this iamwarden knows (the head of `migrations/versions`)"""

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x1A3_3A2D  # pg_advisory_xact_lock key held while a PostgreSQL store migrates
_SQLITE_WAIT_SECONDS = 30
_WRITE = "iamwarden_write"  # execution option: the transaction writes (SQLite BEGIN IMMEDIATE)
_MAX_SCAN_ID = 2**31 - 1  # scans.id is a 32-bit integer on PostgreSQL: no scan has a larger id


class _UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A time-zone-aware date stored as UTC (SQLite keeps no zone: naive there, UTC meant)"""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()
"""The tables at `SCHEMA_REVISION` (the migrations create them; a test compares the two)"""

scans = sa.Table(
    "scans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(64), nullable=False),
    sa.Column("account_alias", sa.String(256), nullable=False),
    sa.Column("assessed_at", _UtcDateTime, nullable=False),
    sa.Column("stored_at", _UtcDateTime, nullable=False),
    sa.Column("tool_version", sa.String(64), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Index("ix_scans_account_assessed", "account_id", "assessed_at"),
)
findings = sa.Table(
    "findings",
    metadata,
    sa.Column(
        "scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("finding_id", sa.String(64), primary_key=True),
    sa.Column("check_id", sa.String(128), nullable=False),
    sa.Column("resource_arn", sa.Text, nullable=False),
    sa.Column("resource_type", sa.String(128), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Index("ix_findings_finding_status", "finding_id", "status"),
)
scores = sa.Table(
    "scores",
    metadata,
    sa.Column(
        "scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("framework", sa.String(256), primary_key=True),
    sa.Column("version", sa.String(64), primary_key=True),
    sa.Column("passed", sa.Integer, nullable=False),
    sa.Column("assessed", sa.Integer, nullable=False),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanSummary:
    """One line of `iamwarden history`: a stored scan without its findings, with the count
    of findings by status, of FAIL findings by severity, and the framework scores"""

    scan_id: int
    account_id: str
    account_alias: str
    assessed_at: datetime
    stored_at: datetime
    tool_version: str
    source: str
    status_counts: Mapping[Status, int]
    failing: Mapping[Severity, int]
    scores: tuple[FrameworkScore, ...]


def _shown(url: URL) -> str:
    """The URL as the user wrote it, password hidden (`postgresql+psycopg` shown as given)"""
    if url.drivername == "sqlite":
        return f"sqlite:///{url.database or ''}" if url.database else "sqlite://"
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql")
    return url.render_as_string(hide_password=True)


def parse_store_url(value: str | None) -> URL:
    """The store's URL: `value`, or `DEFAULT_STORE_URL` when None; a value without `://` is a
    SQLite file path; `postgresql://` is driven by psycopg 3

    Raises:
        StoreError: not a URL, or a database other than SQLite and PostgreSQL
    """
    text = DEFAULT_STORE_URL if value is None else value
    if "://" not in text:
        text = f"sqlite:///{text}"
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        masked = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)
        raise StoreError(f"store `{one_line(masked)}`: not a database URL") from None
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql+psycopg")
    if url.drivername != "sqlite" or not url.database or url.database == ":memory:":
        raise StoreError(
            f"store `{_shown(url)}`: give sqlite:///FILE or postgresql://USER@HOST:PORT/DATABASE"
        )
    return url


def _sqlite_engine(url: URL) -> Engine:
    database = Path(url.database or "")
    if not database.parent.is_dir():
        raise StoreError(f"store `{_shown(url)}`: directory `{database.parent}` does not exist")
    engine = sa.create_engine(url, connect_args={"timeout": _SQLITE_WAIT_SECONDS})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        # the driver's own transaction handling off, so that BEGIN IMMEDIATE below holds
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # INVARIANT: a transaction that writes takes the write lock first, so concurrent
        # writers queue (busy timeout) instead of failing on a lock upgrade; readers take
        # none and go on beside a writer
        is_write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if is_write else "BEGIN")

    return engine


def _problem(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    return one_line(str(cause).strip().splitlines()[0] if str(cause).strip() else repr(cause))


def _revision(connection: Connection, shown: str) -> str | None:
    """The store's schema revision (None for an empty database), refusing a newer store and
    a database that holds someone else's `scans` table"""
    # INVARIANT: the tables are read before the revision. Under READ COMMITTED each statement
    # sees what was committed before it began, and a migration commits its tables and its
    # revision together: a `scans` table seen here means its revision is seen below, even
    # when another process's migration commits between the two reads
    tables = sorted(sa.inspect(connection).get_table_names())
    current = MigrationContext.configure(connection).get_current_revision()
    if current is not None and current not in _known_revisions():
        raise StoreError(
            f"store `{shown}`: schema revision `{current}` is newer than this iamwarden "
            f"knows ({SCHEMA_REVISION}): upgrade iamwarden"
        )
    if current is None:
        if "scans" in tables:
            raise StoreError(f"store `{shown}`: has a `scans` table but is no iamwarden store")
        if tables:
            listed = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
            raise StoreError(
                f"store `{shown}`: holds other tables ({listed}) and no iamwarden store: "
                "give a new or empty database"
            )
    return current


def _check_writable(connection: Connection) -> None:
    """Raise the database's own error when this store cannot be written: a read-only file
    or database, a read-only PostgreSQL transaction, or no INSERT right on a table (a
    DELETE of no row makes SQLite open its write path; it is rolled back by the caller)"""
    if connection.dialect.name == "sqlite":
        connection.execute(sa.delete(scans).where(scans.c.id < 0))
        return
    read_only = connection.execute(sa.text("SHOW transaction_read_only")).scalar_one()
    if read_only == "on":
        raise StoreError("the database is read-only (transaction_read_only is on)")
    for table in ("scans", "findings", "scores"):
        allowed = connection.execute(
            sa.text("SELECT has_table_privilege(:table, 'INSERT')"), {"table": table}
        ).scalar_one()
        if not allowed:
            raise StoreError(f"no INSERT right on table `{table}`")


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def _known_revisions() -> set[str]:
    return {
        script.revision
        for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()
    }


def _upgrade(connection: Connection, shown: str) -> None:
    """Create or upgrade the schema to `SCHEMA_REVISION` in the caller's (writing)
    transaction, under PostgreSQL's advisory lock; another process may have done it since
    the caller looked, so the revision is read again under the lock"""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    if _revision(connection, shown) != SCHEMA_REVISION:
        config = _alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _finding_row(scan_id: int, finding: StoredFinding) -> dict[str, Any]:
    return {
        "scan_id": scan_id,
        "finding_id": finding.id,
        "check_id": finding.check_id,
        "resource_arn": finding.resource_arn,
        "resource_type": finding.resource_type,
        "status": finding.status.value,
        "severity": finding.severity.value,
        "message": finding.message,
    }


class HistoryStore:
    """An open history store; build it with `open_store`"""

    def __init__(self, engine: Engine | None, shown: str) -> None:
        self._engine = engine  # None: nothing stored yet (a missing file or empty database)
        self.shown = shown
        """The store's URL as it may be printed (password hidden)"""

    @property
    def is_empty(self) -> bool:
        """Whether the store holds no iamwarden tables yet (opened to read: a missing SQLite
        file or an empty database, left as it was)"""
        return self._engine is None

    @contextmanager
    def _transaction(self, *, is_write: bool = False) -> Iterator[Connection]:
        if self._engine is None:
            raise self._fail("holds no scan yet (store one with `iamwarden assess --store`)")
        try:
            with self._engine.connect() as connection:
                connection.execution_options(**{_WRITE: is_write})
                with connection.begin():
                    yield connection
        except SQLAlchemyError as error:
            raise StoreError(f"store `{self.shown}`: {_problem(error)}") from None
        except StoreError as error:
            if str(error).startswith(f"store `{self.shown}`"):
                raise
            raise self._fail(str(error)) from None

    def _fail(self, problem: str) -> StoreError:
        return StoreError(f"store `{self.shown}`: {problem}")

    def save(self, record: ScanRecord, *, stored_at: datetime) -> int:
        """Save a scan with its findings and scores in one transaction; its new scan id

        Raises:
            StoreError: the database refused it (nothing of the scan is kept)
        """
        with self._transaction(is_write=True) as connection:
            scan_id: int = connection.execute(
                sa.insert(scans)
                .values(
                    account_id=record.account_id,
                    account_alias=record.account_alias,
                    assessed_at=record.assessed_at,
                    stored_at=stored_at,
                    tool_version=record.tool_version,
                    source=record.source,
                )
                .returning(scans.c.id)
            ).scalar_one()
            if record.findings:
                connection.execute(
                    sa.insert(findings), [_finding_row(scan_id, f) for f in record.findings]
                )
            if record.scores:
                connection.execute(
                    sa.insert(scores),
                    [
                        {
                            "scan_id": scan_id,
                            "framework": s.framework,
                            "version": s.version,
                            "passed": s.passed,
                            "assessed": s.assessed,
                        }
                        for s in record.scores
                    ],
                )
        return scan_id

    def _scores(self, connection: Connection, ids: list[int]) -> dict[int, list[FrameworkScore]]:
        found: dict[int, list[FrameworkScore]] = {scan_id: [] for scan_id in ids}
        query = sa.select(scores).where(scores.c.scan_id.in_(ids))
        for row in connection.execute(query):
            found[row.scan_id].append(
                FrameworkScore(
                    framework=row.framework,
                    version=row.version,
                    passed=row.passed,
                    assessed=row.assessed,
                )
            )
        return found

    def accounts(self) -> tuple[str, ...]:
        """The ids of the accounts the store holds scans of, sorted (empty for an empty
        store)"""
        if self.is_empty:
            return ()
        with self._transaction() as connection:
            found = connection.execute(sa.select(scans.c.account_id).distinct()).scalars()
            return tuple(sorted(found))

    def scans(
        self, *, account: str | None = None, limit: int | None = None
    ) -> tuple[ScanSummary, ...]:
        """Every stored scan (of `account` when given), oldest first (by assessment date,
        then id); with `limit`, only the `limit` newest of them (still oldest first). An
        empty store has none.

        Raises:
            ValueError: `limit` below 1
        """
        if limit is not None and limit < 1:
            raise ValueError("limit must be 1 or more")
        if self.is_empty:
            return ()
        query = sa.select(scans).order_by(scans.c.assessed_at.desc(), scans.c.id.desc())
        if account is not None:
            query = query.where(scans.c.account_id == account)
        if limit is not None:
            query = query.limit(limit)
        with self._transaction() as connection:
            rows = list(connection.execute(query))[::-1]
            ids = [row.id for row in rows]
            counts: dict[int, list[tuple[str, str, int]]] = {scan_id: [] for scan_id in ids}
            grouped = (
                sa.select(
                    findings.c.scan_id, findings.c.status, findings.c.severity, sa.func.count()
                )
                .where(findings.c.scan_id.in_(ids))
                .group_by(findings.c.scan_id, findings.c.status, findings.c.severity)
            )
            for scan_id, status, severity, count in connection.execute(grouped):
                counts[scan_id].append((status, severity, count))
            framework_scores = self._scores(connection, ids)
        summaries = []
        for row in rows:
            by_status = dict.fromkeys(Status, 0)
            failing = dict.fromkeys(Severity, 0)
            for status, severity, count in counts[row.id]:
                by_status[Status(status)] += count
                if status == Status.FAIL.value:
                    failing[Severity(severity)] += count
            summaries.append(
                ScanSummary(
                    scan_id=row.id,
                    account_id=row.account_id,
                    account_alias=row.account_alias,
                    assessed_at=row.assessed_at,
                    stored_at=row.stored_at,
                    tool_version=row.tool_version,
                    source=row.source,
                    status_counts=by_status,
                    failing=failing,
                    scores=tuple(framework_scores[row.id]),
                )
            )
        return tuple(summaries)

    def load(self, scan_id: int) -> ScanRecord:
        """The scan of this id with every finding

        Raises:
            StoreError: no scan has this id
        """
        if not 0 <= scan_id <= _MAX_SCAN_ID or self.is_empty:
            raise self._fail(f"no scan `{scan_id}` (see `iamwarden history`)")
        with self._transaction() as connection:
            row = connection.execute(sa.select(scans).where(scans.c.id == scan_id)).one_or_none()
            if row is None:
                raise self._fail(f"no scan `{scan_id}` (see `iamwarden history`)")
            stored = connection.execute(sa.select(findings).where(findings.c.scan_id == scan_id))
            kept = tuple(
                StoredFinding(
                    id=f.finding_id,
                    check_id=f.check_id,
                    resource_arn=f.resource_arn,
                    resource_type=f.resource_type,
                    status=Status(f.status),
                    severity=Severity(f.severity),
                    message=f.message,
                )
                for f in stored
            )
            framework_scores = self._scores(connection, [scan_id])[scan_id]
        return ScanRecord(
            scan_id=row.id,
            account_id=row.account_id,
            account_alias=row.account_alias,
            assessed_at=row.assessed_at,
            stored_at=row.stored_at,
            tool_version=row.tool_version,
            source=row.source,
            findings=kept,
            scores=tuple(framework_scores),
        )

    def _account(self, account: str | None) -> str:
        """`account`, or the store's only account"""
        if account is not None:
            return account
        accounts = self.accounts()
        if len(accounts) > 1:
            several = ", ".join(accounts)
            raise self._fail(f"holds scans of several accounts ({several}): give --account")
        if not accounts:
            raise self._fail("holds no scan yet (store one with `iamwarden assess --store`)")
        return accounts[0]

    def resolve(self, ref: str, *, account: str | None = None) -> ScanRecord:
        """The scan `ref` names: a scan id, `latest`, `previous` (the one before latest), or
        an ISO 8601 date (the latest scan on or before that day, UTC) or date-time (on or
        before that moment); dates and `latest`/`previous` are of `account`, which may be
        left out when the store holds one account

        Raises:
            StoreError: no such scan, or several accounts and no `account`
        """
        if ref.isdigit():
            record = self.load(int(ref))
            if account is not None and record.account_id != account:
                raise self._fail(f"scan `{ref}` is of account {record.account_id}, not {account}")
            return record
        owner = self._account(account)
        query = (
            sa.select(scans.c.id)
            .where(scans.c.account_id == owner)
            .order_by(scans.c.assessed_at.desc(), scans.c.id.desc())
        )
        if ref in ("latest", "previous"):
            query = query.offset(1 if ref == "previous" else 0)
        else:
            try:
                moment = datetime.fromisoformat(ref)
            except ValueError:
                problem = f"`{one_line(ref)}` is no scan id, date, latest or previous"
                raise self._fail(problem) from None
            if len(ref) == len("2026-01-31"):
                # a day: every scan of that day, up to its last instant (UTC)
                day = date.fromisoformat(ref)
                until = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
                query = query.where(scans.c.assessed_at < until)
            else:
                until = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
                query = query.where(scans.c.assessed_at <= until)
        with self._transaction() as connection:
            scan_id = connection.execute(query.limit(1)).scalar_one_or_none()
        if scan_id is None:
            raise self._fail(f"no scan of account {owner} for `{one_line(ref)}`")
        return self.load(scan_id)

    def failed_until(self, scan: ScanRecord) -> frozenset[str]:
        """The ids of findings that were FAIL in `scan` or in a scan of its account stored
        before it (an earlier assessment date, or the same date and a smaller id): what tells
        a regression from a new finding"""
        if scan.scan_id is None or self.is_empty:
            return frozenset()
        earlier = sa.or_(
            scans.c.assessed_at < scan.assessed_at,
            sa.and_(scans.c.assessed_at == scan.assessed_at, scans.c.id <= scan.scan_id),
        )
        query = (
            sa.select(findings.c.finding_id)
            .distinct()
            .join(scans, scans.c.id == findings.c.scan_id)
            .where(
                scans.c.account_id == scan.account_id,
                earlier,
                findings.c.status == Status.FAIL.value,
            )
        )
        with self._transaction() as connection:
            return frozenset(connection.execute(query).scalars())

    def close(self) -> None:
        """Release the store's connections"""
        if self._engine is not None:
            self._engine.dispose()


@contextmanager
def open_store(url: str | None, *, write: bool = False) -> Iterator[HistoryStore]:
    """Open the store at `url` (see `parse_store_url`)

    With `write`, the store is made ready to save scans: its schema created or upgraded to
    `SCHEMA_REVISION` (a missing SQLite file is created) and the database checked to take
    writes, so that a command can refuse before any long work. Without it nothing is
    created, migrated or written: a missing SQLite file or an empty database opens as an
    empty store (`HistoryStore.is_empty`: no scans), and an older schema is read as it is
    (revisions 0001 and 0002 have the same tables).

    Raises:
        StoreError: a bad URL, an unreachable database, psycopg missing for PostgreSQL, a
            store of a newer schema, a database holding other tables and no iamwarden
            store, or (with `write`) a store that cannot be written
    """
    parsed = parse_store_url(url)
    shown = _shown(parsed)
    if parsed.drivername == "sqlite":
        if not write and not Path(parsed.database or "").exists():
            yield HistoryStore(None, shown)
            return
        engine = _sqlite_engine(parsed)
    else:
        if importlib.util.find_spec("psycopg") is None:
            extra = "pip install 'iamwarden[postgres]'"
            raise StoreError(f"store `{shown}`: PostgreSQL needs `{extra}`")
        engine = sa.create_engine(parsed, pool_pre_ping=True)
    store = HistoryStore(engine, shown)
    try:
        with store._transaction() as connection:
            current = _revision(connection, shown)
        if not write and current is None:
            engine.dispose()
            yield HistoryStore(None, shown)
            return
        if write:
            with store._transaction(is_write=True) as connection:
                if current != SCHEMA_REVISION:
                    _upgrade(connection, shown)
                _check_writable(connection)
        yield store
    finally:
        store.close()
