"""The analyses written once and run on DuckDB, Spark (local mode) and Athena's SQL (through
DuckDB, on a table of AWS's standard CloudTrail Athena schema): the same answers everywhere,
the aggregate analyses and the distinct calls policy generation maps

Athena's table: Athena User Guide, "Create a table for CloudTrail logs in Athena using manual
partitioning"; record fields: CloudTrail User Guide, "CloudTrail record contents".
"""

from __future__ import annotations

import functools
import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import duckdb
import pytest
import sqlglot
from click.testing import CliRunner
from sqlglot import exp

from iamwarden.activity import find_files, ingest_files, load_mapper, open_store
from iamwarden.activity.calls import RecordedCall, calls_on, survey
from iamwarden.activity.dialect import (
    ANALYSES,
    ATHENA_TABLE_COLUMNS,
    AthenaEvents,
    Engine,
    SparkEvents,
    SparkTrailProblems,
    compile_analysis,
    load_spark_table,
    normalise,
    run_analysis,
    run_duckdb,
    run_spark,
)
from iamwarden.activity.generate import Verification, generate_policy, verify
from iamwarden.activity.ingest import DUPLICATE
from iamwarden.activity.unused import unused_credentials
from iamwarden.cli.main import cli
from iamwarden.errors import InputError
from iamwarden.policy import PolicySet, parse_policy
from iamwarden.snapshot import AccessKey
from tests.activity.conftest import STRATUS, record, write_records
from tests.builders import role, snapshot, user

_TABLE = "arn:aws:dynamodb:us-east-1:111122223333:table/items"


def _sign_in(user: str, outcome: str, **extra: Any) -> dict[str, Any]:
    return record(
        "ConsoleLogin",
        source="signin.amazonaws.com",
        arn=f"arn:aws:iam::111122223333:user/{user}",
        issuer=None,
        params=None,
        responseElements={"ConsoleLogin": outcome},
        eventType="AwsConsoleSignIn",
        **extra,
    )


_NET = "arn:aws:iam::111122223333:role/net"
_PAIR = "arn:aws:iam::111122223333:role/pair"


def _net_records() -> list[dict[str, Any]]:
    """Calls of one role from every kind of origin (CloudTrail's sourceIPAddress and
    userAgent): public addresses in and out of 198.51.100.0/24 (IPv4 and IPv6), a service
    calling on its behalf, a private address; one request made with two user agents; and
    another role's calls of one name in one Region, on two objects from two addresses"""
    net = {"arn": "arn:aws:sts::111122223333:assumed-role/net/n", "issuer": _NET}
    pair = {"arn": "arn:aws:sts::111122223333:assumed-role/pair/p", "issuer": _PAIR}
    return [
        record("GetObject", params={"bucketName": "p", "key": "a"}, **pair),
        record(
            "GetObject",
            params={"bucketName": "p", "key": "b"},
            sourceIPAddress="203.0.113.9",
            **pair,
        ),
        record("GetObject", params={"bucketName": "n", "key": "in"}, **net),
        record(
            "GetObject",
            params={"bucketName": "n", "key": "in"},
            userAgent="Boto3/1.34",
            time="2026-03-01T10:05:00Z",
            **net,
        ),
        record(
            "GetObject",
            params={"bucketName": "n", "key": "out"},
            sourceIPAddress="203.0.113.9",
            awsRegion="eu-west-1",
            **net,
        ),
        record(
            "GetObject",
            params={"bucketName": "n", "key": "v6"},
            sourceIPAddress="2001:db8::1",
            awsRegion="us-west-2",
            **net,
        ),
        record(
            "PutObject",
            params={"bucketName": "n", "key": "via"},
            sourceIPAddress="athena.amazonaws.com",
            **net,
        ),
        record("ListBuckets", params=None, sourceIPAddress="10.0.0.5", userAgent="console", **net),
    ]


