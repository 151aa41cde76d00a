"""The process-wide settings the command line applies at start"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from iamwarden.cli.main import main
from iamwarden.runtime import GC_THRESHOLDS, tune_garbage_collector


@pytest.fixture
def default_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


@pytest.mark.usefixtures("default_thresholds")
def test_tuning_sets_the_thresholds() -> None:
    tune_garbage_collector()
    assert gc.get_threshold() == GC_THRESHOLDS
    assert GC_THRESHOLDS[0] > 700  # a young collection less often than CPython's default


@pytest.mark.usefixtures("default_thresholds")
def test_the_command_tunes_the_collector_before_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["iamwarden", "--version"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 0
    assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.isenabled()  # tuned, never switched off: cycles are still reclaimed
