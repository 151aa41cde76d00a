"""The demo account's 90-day CloudTrail history, generated deterministically

The fifteen developer roles (`dev-role-01` … `dev-role-15`, AdministratorAccess in the demo
account) use only S3, Lambda and DynamoDB, each on its team's bucket, functions and tables;
the application roles and a few users do their own small jobs; about 4% of calls fail
(AccessDenied, throttling). The history ends when the demo snapshot was taken. Files are
written in CloudTrail's standard layout (one gzip `{"Records": [...]}` file per day), then
ingested; `ensure_demo_store` does both once into a cache folder and reuses the result.

Same code, same bytes: no wall clock, no randomness but a seeded generator.
"""

from __future__ import annotations

import gzip
import json
import random
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from iamwarden.activity.ingest import ingest_files
from iamwarden.activity.sources import find_files
from iamwarden.activity.store import open_store
from iamwarden.fileio import write_atomically

__all__ = [
    "DEMO_ACCOUNT",
    "DEMO_DAYS",
    "DEMO_END",
    "demo_records",
    "ensure_demo_store",
    "write_demo_history",
]

DEMO_ACCOUNT = "210987654321"
"""The demo account's id (as in `snapshot.demo`)"""
DEMO_END = datetime(2026, 11, 1, tzinfo=UTC)
"""When the history ends: the demo snapshot's collection time"""
DEMO_DAYS = 90
"""How many days the history covers"""
_REGION = "us-east-1"
_VERSION = 1
_TEAMS = ("payments", "search", "mobile")


def _arn(resource: str, service: str = "iam", region: str = "") -> str:
    return f"arn:aws:{service}:{region}:{DEMO_ACCOUNT}:{resource}"


def _role_identity(role: str, session: str) -> dict[str, Any]:
    return {
        "type": "AssumedRole",
        "principalId": f"AROADEMO{role.upper().replace('-', '')[:12]}:{session}",
        "arn": f"arn:aws:sts::{DEMO_ACCOUNT}:assumed-role/{role}/{session}",
        "accountId": DEMO_ACCOUNT,
        "accessKeyId": f"ASIADEMO{role.upper().replace('-', '')[:12]}",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": f"AROADEMO{role.upper().replace('-', '')[:12]}",
                "arn": _arn(f"role/{role}"),
                "accountId": DEMO_ACCOUNT,
                "userName": role,
            },
            "attributes": {"mfaAuthenticated": "false"},
        },
    }


def _user_identity(user: str, key: str) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": f"AIDADEMO{user.upper().replace('-', '')[:12]}",
        "arn": _arn(f"user/{user}"),
        "accountId": DEMO_ACCOUNT,
        "accessKeyId": key,
        "userName": user,
    }


_S3 = "s3.amazonaws.com"
_LAMBDA = "lambda.amazonaws.com"
_DDB = "dynamodb.amazonaws.com"


def _dev_calls(team: str, rng: random.Random) -> list[tuple[str, str, dict[str, Any], bool]]:
    """(eventSource, eventName, requestParameters, readOnly) a developer of `team` makes"""
    bucket = f"acme-{team}-data"
    function = f"{team}-api"
    table = f"{team}-items"
    key = f"uploads/{rng.randrange(40):03d}.json"
    return [
        (_S3, "GetObject", {"bucketName": bucket, "key": key}, True),
        (_S3, "PutObject", {"bucketName": bucket, "key": key}, False),
        (_S3, "ListObjects", {"bucketName": bucket, "prefix": "uploads/"}, True),
        (_LAMBDA, "GetFunction20150331v2", {"functionName": function}, True),
        (_LAMBDA, "UpdateFunctionCode20150331v2", {"functionName": function}, False),
        (_LAMBDA, "ListFunctions20150331", {}, True),
        (_DDB, "GetItem", {"tableName": table, "key": {"id": {"S": "x"}}}, True),
        (_DDB, "PutItem", {"tableName": table}, False),
        (_DDB, "Query", {"tableName": table}, True),
        (_DDB, "DescribeTable", {"tableName": table}, True),
    ]


