"""Unused access: credentials with no recorded use, and granted services never used"""

from __future__ import annotations

from pathlib import Path

from iamwarden.activity import find_files, ingest_files, open_store, recorded_calls, window
from iamwarden.activity.demo import write_demo_history
from iamwarden.activity.mapping import load_mapper
from iamwarden.activity.unused import CLOUDTRAIL, unused_access, unused_credentials
from iamwarden.policy import load_catalog
from iamwarden.snapshot.demo import demo_snapshot

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
    # the developers' roles and the application roles are used; the support role is not
    assert ("dev-role-01", "role") not in kinds and ("app-lambda-role", "role") not in kinds
    assert ("support-role", "role") in kinds
    # dev-alice calls with her key but never signs in to the console
    assert ("dev-alice", "user") not in kinds and ("dev-alice", "password") in kinds
    assert all(c.source == CLOUDTRAIL for c in found)
    access = unused_access(snapshot, DEV_ROLE, calls, catalog=load_catalog(), since=since)
    assert access.used_services == ("dynamodb", "lambda", "s3")
    unused = {s.service for s in access.unused_services}
    assert {"iam", "ec2", "kms"} <= unused and not unused & {"s3", "lambda", "dynamodb"}
    assert "dynamodb:DeleteTable" in access.unused_actions
    assert "dynamodb:PutItem" not in access.unused_actions
