"""The bulk query: one request asked of many resource ARNs agrees with `evaluate` on each"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from iamwarden.policy import (
    Decision,
    Evaluation,
    PolicyKind,
    PolicySet,
    Request,
    ResourceList,
    allowed_resources,
    evaluate,
    evaluate_resources,
    parse_policy,
)
from iamwarden.policy.engine.authorizer import evaluate_uncached

HOME, OTHER = "111122223333", "444455556666"
ALICE = f"arn:aws:iam::{HOME}:user/alice"
IAM = f"arn:aws:iam::{HOME}"

RESOURCES = (
    f"{IAM}:role/team1-app",
    f"{IAM}:role/team1-db",
    f"{IAM}:role/team2-app",
    f"{IAM}:role/aws-service-role/lambda.amazonaws.com/AWSServiceRoleForLambda",
    f"{IAM}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin",
    f"arn:aws:iam::{OTHER}:role/team1-app",
    f"{IAM}:user/alice",
    f"{IAM}:user/bob",
    f"arn:aws:iam::{OTHER}:user/alice",
    f"{IAM}:policy/team1-policy",
    "arn:aws:iam::aws:policy/AdministratorAccess",
    f"arn:aws:kms:us-east-1:{HOME}:key/1234",
    f"arn:aws:kms:us-east-1:{HOME}:alias/app",
    f"arn:aws:kms:us-east-1:{HOME}:alias/aws/s3",
    "arn:aws:s3:::docs/a.txt",
    f"{IAM}:role/team1-*",
    "not-an-arn",
    f"{IAM}:role/team1-app",
)


def _policy(kind: PolicyKind, name: str, *statements: dict[str, Any]) -> Any:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return parse_policy(json.dumps(document), name=name, kind=kind)


def _identity(*statements: dict[str, Any]) -> Any:
    return _policy(PolicyKind.IDENTITY, "identity", *statements)


def _answer(result: Evaluation) -> tuple[object, ...]:
    return (
        result.decision,
        result.reasons,
        result.undecided,
        result.errors,
        result.deciding_kind,
        result.notes,
        result.missing_context,
    )


def _agrees(request: Request, policies: PolicySet, resources: tuple[str, ...]) -> None:
    classes = evaluate_resources(request, policies, resources)
    seen: dict[int, Evaluation] = {}
    for found in classes:
        for i in found.indexes():
            assert i not in seen
            seen[i] = found.evaluation
    assert sorted(seen) == list(range(len(resources)))
    for i, resource in enumerate(resources):
        asked = replace(request, resource=resource)
        assert _answer(seen[i]) == _answer(evaluate(asked, policies)), resource
        assert _answer(seen[i]) == _answer(evaluate_uncached(asked, policies)), resource


ALLOW_TEAM = {
    "Effect": "Allow",
    "Action": ["sts:AssumeRole", "iam:*"],
    "Resource": f"{IAM}:role/team1-*",
}
ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
DENY_DB = {"Effect": "Deny", "Action": "*", "Resource": f"{IAM}:role/team1-db"}
NOT_RESOURCE = {"Effect": "Allow", "Action": "iam:*", "NotResource": f"{IAM}:user/*"}
SELF = {
    "Effect": "Allow",
    "Action": "iam:CreateAccessKey",
    "Resource": f"{IAM}:user/${{aws:username}}",
}
MFA = {
    "Effect": "Allow",
    "Action": "iam:*",
    "Resource": f"{IAM}:user/*",
    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
}
TAGGED = {
    "Effect": "Allow",
    "Action": "sts:AssumeRole",
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:ResourceAccount": OTHER}},
}


@pytest.mark.parametrize(
    "statements",
    [
        (ALLOW_TEAM,),
        (ALLOW_TEAM, DENY_DB),
        (ALLOW_ALL,),
        (ALLOW_ALL, DENY_DB),
        (NOT_RESOURCE,),
        (SELF,),
        (SELF, ALLOW_TEAM),
        (MFA,),
        (TAGGED, ALLOW_TEAM),
    ],
)
@pytest.mark.parametrize(
    "action",
    [
        "sts:AssumeRole",
        "iam:PutRolePolicy",
        "iam:CreateAccessKey",
        "iam:CreatePolicyVersion",
        "kms:Decrypt",
        "kms:CreateAlias",
        "iam:Put*",
        "sts:GetCallerIdentity",
    ],
)
def test_bulk_agrees_with_evaluate(statements: tuple[dict[str, Any], ...], action: str) -> None:
    request = Request(
        principal=ALICE,
        action=action,
        unknown_keys=frozenset({"aws:MultiFactorAuthPresent"}),
    )
    _agrees(request, PolicySet(identity=(_identity(*statements),)), RESOURCES)


def test_bulk_with_resource_policy_and_boundary() -> None:
    trust = _policy(
        PolicyKind.RESOURCE,
        "trust",
        {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"},
    )
    key_policy = _policy(
        PolicyKind.RESOURCE,
        "key",
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{HOME}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
    )
    boundary = _policy(
        PolicyKind.PERMISSIONS_BOUNDARY,
        "boundary",
        {"Effect": "Allow", "Action": ["sts:*", "kms:*"], "Resource": f"{IAM}:role/team1-app"},
    )
    for resource_policy in (trust, key_policy):
        for bounded in (None, boundary):
            policies = PolicySet(
                identity=(_identity(ALLOW_ALL),),
                resource=resource_policy,
                permissions_boundary=bounded,
            )
            for action in ("sts:AssumeRole", "kms:Decrypt"):
                _agrees(Request(principal=ALICE, action=action), policies, RESOURCES)


def test_bulk_with_scps_and_other_principals() -> None:
    scp = _policy(
        PolicyKind.SCP, "scp", {"Effect": "Allow", "Action": "*", "Resource": "*"}, DENY_DB
    )
    policies = PolicySet(identity=(_identity(ALLOW_TEAM, SELF),), scps=((scp,),))
    for principal in (
        ALICE,
        f"{IAM}:user/bob",
        f"{IAM}:role/team1-app",
        HOME,
        "lambda.amazonaws.com",
    ):
        for action in ("sts:AssumeRole", "iam:CreateAccessKey", "iam:PutRolePolicy"):
            _agrees(Request(principal=principal, action=action), policies, RESOURCES)


def test_classes_share_one_decision() -> None:
    roles = tuple(f"{IAM}:role/team{t}-r{n}" for t in range(3) for n in range(50))
    policies = PolicySet(identity=(_identity(ALLOW_TEAM, DENY_DB),))
    request = Request(principal=ALICE, action="iam:PutRolePolicy")
    classes = evaluate_resources(request, policies, roles)
    # team1 roles, the rest: two decisions for 150 roles
    assert len(classes) == 2
    allowed = [c for c in classes if c.is_allowed]
    assert [roles[i] for i in allowed[0].indexes()] == [r for r in roles if "team1-" in r]


def test_allowed_resources_and_reuse_of_a_list() -> None:
    listed = ResourceList(RESOURCES)
    policies = PolicySet(identity=(_identity(ALLOW_TEAM, DENY_DB),))
    request = Request(principal=ALICE, action="iam:PutRolePolicy")
    found = allowed_resources(request, policies, listed)
    assert [arn for arn, _ in found] == [
        f"{IAM}:role/team1-app",
        f"{IAM}:role/team1-*",
        f"{IAM}:role/team1-app",
    ]
    assert all(e.decision is Decision.ALLOWED for _, e in found)
    # the same list for another principal and action
    other = Request(principal=f"{IAM}:user/bob", action="sts:AssumeRole")
    assert allowed_resources(other, policies, listed) == []
    assert evaluate_resources(request, policies, ()) == ()


def test_memo_keeps_a_kms_key_apart_from_its_alias() -> None:
    # an identity Allow suffices for an alias, not for a key (its key policy must grant)
    policies = PolicySet(
        identity=(_identity({"Effect": "Allow", "Action": "kms:*", "Resource": "*"}),)
    )
    alias = Request(principal=ALICE, action="kms:Decrypt", resource=RESOURCES[12])
    key = replace(alias, resource=RESOURCES[11])
    assert evaluate(alias, policies).decision is Decision.ALLOWED
    assert evaluate(key, policies).decision is Decision.IMPLICIT_DENY


def test_shared_key_tells_apart_only_what_can_differ() -> None:
    from iamwarden.policy import shared_key

    bob = f"{IAM}:user/bob"
    static = PolicySet(identity=(_identity(ALLOW_TEAM, DENY_DB),))
    request = Request(principal=ALICE, action="iam:PutRolePolicy", resource=RESOURCES[0])
    same = shared_key(request, static)
    assert same is not None
    assert shared_key(replace(request, principal=bob), static) == same
    # a role is another kind of principal
    assert shared_key(replace(request, principal=f"{IAM}:role/x"), static) != same
    # a policy variable in Resource depends on who asks
    assert (
        shared_key(
            replace(request, action="iam:CreateAccessKey"), PolicySet(identity=(_identity(SELF),))
        )
        is None
    )
    # a resource policy names principals
    trust = _policy(
        PolicyKind.RESOURCE,
        "trust",
        {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"},
    )
    assert shared_key(request, PolicySet(identity=(_identity(ALLOW_TEAM),), resource=trust)) is None
    # a condition: the key holds the values read
    tagged = PolicySet(
        identity=(
            _identity(
                {
                    "Effect": "Allow",
                    "Action": "iam:*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "red"}},
                }
            ),
        )
    )
    red = replace(request, principal_tags={"team": "red"})
    blue = replace(request, principal=bob, principal_tags={"team": "blue"})
    assert shared_key(red, tagged) != shared_key(blue, tagged)
    assert shared_key(red, tagged) == shared_key(replace(red, principal=bob), tagged)
    # the same statements in another policy set (another unrelated policy beside) share
    other = PolicySet(
        identity=(
            _identity(ALLOW_TEAM, DENY_DB),
            _policy(
                PolicyKind.IDENTITY, "s3", {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
            ),
        )
    )
    assert shared_key(request, other) == same


def test_a_service_linked_role_is_spared_only_its_own_services_roles_in_bulk() -> None:
    """The guardrail on service-linked roles spares the owning service alone (IAM User
    Guide, using-service-linked-roles.md): a list of several services' roles splits by
    owner, and each class agrees with `evaluate`"""
    from iamwarden.policy import shared_key

    lambda_slr = f"{IAM}:role/aws-service-role/lambda.amazonaws.com/AWSServiceRoleForLambda"
    roles = (
        *(
            f"{IAM}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS{n}"
            for n in range(3)
        ),
        lambda_slr,
        f"{IAM}:role/aws-service-role/lambda.amazonaws.com/AWSServiceRoleForLambdaExtra",
        f"{IAM}:role/app",
    )
    policies = PolicySet(identity=(_identity({"Effect": "Allow", "Action": "*", "Resource": "*"}),))
    request = Request(principal=lambda_slr, action="iam:PutRolePolicy")
    allowed = [arn for arn, _ in allowed_resources(request, policies, roles)]
    assert allowed == [*roles[3:]]
    for arn in roles:
        asked = replace(request, resource=arn)
        expected = evaluate_uncached(asked, policies).decision
        assert evaluate(asked, policies).decision is expected
    # two service-linked roles of different services do not share decisions
    ecs_slr = f"{IAM}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
    on_lambda = replace(request, resource=lambda_slr)
    assert shared_key(on_lambda, policies) != shared_key(
        replace(on_lambda, principal=ecs_slr), policies
    )
