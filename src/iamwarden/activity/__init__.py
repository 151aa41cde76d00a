"""Least privilege from CloudTrail: the activity store (DuckDB), event → IAM action mapping,
who did what, policy generation verified by the engine, and replay of a proposed policy

Modules, one job each: `schema` (the events table), `store` (the DuckDB file), `sources`
(finding and sniffing files), `s3` (files in S3), `ingest`, `principals` (who did it),
`templates` and `mapping` (event → actions and ARNs), `derive` (the shipped table from
iam-dataset), `calls` (a principal's recorded requests), `requests` (engine requests and
decisions), `generate` (policy generation and verification), `unused` (unused access),
`policy_use` (what the principals of each identity policy did, for `lint --activity`),
`demo` (the demo history), `investigate` (a leaked key and the credentials it minted) with
`persistence` (the actions it flags and their undo commands), `rules` (detection rules),
`watch` (following CloudTrail and delivering alerts) with `sinks`.
Importing it loads no data and opens no database.
"""

from iamwarden.activity.calls import (
    RecordedCall,
    UnmappedEvent,
    calls_by_principal,
    recorded_calls,
    unmapped_events,
    window,
)
from iamwarden.activity.generate import (
    GeneratedPolicy,
    GenerateOptions,
    Verification,
    generate_policy,
    generated_policy_set,
    verify,
)
from iamwarden.activity.ingest import (
    IngestOptions,
    IngestProblem,
    IngestProgress,
    IngestReport,
    ingest_files,
)
from iamwarden.activity.mapping import (
    EventMapper,
    EventMapping,
    MappedAction,
    MappingSource,
    load_mapper,
)
from iamwarden.activity.origins import CallOrigin
from iamwarden.activity.principals import PrincipalActivity, PrincipalKind, list_principals
from iamwarden.activity.requests import CallRequest, call_requests, decide
from iamwarden.activity.sources import CloudTrailFile, Layout, find_files, is_s3_url
from iamwarden.activity.store import ActivityStore, open_store
from iamwarden.activity.unused import (
    PrincipalUnused,
    UnusedCredential,
    UnusedService,
    unused_access,
    unused_credentials,
)

__all__ = [
    "ActivityStore",
    "CallOrigin",
    "CallRequest",
    "CloudTrailFile",
    "EventMapper",
    "EventMapping",
    "GenerateOptions",
    "GeneratedPolicy",
    "IngestOptions",
    "IngestProblem",
    "IngestProgress",
    "IngestReport",
    "Layout",
    "MappedAction",
    "MappingSource",
    "PrincipalActivity",
    "PrincipalKind",
    "PrincipalUnused",
    "RecordedCall",
    "UnmappedEvent",
    "UnusedCredential",
    "UnusedService",
    "Verification",
    "call_requests",
    "calls_by_principal",
    "decide",
    "find_files",
    "generate_policy",
    "generated_policy_set",
    "ingest_files",
    "is_s3_url",
    "list_principals",
    "load_mapper",
    "open_store",
    "recorded_calls",
    "unmapped_events",
    "unused_access",
    "unused_credentials",
    "verify",
    "window",
]
