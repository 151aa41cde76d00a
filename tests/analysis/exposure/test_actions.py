"""Which actions external access asks about on a resource: the actions a policy allows that
can apply to it, by the ARN formats of their resource types (Service Authorization
Reference, "Resource types")"""

from __future__ import annotations

import pytest

from iamwarden.analysis.exposure.actions import action_classes
from iamwarden.policy import Catalog, PolicyKind, load_catalog, parse_policy

ACCOUNT = "111122223333"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _asked(catalog: Catalog, resource: str) -> frozenset[str]:
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
        },
        name="resource.json",
        kind=PolicyKind.RESOURCE,
    )
    return frozenset(a for c in action_classes(catalog, policy, resource) for a in c.actions)


@pytest.mark.parametrize(
    ("resource", "action", "asked"),
    [
        (f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs", "sqs:SendMessage", True),
        # an action of no resource type applies to no resource
        (f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs", "sqs:ListQueues", False),
        (f"arn:aws:iam::{ACCOUNT}:role/app", "sts:AssumeRole", True),
        (f"arn:aws:iam::{ACCOUNT}:role/app", "sts:GetCallerIdentity", False),
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", "lambda:InvokeFunction", True),
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", "lambda:GetLayerVersion", False),
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:l:1", "lambda:GetLayerVersion", True),
        # an ARN the account data spells in another case than the catalogue is still asked
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:KEY/k", "kms:Decrypt", True),
        # a wildcard where a format has a `${Variable}` fits it
        (f"arn:aws:sqs:us-east-1:{ACCOUNT}:*", "sqs:SendMessage", True),
        # so does a wildcard where a format has text (a pattern may name any type it spans)
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:k?y/k", "kms:Decrypt", True),
        # a `${Variable}` of a format fits an empty segment
        (f"arn:aws:sqs::{ACCOUNT}:jobs", "sqs:SendMessage", True),
        # the `*` of a catalogue format stands for any text
        (f"arn:aws:dms:us-east-1:{ACCOUNT}:replication-config:A", "dms:StartReplication", True),
    ],
)
def test_an_action_is_asked_on_a_resource_it_can_apply_to(
    catalog: Catalog, resource: str, action: str, asked: bool
) -> None:
    assert (action in _asked(catalog, resource)) is asked


def test_a_bucket_and_its_objects_are_asked_by_resource_type(catalog: Catalog) -> None:
    """S3: a bucket policy governs the bucket (`bucket` type) and its objects (`object`)"""
    bucket = "arn:aws:s3:::data"
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
        },
        name="bucket.json",
        kind=PolicyKind.RESOURCE,
    )
    by_resource: dict[str, set[str]] = {}
    for found in action_classes(catalog, policy, bucket):
        by_resource.setdefault(found.resource, set()).update(found.actions)
    assert "s3:ListBucket" in by_resource[bucket]
    assert "s3:GetObject" not in by_resource[bucket]
    assert "s3:GetObject" in by_resource[f"{bucket}/*"]