@functools.cache
def _records() -> list[dict[str, Any]]:
    """Stratus Red Team's real records (when the corpus is there) and records of every
    attribution case: a session without its issuer, a user, a service, an error, no time,
    no eventID (the same records on every call)"""
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
        # request parameters the mapping reads (bucket, key) make calls distinct; those it
        # does not (a DynamoDB item's key, nested) do not; resources fill what they lack
        record("GetObject", params={"bucketName": "b", "key": "other/k"}),
        record("GetObject", params={"bucketName": "b", "key": "k", "versionId": "v2"}),
        *(
            record(
                "GetItem",
                source="dynamodb.amazonaws.com",
                params={"tableName": "items", "key": {"id": {"S": item}}},
                time=f"2026-03-01T1{n}:00:00Z",
            )
            for n, item in enumerate(("a", "b", "c"))
        ),
        record(
            "Decrypt",
            source="kms.amazonaws.com",
            params={"encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
            resources=[
                {
                    "accountId": "111122223333",
                    "type": "AWS::KMS::Key",
                    "ARN": "arn:aws:kms:us-east-1:111122223333:key/1234abcd",
                }
            ],
        ),
        record("ListBuckets", params=None, resources=[]),
        record("GetObject", params={"bucketName": "b", "key": "it's"}, awsRegion="eu-west-1"),
        # console sign-ins (CloudTrail User Guide, "AWS Management Console sign-in events"):
        # a wrong password has ConsoleLogin "Failure" and an errorMessage, no errorCode
        _sign_in("u", "Success"),
        _sign_in("v", "Failure", errorMessage="Failed authentication"),
        *_net_records(),
    ]
    no_time = record("Lost")
    del no_time["eventTime"]
    no_id = record("ListBuckets", time="2026-03-01T10:30:00Z")
    del no_id["eventID"]
    return [*found, no_time, no_id]


def _copies() -> list[dict[str, Any]]:
    """Records an organization trail delivers again beside the account's trail (the same
    eventID, recipientAccountId and eventTime: one event each), with the record without an
    eventID (two events, as ingestion keeps them)"""
    timed = [r for r in _records() if "eventTime" in r]
    return [r for r in timed[::3] if "eventID" in r] + [r for r in timed if "eventID" not in r]


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("trail")
    records = _records()
    day = root / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "2026" / "03" / "01"
    write_records(day / "a.json.gz", records[::2], compress=True)
    write_records(day / "b.json", records[1::2])
    org = root / "AWSLogs" / "o-abc123" / "111122223333" / "CloudTrail" / "us-east-1"
    write_records(org / "2026" / "03" / "01" / "org.json.gz", _copies(), compress=True)
    return root


def test_an_event_delivered_twice_is_stored_once(trail: Path) -> None:
    """The trail's organization copy repeats a third of its events: the store keeps each
    once and the record without an eventID twice; Spark's and Athena's answers below must
    be the store's, so they drop the same copies"""
    with open_store(None) as store:
        report = ingest_files(store, find_files([trail]))
        unnamed = store.connection.execute(
            "SELECT count(*) FROM events WHERE event_id IS NULL AND event_name = 'ListBuckets'"
        ).fetchone()
    copies = [r for r in _copies() if "eventID" in r]
    assert report.records_skipped[DUPLICATE] == len(copies) > 10
    assert unnamed == (2,)


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
    # GetObject, PutObject, the denied GetObject, 8 below and 2 (no eventID, delivered twice)
    assert dev[2:4] == (13, 1)
    assert str(dev[5]) == "2026-03-02 11:30:00.250000"
    calls = {(r[0], r[2]): r[3] for r in from_duckdb["calls"]}
    assert calls[("arn:aws:iam::111122223333:role/dev", "GetObject")] == 4
    assert all(name != "Lost" for _, name in calls)


