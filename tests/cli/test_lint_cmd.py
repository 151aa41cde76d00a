"""`iamwarden lint`: diagnostics per file, exit 1 on errors, exit 2 on unreadable input"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from iamwarden.cli.main import cli


def _write(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_clean_policy_exits_0(tmp_path: Path) -> None:
    good = _write(
        tmp_path,
        "good.json",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
            ],
        },
    )
    result = CliRunner().invoke(cli, ["lint", str(good), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {str(good): []}


def test_errors_exit_1_and_are_located(tmp_path: Path) -> None:
    bad = _write(
        tmp_path,
        "bad.json",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"StringEqualz": {"aws:SourceVpc": "vpc-1"}},
                }
            ],
        },
    )
    result = CliRunner().invoke(cli, ["lint", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: Statement[0].Condition" in result.output
    assert "StringEqualz" in result.output


def test_resource_policy_without_principal_is_an_error(tmp_path: Path) -> None:
    policy = _write(
        tmp_path,
        "bucket.json",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
            ],
        },
    )
    assert CliRunner().invoke(cli, ["lint", str(policy)]).exit_code == 0
    assert CliRunner().invoke(cli, ["lint", "--kind", "resource", str(policy)]).exit_code == 1


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["lint", str(tmp_path / "absent.json")])
    assert result.exit_code == 2
    assert "absent.json" in result.output and "Traceback" not in result.output
