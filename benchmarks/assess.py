"""Benchmark a full assessment of a large account: `python -m benchmarks.assess`.

Generates an account with 5,000 roles, 1,000 users and 2,000 customer managed policies
(a realistic mix: service-scoped, wildcard, sensitive, conditional, NotAction and admin
policies; inline policies; groups; a credential report; service last accessed), then times
`assess` and reports peak memory (ru_maxrss, whole process) and findings per second.
Target: under 10 s and under 1.5 GB on a 2-core machine.
"""

from __future__ import annotations

import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta

from iamwarden.analysis import assess
from iamwarden.policy import load_catalog
from iamwarden.snapshot import (
    AccessAnalyzer,
    Account,
    CredentialReport,
    CredentialReportRow,
    DataSet,
    Document,
    Group,
    InlinePolicy,
    ManagedPolicy,
    PasswordPolicy,
    PolicyVersion,
    Role,
    ServiceAccess,
    ServiceLastAccessed,
    Snapshot,
    User,
)

ROLES = 5_000
USERS = 1_000
POLICIES = 2_000
GROUPS = 50
TARGET_SECONDS = 10.0
TARGET_BYTES = 1.5 * 1024**3
ACCOUNT = "123456789012"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
SERVICES = (
    "s3",
    "dynamodb",
    "lambda",
    "sqs",
    "sns",
    "logs",
    "ec2",
    "kms",
    "secretsmanager",
    "ssm",
    "cloudwatch",
    "ecr",
    "ecs",
    "rds",
    "kinesis",
)
TRUST = Document.from_obj(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _doc(*statements: dict[str, object]) -> Document:
    return Document.from_obj({"Version": "2012-10-17", "Statement": list(statements)})


def _customer_document(index: int, rng: random.Random) -> Document:
    """One of several realistic shapes, made distinct by its resource names"""
    service = SERVICES[index % len(SERVICES)]
    name = f"app-{index}"
    shape = index % 20
    if shape < 9:  # scoped to the team's resources
        return _doc(
            {
                "Effect": "Allow",
                "Action": [f"{service}:Get*", f"{service}:List*", f"{service}:Put*"],
                "Resource": [f"arn:aws:{service}:us-east-1:{ACCOUNT}:{name}/*"],
            }
        )
    if shape < 13:  # service-wide on every resource
        return _doc(
            {"Effect": "Allow", "Action": f"{service}:*", "Resource": "*", "Sid": f"Svc{index}"}
        )
    if shape < 15:  # deploy policy with sensitive actions on *
        return _doc(
            {"Effect": "Allow", "Action": [f"{service}:*", "iam:PassRole"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["iam:CreateAccessKey", "sts:AssumeRole"],
                "Resource": f"arn:aws:iam::{ACCOUNT}:user/{name}",
            },
        )
    if shape < 17:  # conditional access
        return _doc(
            {
                "Effect": "Allow",
                "Action": f"{service}:*",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                },
            }
        )
    if shape < 18:  # everything but IAM
        return _doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})
    if shape < 19:  # read-only with a deny
        return _doc(
            {
                "Effect": "Allow",
                "Action": [f"{s}:Describe*" for s in rng.sample(SERVICES, 4)],
                "Resource": "*",
            },
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        )
    return _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})  # legacy admin


def _aws_managed() -> tuple[ManagedPolicy, ...]:
    docs = {
        "AdministratorAccess": _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        "ReadOnlyAccess": _doc(
            {"Effect": "Allow", "Action": ["*:Get*", "*:List*", "*:Describe*"], "Resource": "*"}
        ),
        "AmazonS3FullAccess": _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        "AWSLambdaBasicExecutionRole": _doc(
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "*",
            }
        ),
        "AWSSupportAccess": _doc({"Effect": "Allow", "Action": "support:*", "Resource": "*"}),
    }
    return tuple(
        ManagedPolicy(
            name=name,
            arn=f"arn:aws:iam::aws:policy/{name}",
            versions=(PolicyVersion(id="v1", document=doc, is_default=True),),
            attachment_count=1,
        )
        for name, doc in docs.items()
    )


