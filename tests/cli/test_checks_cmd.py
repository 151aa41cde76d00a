"""`iamwarden checks list`: the table of checks"""

from __future__ import annotations

from click.testing import CliRunner

from iamwarden.analysis import registered_checks
from iamwarden.cli.main import cli


def test_checks_list_prints_every_check_with_its_cis_ids() -> None:
    result = CliRunner().invoke(cli, ["checks", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "RESOURCE", "CIS", "TITLE"]
    assert len(lines) == len(registered_checks()) + 1
    root = next(line for line in lines if line.startswith("root_access_key_absent "))
    assert root.split()[1:4] == ["critical", "AwsAccount", "1.4"]
    admin = next(line for line in lines if line.startswith("role_admin_access "))
    assert admin.split()[3] == "-"


def test_checks_list_shows_one_column_per_repeated_framework() -> None:
    """Repeating --framework shows each, in order (it used to keep only the last)"""
    result = CliRunner().invoke(
        cli, ["checks", "list", "--framework", "fsbp", "--framework", "cis-7.0"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "RESOURCE", "FSBP", "CIS-7.0", "TITLE"]
    root = next(line for line in lines if line.startswith("root_access_key_absent "))
    assert root.split()[3:5] == ["IAM.4", "2.4"]
