"""`iamwarden check` on a policy of a CloudFormation template or Terraform plan (issue 14 §1,
§3): `--policy` (and `--existing-policy` / `--new-policy`) names it by resource, by resource
and path, or by the JSON path lint prints; a file holding several without a name, or a name
matching several or none, is exit 2 with the policies listed"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result

from iamwarden.cli.main import cli
from iamwarden.policy.sources import FoundPolicy, policy_selector, select_policies

DATA = Path(__file__).resolve().parents[1] / "data"
TEMPLATE = str(DATA / "lint" / "template.yaml")
PLAN = str(DATA / "lint" / "plan.json")
SCHEMA = DATA / "sarif-2.1.0-rtm.5.json"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["check", *args])


def _statement_line(text: str, marker: str) -> int:
    """The 1-based line of the first statement item (`- Effect:`) after `marker`"""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line)
    return next(i for i in range(start, len(lines)) if "- Effect:" in lines[i]) + 1


def test_a_template_of_several_policies_needs_a_name_and_lists_them() -> None:
    result = run("access-not-granted", "--actions", "iam:PassRole", TEMPLATE)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1  # one line
    assert "the file holds 15 policies: choose one with --policy: " in result.output
    for name in ("AppRole.AssumeRolePolicyDocument", "Key.KeyPolicy", "InvokePermission"):
        assert name in result.output


def test_a_resource_with_two_policies_is_ambiguous() -> None:
    result = run("access-not-granted", "--actions", "iam:PassRole", "--policy", "AppRole", TEMPLATE)
    assert result.exit_code == 2
    assert (
        "--policy `AppRole` names 2 policies: choose one with --policy: "
        "AppRole.AssumeRolePolicyDocument, AppRole.Policies[0].PolicyDocument"
    ) in result.output


def test_a_name_that_matches_nothing_lists_the_policies() -> None:
    result = run("access-not-granted", "--actions", "s3:GetObject", "--policy", "Nope", PLAN)
    assert result.exit_code == 2
    assert "--policy `Nope` names no policy of the file; its policies: " in result.output
    assert "aws_iam_role.app.assume_role_policy" in result.output


@pytest.mark.parametrize(
    "selector",
    [
        "AppRole.Policies[0]",
        "AppRole.Policies[0].PolicyDocument",
        "Resources.AppRole.Properties.Policies[0].PolicyDocument",
        "Resources.AppRole.Properties.Policies[0].PolicyDocument.Statement[0].Action[1]",
    ],
)
def test_a_named_template_policy_is_checked_as_its_kind_and_located(selector: str) -> None:
    result = run("access-not-granted", "--actions", "s3:GetObject", "--policy", selector, TEMPLATE)
    assert result.exit_code == 1, result.output
    assert result.output.startswith(
        f"FAIL: {TEMPLATE} AppRole.Policies[0].PolicyDocument: the policy grants some"
    )
    assert "grants `s3:GetObject`" in result.output


def test_json_and_sarif_name_the_policy_path_and_the_statement_line() -> None:
    args = ("access-not-granted", "--actions", "s3:GetObject", "--policy", "AppRole.Policies")
    data = json.loads(run(*args, "--format", "json", TEMPLATE).stdout)
    assert data["policy"] == TEMPLATE
    assert data["policy_path"] == "Resources.AppRole.Properties.Policies[0].PolicyDocument"
    log = json.loads(run(*args, "--format", "sarif", TEMPLATE).stdout)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft4Validator(schema).iter_errors(log)) == []
    location = log["runs"][0]["results"][0]["locations"][0]
    text = Path(TEMPLATE).read_text(encoding="utf-8")
    assert location["physicalLocation"]["region"]["startLine"] == _statement_line(
        text, "PolicyName: reads"
    )
    assert location["logicalLocations"][0]["fullyQualifiedName"] == (
        "Resources.AppRole.Properties.Policies[0].PolicyDocument.Statement[0]"
    )


def test_a_plan_policy_is_named_by_its_terraform_address() -> None:
    result = run(
        "no-public-access",
        "--resource-type",
        "AWS::IAM::AssumeRolePolicyDocument",
        "--policy",
        "aws_iam_role.app.assume_role_policy",
        PLAN,
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"PASS: {PLAN} aws_iam_role.app.assume_role_policy:")


def test_a_trust_policy_is_a_resource_policy_whatever_type_says(tmp_path: Path) -> None:
    """A role's trust policy is the role's resource policy (IAM User Guide, "Identity-based
    policies and resource-based policies"): public when it trusts `*`"""
    template = tmp_path / "open.yaml"
    template.write_text(
        "Resources:\n"
        "  Open:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      AssumeRolePolicyDocument:\n"
        "        Version: '2012-10-17'\n"
        "        Statement:\n"
        "          - Effect: Allow\n"
        "            Principal: '*'\n"
        "            Action: sts:AssumeRole\n"
    )
    result = run(
        "no-public-access", "--resource-type", "AWS::IAM::AssumeRolePolicyDocument", str(template)
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"FAIL: {template} Open.AssumeRolePolicyDocument:")


def test_no_new_access_between_two_template_versions(tmp_path: Path) -> None:
    def template(actions: list[str]) -> str:
        path = tmp_path / f"t{len(actions)}.json"
        document = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
        body = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                "P": {
                    "Type": "AWS::IAM::ManagedPolicy",
                    "Properties": {"PolicyDocument": document},
                },
                "Q": {
                    "Type": "AWS::IAM::ManagedPolicy",
                    "Properties": {"PolicyDocument": document},
                },
            },
        }
        path.write_text(json.dumps(body, indent=2))
        return str(path)

    old = template(["s3:GetObject"])
    new = template(["s3:GetObject", "s3:PutObject"])
    args = ("no-new-access", "--existing", old, "--new", new)
    result = run(*args, "--existing-policy", "P", "--new-policy", "P")
    assert result.exit_code == 1, result.output
    assert "s3:PutObject" in result.output
    assert run(*args, "--existing-policy", "P", "--new-policy", "Q").exit_code == 1
    same = run("no-new-access", "--existing", new, "--new", old, "--existing-policy", "P")
    assert same.exit_code == 2
    assert "the file holds 2 policies: choose one with --new-policy: P.PolicyDocument, " in (
        same.output
    )
    result = run("no-new-access", "--existing", new, "--new", old, *("--existing-policy", "P"),
                 *("--new-policy", "Q"))  # fmt: skip
    assert result.exit_code == 0, result.output


