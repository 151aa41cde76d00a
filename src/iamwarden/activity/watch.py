"""Watch: follow new CloudTrail records (a local folder, an S3 prefix, or an SQS queue fed by an
EventBridge rule), raise the rule pack's alerts, and deliver each alert once to every sink,
across restarts

Position and alert state live in one SQLite file (the standard library's `sqlite3`, WAL,
`synchronous=FULL`): a watcher commits one small transaction per file or message, which is
SQLite's strength (DuckDB, the activity store, is built for bulk analytics and holds one
writer lock per file). Tables:

- `seen (source, item)`: files (path and size), S3 keys and SQS message ids processed;
- `alerts`: one row per (eventID, rule), with its JSON payload and status (`pending`,
  `delivered`, `suppressed` by the rate limit);
- `deliveries (alert_id, sink)`: which sink has each alert.

One item is processed in one transaction: its alerts are added (a duplicate eventID and rule
is ignored) and the item is marked seen together, so a crash before the commit replays the
item and a crash after it replays nothing. An SQS message is deleted only after that commit.
Alerts are then delivered sink by sink, each delivery recorded as it succeeds: a sink that
fails keeps its alerts pending for the next pass. The JSON lines sink skips the alerts its
file already holds, so it is exactly once even when the process dies between writing a line
and recording it; the others are at least once in that window (milliseconds).

The rate limit is per rule over windows of event time (`RateLimit(count, seconds)`): past
`count` alerts of one rule in one window, the rest are stored as `suppressed` and counted,
never silently dropped. Event time, not the clock, so a replay decides as the live run did.

This module reads sources and the state file; it never prints (progress goes to a callback).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from iamwarden.activity.rules import RulePack, SnapshotContext, alerts_for
from iamwarden.activity.rules.records import array_items, read_records
from iamwarden.activity.sources import find_files, is_trail_file
from iamwarden.errors import IamwardenError, InputError
from iamwarden.fileio import parse_json, read_stream

__all__ = [
    "STATE_VERSION",
    "FolderSource",
    "RateLimit",
    "S3Source",
    "SQSSource",
    "Sink",
    "SinkError",
    "Source",
    "WatchItem",
    "WatchOptions",
    "WatchProgress",
    "WatchState",
    "open_state",
    "parse_rate_limit",
    "records_of",
    "region_of",
    "run_watch",
]

STATE_VERSION = 1
"""Version of the state file's tables; a file of another version is refused"""


class SinkError(IamwardenError):
    """A sink could not take an alert (the alert stays pending and is retried)"""


class Sink(Protocol):
    """Where alerts go: `name` (stable, recorded with each delivery) and `deliver`"""

    name: str

    def deliver(self, alert: Mapping[str, Any]) -> None:
        """Deliver one alert (its JSON object), or take it for `flush`

        Raises:
            SinkError: the alert was not delivered.
        """

    def flush(self) -> None:
        """Make every alert taken by `deliver` durable

        Raises:
            SinkError: they were not (none of them counts as delivered).
        """


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimit:
    """At most `count` alerts of one rule per `seconds` of event time"""

    count: int
    seconds: int

    def __post_init__(self) -> None:
        if self.count < 1 or self.seconds < 1:
            raise ValueError("a rate limit is at least 1 alert per 1 second")


def parse_rate_limit(text: str) -> RateLimit:
    """`N/SECONDS` (such as `5/60`), or `N/Xs|m|h` (`5/1m`)

    Raises:
        InputError: not of that form.
    """
    count, _, per = text.partition("/")
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        scale = units.get(per[-1:], 1)
        seconds = int(per[:-1] if per[-1:] in units else per) * scale
        return RateLimit(count=int(count), seconds=seconds)
    except ValueError:
        raise InputError(
            f"`{text}` is not a rate limit (alerts per period of event time, such as 5/60 or 5/1m)",
            location="--rate-limit",
        ) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchItem:
    """One unit of new input: `key` its position in the source (a file's path and size, an S3
    key, an SQS message id), `name` how alerts name where they came from, its records, and
    `problem` when it could not be read (it is then marked seen with the problem), and
    `warnings` for records left out of it (nested too deeply: the others are processed)"""

    key: str
    name: str
    records: tuple[Mapping[str, Any], ...] = ()
    problem: str = ""
    receipt: str = ""
    warnings: tuple[str, ...] = ()


