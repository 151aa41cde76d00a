"""`iamwarden check` on template policies whose value is known only at deploy time (review
of issue 14, item 1): every `Fn::If` variant is checked and the gate passes only if each
does; an action from `Fn::Split` or a parameter, or a resource reference when resources are
named, makes a would-be PASS UNDECIDED"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from iamwarden.cli.main import cli


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args])


def _template(tmp_path: Path, statements: list[dict[str, Any]], name: str = "t.json") -> str:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Verb": {"Type": "String"}},
        "Conditions": {"C": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}},
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "P": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}
                },
            },
        },
    }
    path = tmp_path / name
    path.write_text(json.dumps(template))
    return str(path)


def _allow(action: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def test_each_fn_if_branch_is_checked(tmp_path: Path) -> None:
    """CloudFormation User Guide, intrinsic-function-reference-conditions (Fn::If): either
    value may be deployed"""
    template = _template(
        tmp_path, [_allow({"Fn::If": ["C", "s3:GetObject", "iam:CreateAccessKey"]})]
    )
    result = run("access-not-granted", "--actions", "iam:CreateAccessKey", template)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("FAIL: ")
    assert "when C=false: `Statement[0]` grants `iam:CreateAccessKey`" in result.output
    result = run("access-not-granted", "--actions", "s3:GetObject", template)
    assert result.exit_code == 1
    assert "when C=true" in result.output
    result = run("access-not-granted", "--actions", "s3:PutObject", template)
    assert result.exit_code == 0, result.output
    assert "every value the template may give it" in result.output


def test_an_fn_if_effect_is_checked_both_ways(tmp_path: Path) -> None:
    statement = {**_allow("iam:PassRole"), "Effect": {"Fn::If": ["C", "Deny", "Allow"]}}
    template = _template(tmp_path, [statement])
    result = run("access-not-granted", "--actions", "iam:PassRole", "--format", "json", template)
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert data["result"] == "FAIL"
    assert [r["description"][:13] for r in data["reasons"]] == ["when C=false:"]


def test_no_new_access_pairs_the_variants_of_one_condition(tmp_path: Path) -> None:
    branches = {"Fn::If": ["C", "s3:GetObject", "s3:PutObject"]}
    old = _template(tmp_path, [_allow(branches)], "old.json")
    new = _template(tmp_path, [_allow(branches)], "new.json")
    result = run("no-new-access", "--existing", old, "--new", new)
    assert result.exit_code == 0, result.output
    swapped = _template(
        tmp_path, [_allow({"Fn::If": ["C", "s3:PutObject", "s3:GetObject"]})], "swapped.json"
    )
    result = run("no-new-access", "--existing", old, "--new", swapped)
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output


def test_a_split_or_parameter_action_is_undecided_not_bad_input(tmp_path: Path) -> None:
    """A `Fn::Split` or `Ref` action is known only at deploy time: never a PASS, and not a
    grammar error (`{{Fn.Split}}` is no `service:Action` the author wrote)"""
    for action in (
        {"Fn::Split": [",", "s3:GetObject,iam:CreateAccessKey"]},
        {"Ref": "Verb"},
    ):
        template = _template(tmp_path, [_allow(action)])
        result = run("access-not-granted", "--actions", "iam:CreateAccessKey", template)
        assert result.exit_code == 1, result.output
        assert result.output.startswith("UNDECIDED: ")
        assert "known only at deploy time" in result.output
        assert "must be prefaced" not in result.output


def test_a_resource_reference_is_undecided_only_when_resources_are_named(tmp_path: Path) -> None:
    resource = {"Fn::Sub": "${Bucket.Arn}/*"}
    template = _template(tmp_path, [_allow("s3:PutObject", resource)])
    named = ("--resources", "arn:aws:s3:::prod/x")
    result = run("access-not-granted", "--actions", "s3:PutObject", *named, template)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("UNDECIDED: ")
    result = run("access-not-granted", "--actions", "s3:PutObject", template)
    assert result.output.startswith("FAIL: ")
    result = run("access-not-granted", "--actions", "s3:DeleteObject", template)
    assert result.exit_code == 0, result.output
