"""Where `iamwarden lint` places its diagnostics and what its text says (newcomer review of
issue 14): every SARIF result has a line (GitHub code scanning, GH1003), a Terraform plan's
policies are at their lines, an `AWS::Lambda::Permission`'s finding at the property it comes
from, text sorted by line, counts in the singular, the session policy limit, and a policy
used only as a permissions boundary checked as one"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from iamwarden.cli.main import cli

DATA = Path(__file__).resolve().parents[1] / "data" / "lint"


def _lint(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["lint", *args])
    return result.exit_code, result.stdout, result.stderr


def test_every_sarif_result_has_a_start_line(tmp_path: Path) -> None:
    (tmp_path / "empty.json").write_text("")
    _, out, _ = _lint("--format", "sarif", str(DATA / "plan.json"), str(tmp_path / "empty.json"))
    results = json.loads(out)["runs"][0]["results"]
    assert results
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results]
    assert all(isinstance(line, int) and line >= 1 for line in lines)


def test_a_plan_s_policies_are_at_their_lines() -> None:
    _, out, _ = _lint("--format", "json", str(DATA / "plan.json"))
    found = json.loads(out)[str(DATA / "plan.json")]
    assert found
    assert all(d["line"] is not None and d["line"] > 1 for d in found)


def test_a_lambda_permission_finding_is_at_its_principal(tmp_path: Path) -> None:
    text = (
        "Resources:\n"
        "  Perm:\n"
        "    Type: AWS::Lambda::Permission\n"
        "    Properties:\n"
        "      FunctionName: f\n"
        "      Action: lambda:InvokeFunction\n"
        '      Principal: "*"\n'
    )
    (tmp_path / "stack.yaml").write_text(text)
    _, out, _ = _lint("--fail-on", "none", str(tmp_path / "stack.yaml"))
    assert "  7:18: security_warning trust_open: Resources.Perm.Properties.Statement[0]" in out


def test_text_is_sorted_by_line_within_a_file(tmp_path: Path) -> None:
    text = (  # the trust policy, read first, is written after the inline policy
        "Resources:\n"
        "  R:\n"
        "    Type: AWS::IAM::Role\n"
        "    Properties:\n"
        "      Policies:\n"
        "        - PolicyName: p\n"
        "          PolicyDocument:\n"
        '            Version: "2012-10-17"\n'
        "            Statement:\n"
        "              - {Effect: Allow, Action: s3:GetObjct, Resource: '*'}\n"
        "      AssumeRolePolicyDocument:\n"
        '        Version: "2012-10-17"\n'
        "        Statement:\n"
        "          - {Effect: Allow, Action: sts:AssumeRole, Principal: '*'}\n"
    )
    (tmp_path / "role.yaml").write_text(text)
    _, out, _ = _lint("--fail-on", "none", str(tmp_path / "role.yaml"))
    lines = [int(line.split(":")[0]) for line in out.splitlines()[1:]]
    assert lines == [10, 14]


def test_session_policies_are_checked_against_2048_characters(tmp_path: Path) -> None:
    """AWS STS API Reference, AssumeRole `Policy`: "can't exceed 2,048 characters" """
    statements = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::bucket-{i}/*"}
        for i in range(40)
    ]
    (tmp_path / "s.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    code, out, _ = _lint("--type", "session", str(tmp_path / "s.json"))
    assert code == 1
    assert "policy_too_large" in out and "2,048" in out
    code, out, _ = _lint("--type", "identity", str(tmp_path / "s.json"))
    assert "policy_too_large" not in out


def test_the_boundary_alias_is_documented() -> None:
    result = CliRunner().invoke(cli, ["lint", "--help"])
    assert "permissionsBoundary" in result.output


def test_a_policy_used_only_as_a_boundary_is_checked_as_one() -> None:
    _, out, _ = _lint("--demo", "--fail-on", "none")
    boundary = [line for line in out.splitlines() if "policy/DeveloperBoundary" in line]
    assert not any("_star" in line for line in boundary)
    assert not any("(identity)" in line for line in boundary)


def test_a_json_template_s_findings_have_columns(tmp_path: Path) -> None:
    statement = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    template = {
        "Resources": {
            "P": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}
                },
            }
        }
    }
    (tmp_path / "t.json").write_text(json.dumps(template, indent=1))
    _, out, _ = _lint("--format", "json", str(tmp_path / "t.json"))
    (found,) = json.loads(out)[str(tmp_path / "t.json")]
    assert (found["code"], found["line"], found["column"]) == (
        "pass_role_star",
        12,
        20,
    )  # the `"*"`
