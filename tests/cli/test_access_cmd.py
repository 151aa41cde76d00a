"""`iamwarden access`: the demo's exposures, archive rules with expiry, the config file's
errors, the zone and the exit codes"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamwarden.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "iamwarden.toml"


def run(*args: str):
    return CliRunner().invoke(cli, ["access", *args])


def test_the_demo_lists_its_exposures_and_nothing_of_the_org_only_bucket():
    result = run("--demo")
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in (
        "external_access_public_read  arn:aws:s3:::acme-marketing-site",
        "external_access_cross_account  arn:aws:kms:us-east-1:210987654321:key/6d7e8f90",
        "external_access_cross_account  arn:aws:s3:::acme-shared-reports",
        "role_trust_without_external_id  arn:aws:iam::210987654321:role/datadog-integration",
        "role_trust_oidc_any_subject  arn:aws:iam::210987654321:role/github-actions-deploy",
        "arn:aws:s3:::acme-legacy-exports: RestrictPublicBuckets (bucket level)",
        "granted by arn:aws:s3:::acme-marketing-site Statement[0] (PublicRead)",
    ):
        assert expected in out, expected
    assert "Findings: 7 (1 critical, 2 high, 3 medium, 1 info)" in out
    assert "acme-org-artifacts" not in out
    assert "orders-events" not in out  # the SNS topic's grant is narrowed by aws:SourceArn


def test_known_accounts_are_named_and_archive_rules_mute():
    result = run("--demo", "--config", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "assumable without an external id by: Datadog (464622532012)" in result.output
    assert "Archived (muted, not counted): 1" in result.output
    data = json.loads(run("--demo", "--config", str(EXAMPLE), "--format", "json").output)
    muted = [f for f in data["findings"] if f["status"] == "MUTED"]
    assert [(f["check_id"], f["resource_arn"]) for f in muted] == [
        ("external_access_known_account", "arn:aws:s3:::acme-shared-reports")
    ]
    assert muted[0]["evidence"]["muted_until"] == "2027-06-30"
    assert data["expired_archive_rules"] == []
    assert data["zone_of_trust"]["known_accounts"]["464622532012"] == "Datadog"


def test_an_expired_archive_rule_stops_muting_and_is_reported(tmp_path: Path):
    config = tmp_path / "iamwarden.toml"
    config.write_text(
        "[[archive_rules]]\n"
        'check_id = "external_access_public_read"\n'
        'resource_arn = "arn:aws:s3:::acme-marketing-*"\n'
        'principal = "*"\n'
        'reason = "marketing site"\n'
        "expires = 2026-10-31\n"  # the demo is assessed on 2026-11-01
    )
    result = run("--demo", "--config", str(config), "--fail-on", "high")
    assert result.exit_code == 1
    assert "Expired archive rules (they mute nothing):" in result.output
    assert "external_access_public_read arn:aws:s3:::acme-marketing-*" in result.output
    config.write_text(config.read_text().replace("2026-10-31", "2026-11-01"))
    data = json.loads(run("--demo", "--config", str(config), "--format", "json").output)
    statuses = {
        f["status"]
        for f in data["findings"]
        if f["resource_arn"] == "arn:aws:s3:::acme-marketing-site"
    }
    assert statuses == {"MUTED"}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[trust.known_accounts]\n'123' = 'x'\n", "iamwarden.toml: trust.known_accounts.123:"),
        ("[[archive_rules]]\ncheck_id = 'nope'\nreason = 'x'\n", "archive_rules[0].check_id:"),
        ("[trust\n", "iamwarden.toml: "),
    ],
)
def test_a_bad_config_is_exit_2_naming_the_file_and_key(tmp_path: Path, text: str, where: str):
    config = tmp_path / "iamwarden.toml"
    config.write_text(text)
    result = run("--demo", "--config", str(config))
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and where in result.output
    assert "Traceback" not in result.output


def test_a_config_in_the_working_directory_is_read(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iamwarden.toml").write_text(
        "[trust.known_accounts]\n'464622532012' = 'Vendor X'\n"
    )
    assert "Vendor X (464622532012)" in run("--demo").output


def test_fail_on_counts_fail_findings_only():
    assert run("--demo", "--fail-on", "critical").exit_code == 1
    assert run("--demo").exit_code == 0


def test_the_organization_zone_is_named():
    result = run("--demo", "--zone", "org")
    assert result.exit_code == 0
    assert "zone of trust: the Organization o-acme12ab34" in result.output


def test_json_is_deterministic_and_lists_the_checks_decisions():
    first = run("--demo", "--format", "json").output
    assert first == run("--demo", "--format", "json").output
    data = json.loads(first)
    assert data["schema_version"] == 1 and data["policies_analysed"] == 34
    public = next(
        f
        for f in data["findings"]
        if f["check_id"] == "external_access_public_read" and f["status"] == "FAIL"
    )
    (exposure,) = public["evidence"]["exposures"]
    assert exposure["principal"] == "*" and exposure["kind"] == "anonymous"
    assert exposure["actions"] == ["s3:GetObject"] and exposure["access_levels"] == ["Read"]


def test_assess_reads_the_same_config_and_reports_expired_rules(tmp_path: Path):
    config = tmp_path / "iamwarden.toml"
    config.write_text(
        EXAMPLE.read_text() + "\n[[archive_rules]]\n"
        'check_id = "external_access_public_read"\n'
        'reason = "old"\n'
        "expires = 2026-01-31\n"
    )
    result = CliRunner().invoke(
        cli, ["assess", "--demo", "--config", str(config), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    known = {
        (f["status"], f["resource_arn"])
        for f in data["findings"]
        if f["check_id"] == "external_access_known_account"
    }
    assert known == {
        ("FAIL", "arn:aws:iam::210987654321:role/datadog-integration"),
        ("MUTED", "arn:aws:s3:::acme-shared-reports"),
    }
    assert [r["check_id"] for r in data["expired_suppressions"]] == ["external_access_public_read"]
    text = CliRunner().invoke(cli, ["assess", "--demo", "--config", str(config)]).output
    assert (
        "Expired suppression (mutes nothing): external_access_public_read * expired 2026-01-31"
        in text
    )


def test_a_statement_behind_several_outsiders_is_shown_once(tmp_path: Path):
    from iamwarden.snapshot import Document, ResourcePolicy
    from iamwarden.snapshot.jsonform import dump_snapshot
    from tests.builders import snapshot

    bucket = "arn:aws:s3:::shared-with-two"
    grant = {
        "Sid": "TwoPartners",
        "Effect": "Allow",
        "Principal": {"AWS": ["111111111111", "222222222222"]},
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": f"{bucket}/*",
    }
    policy = ResourcePolicy(
        arn=bucket,
        service="s3",
        document=Document.from_obj({"Version": "2012-10-17", "Statement": [grant]}),
    )
    path = tmp_path / "snap.json"
    dump_snapshot(snapshot(resource_policies=(policy,), roles=()), path)
    result = run("--snapshot", str(path))
    assert result.exit_code == 0, result.output
    assert "111111111111" in result.output and "222222222222" in result.output
    line = f"  granted by {bucket} Statement[0] (TwoPartners)"
    assert result.output.count(line + "\n") == 1, result.output


@pytest.mark.parametrize(
    ("collected", "said"),
    [
        (False, "the account's Organization was not collected"),
        (True, "the account is in no Organization"),
    ],
)
def test_an_organization_zone_without_an_organization_is_warned(
    tmp_path: Path, collected: bool, said: str
):
    from iamwarden.snapshot import DataSet
    from iamwarden.snapshot.jsonform import dump_snapshot
    from tests.builders import snapshot

    sets = frozenset(DataSet) if collected else frozenset(DataSet) - {DataSet.ORGANIZATION}
    path = tmp_path / "snap.json"
    dump_snapshot(snapshot(collected=sets, organization=None, roles=()), path)
    result = run("--snapshot", str(path), "--zone", "org")
    assert result.exit_code == 0, result.output
    assert f"warning: the zone of trust is the Organization, but {said}" in result.stderr
    assert "warning" not in run("--snapshot", str(path)).stderr  # the account zone needs none
