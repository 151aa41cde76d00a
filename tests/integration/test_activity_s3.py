"""`iamwarden activity ingest s3://…`: CloudTrail files read from S3 (the emulator)"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from iamwarden.cli.main import cli
from tests.activity.conftest import record

pytestmark = pytest.mark.integration

PREFIX = "AWSLogs/o-abc123/111122223333/CloudTrail/us-east-1/2026/03/01"


def _put(client: object, key: str, records: list[dict[str, object]]) -> None:
    body = gzip.compress(json.dumps({"Records": records}).encode())
    client.put_object(Bucket="trail", Key=key, Body=body)  # type: ignore[attr-defined]


def test_ingest_from_s3_incrementally(emulator: str, tmp_path: Path) -> None:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket="trail")
    _put(client, f"{PREFIX}/a.json.gz", [record(), record("PutObject")])
    _put(client, f"{PREFIX}/b.json.gz", [record("ListBuckets", params={})])
    _put(client, "AWSLogs/o-abc123/111122223333/CloudTrail-Digest/us-east-1/d.json.gz", [record()])
    client.put_object(Bucket="trail", Key=f"{PREFIX}/broken.json.gz", Body=b"\x1f\x8b\x08\x00xx")
    db = tmp_path / "t.duckdb"
    runner = CliRunner()
    first = runner.invoke(cli, ["activity", "ingest", "s3://trail/AWSLogs/", "--db", str(db)])
    assert first.exit_code == 1, first.output  # the corrupt object, skipped whole
    assert "ingested 2 files, 3 events" in first.stdout
    assert f"s3://trail/{PREFIX}/broken.json.gz: file skipped: corrupt gzip" in first.stdout
    _put(client, f"{PREFIX}/c.json.gz", [record("DeleteObject")])
    second = runner.invoke(cli, ["activity", "ingest", "s3://trail/AWSLogs/", "--db", str(db)])
    assert "ingested 1 file, 1 event" in second.stdout and "2 files already" in second.stdout
    who = runner.invoke(cli, ["activity", "principals", "--db", str(db), "--format", "json"])
    assert json.loads(who.stdout)[0]["events"] == 4


def test_a_missing_bucket_is_one_line_exit_2(emulator: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["activity", "ingest", "s3://no-such-bucket/x", "--db", str(tmp_path / "t.duckdb")]
    )
    assert result.exit_code == 2
    assert result.stderr == "error: s3://no-such-bucket/x: S3: NoSuchBucket\n"
