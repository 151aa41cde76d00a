"""`iamwarden assess --input`: AWS's own data never aborts; what cannot be read is listed"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from iamwarden.analysis import assess
from iamwarden.cli.main import cli
from iamwarden.findings import Status
from iamwarden.report import render_text
from iamwarden.snapshot import dump_snapshot, import_cloudmapper
from tests.builders import ACCOUNT_ID, CSV, auth_details, write_export

AUTH = "iam-get-account-authorization-details.json"
REPORT = {"Content": CSV, "GeneratedTime": "2026-11-01T00:00:00Z"}
CUSTOM = f"arn:aws:iam::{ACCOUNT_ID}:policy/Custom"
MEDIALIVE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "medialive:*", "Resource": "arn:aws:medialive:*"}],
}
UNPARSEABLE = {"Version": "2012-10-17", "Statement": "Allow everything"}


def _export(tmp_path: Path, document: Any) -> Path:
    files = {AUTH: auth_details(document=document), "iam-get-credential-report.json": REPORT}
    return write_export(tmp_path, files)


def _section(report: str) -> str:
    return report.split("DATA NOT ASSESSED:\n", 1)[1]


def test_short_resource_arn_is_assessed_like_any_policy(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["assess", "--input", str(_export(tmp_path, MEDIALIVE))])
    assert result.exit_code == 0, result.output
    assert "cannot be read" not in result.output
    assert f"{CUSTOM}: Custom allows" not in result.output  # medialive only: not admin


def test_unparseable_policy_is_a_gap_not_an_abort(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["assess", "--input", str(_export(tmp_path, UNPARSEABLE))])
    assert result.exit_code == 0, result.output
    section = _section(result.output)
    line = (
        f"- gap in authorization_details (partly collected): policy `{CUSTOM}` cannot be read: "
        "Statement: statement must be an object or a non-empty list"
    )
    assert line in section
    checks = section.split(line + "\n", 1)[1].splitlines()[0]
    for check_id in ("group_admin_access", "policy_no_full_admin", "user_admin_access"):
        assert check_id in checks
    # the rest of the account is still assessed: alice's own inline policy is admin
    assert "- Detail: alice/own allows every action on every resource" in result.output


@pytest.mark.parametrize("output", ["json"])
def test_json_lists_the_policy_gap_with_its_policy(tmp_path: Path, output: str) -> None:
    export = str(_export(tmp_path, UNPARSEABLE))
    result = CliRunner().invoke(cli, ["assess", "--input", export, "--format", output])
    assert result.exit_code == 0, result.output
    gaps = [g for g in json.loads(result.output)["gaps"] if g["resource"]]
    assert [(g["dataset"], g["resource"], g["dataset_collected"]) for g in gaps] == [
        ("authorization_details", CUSTOM, True)
    ]
    assert "role_admin_access" not in gaps[0]["not_assessed_checks"]  # the role holds none


def test_library_assessment_of_the_same_export(tmp_path: Path) -> None:
    snap = import_cloudmapper(_export(tmp_path, UNPARSEABLE))
    assessment = assess(snap)
    held = {
        f.resource_arn
        for f in assessment.findings
        if f.check_id == "user_admin_access" and f.status is Status.NOT_ASSESSED
    }
    assert held == {f"arn:aws:iam::{ACCOUNT_ID}:user/{n}" for n in ("alice", "bob")}
    (entry,) = [d for d in assessment.data_gaps if d.gap.resource == CUSTOM]
    assert "policy_wildcard_sensitive_actions" in entry.checks
    assert "cannot be read" in _section(render_text(assessment))


def test_snapshot_file_with_an_unparseable_policy_and_no_gap_recorded(tmp_path: Path) -> None:
    snap = import_cloudmapper(_export(tmp_path, UNPARSEABLE))
    bare = dataclasses.replace(snap, gaps=tuple(g for g in snap.gaps if not g.resource))
    path = tmp_path / "snap.json"
    dump_snapshot(bare, path)
    result = CliRunner().invoke(cli, ["assess", "--snapshot", str(path)])
    assert result.exit_code == 0, result.output
    assert f"policy `{CUSTOM}` cannot be read" in _section(result.output)


def test_muted_root_findings_leave_their_controls_muted_in_the_report(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "suppressions:\n  - check_id: root_access_key_absent\n  - check_id: root_mfa_enabled\n"
    )
    result = CliRunner().invoke(cli, ["assess", "--demo", "--suppressions", str(rules)])
    assert result.exit_code == 0, result.output
    assert "\n1.4   MUTED " in result.output and "\n1.5   MUTED " in result.output
    assert "Muted controls (not scored): 1.4, 1.5" in result.output


def _duplicated_export(tmp_path: Path, generated: str = "2026-11-01T00:00:00Z") -> Path:
    alice = CSV.splitlines()[-1]
    report = {"Content": f"{CSV}\n{alice}", "GeneratedTime": generated}
    files = {AUTH: auth_details(), "iam-get-credential-report.json": report}
    return write_export(tmp_path, files)


def test_duplicate_report_rows_are_listed_in_text_and_json(tmp_path: Path) -> None:
    export = str(_duplicated_export(tmp_path))
    text = CliRunner().invoke(cli, ["assess", "--input", export])
    assert text.exit_code == 0, text.output
    warnings = text.output.split("DATA WARNINGS:\n", 1)[1].split("\n\n", 1)[0]
    assert "- the credential report has 2 rows for `alice`; the last one is used" in warnings
    data = json.loads(
        CliRunner().invoke(cli, ["assess", "--input", export, "--format", "json"]).output
    )
    assert [w["kind"] for w in data["data_warnings"]] == ["duplicate_report_row"]


def test_report_from_the_future_is_questioned_and_as_of_sets_the_date(tmp_path: Path) -> None:
    export = str(_duplicated_export(tmp_path, generated="2099-01-01T00:00:00Z"))
    plain = CliRunner().invoke(cli, ["assess", "--input", export, "--format", "json"])
    data = json.loads(plain.output)
    assert data["assessment_date"].startswith("2099-01-01")
    assert "future_date" in [w["kind"] for w in data["data_warnings"]]
    dated = CliRunner().invoke(
        cli, ["assess", "--input", export, "--format", "json", "--as-of", "2026-11-02"]
    )
    data = json.loads(dated.output)
    assert data["assessment_date"] == "2026-11-02T00:00:00+00:00"
    ages = [f["evidence"].get("age_days") for f in data["findings"]]
    assert max(a for a in ages if a is not None) < 1000  # not "29093 days old"


def test_bad_as_of_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["assess", "--demo", "--as-of", "yesterday"])
    assert result.exit_code == 2 and "`yesterday` is not an ISO 8601 date" in result.output


def test_a_future_as_of_is_assessed_with_a_warning() -> None:
    future = CliRunner().invoke(cli, ["assess", "--demo", "--as-of", "2999-01-01", "-q"])
    assert future.exit_code in (0, 1)
    assert "warning: --as-of 2999-01-01 is in the future" in future.stderr
    past = CliRunner().invoke(cli, ["assess", "--demo", "--as-of", "2026-11-02", "-q"])
    assert "warning" not in past.stderr


def test_credential_report_of_another_account_is_an_input_error(tmp_path: Path) -> None:
    other = CSV.replace(ACCOUNT_ID, "999988887777")
    files = {
        AUTH: auth_details(),
        "iam-get-credential-report.json": {**REPORT, "Content": other},
    }
    result = CliRunner().invoke(cli, ["assess", "--input", str(write_export(tmp_path, files))])
    assert result.exit_code == 2
    assert "the credential report is of account `999988887777`" in result.output
    assert result.output.strip().count("\n") == 0


def test_missing_role_list_leaves_role_checks_not_assessed_not_passed(tmp_path: Path) -> None:
    """An export without `RoleDetailList` does not say the account has no roles"""
    details = {k: v for k, v in auth_details().items() if k != "RoleDetailList"}
    export = write_export(tmp_path, {AUTH: details, "iam-get-credential-report.json": REPORT})
    result = CliRunner().invoke(cli, ["assess", "--input", str(export), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    statuses = {
        f["check_id"]: f["status"]
        for f in report["findings"]
        if f["check_id"] == "role_admin_access"
    }
    assert statuses == {"role_admin_access": "NOT_ASSESSED"}
    (gap,) = [g for g in report["gaps"] if g["dataset"] == "authorization_details"]
    assert gap["reason"] == f"{AUTH} has no `RoleDetailList` (roles not known)"
    assert gap["dataset_collected"] is False
    assert "role_admin_access" in gap["not_assessed_checks"]
    assert not any(
        f["status"] == "PASS" and f["check_id"] in gap["not_assessed_checks"]
        for f in report["findings"]
    )


def test_who_can_and_paths_name_principals_with_an_unreadable_policy(tmp_path: Path) -> None:
    """Newcomer review: such principals were left out silently (`who-can` listed the others,
    `paths` said "no path found"); whether they can is unknown, never a no"""
    export = str(_export(tmp_path, UNPARSEABLE))
    holders = [f"arn:aws:iam::{ACCOUNT_ID}:user/{name}" for name in ("alice", "bob")]
    who = CliRunner().invoke(cli, ["who-can", "s3:GetObject", "--input", export])
    assert who.exit_code == 0, who.output
    assert "NOT ASSESSED (2): policies missing or unreadable" in who.output
    for holder in holders:
        assert f"  {holder}: policy `{CUSTOM}` cannot be read" in who.output
    paths = CliRunner().invoke(cli, ["paths", "--input", export, "--format", "json"])
    assert paths.exit_code == 0, paths.output
    assert json.loads(paths.output)["not_assessed"] == holders
