"""The analyses written once and run on DuckDB, Spark (local mode) and Athena's SQL (through
DuckDB, on a table of AWS's standard CloudTrail Athena schema): the same answers everywhere

Athena's table: Athena User Guide, "Create a table for CloudTrail logs in Athena using manual
partitioning"; record fields: CloudTrail User Guide, "CloudTrail record contents".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

from iamwarden.activity import find_files, ingest_files, open_store
from iamwarden.activity.dialect import (
    ANALYSES,
    ATHENA_TABLE_COLUMNS,
    Engine,
    compile_analysis,
    load_spark_table,
    normalise,
    run_duckdb,
    run_spark,
)
from iamwarden.errors import InputError
from tests.activity.conftest import STRATUS, record, write_records


def _records() -> list[dict[str, Any]]:
    """Stratus Red Team's real records (when the corpus is there) and records of every
    attribution case: a session without its issuer, a user, a service, an error, no time"""
    found: list[dict[str, Any]] = []
    if STRATUS.is_dir():
        for path in sorted(STRATUS.glob("*.json")):
            loaded = json.loads(path.read_text())
            found.extend(loaded if isinstance(loaded, list) else loaded.get("Records", []))
    found += [
        record(),
        record("PutObject", time="2026-03-02T11:30:00.250Z"),
        record("ListBuckets", arn="arn:aws:sts::111122223333:assumed-role/ops/bob", issuer=None),
        record("GetUser", source="iam.amazonaws.com", arn="arn:aws:iam::111122223333:user/u"),
        record("GetObject", error="AccessDenied"),
        record(
            "Decrypt",
            source="kms.amazonaws.com",
            userIdentity={"type": "AWSService", "invokedBy": "lambda.amazonaws.com"},
        ),
    ]
    no_time = record("Lost")
    del no_time["eventTime"]
    return [*found, no_time]


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trail")
    records = _records()
    day = root / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "2026" / "03" / "01"
    write_records(day / "a.json.gz", records[::2], compress=True)
    write_records(day / "b.json", records[1::2])
    return root


@pytest.fixture(scope="module")
def from_duckdb(trail: Path) -> dict[str, list[tuple[Any, ...]]]:
    with open_store(None) as store:
        ingest_files(store, find_files([trail]))
        return {name: run_duckdb(store, name) for name in ANALYSES}


def test_the_analyses_have_rows_for_every_kind_of_principal(from_duckdb: dict[str, Any]) -> None:
    principals = {row[0]: row for row in from_duckdb["principals"]}
    assert principals["arn:aws:iam::111122223333:role/ops"][1] == "role"
    assert principals["lambda.amazonaws.com"][1] == "service"
    dev = principals["arn:aws:iam::111122223333:role/dev"]
    assert dev[2:4] == (3, 1)  # GetObject, PutObject and the denied GetObject
    assert str(dev[5]) == "2026-03-02 11:30:00.250000"
    calls = {(r[0], r[2]): r[3] for r in from_duckdb["calls"]}
    assert calls[("arn:aws:iam::111122223333:role/dev", "GetObject")] == 1
    assert all(name != "Lost" for _, name in calls)


def test_athena_sql_run_through_duckdb_gives_the_stores_answers(
    tmp_path: Path, from_duckdb: dict[str, list[tuple[Any, ...]]]
) -> None:
    """Athena's SQL, compiled by sqlglot, read back as Trino SQL and run on DuckDB over an
    equivalent of the standard CloudTrail table, answers as the store does"""
    lowered = tmp_path / "athena.json"
    lowered.write_text(json.dumps([_lowercase(r) for r in _records()]))
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE cloudtrail AS SELECT unnest(r) FROM (SELECT json_transform(json, "
        f"'{json.dumps(_lowercase_structure())}') AS r FROM read_json_objects($file, "
        "format = 'array'))",
        {"file": str(lowered)},
    )
    assert con.execute("SELECT count(*) FROM cloudtrail").fetchone() == (len(_records()),)
    for name in ANALYSES:
        athena = compile_analysis(name, Engine.ATHENA)
        assert "WITH events AS" in athena
        on_duckdb = sqlglot.transpile(athena, read="athena", write="duckdb")[0]
        assert normalise(name, con.execute(on_duckdb).fetchall()) == from_duckdb[name], name


def _lowercase(value: Any) -> Any:
    """A record as Athena's CloudTrail SerDe names it: every key lowercase"""
    if isinstance(value, dict):
        return {str(k).lower(): _lowercase(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lowercase(v) for v in value]
    return value


def _lowercase_structure() -> dict[str, Any]:
    """Athena's lowercase names for the record fields the analyses read"""
    identity = ATHENA_TABLE_COLUMNS["useridentity"]
    assert identity.startswith("STRUCT(type VARCHAR")
    return {
        **{name: "VARCHAR" for name, kind in ATHENA_TABLE_COLUMNS.items() if kind == "VARCHAR"},
        "useridentity": {
            **{
                name: "VARCHAR"
                for name in (
                    [
                        "type",
                        "principalid",
                        "arn",
                        "accountid",
                        "invokedby",
                        "accesskeyid",
                        "username",
                    ]
                )
            },
            "sessioncontext": {"sessionissuer": {"type": "VARCHAR", "arn": "VARCHAR"}},
        },
    }


def test_an_unknown_analysis_is_refused() -> None:
    with pytest.raises(InputError, match="no analysis `nope`"):
        compile_analysis("nope", Engine.SPARK)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session (one core) for the whole test session"""
    sql = pytest.importorskip("pyspark.sql", reason="the [spark] extra is not installed")
    session = (
        sql.SparkSession.builder.master("local[1]")
        .appName("iamwarden-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_spark_in_local_mode_gives_the_stores_answers(
    spark: Any, trail: Path, from_duckdb: dict[str, list[tuple[Any, ...]]]
) -> None:
    load_spark_table(spark, [str(trail)])
    for name in ANALYSES:
        assert run_spark(spark, name) == from_duckdb[name], name
