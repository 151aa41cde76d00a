"""Headless Chromium for report tests, driven by Playwright

The browser is Debian's `chromium` (what `.ci/run` installs), or `$IAMWARDEN_CHROMIUM`, or
the one `playwright install chromium` put in Playwright's cache. With none of them the
browser tests skip, except under CI (env `CI`), where a missing browser fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path(playwright: Any) -> str | None:
    """The Chromium to drive: env, then Debian's, then Playwright's own download"""
    named = os.environ.get("IAMWARDEN_CHROMIUM")
    if named:
        return named
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    bundled = playwright.chromium.executable_path
    return bundled if bundled and Path(bundled).exists() else None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI needs a browser: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium for the session (skipped without one, failing under CI)"""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
        return
    with sync_playwright() as playwright:
        path = chromium_path(playwright)
        if path is None:
            _unavailable("no Chromium found (apt-get install chromium)")
            return
        launched = playwright.chromium.launch(executable_path=path, headless=True)
        yield launched
        launched.close()