def build_snapshot(seed: int = 7) -> Snapshot:
    """The benchmark account (deterministic for a seed)"""
    rng = random.Random(seed)
    aws = _aws_managed()
    customer = tuple(
        ManagedPolicy(
            name=f"policy-{i:04d}",
            arn=f"arn:aws:iam::{ACCOUNT}:policy/policy-{i:04d}",
            versions=(
                PolicyVersion(id="v1", document=_customer_document(i, rng), is_default=True),
            ),
            attachment_count=1,
        )
        for i in range(POLICIES)
    )
    arns = [p.arn for p in customer]
    groups = tuple(
        Group(
            name=f"team-{g:02d}",
            arn=f"arn:aws:iam::{ACCOUNT}:group/team-{g:02d}",
            attached_policies=tuple(rng.sample(arns, 2)),
        )
        for g in range(GROUPS)
    )
    roles = []
    for i in range(ROLES):
        attached = list(rng.sample(arns, rng.randint(1, 3)))
        if i % 20 == 0:
            attached.append("arn:aws:iam::aws:policy/AdministratorAccess")
        elif i % 3 == 0:
            attached.append("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole")
        inline: tuple[InlinePolicy, ...] = ()
        if i % 5 == 0:
            inline = (InlinePolicy(name="inline", document=_customer_document(i * 7 + 3, rng)),)
        roles.append(
            Role(
                name=f"role-{i:05d}",
                arn=f"arn:aws:iam::{ACCOUNT}:role/role-{i:05d}",
                trust_policy=TRUST,
                attached_policies=tuple(attached),
                inline_policies=inline,
                created=NOW - timedelta(days=rng.randint(1, 900)),
                last_used=NOW - timedelta(days=rng.randint(0, 400)) if i % 4 else None,
            )
        )
    users = []
    rows = []
    for i in range(USERS):
        name = f"user-{i:04d}"
        arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
        direct: tuple[str, ...] = (rng.choice(arns),) if i % 4 == 0 else ()
        if i % 100 == 0:
            direct += ("arn:aws:iam::aws:policy/AdministratorAccess",)
        created = NOW - timedelta(days=rng.randint(30, 1500))
        users.append(
            User(
                name=name,
                arn=arn,
                created=created,
                attached_policies=direct,
                groups=(groups[i % GROUPS].name,),
            )
        )
        key_age = rng.randint(1, 700)
        rows.append(
            CredentialReportRow(
                user=name,
                arn=arn,
                user_creation_time=created,
                password_enabled=i % 3 == 0,
                password_last_used=NOW - timedelta(days=rng.randint(0, 200)),
                mfa_active=i % 7 != 0,
                access_key_1_active=i % 2 == 0,
                access_key_1_last_rotated=NOW - timedelta(days=key_age),
                access_key_1_last_used_date=NOW - timedelta(days=rng.randint(0, key_age))
                if i % 9
                else None,
                access_key_2_active=i % 25 == 0,
                access_key_2_last_rotated=NOW - timedelta(days=10) if i % 25 == 0 else None,
            )
        )
    rows.append(
        CredentialReportRow(
            user="<root_account>", arn=f"arn:aws:iam::{ACCOUNT}:root", mfa_active=True
        )
    )
    used = tuple(
        ServiceLastAccessed(
            principal_arn=r.arn,
            services=(ServiceAccess(namespace="s3", last_authenticated=NOW - timedelta(days=3)),),
        )
        for r in roles[::10]
    )
    return Snapshot(
        account=Account(id=ACCOUNT),
        source="benchmark",
        collected_at=NOW,
        collected=frozenset(DataSet) - {DataSet.COMPUTE},
        regions=("eu-west-1", "us-east-1"),
        users=tuple(users),
        groups=groups,
        roles=tuple(roles),
        policies=aws + customer,
        credential_report=CredentialReport(rows=tuple(rows), generated=NOW),
        password_policy=PasswordPolicy(minimum_length=14, reuse_prevention=24),
        access_analyzers=(
            AccessAnalyzer(
                arn=f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/default",
                name="default",
                region="us-east-1",
            ),
        ),
        service_last_accessed=used,
    )


def main() -> None:
    """Build the account, assess it once and print the figures beside the target"""
    started = time.perf_counter()
    snapshot = build_snapshot()
    load_catalog()
    prepared = time.perf_counter()
    assessment = assess(snapshot)
    finished = time.perf_counter()
    elapsed = finished - prepared
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = rss if sys.platform == "darwin" else rss * 1024
    findings = len(assessment.findings)
    print(
        f"account: {len(snapshot.roles)} roles, {len(snapshot.users)} users, "
        f"{POLICIES} customer policies (generated + catalogue in "
        f"{prepared - started:.1f} s)"
    )
    print(
        f"assessment time: {elapsed:.2f} s (target < {TARGET_SECONDS:.0f} s) "
        f"{'OK' if elapsed < TARGET_SECONDS else 'OVER'}"
    )
    print(
        f"peak memory (ru_maxrss): {peak / 1024**2:.0f} MiB "
        f"(target < {TARGET_BYTES / 1024**3:.1f} GiB) "
        f"{'OK' if peak < TARGET_BYTES else 'OVER'}"
    )
    print(
        f"findings: {findings} ({len(assessment.failures)} FAIL), "
        f"{findings / elapsed:,.0f} findings/s"
    )


if __name__ == "__main__":
    main()
