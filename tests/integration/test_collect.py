"""Live collection against moto in server mode (recorded responses where moto lacks a call)"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from iamwarden.aws import (
    AccountAccess,
    Collection,
    CollectOptions,
    GapReason,
    ProgressEvent,
    ProgressKind,
    collect_account,
    collect_organization,
    read_organization_index,
)
from iamwarden.snapshot import (
    ComputeKind,
    DataSet,
    MfaKind,
    OrgLevelKind,
    Snapshot,
    dump_snapshot,
    read_snapshot,
)
from tests.integration.emulator import EmulatorHooks, seed_account, seed_organization, session

pytestmark = pytest.mark.integration
REGIONS = ("eu-west-1", "us-east-1")
FAST = CollectOptions(regions=REGIONS, poll_interval=0.01, max_attempts=6)
REGIONAL = {DataSet.RESOURCE_POLICIES, DataSet.COMPUTE, DataSet.ACCESS_ANALYZER}


def _collect(
    hooks: EmulatorHooks | None = None, options: CollectOptions = FAST, **kw: Any
) -> Collection:
    return collect_account(AccountAccess(session=session(hooks)), options=options, **kw)


def _without_time(snapshot: Snapshot) -> Snapshot:
    return dataclasses.replace(snapshot, collected_at=None)


def test_collects_every_data_set_of_a_seeded_account(emulator: str, tmp_path: Path) -> None:
    seeded = seed_account(session(), regions=REGIONS)
    events: list[ProgressEvent] = []
    collection = _collect(progress=events.append)
    snap = collection.snapshot

    assert snap.gaps == ()
    assert snap.collected == frozenset(DataSet)
    assert snap.account.id == seeded.account and snap.account.alias.startswith("seeded-")
    assert snap.regions == REGIONS
    assert [u.name for u in snap.users] == list(seeded.users)
    assert [r.name for r in snap.roles] == list(seeded.roles)
    by_name = {u.name: u for u in snap.users}
    assert [d.kind for d in by_name["user001"].mfa_devices] == [MfaKind.VIRTUAL]
    assert [d.kind for d in by_name["user002"].mfa_devices] == [MfaKind.HARDWARE]
    assert len(by_name["user000"].access_keys) == 1 and by_name["user000"].groups == ("admins",)
    assert by_name["user001"].has_console_password is True
    assert snap.roles[0].permissions_boundary and snap.roles[0].instance_profiles
    reader = next(p for p in snap.policies if p.name == "ReadS3")
    assert len(reader.versions) == 2 and reader.document.obj()["Statement"][0]["Action"]
    assert snap.password_policy is not None and snap.password_policy.minimum_length == 14
    assert snap.credential_report is not None and snap.credential_report.generated is not None
    assert snap.account_summary["Users"] == 3
    assert [c.name for c in snap.server_certificates] == ["legacy"]
    services = {p.service for p in snap.resource_policies}
    assert services == {
        "s3",
        "kms",
        "lambda",
        "sqs",
        "sns",
        "secretsmanager",
        "ecr",
        "elasticfilesystem",
        "es",
    }
    bucket = next(p for p in snap.resource_policies if p.service == "s3")
    assert bucket.public_access_block is not None and bucket.public_access_block.block_public_acls
    assert snap.account_public_access_block is not None
    assert snap.account_public_access_block.restrict_public_buckets
    assert {c.kind for c in snap.compute} == set(ComputeKind)
    assert all(c.role_arn or c.instance_profile_arn for c in snap.compute)
    task = next(c for c in snap.compute if c.kind is ComputeKind.ECS_TASK_DEFINITION)
    role_arns = {r.name: r.arn for r in snap.roles}
    assert (task.role_arn, task.execution_role_arn) == (role_arns["role001"], role_arns["role000"])
    assert {a.region for a in snap.access_analyzers} == set(REGIONS)
    assert snap.access_analyzers[0].findings[0].is_public
    assert {s.principal_arn for s in snap.service_last_accessed} == {
        p.arn for p in snap.principals()
    }
    assert snap.organization is None  # the account is in no organization
    assert collection.stats.calls > 50 and collection.stats.retries == 0

    finished = [e for e in events if e.kind is ProgressKind.TASK_FINISHED]
    planned = [e for e in events if e.kind is ProgressKind.PLANNED]
    assert len(finished) == len(planned) > 30
    assert events[-1].kind is ProgressKind.ACCOUNT_FINISHED

    path = tmp_path / "account.json.gz"
    dump_snapshot(snap, path)
    assert read_snapshot(path) == snap


def test_sequential_and_parallel_runs_agree(emulator: str) -> None:
    seed_account(session(), regions=REGIONS)
    parallel = _collect()
    sequential = _collect(options=dataclasses.replace(FAST, max_workers=1))
    assert _without_time(parallel.snapshot) == _without_time(sequential.snapshot)
    assert parallel.stats.operations == sequential.stats.operations


def test_absent_password_policy_counts_as_collected(emulator: str) -> None:
    seed_account(session(), regions=("us-east-1",))
    session().client("iam").delete_account_password_policy()
    snap = _collect(options=dataclasses.replace(FAST, regions=("us-east-1",))).snapshot
    assert snap.password_policy is None
    assert DataSet.PASSWORD_POLICY in snap.collected


def test_half_the_calls_throttled_still_gives_the_same_snapshot(
    emulator: str, fast_retries: None
) -> None:
    seed_account(session(), regions=REGIONS)
    calm = _collect()
    hooks = EmulatorHooks(throttle_every=2)
    stormy = _collect(hooks)
    assert hooks.throttled > 40
    assert stormy.stats.retries >= hooks.throttled - 5  # stubbed calls are never throttled
    assert stormy.snapshot.gaps == ()
    assert _without_time(stormy.snapshot) == _without_time(calm.snapshot)


def test_access_denied_for_one_service_is_a_gap_not_a_failure(emulator: str) -> None:
    seed_account(session(), regions=REGIONS)
    snap = _collect(EmulatorHooks(denied_services=frozenset({"kms"}))).snapshot
    kms_gaps = [g for g in snap.gaps if g.service == "kms"]
    assert {g.region for g in kms_gaps} == set(REGIONS)
    assert {(g.reason, g.error_code, g.call) for g in kms_gaps} == {
        (GapReason.ACCESS_DENIED.value, "AccessDenied", "ListKeys")
    }
    assert {g.dataset for g in snap.gaps} == {DataSet.RESOURCE_POLICIES}
    assert snap.collected == frozenset(DataSet) - {DataSet.RESOURCE_POLICIES}
    assert any(p.service == "sqs" for p in snap.resource_policies)  # the rest was read


def test_a_failing_region_leaves_regional_data_sets_not_collected(
    emulator: str, fast_retries: None
) -> None:
    seed_account(session(), regions=REGIONS)
    snap = _collect(EmulatorHooks(failing_region="eu-west-1")).snapshot
    assert snap.gaps and {g.region for g in snap.gaps} == {"eu-west-1"}
    assert {g.reason for g in snap.gaps} == {GapReason.UNREACHABLE.value}
    assert {g.dataset for g in snap.gaps} == REGIONAL
    assert snap.collected == frozenset(DataSet) - REGIONAL
    assert {c.region for c in snap.compute} == {"us-east-1"}
    assert len(snap.users) == 3


def test_denied_iam_makes_dependent_data_sets_not_assessed(emulator: str) -> None:
    seed_account(session(), regions=("us-east-1",))
    options = dataclasses.replace(FAST, regions=("us-east-1",))
    snap = _collect(
        EmulatorHooks(denied_calls=frozenset({"GetAccountAuthorizationDetails"})), options=options
    ).snapshot
    missing = {
        DataSet.AUTHORIZATION_DETAILS,
        DataSet.VIRTUAL_MFA_DEVICES,
        DataSet.ACCESS_KEY_LAST_USED,
        DataSet.SERVICE_LAST_ACCESSED,
    }
    assert missing.isdisjoint(snap.collected)
    assert {g.reason for g in snap.gaps if g.dataset is DataSet.SERVICE_LAST_ACCESSED} == {
        GapReason.DEPENDENCY.value
    }
    assert DataSet.CREDENTIAL_REPORT in snap.collected and snap.users == ()


def test_organization_mode_collects_every_account(emulator: str, tmp_path: Path) -> None:
    seed_account(session(), regions=("us-east-1",))
    members = seed_organization(session(), members=3)
    options = dataclasses.replace(FAST, regions=("us-east-1",), max_accounts=2)
    index = collect_organization(
        AccountAccess(session=session()),
        role_name="OrganizationAccountAccessRole",
        out_dir=tmp_path,
        options=options,
    )
    assert sorted(a.id for a in index.accounts) == sorted([index.management_account_id, *members])
    assert all(not a.error for a in index.accounts)
    assert read_organization_index(tmp_path) == index

    snapshots = {a.id: read_snapshot(a.snapshot) for a in index.accounts}
    for account_id in members:
        snap = snapshots[account_id]
        assert snap.account.id == account_id
        assert [u.name for u in snap.users] == ["user000", "user001"]
        assert snap.collected == frozenset(DataSet)
        assert snap.organization is not None
        assert snap.organization.management_account_id == index.management_account_id
    deep = snapshots[members[2]].organization
    assert deep is not None
    assert [lvl.kind for lvl in deep.path] == [
        OrgLevelKind.ROOT,
        OrgLevelKind.OU,
        OrgLevelKind.OU,
        OrgLevelKind.ACCOUNT,
    ]
    assert [lvl.name for lvl in deep.path[1:3]] == ["prod", "team"]
    assert "DenyRoleDeletion" in [p.name for p in deep.path[1].scps]
    assert deep.path[0].scps[0].document.obj()["Statement"]
    management = snapshots[index.management_account_id]
    assert len(management.users) == 3 and len(management.resource_policies) > 5


def test_organization_mode_survives_an_unassumable_role(emulator: str, tmp_path: Path) -> None:
    members = seed_organization(session(), members=3)
    hooks = EmulatorHooks(denied_calls=frozenset({"AssumeRole"}))
    options = dataclasses.replace(FAST, regions=("us-east-1",))
    index = collect_organization(
        AccountAccess(session=session(hooks)), role_name="Audit", out_dir=tmp_path, options=options
    )
    failed = {a.id for a in index.accounts if a.error}
    assert failed == set(members)
    snap = read_snapshot(next(a.snapshot for a in index.accounts if a.id == members[0]))
    assert snap.collected == frozenset()
    assert {g.dataset for g in snap.gaps} == frozenset(DataSet)
    assert {g.reason for g in snap.gaps} == {GapReason.ROLE_NOT_ASSUMED.value}
    ok = read_snapshot(next(a.snapshot for a in index.accounts if a.id not in failed))
    assert ok.collected == frozenset(DataSet)


def test_an_unreadable_organization_path_is_a_gap_of_that_account(
    emulator: str, tmp_path: Path
) -> None:
    members = seed_organization(session(), members=2)
    hooks = EmulatorHooks(denied_calls=frozenset({"ListParents"}))
    options = dataclasses.replace(FAST, regions=("us-east-1",))
    index = collect_organization(
        AccountAccess(session=session(hooks)),
        role_name="OrganizationAccountAccessRole",
        out_dir=tmp_path,
        options=options,
    )
    assert all(not a.error for a in index.accounts)
    for account in index.accounts:
        snap = read_snapshot(account.snapshot)
        assert snap.organization is None
        assert snap.collected == frozenset(DataSet) - {DataSet.ORGANIZATION}
        assert [(g.dataset, g.account, g.call, g.reason) for g in snap.gaps] == [
            (DataSet.ORGANIZATION, account.id, "ListParents", GapReason.ACCESS_DENIED.value)
        ]
    organizations_calls = [op for service, op in hooks.calls if service == "Organizations"]
    assert organizations_calls.count("ListParents") == len(members) + 1  # none by the members
