"""`iamwarden paths` and `iamwarden who-can` on the demo account"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamwarden.cli.main import cli
from iamwarden.snapshot import dump_snapshot
from iamwarden.snapshot.demo import DEMO_ACCOUNT_ID, demo_snapshot

IAM = f"arn:aws:iam::{DEMO_ACCOUNT_ID}"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_paths_text_shows_hops_statements_and_fixes() -> None:
    code, out = run("paths", "--demo")
    assert code == 0
    assert f"{IAM}:user/build-trigger -> admin: 3 hops" in out
    assert "[lambda-004] lambda:UpdateFunctionCode + lambda:InvokeFunction" in out
    assert f"{IAM}:user/oncall-olga -> admin: 2 hops (needs MFA)" in out
    assert "fix: remove or scope identity policy" in out
    assert f"{IAM}:user/deploy-bot -> admin" not in out  # an administrator, not an escalation
    assert "report-writer-role" not in out


def test_paths_from_max_hops_and_json() -> None:
    code, out = run("paths", "--demo", "--from", f"{IAM}:user/build-trigger", "--format", "json")
    assert code == 0
    (path,) = json.loads(out)["paths"]
    assert [h["technique"] for h in path["hops"]] == ["sts-001", "lambda-001", "iw-admin"]
    code, out = run("paths", "--demo", "--from", f"{IAM}:user/build-trigger", "--max-hops", "2")
    assert code == 0 and out == "no path found\n"


def test_paths_to_a_principal_and_bad_arns() -> None:
    code, out = run("paths", "--demo", "--to", f"{IAM}:role/ops-automation-role")
    assert code == 0 and f"{IAM}:role/release-role -> ops-automation-role: 1 hop\n" in out
    code, out = run("paths", "--demo", "--from", "arn:aws:iam::1:user/nobody")
    assert code == 2 and "--from" in out


def test_paths_dot_and_graphml(tmp_path: Path) -> None:
    code, dot = run("paths", "--demo", "--format", "dot")
    assert code == 0 and dot.startswith("digraph escalation {") and dot.rstrip().endswith("}")
    assert '"admin" [label="admin", shape=doublecircle];' in dot
    code, graphml = run("paths", "--demo", "--format", "graphml")
    assert code == 0
    root = ET.fromstring(graphml)
    assert root.tag.endswith("graphml") and len(root.findall(".//{*}edge")) > 5
    file = tmp_path / "s.json"
    dump_snapshot(demo_snapshot(), file)
    code, again = run("paths", "--snapshot", str(file), "--format", "dot")
    assert code == 0 and again == dot


def test_who_can_direct_and_transitive() -> None:
    code, out = run("who-can", "iam:CreateUser", "--demo")
    assert code == 0 and f"  {IAM}:user/deploy-bot" in out and "build-trigger" not in out
    code, out = run("who-can", "iam:CreateUser", "--demo", "--transitive")
    assert code == 0 and "through escalation" in out and f"{IAM}:user/build-trigger:" in out
    code, out = run(
        "who-can",
        "lambda:UpdateFunctionCode",
        f"arn:aws:lambda:us-east-1:{DEMO_ACCOUNT_ID}:function:ops-admin-task",
        "--demo",
        "--format",
        "json",
    )
    direct = {d["principal"] for d in json.loads(out)["direct"]}
    assert (
        f"{IAM}:role/app-builder-role" in direct and f"{IAM}:role/report-writer-role" not in direct
    )


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["iamCreateUser"], "ACTION: `iamCreateUser` is not an action"),
        (["iam:CreateUser", "notanarn"], "RESOURCE: `notanarn` is not an ARN"),
    ],
)
def test_who_can_refuses_what_is_not_an_action_or_arn(arguments: list[str], problem: str) -> None:
    """A malformed action would otherwise list the principals of `*` grants, exit 0"""
    result = CliRunner().invoke(cli, ["who-can", *arguments, "--demo"])
    assert result.exit_code == 2
    assert problem in result.output
    assert "Traceback" not in result.output


def test_who_can_warns_of_an_action_the_catalogue_lacks() -> None:
    result = CliRunner().invoke(cli, ["who-can", "iam:CreateUsr", "--demo"])
    assert result.exit_code == 0
    assert "did you mean `iam:CreateUser`?" in result.output
