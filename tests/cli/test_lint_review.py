"""`iamwarden lint` on a directory with a file that is not UTF-8 (newcomer review, issue 14)"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from iamwarden.cli.main import cli

POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:PutObjct", "Resource": "*"}],
}


def _lint(*args: str) -> tuple[int, dict[str, list[dict[str, object]]]]:
    result = CliRunner().invoke(cli, ["lint", *args, "--format", "json"])
    return result.exit_code, json.loads(result.output)


def test_undecodable_file_in_a_directory_is_an_error_there_and_the_rest_is_linted(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.json").write_bytes(b"\xff\xfe{}")
    (tmp_path / "c.json").write_bytes(b'{"a": "\x80"}')
    (tmp_path / "b.json").write_text(json.dumps(POLICY))
    code, data = _lint(str(tmp_path))
    assert code == 1
    assert [d["code"] for d in data[str(tmp_path / "b.json")]] == ["unknown_action"]
    assert str(tmp_path / "a.json") not in data  # text, not JSON, naming no policy: skipped
    assert data[str(tmp_path / "c.json")][0]["message"] == "not UTF-8 text"


def test_utf16_with_byte_order_mark_is_read(tmp_path: Path) -> None:
    """PowerShell's Out-File writes UTF-16 LE with a byte order mark"""
    path = tmp_path / "p.json"
    path.write_bytes(json.dumps(POLICY).encode("utf-16"))
    code, data = _lint(str(path))
    assert code == 1
    assert [d["code"] for d in data[str(path)]] == ["unknown_action"]


def test_undecodable_file_named_alone_is_still_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b'{"a": "\x80"}')
    result = CliRunner().invoke(cli, ["lint", str(path)])
    assert result.exit_code == 2
    assert "not UTF-8 text" in result.output


def _plan(values: object) -> dict[str, object]:
    resource = {
        "address": "aws_iam_policy.p",
        "mode": "managed",
        "type": "aws_iam_policy",
        "name": "p",
        "values": values,
    }
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": [resource]}},
    }


def test_plan_policy_resource_without_values_is_one_line_exit_2(tmp_path: Path) -> None:
    """Terraform JSON output format: every resource of `planned_values` has its `values`"""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_plan(None)))
    result = CliRunner().invoke(cli, ["lint", str(path)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {path}: planned_values.root_module.resources[0].values: "
        "must be an object in a Terraform plan"
    )


def test_plan_policy_that_is_a_number_is_an_error_at_its_path(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_plan({"policy": 5})))
    code, data = _lint(str(path))
    assert code == 1
    [found] = data[str(path)]
    assert (found["code"], found["severity"]) == ("syntax", "error")
    assert found["policy"] == "planned_values.root_module.resources[0].values.policy"


TEMPLATE = """\
Parameters:
  Acts: {Type: CommaDelimitedList}
  Name: {Type: String}
Mappings:
  M: {a: {b: [s3:GetObject]}}
Resources:
  Bucket:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: b
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Deny
            Principal: "*"
            NotAction: !Ref Acts
            Resource: "*"
          - Effect: Allow
            Principal: {AWS: "111111111111"}
            Action: !FindInMap [M, a, b]
            Resource: "*"
          - Effect: Allow
            Principal: {AWS: "111111111111"}
            Action: !Sub "s3:${Name}"
            Resource: "*"
          - Effect: Allow
            Principal: {AWS: "111111111111"}
            Action: s3:PutObjct
            Resource: "*"
"""


def test_intrinsics_in_actions_are_never_fatal_in_a_template(tmp_path: Path) -> None:
    """CloudFormation User Guide, intrinsic function reference: `Ref`, `Fn::FindInMap` and
    `Fn::Sub` are resolved at deploy"""
    path = tmp_path / "stack.yaml"
    path.write_text(TEMPLATE)
    code, data = _lint(str(path))
    assert code == 1
    found = [(d["code"], d["line"]) for d in data[str(path)]]
    assert ("value_known_at_deploy", 16) in found
    assert ("value_known_at_deploy", 20) in found
    assert ("value_known_at_deploy", 24) in found
    assert ("unknown_action", 28) in found
    assert "syntax" not in {c for c, _ in found}
