"""Lint `resource_type_mismatch`: a `Resource` entry that fits no ARN format of the
statement's actions' resource types (Service Authorization Reference, "Resource types")"""

from __future__ import annotations

from typing import Any

import pytest

from iamwarden.policy.lint import lint_policy

ACCOUNT = "111122223333"


def _mismatched(actions: str | list[str], resource: str) -> bool:
    doc: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}],
    }
    return "resource_type_mismatch" in {d.code for d in lint_policy(doc)}


@pytest.mark.parametrize(
    ("actions", "resource", "mismatched"),
    [
        ("s3:ListBucket", "arn:aws:s3:::b", False),
        ("s3:GetObject", "arn:aws:s3:::b", True),
        # one of the statement's actions fitting is enough
        (["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::b", False),
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app", False),
        # ARNs compare case-sensitively, as IAM compares them
        ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k", False),
        ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:KEY/k", True),
        # a pattern may name a resource of any type it spans
        ("iam:PassRole", "arn:aws:s3:::b*", False),
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:ro?e/app", False),
        ("s3:ListAllMyBuckets", "arn:aws:s3:::b*", False),
        # an action with several resource types fits each of them
        ("ssm:SendCommand", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1", False),
        ("ssm:SendCommand", f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/d", False),
        ("ssm:SendCommand", f"arn:aws:iam::{ACCOUNT}:role/app", True),
        # an action of no resource type fits no ARN (IAM: it needs `"Resource": "*"`)
        ("s3:ListAllMyBuckets", "arn:aws:s3:::b", True),
        # a `${Variable}` of a format fits an empty segment (AWS-owned SSM parameters)
        ("s3:ListBucket", "arn:aws:s3:::", False),
        ("sqs:SendMessage", f"arn:aws:sqs::{ACCOUNT}:q", False),
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1::parameter/aws/service/x", False),
        # the `*` of a catalogue format stands for any text
        ("dms:StartReplication", f"arn:aws:dms:us-east-1:{ACCOUNT}:replication-config:A", False),
    ],
)
def test_a_resource_fitting_no_format_of_the_actions_is_reported(
    actions: str | list[str], resource: str, mismatched: bool
) -> None:
    assert _mismatched(actions, resource) is mismatched