@pytest.fixture(scope="module")
def athena_table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """An equivalent of the standard CloudTrail Athena table (lowercase fields,
    requestParameters as text, resources as structs) in DuckDB, of the same records"""
    lowered = tmp_path_factory.mktemp("athena") / "athena.json"
    lowered.write_text(json.dumps([_lowercase(r) for r in [*_records(), *_copies()]]))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE cloudtrail AS SELECT unnest(r) FROM (SELECT json_transform(json, "
        f"'{json.dumps(_lowercase_structure())}') AS r FROM read_json_objects($file, "
        "format = 'array'))",
        {"file": str(lowered)},
    )
    count = len(_records()) + len(_copies())
    assert con.execute("SELECT count(*) FROM cloudtrail").fetchone() == (count,)
    yield con
    con.close()


def _on_duckdb(athena: str) -> str:
    """Athena's (Trino) SQL read back by sqlglot as DuckDB's; Trino's `map_filter(m, (k, v)
    -> p)`, which DuckDB lacks, becomes the same filter over `map_entries(m)`"""

    def rewrite(node: exp.Expr) -> exp.Expr:
        if not (isinstance(node, exp.Anonymous) and node.name.lower() == "map_filter"):
            return node
        mapping, function = node.expressions
        key, value = (e.name for e in function.expressions)
        fields = {key: "key", value: "value"}
        body = function.this.transform(
            lambda n: (
                exp.column(fields[n.name], table="entry")
                if isinstance(n, (exp.Column, exp.Identifier))
                and n.name in fields
                and not isinstance(n.parent, exp.Column)
                else n
            )
        )
        sql = body.sql(dialect="duckdb")
        text = f"map_from_entries(list_filter(map_entries(x), lambda entry: {sql}))"
        return sqlglot.parse_one(text, read="duckdb").transform(
            lambda n: mapping.copy() if isinstance(n, exp.Column) and n.name == "x" else n
        )

    tree = sqlglot.parse_one(athena, read="athena").transform(rewrite)
    return tree.sql(dialect="duckdb")


class _AthenaOnDuckDB:
    """Athena's API (StartQueryExecution, GetQueryExecution, GetQueryResults) answered by
    DuckDB over the equivalent table, in Athena's form: a row of column names, then every
    value as text"""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.results: dict[str, list[dict[str, Any]]] = {}
        self.queries: list[str] = []

    def start_query_execution(self, **request: Any) -> dict[str, str]:
        self.queries.append(request["QueryString"])
        found = self.con.execute(_on_duckdb(request["QueryString"]))
        names = [d[0] for d in found.description or ()]
        rows = [names, *found.fetchall()]
        query_id = f"q{len(self.results)}"
        self.results[query_id] = [
            {"Data": [{} if v is None else {"VarCharValue": str(v)} for v in row]} for row in rows
        ]
        return {"QueryExecutionId": query_id}

    def get_query_execution(self, QueryExecutionId: str) -> dict[str, Any]:
        return {"QueryExecution": {"Status": {"State": "SUCCEEDED"}}}

    def get_paginator(self, name: str) -> Any:
        assert name == "get_query_results"
        results = self.results

        class Pages:
            def paginate(self, QueryExecutionId: str) -> list[dict[str, Any]]:
                return [{"ResultSet": {"Rows": results[QueryExecutionId]}}]

        return Pages()


def test_athena_sql_run_through_duckdb_gives_the_stores_answers(
    athena_table: duckdb.DuckDBPyConnection, from_duckdb: dict[str, list[tuple[Any, ...]]]
) -> None:
    """Athena's SQL, compiled by sqlglot, read back as Trino SQL and run on DuckDB over an
    equivalent of the standard CloudTrail table, answers as the store does"""
    for name in ANALYSES:
        athena = compile_analysis(name, Engine.ATHENA)
        assert "WITH events AS" in athena
        on_duckdb = sqlglot.transpile(athena, read="athena", write="duckdb")[0]
        rows = athena_table.execute(on_duckdb).fetchall()
        assert normalise(name, rows) == from_duckdb[name], name


_ACCOUNT = snapshot(
    roles=(role("dev"), role("ops"), role("idle")),
    users=(
        user(
            "u",
            has_console_password=True,
            access_keys=(
                AccessKey(id="ASIAEXAMPLE", is_active=True),
                AccessKey(id="AKIAUNUSED", is_active=True),
            ),
        ),
        user("v", has_console_password=True),
    ),
)
"""The records' account: a role, a key and a user (whose only sign-in failed) unused"""
_LATER = datetime(2026, 3, 1, 11)


def _unused(events: Any) -> dict[str, set[tuple[str, str, str]]]:
    """Unused credentials over the whole history and from `_LATER` on"""
    return {
        str(since): {
            (c.principal_arn, c.kind, c.key_id)
            for c in unused_credentials(_ACCOUNT, events, since=since, until=None)
        }
        for since in (None, _LATER)
    }


@pytest.fixture(scope="module")
def store_calls(trail: Path) -> dict[str, Any]:
    """What the store answers: the survey, every principal's distinct calls, unused
    credentials"""
    with open_store(None) as store:
        ingest_files(store, find_files([trail]))
        return {
            "survey": survey(store),
            "calls": calls_on(store, load_mapper()),
            "unused": _unused(store),
        }


def test_the_stores_unused_credentials(store_calls: dict[str, Any]) -> None:
    user_arn = "arn:aws:iam::111122223333:user/"
    assert store_calls["unused"]["None"] == {
        ("arn:aws:iam::111122223333:role/idle", "role", ""),
        (user_arn + "u", "access-key", "AKIAUNUSED"),
        (user_arn + "v", "user", ""),
        (user_arn + "v", "password", ""),
    }
    later = store_calls["unused"][str(_LATER)]
    assert ("arn:aws:iam::111122223333:role/ops", "role", "") in later
    assert (user_arn + "u", "password", "") in later


def _requests(calls: dict[str, tuple[RecordedCall, ...]]) -> int:
    return sum(len(found) for found in calls.values())


def test_the_stores_calls_group_by_the_parameters_the_mapping_reads(
    store_calls: dict[str, Any],
) -> None:
    calls = store_calls["calls"]["arn:aws:iam::111122223333:role/dev"]
    items = [c for c in calls if c.event_name == "GetItem"]
    assert [(c.count, c.last_seen) for c in items] == [(3, datetime(2026, 3, 1, 12))]
    assert items[0].mapping.actions[0].resources == (_TABLE,)
    objects = sorted(r for c in calls for a in c.mapping.actions for r in a.resources)
    assert "arn:aws:s3:::b/other/k" in objects and "arn:aws:s3:::b/it's" in objects
    (decrypt,) = [c for c in calls if c.event_name == "Decrypt"]
    assert decrypt.mapping.actions[0].resources == (
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd",
    )


def test_athena_answers_the_stores_calls_and_analyses_through_its_api(
    athena_table: duckdb.DuckDBPyConnection,
    store_calls: dict[str, Any],
    from_duckdb: dict[str, list[tuple[Any, ...]]],
) -> None:
    """The whole Athena path (its SQL, its text answers read back) on DuckDB: the store's
    survey, distinct calls (mapped alike) and analyses; a principal and a window filter"""
    client = _AthenaOnDuckDB(athena_table)
    events = AthenaEvents(client=client, database="logs", table="cloudtrail", output="s3://o/")
    assert survey(events) == store_calls["survey"]
    assert calls_on(events, load_mapper()) == store_calls["calls"]
    assert "MAP_FILTER(" in client.queries[-1]  # the Athena fragment ran
    dev = "arn:aws:iam::111122223333:role/dev"
    since, until = datetime(2026, 3, 1, 11), datetime(2026, 3, 1, 12)
    one = calls_on(events, load_mapper(), principals=[dev], since=since, until=until)
    assert [(c.event_name, c.count) for c in one[dev]] == [("GetItem", 1)]
    for name in ANALYSES:
        assert run_analysis(events, name) == from_duckdb[name], name
    assert _unused(events) == store_calls["unused"]


_FROM_RANGE = {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}
_NET_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": _FROM_RANGE}],
}
"""A proposed policy allowing S3 from 198.51.100.0/24 only (IAM User Guide, "AWS: Denies
access to AWS based on the source IP")"""


