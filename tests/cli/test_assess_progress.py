"""`iamwarden assess` shows its progress on large accounts only, on stderr"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from iamwarden.cli import assess_progress
from iamwarden.cli.main import cli


def test_a_small_account_shows_no_progress() -> None:
    result = CliRunner().invoke(cli, ["assess", "--demo", "--quiet"])
    assert result.exit_code in (0, 1), result.output
    assert "checks:" not in result.stderr and "import:" not in result.stderr


def test_a_large_account_logs_stages_and_counts_on_stderr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(assess_progress, "LARGE", 0)  # the demo counts as large
    result = CliRunner().invoke(cli, ["assess", "--demo", "--quiet", "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("import: ") and " roles, " in lines[0]
    assert any(line.startswith("policies: ") and "documents done" in line for line in lines)
    assert lines[-1].startswith("checks: ") and "/" in lines[-1]
    assert "checks:" not in result.stdout  # the report stays clean
