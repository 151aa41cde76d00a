"""Shared helpers: CloudTrail records and files written the ways AWS and its exports write them"""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

_EVENT_IDS = itertools.count(1)
"""Each record made is its own event (CloudTrail gives every event a unique eventID; ingest
stores a repeated one once)"""

STRATUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "cloudtrail-stratus"


def record(
    name: str = "GetObject",
    *,
    source: str = "s3.amazonaws.com",
    time: str = "2026-03-01T10:00:00Z",
    arn: str = "arn:aws:sts::111122223333:assumed-role/dev/alice",
    issuer: str | None = "arn:aws:iam::111122223333:role/dev",
    params: dict[str, Any] | None = None,
    error: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One CloudTrail record of an assumed-role call (override any field)"""
    identity: dict[str, Any] = {
        "type": "AssumedRole" if ":assumed-role/" in arn else "IAMUser",
        "arn": arn,
        "principalId": "AROAEXAMPLE:alice",
        "accountId": "111122223333",
        "accessKeyId": "ASIAEXAMPLE",
    }
    if issuer:
        identity["sessionContext"] = {"sessionIssuer": {"type": "Role", "arn": issuer}}
    found: dict[str, Any] = {
        "eventVersion": "1.09",
        "eventID": f"id-{name}-{time}-{next(_EVENT_IDS)}",
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2",
        "readOnly": True,
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333",
        "requestParameters": params if params is not None else {"bucketName": "b", "key": "k"},
        "responseElements": None,
        "userIdentity": identity,
    }
    if error:
        found["errorCode"] = error
        found["errorMessage"] = "denied"
    found.update(extra)
    return found


def write_records(path: Path, records: list[dict[str, Any]], *, compress: bool = False) -> Path:
    """A CloudTrail-delivered file: `{"Records": [...]}`, gzip when `compress`"""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"Records": records}).encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.fixture
def stratus() -> Path:
    """The real Stratus Red Team CloudTrail records (skips when the corpus is absent)"""
    if not STRATUS.is_dir():
        pytest.skip("../shared/corpora/cloudtrail-stratus is absent")
    return STRATUS