def _replayed(events: Any) -> dict[str, Verification]:
    """`activity replay` of `_NET` and `_PAIR` under `_NET_POLICY` wherever the events are
    (two queries: the survey and the calls by origin)"""
    calls = calls_on(events, load_mapper(), principals=[_NET, _PAIR], with_origins=True)
    policies = PolicySet(identity=(parse_policy(json.dumps(_NET_POLICY), name="proposed"),))
    found = {}
    for principal in (_NET, _PAIR):
        generated = generate_policy(principal, calls[principal])
        found[principal] = verify(
            principal, generated.requests, policies, unmapped=generated.unmapped
        )
    return found


@pytest.fixture(scope="module")
def store_replay(trail: Path) -> dict[str, Verification]:
    with open_store(None) as store:
        ingest_files(store, find_files([trail]))
        return _replayed(store)


def test_the_stores_replay_decides_each_call_where_it_came_from(
    store_replay: dict[str, Verification],
) -> None:
    """In range: allowed (twice, two user agents); out of range (IPv4, IPv6): denied; a
    service on the role's behalf or a private address: aws:SourceIp undecided, uncertain"""
    net = store_replay[_NET]
    assert (net.allowed_requests, net.allowed_calls) == (1, 2)
    denied = sorted(r.resource for r, _ in net.denied)
    assert denied == ["arn:aws:s3:::n/out", "arn:aws:s3:::n/v6"]
    uncertain = sorted(r.resource for r, _ in net.uncertain)
    assert uncertain == ["*", "arn:aws:s3:::n/via"]


