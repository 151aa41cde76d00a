"""`iamwarden permissions --principal ARN` on the demo account (issue 8 §1)"""

from __future__ import annotations

import json

from click.testing import CliRunner

from iamwarden.cli.main import cli
from iamwarden.snapshot.demo import DEMO_ACCOUNT_ID

IAM = f"arn:aws:iam::{DEMO_ACCOUNT_ID}"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_a_bounded_role_lists_what_its_boundary_leaves_with_the_scp_condition() -> None:
    code, out = run("permissions", "--demo", "--principal", f"{IAM}:role/app-builder-role")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].endswith("3 actions allowed in 2 services")
    assert "    InvokeFunction, UpdateFunctionCode" in lines
    assert f"      on arn:aws:lambda:us-east-1:{DEMO_ACCOUNT_ID}:function:*" in lines
    # the demo's region SCP: allowed only where its Deny does not apply
    assert any("only if StringNotEquals aws:RequestedRegion" in line for line in lines)


def test_an_administrator_is_summarised_per_service_and_json_lists_each_action() -> None:
    code, out = run("permissions", "--demo", "--principal", f"{IAM}:role/dev-role-01")
    assert code == 0
    assert "iam: all " in out and "(iam:*)" in out
    code, out = run(
        "permissions",
        "--demo",
        "--principal",
        f"{IAM}:role/dev-role-01",
        "--service",
        "s3",
        "--format",
        "json",
    )
    data = json.loads(out)
    assert data["assessed"] is True
    actions = {a["action"]: a for a in data["actions"]}
    assert actions["s3:GetObject"]["access_level"] == "Read"
    assert actions["s3:GetObject"]["resources"] == ["*"]
    assert all(a.startswith("s3:") for a in actions)


def test_an_unknown_principal_is_one_line_and_exit_2() -> None:
    code, out = run("permissions", "--demo", "--principal", f"{IAM}:user/nobody")
    assert code == 2
    assert out.strip().splitlines() == [
        f"error: `{IAM}:user/nobody` is not a user or role of the snapshot"
    ]
