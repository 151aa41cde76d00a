"""Fixtures shared across test packages: one headless Chromium for the whole session"""

from tests.report.browser import browser

__all__ = ["browser"]