def test_calls_of_one_name_and_region_are_each_decided_with_their_own_origin(
    store_replay: dict[str, Verification],
) -> None:
    """One role's GetObject on two objects in one Region, from an address the policy allows
    and one it does not: exactly the call from the other address is denied, on its own
    object (Athena's path and Spark answer the same below)"""
    pair = store_replay[_PAIR]
    assert [r.resource for r, _ in pair.denied] == ["arn:aws:s3:::p/b"]
    assert (pair.allowed_requests, pair.allowed_calls, pair.uncertain) == (1, 1, ())


def test_athenas_replay_decides_as_the_stores(
    athena_table: duckdb.DuckDBPyConnection, store_replay: dict[str, Verification]
) -> None:
    """Athena's table has sourceipaddress and useragent: each call's origin, as on the store;
    the origins come with the calls, in the calls query (no query more)"""
    client = _AthenaOnDuckDB(athena_table)
    events = AthenaEvents(client=client, database="logs", table="cloudtrail", output="s3://o/")
    assert _replayed(events) == store_replay
    assert len(client.queries) == 2


_AS_TEXT = {"requestparameters", "responseelements", "additionaleventdata"}


def _lowercase(value: Any) -> Any:
    """A record as Athena's CloudTrail SerDe names it: every field lowercase, the free-form
    objects (requestParameters, …) kept as their JSON text"""
    if isinstance(value, dict):
        return {
            str(k).lower(): (
                json.dumps(v) if str(k).lower() in _AS_TEXT and v is not None else _lowercase(v)
            )
            for k, v in value.items()
        }
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
        "resources": [{"arn": "VARCHAR", "accountid": "VARCHAR", "type": "VARCHAR"}],
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
    spark: Any,
    trail: Path,
    from_duckdb: dict[str, list[tuple[Any, ...]]],
    store_calls: dict[str, Any],
    store_replay: dict[str, Verification],
) -> None:
    load_spark_table(spark, [str(trail)])
    spark.catalog.cacheTable("cloudtrail")  # the files parsed once for the queries below
    for name in ANALYSES:
        assert run_spark(spark, name) == from_duckdb[name], name
    events = SparkEvents(spark=spark)
    assert survey(events) == store_calls["survey"]
    found = calls_on(events, load_mapper())
    assert _requests(found) > 10
    assert found == store_calls["calls"]
    assert _unused(events) == store_calls["unused"]
    assert _replayed(events) == store_replay


def test_generate_and_replay_on_spark_print_what_the_store_does(
    spark: Any, trail: Path, tmp_path: Path
) -> None:
    """`activity generate --engine spark`: the policy, its verification and the window are
    the store's; `activity replay --engine spark` under a policy on aws:SourceIp lists the
    store's denied and uncertain requests (the CLI reuses the test's session and leaves it
    running)"""
    db = tmp_path / "t.duckdb"
    with open_store(db) as store:
        ingest_files(store, find_files([trail]))
    dev = ["--principal", "arn:aws:iam::111122223333:role/dev", "--format", "json"]
    runner = CliRunner()
    on_store = runner.invoke(cli, ["activity", "generate", "--db", str(db), *dev])
    on_spark = runner.invoke(
        cli, ["activity", "generate", "--engine", "spark", "--trail", str(trail), *dev]
    )
    assert on_store.exit_code == 0, on_store.output
    assert on_spark.exit_code == 0, on_spark.output
    assert json.loads(on_spark.stdout) == json.loads(on_store.stdout)
    assert "dynamodb:GetItem" in on_spark.stdout
    policy = tmp_path / "proposed.json"
    policy.write_text(json.dumps(_NET_POLICY))
    net = ["--principal", _NET, "--policy", str(policy), "--format", "json"]
    replayed = [
        runner.invoke(cli, ["activity", "replay", *where, *net])
        for where in (["--db", str(db)], ["--engine", "spark", "--trail", str(trail)])
    ]
    assert [r.exit_code for r in replayed] == [1, 1], replayed[1].output
    assert json.loads(replayed[1].stdout) == json.loads(replayed[0].stdout)
    assert len(json.loads(replayed[1].stdout)["uncertain"]) == 2
    keys = runner.invoke(
        cli, ["activity", "access-keys", "--engine", "spark", "--trail", str(trail)]
    )
    assert keys.exit_code == 0, keys.output
    assert "ASIAEXAMPLE (arn:aws:iam::111122223333:role/dev)" in keys.stdout
    assert spark.sql("SELECT 1").collect()[0][0] == 1


