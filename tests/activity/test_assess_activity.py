"""`iamwarden assess --activity DB`: unused access from the activity store in the assessment,
NOT_ASSESSED when the store does not cover the account or the period (IAM User Guide,
"Refine permissions in AWS using last accessed information"; "Security best practices in
IAM": grant least privilege)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamwarden.activity import find_files, ingest_files, open_store
from iamwarden.activity.assess import ACTIVITY_CHECKS, activity_findings
from iamwarden.activity.demo import ensure_demo_store
from iamwarden.cli.main import cli
from iamwarden.findings import Status
from iamwarden.policy import load_catalog
from iamwarden.snapshot.demo import demo_snapshot
from tests.activity.conftest import record, write_records

DEV = "arn:aws:iam::210987654321:role/dev-role-01"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_demo_store(tmp_path_factory.mktemp("demo-store"))


def test_admin_roles_are_granted_services_they_never_call(demo_store: Path) -> None:
    """The seed's developer roles hold AdministratorAccess and call S3, Lambda and DynamoDB"""
    with open_store(demo_store, read_only=True) as store:
        found = activity_findings(demo_snapshot(), store, catalog=load_catalog())
    by_key = {(f.check_id, f.resource_arn): f for f in found}
    dev = by_key[("activity_unused_services", DEV)]
    assert dev.status is Status.FAIL
    assert set(dev.evidence["used_services"]) <= {"s3", "lambda", "dynamodb", "logs", "sts"}
    assert "iam" in dev.evidence["unused_services"]
    assert f"activity generate --db STORE --principal {DEV}" in dev.message
    assert all(f.check_id in ACTIVITY_CHECKS for f in found)


def test_a_store_of_another_account_is_not_assessed(tmp_path: Path) -> None:
    write_records(tmp_path / "a.json", [record()])  # account 111122223333
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path]))
        found = activity_findings(demo_snapshot(), store, catalog=load_catalog())
    assert {f.check_id for f in found} == set(ACTIVITY_CHECKS)
    assert all(f.status is Status.NOT_ASSESSED for f in found)
    assert "no event of account 210987654321" in found[0].message


def test_a_store_shorter_than_the_window_is_not_assessed(tmp_path: Path) -> None:
    write_records(tmp_path / "a.json", [record(recipientAccountId="210987654321")])
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path]))
        found = activity_findings(demo_snapshot(), store, catalog=load_catalog(), days=30)
    assert all(f.status is Status.NOT_ASSESSED for f in found)
    assert "covers 1 day, not the 30 asked" in found[0].message


def test_more_days_than_the_calendar_holds_is_not_an_overflow(tmp_path: Path) -> None:
    """`--activity-days 1000000` counts back past year 1: the store is short of it (NOT
    ASSESSED with why), never an OverflowError"""
    write_records(tmp_path / "a.json", [record(recipientAccountId="210987654321")])
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path]))
        found = activity_findings(demo_snapshot(), store, catalog=load_catalog(), days=1_000_000)
    assert all(f.status is Status.NOT_ASSESSED for f in found)
    assert "covers 1 day, not the 1000000 asked" in found[0].message


def test_assess_activity_adds_the_findings_to_the_report(demo_store: Path) -> None:
    result = CliRunner().invoke(
        cli, ["assess", "--demo", "--activity", str(demo_store), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    text = json.dumps(report)
    assert "activity_unused_services" in text
    assert f"activity generate --db {demo_store} --principal {DEV} --days 90" in text


def test_assess_activity_without_a_store_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["assess", "--demo", "--activity", str(tmp_path / "none.duckdb")]
    )
    assert result.exit_code == 2
    assert "no such activity store" in result.output
