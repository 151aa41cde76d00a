"""`iamwarden activity …` at its edges: no data for the principal, calls that need no action,
the window's bounds, a store another process holds, events with no principal"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from iamwarden.cli.main import cli
from tests.activity.conftest import record, write_records

DEV = "arn:aws:iam::111122223333:role/dev"
DEMO_ROLE = "arn:aws:iam::210987654321:role/dev-role-01"


def _store(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    write_records(tmp_path / "logs" / "a.json", records)
    db = tmp_path / "t.duckdb"
    made = CliRunner().invoke(
        cli, ["activity", "ingest", str(tmp_path / "logs"), "--db", str(db), "--quiet"]
    )
    assert made.exit_code == 0, made.output
    return db


@pytest.mark.parametrize("principal", [DEMO_ROLE, "arn:aws:iam::111122223333:role/nope"])
def test_generate_without_recorded_calls_is_not_assessed(tmp_path: Path, principal: str) -> None:
    """Another account's store (the demo account's role) or a misspelt ARN: no policy, no
    "drops everything", `-o` left alone, exit 2"""
    db = _store(tmp_path, [record()])
    older = tmp_path / "p.json"
    older.write_text("older\n")
    base = ["activity", "generate", "--db", str(db), "--demo", "--principal", principal]
    result = CliRunner().invoke(cli, [*base, "-o", str(older)])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {db}: no successful recorded call of {principal} in ")
    assert line.endswith(": nothing to generate from (NOT ASSESSED)")
    assert result.stdout == ""
    assert older.read_text() == "older\n"


def test_generate_for_calls_that_need_no_action_says_so(tmp_path: Path) -> None:
    who_am_i = record("GetCallerIdentity", source="sts.amazonaws.com", params={})
    db = _store(tmp_path, [who_am_i, record("GetObject", error="AccessDenied")])
    out = tmp_path / "p.json"
    result = CliRunner().invoke(
        cli, ["activity", "generate", "--db", str(db), "--principal", DEV, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    header, written = result.stderr.splitlines()
    assert header.startswith(f"{DEV}: 1 successful recorded call in ")
    assert header.endswith(
        ": 1 needing no IAM action (a sign-in, sts:GetCallerIdentity); no policy"
    )
    assert written == f"{out}: not written (no policy)"
    assert not out.exists()


def test_generate_window_includes_its_first_instant(tmp_path: Path) -> None:
    """`--days 2` ending at 2026-03-03 10:00 keeps the call at 2026-03-01 10:00, as printed"""
    db = _store(
        tmp_path,
        [
            record(time="2026-03-01T09:59:59Z"),
            record(time="2026-03-01T10:00:00Z"),
            record(time="2026-03-03T10:00:00Z"),
        ],
    )
    base = ["activity", "generate", "--db", str(db), "--principal", DEV, "--days", "2"]
    found = json.loads(CliRunner().invoke(cli, [*base, "--format", "json"]).stdout)
    assert found["window"]["since"] == "2026-03-01T10:00:00Z"
    assert found["calls"] == 2
    text = CliRunner().invoke(cli, base)
    assert "from 2 recorded calls (2026-03-01 10:00 to 2026-03-03 10:00 UTC)" in text.stderr


def test_generate_names_the_snapshot_a_principal_is_missing_from(tmp_path: Path) -> None:
    db = _store(tmp_path, [record()])
    snapshot = tmp_path / "demo-snap.json"
    made = CliRunner().invoke(cli, ["snapshot", "--demo", "-o", str(snapshot)])
    assert made.exit_code == 0, made.output
    base = ["activity", "generate", "--db", str(db), "--snapshot", str(snapshot)]
    result = CliRunner().invoke(cli, [*base, "--principal", DEV])
    assert result.exit_code == 2
    assert result.stderr == f"error: {snapshot}: `{DEV}` is not a user or role of the snapshot\n"


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A store another process has open (its DuckDB lock), and that process's id"""
    db = _store(tmp_path, [record()])
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('open', flush=True); "
            "sys.stdin.read()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        yield db, holder.pid
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


@pytest.mark.parametrize(
    "command", [["ingest", "{logs}"], ["principals"], ["generate", "--principal", DEV]]
)
def test_a_store_in_use_by_another_process_is_one_line_exit_2(
    held: tuple[Path, int], command: list[str]
) -> None:
    db, pid = held
    args = [a.replace("{logs}", str(db.parent / "logs")) for a in command]
    result = CliRunner().invoke(cli, ["activity", *args, "--db", str(db)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {db}: the store is in use by another process (PID {pid})\n"


def test_principals_accounts_for_events_with_no_principal(tmp_path: Path) -> None:
    anonymous = record("ListBuckets")
    del anonymous["userIdentity"]
    db = _store(tmp_path, [record(), anonymous, record("ListBuckets", userIdentity="root")])
    result = CliRunner().invoke(cli, ["activity", "principals", "--db", str(db)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{DEV} (role): 1 event, 0 failed, ")
    assert lines[1:] == ["unattributed: 2 events (no principal in the record)"]


def _with_reader_gone(*args: str) -> subprocess.CompletedProcess[str]:
    """`iamwarden ARGS | head -0`: standard output a pipe whose reader has already gone"""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [sys.executable, "-c", "from iamwarden.cli.main import main; main()", *args],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=300,
        )
    finally:
        os.close(writer)


def test_a_closed_output_pipe_keeps_the_exit_status(tmp_path: Path) -> None:
    """`replay … | head -1` still says what broke (exit 1); a done command still exits 0"""
    db = _store(tmp_path, [record(), record("ListBuckets", params={})])
    policy = tmp_path / "p.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}
                ],
            }
        )
    )
    base = ["activity", "replay", "--db", str(db), "--principal", DEV, "--policy", str(policy)]
    assert CliRunner().invoke(cli, base).exit_code == 1
    replayed = _with_reader_gone(*base)
    assert (replayed.returncode, replayed.stderr) == (1, "")
    listed = _with_reader_gone("activity", "principals", "--db", str(db))
    assert (listed.returncode, listed.stderr) == (0, "")
