"""The Athena engine of the activity analyses driven through Athena's API on the emulator"""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime

import boto3
import pytest

from iamwarden.activity.dialect import run_athena

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
    request = urllib.request.Request(
        f"{emulator}/moto-api/static/athena/query-results",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as reply:
        assert reply.status == 201
    client = boto3.client("athena", region_name="us-east-1")
    found = run_athena(
        client, "access-keys", database="logs", table="cloudtrail", output="s3://out/", poll=0
    )
    assert found == rows
