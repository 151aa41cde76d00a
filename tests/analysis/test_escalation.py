"""The escalation graph: each technique family, its negatives, paths, re-checks and checks"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iamwarden.analysis.escalation import (
    ADMIN,
    COMPOSED,
    TECHNIQUES,
    UNDECIDABLE,
    EscalationGraph,
    build_graph,
    recheck,
)
from iamwarden.analysis.escalation.techniques import NEW_COMPUTE, TAKEOVERS
from iamwarden.policy import load_catalog
from iamwarden.snapshot import (
    AccessKey,
    ComputeKind,
    ComputeResource,
    MfaDevice,
    MfaKind,
    Organization,
    OrgLevel,
    OrgLevelKind,
    OrgPolicy,
    PolicyVersion,
    Tag,
)
from tests.builders import (
    ACCOUNT_ID,
    ALLOW_ALL,
    doc,
    inline,
    managed_policy,
    role,
    snapshot,
    user,
)

IAM = f"arn:aws:iam::{ACCOUNT_ID}"
ALICE = f"{IAM}:user/alice"
BOB = f"{IAM}:user/bob"
CORPUS = Path(__file__).parents[3] / "shared" / "corpora" / "privesc-paths" / "paths"


def allow(actions: Any, resources: Any = "*", **extra: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}
    return {"Version": "2012-10-17", "Statement": [statement]}


def trust(principal: Any, **condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


ACCOUNT_TRUST = trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"})
LAMBDA_TRUST = trust({"Service": "lambda.amazonaws.com"})
ADMIN_ROLE = f"{IAM}:role/admin"


def admin_role(trusted: Any = ACCOUNT_TRUST, name: str = "admin") -> Any:
    return role(name, trust=trusted, inline_policies=(inline("all", document=ALLOW_ALL),))


def alice(document: Any, **kw: Any) -> Any:
    return user("alice", inline_policies=(inline("p", document=document),), **kw)


def graph(**kw: Any) -> EscalationGraph:
    return build_graph(snapshot(**kw), load_catalog())


def techniques(g: EscalationGraph, source: str, target: str) -> set[str]:
    if not g.graph.has_edge(source, target):
        return set()
    return {e.technique for e in g.graph.edges[source, target]["edges"]}


def scp_org(*statements: dict[str, Any]) -> Organization:
    full = OrgPolicy(id="p-full", name="FullAWSAccess", document=doc(ALLOW_ALL))
    deny = OrgPolicy(
        id="p-deny",
        name="Deny",
        document=doc({"Version": "2012-10-17", "Statement": list(statements)}),
    )
    return Organization(
        id="o-test",
        management_account_id="999999999999",
        path=(
            OrgLevel(id="r-1", kind=OrgLevelKind.ROOT, scps=(full, deny)),
            OrgLevel(id=ACCOUNT_ID, kind=OrgLevelKind.ACCOUNT, scps=(full,)),
        ),
    )


# -- assume role -------------------------------------------------------------------------


def test_assume_role_is_an_edge_and_a_path_to_admin() -> None:
    g = graph(users=(alice(allow("sts:AssumeRole", ADMIN_ROLE)),), roles=(admin_role(),))
    assert techniques(g, ALICE, ADMIN_ROLE) == {"sts-001"}
    path = g.path(ALICE)
    assert path is not None and [h.technique for h in path.hops] == ["sts-001", "iw-admin"]
    assert not g.is_admin(ALICE) and g.is_admin(ADMIN_ROLE)


def test_a_path_comes_with_a_deny_the_engine_confirms_cuts_it() -> None:
    from iamwarden.analysis.escalation.cut import cut_path

    policy = allow(["sts:AssumeRole", "s3:GetObject"], "*")
    path = graph(users=(alice(policy),), roles=(admin_role(),)).path(ALICE)
    assert path is not None
    cut = cut_path(path)
    assert cut is not None and (cut.technique, cut.source) == ("sts-001", ALICE)
    assert cut.document["Statement"] == [
        {
            "Sid": "CutEscalationPath",
            "Effect": "Deny",
            "Action": ["sts:AssumeRole"],
            "Resource": [ADMIN_ROLE],
        }
    ]
    # the account with the Deny added has no path left, and alice keeps the rest
    denied = user(
        "alice",
        inline_policies=(inline("p", document=policy), inline("cut", document=cut.document)),
    )
    g = graph(users=(denied,), roles=(admin_role(),))
    assert g.path(ALICE) is None


def test_a_hop_from_another_account_is_not_cut_in_this_one() -> None:
    from iamwarden.analysis.escalation.cut import cut_path

    partner = "arn:aws:iam::444455556666:root"
    path = graph(roles=(admin_role(trust({"AWS": "444455556666"})),)).path(partner)
    assert path is not None and cut_path(path) is None


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"users": (alice(allow("sts:AssumeRole", f"{IAM}:role/other")),)}, "resource scope"),
        (
            {
                "users": (
                    alice(
                        allow("sts:AssumeRole", ADMIN_ROLE), permissions_boundary=f"{IAM}:policy/B"
                    ),
                ),
                "policies": (managed_policy("B", document=allow("s3:*")),),
            },
            "boundary",
        ),
        (
            {
                "users": (alice(allow("sts:AssumeRole", ADMIN_ROLE)),),
                "organization": scp_org(
                    {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}
                ),
            },
            "scp",
        ),
        (
            {
                "users": (
                    alice(allow("sts:AssumeRole", ADMIN_ROLE), tags=(Tag(key="t", value="d"),)),
                ),
                "trust": trust(
                    {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                    StringEquals={"aws:PrincipalTag/t": "ops"},
                ),
            },
            "condition not holding",
        ),
        (
            {"users": (alice(allow("sts:AssumeRole", ADMIN_ROLE)),), "trust": LAMBDA_TRUST},
            "trust policy",
        ),
    ],
)
def test_assume_role_blocked(kw: dict[str, Any], why: str) -> None:
    trusted = kw.pop("trust", ACCOUNT_TRUST)
    g = graph(roles=(admin_role(trusted),), **kw)
    assert techniques(g, ALICE, ADMIN_ROLE) == set(), why
    assert g.path(ALICE) is None, why


def test_mfa_in_the_trust_policy_makes_the_edge_conditional() -> None:
    mfa_trust = trust(
        {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, Bool={"aws:MultiFactorAuthPresent": "true"}
    )
    g = graph(users=(alice(allow("sts:AssumeRole", ADMIN_ROLE)),), roles=(admin_role(mfa_trust),))
    edge = g.edge(ALICE, ADMIN_ROLE)
    assert edge is not None and edge.requires_mfa and edge.is_conditional
    assert recheck(edge)


def test_cross_account_trust_is_an_external_node() -> None:
    partner = "arn:aws:iam::444455556666:root"
    g = graph(roles=(admin_role(trust({"AWS": "444455556666"})),))
    edge = g.edge(partner, ADMIN_ROLE)
    assert edge is not None and edge.technique == "sts-001" and "other account" in edge.note
    assert g.path(partner) is not None


GITHUB = f"{IAM}:oidc-provider/token.actions.githubusercontent.com"
OKTA = f"{IAM}:saml-provider/Okta"


def federated(provider: str, action: str, **condition: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": provider},
        "Action": action,
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_an_oidc_provider_reaches_the_role_its_tokens_may_assume() -> None:
    # IAM User Guide, id_roles_providers_oidc: AssumeRoleWithWebIdentity is not signed
    # with AWS credentials; the role's trust policy alone decides, on the token's claims
    sub = "token.actions.githubusercontent.com:sub"
    trusted = federated(GITHUB, "sts:AssumeRoleWithWebIdentity", StringLike={sub: "repo:acme/*"})
    g = graph(roles=(admin_role(trusted),))
    edge = g.edge(GITHUB, ADMIN_ROLE)
    assert edge is not None and edge.technique == "iw-assume-role-with-web-identity"
    assert edge.is_conditional and [c.key for c in edge.conditions] == [sub]
    assert "identity provider" in edge.note and recheck(edge)
    path = g.path(GITHUB)
    assert path is not None
    assert [h.technique for h in path.hops] == ["iw-assume-role-with-web-identity", "iw-admin"]


def test_a_saml_provider_reaches_the_role_with_assume_role_with_saml() -> None:
    # IAM User Guide, id_roles_providers_saml: the trust policy names the SAML provider
    trusted = federated(
        OKTA,
        "sts:AssumeRoleWithSAML",
        StringEquals={"SAML:aud": "https://signin.aws.amazon.com/saml"},
    )
    g = graph(roles=(admin_role(trusted),))
    edge = g.edge(OKTA, ADMIN_ROLE)
    assert edge is not None and edge.technique == "iw-assume-role-with-saml" and recheck(edge)


@pytest.mark.parametrize(
    "trusted",
    [
        # the provider is trusted for another action only
        federated(GITHUB, "sts:AssumeRole"),
        # a SAML provider's users call AssumeRoleWithSAML, never AssumeRoleWithWebIdentity
        federated(OKTA, "sts:AssumeRoleWithWebIdentity"),
        # an explicit Deny of the provider in the trust policy
        {
            "Version": "2012-10-17",
            "Statement": [
                federated(GITHUB, "sts:AssumeRoleWithWebIdentity")["Statement"][0],
                {
                    "Effect": "Deny",
                    "Principal": {"Federated": GITHUB},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                },
            ],
        },
    ],
)
def test_a_provider_the_trust_policy_does_not_let_in_has_no_edge(trusted: Any) -> None:
    g = graph(roles=(admin_role(trusted),))
    assert g.edge(GITHUB, ADMIN_ROLE) is None and g.edge(OKTA, ADMIN_ROLE) is None


def create_role_policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


CREATE_TEAM_ROLES = {
    "Effect": "Allow",
    "Action": ["iam:CreateRole", "iam:PutRolePolicy"],
    "Resource": f"{IAM}:role/team-*",
}


def test_creating_an_unbounded_role_and_assuming_it_is_admin() -> None:
    g = graph(users=(alice(create_role_policy(CREATE_TEAM_ROLES)),))
    edge = g.edge(ALICE, ADMIN)
    assert edge is not None and edge.technique == "iw-create-role"
    assert edge.actions == ("iam:CreateRole", "iam:PutRolePolicy", "sts:AssumeRole", "*")
    # asked at a name of the caller's pattern, and the trust policy it writes lets it in
    assert edge.decisions[0].request.resource == f"{IAM}:role/team-iamwarden-new"
    assert "without a permissions boundary" in edge.note and recheck(edge)


def test_attaching_administrator_access_to_the_new_role_counts_too() -> None:
    attach = {
        "Effect": "Allow",
        "Action": ["iam:CreateRole", "iam:AttachRolePolicy"],
        "Resource": "*",
    }
    g = graph(users=(alice(create_role_policy(attach)),))
    edge = g.edge(ALICE, ADMIN)
    assert edge is not None and "iam:AttachRolePolicy" in edge.actions


@pytest.mark.parametrize(
    "statements",
    [
        # a boundary is required on every role the caller creates
        (
            {
                **CREATE_TEAM_ROLES,
                "Action": "iam:CreateRole",
                "Condition": {
                    "StringEquals": {"iam:PermissionsBoundary": f"{IAM}:policy/Boundary"}
                },
            },
            {**CREATE_TEAM_ROLES, "Action": "iam:PutRolePolicy"},
        ),
        # no way to give the new role a policy
        ({**CREATE_TEAM_ROLES, "Action": "iam:CreateRole"},),
        # the policy may go on other roles than those it may create
        (
            {**CREATE_TEAM_ROLES, "Action": "iam:CreateRole"},
            {**CREATE_TEAM_ROLES, "Action": "iam:PutRolePolicy", "Resource": f"{IAM}:role/ops-*"},
        ),
        # an explicit Deny of assuming roles of the pattern
        (
            CREATE_TEAM_ROLES,
            {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": f"{IAM}:role/team-*"},
        ),
    ],
)
def test_creating_a_role_is_no_edge_when_a_step_is_denied(statements: Any) -> None:
    g = graph(users=(alice(create_role_policy(*statements)),))
    assert g.edge(ALICE, ADMIN) is None


def test_an_scp_denying_everything_but_reads_keeps_the_new_role_from_admin() -> None:
    org = scp_org({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*"})
    g = graph(users=(alice(create_role_policy(CREATE_TEAM_ROLES)),), organization=org)
    assert g.edge(ALICE, ADMIN) is None


# -- credentials -------------------------------------------------------------------------


def _key(n: int) -> AccessKey:
    return AccessKey(id=f"AKIA{n}", is_active=True)


def test_create_access_key_and_its_negatives() -> None:
    bob = user("bob", inline_policies=(inline("all", document=ALLOW_ALL),))
    g = graph(users=(alice(allow("iam:CreateAccessKey", BOB)), bob))
    assert techniques(g, ALICE, BOB) == {"iam-002"}
    g = graph(users=(alice(allow("iam:CreateAccessKey", f"{IAM}:user/carol")), bob))
    assert techniques(g, ALICE, BOB) == set()
    two_keys = user("bob", access_keys=(_key(1), _key(2)))
    g = graph(users=(alice(allow("iam:CreateAccessKey", BOB)), two_keys))
    assert techniques(g, ALICE, BOB) == set()  # a third key cannot be created
    g = graph(users=(alice(allow(["iam:CreateAccessKey", "iam:DeleteAccessKey"], BOB)), two_keys))
    assert techniques(g, ALICE, BOB) == {"iam-003"}


def test_login_profiles_follow_the_password_and_mfa() -> None:
    actions = ["iam:CreateLoginProfile", "iam:UpdateLoginProfile"]
    no_password = user("bob", has_console_password=False)
    g = graph(users=(alice(allow(actions, BOB)), no_password))
    assert techniques(g, ALICE, BOB) == {"iam-004"}
    password = user("bob", has_console_password=True)
    g = graph(users=(alice(allow(actions, BOB)), password))
    assert techniques(g, ALICE, BOB) == {"iam-006"}
    mfa = MfaDevice(serial="arn:aws:iam::1:mfa/bob", kind=MfaKind.VIRTUAL)
    guarded = user("bob", has_console_password=True, mfa_devices=(mfa,))
    g = graph(users=(alice(allow(actions, BOB)), guarded))
    assert techniques(g, ALICE, BOB) == set()


# -- policy changes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "technique"),
    [
        ("iam:PutUserPolicy", "iam-007"),
        ("iam:AttachUserPolicy", "iam-008"),
    ],
)
def test_changing_ones_own_user_policies_is_admin(action: str, technique: str) -> None:
    g = graph(users=(alice(allow(action, ALICE)),))
    assert technique in techniques(g, ALICE, ADMIN)
    assert g.path(ALICE) is not None


@pytest.mark.parametrize(
    ("action", "technique"),
    [("iam:PutRolePolicy", "iam-005"), ("iam:AttachRolePolicy", "iam-009")],
)
def test_changing_a_reachable_roles_policies_is_two_hops(action: str, technique: str) -> None:
    target = f"{IAM}:role/weak"
    weak = role("weak", trust=ACCOUNT_TRUST)
    g = graph(users=(alice(allow([action, "sts:AssumeRole"], target)),), roles=(weak,))
    assert technique in techniques(g, ALICE, ADMIN)
    edge = next(e for e in g.graph.edges[ALICE, ADMIN]["edges"] if e.technique == technique)
    assert edge.via == target and "sts-001" in edge.note and recheck(edge)
    g = graph(users=(alice(allow(action, target)),), roles=(weak,))
    assert g.path(ALICE) is None  # cannot become the role it changes


def test_attach_with_a_policy_arn_condition_that_excludes_admin() -> None:
    scoped = allow(
        "iam:AttachUserPolicy",
        ALICE,
        Condition={"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
    )
    assert graph(users=(alice(scoped),)).path(ALICE) is None


def test_a_boundary_on_the_target_stops_policy_writes() -> None:
    bounded = alice(allow("iam:PutUserPolicy", ALICE), permissions_boundary=f"{IAM}:policy/B")
    boundary = managed_policy("B", document=allow(["iam:PutUserPolicy", "s3:*"]))
    assert graph(users=(bounded,), policies=(boundary,)).path(ALICE) is None


def test_boundary_deletion_when_identity_alone_is_admin() -> None:
    boundary = managed_policy("B", document=allow(["iam:DeleteUserPermissionsBoundary"]))
    bounded = user(
        "alice",
        inline_policies=(inline("all", document=ALLOW_ALL),),
        permissions_boundary=boundary.arn,
    )
    g = graph(users=(bounded,), policies=(boundary,))
    assert "iw-delete-permissions-boundary" in techniques(g, ALICE, ADMIN)


def test_policy_versions() -> None:
    custom = managed_policy(
        "Custom", document=allow("iam:CreatePolicyVersion", f"{IAM}:policy/Custom")
    )
    g = graph(users=(user("alice", attached_policies=(custom.arn,)),), policies=(custom,))
    assert "iam-001" in techniques(g, ALICE, ADMIN)
    versions = (
        PolicyVersion(
            id="v2",
            document=doc(allow("iam:SetDefaultPolicyVersion", f"{IAM}:policy/Custom")),
            is_default=True,
        ),
        PolicyVersion(id="v1", document=doc(ALLOW_ALL), is_default=False),
    )
    old = managed_policy("Custom").__class__(name="Custom", arn=custom.arn, versions=versions)
    g = graph(users=(user("alice", attached_policies=(custom.arn,)),), policies=(old,))
    assert techniques(g, ALICE, ADMIN) == {"iw-set-default-policy-version"}


def test_aws_managed_policies_cannot_be_rewritten() -> None:
    aws = managed_policy("ReadOnly", account="aws", document=allow("iam:CreatePolicyVersion"))
    g = graph(users=(user("alice", attached_policies=(aws.arn,)),), policies=(aws,))
    assert g.path(ALICE) is None


def test_groups() -> None:
    from iamwarden.snapshot import Group

    devs = Group(name="devs", arn=f"{IAM}:group/devs")
    admins = Group(
        name="admins",
        arn=f"{IAM}:group/admins",
        inline_policies=(inline("all", document=ALLOW_ALL),),
    )
    member = alice(allow(["iam:PutGroupPolicy"], devs.arn), groups=("devs",))
    assert "iam-011" in techniques(graph(users=(member,), groups=(devs,)), ALICE, ADMIN)
    member = alice(allow(["iam:AttachGroupPolicy"], devs.arn), groups=("devs",))
    assert "iam-010" in techniques(graph(users=(member,), groups=(devs,)), ALICE, ADMIN)
    joiner = alice(allow("iam:AddUserToGroup", admins.arn))
    assert "iam-013" in techniques(graph(users=(joiner,), groups=(admins,)), ALICE, ADMIN)
    joiner = alice(allow("iam:AddUserToGroup", devs.arn))
    assert graph(users=(joiner,), groups=(devs, admins)).path(ALICE) is None


def test_update_assume_role_policy() -> None:
    g = graph(
        users=(alice(allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"], ADMIN_ROLE)),),
        roles=(admin_role(LAMBDA_TRUST),),
    )
    assert techniques(g, ALICE, ADMIN_ROLE) == {"iam-012"}
    g = graph(
        users=(alice(allow(["iam:UpdateAssumeRolePolicy"], f"{IAM}:role/x")),),
        roles=(admin_role(LAMBDA_TRUST),),
    )
    assert g.path(ALICE) is None


# -- pass role and compute ---------------------------------------------------------------


@pytest.mark.parametrize("technique", NEW_COMPUTE, ids=lambda t: t.id)
def test_every_new_compute_technique(technique: Any) -> None:
    target = admin_role(trust({"Service": technique.service}))
    compute = ()
    if technique.existing is not None:
        compute = (
            ComputeResource(
                arn=f"arn:aws:glue:us-east-1:{ACCOUNT_ID}:job/etl",
                kind=technique.existing,
                role_arn=f"{IAM}:role/other",
            ),
        )
    g = graph(
        users=(alice(allow(["iam:PassRole", *technique.actions])),),
        roles=(target, role("other")),
        compute=compute,
    )
    found = g.edge(ALICE, ADMIN_ROLE)
    assert found is not None
    assert set(TECHNIQUES[found.technique].actions) <= {"iam:PassRole", *technique.actions}
    assert all(recheck(e) for e in g.edges())
    # without PassRole: no edge
    g = graph(users=(alice(allow(list(technique.actions))),), roles=(target,), compute=compute)
    assert g.edge(ALICE, ADMIN_ROLE) is None


def test_passrole_negatives() -> None:
    create = ["lambda:CreateFunction", "lambda:InvokeFunction"]
    scoped_to_ec2 = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": create, "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            },
        ],
    }
    assert (
        graph(users=(alice(scoped_to_ec2),), roles=(admin_role(LAMBDA_TRUST),)).path(ALICE) is None
    )
    wrong_trust = admin_role(trust({"Service": "ec2.amazonaws.com"}))
    assert (
        graph(users=(alice(allow(["iam:PassRole", *create])),), roles=(wrong_trust,)).path(ALICE)
        is None
    )
    g = graph(users=(alice(allow(["iam:PassRole", *create])),), roles=(admin_role(LAMBDA_TRUST),))
    assert techniques(g, ALICE, ADMIN_ROLE) == {"lambda-001"}


_KIND_ARNS = {
    ComputeKind.LAMBDA_FUNCTION: f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:f",
    ComputeKind.EC2_INSTANCE: f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:instance/i-1",
    ComputeKind.CODEBUILD_PROJECT: f"arn:aws:codebuild:us-east-1:{ACCOUNT_ID}:project/p",
    ComputeKind.CLOUDFORMATION_STACK: f"arn:aws:cloudformation:us-east-1:{ACCOUNT_ID}:stack/s/1",
    ComputeKind.GLUE_DEV_ENDPOINT: f"arn:aws:glue:us-east-1:{ACCOUNT_ID}:devEndpoint/d",
    ComputeKind.SAGEMAKER_NOTEBOOK: f"arn:aws:sagemaker:us-east-1:{ACCOUNT_ID}:notebook-instance/n",
}


@pytest.mark.parametrize("technique", TAKEOVERS, ids=lambda t: t.id)
def test_every_takeover_technique(technique: Any) -> None:
    arn = _KIND_ARNS[technique.kind]
    compute = ComputeResource(arn=arn, kind=technique.kind, region="us-east-1", role_arn=ADMIN_ROLE)
    g = graph(
        users=(alice(allow(list(technique.actions))),),
        roles=(admin_role(LAMBDA_TRUST),),
        compute=(compute,),
    )
    edge = g.edge(ALICE, arn)
    assert edge is not None
    assert set(TECHNIQUES[edge.technique].actions) <= set(technique.actions)
    path = g.path(ALICE)
    assert path is not None and [h.target for h in path.hops] == [arn, ADMIN_ROLE, ADMIN]
    # resource scope: the actions on another resource only
    elsewhere = allow(list(technique.actions), f"{arn}-other")
    g = graph(users=(alice(elsewhere),), roles=(admin_role(LAMBDA_TRUST),), compute=(compute,))
    assert g.edge(ALICE, arn) is None


def test_scp_cuts_a_takeover() -> None:
    arn = _KIND_ARNS[ComputeKind.LAMBDA_FUNCTION]
    compute = ComputeResource(arn=arn, kind=ComputeKind.LAMBDA_FUNCTION, role_arn=ADMIN_ROLE)
    g = graph(
        users=(alice(allow("lambda:UpdateFunctionCode")),),
        roles=(admin_role(LAMBDA_TRUST),),
        compute=(compute,),
        organization=scp_org({"Effect": "Deny", "Action": "lambda:Update*", "Resource": "*"}),
    )
    assert g.path(ALICE) is None


# -- graph -------------------------------------------------------------------------------


def test_multi_hop_user_role_lambda_admin() -> None:
    hop = f"{IAM}:role/hop"
    middle = role(
        "hop",
        trust=ACCOUNT_TRUST,
        inline_policies=(
            inline(
                "p",
                document=allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]),
            ),
        ),
    )
    g = graph(
        users=(alice(allow("sts:AssumeRole", hop)),),
        roles=(middle, admin_role(LAMBDA_TRUST)),
    )
    path = g.path(ALICE)
    assert path is not None
    assert [h.technique for h in path.hops] == ["sts-001", "lambda-001", "iw-admin"]
    assert all(recheck(h) for h in path.hops)
    assert ALICE not in [p.source for p in g.paths_to(max_hops=2)]
    assert ALICE in [p.source for p in g.paths_to(max_hops=3)]


def test_cycles_without_admin() -> None:
    a, b = f"{IAM}:role/a", f"{IAM}:role/b"
    ra = role(
        "a",
        trust=ACCOUNT_TRUST,
        inline_policies=(inline("p", document=allow("sts:AssumeRole", b)),),
    )
    rb = role(
        "b",
        trust=ACCOUNT_TRUST,
        inline_policies=(inline("p", document=allow("sts:AssumeRole", a)),),
    )
    g = graph(roles=(ra, rb))
    assert techniques(g, a, b) == techniques(g, b, a) == {"sts-001"}
    assert g.path(a) is None and g.path(a, b) is not None


def test_every_demo_edge_rechecks() -> None:
    from iamwarden.snapshot.demo import demo_snapshot

    g = build_graph(demo_snapshot(), load_catalog())
    edges = list(g.edges())
    assert edges and all(recheck(e) for e in edges if e.decisions)


def test_corpus_techniques_are_all_accounted_for() -> None:
    if not CORPUS.is_dir():
        pytest.skip("privesc-paths corpus not present")
    ids = {p.stem for p in CORPUS.rglob("*.yaml")}
    assert len(ids) == 65  # the corpus README says 66; 65 files are present
    assert ids <= set(TECHNIQUES) | set(COMPOSED) | set(UNDECIDABLE)
    catalog = load_catalog()
    for technique in TECHNIQUES.values():
        for action in technique.actions:
            assert action == "*" or catalog.info(action) is not None, (technique.id, action)


def test_public_surface() -> None:
    from iamwarden.analysis import escalation

    modules = {
        "asking",
        "assume_role",
        "create_role",
        "credentials",
        "cut",
        "describe",
        "export",
        "graph",
        "model",
        "passrole",
        "policy_changes",
        "takeover",
        "techniques",
        "who_can",
    }
    public = {name for name in dir(escalation) if not name.startswith("_")}
    assert public - modules == set(escalation.__all__)


def test_a_new_version_replaces_the_policys_own_denies() -> None:
    both = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
        ],
    }
    custom = managed_policy("Custom", document=both)
    g = graph(users=(user("alice", attached_policies=(custom.arn,)),), policies=(custom,))
    assert "iam-001" in techniques(g, ALICE, ADMIN)  # the Deny goes with the old version
