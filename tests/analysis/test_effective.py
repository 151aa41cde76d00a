"""Effective permissions of one principal (`analysis.effective`, issue 8 §1)"""

from __future__ import annotations

from typing import Any

import pytest

from iamwarden.analysis.effective import effective_permissions
from iamwarden.errors import InputError
from iamwarden.policy import load_catalog
from tests.builders import ACCOUNT_ID, inline, managed_policy, snapshot, user

BUCKET = "arn:aws:s3:::reports/*"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _grants(snap: Any, principal: str, service: str | None = None) -> dict[str, Any]:
    found = effective_permissions(snap, principal, catalog=load_catalog(), service=service)
    return {g.action: g for g in found.grants}


ALICE = f"arn:aws:iam::{ACCOUNT_ID}:user/alice"


def test_scoped_statements_list_their_resources_and_access_levels() -> None:
    snap = snapshot(
        users=(
            user(
                inline_policies=(
                    inline(
                        document=_policy(
                            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": BUCKET},
                            {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
                        )
                    ),
                )
            ),
        )
    )
    grants = _grants(snap, ALICE)
    assert set(grants) == {"s3:GetObject", "s3:ListAllMyBuckets", "sts:GetCallerIdentity"}
    assert grants["s3:GetObject"].resources == (BUCKET,)
    assert grants["s3:GetObject"].access_level == "Read"
    assert grants["s3:ListAllMyBuckets"].resources == ("*",)
    assert grants["s3:ListAllMyBuckets"].access_level == "List"


def test_a_permissions_boundary_limits_what_is_listed() -> None:
    """IAM User Guide, access_policies_boundaries.md: the effective permissions are the
    intersection of the identity policies and the boundary"""
    boundary = managed_policy(
        "Boundary", document=_policy({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})
    )
    snap = snapshot(
        users=(user(inline_policies=(inline(),), permissions_boundary=boundary.arn),),
        policies=(boundary,),
    )
    grants = _grants(snap, ALICE)
    always = grants.pop("sts:GetCallerIdentity")  # needs no permission (STS API reference)
    assert always.notes and "needs no permission" in always.notes[0]
    assert grants and all(a.startswith("s3:Get") for a in grants)


def test_an_explicit_deny_removes_actions_and_a_conditional_one_is_a_condition() -> None:
    snap = snapshot(
        users=(
            user(
                inline_policies=(
                    inline(
                        document=_policy(
                            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
                            {
                                "Effect": "Deny",
                                "Action": "s3:PutObject",
                                "Resource": "*",
                                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
                            },
                        )
                    ),
                )
            ),
        )
    )
    grants = _grants(snap, ALICE, service="s3")
    assert "s3:DeleteBucket" not in grants
    conditions = grants["s3:PutObject"].conditions
    assert [c.key for c in conditions] == ["aws:MultiFactorAuthPresent"]
    assert not grants["s3:GetObject"].conditions


def test_a_missing_attached_policy_is_not_assessed_rather_than_listed() -> None:
    snap = snapshot(users=(user(attached_policies=("arn:aws:iam::aws:policy/Gone",)),))
    found = effective_permissions(snap, ALICE, catalog=load_catalog())
    assert found.grants == ()
    assert found.not_assessed == ("policy `arn:aws:iam::aws:policy/Gone` is not in the snapshot",)


def test_an_unknown_principal_or_service_is_an_input_error() -> None:
    snap = snapshot(users=(user(),))
    with pytest.raises(InputError, match="not a user or role"):
        effective_permissions(
            snap, f"arn:aws:iam::{ACCOUNT_ID}:user/nobody", catalog=load_catalog()
        )
    with pytest.raises(InputError, match="not a service prefix"):
        effective_permissions(snap, ALICE, catalog=load_catalog(), service="nosuchservice")


def test_an_action_with_several_access_levels_shows_the_most_sensitive() -> None:
    """s3:PutBucketPolicy is Write and Permissions management (newcomer review: `permissions`
    said Write while `access` said permissions management)"""
    snap = snapshot(
        users=(
            user(
                inline_policies=(
                    inline(
                        document=_policy(
                            {"Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "*"}
                        )
                    ),
                )
            ),
        )
    )
    assert _grants(snap, ALICE)["s3:PutBucketPolicy"].access_level == "Permissions management"


def test_each_action_lists_only_the_statement_resources_of_its_own_types() -> None:
    """One statement over S3, Secrets Manager and EC2 resources: each action is on its own
    (newcomer review: TerminateInstances was shown "on" the bucket and the secret)"""
    bucket, secret = "arn:aws:s3:::app-bucket/*", "arn:aws:secretsmanager:*:*:secret:app/*"
    instance = f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:instance/i-0123456789abcdef0"
    statement = {
        "Effect": "Allow",
        "Action": ["s3:GetObject", "secretsmanager:GetSecretValue", "ec2:TerminateInstances"],
        "Resource": [bucket, secret, instance],
    }
    snap = snapshot(users=(user(inline_policies=(inline(document=_policy(statement)),)),))
    grants = _grants(snap, ALICE)
    assert grants["s3:GetObject"].resources == (bucket,)
    assert grants["secretsmanager:GetSecretValue"].resources == (secret,)
    assert grants["ec2:TerminateInstances"].resources == (instance,)
