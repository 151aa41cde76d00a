"""Whether an ARN fits an action's resource types, as `Catalog.fits_resource_type` answers:
one table for the catalogue's tests and for those of the callers (lint, custom checks)

Each row is (action, ARN, answer): True (fits, or a pattern), False, or None (the catalogue
gives the action no ARN format). Service Authorization Reference, the ARN column of each
service's "Resource types" table.
"""

from __future__ import annotations

ACCOUNT = "111122223333"

FITS: tuple[tuple[str, str, bool | None], ...] = (
    # a resource of one of the action's types, and of none
    ("s3:ListBucket", "arn:aws:s3:::b", True),
    ("s3:GetObject", "arn:aws:s3:::b", False),
    ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app", True),
    ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k", True),
    # ARNs compare case-sensitively, as IAM compares them
    ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:KEY/k", False),
    # a pattern may name a resource of any type it spans
    ("iam:PassRole", "arn:aws:s3:::b*", True),
    ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:ro?e/app", True),
    ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:*", True),
    ("s3:ListAllMyBuckets", "arn:aws:s3:::b*", True),
    # an action with several resource types fits each of them
    ("ssm:SendCommand", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1", True),
    ("ssm:SendCommand", f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/d", True),
    ("ssm:SendCommand", f"arn:aws:iam::{ACCOUNT}:role/app", False),
    # an action of no resource type has no ARN format
    ("s3:ListAllMyBuckets", "arn:aws:s3:::b", None),
    # a `${Variable}` of a format fits an empty segment (an AWS-owned SSM parameter has no
    # account), and the `*` of a catalogue format stands for any text
    ("s3:ListBucket", "arn:aws:s3:::", True),
    ("sqs:SendMessage", f"arn:aws:sqs::{ACCOUNT}:q", True),
    ("ssm:GetParameter", "arn:aws:ssm:us-east-1::parameter/aws/service/x", True),
    ("dms:StartReplication", f"arn:aws:dms:us-east-1:{ACCOUNT}:replication-config:A", True),
)
