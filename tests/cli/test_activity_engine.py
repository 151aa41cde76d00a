"""`--engine duckdb|spark|athena` of `iamwarden activity …`: the store's answers by default,
and one line, exit 2, for every option or environment that cannot work (results on Spark and
Athena: tests/activity/test_dialect.py, tests/integration/test_athena_dialect.py)"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamwarden.activity import find_files, ingest_files, open_store
from iamwarden.cli.main import cli
from tests.activity.conftest import record, write_records

DEV = "arn:aws:iam::111122223333:role/dev"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    write_records(
        tmp_path / "logs" / "a.json",
        [record(), record("PutObject"), record("GetObject", error="AccessDenied")],
    )
    db = tmp_path / "t.duckdb"
    with open_store(db) as opened:
        ingest_files(opened, find_files([tmp_path / "logs"]))
    return db


def test_calls_and_access_keys_on_the_store(store: Path) -> None:
    runner = CliRunner()
    calls = runner.invoke(cli, ["activity", "calls", "--db", str(store), "--format", "json"])
    assert calls.exit_code == 0, calls.output
    assert [(r["event_name"], r["calls"]) for r in json.loads(calls.stdout)] == [
        ("GetObject", 1),
        ("PutObject", 1),
    ]
    other = runner.invoke(cli, ["activity", "calls", "--db", str(store), "--principal", "x"])
    assert other.exit_code == 0 and other.stdout == ""
    keys = runner.invoke(cli, ["activity", "access-keys", "--db", str(store)])
    assert keys.exit_code == 0, keys.output
    assert keys.stdout == f"ASIAEXAMPLE ({DEV}): 3 calls, last used 2026-03-01T10:00:00Z\n"
    who = runner.invoke(cli, ["activity", "principals", "--db", str(store), "--engine", "duckdb"])
    assert who.stdout.startswith(f"{DEV} (role): 3 events, 1 failed, ")
    assert who.stdout.rstrip().endswith("ASIAEXAMPLE")


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["--engine", "spark"], "--engine spark needs --trail PATH"),
        (["--engine", "athena", "--database", "d"], "--engine athena needs --database DB and"),
        (["--trail", "AWSLogs"], "--trail is for --engine spark, not --engine duckdb"),
        (["--engine", "spark", "--trail", "x", "--db", "t.duckdb"], "--db is for --engine duckdb"),
        (
            ["--engine", "athena", "--database", "d", "--table", "t", "--demo"],
            "--demo is for --engine duckdb, not --engine athena",
        ),
        (
            ["--engine", "spark", "--trail", "x", "--workgroup", "w"],
            "--workgroup is for --engine athena, not --engine spark",
        ),
        (
            ["--engine", "athena", "--database", "d", "--table", "t", "--spark-master", "x"],
            "--spark-master is for --engine spark",
        ),
    ],
)
def test_an_option_of_another_engine_is_refused_exit_2(arguments: list[str], problem: str) -> None:
    result = CliRunner().invoke(cli, ["activity", "generate", "--principal", DEV, *arguments])
    assert result.exit_code == 2
    assert problem in result.stderr


def test_spark_without_pyspark_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in [n for n in sys.modules if n.split(".")[0] == "pyspark"] + ["pyspark"]:
        monkeypatch.setitem(sys.modules, name, None)  # as if never installed
    result = CliRunner().invoke(
        cli, ["activity", "principals", "--engine", "spark", "--trail", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --engine spark needs PySpark: pip install 'iamwarden[spark]'\n"
    )


def test_spark_without_java_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("pyspark", reason="the [spark] extra is not installed")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = CliRunner().invoke(
        cli, ["activity", "calls", "--engine", "spark", "--trail", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --engine spark needs Java 17: no `java` on PATH and JAVA_HOME unset\n"
    )


def test_spark_with_a_trail_that_does_not_exist(tmp_path: Path) -> None:
    pytest.importorskip("pyspark", reason="the [spark] extra is not installed")
    missing = tmp_path / "none"
    result = CliRunner().invoke(
        cli, ["activity", "calls", "--engine", "spark", "--trail", str(missing)]
    )
    assert result.exit_code == 2
    assert result.stderr == f"error: {missing}: no such file or folder\n"


def test_athena_without_a_region_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    result = CliRunner().invoke(
        cli,
        ["activity", "access-keys", "--engine", "athena", "--database", "d", "--table", "t"],
    )
    assert result.exit_code == 2
    assert result.stderr == "error: athena:d.t: Athena: You must specify a region.\n"
