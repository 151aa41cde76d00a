"""`iamwarden lint` on directories, CloudFormation templates and Terraform plans: findings at
their lines, one line and exit 2 for a template or plan that cannot be read, and never a
traceback for a broken one (hypothesis)"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamwarden.cli.main import cli
from iamwarden.fileio import compose_yaml
from iamwarden.policy.sources import intrinsic_tag, located_yaml

DATA = Path(__file__).resolve().parents[1] / "data" / "lint"
TEMPLATE = (DATA / "template.yaml").read_text()
PLAN = json.loads((DATA / "plan.json").read_text())


def _template_value() -> Any:
    """The fixture template as JSON data (intrinsic functions in their long forms)"""
    return located_yaml(compose_yaml(TEMPLATE), application_tag=intrinsic_tag).value


def _lint(*args: str) -> Result:
    return CliRunner().invoke(cli, ["lint", *args])


def test_cloudformation_template_findings_at_their_lines() -> None:
    result = _lint(str(DATA / "template.yaml"))
    assert result.exit_code == 1, result.output
    name = str(DATA / "template.yaml")
    lines = result.output.splitlines()
    assert lines[0] == name  # text is grouped by file
    assert (
        "  33:21: error unknown_action: Resources.AppRole.Properties.Policies[0]."
        "PolicyDocument.Statement[0].Action[1] (identity): unknown action `s3:GetObjcet`"
    ) in "\n".join(lines)
    expected = {
        ("50", "AppPolicy", "identity", "principal_not_allowed"),
        ("57", "Managed", "identity", "version_floor"),
        ("80", "Admins", "identity", "resource_missing"),
        ("89", "BucketPolicy", "resource", "principal_missing"),
        ("117", "TopicPolicy", "resource", "unknown_operator"),
        ("161", "DenyLeave", "scp", "principal_not_allowed"),
        ("172", "ProtectData", "rcp", "rcp_allow"),
        ("185", "FromParameter", "identity", "policy_not_known"),
        ("33", "AppRole", "identity", "unknown_action"),
    }
    shape = re.compile(r"  (\d+)(?::\d+)?: (\w+) (\w+): Resources\.(\w+)\.\S+ \((\w+)\): ")
    seen = set()
    for line in lines[1:-1]:  # the last: the count, on standard error
        match = shape.match(line)
        assert match, line
        at, severity, code, resource, usage = match.groups()
        if severity in ("error", "warning"):
            seen.add((at, resource, usage, code))
    assert seen == expected


def test_clean_policies_of_a_template_give_nothing() -> None:
    result = _lint("--format", "json", str(DATA / "template.yaml"))
    data = json.loads(result.output)[str(DATA / "template.yaml")]
    serious = {d["resource"] for d in data if d["severity"] in ("error", "warning")}
    for clean in ("Deployer", "QueuePolicy", "Key", "InvokePermission", "SecretPolicy"):
        assert clean not in serious  # placeholders raise nothing
    unknown = next(d for d in data if d["code"] == "unknown_action")
    assert unknown["line"] == 33 and unknown["type"] == "identity"
    assert unknown["policy"] == "Resources.AppRole.Properties.Policies[0].PolicyDocument"


def test_terraform_plan_findings_by_json_path() -> None:
    result = _lint("--format", "json", str(DATA / "plan.json"))
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)[str(DATA / "plan.json")]
    found = {(d["resource"], d["type"], d["code"]) for d in data}
    assert found == {
        ("aws_iam_policy.app", "identity", "unknown_action"),
        ("aws_iam_role.app", "identity", "principal_not_allowed"),
        ("aws_iam_role_policy.logs", "identity", "resource_missing"),
        ("aws_s3_bucket_policy.data", "resource", "principal_missing"),
        ("aws_sns_topic_policy.events", "resource", "unknown_operator"),
        ("aws_organizations_policy.deny_leave", "scp", "principal_not_allowed"),
        ("aws_organizations_policy.protect", "rcp", "rcp_allow"),
        ("aws_iam_role_policy.later", "identity", "policy_not_known"),
        ("module.net.aws_iam_policy.flow_logs", "identity", "version_floor"),
        ("data.aws_iam_policy_document.reads", "identity", "unknown_action"),
    }
    assert all(d["line"] is not None for d in data)  # the line of the policy in the plan


def test_a_template_in_json_has_lines_too(tmp_path: Path) -> None:
    value = _template_value()
    value["Resources"] = {"Policy": value["Resources"]["AppPolicy"]}
    template = tmp_path / "stack.json"
    template.write_text(json.dumps(value, indent=2, default=str))
    result = _lint(str(template))
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"{template}\n  ") and "principal" in result.output.lower()
    line = int(result.output.splitlines()[1].split(":")[0])
    assert template.read_text().splitlines()[line - 1].strip().startswith('"Principal"')


def test_a_directory_is_read_recursively(tmp_path: Path) -> None:
    (tmp_path / "nested" / "deeper").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    shutil.copy(DATA / "template.yaml", tmp_path / "nested" / "stack.template")
    (tmp_path / "nested" / "deeper" / "plan.json.gz").write_bytes(
        gzip.compress(json.dumps(PLAN).encode())
    )
    (tmp_path / "trust.yml").write_text(
        "Version: 2012-10-17\nStatement:\n  - Effect: Allow\n    Action: sts:AssumeRole\n"
    )
    (tmp_path / ".git" / "config.json").write_text("not json")
    (tmp_path / "notes.txt").write_text("not a policy")
    (tmp_path / "package.json").write_text('{"name": "app"}')
    (tmp_path / "workflow.yml").write_text("on: push\njobs: {}\n")
    (tmp_path / "broken.json").write_text('{"Version": "2012-10-17", "Statement": [')
    result = _lint("--type", "trust", "--format", "json", str(tmp_path))
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert sorted(data) == sorted(
        str(tmp_path / p)
        for p in (
            "nested/stack.template",
            "nested/deeper/plan.json.gz",
            "trust.yml",
            "broken.json",  # not JSON: maybe a policy, its syntax error says why
        )
    )
    assert [d["code"] for d in data[str(tmp_path / "broken.json")]] == ["syntax"]
    text = _lint(str(tmp_path)).output
    assert "(2 files skipped: not a policy, template or plan)" in text
    # a file named on the command line is always linted
    assert "syntax" in _lint(str(tmp_path / "package.json")).output
    # --type trust: a role's trust policy is a resource policy (Principal required)
    assert [d["code"] for d in data[str(tmp_path / "trust.yml")]] == ["principal_missing"]


def test_type_names_the_kind_of_plain_files(tmp_path: Path) -> None:
    scp = tmp_path / "scp.json"
    scp.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}],
            }
        )
    )
    for usage in ("identity", "scp", "rcp", "boundary", "session", "resource", "trust"):
        result = _lint("--type", usage, str(scp))
        assert result.exit_code in (0, 1), result.output
    assert _lint("--type", "scp", str(scp)).exit_code == 0
    assert "principal_missing" in _lint("--type", "resource", str(scp)).output
    assert _lint("--kind", "permissionsBoundary", str(scp)).exit_code == 0  # the old name


def test_a_template_that_is_not_yaml_is_one_line_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "stack.yaml"
    broken.write_text(TEMPLATE.replace("Properties:\n      PolicyName: app", "Properties: [\n"))
    result = _lint(str(broken))
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {broken}: line ")
    assert len(result.output.splitlines()) == 1


def test_a_template_of_the_wrong_shape_is_one_line(tmp_path: Path) -> None:
    wrong = tmp_path / "stack.yaml"
    wrong.write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Role: 5\n")
    result = _lint(str(wrong))
    assert result.exit_code == 2
    assert result.output == f"error: {wrong}: line 3: resource `Role` must be a mapping\n"
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"format_version": "1.2", "planned_values": []}))
    result = _lint(str(plan))
    assert result.exit_code == 2
    assert result.output == (
        f"error: {plan}: planned_values: must be an object in a Terraform plan\n"
    )


def test_an_unreadable_policy_is_an_error_and_the_others_are_still_checked(
    tmp_path: Path,
) -> None:
    plan = json.loads(json.dumps(PLAN))
    resources = plan["planned_values"]["root_module"]["resources"]
    resources[0]["values"]["policy"] = '{"Version": "2012-10-17", "Statement": ['
    target = tmp_path / "plan.json"
    target.write_text(json.dumps(plan))
    result = _lint("--format", "json", str(target))
    assert result.exit_code == 1
    data = json.loads(result.output)[str(target)]
    first = [d for d in data if d["resource"] == "aws_iam_policy.app"]
    assert [(d["severity"], d["code"]) for d in first] == [("error", "syntax")]
    assert len({d["resource"] for d in data}) == 10


def test_a_missing_path_is_one_line(tmp_path: Path) -> None:
    result = _lint(str(tmp_path / "absent"))
    assert result.exit_code == 2
    assert result.output == f"error: {tmp_path / 'absent'}: file not found\n"


# -- broken inputs never end in a traceback -------------------------------------------------


def _ends_cleanly(result: Result) -> None:
    assert result.exit_code in (0, 1, 2), result.output
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 2:
        assert len(result.output.splitlines()) == 1 and result.output.startswith("error: ")


_FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_FUZZ
@given(
    start=st.integers(0, len(TEMPLATE)),
    length=st.integers(0, 80),
    insert=st.text(alphabet="!{}[]:-'\"&*|> \n\tabRefSubGetAtt", max_size=12),
)
def test_a_template_broken_anywhere_ends_in_exit_2_or_diagnostics(
    tmp_path: Path, start: int, length: int, insert: str
) -> None:
    broken = tmp_path / "stack.yaml"
    broken.write_text(TEMPLATE[:start] + insert + TEMPLATE[start + length :])
    _ends_cleanly(_lint(str(broken)))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@_FUZZ
@given(
    where=st.sampled_from(
        [
            ("Resources",),
            ("Resources", "AppRole"),
            ("Resources", "AppRole", "Properties"),
            ("Resources", "AppRole", "Properties", "Policies"),
            ("Resources", "AppRole", "Properties", "AssumeRolePolicyDocument"),
            ("Resources", "InvokePermission", "Properties", "Principal"),
            ("Resources", "DenyLeave", "Properties", "Content"),
            ("Resources", "Key", "Type"),
        ]
    ),
    value=_JSON,
)
def test_any_value_anywhere_in_a_template_ends_cleanly(
    tmp_path: Path, where: tuple[str, ...], value: Any
) -> None:
    template: Any = _template_value()
    parent = template
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = value
    target = tmp_path / "stack.json"
    target.write_text(json.dumps(template, default=str))
    _ends_cleanly(_lint(str(target)))


@_FUZZ
@given(
    where=st.sampled_from(
        [
            ("planned_values",),
            ("planned_values", "root_module"),
            ("planned_values", "root_module", "resources"),
            ("planned_values", "root_module", "resources", 1, "values"),
            ("planned_values", "root_module", "resources", 1, "values", "inline_policy"),
            ("planned_values", "root_module", "resources", 0, "values", "policy"),
            ("planned_values", "root_module", "child_modules"),
            ("resource_changes",),
            ("prior_state",),
            ("configuration",),
            ("configuration", "root_module", "resources"),
        ]
    ),
    value=_JSON,
)
def test_any_value_anywhere_in_a_plan_ends_cleanly(
    tmp_path: Path, where: tuple[Any, ...], value: Any
) -> None:
    plan: Any = json.loads(json.dumps(PLAN))
    parent = plan
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = value
    target = tmp_path / "plan.json"
    target.write_text(json.dumps(plan))
    _ends_cleanly(_lint(str(target)))


# -- an account ------------------------------------------------------------------------------


def test_every_policy_of_a_snapshot_is_linted_with_its_place(tmp_path: Path) -> None:
    from iamwarden.snapshot import dump_snapshot
    from tests.builders import ACCOUNT_ID, aws_policy, inline, managed_policy, role, snapshot

    stray = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObjcet"}],
    }
    account = snapshot(
        roles=(role("app", inline_policies=(inline("bad", document=stray),)),),
        policies=(
            managed_policy("Old", document={**stray, "Version": "2008-10-17"}),
            aws_policy("ReadOnlyAccess", document=stray),  # AWS's own: not linted here
        ),
    )
    target = tmp_path / "account.json"
    dump_snapshot(account, target)
    result = _lint("--snapshot", str(target), "--format", "json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)[str(target)]
    found = {(d["policy"], d["type"], d["code"]) for d in data}
    inline_policy = f"arn:aws:iam::{ACCOUNT_ID}:role/app inline policy `bad`"
    managed = f"arn:aws:iam::{ACCOUNT_ID}:policy/Old"
    assert found == {
        (inline_policy, "identity", "principal_not_allowed"),
        (inline_policy, "identity", "resource_missing"),
        (inline_policy, "identity", "unknown_action"),
        (managed, "identity", "version_floor"),
        (managed, "identity", "principal_not_allowed"),
        (managed, "identity", "resource_missing"),
        (managed, "identity", "unknown_action"),
    }


def test_the_demo_account_lints_clean_beside_files() -> None:
    result = _lint("--demo", "--format", "json", str(DATA / "plan.json"))
    assert result.exit_code == 1  # the plan's errors
    data = json.loads(result.output)
    assert [d for d in data["demo"] if d["severity"] == "error"] == []
    assert {d["finding_type"] for d in data["demo"]} <= {
        "SECURITY_WARNING",
        "WARNING",
        "SUGGESTION",
    }
    assert data[str(DATA / "plan.json")]


def test_every_fn_if_branch_is_linted(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "R": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": {"Fn::If": ["C", "s3:GetObject", "iam:CreateAccessKey"]},
                                "Resource": "*",
                            }
                        ],
                    }
                },
            }
        }
    }
    path = tmp_path / "cfn.json"
    path.write_text(json.dumps(template, indent=1))
    result = _lint("--fail-on", "security_warning", str(path))
    assert result.exit_code == 1, result.output
    assert "sensitive_action_star" in result.output
    assert "`iam:CreateAccessKey` (when C is false)" in result.output
