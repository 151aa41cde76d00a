"""History and drift of stored assessments: a SQLite or PostgreSQL store of scans
(`store`), the drift between two scans (`diff`) and their text and JSON renderings
(`render`). Nothing here prints; the CLI (`assess --store`, `history`, `diff`) does."""

from iamwarden.report.history.diff import Change, Drift, FindingChange, ScoreChange, diff_scans
from iamwarden.report.history.records import (
    FrameworkScore,
    ScanRecord,
    StoredFinding,
    record_from_json,
    record_of,
)
from iamwarden.report.history.render import (
    render_diff_json,
    render_diff_text,
    render_history_json,
    render_history_text,
)
from iamwarden.report.history.store import (
    DEFAULT_STORE_URL,
    SCHEMA_REVISION,
    HistoryStore,
    ScanSummary,
    is_stored_ref,
    open_store,
    parse_store_url,
)

__all__ = [
    "DEFAULT_STORE_URL",
    "SCHEMA_REVISION",
    "Change",
    "Drift",
    "FindingChange",
    "FrameworkScore",
    "HistoryStore",
    "ScanRecord",
    "ScanSummary",
    "ScoreChange",
    "StoredFinding",
    "diff_scans",
    "is_stored_ref",
    "open_store",
    "parse_store_url",
    "record_from_json",
    "record_of",
    "render_diff_json",
    "render_diff_text",
    "render_history_json",
    "render_history_text",
]
