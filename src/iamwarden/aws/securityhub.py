"""Send ASFF findings to AWS Security Hub: `BatchImportFindings` in batches of 100

A write to AWS, so only ever called on explicit request (`assess --to-security-hub`). The
client retries throttling and transient errors itself (botocore's adaptive mode: jittered
exponential back-off and client-side rate limiting, `max_attempts` attempts per batch).
Findings Security Hub refuses one by one come back in the result with its error code and
message; an error of the whole call after its retries (no access, Security Hub not enabled)
raises `CollectionError` naming the call. Never prints, never reads the environment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from iamwarden.errors import CollectionError

__all__ = ["BATCH_SIZE", "ImportResult", "RejectedFinding", "import_findings"]

BATCH_SIZE = 100
"""The most findings `BatchImportFindings` takes in one call"""


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectedFinding:
    """A finding Security Hub refused, with its error code and message"""

    id: str
    error_code: str
    error_message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """What `import_findings` sent: the count imported, the refused, the calls made"""

    imported: int
    rejected: tuple[RejectedFinding, ...]
    batches: int


def import_findings(
    findings: Sequence[Mapping[str, Any]],
    *,
    region: str,
    session: boto3.Session | None = None,
    max_attempts: int = 8,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import `findings` (ASFF) into Security Hub in `region`, `batch_size` at a time

    Raises:
        CollectionError: when a call fails after its retries (the account's Security Hub is
            not enabled, access is denied, the endpoint is unreachable).
    """
    if not 1 <= batch_size <= BATCH_SIZE:
        raise ValueError(f"batch_size must be between 1 and {BATCH_SIZE}")
    client = (session or boto3.Session()).client(
        "securityhub",
        region_name=region,
        config=Config(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            user_agent_extra="iamwarden",
        ),
    )
    imported, batches = 0, 0
    rejected: list[RejectedFinding] = []
    for start in range(0, len(findings), batch_size):
        batch = [dict(f) for f in findings[start : start + batch_size]]
        try:
            answer = client.batch_import_findings(Findings=batch)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            raise CollectionError(
                f"securityhub:BatchImportFindings in {region}: {code}: "
                f"{error.response.get('Error', {}).get('Message', '')}".rstrip(": ")
            ) from None
        except BotoCoreError as error:
            raise CollectionError(f"securityhub:BatchImportFindings in {region}: {error}") from None
        batches += 1
        imported += int(answer.get("SuccessCount", 0))
        rejected.extend(
            RejectedFinding(
                id=str(item.get("Id", "")),
                error_code=str(item.get("ErrorCode", "")),
                error_message=str(item.get("ErrorMessage", "")),
            )
            for item in answer.get("FailedFindings", ())
        )
    return ImportResult(imported=imported, rejected=tuple(rejected), batches=batches)
