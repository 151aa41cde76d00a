"""The history store's fixtures: a store URL on each backend (SQLite file, PostgreSQL
database), and records built from the demo account's assessment"""

from __future__ import annotations

from pathlib import Path

import pytest

from iamwarden.analysis import Assessment, assess
from iamwarden.snapshot.demo import demo_snapshot
from tests.integration.postgres import fresh_database


@pytest.fixture(scope="session")
def demo_assessment() -> Assessment:
    """The demo account's assessment (assessed once per session)"""
    return assess(demo_snapshot())


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store: a SQLite file that does not exist yet, or a new PostgreSQL database"""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.db'}"
    return fresh_database(request.getfixturevalue("postgres_server"))