class Source(Protocol):
    """New input, item by item; `name` identifies the source in the state file"""

    name: str

    def poll(self, is_seen: Callable[[str], bool]) -> Iterator[WatchItem]:
        """The items not seen yet"""

    def acknowledge(self, item: WatchItem) -> None:
        """Called once the item's alerts and position are committed"""


_RECORDS_FILE = re.compile(r'\{\s*"Records"\s*:\s*\[')


def _without_deep(
    text: str, name: str, on_skip: Callable[[InputError], None]
) -> tuple[Mapping[str, Any], ...] | None:
    """The records of a `{"Records": [...]}` file or a JSON array whose whole text is nested
    too deeply, each too-deep record handed to `on_skip` and left out; None for another
    shape"""
    key = "Records" if _RECORDS_FILE.match(text) else "" if text.startswith("[") else None
    if key is None:
        return None
    found: list[Mapping[str, Any]] = []
    for index, item in enumerate(array_items(text, key)):
        location = f"{key}[{index}]"
        try:
            value = parse_json(item, path=name)
        except InputError as error:
            if "nested too deeply" not in error.problem:
                raise InputError(error.problem, path=name, location=location) from None
            on_skip(InputError(error.problem, path=name, location=location))
            continue
        if not isinstance(value, Mapping):
            raise InputError("a record is not a JSON object", path=name, location=location)
        found.append(value)
    return tuple(found)


def records_of(
    text: str, *, name: str, on_skip: Callable[[InputError], None] | None = None
) -> tuple[Mapping[str, Any], ...]:
    """The CloudTrail records of a file's text: `{"Records": [...]}`, a JSON array, one
    record (an EventBridge event's `detail`), or JSON lines; with `on_skip`, a record of a
    `Records` file or array nested too deeply is handed to it and left out (the others kept)

    Raises:
        InputError: not JSON, or no records in it (located by line).
    """
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        return ()
    if stripped.startswith(("{", "[")):
        try:
            value = parse_json(stripped, path=name)
        except InputError as error:
            if on_skip is not None and "nested too deeply" in error.problem:
                kept = _without_deep(stripped, name, on_skip)
                if kept is not None:
                    return kept
            if not stripped.startswith("{") or "\n" not in stripped:
                raise
            value = None  # JSON lines start with `{` too
        if value is not None:
            return _records(value, name=name, location="")
    found: list[Mapping[str, Any]] = []
    for number, line in enumerate(stripped.splitlines(), 1):
        if line.strip():
            value = parse_json(line, path=name)
            found.extend(_records(value, name=name, location=f"line {number}"))
    return tuple(found)


def _records(value: Any, *, name: str, location: str) -> tuple[Mapping[str, Any], ...]:
    key = ""
    if isinstance(value, Mapping):
        if isinstance(value.get("Records"), list):
            value, key = value["Records"], "Records"
        elif isinstance(value.get("detail"), Mapping) and "detail-type" in value:
            value = [value["detail"]]
        elif value.get("Type") == "Notification" and isinstance(value.get("Message"), str):
            return _records(parse_json(value["Message"], path=name), name=name, location=location)
        else:
            value = [value]
    if not isinstance(value, list):
        raise InputError("not CloudTrail records", path=name, location=location)
    for index, record in enumerate(value):
        if not isinstance(record, Mapping):
            where = f"{location}: " if location else ""
            raise InputError(
                "a record is not a JSON object", path=name, location=f"{where}{key}[{index}]"
            )
    return tuple(value)


_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")