def test_a_trail_spark_finds_no_event_in_is_one_line_exit_2(spark: Any, tmp_path: Path) -> None:
    """A JSON file of no record (a CloudTrail digest, CloudTrail User Guide, "CloudTrail
    digest file structure") gives Spark no event: an error, never an empty policy"""
    exported = tmp_path / "digest.json"
    exported.write_text(json.dumps({"awsAccountId": "111122223333", "logFiles": []}))
    for command in (
        ["generate", "--principal", "arn:aws:iam::111122223333:role/dev"],
        ["principals"],
    ):
        result = CliRunner().invoke(
            cli, ["activity", *command, "--engine", "spark", "--trail", str(exported)]
        )
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"error: {exported}: no CloudTrail event (Spark reads "
            '{"Records": [...]} files, JSON arrays and JSON lines of records)\n'
        )


def test_spark_leaves_out_a_corrupt_gzip_and_a_bad_event_time_and_names_them(
    spark: Any, tmp_path: Path
) -> None:
    """As ingestion does: the file Spark cannot read and the record whose eventTime is not a
    time are left out and named on stderr (one line each, no Java trace); the rest answers as
    the store does"""
    trail = tmp_path / "AWSLogs"
    good = [record("GetObject"), record("PutObject", time="2026-03-02T10:00:00Z")]
    write_records(trail / "good.json", [*good, record("ListBuckets", time="not-a-date")])
    corrupt = trail / "corrupt.json.gz"
    corrupt.write_bytes(gzip.compress(json.dumps({"Records": good}).encode())[:40])
    db = tmp_path / "t.duckdb"
    with open_store(db) as store:
        ingest_files(store, find_files([trail]))
    runner = CliRunner()
    on_store = runner.invoke(cli, ["activity", "calls", "--db", str(db)])
    on_spark = runner.invoke(cli, ["activity", "calls", "--engine", "spark", "--trail", str(trail)])
    assert on_spark.exit_code == 0, on_spark.output
    assert on_spark.stdout == on_store.stdout
    assert "GetObject" in on_spark.stdout
    assert "PutObject" in on_spark.stdout
    assert on_spark.stderr == (
        "skipped 1 file whole:\n"
        f"  {corrupt}: file skipped: Spark could not read it (a corrupt gzip or empty)\n"
        "skipped 1 record: eventTime is not a time\n"
    )


def _write_layouts(root: Path, records: list[dict[str, Any]]) -> None:
    """`records` spread over every layout ingestion reads (`sources.Layout`), each file
    holding its own share: CloudTrail's delivery (gzip), `{"Records": [...]}` and arrays
    pretty-printed (one with a byte order mark, one with a space in its name) or on one
    line, JSON lines (CloudTrail Lake and Event history exports; gzip, `.ndjson`, blank
    lines, one record alone)"""
    shares = [records[i::8] for i in range(7)]
    write_records(root / "AWSLogs" / "delivered.json.gz", shares[0], compress=True)
    (root / "pretty records.json").write_text(json.dumps({"Records": shares[1]}, indent=2))
    (root / "array.json").write_text(json.dumps(shares[2]))
    (root / "pretty-array.json").write_text("\ufeff" + json.dumps(shares[3], indent=1))
    (root / "export.jsonl").write_text("".join(json.dumps(r) + "\n" for r in shares[4]))
    lines = "\n\n".join(json.dumps(r) for r in shares[5]).encode()
    (root / "export.jsonl.gz").write_bytes(gzip.compress(lines))
    (root / "lake.ndjson").write_text("\n".join(json.dumps(r) for r in shares[6]))
    (root / "one.json").write_text(json.dumps(records[7]))


