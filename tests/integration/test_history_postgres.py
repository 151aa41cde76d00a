"""`assess --store`, `history` and `diff` on a real PostgreSQL server (started by the test
session, tests/integration/postgres.py), as a team sharing one store would run them, and two
processes storing at once (PostgreSQL's transactional DDL and advisory locks,
https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS, make the first
migration safe when both find an empty database)"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from _pytest.outcomes import Failed, Skipped
from click.testing import CliRunner, Result

from iamwarden.cli.main import cli
from tests.integration import postgres
from tests.integration.postgres import fresh_database


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_assess_history_and_diff_on_postgresql(postgres_server: str) -> None:
    url = fresh_database(postgres_server)
    for day in ("2026-11-01", "2026-11-08"):
        result = run("assess", "--demo", "--as-of", day, "--store", url, "-o", "/dev/null")
        assert result.exit_code == 0, result.output
        assert "stored scan" in result.stderr and url in result.stderr
    scans = json.loads(run("history", "--store", url, "--format", "json").stdout)["scans"]
    assert [s["scan_id"] for s in scans] == [1, 2]
    assert scans[0]["failing_by_severity"] == scans[1]["failing_by_severity"]
    drift = run("diff", "2026-11-01", "latest", "--store", url, "--format", "json")
    assert drift.exit_code == 0, drift.output
    data = json.loads(drift.stdout)
    assert data["summary"]["new"] == data["summary"]["resolved"] == 0
    assert data["summary"]["still_failing"] == sum(scans[1]["failing_by_severity"].values())
    (score,) = data["scores"]
    assert score["points"] == 0.0 and score["before"] == score["after"]


def test_a_password_in_the_url_is_never_printed(postgres_server: str) -> None:
    url = fresh_database(postgres_server).replace("iamwarden@", "iamwarden:s3cret-pw@")
    result = run("assess", "--demo", "--store", url, "-o", "/dev/null")
    assert result.exit_code == 0, result.output
    assert "s3cret-pw" not in result.output and "iamwarden:***@" in result.stderr


_WRITER = """
import sys
from datetime import UTC, datetime
from iamwarden.report.history import ScanRecord
from iamwarden.report.history.store import open_store

with open_store(sys.argv[1], write=True) as store:
    for minute in range(10):
        store.save(
            ScanRecord(scan_id=None, account_id=sys.argv[2], account_alias="",
                       assessed_at=datetime(2026, 11, 1, 0, minute, tzinfo=UTC),
                       stored_at=None, tool_version="t", source="s", findings=(), scores=()),
            stored_at=datetime.now(UTC),
        )
"""


def test_two_processes_migrate_and_store_at_once(postgres_server: str) -> None:
    url = fresh_database(postgres_server)
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, url, account], stderr=subprocess.PIPE)
        for account in ("111111111111", "222222222222")
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=300)
        assert writer.returncode == 0, errors
    scans = json.loads(run("history", "--store", url, "--format", "json").stdout)["scans"]
    assert len(scans) == 20
    assert sorted({s["account"]["id"] for s in scans}) == ["111111111111", "222222222222"]


def test_no_server_skips_locally_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped):
        postgres._unavailable("none here")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="CI needs PostgreSQL: none here"):
        postgres._unavailable("none here")


def test_the_binaries_are_found_where_debian_puts_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAMWARDEN_PG_BIN", "/opt/pg/bin")
    assert str(postgres.pg_bin()) == "/opt/pg/bin"
    monkeypatch.delenv("IAMWARDEN_PG_BIN")
    monkeypatch.setenv("PATH", "/nonexistent")
    found = postgres.pg_bin()
    if found is not None:
        assert found.parent.parent.name == "postgresql" and (found / "initdb").exists()
    else:
        assert not any(os.path.exists(f"/usr/lib/postgresql/{v}/bin/initdb") for v in range(9, 30))