def region_of(location: str) -> str | None:
    """The AWS Region named in an SQS queue URL (`https://sqs.REGION.amazonaws.com/...`, or
    the legacy `https://REGION.queue.amazonaws.com/...`) or an ARN (`arn:aws:sns:REGION:...`);
    None when it names none (an emulator's URL). Source: AWS General Reference, "Amazon SQS
    endpoints" and "Amazon Resource Names (ARNs)"."""
    if location.startswith("arn:"):
        parts = location.split(":")
        candidates = parts[3:4]
    else:
        candidates = (urlsplit(location).hostname or "").split(".")[:2]
    return next((part for part in candidates if _REGION.match(part)), None)


def aws_client(service: str, location: str) -> Any:
    """A boto3 client (its credential chain and `AWS_ENDPOINT_URL`) in the Region `location`
    names (`region_of`), else the configured default Region

    Raises:
        InputError: no Region in `location` and none configured (one line naming `location`).
    """
    import boto3
    from botocore.exceptions import BotoCoreError, NoRegionError

    try:
        return boto3.Session().client(service, region_name=region_of(location))
    except NoRegionError:
        raise InputError(
            "no AWS Region in it and none configured (set AWS_REGION or AWS_DEFAULT_REGION)",
            path=location,
        ) from None
    except BotoCoreError as error:
        raise InputError(f"{service.upper()}: {error}", path=location) from None


class FolderSource:
    """New CloudTrail files under a local folder (CloudTrail's layout or any), each read
    whole by `activity.rules.records` (the guarded reader); a file whose size changed is
    read again. A record nested too deeply is left out with a warning naming its position
    (`Records[3]`); the file's other records are processed."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise InputError("no such directory", path=str(folder))
        self.folder = folder
        self.name = f"folder:{folder.resolve()}"

    def poll(self, is_seen: Callable[[str], bool]) -> Iterator[WatchItem]:
        for found in find_files([self.folder]):
            key = f"{found.name}|{found.size}"
            if is_seen(key):
                continue
            skipped: list[InputError] = []
            try:
                records = tuple(
                    r.record for r in read_records([found.local], on_skip=skipped.append)
                )
            except InputError as error:
                yield WatchItem(key=key, name=found.name, problem=str(error))
                continue
            warnings = tuple(f"{e.location}: {e.problem}; record skipped" for e in skipped)
            yield WatchItem(key=key, name=found.name, records=records, warnings=warnings)

    def acknowledge(self, item: WatchItem) -> None:
        """Nothing to do: a file's position is its row in `seen`"""


class S3Source:
    """New CloudTrail objects under `s3://bucket/prefix` (digest files left out), listed and
    read through boto3 (its credential chain and `AWS_ENDPOINT_URL`); a record nested too
    deeply is left out with a warning, as `FolderSource` does"""

    def __init__(self, url: str, *, client: Any = None) -> None:
        from iamwarden.activity.s3 import split_s3_url

        self.bucket, self.prefix = split_s3_url(url)
        self.name = url
        self._client = client

    def _s3(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.Session().client("s3")
        return self._client

    def poll(self, is_seen: Callable[[str], bool]) -> Iterator[WatchItem]:
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._s3()
        try:
            pages = client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            keys = [
                item["Key"]
                for page in pages
                for item in page.get("Contents", ())
                if is_trail_file(item["Key"])
            ]
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            raise InputError(f"S3: {code}", path=self.name) from None
        except BotoCoreError as error:
            raise InputError(f"S3: {error}", path=self.name) from None
        for key in sorted(keys):
            if is_seen(key):
                continue
            url = f"s3://{self.bucket}/{key}"
            skipped: list[InputError] = []
            try:
                body = client.get_object(Bucket=self.bucket, Key=key)["Body"]
                text = read_stream(body, name=url)
                records = records_of(text, name=url, on_skip=skipped.append)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "error")
                raise InputError(f"S3: {code}", path=url) from None
            except InputError as error:
                yield WatchItem(key=key, name=url, problem=str(error))
                continue
            warnings = tuple(f"{e.location}: {e.problem}; record skipped" for e in skipped)
            yield WatchItem(key=key, name=url, records=records, warnings=warnings)

    def acknowledge(self, item: WatchItem) -> None:
        """Nothing to do: an object's position is its row in `seen`"""


