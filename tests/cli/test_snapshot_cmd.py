"""`iamwarden snapshot`: write the demo or an export to a file that reads back identically"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from iamwarden.cli.main import cli
from iamwarden.snapshot import demo_snapshot, import_cloudmapper, read_snapshot
from tests.builders import auth_details, write_export


def test_demo_to_file(tmp_path: Path) -> None:
    out = tmp_path / "f.json"
    result = CliRunner().invoke(cli, ["snapshot", "--demo", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert read_snapshot(out) == demo_snapshot()
    assert "12 users, 26 roles" in result.output


def test_input_to_gzip_then_snapshot_source(tmp_path: Path) -> None:
    account = write_export(tmp_path, {"iam-get-account-authorization-details.json": auth_details()})
    first = tmp_path / "x.json.gz"
    result = CliRunner().invoke(cli, ["snapshot", "--input", str(account), "-o", str(first)])
    assert result.exit_code == 0, result.output
    second = tmp_path / "y.json"
    result = CliRunner().invoke(cli, ["snapshot", "--snapshot", str(first), "-o", str(second)])
    assert result.exit_code == 0, result.output
    assert read_snapshot(second) == read_snapshot(first) == import_cloudmapper(account)


def test_bad_export_is_one_line_and_exit_2(tmp_path: Path) -> None:
    account = write_export(
        tmp_path,
        {"iam-get-account-authorization-details.json": {"UserDetailList": [{"UserName": 1}]}},
    )
    result = CliRunner().invoke(
        cli, ["snapshot", "--input", str(account), "-o", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 2
    assert "$.UserDetailList[0]" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.json").exists()


def test_missing_authorization_details_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["snapshot", "--input", str(tmp_path), "-o", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 2
    assert "file not found: iam-get-account-authorization-details.json" in result.output
