"""Unused access: credentials with no recorded use, and granted services never used"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from iamwarden.activity import find_files, ingest_files, open_store, recorded_calls, window
from iamwarden.activity.demo import write_demo_history
from iamwarden.activity.mapping import load_mapper
from iamwarden.activity.unused import CLOUDTRAIL, unused_access, unused_credentials
from iamwarden.errors import InputError
from iamwarden.policy import load_catalog
from iamwarden.snapshot.demo import demo_snapshot
from tests.activity.conftest import record, write_records

DEV_ROLE = "arn:aws:iam::210987654321:role/dev-role-01"


def test_unused_credentials_and_services_on_the_demo(tmp_path: Path) -> None:
    write_demo_history(tmp_path / "logs")
    snapshot = demo_snapshot()
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path / "logs"]))
        since, until = window(store, 90)
        found = unused_credentials(snapshot, store, since=since, until=until)
        calls = recorded_calls(store, DEV_ROLE, load_mapper(), since=since, until=until)
    kinds = {(c.principal_arn.rsplit("/", 1)[1], c.kind) for c in found}
    # the developers' roles and the application roles are used; the legacy admin role is not
    assert ("dev-role-01", "role") not in kinds and ("app-lambda-role", "role") not in kinds
    assert ("legacy-admin-role", "role") in kinds
    # dev-alice never signs in to the console in the recorded history, but the snapshot's
    # password last used (2026-10-31) is in the window: used
    assert ("dev-alice", "user") not in kinds and ("dev-alice", "password") not in kinds
    assert all(c.source == CLOUDTRAIL for c in found)
    access = unused_access(snapshot, DEV_ROLE, calls, catalog=load_catalog(), since=since)
    assert access.used_services == ("dynamodb", "lambda", "s3")
    unused = {s.service for s in access.unused_services}
    assert {"iam", "ec2", "kms"} <= unused and not unused & {"s3", "lambda", "dynamodb"}
    assert "dynamodb:DeleteTable" in access.unused_actions
    assert "dynamodb:PutItem" not in access.unused_actions


DEMO_ACCOUNT = "210987654321"
SINCE, UNTIL = datetime(2026, 10, 28), datetime(2026, 11, 2)


def _sign_in(user: str, *, ok: bool, **extra: Any) -> dict[str, Any]:
    """A ConsoleLogin record (CloudTrail User Guide, "AWS Management Console sign-in events"):
    a wrong password is logged with responseElements.ConsoleLogin "Failure" and errorMessage
    "Failed authentication", errorCode absent"""
    found = record(
        "ConsoleLogin",
        source="signin.amazonaws.com",
        time="2026-10-29T09:00:00Z",
        arn=f"arn:aws:iam::{DEMO_ACCOUNT}:user/{user}",
        issuer=None,
        params=None,
        eventType="AwsConsoleSignIn",
        recipientAccountId=DEMO_ACCOUNT,
        eventID=f"login-{user}",
        responseElements={"ConsoleLogin": "Success" if ok else "Failure"},
        **extra,
    )
    if not ok:
        found["errorMessage"] = "Failed authentication"
    return found


def _unused(tmp_path: Path, records: list[dict[str, Any]]) -> set[tuple[str, str]]:
    write_records(tmp_path / "logs" / "a.json", records)
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path / "logs"]))
        found = unused_credentials(demo_snapshot(), store, since=SINCE, until=UNTIL)
    return {(c.principal_arn.rsplit("/", 1)[1], c.kind) for c in found}


def test_a_failed_console_sign_in_is_not_use(tmp_path: Path) -> None:
    kinds = _unused(
        tmp_path, [_sign_in("erin-finance", ok=False), _sign_in("oncall-olga", ok=True)]
    )
    # erin's password last used 2026-10-20 (before the window); her failed sign-in is no use
    assert {("erin-finance", "password"), ("erin-finance", "user")} <= kinds
    assert not {("oncall-olga", "password"), ("oncall-olga", "user")} & kinds


def test_a_snapshot_last_used_in_the_window_is_use(tmp_path: Path) -> None:
    """IAM User Guide, "Managing access keys" (GetAccessKeyLastUsed) and "Finding unused AWS
    credentials": a key or password last used in the window was used, whatever the store"""
    kinds = _unused(tmp_path, [_sign_in("oncall-olga", ok=True)])
    # carol-ops: key last used 2026-10-31, password 2026-10-30; contractor-dan's key 10-26
    assert (
        not {("carol-ops", "access-key"), ("carol-ops", "password"), ("carol-ops", "user")} & kinds
    )
    assert {("contractor-dan", "access-key"), ("contractor-dan", "user")} <= kinds


def test_a_store_of_another_account_is_not_assessed(tmp_path: Path) -> None:
    """Missing data is never a pass (nor a finding): no event of the account, nothing unused"""
    write_records(tmp_path / "logs" / "a.json", [record("GetObject")])  # account 111122223333
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path / "logs"]))
        with pytest.raises(InputError) as raised:
            unused_credentials(demo_snapshot(), store, since=None, until=None)
    assert "NOT ASSESSED" in raised.value.problem
    assert DEMO_ACCOUNT in raised.value.problem and "111122223333" in raised.value.problem
