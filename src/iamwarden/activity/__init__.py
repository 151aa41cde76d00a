"""Least privilege from CloudTrail: the activity store (DuckDB), event → IAM action mapping,
who did what, policy generation verified by the engine, and replay of a proposed policy

Importing it loads no data and opens no database.
"""

from iamwarden.activity.ingest import (
    IngestOptions,
    IngestProblem,
    IngestProgress,
    IngestReport,
    ingest_files,
)
from iamwarden.activity.principals import PrincipalActivity, PrincipalKind, list_principals
from iamwarden.activity.sources import CloudTrailFile, Layout, find_files, is_s3_url
from iamwarden.activity.store import ActivityStore, open_store

__all__ = [
    "ActivityStore",
    "CloudTrailFile",
    "IngestOptions",
    "IngestProblem",
    "IngestProgress",
    "IngestReport",
    "Layout",
    "PrincipalActivity",
    "PrincipalKind",
    "find_files",
    "ingest_files",
    "is_s3_url",
    "list_principals",
    "open_store",
]
