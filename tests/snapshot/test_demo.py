"""The bundled demo account: deterministic, valid, and holding every seed scenario"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from iamwarden.policy.document import PolicyKind, parse_policy
from iamwarden.snapshot import (
    DEMO_ACCOUNT_ID,
    DEMO_ASSESSED_AT,
    ComputeKind,
    DataSet,
    Group,
    OrgLevelKind,
    Role,
    Snapshot,
    User,
    demo_snapshot,
    dump_snapshot,
    read_snapshot,
    snapshot_to_json,
)

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
SENSITIVE = {
    "iam:PassRole",
    "iam:CreateAccessKey",
    "iam:PutUserPolicy",
    "s3:PutBucketPolicy",
    "sts:AssumeRole",
}


@pytest.fixture(scope="module")
def demo() -> Snapshot:
    return demo_snapshot()


def _holders(demo: Snapshot) -> list[User | Role | Group]:
    return [*demo.users, *demo.roles, *demo.groups]


def _user(demo: Snapshot, name: str) -> User:
    return next(u for u in demo.users if u.name == name)


def test_is_deterministic_and_round_trips(demo: Snapshot, tmp_path: Path) -> None:
    assert snapshot_to_json(demo_snapshot()) == snapshot_to_json(demo)
    dump_snapshot(demo, tmp_path / "demo.json.gz")
    assert read_snapshot(tmp_path / "demo.json.gz") == demo


def test_account_and_collection(demo: Snapshot) -> None:
    assert demo.account.id == DEMO_ACCOUNT_ID == "210987654321"
    assert demo.account.alias == "acme-startup"
    assert demo.collected_at == DEMO_ASSESSED_AT
    assert demo.collected == frozenset(DataSet) and demo.gaps == ()


def test_every_policy_document_parses(demo: Snapshot) -> None:
    for policy in demo.policies:
        for version in policy.versions:
            parse_policy(version.document.text, kind=PolicyKind.IDENTITY)
    for entity in _holders(demo):
        for inline in entity.inline_policies:
            parse_policy(inline.document.text)
    for role in demo.roles:
        parse_policy(role.trust_policy.text, kind=PolicyKind.RESOURCE)
    for resource in demo.resource_policies:
        parse_policy(resource.document.text, kind=PolicyKind.RESOURCE)
    assert demo.organization is not None
    for level in demo.organization.path:
        for scp in level.scps:
            parse_policy(scp.document.text, kind=PolicyKind.SCP)


def test_references_resolve(demo: Snapshot) -> None:
    for holder in _holders(demo):
        for arn in holder.attached_policies:
            assert demo.policy(arn) is not None, arn
    for user in demo.users:
        assert all(demo.group(g) is not None for g in user.groups)
    for resource in demo.compute:
        assert resource.role_arn is not None and demo.role(resource.role_arn) is not None
    policy = demo.policy(ADMIN)
    assert policy is not None and policy.attachment_count == 17  # + ops-automation-role


def test_root_has_active_keys_and_no_mfa(demo: Snapshot) -> None:
    assert demo.credential_report is not None
    root = demo.credential_report.root
    assert root is not None and root.access_key_1_active and not root.mfa_active
    assert demo.account_summary["AccountAccessKeysPresent"] == 1
    assert demo.account_summary["AccountMFAEnabled"] == 0


def test_deploy_bot_is_admin_with_console_and_no_mfa(demo: Snapshot) -> None:
    bot = _user(demo, "deploy-bot")
    assert bot.attached_policies == (ADMIN,)
    assert bot.has_console_password and bot.mfa_devices == ()
    admin = demo.policy(ADMIN)
    assert admin is not None and admin.document.obj()["Statement"] == [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}
    ]


def test_fifteen_admin_developer_roles_use_three_services(demo: Snapshot) -> None:
    developers = [r for r in demo.roles if r.name.startswith("dev-role-")]
    assert [r.name for r in developers] == [f"dev-role-{n:02d}" for n in range(1, 16)]
    assert all(
        r.attached_policies == (ADMIN,) and r.permissions_boundary is None for r in developers
    )
    used = {s.principal_arn: {a.namespace for a in s.services} for s in demo.service_last_accessed}
    assert all(used[r.arn] == {"s3", "lambda", "dynamodb"} for r in developers)


def test_exactly_seven_stale_keys(demo: Snapshot) -> None:
    cutoff = DEMO_ASSESSED_AT - timedelta(days=90)
    stale = sorted(
        u.name
        for u in demo.users
        for k in u.access_keys
        if k.created is not None and k.created < cutoff
    )
    assert len(stale) == 7
    assert {"svc-backup", "svc-monitoring", "dev-alice", "dev-bob"} <= set(stale)
    assert demo.credential_report is not None
    for user in demo.users:  # the report agrees with the users
        row = demo.credential_report.row(user.name)
        assert row is not None and row.mfa_active == bool(user.mfa_devices)
        created = [k.created for k in user.access_keys]
        assert [row.access_key_1_last_rotated, row.access_key_2_last_rotated][: len(created)] == (
            created
        )


@pytest.mark.parametrize("name", ["DevPolicy", "CIPolicy", "LegacyAdminPolicy"])
def test_wildcard_policies_grant_sensitive_actions(demo: Snapshot, name: str) -> None:
    policy = demo.policy(f"arn:aws:iam::{DEMO_ACCOUNT_ID}:policy/{name}")
    assert policy is not None
    statements = policy.document.obj()["Statement"]
    actions = {
        a
        for s in statements
        if s["Resource"] == "*"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions & SENSITIVE


def test_boundary_allows_services_and_denies_iam(demo: Snapshot) -> None:
    arn = f"arn:aws:iam::{DEMO_ACCOUNT_ID}:policy/DeveloperBoundary"
    bounded = [r.name for r in demo.roles if r.permissions_boundary == arn]
    assert bounded == [
        "app-lambda-role",
        "app-worker-role",
        "app-builder-role",  # escapes it through a Lambda function (boundary_bypass)
        "report-writer-role",  # held by it
    ]
    boundary = demo.policy(arn)
    assert boundary is not None and boundary.boundary_usage_count == 4
    allow, deny = boundary.document.obj()["Statement"]
    assert set(allow["Action"]) == {"s3:*", "dynamodb:*", "lambda:*", "logs:*", "cloudwatch:*"}
    assert deny["Effect"] == "Deny" and "iam:CreateUser" in deny["Action"]


def test_weak_password_policy(demo: Snapshot) -> None:
    policy = demo.password_policy
    assert policy is not None and policy.minimum_length == 8 and not policy.require_symbols
    assert policy.reuse_prevention is None and not policy.expire_passwords


def test_organization_path_and_scps(demo: Snapshot) -> None:
    org = demo.organization
    assert org is not None
    assert [(level.kind, level.name) for level in org.path] == [
        (OrgLevelKind.ROOT, "Root"),
        (OrgLevelKind.OU, "Workloads"),
        (OrgLevelKind.OU, "Prod"),
        (OrgLevelKind.ACCOUNT, "acme-startup"),
    ]
    assert all(level.scps[0].name == "FullAWSAccess" for level in org.path)
    names = {p.name for level in org.path for p in level.scps}
    assert {"DenyLeaveOrganization", "RestrictRegions"} <= names
    assert org.path[-1].id == DEMO_ACCOUNT_ID


def test_compute_resources_and_sharing(demo: Snapshot) -> None:
    kinds = {r.kind for r in demo.compute}
    assert kinds == {
        ComputeKind.LAMBDA_FUNCTION,
        ComputeKind.EC2_INSTANCE,
        ComputeKind.CODEBUILD_PROJECT,
    }
    shared = demo.resource_policy("arn:aws:s3:::acme-shared-reports")
    assert shared is not None
    assert "444455556666" in shared.document.obj()["Statement"][0]["Principal"]["AWS"]
    assert any(p.service == "kms" for p in demo.resource_policies)


def test_analyzer_in_one_region_and_expired_certificate(demo: Snapshot) -> None:
    assert len(demo.regions) == 2
    assert [a.region for a in demo.access_analyzers] == ["us-east-1"]
    expired = [
        c.name
        for c in demo.server_certificates
        if c.expiration is not None and c.expiration < DEMO_ASSESSED_AT
    ]
    assert expired == ["legacy-www-2025"]


def test_clean_entities_exist(demo: Snapshot) -> None:
    carol = _user(demo, "carol-ops")
    assert carol.mfa_devices and carol.attached_policies == () and carol.inline_policies == ()
    assert carol.groups == ("ops",) and len(carol.access_keys) == 1
    key = carol.access_keys[0]
    assert key.created is not None and DEMO_ASSESSED_AT - key.created < timedelta(days=90)
    support = demo.role(f"arn:aws:iam::{DEMO_ACCOUNT_ID}:role/support-role")
    assert support is not None
    assert support.attached_policies == ("arn:aws:iam::aws:policy/AWSSupportAccess",)
    assert support.last_used is not None
    assert DEMO_ASSESSED_AT - support.last_used < timedelta(days=30)
