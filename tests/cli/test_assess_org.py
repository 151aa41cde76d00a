"""`iamwarden assess --org-index`: one report per account and the organization summary"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from click.testing import CliRunner

from iamwarden.cli.main import cli
from iamwarden.snapshot import Account, demo_snapshot, dump_snapshot


def _index(tmp_path: Path) -> Path:
    directory = tmp_path / "org"
    directory.mkdir()
    accounts = []
    for account_id, name in (("111111111111", "management"), ("222222222222", "prod")):
        snapshot = dataclasses.replace(demo_snapshot(), account=Account(id=account_id))
        dump_snapshot(snapshot, directory / f"{account_id}.json")
        accounts.append(
            {
                "id": account_id,
                "name": name,
                "snapshot": f"{account_id}.json",
                "gaps": 0,
                "error": "",
            }
        )
    accounts.append(
        {
            "id": "333333333333",
            "name": "sandbox",
            "snapshot": "333333333333.json",
            "gaps": 12,
            "error": "AccessDenied: cannot assume OrgAudit",
        }
    )
    (directory / "organization.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "organization_id": "o-abc123",
                "collected_at": None,
                "management_account_id": "111111111111",
                "accounts": accounts,
            }
        )
    )
    return directory


def test_org_index_writes_account_reports_and_prints_the_summary(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    result = CliRunner().invoke(
        cli, ["assess", "--org-index", str(_index(tmp_path)), "--report-dir", str(reports)]
    )
    assert result.exit_code == 0, result.output
    assert "Organization: o-abc123" in result.output
    assert "Accounts: 3 (2 assessed)" in result.output
    assert "- 333333333333 (sandbox): AccessDenied: cannot assume OrgAudit" in result.output
    assert "[CRITICAL] Root user has access keys - 2 of 2 accounts" in result.output
    report = (reports / "222222222222.txt").read_text()
    assert report.startswith("IAM Security Assessment Report")
    assert "Account ID: 222222222222" in report
    assert not (reports / "333333333333.txt").exists()


def test_org_index_json_and_fail_on(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    result = CliRunner().invoke(
        cli,
        [
            "assess",
            "--org-index",
            str(_index(tmp_path)),
            "--report-dir",
            str(reports),
            "--format",
            "json",
            "--fail-on",
            "critical",
        ],
    )
    assert result.exit_code == 1
    assert "not assessed, which cannot pass: 333333333333" in result.stderr
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    assert summary["worst_accounts"] == ["111111111111", "222222222222"]
    assert json.loads((reports / "111111111111.json").read_text())["account"]["id"] == (
        "111111111111"
    )


def test_org_mode_rejects_mixed_sources(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["assess", "--org-index", str(tmp_path), "--demo"])
    assert result.exit_code == 2
    result = CliRunner().invoke(cli, ["assess", "--org"])
    assert result.exit_code == 2 and "--role-name" in result.output


def test_missing_index_is_an_input_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["assess", "--org-index", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "organization.json" in result.output or "none" in result.output


def _write_index(directory: Path, accounts: list[dict[str, object]]) -> Path:
    (directory / "organization.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "organization_id": "o-abc",
                "management_account_id": "210987654321",
                "collected_at": "2026-11-01T00:00:00+00:00",
                "accounts": accounts,
            }
        )
    )
    return directory


def test_fail_on_fails_when_no_account_was_assessed(tmp_path: Path) -> None:
    """An account not assessed cannot pass a gate: --fail-on exits 1 and says why"""
    index = _write_index(
        tmp_path,
        [
            {
                "id": "444455556666",
                "name": "b",
                "snapshot": "444455556666.json",
                "gaps": 12,
                "error": "cannot assume `R`: AccessDenied",
            }
        ],
    )
    args = ["assess", "--org-index", str(index), "--report-dir", str(tmp_path / "r")]
    result = CliRunner().invoke(cli, [*args, "--fail-on", "low"])
    assert result.exit_code == 1, result.output
    assert "--fail-on: 1 account not assessed, which cannot pass: 444455556666" in result.output
    assert CliRunner().invoke(cli, args).exit_code == 0  # without a gate, nothing fails
    assert not (tmp_path / "r").exists()  # no account report: no report directory made


def test_unassessed_account_fails_the_gate_beside_passing_ones(tmp_path: Path) -> None:
    """The fixture's sandbox account could not be assessed: it is named as failing the gate"""
    index, reports = str(_index(tmp_path)), str(tmp_path / "r")
    result = CliRunner().invoke(
        cli, ["assess", "--org-index", index, "--report-dir", reports, "--fail-on", "critical"]
    )
    assert result.exit_code == 1
    assert "not assessed, which cannot pass: 333333333333" in result.output


def test_duplicate_account_id_is_an_input_error(tmp_path: Path) -> None:
    dump_snapshot(
        dataclasses.replace(demo_snapshot(), account=Account(id="777788889999")),
        tmp_path / "777788889999.json",
    )
    entry = {"id": "777788889999", "name": "a", "snapshot": "777788889999.json", "gaps": 0}
    index = _write_index(tmp_path, [entry, {**entry, "name": "b"}])
    result = CliRunner().invoke(
        cli, ["assess", "--org-index", str(index), "--report-dir", str(tmp_path / "r")]
    )
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "organization.json" in line and "$.accounts[1].id" in line
    assert "`777788889999` is listed twice" in line
    assert not (tmp_path / "r").exists()


def test_index_id_must_match_its_snapshot(tmp_path: Path) -> None:
    """The demo snapshot is account 210987654321; listed as 777788889999 it is refused"""
    dump_snapshot(demo_snapshot(), tmp_path / "777788889999.json")
    index = _write_index(
        tmp_path, [{"id": "777788889999", "name": "a", "snapshot": "777788889999.json"}]
    )
    result = CliRunner().invoke(
        cli, ["assess", "--org-index", str(index), "--report-dir", str(tmp_path / "r")]
    )
    assert result.exit_code == 2
    line = result.output.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "organization.json" in line and "$.accounts[0].id" in line
    assert "does not match its snapshot `777788889999.json` (account `210987654321`)" in line
