"""Lint's suppressions (review of issue 14, items 7 and 8): archive rule paths relative to the
config file's folder and normalised, expired rules reported and muting nothing, Metadata
codes checked as archive rules are, Sids naming several codes, a notice for one naming none"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from iamwarden.cli.main import cli


def _lint(*args: str) -> Result:
    return CliRunner().invoke(cli, ["lint", *args])


def _statement(sid: str, *actions: str) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": "*"}


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _rule(path: str, expires: str = "") -> str:
    return (
        f'[[archive_rules]]\ncheck_id = "pass_role_star"\nresource_arn = "{path}"\n'
        'reason = "deploy role, SEC-3"\n' + (f"expires = {expires}\n" if expires else "")
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    sup = tmp_path / "sup"
    sup.mkdir()
    (sup / "p.json").write_text(_policy(_statement("Deploy", "iam:PassRole")))
    (sup / "iamwarden.toml").write_text(_rule("p.json"))
    return sup


def test_rule_paths_are_relative_to_the_config_folder(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(folder / "iamwarden.toml")
    muted = "[suppressed: iamwarden.toml: deploy role, SEC-3]"
    monkeypatch.chdir(folder.parent)
    for given in ("sup/p.json", "./sup/../sup/p.json", str(folder / "p.json")):
        result = _lint("--config", config, given)
        assert result.exit_code == 0, (given, result.output)
        assert muted in result.output
    monkeypatch.chdir(folder)
    for given in ("p.json", "./p.json", str(folder / "p.json")):
        result = _lint(given)  # ./iamwarden.toml
        assert result.exit_code == 0, (given, result.output)
        assert muted in result.output


def test_an_absolute_glob_still_matches(folder: Path) -> None:
    (folder / "iamwarden.toml").write_text(_rule(f"{folder}/*"))
    result = _lint("--config", str(folder / "iamwarden.toml"), str(folder / "p.json"))
    assert result.exit_code == 0, result.output


def test_an_expired_rule_mutes_nothing_and_is_reported(folder: Path) -> None:
    (folder / "iamwarden.toml").write_text(_rule("p.json", expires="2020-01-31"))
    config = str(folder / "iamwarden.toml")
    result = _lint("--config", config, "--fail-on", "warning", str(folder / "p.json"))
    assert result.exit_code == 1, result.output
    assert "suppressed" not in result.stdout
    assert (
        "note: iamwarden.toml: expired archive rule pass_role_star p.json: expired 2020-01-31 "
        "(mutes nothing)"
    ) in result.stderr


def test_a_sid_names_several_codes_and_a_misspelled_one_is_a_notice(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(
        _policy(
            _statement("XLintIgnorePassRoleStarSensitiveActionStar", "iam:PassRole", "iam:*"),
            _statement("ZLintIgnorePassrolestar", "iam:PassRole"),
        )
    )
    result = _lint("--format", "json", str(policy))
    data = json.loads(result.stdout)[str(policy)]
    by_statement = {
        (item["location"].split(".")[0], item["code"]): item["suppressed"] for item in data
    }
    assert by_statement[("Statement[0]", "pass_role_star")] == "Sid suffix LintIgnore"
    assert by_statement[("Statement[0]", "sensitive_action_star")] == "Sid suffix LintIgnore"
    assert by_statement[("Statement[1]", "pass_role_star")] is None
    assert (
        f"notice: {policy}: Statement[1].Sid: Sid `ZLintIgnorePassrolestar` ends in "
        "`LintIgnore` but `Passrolestar` spells no lint code"
    ) in result.stderr


def test_a_metadata_code_that_is_no_lint_code_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "stack.yaml"
    template.write_text(
        "Resources:\n"
        "  R:\n"
        "    Type: AWS::IAM::ManagedPolicy\n"
        "    Metadata:\n"
        "      iamwarden:\n"
        "        ignore:\n"
        "          pass_role_star: deploy role\n"
        "          pass_role_stat: typo\n"
        "    Properties:\n"
        "      PolicyDocument:\n"
        "        Version: '2012-10-17'\n"
        "        Statement:\n"
        "          - Effect: Allow\n"
        "            Action: iam:PassRole\n"
        "            Resource: '*'\n"
    )
    result = _lint(str(template))
    assert result.exit_code == 2
    assert result.output == (
        f"error: {template}: Resources.R.Metadata.iamwarden.ignore.pass_role_stat: "
        "unknown lint code `pass_role_stat`\n"
    )


def test_a_metadata_code_without_a_reason_is_located_at_its_own_line(tmp_path: Path) -> None:
    template = tmp_path / "stack.yaml"
    template.write_text(
        "Resources:\n"
        "  R:\n"
        "    Type: AWS::IAM::ManagedPolicy\n"
        "    Metadata:\n"
        "      iamwarden:\n"
        "        ignore:\n"
        "          pass_role_star: deploy role\n"
        "          sensitive_action_star: ''\n"
        "    Properties:\n"
        "      PolicyDocument:\n"
        "        Version: '2012-10-17'\n"
        "        Statement:\n"
        "          - Effect: Allow\n"
        "            Action: iam:PassRole\n"
        "            Resource: '*'\n"
    )
    result = _lint(str(template))
    assert result.exit_code == 2
    assert "line 8:" in result.output, result.output
    assert "ignore.sensitive_action_star`: a reason is required" in result.output
