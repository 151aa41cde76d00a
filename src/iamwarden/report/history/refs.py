"""The names a user gives stores and scans, decided without opening anything: the default
store URL, and whether a `diff` argument names a stored scan or a JSON report file

Kept apart from `store` so that the command line can read its options without loading
SQLAlchemy and Alembic.
"""

from __future__ import annotations

from datetime import datetime

__all__ = ["DEFAULT_STORE_URL", "is_stored_ref"]

DEFAULT_STORE_URL = "sqlite:///iamwarden-history.db"
"""The store used when none is named: a SQLite file in the current directory"""


def is_stored_ref(value: str) -> bool:
    """Whether `diff` reads `value` from the store (`latest`, `previous`, a scan id, an ISO
    8601 date or date-time) rather than as an assessment JSON file"""
    if value in ("latest", "previous") or value.isdigit():
        return True
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
