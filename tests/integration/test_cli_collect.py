"""`iamwarden collect`, and live sources of other commands, against the emulator"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from iamwarden.aws import read_organization_index
from iamwarden.cli.main import cli
from iamwarden.snapshot import DataSet, read_snapshot
from tests.integration.emulator import (
    EmulatorHooks,
    boto3_session,
    seed_account,
    seed_organization,
    session,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def hooked(emulator: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> EmulatorHooks:
    """Every boto3 session the CLI opens gets the emulator hooks; profile `emulator` exists

    Service-last-accessed jobs finish at once: the CLI polls every second, the library tests
    cover the waiting.
    """
    hooks = EmulatorHooks(sla_polls=0)

    def make(**kwargs: Any) -> boto3.Session:
        return hooks.install(boto3_session(**kwargs))

    monkeypatch.setattr(boto3, "Session", make)
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[emulator]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("CI", "true")
    return hooks


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_collect_writes_a_snapshot(hooked: EmulatorHooks, tmp_path: Path) -> None:
    seed_account(session(), regions=("us-east-1",))
    out = tmp_path / "account.json.gz"
    result = _run("collect", "--regions", "us-east-1", "--output", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    snap = read_snapshot(out)
    assert len(snap.users) == 3 and snap.collected == frozenset(DataSet)
    assert snap.regions == ("us-east-1",)
    assert "users" in result.stderr and "123456789012: done, 0 gaps" in result.stderr
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary name


def test_collect_with_a_profile_and_a_role(hooked: EmulatorHooks, tmp_path: Path) -> None:
    members = seed_organization(session(), members=1)
    out = tmp_path / "member.json"
    result = _run(
        "collect",
        "--profile",
        "emulator",
        "--region",
        "us-east-1",
        "--role-arn",
        f"arn:aws:iam::{members[0]}:role/OrganizationAccountAccessRole",
        "--external-id",
        "x-1",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert read_snapshot(out).account.id == members[0]


def test_collect_organization_writes_an_index(hooked: EmulatorHooks, tmp_path: Path) -> None:
    members = seed_organization(session(), members=3)
    out = tmp_path / "org"
    result = _run(
        "collect",
        "--org",
        "--role-name",
        "OrganizationAccountAccessRole",
        "--region",
        "us-east-1",
        "-o",
        str(out),
        "--max-accounts",
        "2",
    )
    assert result.exit_code == 0, result.output
    index = read_organization_index(out / "organization.json")
    assert {a.id for a in index.accounts} >= set(members) and len(index.accounts) == 4
    assert json.loads((out / "organization.json").read_text())["schema_version"] == 1
    assert all(read_snapshot(a.snapshot).organization is not None for a in index.accounts)


def test_collect_org_needs_a_role_name(hooked: EmulatorHooks, tmp_path: Path) -> None:
    result = _run("collect", "--org", "-o", str(tmp_path / "x"))
    assert result.exit_code == 2 and "--role-name" in result.output


def test_live_options_do_not_mix_with_another_source(hooked: EmulatorHooks, tmp_path: Path) -> None:
    result = _run("snapshot", "--demo", "--profile", "emulator", "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 2 and "live options" in result.output


def test_snapshot_without_a_source_collects_live(hooked: EmulatorHooks, tmp_path: Path) -> None:
    seed_account(session(), regions=("us-east-1",))
    out = tmp_path / "live.json"
    result = _run("snapshot", "--region", "us-east-1", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert read_snapshot(out).source == "aws"


def test_assess_with_a_profile_collects_live(hooked: EmulatorHooks) -> None:
    seed_account(session(), regions=("us-east-1",))
    result = _run("assess", "--profile", "emulator", "--regions", "us-east-1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)
    assert any(service == "IAM" for service, _ in hooked.calls)


def test_assess_org_collects_every_account_and_summarises(
    hooked: EmulatorHooks, tmp_path: Path
) -> None:
    members = seed_organization(session(), members=3)
    reports = tmp_path / "reports"
    result = _run(
        "assess",
        "--org",
        "--role-name",
        "OrganizationAccountAccessRole",
        "--region",
        "us-east-1",
        "--report-dir",
        str(reports),
        "--format",
        "json",
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {a["id"] for a in summary["accounts"]} >= set(members)
    assert len(summary["accounts"]) == 4 and not any(a["error"] for a in summary["accounts"])
    for member in members:
        report = json.loads((reports / f"{member}.json").read_text())
        assert report["account"]["id"] == member
    assert (reports / "snapshots" / "organization.json").exists()
