"""Custom checks: whether an action is asked about on a `--resources` ARN, decided by the ARN
formats of the action's resource types (Service Authorization Reference, "Resource types")

A policy that allows everything grants an action on a resource exactly when the action can
apply to it, so FAIL (granted) or PASS (not granted) shows what the check decided.
"""

from __future__ import annotations

import pytest

from iamwarden.analysis.custom_checks import CheckOutcome, check_access_not_granted
from iamwarden.policy import Catalog, PolicyKind, load_catalog, parse_policy

EVERYTHING = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    name="p.json",
    kind=PolicyKind.IDENTITY,
)
ACCOUNT = "111122223333"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _granted(catalog: Catalog, action: str, resource: str) -> bool:
    result = check_access_not_granted(EVERYTHING, [action], resources=[resource], catalog=catalog)
    return result.outcome is CheckOutcome.FAIL


@pytest.mark.parametrize(
    ("action", "resource", "granted"),
    [
        # a resource of one of the action's types, and of none
        ("s3:ListBucket", "arn:aws:s3:::b", True),
        ("s3:GetObject", "arn:aws:s3:::b", False),
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app", True),
        # ARNs compare case-sensitively, as IAM compares them
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:Role/app", False),
        # a pattern may name a resource of any type it spans
        ("iam:PassRole", "arn:aws:s3:::b*", True),
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:ro?e/app", True),
        ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:*", True),
        # an action with several resource types fits each of them
        ("ssm:SendCommand", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1", True),
        ("ssm:SendCommand", f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/d", True),
        ("ssm:SendCommand", f"arn:aws:iam::{ACCOUNT}:role/app", False),
        # an action of no resource type, or one the catalogue does not list, is asked anyway
        ("s3:ListAllMyBuckets", "arn:aws:s3:::b", True),
        ("nosuchservice:DoThing", "arn:aws:s3:::b", True),
        # a `${Variable}` of a format fits an empty segment: an AWS-owned SSM parameter has
        # no account, and a policy allowing everything grants `ssm:GetParameter` on it
        ("s3:ListBucket", "arn:aws:s3:::", True),
        ("sqs:SendMessage", f"arn:aws:sqs::{ACCOUNT}:q", True),
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1::parameter/aws/service/x", True),
        # the `*` of a catalogue format stands for any text
        ("dms:StartReplication", f"arn:aws:dms:us-east-1:{ACCOUNT}:replication-config:A", True),
    ],
)
def test_an_action_is_asked_on_a_resource_it_can_apply_to(
    catalog: Catalog, action: str, resource: str, granted: bool
) -> None:
    assert _granted(catalog, action, resource) is granted