class SQSSource:
    """Messages of an SQS queue fed by an EventBridge rule (each body an EventBridge event
    whose `detail` is the CloudTrail record; an SNS envelope is unwrapped); a message is
    deleted once its alerts are committed"""

    def __init__(self, queue_url: str, *, wait_seconds: int = 0, client: Any = None) -> None:
        self.queue_url = queue_url
        self.name = f"sqs:{queue_url}"
        self.wait_seconds = wait_seconds
        self._client = client

    def _sqs(self) -> Any:
        if self._client is None:
            self._client = aws_client("sqs", self.queue_url)
        return self._client

    def poll(self, is_seen: Callable[[str], bool]) -> Iterator[WatchItem]:
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._sqs()
        while True:
            try:
                reply = client.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=self.wait_seconds,
                )
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "error")
                raise InputError(f"SQS: {code}", path=self.queue_url) from None
            except BotoCoreError as error:
                raise InputError(f"SQS: {error}", path=self.queue_url) from None
            messages = reply.get("Messages", ())
            if not messages:
                return
            for message in messages:
                key = message["MessageId"]
                receipt = message["ReceiptHandle"]
                name = f"sqs:{key}"
                if is_seen(key):  # delivered again after a crash before its deletion
                    yield WatchItem(key=key, name=name, receipt=receipt)
                    continue
                try:
                    records = records_of(message.get("Body", ""), name=name)
                except InputError as error:
                    yield WatchItem(key=key, name=name, problem=str(error), receipt=receipt)
                    continue
                yield WatchItem(key=key, name=name, records=records, receipt=receipt)

    def acknowledge(self, item: WatchItem) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        # a message not deleted comes back and is recognised as seen: nothing is repeated
        with suppress(ClientError, BotoCoreError):
            self._sqs().delete_message(QueueUrl=self.queue_url, ReceiptHandle=item.receipt)


