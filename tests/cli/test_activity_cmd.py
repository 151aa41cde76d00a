"""`iamwarden activity …` on the command line"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from iamwarden.cli.main import cli
from tests.activity.conftest import record, write_records


def test_ingest_summarises_and_lists_problems(tmp_path: Path) -> None:
    write_records(tmp_path / "logs" / "a.json", [record(), record("PutObject")])
    (tmp_path / "logs" / "bad.json.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    db = tmp_path / "t.duckdb"
    result = CliRunner().invoke(
        cli, ["activity", "ingest", str(tmp_path / "logs"), "--db", str(db), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "ingested 1 file, 2 events" in result.stdout
    assert "bad.json.gz: file skipped: corrupt gzip" in result.stdout
    assert "ingest: 2/2 files, 2 events" in result.stderr
    again = CliRunner().invoke(cli, ["activity", "ingest", str(tmp_path / "logs"), "--db", str(db)])
    assert "ingested 0 files, 0 events" in again.stdout and "1 file already" in again.stdout


def test_ingest_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(
        cli, ["activity", "ingest", str(tmp_path / "none"), "--db", str(tmp_path / "x.duckdb")]
    )
    assert missing.exit_code == 2
    assert missing.stderr.strip().endswith("none: no such file or directory")
    not_db = tmp_path / "a.json"
    not_db.write_text(json.dumps({"Records": []}))
    refused = runner.invoke(cli, ["activity", "ingest", str(not_db), "--db", str(not_db)])
    assert refused.exit_code == 2
    assert (
        refused.stderr == f"error: {not_db}: not an activity store (not a DuckDB database file)\n"
    )
    bad_time = runner.invoke(
        cli,
        ["activity", "ingest", str(not_db), "--db", str(tmp_path / "y.duckdb"), "--since", "soon"],
    )
    assert bad_time.exit_code == 2
    assert bad_time.stderr.startswith("error: --since: `soon` is not a time")
