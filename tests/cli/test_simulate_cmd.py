"""`iamwarden simulate`: scenario files, exit codes, and simulation of the demo account"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamwarden.cli.main import cli
from iamwarden.snapshot import demo_snapshot, snapshot_to_json

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios.yaml"


def test_shipped_example_passes() -> None:
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "12 decisions, 12 expectations met, 0 failed" in result.output


def test_wrong_expectation_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "wrong.yaml"
    broken.write_text(EXAMPLE.read_text().replace("expect: implicitDeny", "expect: allowed", 1))
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(broken), "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["failed"] == 1


def test_malformed_file_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenarios:\n  - name: x\n    principal: p\n    requests: [{action: 5}]\n")
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: scenarios[0] (x).requests[0].action" in result.output
    assert "Traceback" not in result.output


def test_demo_deploy_bot_create_user_names_the_statement() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            "--demo",
            "--principal",
            "arn:aws:iam::210987654321:user/deploy-bot",
            "--action",
            "iam:CreateUser",
            "--action",
            "s3:GetObject",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.output)["results"]
    assert first["action"] == "iam:CreateUser" and first["decision"] == "allowed"
    identity = [r for r in first["reasons"] if r["policy_type"] == "identity"]
    assert [(r["policy"], r["pointer"]) for r in identity] == [
        ("arn:aws:iam::aws:policy/AdministratorAccess", "Statement[0]")
    ]
    assert second["decision"] == "explicitDeny"  # no aws:RequestedRegion: the region SCP denies
    assert second["deciding_policy_type"] == "scp"


def test_demo_context_option_satisfies_the_region_scp() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            "--demo",
            "--principal",
            "arn:aws:iam::210987654321:user/deploy-bot",
            "--action",
            "s3:GetObject",
            "--context",
            "aws:RequestedRegion=us-east-1",
            "--format",
            "json",
        ],
    )
    assert json.loads(result.output)["results"][0]["decision"] == "allowed"


def test_unknown_principal_is_an_input_error() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            "--demo",
            "--principal",
            "arn:aws:iam::210987654321:user/nobody",
            "--action",
            "s3:GetObject",
        ],
    )
    assert result.exit_code == 2
    assert "nobody" in result.output


def test_unknown_operator_marks_the_decision_uncertain(tmp_path: Path) -> None:
    scenario = tmp_path / "unknown.yaml"
    scenario.write_text("""
scenarios:
  - name: typo
    principal: arn:aws:iam::111122223333:user/alice
    identity_policies:
      - Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: "*"
            Condition: {StringEqualz: {"aws:SourceVpc": vpc-1}}
    requests: [{action: s3:GetObject}]
""")
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(scenario), "--format", "json"])
    (only,) = json.loads(result.output)["results"]
    assert only["uncertain"] is True
    assert "StringEqualz" in only["errors"][0]["problem"]
    assert only["errors"][0]["pointer"] == "Statement[0]"


SCENARIO_HEAD = """
scenarios:
  - name: s1
    principal: arn:aws:iam::111122223333:user/alice
    identity_policies:
      - Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: "*"
"""


def test_uncertain_allowed_does_not_meet_expect_allowed_and_exits_1(tmp_path: Path) -> None:
    scenario = tmp_path / "uncertain.yaml"
    scenario.write_text(
        SCENARIO_HEAD
        + """            Condition: {StringEqualz: {"aws:SourceVpc": vpc-1}}
    requests: [{action: s3:GetObject, expect: allowed}]
"""
    )
    text = CliRunner().invoke(cli, ["simulate", "--scenarios", str(scenario)])
    assert text.exit_code == 1, text.output
    assert "UNCERTAIN" in text.output
    assert "1 decision, 0 expectations met, 1 failed (1 uncertain)" in text.output
    as_json = CliRunner().invoke(
        cli, ["simulate", "--scenarios", str(scenario), "--format", "json"]
    )
    assert as_json.exit_code == 1
    (only,) = json.loads(as_json.output)["results"]
    assert (only["decision"], only["passed"], only["verdict"]) == ("allowed", False, "uncertain")


def test_malformed_action_exits_2_naming_file_scenario_request_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "scenarios.yaml"
    bad.write_text(
        SCENARIO_HEAD
        + """    requests:
      - {action: s3:GetObject, expect: allowed}
      - {action: s3:GetObject, resource: "arn:aws:s3:::b/k", expect: allowed}
      - {action: s3GetObject, expect: implicitDeny}
