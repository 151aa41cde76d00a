"""`activity.watch` and `activity.sinks`: a folder followed, alerts deduplicated by eventID and
rule, rate-limited per rule, delivered once per sink across failures and a SIGKILL, and a
Slack-compatible webhook served by a real local HTTP server"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamwarden.activity.rules import load_builtin_pack
from iamwarden.activity.sinks import JsonLinesSink, WebhookSink, alert_text, slack_payload
from iamwarden.activity.watch import (
    FolderSource,
    RateLimit,
    SinkError,
    WatchOptions,
    WatchProgress,
    open_state,
    parse_rate_limit,
    records_of,
    region_of,
    run_watch,
)
from iamwarden.errors import InputError
from tests.activity.conftest import record, write_records


def _create_user(n: int, *, minute: int = 0) -> dict[str, Any]:
    return record(
        "CreateUser",
        source="iam.amazonaws.com",
        time=f"2026-03-01T10:{minute:02d}:{n % 60:02d}Z",
        params={"userName": f"u{n}"},
        readOnly=False,
        eventID=f"create-user-{n}",
    )


def _stop_logging(n: int) -> dict[str, Any]:
    return record(
        "StopLogging",
        source="cloudtrail.amazonaws.com",
        params={"name": "main"},
        readOnly=False,
        eventID=f"stop-{n}",
    )


class _Memory:
    """A sink that keeps what it is given, and fails while `failing`"""

    def __init__(self, name: str = "memory") -> None:
        self.name = name
        self.alerts: list[Mapping[str, Any]] = []
        self.failing = False

    def deliver(self, alert: Mapping[str, Any]) -> None:
        if self.failing:
            raise SinkError("down")
        self.alerts.append(alert)

    def flush(self) -> None:
        """Nothing buffered"""


def _run(folder: Path, state: Path, *sinks: Any, **options: Any) -> int:
    with open_state(state) as opened:
        return run_watch(
            FolderSource(folder),
            load_builtin_pack(),
            opened,
            list(sinks),
            options=WatchOptions(once=True, **options),
        )


def test_new_files_raise_alerts_once_and_seen_files_are_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "trail"
    write_records(folder / "a.json", [_create_user(1), record("GetObject")])
    sink = _Memory()
    assert _run(folder, tmp_path / "s.sqlite", sink) == 0
    assert [(a["rule"], a["event_id"]) for a in sink.alerts] == [
        ("iam_user_created", "create-user-1")
    ]
    assert sink.alerts[0]["source"] == str(folder / "a.json")
    # the same event delivered again in a second file (CloudTrail may deliver twice) and a new one
    write_records(folder / "b.json.gz", [_create_user(1), _stop_logging(1)], compress=True)
    assert _run(folder, tmp_path / "s.sqlite", sink) == 0
    assert sorted((a["rule"], a["event_id"]) for a in sink.alerts) == [
        ("cis_cloudtrail_changes", "stop-1"),
        ("cloudtrail_stopped_or_deleted", "stop-1"),
        ("iam_user_created", "create-user-1"),
    ]
    assert _run(folder, tmp_path / "s.sqlite", sink) == 0
    assert len(sink.alerts) == 3


def test_the_rate_limit_is_per_rule_and_window_of_event_time(tmp_path: Path) -> None:
    folder = tmp_path / "trail"
    burst = [_create_user(n) for n in range(10)] + [
        _create_user(10 + n, minute=5) for n in range(2)
    ]
    write_records(folder / "a.json", [*burst, _stop_logging(1)])
    sink = _Memory()
    state = tmp_path / "s.sqlite"
    _run(folder, state, sink, rate_limit=RateLimit(count=3, seconds=60))
    users = [a["event_id"] for a in sink.alerts if a["rule"] == "iam_user_created"]
    # three of the burst in minute 0, then both of minute 5 (a new window)
    assert users == [
        "create-user-0",
        "create-user-1",
        "create-user-2",
        "create-user-10",
        "create-user-11",
    ]
    assert sum(a["rule"] == "cloudtrail_stopped_or_deleted" for a in sink.alerts) == 1
    with open_state(state) as opened:
        assert opened.counts()["suppressed"] == 7


def test_a_failing_sink_keeps_its_alerts_pending_and_the_others_are_not_repeated(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "trail"
    write_records(folder / "a.json", [_create_user(1), _create_user(2)])
    good, flaky = _Memory("good"), _Memory("flaky")
    flaky.failing = True
    assert _run(folder, tmp_path / "s.sqlite", good, flaky) == 2
    assert len(good.alerts) == 2 and flaky.alerts == []
    flaky.failing = False
    assert _run(folder, tmp_path / "s.sqlite", good, flaky) == 0
    assert len(good.alerts) == 2
    assert [a["event_id"] for a in flaky.alerts] == ["create-user-1", "create-user-2"]


def test_a_long_outage_leaves_thousands_pending_and_all_are_delivered_once(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "trail"
    write_records(folder / "a.json", [_create_user(n, minute=n // 60 % 60) for n in range(1500)])
    sink = _Memory()
    sink.failing = True
    assert _run(folder, tmp_path / "s.sqlite", sink) == 1500
    sink.failing = False
    assert _run(folder, tmp_path / "s.sqlite", sink) == 0
    assert len({a["alert_id"] for a in sink.alerts}) == len(sink.alerts) == 1500


def test_the_jsonl_sink_skips_alerts_its_file_has(tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    first = JsonLinesSink(path)
    first.deliver({"alert_id": "a1", "rule": "r"})
    assert not path.exists()  # taken, written by flush
    first.flush()
    path.write_bytes(path.read_bytes() + b'{"alert_id": "a2", "ru')  # torn by a crash
    again = JsonLinesSink(path)
    again.deliver({"alert_id": "a1", "rule": "r"})
    again.deliver({"alert_id": "a2", "rule": "r"})
    again.flush()
    lines = path.read_text().splitlines()
    assert lines[0] == '{"alert_id": "a1", "rule": "r"}'
    assert lines[-1].endswith('{"alert_id": "a2", "rule": "r"}')
    assert sum("a1" in line for line in lines) == 1


def test_a_watch_killed_mid_stream_neither_loses_nor_repeats_an_alert(tmp_path: Path) -> None:
    """SIGKILL while files are being processed, then a restart: every alert exactly once"""
    folder = tmp_path / "trail"
    files = 300
    for n in range(files):
        write_records(folder / f"f{n:04d}.json", [_create_user(n), _stop_logging(n)])
    expected = files * 3  # iam_user_created; cis_cloudtrail_changes, cloudtrail_stopped_or_deleted
    out, state = tmp_path / "alerts.jsonl", tmp_path / "state.sqlite"
    command = [
        str(Path(sys.executable).with_name("iamwarden")),
        "watch",
        str(folder),
        "--once",
        "--quiet",
        "--state",
        str(state),
        "--jsonl",
        str(out),
    ]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if out.exists() and len(out.read_bytes().splitlines()) >= 30:
            break
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    written = len(out.read_bytes().splitlines())
    assert 30 <= written < expected, "the kill came too late to test anything"
    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    ids = [json.loads(line)["alert_id"] for line in out.read_text().splitlines()]
    assert len(ids) == expected
    assert len(set(ids)) == expected
    assert f"alerts {expected} delivered, 0 pending" in second.stderr


class _Hook(BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]]
    status: int

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet"""