_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seen (
    source TEXT NOT NULL, item TEXT NOT NULL, records INTEGER NOT NULL, problem TEXT,
    PRIMARY KEY (source, item)
);
CREATE TABLE IF NOT EXISTS alerts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id TEXT NOT NULL UNIQUE,
    rule TEXT NOT NULL,
    event_id TEXT NOT NULL,
    time_window INTEGER,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'suppressed')),
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_window ON alerts (rule, time_window, status);
CREATE TABLE IF NOT EXISTS deliveries (
    alert_id TEXT NOT NULL, sink TEXT NOT NULL, PRIMARY KEY (alert_id, sink)
);
"""


def _event_key(record: Mapping[str, Any]) -> str:
    """The record's eventID, else a digest of the record (a record without one still
    deduplicates against itself)"""
    event_id = record.get("eventID")
    if isinstance(event_id, str) and event_id:
        return event_id
    canonical = json.dumps(record, sort_keys=True, default=str).encode()
    return "sha256:" + hashlib.sha256(canonical).hexdigest()[:32]


def _window(record: Mapping[str, Any], limit: RateLimit | None) -> int | None:
    if limit is None:
        return None
    text = record.get("eventTime")
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int(when.timestamp()) // limit.seconds


class WatchState:
    """The open state file: what has been seen, the alerts and their deliveries"""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path

    def is_seen(self, source: str, item: str) -> bool:
        """Whether `item` of `source` was processed"""
        row = self.connection.execute(
            "SELECT 1 FROM seen WHERE source = ? AND item = ?", (source, item)
        ).fetchone()
        return row is not None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def commit_item(
        self,
        source: str,
        item: WatchItem,
        alerts: Sequence[tuple[str, str, Mapping[str, Any], Mapping[str, Any]]],
        limit: RateLimit | None,
    ) -> tuple[int, int]:
        """Add the item's alerts (rule id, event key, payload, record) and mark it seen, in
        one transaction: (alerts added, alerts suppressed by the rate limit)"""
        added = suppressed = 0
        with self._transaction() as db:
            for rule, event_key, payload, record in alerts:
                alert_id = hashlib.sha256(f"{event_key}\0{rule}".encode()).hexdigest()[:24]
                window = _window(record, limit)
                status = "pending"
                if limit is not None and window is not None:
                    row = db.execute(
                        "SELECT count(*) FROM alerts WHERE rule = ? AND time_window = ? "
                        "AND status != 'suppressed'",
                        (rule, window),
                    ).fetchone()
                    if row[0] >= limit.count:
                        status = "suppressed"
                body = json.dumps({**payload, "alert_id": alert_id}, sort_keys=True)
                cursor = db.execute(
                    "INSERT INTO alerts (alert_id, rule, event_id, time_window, status, payload) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id) DO NOTHING",
                    (alert_id, rule, event_key, window, status, body),
                )
                if cursor.rowcount:
                    added += status == "pending"
                    suppressed += status == "suppressed"
            db.execute(
                "INSERT INTO seen VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (source, item.key, len(item.records), item.problem or None),
            )
        return added, suppressed

    def pending(self) -> list[tuple[str, dict[str, Any]]]:
        """Alerts not yet delivered to every sink: (alert id, payload), oldest first"""
        return [
            (alert_id, json.loads(payload))
            for alert_id, payload in self.connection.execute(
                "SELECT alert_id, payload FROM alerts WHERE status = 'pending' ORDER BY seq"
            )
        ]

    def delivered_to(self, alert_ids: Sequence[str]) -> dict[str, set[str]]:
        """The sinks that have each of `alert_ids` (pending alerts: the others have every
        sink)"""
        found: dict[str, set[str]] = {alert_id: set() for alert_id in alert_ids}
        for alert_id, sink in self.connection.execute(
            "SELECT d.alert_id, d.sink FROM deliveries d JOIN alerts a USING (alert_id) "
            "WHERE a.status = 'pending'"
        ):
            if alert_id in found:
                found[alert_id].add(sink)
        return found

    def record_deliveries(self, sink: str, alert_ids: Sequence[str]) -> None:
        """Note that `sink` has the alerts"""
        if alert_ids:
            with self._transaction() as db:
                db.executemany(
                    "INSERT INTO deliveries VALUES (?, ?) ON CONFLICT DO NOTHING",
                    [(alert_id, sink) for alert_id in alert_ids],
                )

    def mark_complete(self, alert_ids: Sequence[str]) -> None:
        """Every sink has the alerts"""
        if alert_ids:
            with self._transaction() as db:
                db.executemany(
                    "UPDATE alerts SET status = 'delivered' WHERE alert_id = ?",
                    [(alert_id,) for alert_id in alert_ids],
                )

    def counts(self) -> dict[str, int]:
        """Alerts by status, and items seen"""
        found = dict(self.connection.execute("SELECT status, count(*) FROM alerts GROUP BY status"))
        row = self.connection.execute("SELECT count(*) FROM seen").fetchone()
        return {
            "seen": int(row[0]),
            **{s: int(found.get(s, 0)) for s in ("pending", "delivered", "suppressed")},
        }


@contextmanager
def open_state(path: Path) -> Iterator[WatchState]:
    """Open (creating) the state file at `path`

    Raises:
        InputError: the file is not a watch state file (not SQLite, another version) or
            cannot be opened.
    """
    shown = str(path)
    if path.is_dir():
        raise InputError("is a directory", path=shown)
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=30)
    except sqlite3.Error as error:
        raise InputError(f"cannot open the watch state: {error}", path=shown) from None
    try:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            connection.executescript(_DDL)
            connection.execute(
                "INSERT INTO meta VALUES ('state_version', ?) ON CONFLICT DO NOTHING",
                (str(STATE_VERSION),),
            )
            row = connection.execute(
                "SELECT value FROM meta WHERE key = 'state_version'"
            ).fetchone()
        except sqlite3.DatabaseError as error:
            raise InputError(f"not a watch state file ({error})", path=shown) from None
        if row is None or row[0] != str(STATE_VERSION):
            raise InputError(
                f"watch state version {row[0] if row else 'none'}, expected {STATE_VERSION}",
                path=shown,
            )
        yield WatchState(connection, path)
    finally:
        connection.close()


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchOptions:
    """How to watch: `once` processes what is there and returns; otherwise poll every
    `interval` seconds until `should_stop()`; `rate_limit` per rule; `context` decides the
    rules' snapshot conditions (NOT_ASSESSED without it)"""

    once: bool = False
    interval: float = 30.0
    rate_limit: RateLimit | None = None
    context: SnapshotContext | None = None
    should_stop: Callable[[], bool] = field(default=lambda: False)


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchProgress:
    """Something worth telling: an item processed (with its alert counts), or a problem
    (an unreadable item, a sink that failed: `problem` set)"""

    item: str = ""
    records: int = 0
    alerts: int = 0
    suppressed: int = 0
    problem: str = ""


