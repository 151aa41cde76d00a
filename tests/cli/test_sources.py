"""The source options every account-reading command shares: `--region` / `--regions` values"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from iamwarden.cli.main import cli

DEPLOY_BOT = "arn:aws:iam::210987654321:user/deploy-bot"
REGION_COMMANDS = (
    ("simulate", "--principal", DEPLOY_BOT, "--action", "s3:GetObject"),
    ("who-can", "s3:GetObject"),
    ("paths",),
    ("access",),
    ("assess",),
    ("snapshot", "-o", "out.json"),
    ("collect", "-o", "out.json"),
)
"""Every command with live options, without a source (the region is checked first)"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("command", REGION_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(
    ("option", "value", "bad"),
    [("--region", "moon-1", "moon-1"), ("--regions", "us-east-1,Moon", "Moon")],
)
def test_a_value_not_shaped_as_a_region_is_an_input_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
    option: str,
    value: str,
    bad: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*command, option, value)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"error: {option}: `{bad}` is not a region name (such as `us-east-1`)"
    ]


def test_a_region_shaped_name_botocore_does_not_know_is_a_warning() -> None:
    """New regions open before botocore lists them: warn, decide as asked"""
    result = run(
        "simulate",
        "--demo",
        "--principal",
        DEPLOY_BOT,
        "--action",
        "s3:GetObject",
        "--region",
        "moon-east-1",
        "--format",
        "json",
    )
    assert result.exit_code in (0, 1), result.output
    assert result.stderr.splitlines() == [
        "warning: --region: region `moon-east-1` is not in botocore's endpoint data "
        "(a region newer than botocore, or a typo)"
    ]


@pytest.mark.parametrize("region", ["us-east-1", "us-gov-west-1", "cn-north-1", "eusc-de-east-1"])
def test_known_regions_pass_silently(region: str) -> None:
    result = run(
        "simulate",
        "--demo",
        "--principal",
        DEPLOY_BOT,
        "--action",
        "s3:GetObject",
        "--region",
        region,
        "--format",
        "json",
    )
    assert result.exit_code in (0, 1), result.output
    assert result.stderr == ""
