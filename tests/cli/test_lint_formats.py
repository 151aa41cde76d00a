"""`iamwarden lint` output and suppressions: SARIF 2.1.0 valid against the schema (GitHub code
scanning: rules with help and levels, regions with startLine/startColumn), --fail-on, inline
and iamwarden.toml suppressions, template placeholders (issue 14 §4, §5)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from iamwarden.cli.main import cli
from iamwarden.policy.lint import CODES

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-2.1.0-rtm.5.json"
DATA = Path(__file__).resolve().parents[1] / "data" / "lint"

RISKY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        {"Sid": "Typo", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"},
    ],
}


def _lint(*args: str) -> Result:
    return CliRunner().invoke(cli, ["lint", *args])


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_sarif_of_a_template_is_valid_and_located(validator: Any) -> None:
    result = _lint("--format", "sarif", str(DATA / "template.yaml"))
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert sorted(validator.iter_errors(log), key=str) == []
    run = log["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["unknown_action"]["defaultConfiguration"]["level"] == "error"
    assert rules["unknown_action"]["help"]["text"] == CODES["unknown_action"].help
    typo = next(r for r in run["results"] if r["ruleId"] == "unknown_action")
    region = typo["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (33, 21)
    assert typo["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].endswith(
        "PolicyDocument.Statement[0].Action[1]"
    )
    assert run["tool"]["driver"]["rules"][typo["ruleIndex"]]["id"] == "unknown_action"


def test_sarif_artifact_uris_are_percent_encoded_as_checks_are(
    tmp_path: Path, validator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 3986 §2.1: a space and `#` in a file name are percent-encoded in the URI (one
    helper with `iamwarden check`); an absolute path is a `file:///` URI (RFC 8089)"""
    folder = tmp_path / "my policies"
    folder.mkdir()
    (folder / "pol #1.json").write_text(json.dumps(RISKY, indent=2))
    monkeypatch.chdir(tmp_path)
    relative = json.loads(_lint("--format", "sarif", "my policies/pol #1.json").stdout)
    absolute = json.loads(_lint("--format", "sarif", str(folder / "pol #1.json")).stdout)
    for log in (relative, absolute):
        assert list(validator.iter_errors(log)) == []
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in relative["runs"][0]["results"]
    }
    assert uris == {"my%20policies/pol%20%231.json"}
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in absolute["runs"][0]["results"]
    }
    assert uris == {(folder / "pol #1.json").as_uri()}
    assert all(uri.startswith("file:///") and "%20%231.json" in uri for uri in uris)


def test_sarif_levels_follow_the_classes(tmp_path: Path, validator: Any) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps(RISKY, indent=2))
    log = json.loads(_lint("--format", "sarif", str(policy)).stdout)
    assert list(validator.iter_errors(log)) == []
    levels = {r["ruleId"]: r["level"] for r in log["runs"][0]["results"]}
    assert levels["pass_role_star"] == "warning"
    assert levels["unknown_action"] == "error"
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["pass_role_star"]["properties"]["security-severity"] == "7.5"


def test_fail_on_sets_the_exit_code(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    only_warning = {**RISKY, "Statement": RISKY["Statement"][:1]}
    policy.write_text(json.dumps(only_warning))
    assert _lint(str(policy)).exit_code == 0  # default: errors only
    assert _lint("--fail-on", "security_warning", str(policy)).exit_code == 1
    assert _lint("--fail-on", "error", str(policy)).exit_code == 0


def test_a_sid_suffix_suppresses_its_code_in_its_statement(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    muted = {
        **RISKY,
        "Statement": [{**RISKY["Statement"][0], "Sid": "DeployLintIgnorePassRoleStar"}],
    }
    policy.write_text(json.dumps(muted))
    result = _lint("--fail-on", "security_warning", "--format", "json", str(policy))
    assert result.exit_code == 0, result.output
    (item,) = [d for d in json.loads(result.stdout)[str(policy)] if d["code"] == "pass_role_star"]
    assert item["suppressed"] == "Sid suffix LintIgnore"


def test_an_iamwarden_toml_rule_suppresses_by_code_and_path(tmp_path: Path) -> None:
    policy = tmp_path / "legacy" / "p.json"
    policy.parent.mkdir()
    policy.write_text(json.dumps(RISKY))
    config = tmp_path / "iamwarden.toml"
    config.write_text(
        '[[archive_rules]]\ncheck_id = "unknown_action"\n'
        f'resource_arn = "{tmp_path}/legacy/*"\nreason = "retired bucket, SEC-9"\n'
    )
    result = _lint("--config", str(config), str(policy))
    assert result.exit_code == 0, result.output
    assert "[suppressed: iamwarden.toml: retired bucket, SEC-9]" in result.output
    other = tmp_path / "p.json"
    other.write_text(json.dumps(RISKY))
    assert _lint("--config", str(config), str(other)).exit_code == 1
    config.write_text('[[archive_rules]]\ncheck_id = "no_such_code"\nreason = "x"\n')
    refused = _lint("--config", str(config), str(policy))
    assert refused.exit_code == 2 and "unknown check `no_such_code`" in refused.output


def test_template_metadata_suppresses_and_a_ref_action_is_known_at_deploy(tmp_path: Path) -> None:
    template = tmp_path / "stack.yaml"
    template.write_text(
        "Resources:\n"
        "  Role:\n"
        "    Type: AWS::IAM::Role\n"
        "    Metadata:\n"
        "      iamwarden:\n"
        "        ignore:\n"
        "          pass_role_star: the deploy role passes every role, SEC-3\n"
        "    Properties:\n"
        "      AssumeRolePolicyDocument:\n"
        '        Version: "2012-10-17"\n'
        "        Statement:\n"
        "          - Effect: Allow\n"
        "            Principal: {Service: lambda.amazonaws.com}\n"
        "            Action: sts:AssumeRole\n"
        "      Policies:\n"
        "        - PolicyName: deploy\n"
        "          PolicyDocument:\n"
        '            Version: "2012-10-17"\n'
        "            Statement:\n"
        "              - Effect: Allow\n"
        "                Action: iam:PassRole\n"
        '                Resource: "*"\n'
        "              - Effect: Allow\n"
        "                Action: !Ref Actions\n"
        '                Resource: "*"\n'
    )
    result = _lint("--format", "json", "--fail-on", "security_warning", str(template))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)[str(template)]
    by_code = {d["code"]: d for d in data}
    assert by_code["pass_role_star"]["suppressed"].endswith("SEC-3")
    assert by_code["value_known_at_deploy"]["location"] == "Statement[1].Action"
    assert by_code["value_known_at_deploy"]["line"] == 24
    assert "syntax" not in by_code


def test_list_codes_names_every_code_with_its_class() -> None:
    result = _lint("--list-codes")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == len(CODES)
    assert any(line.split()[:2] == ["pass_role_star", "SECURITY_WARNING"] for line in lines)
