"""Fixtures shared across test packages: one headless Chromium and one PostgreSQL server for
the whole session (each started only when a test asks for it)"""

from tests.integration.postgres import postgres_server
from tests.report.browser import browser

__all__ = ["browser", "postgres_server"]
