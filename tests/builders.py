"""Keyword-only builders with defaults for snapshot objects used across tests"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iamwarden.snapshot import (
    Account,
    CredentialReport,
    CredentialReportRow,
    DataSet,
    Document,
    Group,
    InlinePolicy,
    ManagedPolicy,
    PolicyVersion,
    Role,
    Snapshot,
    User,
)
from iamwarden.snapshot.model import ROOT_USER

ACCOUNT_ID = "111122223333"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def doc(obj: Any) -> Document:
    """A `Document` from a JSON-able object"""
    return Document.from_obj(obj)


def inline(name: str = "inline", *, document: Any = ALLOW_ALL) -> InlinePolicy:
    """An inline policy"""
    return InlinePolicy(name=name, document=doc(document))


def managed_policy(
    name: str = "Custom", *, document: Any = ALLOW_ALL, account: str = ACCOUNT_ID, **kw: Any
) -> ManagedPolicy:
    """A customer managed policy with one default version (`account="aws"` for AWS-managed)"""
    return ManagedPolicy(
        name=name,
        arn=f"arn:aws:iam::{account}:policy/{name}",
        versions=(PolicyVersion(id="v1", document=doc(document), is_default=True),),
        **kw,
    )


def user(name: str = "alice", **kw: Any) -> User:
    """An IAM user in the test account"""
    return User(name=name, arn=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}", **kw)


def role(name: str = "app", *, trust: Any = EC2_TRUST, **kw: Any) -> Role:
    """An IAM role in the test account"""
    return Role(
        name=name, arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}", trust_policy=doc(trust), **kw
    )


def snapshot(*, collected: frozenset[DataSet] = frozenset(DataSet), **kw: Any) -> Snapshot:
    """A snapshot of the test account; every data set collected unless told otherwise"""
    return Snapshot(
        account=Account(id=ACCOUNT_ID), source="test", collected_at=NOW, collected=collected, **kw
    )


def auth_details(*, account: str = ACCOUNT_ID, document: Any = ALLOW_ALL) -> dict[str, Any]:
    """A GetAccountAuthorizationDetails response: users alice and bob, group devs, role app,
    customer policy Custom (whose one version holds `document`)"""
    iam = f"arn:aws:iam::{account}"
    return {
        "UserDetailList": [
            {
                "UserName": "alice",
                "Arn": f"{iam}:user/alice",
                "UserId": "AIDAALICE",
                "Path": "/",
                "CreateDate": "2024-01-01T00:00:00Z",
                "GroupList": ["devs"],
                "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": ALLOW_ALL}],
                "AttachedManagedPolicies": [],
                "Tags": [{"Key": "team", "Value": "dev"}],
            },
            {
                "UserName": "bob",
                "Arn": f"{iam}:user/bob",
                "UserId": "AIDABOB",
                "Path": "/",
                "CreateDate": "2024-02-01T00:00:00+00:00",
                "GroupList": [],
                "AttachedManagedPolicies": [
                    {"PolicyName": "Custom", "PolicyArn": f"{iam}:policy/Custom"}
                ],
                "PermissionsBoundary": {
                    "PermissionsBoundaryType": "Policy",
                    "PermissionsBoundaryArn": f"{iam}:policy/Custom",
                },
            },
        ],
        "GroupDetailList": [
            {
                "GroupName": "devs",
                "Arn": f"{iam}:group/devs",
                "GroupId": "AGPADEVS",
                "Path": "/",
                "GroupPolicyList": [],
                "AttachedManagedPolicies": [
                    {"PolicyName": "Custom", "PolicyArn": f"{iam}:policy/Custom"}
                ],
            },
        ],
        "RoleDetailList": [
            {
                "RoleName": "app",
                "Arn": f"{iam}:role/app",
                "RoleId": "AROAAPP",
                "Path": "/",
                "AssumeRolePolicyDocument": EC2_TRUST,
                "RolePolicyList": [],
                "AttachedManagedPolicies": [],
                "InstanceProfileList": [
                    {
                        "InstanceProfileName": "app-profile",
                        "Arn": f"{iam}:instance-profile/app-profile",
                        "Roles": [{"Arn": f"{iam}:role/app"}],
                    }
                ],
                "RoleLastUsed": {"LastUsedDate": "2026-10-30T12:00:00Z", "Region": "eu-west-1"},
            },
        ],
        "Policies": [
            {
                "PolicyName": "Custom",
                "Arn": f"{iam}:policy/Custom",
                "PolicyId": "ANPACUSTOM",
                "Path": "/",
                "DefaultVersionId": "v2",
                "AttachmentCount": 2,
                "PermissionsBoundaryUsageCount": 1,
                "PolicyVersionList": [
                    {"VersionId": "v2", "IsDefaultVersion": True, "Document": document},
                    {"VersionId": "v1", "IsDefaultVersion": False, "Document": ALLOW_ALL},
                ],
            },
        ],
    }


def write_export(root: Path, files: dict[str, Any], *, region: str = "us-east-1") -> Path:
    """A CloudMapper account folder under `root`: `files` maps a path relative to the region
    folder (or `/name` for the account folder) to JSON data, or to `str`/`bytes` written as is"""
    account = root / "account"
    for name, content in files.items():
        path = account / name[1:] if name.startswith("/") else account / region / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content)
        else:
            path.write_text(json.dumps(content, indent=1))
    (account / region).mkdir(parents=True, exist_ok=True)
    return account


# A credential report (CSV) of the test account: the root user and alice
HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,"
    "access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
    "access_key_2_last_used_date,access_key_2_last_used_region,"
    "access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,"
    "cert_2_last_rotated"
)
ROOT_ROW = (
    f"<root_account>,arn:aws:iam::{ACCOUNT_ID}:root,2020-01-01T00:00:00+00:00,"
    "not_supported,2026-10-01T00:00:00+00:00,not_supported,not_supported,false,true,"
    "2025-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)
ALICE_ROW = (
    f"alice,arn:aws:iam::{ACCOUNT_ID}:user/alice,2024-01-01T00:00:00+00:00,true,"
    "2026-10-30T00:00:00+00:00,2024-01-01T00:00:00+00:00,N/A,true,true,"
    "2024-03-01T00:00:00+00:00,2026-10-29T00:00:00+00:00,us-east-1,s3,false,"
    "2025-06-01T00:00:00+00:00,no_information,N/A,N/A,false,N/A,false,N/A"
)
CSV = "\n".join((HEADER, ROOT_ROW, ALICE_ROW))


def group(name: str = "devs", **kw: Any) -> Group:
    """An IAM group in the test account"""
    return Group(name=name, arn=f"arn:aws:iam::{ACCOUNT_ID}:group/{name}", **kw)


def aws_policy(name: str = "AdministratorAccess", *, document: Any = ALLOW_ALL) -> ManagedPolicy:
    """An AWS-managed policy (attached once)"""
    return managed_policy(name, document=document, account="aws", attachment_count=1)


def credential_row(name: str = "alice", **kw: Any) -> CredentialReportRow:
    """A credential report row of a user in the test account (no password, MFA or keys)"""
    return CredentialReportRow(
        user=name,
        arn=f"arn:aws:iam::{ACCOUNT_ID}:user/{name}",
        user_creation_time=kw.pop("user_creation_time", datetime(2024, 1, 1, tzinfo=UTC)),
        **kw,
    )


def root_row(**kw: Any) -> CredentialReportRow:
    """The root user's credential report row (MFA on, no keys unless told)"""
    kw.setdefault("mfa_active", True)
    return CredentialReportRow(user=ROOT_USER, arn=f"arn:aws:iam::{ACCOUNT_ID}:root", **kw)


def credential_report(*rows: CredentialReportRow) -> CredentialReport:
    """A credential report generated at `NOW`"""
    return CredentialReport(rows=rows, generated=NOW)
