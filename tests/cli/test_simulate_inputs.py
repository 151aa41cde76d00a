"""`simulate --scenarios -` reads standard input, as `lint -` does; its errors name `<stdin>`"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from iamwarden.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios.yaml"


def test_scenarios_from_standard_input() -> None:
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", "-"], input=EXAMPLE.read_text())
    assert result.exit_code == 0, result.output
    assert "12 decisions, 12 expectations met, 0 failed" in result.output


def test_a_malformed_file_on_standard_input_is_one_line_naming_stdin() -> None:
    text = (
        "scenarios: [{name: a, principal: 'arn:aws:iam::111122223333:user/a', "
        "requests: [{action: s3:GetObject, resource: 'arn:aws:s3:::'}]}]\n"
    )
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", "-"], input=text)
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: <stdin>: scenarios[0] (a).requests[0].resource: `arn:aws:s3:::` is not an ARN: "
        "the resource segment is empty"
    )


def test_a_resource_with_outer_whitespace_is_refused_on_the_command_line() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            "--demo",
            "--principal",
            "arn:aws:iam::210987654321:user/deploy-bot",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::b/k ",
        ],
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: --resource: `arn:aws:s3:::b/k ` has whitespace before or after it: no ARN does"
    )