def _actors() -> list[tuple[dict[str, Any], str, int]]:
    """(identity, team, calls a day) of every principal in the history"""
    actors = []
    for n in range(1, 16):
        role = f"dev-role-{n:02d}"
        actors.append((_role_identity(role, f"dev{n:02d}-session"), _TEAMS[n % 3], 14))
    actors.append((_role_identity("app-lambda-role", "orders-api"), "orders", 20))
    actors.append((_role_identity("app-worker-role", "i-0a1b2c3d4e5f60001"), "assets", 10))
    actors.append((_user_identity("dev-alice", "AKIA67A2BA4DDDE4D38D"), "search", 4))
    return actors


def _app_calls(team: str, rng: random.Random) -> list[tuple[str, str, dict[str, Any], bool]]:
    if team == "orders":
        return [
            (_DDB, "GetItem", {"tableName": "orders"}, True),
            (_DDB, "PutItem", {"tableName": "orders"}, False),
            (_DDB, "Query", {"tableName": "orders"}, True),
        ]
    key = f"img/{rng.randrange(200):04d}.png"
    return [
        (_S3, "GetObject", {"bucketName": "acme-app-assets", "key": key}, True),
        (_S3, "PutObject", {"bucketName": "acme-app-assets", "key": key}, False),
    ]


def demo_records(day: int) -> list[dict[str, Any]]:
    """The CloudTrail records of day `day` (0 = the first of the `DEMO_DAYS` days), sorted
    by time"""
    rng = random.Random(f"iamwarden-demo-activity-{_VERSION}-{day}")
    start = DEMO_END - timedelta(days=DEMO_DAYS - day)
    records = []
    for identity, team, per_day in _actors():
        for index in range(rng.randint(per_day // 2, per_day)):
            app = team in ("orders", "assets")
            calls = _app_calls(team, rng) if app else _dev_calls(team, rng)
            source, name, params, read_only = rng.choice(calls)
            at = start + timedelta(seconds=rng.randrange(8 * 3600, 19 * 3600))
            record: dict[str, Any] = {
                "eventVersion": "1.09",
                "userIdentity": identity,
                "eventTime": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "eventSource": source,
                "eventName": name,
                "awsRegion": _REGION,
                "sourceIPAddress": f"203.0.113.{rng.randrange(1, 255)}",
                "userAgent": "aws-cli/2.15.0 Python/3.11",
                "requestParameters": params,
                "responseElements": None,
                "requestID": f"{day:03d}-{index:04d}-{rng.getrandbits(32):08x}",
                "eventID": f"{rng.getrandbits(128):032x}",
                "readOnly": read_only,
                "eventType": "AwsApiCall",
                "managementEvent": source != _S3,
                "recipientAccountId": DEMO_ACCOUNT,
                "eventCategory": "Data" if source == _S3 else "Management",
            }
            if rng.random() < 0.04:
                record["errorCode"] = rng.choice(("AccessDenied", "ThrottlingException"))
                record["errorMessage"] = "demo failure"
            records.append(record)
    records.sort(key=lambda r: (r["eventTime"], r["eventID"]))
    return records


def _days() -> Iterator[tuple[int, datetime]]:
    for day in range(DEMO_DAYS):
        yield day, DEMO_END - timedelta(days=DEMO_DAYS - day)


def write_demo_history(root: Path) -> int:
    """Write the history under `root` in CloudTrail's layout; returns the events written"""
    total = 0
    for day, date in _days():
        folder = (
            root / "AWSLogs" / DEMO_ACCOUNT / "CloudTrail" / _REGION / date.strftime("%Y/%m/%d")
        )
        folder.mkdir(parents=True, exist_ok=True)
        records = demo_records(day)
        name = f"{DEMO_ACCOUNT}_CloudTrail_{_REGION}_{date:%Y%m%dT0000Z}_demo.json.gz"
        data = json.dumps({"Records": records}, separators=(",", ":")).encode()
        write_atomically(folder / name, gzip.compress(data, mtime=0))
        total += len(records)
    return total


def ensure_demo_store(cache_dir: Path) -> Path:
    """The demo history's activity store in `cache_dir`, generated and ingested on first use
    (into a temporary name, then renamed, so a half-built store is never used)

    Raises:
        OSError: the cache folder cannot be created.
        InputError: the store cannot be written into it.
    """
    target = cache_dir / f"demo-activity-v{_VERSION}.duckdb"
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".demo-") as work:
        folder = Path(work)
        write_demo_history(folder / "logs")
        building = folder / "store.duckdb"
        with open_store(building) as store:
            ingest_files(store, find_files([folder / "logs"]))
        write_atomically(target, building.read_bytes())
    return target