@pytest.fixture
def hook() -> Iterator[tuple[str, type[_Hook]]]:
    """A real HTTP server on 127.0.0.1 taking webhook POSTs"""
    handler = type("Hook", (_Hook,), {"bodies": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/services/T0/B0/secret", handler
    server.shutdown()
    server.server_close()


def test_webhook_posts_a_slack_payload_and_a_server_error_keeps_the_alert(
    tmp_path: Path, hook: tuple[str, type[_Hook]]
) -> None:
    """Slack, "Sending messages using incoming webhooks": a JSON body with `text` (and
    optional `blocks`) POSTed to the URL"""
    url, handler = hook
    folder = tmp_path / "trail"
    write_records(folder / "a.json", [_stop_logging(7)])
    handler.status = 500
    assert _run(folder, tmp_path / "s.sqlite", WebhookSink(url)) == 2
    handler.status = 200
    handler.bodies.clear()
    assert _run(folder, tmp_path / "s.sqlite", WebhookSink(url)) == 0
    assert len(handler.bodies) == 2
    critical = next(b for b in handler.bodies if "CRITICAL" in b["text"])
    assert "StopLogging" in critical["text"] and "stop-7" in critical["text"]
    assert [block["type"] for block in critical["blocks"]] == ["header", "section", "context"]
    assert _run(folder, tmp_path / "s.sqlite", WebhookSink(url)) == 0
    assert len(handler.bodies) == 2


def test_a_webhook_error_never_shows_the_url() -> None:
    sink = WebhookSink("http://127.0.0.1:9/services/T0/B0/secret-token", timeout=1)
    with pytest.raises(SinkError) as raised:
        sink.deliver({"alert_id": "a", "severity": "high", "title": "t"})
    assert "secret-token" not in str(raised.value) and sink.name == "webhook:127.0.0.1"


def test_slack_payload_text_names_the_rule_and_event() -> None:
    payload = slack_payload(
        {
            "rule": "r1",
            "severity": "critical",
            "title": "Trail stopped",
            "event_name": "StopLogging",
            "caller": "arn:aws:iam::1:user/a",
            "account": "1",
            "region": "us-east-1",
            "event_time": "t",
            "event_id": "e",
        }
    )
    assert payload["text"].startswith(":red_circle: [CRITICAL] r1: Trail stopped — StopLogging")


def test_an_undecided_condition_is_named_in_the_text_and_slack_payload() -> None:
    """A rule condition not assessed (no snapshot) leaves the alert standing, marked so"""
    alert = {
        "rule": "credentials_created_for_admin",
        "severity": "critical",
        "title": "Credentials created for an admin",
        "event_name": "CreateAccessKey",
        "not_assessed": ["target_is_admin"],
    }
    assert alert_text(alert).endswith("[NOT_ASSESSED: target_is_admin]")
    payload = slack_payload(alert)
    assert "NOT_ASSESSED: target_is_admin" in payload["text"]
    fields = [f["text"] for f in payload["blocks"][1]["fields"]]
    assert "*Not assessed*\ntarget_is_admin" in fields
    decided = {**alert, "not_assessed": []}
    assert "NOT_ASSESSED" not in alert_text(decided)
    assert "NOT_ASSESSED" not in json.dumps(slack_payload(decided))


@pytest.mark.parametrize(
    ("location", "region"),
    [
        ("https://sqs.eu-west-3.amazonaws.com/111122223333/trail", "eu-west-3"),
        ("https://us-gov-west-1.queue.amazonaws.com/111122223333/trail", "us-gov-west-1"),
        ("arn:aws:sns:ap-southeast-2:111122223333:alerts", "ap-southeast-2"),
        ("http://127.0.0.1:5000/111122223333/trail", None),
        ("arn:aws:sns::111122223333:alerts", None),
    ],
)
def test_the_region_of_a_queue_url_or_topic_arn(location: str, region: str | None) -> None:
    """AWS General Reference, "Amazon SQS endpoints" (sqs.REGION.amazonaws.com) and "Amazon
    Resource Names (ARNs)" (arn:partition:service:region:account:resource)"""
    assert region_of(location) == region


def test_records_of_every_layout() -> None:
    one = {"eventID": "e", "eventName": "X"}
    assert records_of(json.dumps({"Records": [one]}), name="f") == (one,)
    assert records_of(json.dumps([one, one]), name="f") == (one, one)
    assert records_of(json.dumps(one) + "\n" + json.dumps(one), name="f") == (one, one)
    bridge = {"version": "0", "detail-type": "AWS API Call via CloudTrail", "detail": one}
    assert records_of(json.dumps(bridge), name="f") == (one,)
    sns = {"Type": "Notification", "Message": json.dumps(bridge)}
    assert records_of(json.dumps(sns), name="f") == (one,)
    with pytest.raises(InputError) as raised:
        records_of('{"Records": [\n', name="f.json")
    assert raised.value.path == "f.json"
    with pytest.raises(InputError) as raised:
        records_of('{"Records": [{}, 7]}', name="f.json")
    assert (raised.value.location, raised.value.problem) == (
        "Records[1]",
        "a record is not a JSON object",
    )
    with pytest.raises(InputError) as raised:
        records_of('{"a": 1}\n[1]', name="f.jsonl")
    assert raised.value.location == "line 2: [0]"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_records_of_any_text_is_records_or_one_located_error(text: str) -> None:
    try:
        found = records_of(text, name="f")
    except InputError as error:
        assert error.path == "f" and "\n" not in str(error)
    else:
        assert all(isinstance(r, Mapping) for r in found)


def test_an_unreadable_file_is_reported_and_not_retried(tmp_path: Path) -> None:
    folder = tmp_path / "trail"
    folder.mkdir()
    (folder / "bad.json").write_text('{"Records": [')
    problems: list[str] = []
    with open_state(tmp_path / "s.sqlite") as opened:
        run_watch(
            FolderSource(folder),
            load_builtin_pack(),
            opened,
            [],
            options=WatchOptions(once=True),
            report=lambda step: problems.append(step.problem) if step.problem else None,
        )
        assert opened.counts()["seen"] == 1
    assert problems and "bad.json" in problems[0] and "invalid JSON" in problems[0]


def test_rate_limit_text() -> None:
    assert parse_rate_limit("5/60") == RateLimit(count=5, seconds=60)
    assert parse_rate_limit("5/1m") == RateLimit(count=5, seconds=60)
    assert parse_rate_limit("20/1h") == RateLimit(count=20, seconds=3600)
    for bad in ("5", "x/60", "0/60", "5/0"):
        with pytest.raises(InputError):
            parse_rate_limit(bad)


def test_a_state_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    path.write_text("not a database, just text that is long enough to be read as a header")
    with pytest.raises(InputError) as raised, open_state(path):
        pass
    assert "not a watch state file" in str(raised.value)


def test_a_record_nested_too_deeply_is_skipped_and_the_rest_of_its_file_alerts(
    tmp_path: Path,
) -> None:
    """One hostile record does not hide the StopLogging beside it"""
    folder = tmp_path / "trail"
    value: Any = "x"
    for _ in range(400):
        value = {"k": value}
    deep = {**_create_user(1), "requestParameters": value}
    write_records(folder / "a.json", [deep, _stop_logging(3)])
    memory = _Memory()
    told: list[WatchProgress] = []
    with open_state(tmp_path / "s.sqlite") as opened:
        run_watch(
            FolderSource(folder),
            load_builtin_pack(),
            opened,
            [memory],
            options=WatchOptions(once=True),
            report=told.append,
        )
    assert "cloudtrail_stopped_or_deleted" in {a["rule"] for a in memory.alerts}
    problems = [p.problem for p in told if p.problem]
    assert problems == ["Records[0]: JSON nested too deeply (more than 256 levels); record skipped"]


def test_records_of_skips_a_deep_record_of_a_records_file_when_asked() -> None:
    value: Any = "x"
    for _ in range(400):
        value = [value]
    one, two = {"eventID": "a"}, {"eventID": "b"}
    for text, where in (
        (json.dumps({"Records": [one, {"p": value}, two]}), "Records[1]"),
        (json.dumps([one, {"p": value}, two]), "[1]"),
    ):
        with pytest.raises(InputError):
            records_of(text, name="f.json")
        skipped: list[InputError] = []
        assert records_of(text, name="f.json", on_skip=skipped.append) == (one, two)
        assert [e.location for e in skipped] == [where]
