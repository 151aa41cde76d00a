"""Whether an ARN fits an action's resource types, as `Catalog.fits_resource_type` answers:
one table for the catalogue's tests and for those of the callers (lint, custom checks)

Each row is (action, ARN or `Resource` pattern, answer): True (fits: for a pattern, some ARN
matches both it and a format), False, or None (the catalogue gives the action no ARN format).
Service Authorization Reference, the ARN column of each service's "Resource types" table.
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
    # a pattern fits when some ARN matches both it and a format
    ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:ro?e/app", True),
    ("iam:PassRole", "arn:*:*:*:*:role/app", True),
    ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:*", True),
    ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:?", True),
    ("s3:GetObject", "arn:aws:s3:::b*", True),
    ("s3:GetObject", "arn:aws:s3:::b/*", True),
    ("iam:PassRole", "arn:aws:s3:::b*", False),
    ("iam:PassRole", "arn:aws:s3:::b/*", False),
    ("iam:PassRole", f"arn:aws:sqs:*:{ACCOUNT}:*", False),
    ("s3:GetObject", "arn:aws:s3:::b?", False),
    # a pattern on an action of no resource type may name what it spans
    ("s3:ListAllMyBuckets", "arn:aws:s3:::b*", True),
    # an action with several resource types fits each of them
    ("ssm:SendCommand", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1", True),
    ("ssm:SendCommand", f"arn:aws:ssm:us-east-1:{ACCOUNT}:document/d", True),
    ("ssm:SendCommand", f"arn:aws:iam::{ACCOUNT}:role/app", False),
    # an action of no resource type has no ARN format
    ("s3:ListAllMyBuckets", "arn:aws:s3:::b", None),
    # a `${Variable}` of a format fits an empty segment where AWS leaves it empty (an
    # AWS-owned SSM parameter or public AMI has no account; API Gateway's root path), and
    # the `*` of a catalogue format stands for any text
    ("ssm:GetParameter", "arn:aws:ssm:us-east-1::parameter/aws/service/x", True),
    ("ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-1", True),
    ("execute-api:Invoke", f"arn:aws:execute-api:us-east-1:{ACCOUNT}:a/prod/GET/", True),
    ("dms:StartReplication", f"arn:aws:dms:us-east-1:{ACCOUNT}:replication-config:A", True),
    # ARNs that name nothing: no bucket name, an empty object key, a queue without a name or
    # a Region, a parameter name with a leading `/` after `parameter/`, a newline
    ("s3:ListBucket", "arn:aws:s3:::", False),
    ("s3:GetObject", "arn:aws:s3:::b/", False),
    ("sqs:SendMessage", f"arn:aws:sqs::{ACCOUNT}:q", False),
    ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:", False),
    ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:q\n", False),
    ("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/app/x", True),
    ("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter//app/x", False),
    ("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/*", True),
    ("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter//*", False),
)