"""
    )
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: scenarios[0] (s1).requests[2].action: `s3GetObject` is not an action" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_resource_that_is_not_an_arn_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "scenarios.yaml"
    bad.write_text(
        SCENARIO_HEAD
        + "    requests: [{action: s3:GetObject, resource: b/k, expect: implicitDeny}]\n"
    )
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}: scenarios[0] (s1).requests[0].resource: `b/k` is not an ARN" in result.output


def test_unknown_action_is_a_warning_in_text_and_json_and_fails_its_expectation(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "typo.yaml"
    scenario.write_text(
        SCENARIO_HEAD + "    requests: [{action: s3:GetObjekt, expect: implicitDeny}]\n"
    )
    text = CliRunner().invoke(cli, ["simulate", "--scenarios", str(scenario)])
    assert text.exit_code == 1
    assert "UNVERIFIED" in text.output
    assert "warning: #1 (s1): action `s3:GetObjekt` is not in the action catalogue" in text.output
    assert "(1 unverified)" in text.output
    as_json = CliRunner().invoke(
        cli, ["simulate", "--scenarios", str(scenario), "--format", "json"]
    )
    (only,) = json.loads(as_json.output)["results"]
    assert only["verdict"] == "unverified" and only["passed"] is False
    assert "did you mean `s3:GetObject`?" in only["warnings"][0]


def test_region_option_is_the_requested_region_on_a_snapshot_source(tmp_path: Path) -> None:
    """aws:RequestedRegion defaults from --region, so the demo's region SCP is satisfied
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-requestedregion)"""
    path = tmp_path / "demo.json.gz"
    path.write_bytes(gzip.compress(json.dumps(snapshot_to_json(demo_snapshot())).encode()))
    for source in (["--demo"], ["--snapshot", str(path)]):
        result = CliRunner().invoke(
            cli,
            [
                "simulate",
                *source,
                "--principal",
                "arn:aws:iam::210987654321:user/deploy-bot",
                "--action",
                "s3:GetObject",
                "--region",
                "us-east-1",
                "--format",
                "json",
            ],
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["results"][0]["decision"] == "allowed"


def test_more_than_one_region_is_a_usage_error() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            "--demo",
            "--principal",
            "arn:aws:iam::210987654321:user/deploy-bot",
            "--action",
            "s3:GetObject",
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
        ],
    )
    assert result.exit_code == 2
    assert "one --region" in result.output


def test_region_with_scenarios_is_a_usage_error() -> None:
    result = CliRunner().invoke(
        cli, ["simulate", "--scenarios", str(EXAMPLE), "--region", "us-east-1"]
    )
    assert result.exit_code == 2
    assert "aws:RequestedRegion in a scenario's context" in result.output


@pytest.mark.parametrize("option", [["--context", "aws:SourceIp=10.1.1.1"], ["--resource", "*"]])
def test_context_or_resource_with_scenarios_is_a_usage_error(option: list[str]) -> None:
    """They would be ignored: a scenario file states its own context and resources"""
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(EXAMPLE), *option])
    assert result.exit_code == 2
    assert "--scenarios takes no --context or --resource" in result.output


def test_a_decision_made_without_a_key_a_statement_reads_is_noted_under_the_table() -> None:
    """Issue 13: the demo's region SCP denies when no region is given; the output says so
    (as AWS's simulator reports MissingContextValues)"""
    principal = "arn:aws:iam::210987654321:role/dev-role-01"
    args = ["simulate", "--demo", "--principal", principal, "--action", "s3:GetObject"]
    without = CliRunner().invoke(cli, args)
    assert "note: #1 was decided without aws:RequestedRegion" in without.output
    with_region = CliRunner().invoke(cli, [*args, "--region", "us-east-1"])
    assert "note:" not in with_region.output and "allowed" in with_region.output


LONG_RESOURCE = "arn:aws:s3:::a-bucket-with-a-long-name-for-reports/2026/quarterly/q3-summary.csv"


def test_piped_table_is_plain_text_with_whole_cells(tmp_path: Path) -> None:
    """Off a terminal (a pipe, a CI log) no cell is squeezed into 80 columns and broken"""
    scenario = tmp_path / "long.yaml"
    scenario.write_text(
        SCENARIO_HEAD.replace("name: s1", "name: a-scenario-name-long-enough-to-be-squeezed")
        + "    requests: [{action: s3:GetObject, expect: allowed, "
        + f"resource: '{LONG_RESOURCE}'}}]\n"
    )
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(scenario)])
    assert result.exit_code == 0, result.output
    header, row, summary = result.output.splitlines()
    assert header.split() == [
        "#",
        "scenario",
        "action",
        "resource",
        "decision",
        "expected",
        "result",
    ]
    assert row.split() == [
        "1",
        "a-scenario-name-long-enough-to-be-squeezed",
        "s3:GetObject",
        LONG_RESOURCE,
        "allowed",
        "allowed",
        "ok",
    ]
    assert row.index(LONG_RESOURCE) == header.index("resource")  # columns aligned
    assert not set("┏┃│━") & set(result.output)
    assert summary == "1 decision, 1 expectation met, 0 failed"


