"""`assess` reports its stages and each check to a progress callback, and prints nothing"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iamwarden.analysis import AssessOptions, AssessProgress, AssessStage, assess
from iamwarden.analysis.registry import registered_checks
from iamwarden.snapshot import demo_snapshot

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_stages_and_every_check_are_reported_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    events: list[AssessProgress] = []
    assess(demo_snapshot(), AssessOptions(now=NOW, progress=events.append))
    stages = [e.stage for e in events]
    assert stages == sorted(stages, key=list(AssessStage).index)
    policies = [e for e in events if e.stage is AssessStage.POLICIES]
    assert policies[0].done == 0 and policies[-1].done == policies[-1].total > 0
    checks = [e for e in events if e.stage is AssessStage.CHECKS]
    assert [e.done for e in checks] == list(range(len(registered_checks()) + 1))
    assert [e.detail for e in checks[1:]] == list(registered_checks())
    assert capsys.readouterr() == ("", "")


def test_without_a_callback_nothing_changes() -> None:
    quiet = assess(demo_snapshot(), AssessOptions(now=NOW))
    told = assess(demo_snapshot(), AssessOptions(now=NOW, progress=lambda event: None))
    assert quiet.findings == told.findings
