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
    assert result.output.startswith(f"{bad}\n  1:")  # grouped by file, line:column
    assert "error unknown_operator: Statement[0].Condition.StringEqualz" in result.output
    assert "[IAM: Syntax errors in policy.]" in result.output


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


UNKNOWN_OPERATOR_YAML = """\
Version: 2012-10-17
Statement:
  - Effect: Allow
    Action: s3:GetObject
    Resource: "*"
    Condition: {StringEqualz: {"aws:SourceVpc": vpc-1}}
"""


def test_dash_reads_standard_input() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}],
    }
    result = CliRunner().invoke(cli, ["lint", "-"], input=json.dumps(document))
    assert result.exit_code == 1, result.output  # Access Analyzer: INVALID_ACTION, an ERROR
    assert result.output.startswith("<stdin>\n")
    assert ": error unknown_action: Statement[0].Action[0]: " in result.output
    warned = CliRunner().invoke(cli, ["lint", "--fail-on", "none", "-"], input=json.dumps(document))
    assert warned.exit_code == 0


def test_yaml_file_is_linted_with_locations(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(UNKNOWN_OPERATOR_YAML)
    result = CliRunner().invoke(cli, ["lint", str(policy)])
    assert result.exit_code == 1, result.output
    assert f"{policy}\n  6:31: error unknown_operator: Statement[0].Condition" in result.output
    assert "syntax" not in result.output  # the unquoted date Version is the text 2012-10-17


def test_yaml_on_standard_input_and_managed_version_floor() -> None:
    clean = UNKNOWN_OPERATOR_YAML.replace("StringEqualz", "StringEquals")
    result = CliRunner().invoke(cli, ["lint", "--managed", "--format", "json", "-"], input=clean)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"<stdin>": []}


def test_yaml_goes_through_the_guarded_reader(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yml"
    levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    levels += [
        f"{c}: &{c} [{','.join(['*' + p] * 10)}]" for p, c in zip("abcdef", "bcdefg", strict=True)
    ]
    bomb.write_text("\n".join(levels) + "\n")
    result = CliRunner().invoke(cli, ["lint", str(bomb)])
    assert result.exit_code == 2
    assert "aliases expand to more than" in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("Statement: [\n")
    result = CliRunner().invoke(cli, ["lint", str(broken)])
    assert result.exit_code == 2
    assert f"{broken}: line " in result.output and "Traceback" not in result.output


def test_json_file_that_is_not_json_stays_a_syntax_diagnostic(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("Version: 2012-10-17\n")
    result = CliRunner().invoke(cli, ["lint", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}\n  1:1: error syntax: (document): policy is not valid json" in result.output


def test_repeated_keys_in_json_and_yaml_files_are_errors(tmp_path: Path) -> None:
    """IAM rejects them (IAM User Guide, policy grammar notes: "Individual elements must not
    contain multiple instances of the same key")"""
    as_json = tmp_path / "p.json"
    as_json.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
        '"Resource": "*", "Effect": "Deny"}]}'
    )
    as_yaml = tmp_path / "p.yaml"
    as_yaml.write_text(
        'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n    Action: s3:GetObject\n'
        '    Action: s3:PutObject\n    Resource: "*"\n'
    )
    result = CliRunner().invoke(cli, ["lint", str(as_json), str(as_yaml)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stdout.splitlines() if "suggestion" not in line]
    assert lines[0] == str(as_json)
    assert ": error duplicate_key: Statement[0].Effect: " in lines[1]
    assert lines[2] == str(as_yaml)
    assert lines[3].startswith("  5:13: error duplicate_key: Statement[0].Action: ")
    assert len(lines) == 4
