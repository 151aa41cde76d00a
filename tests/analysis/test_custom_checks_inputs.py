"""Custom policy checks: inputs they refuse, what they may ask, how they say it (review of
issue 14, items 11 and 13)"""

from __future__ import annotations

from typing import Any

import pytest

from iamwarden.analysis.custom_checks import (
    CheckOutcome,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
)
from iamwarden.errors import InputError
from iamwarden.policy import Catalog, Policy, PolicyKind, load_catalog, parse_policy


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _policy(*statements: dict[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    return parse_policy(
        {"Version": "2012-10-17", "Statement": list(statements)}, name="p.json", kind=kind
    )


GITHUB = "token.actions.githubusercontent.com"
EVERYTHING = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"})


@pytest.mark.parametrize("resource", ["notarn", "bucket/*", "arn:aws:s3"])
def test_access_not_granted_refuses_a_resource_that_is_no_arn(
    catalog: Catalog, resource: str
) -> None:
    with pytest.raises(InputError, match="is not an ARN") as raised:
        check_access_not_granted(
            EVERYTHING, ["iam:PassRole"], resources=[resource], catalog=catalog
        )
    assert raised.value.location == "--resources"


def test_an_action_is_not_granted_on_a_resource_it_cannot_apply_to(catalog: Catalog) -> None:
    """Service Authorization Reference: iam:PassRole's only resource type is `role`, so it
    is granted on no bucket; s3:ListBucket's is `bucket`"""
    bucket = ["arn:aws:s3:::b"]
    result = check_access_not_granted(
        EVERYTHING, ["iam:PassRole"], resources=bucket, catalog=catalog
    )
    assert result.outcome is CheckOutcome.PASS
    assert result.message == "the policy grants no `iam:PassRole`"
    result = check_access_not_granted(
        EVERYTHING, ["iam:PassRole", "s3:ListBucket"], resources=bucket, catalog=catalog
    )
    assert result.outcome is CheckOutcome.FAIL
    assert [r.actions for r in result.reasons] == [("s3:ListBucket",)]
    role = ["arn:aws:iam::111122223333:role/app"]
    result = check_access_not_granted(EVERYTHING, ["iam:PassRole"], resources=role, catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL


def test_no_public_access_refuses_an_identity_policy(catalog: Catalog) -> None:
    identity = _policy(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, kind=PolicyKind.RESOURCE
    )
    with pytest.raises(InputError, match="names no `Principal`") as raised:
        check_no_public_access(identity, "AWS::S3::Bucket", catalog=catalog)
    assert raised.value.location == "Statement[0]"


def test_no_new_access_refuses_a_trust_policy_against_a_bucket_policy(catalog: Catalog) -> None:
    bucket = _policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
        kind=PolicyKind.RESOURCE,
    )
    trust = _policy(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
        kind=PolicyKind.RESOURCE,
    )
    with pytest.raises(InputError, match="role trust policy"):
        check_no_new_access(bucket, trust, catalog=catalog)
    assert check_no_new_access(trust, trust, catalog=catalog).is_pass


def _from(cidr: str) -> Policy:
    return _policy(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"IpAddress": {"aws:SourceIp": cidr}},
        }
    )


@pytest.mark.parametrize(
    ("old", "new", "outcome"),
    [
        ("10.0.0.0/8", "10.1.0.0/16", CheckOutcome.PASS),
        ("10.0.0.0/8", "10.1.2.3", CheckOutcome.PASS),
        ("10.0.0.0/16", "10.0.0.0/8", CheckOutcome.FAIL),
        ("10.0.0.0/16", "192.168.0.0/16", CheckOutcome.FAIL),
        ("2001:db8::/32", "2001:db8:1::/48", CheckOutcome.PASS),
    ],
)
def test_a_source_range_inside_the_old_one_is_no_new_access(
    catalog: Catalog, old: str, new: str, outcome: CheckOutcome
) -> None:
    """IAM User Guide, IP address condition operators: a request from inside the new range
    is inside the old one, so nothing new is allowed; a wider or other range is new access,
    decided (an address in it and not in the old one exists)"""
    result = check_no_new_access(_from(old), _from(new), catalog=catalog)
    assert result.outcome is outcome, result


@pytest.mark.parametrize(
    "principal",
    [
        {"Federated": "accounts.google.com"},
        {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{GITHUB}"},
        {"AWS": "*"},
    ],
)
def test_public_trust_reasons_name_one_made_up_account(
    catalog: Catalog, principal: dict[str, str]
) -> None:
    action = "sts:AssumeRoleWithWebIdentity" if "Federated" in principal else "sts:AssumeRole"
    trust = _policy(
        {"Effect": "Allow", "Principal": principal, "Action": action}, kind=PolicyKind.RESOURCE
    )
    result = check_no_public_access(trust, "AWS::IAM::AssumeRolePolicyDocument", catalog=catalog)
    assert [r.resource for r in result.reasons] == [
        "arn:aws:iam::444455556666:role/iamwarden-check"
    ]