def _deliver(
    state: WatchState, sinks: Sequence[Sink], report: Callable[[WatchProgress], None]
) -> int:
    """Deliver every pending alert to the sinks that lack it, sink by sink: a sink's
    deliveries are recorded in one transaction once it has flushed them; a sink that fails
    keeps the rest pending. Returns the number of alerts left pending."""
    pending = state.pending()
    if not pending:
        return 0
    done = state.delivered_to([alert_id for alert_id, _ in pending])
    for sink in sinks:
        delivered: list[str] = []
        try:
            for alert_id, payload in pending:
                if sink.name not in done[alert_id]:
                    sink.deliver(payload)
                    delivered.append(alert_id)
        except SinkError as error:
            report(WatchProgress(problem=f"{sink.name}: {error}"))
        try:
            sink.flush()
        except SinkError as error:
            report(WatchProgress(problem=f"{sink.name}: {error}"))
            delivered = []
        state.record_deliveries(sink.name, delivered)
        for alert_id in delivered:
            done[alert_id].add(sink.name)
    names = {sink.name for sink in sinks}
    complete = [alert_id for alert_id, _ in pending if names <= done[alert_id]]
    state.mark_complete(complete)
    return len(pending) - len(complete)


def run_watch(
    source: Source,
    pack: RulePack,
    state: WatchState,
    sinks: Sequence[Sink],
    *,
    options: WatchOptions | None = None,
    report: Callable[[WatchProgress], None] | None = None,
) -> int:
    """Follow `source`, raise the pack's alerts and deliver them; returns the number of alerts
    still pending (a sink that failed) when it stops

    Raises:
        InputError: the source cannot be listed or read (S3, SQS errors).
    """
    options = options or WatchOptions()
    tell = report or (lambda _: None)
    left = _deliver(state, sinks, tell)  # what a previous run committed but did not deliver
    while True:
        for item in source.poll(lambda key: state.is_seen(source.name, key)):
            if item.problem:
                tell(WatchProgress(item=item.name, problem=item.problem))
            for warning in item.warnings:
                tell(WatchProgress(item=item.name, problem=warning))
            alerts = []
            for index, record in enumerate(item.records):
                key = _event_key(record)
                for alert in alerts_for(
                    pack, record, context=options.context, source=item.name, index=index
                ):
                    alerts.append((alert.rule.id, key, alert.to_json(), record))
            if state.is_seen(source.name, item.key):
                added, suppressed = 0, 0
            else:
                added, suppressed = state.commit_item(source.name, item, alerts, options.rate_limit)
            source.acknowledge(item)
            if item.records:
                tell(
                    WatchProgress(
                        item=item.name,
                        records=len(item.records),
                        alerts=added,
                        suppressed=suppressed,
                    )
                )
            left = _deliver(state, sinks, tell)
        if options.once or options.should_stop():
            return left
        deadline = time.monotonic() + options.interval
        while time.monotonic() < deadline:
            if options.should_stop():
                return left
            time.sleep(min(0.5, options.interval))