def test_spark_reads_every_layout_as_ingestion_does(spark: Any, tmp_path: Path) -> None:
    """The same records in every layout give Spark every record of every file, nothing named
    as left out, and the store's analyses and distinct calls"""
    _write_layouts(tmp_path, _records())
    with open_store(None) as store:
        report = ingest_files(store, find_files([tmp_path]))
        expected = {name: run_duckdb(store, name) for name in ANALYSES}
        calls = calls_on(store, load_mapper())
    assert (report.files, report.files_failed) == (8, 0)
    assert load_spark_table(spark, [str(tmp_path)]) == SparkTrailProblems()
    read = report.events + sum(report.records_skipped.values())
    assert spark.table("cloudtrail").count() == read > 20
    for name in ANALYSES:
        assert run_spark(spark, name) == expected[name], name
    assert calls_on(SparkEvents(spark=spark), load_mapper()) == calls


def test_spark_leaves_out_digest_files_as_ingestion_does(spark: Any, tmp_path: Path) -> None:
    """Digest files (`CloudTrail-Digest/`; CloudTrail User Guide, "CloudTrail digest file
    structure") hold no event: Spark leaves them out of a folder as ingestion does, one it
    cannot read or read whole too, and reads a file named directly whatever its folder"""
    trail = tmp_path / "AWSLogs" / "111122223333"
    log = trail / "CloudTrail" / "us-east-1" / "a.json.gz"
    write_records(log, [record("GetObject")], compress=True)
    digest = json.dumps(
        {
            "awsAccountId": "111122223333",
            "digestStartTime": "2026-03-01T10:00:00Z",
            "digestEndTime": "2026-03-01T11:00:00Z",
            "digestS3Bucket": "trail-bucket",
            "logFiles": [{"s3Object": str(log.relative_to(tmp_path)), "hashValue": "00"}],
        }
    )
    digests = trail / "CloudTrail-Digest" / "us-east-1"
    digests.mkdir(parents=True)
    name = "111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20260301T110000Z.json.gz"
    (digests / name).write_bytes(gzip.compress(digest.encode()))
    (digests / "pretty.json").write_text(json.dumps(json.loads(digest), indent=2))
    (digests / "truncated.json.gz").write_bytes(gzip.compress(digest.encode())[:30])
    named = write_records(tmp_path / "kept" / "CloudTrail-Digest" / "a.json", [record("PutObject")])
    with open_store(None) as store:
        report = ingest_files(store, find_files([tmp_path / "AWSLogs", named]))
        expected = run_duckdb(store, "calls")
    assert (report.files, report.events, report.files_failed) == (2, 2, 0)
    problems = load_spark_table(spark, [str(tmp_path / "AWSLogs"), str(named)])
    assert problems == SparkTrailProblems()
    assert spark.table("cloudtrail").count() == 2
    assert run_spark(spark, "calls") == expected


def test_spark_leaves_out_json_lines_with_a_bad_line_as_ingestion_does(
    spark: Any, tmp_path: Path
) -> None:
    """A JSON-lines file with a line that is not JSON, and a record pretty-printed in a JSON
    lines file, are left out whole as `activity ingest` leaves them (malformed JSON); a
    pretty-printed file of CloudTrail's delivery beside them is read"""
    trail = tmp_path / "trail"
    trail.mkdir()
    good = [record("GetObject"), record("PutObject", time="2026-03-02T10:00:00Z")]
    bad = trail / "bad.jsonl"
    bad.write_text(json.dumps(record("ListBuckets")) + "\nnot json\n")
    pretty = trail / "pretty.jsonl"
    pretty.write_text(json.dumps(record("DeleteObject"), indent=1))
    (trail / "delivered.json").write_text(json.dumps({"Records": good}, indent=1))
    db = tmp_path / "t.duckdb"
    with open_store(db) as store:
        report = ingest_files(store, find_files([trail]))
    assert sorted(p.file for p in report.problems) == [str(bad), str(pretty)]
    runner = CliRunner()
    on_store = runner.invoke(cli, ["activity", "calls", "--db", str(db)])
    on_spark = runner.invoke(cli, ["activity", "calls", "--engine", "spark", "--trail", str(trail)])
    assert on_spark.exit_code == 0, on_spark.output
    assert on_spark.stdout == on_store.stdout
    assert "PutObject" in on_spark.stdout and "ListBuckets" not in on_spark.stdout
    assert on_spark.stderr == (
        "skipped 2 files whole:\n"
        f"  {bad}: file skipped: malformed JSON\n"
        f"  {pretty}: file skipped: malformed JSON\n"
    )


