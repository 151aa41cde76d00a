"""`iamwarden lint --activity DB` (issue 14 §2, SUGGESTION "`s3:*` where the activity store
shows only reads"): an account's identity policies against the recorded calls of the users
and roles they apply to, in a real store built by ingest from CloudTrail records; files and
templates have no principal (NOT ASSESSED, said once)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from iamwarden.activity import find_files, ingest_files, open_store
from iamwarden.activity.demo import ensure_demo_store
from iamwarden.activity.policy_use import policy_activity, policy_principals
from iamwarden.cli.main import cli
from iamwarden.policy import load_catalog
from iamwarden.snapshot import dump_snapshot, read_snapshot
from tests.activity.conftest import record, write_records
from tests.builders import ACCOUNT_ID, group, inline, managed_policy, role, snapshot, user

READER = f"arn:aws:iam::{ACCOUNT_ID}:role/reader"
WRITER = f"arn:aws:iam::{ACCOUNT_ID}:role/writer"
S3_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Data", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


def _calls(role_name: str, *names: str, time: str = "2026-03-01T10:00:00Z") -> list[Any]:
    return [
        record(
            name,
            time=time,
            arn=f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/s",
            issuer=f"arn:aws:iam::{ACCOUNT_ID}:role/{role_name}",
            params={"bucketName": "b", "key": "k"}
            if name.endswith("Object")
            else {"bucketName": "b"},
        )
        for name in names
    ]


@pytest.fixture
def account(tmp_path: Path) -> tuple[Path, Path]:
    """A snapshot (two roles with `s3:*` inline, and the managed policy `Shared` on `writer`)
    and a store of 102 days: `reader` only reads S3; `writer` read S3 on the last day and
    wrote 59 days before"""
    shared = managed_policy("Shared", document=S3_ALL)
    found = snapshot(
        roles=(
            role("reader", inline_policies=(inline("data", document=S3_ALL),)),
            role(
                "writer",
                inline_policies=(inline("data", document=S3_ALL),),
                attached_policies=(shared.arn,),
            ),
        ),
        policies=(shared,),
    )
    snapshot_file = tmp_path / "account.json"
    dump_snapshot(found, snapshot_file)
    records = [
        *_calls("reader", "GetObject", time="2025-11-20T10:00:00Z"),  # the store's first
        *_calls("reader", "GetObject", "ListObjects", "GetObject"),
        *_calls("writer", "GetObject", "ListObjects"),
        *_calls("writer", "PutObject", time="2026-01-01T10:00:00Z"),
    ]
    write_records(tmp_path / "trail" / "a.json", records)
    store = tmp_path / "trail.duckdb"
    with open_store(store) as opened:
        ingest_files(opened, find_files([tmp_path / "trail"]))
    return snapshot_file, store


def _lint(*args: str) -> Result:
    return CliRunner().invoke(cli, ["lint", "--format", "json", *args])


def _suggestions(result: Result) -> dict[str, str]:
    data = json.loads(result.stdout)
    return {
        item["policy"]: item["message"]
        for items in data.values()
        for item in items
        if item["code"] == "activity_only_reads"
    }


def test_a_role_that_only_read_s3_is_told_to_grant_the_reads(account: tuple[Path, Path]) -> None:
    snapshot_file, store = account
    result = _lint("--snapshot", str(snapshot_file), "--activity", str(store), "--days", "90")
    assert result.exit_code == 0, result.output
    found = _suggestions(result)
    assert list(found) == [f"{READER} inline policy `data`"]
    message = found[f"{READER} inline policy `data`"]
    assert (
        f"the recorded calls of {READER} used only reads of s3 (s3:GetObject, s3:ListBucket)"
        in (message)
    )
    assert "grant the read actions instead: " in message and "s3:Get*" in message
    assert "identity policies compared with 90 days of recorded calls of 2 principals" in (
        result.stderr
    )


def test_the_window_decides_which_calls_count(account: tuple[Path, Path]) -> None:
    """The writer's PutObject is 59 days before its last call: outside a 30-day window, so
    it only read there, and its managed policy `Shared` fits too"""
    snapshot_file, store = account
    result = _lint("--snapshot", str(snapshot_file), "--activity", str(store), "--days", "30")
    assert result.exit_code == 0, result.output
    assert set(_suggestions(result)) == {
        f"{READER} inline policy `data`",
        f"{WRITER} inline policy `data`",
        f"arn:aws:iam::{ACCOUNT_ID}:policy/Shared",
    }


def test_without_activity_there_is_no_such_suggestion(account: tuple[Path, Path]) -> None:
    snapshot_file, _ = account
    result = _lint("--snapshot", str(snapshot_file))
    assert result.exit_code == 0
    assert _suggestions(result) == {}
    assert "--activity" not in result.stderr


def test_files_have_no_principal_and_say_so_once(
    account: tuple[Path, Path], tmp_path: Path
) -> None:
    _, store = account
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps(S3_ALL))
    result = _lint("--activity", str(store), str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert result.exit_code == 0, result.output
    assert _suggestions(result) == {}
    note = (
        "the policies of files, templates and plans have no principal: "
        "activity_only_reads NOT ASSESSED"
    )
    assert result.stderr.count(note) == 1


def test_a_store_of_another_account_is_not_assessed(
    account: tuple[Path, Path], tmp_path: Path
) -> None:
    snapshot_file, _ = account
    write_records(tmp_path / "other" / "a.json", [record(recipientAccountId="444455556666")])
    other = tmp_path / "other.duckdb"
    with open_store(other) as opened:
        ingest_files(opened, find_files([tmp_path / "other"]))
    result = _lint("--snapshot", str(snapshot_file), "--activity", str(other), "--days", "1")
    assert result.exit_code == 0, result.output
    assert _suggestions(result) == {}
    assert (
        "activity_only_reads NOT ASSESSED: the activity store holds no event of account "
        f"{ACCOUNT_ID}"
    ) in result.stderr


def test_a_store_shorter_than_the_window_is_not_assessed(account: tuple[Path, Path]) -> None:
    snapshot_file, store = account
    result = _lint("--snapshot", str(snapshot_file), "--activity", str(store), "--days", "365")
    assert _suggestions(result) == {}
    assert "NOT ASSESSED: the activity store covers 102 days, not the 365 asked" in result.stderr


def test_a_missing_store_is_bad_input(account: tuple[Path, Path], tmp_path: Path) -> None:
    snapshot_file, _ = account
    result = _lint("--snapshot", str(snapshot_file), "--activity", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 2
    assert "no such activity store" in result.output
    assert "Traceback" not in result.output


def test_policies_apply_to_holders_attachments_and_group_members() -> None:
    shared = managed_policy("Shared")
    found = snapshot(
        users=(user("alice", groups=("devs",)), user("bob", attached_policies=(shared.arn,))),
        groups=(group("devs", attached_policies=(shared.arn,), inline_policies=(inline(),)),),
        roles=(role("app"),),
        policies=(shared,),
    )
    principals = policy_principals(found)
    alice, bob = (f"arn:aws:iam::{ACCOUNT_ID}:user/{n}" for n in ("alice", "bob"))
    assert principals[shared.arn] == (alice, bob)
    assert principals[f"arn:aws:iam::{ACCOUNT_ID}:group/devs"] == (alice,)
    assert principals[f"arn:aws:iam::{ACCOUNT_ID}:role/app"] == (
        f"arn:aws:iam::{ACCOUNT_ID}:role/app",
    )


def test_recorded_use_maps_calls_to_actions(account: tuple[Path, Path]) -> None:
    snapshot_file, store = account
    with open_store(store, read_only=True) as opened:
        activity = policy_activity(read_snapshot(snapshot_file), opened, catalog=load_catalog())
    assert activity.not_assessed == ""
    assert activity.uses[READER].actions == frozenset({"s3:GetObject", "s3:ListBucket"})
    assert "s3:PutObject" in activity.uses[WRITER].actions
    assert [u.principal for u in activity.uses_of(f"arn:aws:iam::{ACCOUNT_ID}:policy/Shared")] == [
        WRITER
    ]
    assert activity.uses_of("arn:aws:iam::111122223333:policy/Nobody") == ()


def test_days_without_activity_is_bad_usage(account: tuple[Path, Path]) -> None:
    snapshot_file, _ = account
    result = _lint("--snapshot", str(snapshot_file), "--days", "30")
    assert result.exit_code == 2
    assert "--days is the window of --activity" in result.output


def test_the_demo_principals_all_write_so_the_demo_has_no_such_suggestion(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The demo's dev roles (AdministratorAccess, AWS managed: not linted) and dev-alice
    (DevPolicy `s3:*`, `lambda:*`, `dynamodb:*` through the developers group) write to S3,
    Lambda and DynamoDB in the demo history (PutObject, UpdateFunctionCode, PutItem)"""
    store = ensure_demo_store(tmp_path_factory.mktemp("demo-store"))
    result = _lint("--demo", "--activity", str(store))
    assert result.exit_code == 0, result.output
    assert _suggestions(result) == {}
    assert "identity policies compared with 90 days of recorded calls of 18 principals" in (
        result.stderr
    )
