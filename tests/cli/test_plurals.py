"""Counts in command output agree with their noun (`1 file`, `2 users`)"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from iamwarden.cli.main import cli
from tests.builders import ALLOW_ALL, auth_details, write_export


def test_lint_of_one_file_says_one_file(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(ALLOW_ALL))
    result = CliRunner().invoke(cli, ["lint", str(policy)])
    assert "1 file, " in result.output and "1 files" not in result.output


def test_snapshot_summary_counts_agree_with_their_nouns(tmp_path: Path) -> None:
    export = write_export(tmp_path, {"iam-get-account-authorization-details.json": auth_details()})
    out = tmp_path / "snap.json"
    result = CliRunner().invoke(cli, ["snapshot", "--input", str(export), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "(2 users, 1 role, 1 managed policy)" in result.output