def test_spark_reads_odd_records_bom_lines_and_glob_names_as_the_store_does(
    spark: Any, tmp_path: Path
) -> None:
    """Spark and the store agree on the same files: a record of an odd shape (`userIdentity` a
    string, string requestParameters) kept with NULL fields beside its file's other record;
    JSON lines after a UTF-8 byte order mark read; a file named with Hadoop's glob
    characters read as named; gzip content under a `.json` name, which ingestion reads by
    its content, skipped by Spark with that reason"""
    trail = tmp_path / "trail"
    odd = record("ListBuckets", requestParameters="a string")
    odd["userIdentity"] = "root"
    write_records(trail / "odd.json", [record("GetObject"), odd])
    marked = trail / "marked.jsonl"
    lines = [record("PutObject"), record("DeleteObject", time="2026-03-02T10:00:00Z")]
    marked.write_text("\ufeff" + "\n".join(json.dumps(r) for r in lines) + "\n")
    globbed = write_records(tmp_path / "a[1]{b,c}*?\\.json", [record("GetBucketAcl")])
    zipped = tmp_path / "zipped.json"
    zipped.write_bytes(gzip.compress(json.dumps({"Records": [record("HeadObject")]}).encode()))
    with open_store(None) as store:
        assert ingest_files(store, find_files([zipped])).events == 1
    with open_store(None) as store:
        report = ingest_files(store, find_files([trail, globbed]))
        expected = {name: run_duckdb(store, name) for name in ANALYSES}
        calls = calls_on(store, load_mapper())
    assert (report.files, report.events, report.files_failed) == (3, 5, 0)
    problems = load_spark_table(spark, [str(trail), str(globbed), str(zipped)])
    assert [Path(urlparse(p).path) for p in problems.compressed] == [zipped]
    assert (problems.unreadable, problems.malformed, problems.bad_times) == ((), (), 0)
    assert spark.table("cloudtrail").count() == 5
    assert spark.table("cloudtrail").where("userIdentity.type IS NULL").count() == 1
    for name in ANALYSES:
        assert run_spark(spark, name) == expected[name], name
    assert "ListBuckets" not in str(expected["calls"])  # no principal: NULL identity fields
    assert "GetBucketAcl" in str(expected["calls"])
    assert calls_on(SparkEvents(spark=spark), load_mapper()) == calls
    where = ["--engine", "spark", "--trail", str(zipped), "--trail", str(globbed)]
    result = CliRunner().invoke(cli, ["activity", "calls", *where])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "skipped 1 file whole:\n"
        f"  {zipped}: file skipped: gzip content but its name does not end in .gz "
        "(Spark decompresses by the name)\n"
    )


def test_spark_prints_no_jvm_output_and_a_bad_master_is_one_line_exit_2(tmp_path: Path) -> None:
    """The CLI in its own process (a session of this one would be reused whatever the
    master): a run prints its answer and nothing on stderr (no log4j banner, no WARN line);
    spark-submit's refusal of a master is the one line on stderr, no Java trace"""
    pytest.importorskip("pyspark.sql", reason="the [spark] extra is not installed")
    trail = write_records(tmp_path / "a.json", [record("GetObject")])
    command = [str(Path(sys.executable).parent / "iamwarden"), "activity", "calls"]
    done = subprocess.run(
        [*command, "--engine", "spark", "--spark-master", "bogus://x", "--trail", str(trail)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        "error: bogus://x: Spark did not start: SparkException: Master must either be yarn "
        "or start with spark, k8s, or local\n"
    )
    done = subprocess.run(
        [*command, "--engine", "spark", "--spark-master", "local[1]", "--trail", str(trail)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert "GetObject: 1 call" in done.stdout
