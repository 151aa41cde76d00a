"""The Athena engine of the activity analyses driven through Athena's API on the emulator"""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from iamwarden.activity.dialect import run_athena
from iamwarden.cli.main import cli

pytestmark = pytest.mark.integration


def test_athena_is_driven_through_its_api(emulator: str) -> None:
    """StartQueryExecution, GetQueryExecution and GetQueryResults (Athena API Reference)
    against the emulator, which answers the rows it was given; Athena answers text"""
    rows = [
        ("arn:aws:iam::111122223333:role/dev", "ASIAEXAMPLE", 3, datetime(2026, 3, 2, 11, 30)),
        ("arn:aws:iam::111122223333:user/u", "AKIAEXAMPLE", 1, datetime(2026, 3, 1, 10, 0)),
    ]
    header = [{"VarCharValue": c} for c in ("principal_arn", "access_key_id", "calls", "t")]
    body = {
        "account_id": "123456789012",
        "region": "us-east-1",
        "results": [
            {
                "rows": [
                    {"Data": header},
                    *({"Data": [{"VarCharValue": str(v)} for v in row]} for row in rows),
                ],
                "column_info": [],
            }
        ],
    }
    _queue(emulator, body)
    client = boto3.client("athena", region_name="us-east-1")
    found = run_athena(
        client, "access-keys", database="logs", table="cloudtrail", output="s3://out/", poll=0
    )
    assert found == rows


def _queue(emulator: str, body: dict[str, Any]) -> None:
    """The emulator answers its next queries with these results, in order"""
    request = urllib.request.Request(
        f"{emulator}/moto-api/static/athena/query-results",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as reply:
        assert reply.status == 201


def _result(names: list[str], rows: list[list[str | None]]) -> dict[str, Any]:
    """One query's answer as Athena gives it: a row of column names, then text or no value"""
    data = [[{"VarCharValue": n} for n in names]]
    data += [[{} if v is None else {"VarCharValue": v} for v in row] for row in rows]
    return {"rows": [{"Data": row} for row in data], "column_info": []}


def test_generate_on_athena_sends_its_sql_and_maps_the_answer(emulator: str) -> None:
    """`activity generate --engine athena`: two queries through the API (the event names
    and latest time; the distinct calls with the parameters the mapping reads), Athena's
    text answers mapped and verified as the store's would be"""
    dev = "arn:aws:iam::111122223333:role/dev"
    survey = _result(["s", "n", "ok", "t"], [["s3.amazonaws.com", "GetObject", "1", T]])
    calls = _result(
        ["p", "s", "n", "r", "a", "params", "resources", "c", "t"],
        [[dev, "s3.amazonaws.com", "GetObject", "us-east-1", "111122223333", PARAMS, None, "2", T]],
    )
    _queue(emulator, {"region": "us-east-1", "results": [survey, calls]})
    result = CliRunner().invoke(
        cli,
        [
            "activity", "generate", "--principal", dev, "--days", "7", "--format", "json",
            "--engine", "athena", "--database", "logs", "--table", "cloudtrail",
            "--athena-output", "s3://athena-results/",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["policy"]["Statement"] == [
        {"Sid": "S3", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/k"}
    ]
    assert found["window"] == {
        "since": "2026-02-22T10:00:00Z",
        "until": "2026-03-01T10:00:00.000001Z",
    }
    assert found["verification"]["allowed_calls"] == 2
    client = boto3.client("athena", region_name="us-east-1")
    sent = [
        client.get_query_execution(QueryExecutionId=i)["QueryExecution"]
        for i in client.list_query_executions()["QueryExecutionIds"]
    ]
    assert {q["QueryExecutionContext"]["Database"] for q in sent} == {"logs"}
    locations = [q["ResultConfiguration"]["OutputLocation"] for q in sent]
    assert len(locations) == 2 and all(u.startswith("s3://athena-results/") for u in locations)
    (query,) = [q["Query"] for q in sent if "MAP_FILTER" in q["Query"]]
    assert "FROM cloudtrail" in query and f"e.principal_arn IN ('{dev}')" in query


T = "2026-03-01 10:00:00.000"
PARAMS = '{"bucketName":"b","key":"k","x":1}'
