"""`iamwarden assess`: report formats, exit codes, suppressions, the demo and a real export"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamwarden.cli.main import cli
from iamwarden.snapshot import dump_snapshot
from tests.builders import credential_report, root_row, snapshot

CORPUS = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "corpora"
    / "cloudmapper-demo"
    / "account-data"
    / "demo"
)


def run(*args: str):
    return CliRunner().invoke(cli, ["assess", *args])


@pytest.fixture(scope="module")
def demo_report() -> str:
    result = run("--demo")
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_reports_root_access_keys_as_critical(demo_report: str) -> None:
    critical = demo_report.split("CRITICAL FINDINGS:")[1].split("HIGH FINDINGS:")[0]
    assert "Root user has access keys" in critical
    assert "- CIS Benchmark: 1.4 (Ensure no 'root' user account access key exists)" in critical


def test_demo_reports_deploy_bot_admin_without_mfa(demo_report: str) -> None:
    critical = demo_report.split("CRITICAL FINDINGS:")[1].split("HIGH FINDINGS:")[0]
    assert "Administrator user without MFA" in critical
    assert "user/deploy-bot" in critical


def test_demo_reports_admin_roles_wildcards_keys_and_password_gaps(demo_report: str) -> None:
    assert "16 roles with full administrator access - Roles: dev-role-01" in demo_report
    assert 'policies allow sensitive actions on Resource "*"' in demo_report
    for name in ("DevPolicy", "CIPolicy", "LegacyAdminPolicy"):
        assert f"policy/{name}: {name} allows" in demo_report
    assert "7 access keys older than 90 days detected - Users: " in demo_report
    for name in ("svc-backup", "svc-monitoring", "dev-alice", "dev-bob"):
        assert f"user/{name}/accesskey/" in demo_report
    assert "password policy: minimum length 8 < 14" in demo_report
    assert "Compliance Score: " in demo_report
    assert "% (CIS AWS Foundations Benchmark v3.0)" in demo_report


def test_demo_counts_use_singular_and_plural(demo_report: str) -> None:
    assert "(s)" not in demo_report
    assert (
        re.search(r"\b1 (policies|services|roles|days|access keys|actions)\b", demo_report) is None
    )
    assert "deploy-bot has 1 policy attached directly" in demo_report
    assert "root user has 1 access key\n" in demo_report


def test_json_output_to_file_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert run("--demo", "--format", "json", "--output", str(first)).exit_code == 0
    assert run("--demo", "--format", "json", "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text())["account"]["id"] == "210987654321"


@pytest.mark.parametrize(("threshold", "code"), [("critical", 1), ("LOW", 1)])
def test_fail_on_exits_1_with_findings(threshold: str, code: int) -> None:
    assert run("--demo", "--fail-on", threshold).exit_code == code


def test_fail_on_exits_0_below_threshold(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    dump_snapshot(
        snapshot(collected=frozenset(), credential_report=credential_report(root_row())), path
    )
    assert run("--snapshot", str(path), "--fail-on", "critical").exit_code == 0
    assert run("--snapshot", str(path)).exit_code == 0


def test_suppressions_mute_findings(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "suppressions:\n"
        "  - check_id: root_access_key_absent\n"
        "  - check_id: root_mfa_enabled\n"
        "  - check_id: user_admin_without_mfa\n"
        "    resource_arn: arn:aws:iam::*:user/deploy-bot\n"
        "  - check_id: privilege_escalation\n"
        "  - check_id: boundary_bypass\n"
        "  - check_id: role_trust_oidc_any_subject\n"
        "    resource_arn: arn:aws:iam::*:role/github-actions-deploy\n"
    )
    result = run("--demo", "--suppressions", str(rules), "--fail-on", "critical")
    assert result.exit_code == 0, result.output
    assert "Muted: 29 (suppressed, not counted)" in result.output


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--demo", "--format", "xml"),
        ("--demo", "--fail-on", "urgent"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    assert run(*args).exit_code == 2


def test_bad_suppressions_file_is_one_line_exit_2(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("suppressions:\n  - check_id: no_such_check\n")
    result = run("--demo", "--suppressions", str(rules))
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "unknown check `no_such_check`" in result.output
    assert "Traceback" not in result.output


def test_missing_suppressions_file_exit_2(tmp_path: Path) -> None:
    result = run("--demo", "--suppressions", str(tmp_path / "absent.yaml"))
    assert result.exit_code == 2
    assert "absent.yaml" in result.output


def test_cloudmapper_export_reports_what_was_not_assessed() -> None:
    if not CORPUS.is_dir():
        pytest.skip("the cloudmapper-demo corpus is absent")
    result = run("--input", str(CORPUS))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("1.8 ") and "NOT_ASSESSED" in line for line in lines)
    entry = lines.index(
        "- not collected: password_policy: file not found: "
        "iam-get-account-password-policy.json (iam, get-account-password-policy)"
    )
    assert lines[entry + 2] == "  Controls not assessed: 1.8, 1.9"
    assert "- gap in compute (partly collected): file not found: compute.json" in lines
    assert any(line.startswith("Compliance Score: ") for line in lines)
    assert lines[3] == (
        "Credential report: generated 2019-05-07T15:40:22+00:00 (under a minute before assessment)"
    )


def test_cloudmapper_export_fails_cis_1_16_for_an_inline_admin_policy() -> None:
    if not CORPUS.is_dir():
        pytest.skip("the cloudmapper-demo corpus is absent")
    result = run("--input", str(CORPUS), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    inline = next(
        f
        for f in data["findings"]
        if f["check_id"] == "policy_no_full_admin" and f["resource_arn"].endswith(":dostuff")
    )
    assert inline["status"] == "FAIL"
    assert inline["resource_arn"] == "arn:aws:iam::123456789012:role/bad_role:dostuff"
    assert inline["evidence"]["attached_to"] == ["arn:aws:iam::123456789012:role/bad_role"]
    assert next(c for c in data["compliance"] if c["id"] == "1.16")["status"] == "FAIL"


def test_report_dir_outside_organization_mode_is_a_usage_error(tmp_path: Path) -> None:
    """It was silently ignored (newcomer review)"""
    result = CliRunner().invoke(cli, ["assess", "--demo", "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "--report-dir is for organization mode" in result.output
    assert not (tmp_path / "r").exists()
