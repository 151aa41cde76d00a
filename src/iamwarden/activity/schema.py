"""The events table: its explicit columns, the CloudTrail fields they come from, and the
record type DuckDB's JSON reader is given

This module owns the store's shape and nothing else: no connection, no files.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "COLUMNS",
    "EVENT_COLUMNS",
    "RECORD_STRUCTURE",
    "SCHEMA_VERSION",
    "create_tables_sql",
    "record_type",
]

SCHEMA_VERSION = 1
"""Version of the store's tables; a store of another version is refused"""

# (column, DuckDB type, CloudTrail field it comes from; "" for a derived column)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "VARCHAR", "eventID"),
    ("event_time", "TIMESTAMP", "eventTime (UTC)"),
    ("event_source", "VARCHAR", "eventSource"),
    ("event_name", "VARCHAR", "eventName"),
    ("aws_region", "VARCHAR", "awsRegion"),
    ("source_ip_address", "VARCHAR", "sourceIPAddress"),
    ("user_agent", "VARCHAR", "userAgent"),
    ("error_code", "VARCHAR", "errorCode"),
    ("error_message", "VARCHAR", "errorMessage"),
    ("read_only", "BOOLEAN", "readOnly"),
    ("event_type", "VARCHAR", "eventType"),
    ("recipient_account_id", "VARCHAR", "recipientAccountId"),
    ("access_key_id", "VARCHAR", "userIdentity.accessKeyId"),
    ("identity_type", "VARCHAR", "userIdentity.type"),
    ("identity_arn", "VARCHAR", "userIdentity.arn"),
    ("principal_id", "VARCHAR", "userIdentity.principalId"),
    ("identity_account_id", "VARCHAR", "userIdentity.accountId"),
    ("session_issuer_arn", "VARCHAR", "userIdentity.sessionContext.sessionIssuer.arn"),
    ("invoked_by", "VARCHAR", "userIdentity.invokedBy"),
    ("principal_arn", "VARCHAR", ""),
    ("principal_kind", "VARCHAR", ""),
    ("session_name", "VARCHAR", ""),
    ("request_parameters", "JSON", "requestParameters"),
    ("response_elements", "JSON", "responseElements"),
    ("resources", "JSON", "resources"),
    ("additional_event_data", "JSON", "additionalEventData"),
    ("file_id", "INTEGER", ""),
)
"""Every column of `events`: name, DuckDB type, and the CloudTrail field it holds
(`principal_arn`, `principal_kind` and `session_name` are derived, see `activity.principals`;
`file_id` names the row of `ingested_files` the event came from)"""

EVENT_COLUMNS: tuple[str, ...] = tuple(name for name, _, _ in COLUMNS)
"""The column names of `events`, in order"""

RECORD_STRUCTURE: dict[str, Any] = {
    "eventID": "VARCHAR",
    "eventTime": "VARCHAR",
    "eventSource": "VARCHAR",
    "eventName": "VARCHAR",
    "awsRegion": "VARCHAR",
    "sourceIPAddress": "VARCHAR",
    "userAgent": "VARCHAR",
    "errorCode": "VARCHAR",
    "errorMessage": "VARCHAR",
    "readOnly": "VARCHAR",
    "eventType": "VARCHAR",
    "recipientAccountId": "VARCHAR",
    "requestParameters": "JSON",
    "responseElements": "JSON",
    "resources": "JSON",
    "additionalEventData": "JSON",
    "userIdentity": {
        "type": "VARCHAR",
        "arn": "VARCHAR",
        "principalId": "VARCHAR",
        "accountId": "VARCHAR",
        "accessKeyId": "VARCHAR",
        "userName": "VARCHAR",
        "invokedBy": "VARCHAR",
        "sessionContext": {"sessionIssuer": {"type": "VARCHAR", "arn": "VARCHAR"}},
    },
}
"""The CloudTrail record fields read, as the structure DuckDB's `json_transform` takes: every
scalar as text (cast with TRY_CAST later, so one odd value never fails a file), the
free-form objects kept as JSON"""


def record_type(structure: dict[str, Any] | None = None) -> str:
    """`structure` (default `RECORD_STRUCTURE`) as a DuckDB STRUCT type, for `read_json`'s
    `columns`"""
    fields = (
        f'"{name}" ' + (record_type(kind) if isinstance(kind, dict) else str(kind))
        for name, kind in (RECORD_STRUCTURE if structure is None else structure).items()
    )
    return f"STRUCT({', '.join(fields)})"


def create_tables_sql() -> str:
    """The DDL of the store: `meta` (schema version), `ingested_files`, `events`,
    `duplicate_files` (`count` records of file `file_id` skipped as duplicates of events
    stored under file `of_file_id`); run on every writable open, it adds
    `ingested_files.partial` and `duplicate_files` to a store made before them (no reader
    needs them, so the schema version stays)"""
    columns = ",\n    ".join(f"{name} {kind}" for name, kind, _ in COLUMNS)
    return f"""
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE SEQUENCE IF NOT EXISTS file_ids START 1;
CREATE TABLE IF NOT EXISTS ingested_files (
    file_id INTEGER PRIMARY KEY,
    path VARCHAR NOT NULL UNIQUE,
    size BIGINT NOT NULL,
    events BIGINT NOT NULL,
    skipped BIGINT NOT NULL,
    partial BOOLEAN NOT NULL DEFAULT false
);
ALTER TABLE ingested_files ADD COLUMN IF NOT EXISTS partial BOOLEAN DEFAULT false;
CREATE TABLE IF NOT EXISTS events (
    {columns}
);
CREATE TABLE IF NOT EXISTS duplicate_files (
    file_id INTEGER NOT NULL,
    of_file_id INTEGER NOT NULL,
    count BIGINT NOT NULL
);
"""