def test_terminal_gets_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("iamwarden.cli.simulate_cmd._is_terminal", lambda: True)
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "┃" in result.output and "Simulation" in result.output
    assert "12 decisions, 12 expectations met, 0 failed" in result.output


def test_explain_names_each_policy_where_it_is_defined(tmp_path: Path) -> None:
    scenario = tmp_path / "scenarios.yaml"
    scenario.write_text(
        SCENARIO_HEAD
        + """      - Version: "2012-10-17"
        Statement: [{Effect: Deny, Action: s3:DeleteObject, Resource: "*"}]
    requests:
      - {action: s3:GetObject}
      - action: s3:DeleteObject
        identity_policies:
          - Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]
          - Version: "2012-10-17"
            Statement: [{Effect: Deny, Action: s3:DeleteObject, Resource: "*"}]
"""
    )
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(scenario), "--explain"])
    assert result.exit_code == 0, result.output
    assert f"identity policy `{scenario}: scenarios[0].identity_policies[0]` Statement[0]" in (
        result.output
    )
    assert (
        f"identity policy `{scenario}: scenarios[0].requests[1].identity_policies[1]` Statement[0]"
        in result.output
    )
    as_json = CliRunner().invoke(
        cli, ["simulate", "--scenarios", str(scenario), "--format", "json"]
    )  # the JSON keeps the engine's names: documented as the field (`identity_policies[0]`)
    assert json.loads(as_json.output)["results"][0]["reasons"][0]["policy"] == (
        "identity_policies[0]"
    )


def test_explain_names_an_inline_policy_by_identity_and_name() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            "--demo",
            "--principal",
            "arn:aws:iam::210987654321:role/app-lambda-role",
            "--action",
            "dynamodb:PutItem",
            "--resource",
            "arn:aws:dynamodb:us-east-1:210987654321:table/orders",
            "--region",
            "us-east-1",
            "--explain",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "identity policy `app-lambda-role/orders-table` Statement[0]" in result.output
    assert "`arn:aws:iam::210987654321:policy/DeveloperBoundary` Statement[0]" in result.output


@pytest.mark.parametrize(
    "pair",
    ["aws:SourceIp=not-an-ip", "aws:CurrentTime=yesterday", "aws:MultiFactorAuthPresent=maybe"],
)
def test_context_value_invalid_for_its_key_exits_2_before_deciding(pair: str) -> None:
    key, _, value = pair.partition("=")
    result = CliRunner().invoke(
        cli,
        [
            "simulate",
            "--demo",
            "--principal",
            "arn:aws:iam::210987654321:user/deploy-bot",
            "--action",
            "s3:GetObject",
            "--context",
            pair,
        ],
    )
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: --context: `{value}` is not valid for `{key}`: expected ")
    assert result.stdout == ""


def test_scenario_file_context_value_invalid_for_its_key_names_file_and_location(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "scenarios:\n  - name: x\n    principal: arn:aws:iam::111122223333:user/a\n"
        '    context: {"aws:SourceIp": not-an-ip}\n    requests: [{action: s3:GetObject}]\n'
    )
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {bad}: scenarios[0] (x).context.aws:SourceIp: `not-an-ip` is not valid for "
        "`aws:SourceIp`: expected an IP address (`203.0.113.7`)"
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [('{"scenarios": [1,]}', "line 1:18: invalid JSON"), ('{"scenarios": [', "invalid JSON")],
)
def test_a_json_file_gets_json_errors_not_yamls_leniency(
    tmp_path: Path, text: str, problem: str
) -> None:
    """A trailing comma is valid YAML flow style but not JSON: a `.json` file is JSON"""
    path = tmp_path / "scenarios.json"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["simulate", "--scenarios", str(path)])
    assert result.exit_code == 2
    assert problem in result.output and "YAML" not in result.output
