"""History and drift of stored assessments: a SQLite or PostgreSQL store of scans
(`store`: `open_store`, `HistoryStore`, `ScanSummary`), the drift between two scans (`diff`)
and their text and JSON renderings (`render`). The store is imported from its module, not
re-exported here, so that reading records and rendering drift do not load SQLAlchemy.
Nothing here prints; the CLI (`assess --store`, `history`, `diff`) does."""

from iamwarden.report.history.diff import Change, Drift, FindingChange, ScoreChange, diff_scans
from iamwarden.report.history.records import (
    FrameworkScore,
    ScanRecord,
    StoredFinding,
    record_from_json,
    record_of,
)
from iamwarden.report.history.refs import DEFAULT_STORE_URL, is_stored_ref
from iamwarden.report.history.render import (
    render_diff_json,
    render_diff_text,
    render_history_json,
    render_history_text,
)

__all__ = [
    "DEFAULT_STORE_URL",
    "Change",
    "Drift",
    "FindingChange",
    "FrameworkScore",
    "ScanRecord",
    "ScoreChange",
    "StoredFinding",
    "diff_scans",
    "is_stored_ref",
    "record_from_json",
    "record_of",
    "render_diff_json",
    "render_diff_text",
    "render_history_json",
    "render_history_text",
]
