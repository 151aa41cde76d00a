"""`iamwarden check`: Access Analyzer's custom policy checks on the command line

Exit codes as Access Analyzer's results map to them (PASS 0, FAIL 1), UNDECIDED 1 (never a
pass), bad input 2 with one line; JSON and SARIF 2.1.0 (validated against the vendored
schema, as `report/sarif.py`'s tests do).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from iamwarden.cli.main import cli
from iamwarden.report.sarif import artifact_uri

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-2.1.0-rtm.5.json"
BUCKET = "arn:aws:s3:::bucket/*"


def write(path: Path, *statements: dict[str, Any]) -> str:
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))
    return str(path)


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["check", *args])


@pytest.fixture
def old(tmp_path: Path) -> str:
    return write(
        tmp_path / "old.json", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": BUCKET}
    )


@pytest.fixture
def new(tmp_path: Path) -> str:
    text = """\
Version: "2012-10-17"
Statement:
  - Sid: Write
    Effect: Allow
    Action: [s3:GetObject, s3:PutObject]
    Resource: arn:aws:s3:::bucket/*
"""
    path = tmp_path / "new.yaml"
    path.write_text(text)
    return str(path)


@pytest.fixture(scope="module")
def validator() -> Any:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_no_new_access_pass_exits_0(old: str) -> None:
    result = run("no-new-access", "--existing", old, "--new", old)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("PASS: ")


def test_no_new_access_fail_exits_1_and_lists_the_new_access(old: str, new: str) -> None:
    result = run("no-new-access", "--existing", old, "--new", new)
    assert result.exit_code == 1
    assert result.output.startswith(f"FAIL: {new}: ")
    assert "`Statement[0]` allows `s3:PutObject` on `arn:aws:s3:::bucket/*`" in result.output
    assert "actions: s3:PutObject" in result.output


def test_undecided_exits_1_never_0(tmp_path: Path) -> None:
    like = {"StringLike": {"aws:PrincipalTag/team": "a*"}}
    equal = {"StringEquals": {"aws:PrincipalTag/team": "b"}}
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    a = write(tmp_path / "a.json", {**statement, "Condition": like})
    b = write(tmp_path / "b.json", {**statement, "Condition": equal})
    result = run("no-new-access", "--existing", a, "--new", b)
    assert result.exit_code == 1
    assert result.output.startswith("UNDECIDED: ")
    assert "if: StringEquals aws:PrincipalTag/team [b]" in result.output


def test_json_output_mirrors_access_analyzer_fields(old: str, new: str) -> None:
    result = run("no-new-access", "--existing", old, "--new", new, "--format", "json")
    data = json.loads(result.output)
    assert data["result"] == "FAIL"
    (reason,) = data["reasons"]
    assert reason["statementIndex"] == 0 and reason["statementId"] == "Write"
    assert reason["actions"] == ["s3:PutObject"]
    assert reason["resource"] == BUCKET


def test_sarif_output_is_valid_sarif(old: str, new: str, validator: Any) -> None:
    result = run("no-new-access", "--existing", old, "--new", new, "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.output)
    validator.validate(log)
    run_ = log["runs"][0]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == ["no-new-access"]
    (found,) = run_["results"]
    assert found["level"] == "error"
    physical = found["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == Path(new).as_uri()
    assert physical["region"] == {"startLine": 3}  # `- Sid: Write` in the YAML fixture
    assert found["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Statement[0]"
    again = run("no-new-access", "--existing", old, "--new", new, "--format", "sarif")
    assert again.output == result.output


def test_sarif_of_a_pass_has_no_result(old: str, validator: Any) -> None:
    result = run("no-new-access", "--existing", old, "--new", old, "--format", "sarif")
    log = json.loads(result.output)
    validator.validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["properties"]["checks"][0]["outcome"] == "PASS"


def test_access_not_granted(new: str) -> None:
    ok = run("access-not-granted", "--actions", "iam:PassRole,s3:DeleteBucket", new)
    assert ok.exit_code == 0, ok.output
    failed = run("access-not-granted", "--actions", "s3:Put*", "--actions", "iam:PassRole", new)
    assert failed.exit_code == 1
    assert "`Statement[0]` grants `s3:PutObject` on `*`" in failed.output


def test_access_not_granted_on_resources(new: str) -> None:
    elsewhere = run(
        "access-not-granted", "--actions", "s3:PutObject", "--resources", "arn:aws:s3:::x/k", new
    )
    assert elsewhere.exit_code == 0, elsewhere.output
    here = run(
        "access-not-granted",
        "--actions",
        "s3:PutObject",
        "--resources",
        "arn:aws:s3:::bucket/k",
        new,
    )
    assert here.exit_code == 1


def test_a_resource_no_action_applies_to_passes_with_a_warning(new: str) -> None:
    """A PASS on a bucket for `iam:PassRole` says nothing: stderr says so, the exit stays 0"""
    result = run(
        "access-not-granted", "--actions", "iam:PassRole", "--resources", "arn:aws:s3:::b/*", new
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("PASS: ")
    assert "warning: resource `arn:aws:s3:::b/*` fits no resource type of `iam:PassRole`" in (
        result.stderr
    )


def test_no_public_access(tmp_path: Path, validator: Any) -> None:
    public = write(
        tmp_path / "bucket.json",
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": BUCKET},
    )
    result = run("no-public-access", "--resource-type", "AWS::S3::Bucket", public)
    assert result.exit_code == 1
    assert "to anyone" in result.output
    sarif = run(
        "no-public-access", "--resource-type", "AWS::S3::Bucket", "--format", "sarif", public
    )
    validator.validate(json.loads(sarif.output))
    named = write(
        tmp_path / "named.json",
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": "s3:GetObject",
            "Resource": BUCKET,
        },
    )
    assert run("no-public-access", "--resource-type", "AWS::S3::Bucket", named).exit_code == 0


def test_bad_policy_is_one_line_exit_2(tmp_path: Path, old: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}')
    result = run("no-new-access", "--existing", str(bad), "--new", old)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}: Statement[0]")
    assert "Traceback" not in result.output


def test_missing_file_and_bad_yaml_are_exit_2(tmp_path: Path, old: str) -> None:
    missing = run("no-new-access", "--existing", str(tmp_path / "nope.json"), "--new", old)
    assert missing.exit_code == 2
    broken = tmp_path / "broken.yaml"
    broken.write_text("Statement: [unclosed\n")
    result = run("access-not-granted", "--actions", "s3:*", str(broken))
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {broken}: line ")
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    assert run("access-not-granted", "--actions", "s3:*", str(listed)).exit_code == 2


def test_too_many_actions_and_unknown_type_are_usage_errors(new: str) -> None:
    many = ",".join(f"s3:GetObject{i}" for i in range(101))
    result = run("access-not-granted", "--actions", many, new)
    assert result.exit_code == 2
    assert "at most 100 actions" in result.output
    assert run("no-public-access", "--resource-type", "AWS::Foo::Bar", new).exit_code == 2


def test_mixed_policy_types_are_exit_2(tmp_path: Path, old: str) -> None:
    trust = write(
        tmp_path / "trust.json",
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
    )
    result = run("no-new-access", "--type", "resource", "--existing", trust, "--new", trust)
    assert result.exit_code == 0, result.output
    wrong = run("no-new-access", "--existing", trust, "--new", old)
    assert wrong.exit_code == 2  # a Principal in an identity policy breaks the grammar


# -- newcomer review (issue 14 §3) -----------------------------------------------------------


def test_sarif_gives_each_statement_its_line_and_a_percent_encoded_uri(
    tmp_path: Path, validator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SARIF 2.1.0 §3.4.3 (artifactLocation.uri is a URI reference, RFC 3986) and GitHub
    code scanning's required `region.startLine`"""
    old = write(
        tmp_path / "old.json", {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    )
    text = (
        '{"Version": "2012-10-17", "Statement": [\n'
        '  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},\n'
        '  {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}\n]}\n'
    )
    (tmp_path / "my pol#1.json").write_text(text)
    monkeypatch.chdir(tmp_path)
    result = run("no-new-access", "--existing", old, "--new", "my pol#1.json", "--format", "sarif")
    log = json.loads(result.output)
    validator.validate(log)
    (found,) = log["runs"][0]["results"]
    physical = found["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "my%20pol%231.json"
    assert physical["region"] == {"startLine": 3}


@pytest.mark.parametrize("action", ["notvalid", "iam PassRole", "s3:"])
def test_access_not_granted_refuses_an_action_without_a_service_prefix(
    new: str, action: str
) -> None:
    """IAM User Guide, reference_policies_elements_action: an action is `service:Action`"""
    result = run("access-not-granted", "--actions", action, new)
    assert result.exit_code == 2
    assert "is not `service:Action`" in result.output


def test_access_not_granted_warns_of_an_action_the_catalogue_does_not_list(new: str) -> None:
    """A misspelt action is granted by nothing: the PASS comes with a warning on stderr"""
    result = run("access-not-granted", "--actions", "s3:PutObjct", new)
    assert result.exit_code == 0
    assert "warning: action `s3:PutObjct` is not in the catalogue" in result.stderr
    assert "did you mean `s3:PutObject`?" in result.stderr
    data = json.loads(
        run("access-not-granted", "--actions", "s3:PutObjct", "--format", "json", new).stdout
    )
    assert data["warnings"] and "s3:PutObjct" in data["warnings"][0]


def test_an_unquoted_yaml_account_id_is_named_with_the_fix(tmp_path: Path) -> None:
    """YAML 1.1 reads an unquoted 123456789012 as an integer; IAM wants a string"""
    path = tmp_path / "p.yaml"
    path.write_text(
        'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n'
        "    Principal: {AWS: 123456789012}\n    Action: s3:GetObject\n"
        "    Resource: arn:aws:s3:::b1/*\n"
    )
    result = run("no-public-access", "--resource-type", "AWS::S3::Bucket", str(path))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: {path}: Statement[0].Principal.AWS: principal `123456789012` is a number: "
        'YAML reads an unquoted account id as one; quote it ("123456789012")'
    )


def test_the_reason_names_the_resource_pattern_of_the_policy(tmp_path: Path) -> None:
    """API_CheckNoPublicAccess reasons point at the statement: its own Resource pattern"""
    public = write(
        tmp_path / "bucket.json",
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b1/*",
        },
    )
    result = run("no-public-access", "--resource-type", "AWS::S3::Bucket", public)
    assert "`s3:GetObject` on `arn:aws:s3:::b1/*` to anyone" in result.output


def test_text_output_escapes_control_characters(tmp_path: Path) -> None:
    """A policy string cannot move the terminal's cursor or colour its output"""
    public = write(
        tmp_path / "bucket.json",
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b1/x\r\x1b[31mred",
        },
    )
    result = run("no-public-access", "--resource-type", "AWS::S3::Bucket", public)
    assert result.exit_code == 1
    assert "\r" not in result.output and "\x1b" not in result.output
    assert "b1/x\\r\\x1b[31mred" in result.output


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1).filter(lambda t: "\\" not in t and not t.startswith(("/", "./"))))
def test_a_relative_artifact_uri_is_percent_encoded_and_round_trips(name: str) -> None:
    """RFC 3986 §2: outside unreserved characters and `/`, a URI reference percent-encodes"""
    uri = artifact_uri(name)
    assert re.fullmatch(r"[A-Za-z0-9._~/%-]*", uri)
    assert unquote(uri) == name