def test_a_template_of_one_policy_needs_no_name(tmp_path: Path) -> None:
    template = tmp_path / "one.yaml"
    template.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Resources:\n"
        "  Reads:\n"
        "    Type: AWS::IAM::ManagedPolicy\n"
        "    Properties:\n"
        "      PolicyDocument:\n"
        "        Version: '2012-10-17'\n"
        "        Statement:\n"
        "          - Effect: Allow\n"
        "            Action: iam:PassRole\n"
        "            Resource: !GetAtt Role.Arn\n"
    )
    result = run("access-not-granted", "--actions", "iam:PassRole", str(template))
    assert result.exit_code == 1, result.output
    assert "Reads.PolicyDocument" in result.output


def test_a_policy_file_takes_no_name_and_a_deploy_time_policy_cannot_be_checked(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                            "Resource": "*"}]})
    )  # fmt: skip
    result = run("access-not-granted", "--actions", "s3:GetObject", "--policy", "X", str(policy))
    assert result.exit_code == 2
    assert "--policy `X`: the file is a policy, not a CloudFormation template" in result.output
    result = run(
        "access-not-granted", "--actions", "s3:GetObject", "--policy", "FromParameter", TEMPLATE
    )
    assert result.exit_code == 2
    assert "Resources.FromParameter.Properties.PolicyDocument" in result.output
    assert "Traceback" not in result.output


def test_a_template_policy_that_breaks_the_grammar_is_located_in_the_file() -> None:
    result = run("access-not-granted", "--actions", "s3:GetObject", "--policy", "Admins", TEMPLATE)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "Resources.Admins.Properties.Policies[0].PolicyDocument.Statement[0]" in result.output


def _found(pointer: str, name: str) -> FoundPolicy:
    return FoundPolicy(usage="identity", document={}, pointer=pointer, name=name)


def test_selectors_match_by_resource_path_and_location() -> None:
    role: Any = [
        _found("Resources.R.Properties.AssumeRolePolicyDocument", "R"),
        _found("Resources.R.Properties.Policies[0].PolicyDocument", "R"),
        _found("Resources.R2.Properties.PolicyDocument", "R2"),
        _found("planned_values.root_module.resources[0].values.policy", "aws_iam_policy.a"),
    ]
    assert [policy_selector(f) for f in role] == [
        "R.AssumeRolePolicyDocument",
        "R.Policies[0].PolicyDocument",
        "R2.PolicyDocument",
        "aws_iam_policy.a.policy",
    ]
    assert select_policies(role, "R") == role[:2]  # not R2: a name is matched whole
    assert select_policies(role, "R.Policies[0]") == [role[1]]
    assert select_policies(role, "R2") == [role[2]]
    assert select_policies(role, "R.Policies[0].PolicyDocument.Statement[1]") == [role[1]]
    assert select_policies(role, "aws_iam_policy.a") == [role[3]]
    assert select_policies(role, "aws_iam_policy") == [role[3]]
    assert select_policies(role, "Resources.R2.Properties.PolicyDocument") == [role[2]]
    assert select_policies(role, "R3") == []
