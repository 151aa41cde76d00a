"""IAM collectors hand AWS's answers to the snapshot parsers; a rejected answer is a gap"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from iamwarden.aws.calls import Caller, Clients
from iamwarden.aws.iam import collect_authorization_details, collect_credential_report
from iamwarden.snapshot import CredentialReport, DataSet

ACCOUNT = "111122223333"
IAM = f"arn:aws:iam::{ACCOUNT}"
CREATED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ALLOW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,"
    "password_last_changed,password_next_rotation,mfa_active,access_key_1_active,"
    "access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,"
    "access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
    "access_key_2_last_used_date,access_key_2_last_used_region,"
    "access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,"
    "cert_2_last_rotated"
)
ROOT_ROW = (
    f"<root_account>,{IAM}:root,2020-01-01T00:00:00+00:00,not_supported,"
    "2026-10-01T10:00:00+00:00,not_supported,not_supported,true,true,"
    "2021-01-01T00:00:00+00:00,2026-09-30T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,"
    "N/A,false,N/A,false,N/A"
)


@pytest.fixture
def clients() -> Clients:
    made = boto3.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1")
    return Clients(made, Config(retries={"mode": "standard", "max_attempts": 1}))


def _caller(clients: Clients) -> Caller:
    return Caller(
        account=ACCOUNT,
        clients=clients,
        home_region="us-east-1",
        service_limits={},
        default_limit=2,
    )


def _role(trust: object) -> dict[str, object]:
    profile = f"{IAM}:instance-profile/app"
    return {
        "RoleName": "app",
        "RoleId": "AROAEXAMPLE0000001",
        "Arn": f"{IAM}:role/app",
        "Path": "/",
        "CreateDate": CREATED,
        "AssumeRolePolicyDocument": quote(json.dumps(trust)),
        "InstanceProfileList": [
            {
                "InstanceProfileName": "app",
                "InstanceProfileId": "AIPAEXAMPLE0000001",
                "Arn": profile,
                "Path": "/",
                "CreateDate": CREATED,
                "Roles": [
                    {
                        "RoleName": "app",
                        "RoleId": "AROAEXAMPLE0000001",
                        "Arn": f"{IAM}:role/app",
                        "Path": "/",
                        "CreateDate": CREATED,
                    }
                ],
            }
        ],
        "RolePolicyList": [],
        "AttachedManagedPolicies": [],
    }


def _pages(trust: object = TRUST) -> list[dict[str, object]]:
    user = {
        "UserName": "alice",
        "UserId": "AIDAEXAMPLE0000001",
        "Arn": f"{IAM}:user/alice",
        "Path": "/",
        "CreateDate": CREATED,
        "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": quote(json.dumps(ALLOW))}],
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "PermissionsBoundary": {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": f"{IAM}:policy/Boundary",
        },
    }
    policy = {
        "PolicyName": "Boundary",
        "PolicyId": "ANPAEXAMPLE0000001",
        "Arn": f"{IAM}:policy/Boundary",
        "Path": "/",
        "DefaultVersionId": "v1",
        "AttachmentCount": 0,
        "PermissionsBoundaryUsageCount": 1,
        "IsAttachable": True,
        "CreateDate": CREATED,
        "UpdateDate": CREATED,
        "PolicyVersionList": [
            {"Document": quote(json.dumps(ALLOW)), "VersionId": "v1", "IsDefaultVersion": True}
        ],
    }
    return [
        {"UserDetailList": [user], "IsTruncated": True, "Marker": "m"},
        {"RoleDetailList": [_role(trust)], "Policies": [policy], "IsTruncated": False},
    ]


def _stub_details(clients: Clients, pages: list[dict[str, object]]) -> Stubber:
    stub = Stubber(clients.get("iam", "us-east-1"))
    for page in pages:
        stub.add_response("get_account_authorization_details", page)
    return stub


def test_authorization_details_pages_are_merged_by_the_snapshot_parser(clients: Clients) -> None:
    caller = _caller(clients)
    with _stub_details(clients, _pages()):
        details = collect_authorization_details(caller)
    assert details is not None and caller.gaps == ()
    (user,) = details.users
    assert user.created == CREATED and user.permissions_boundary == f"{IAM}:policy/Boundary"
    assert user.inline_policies[0].document.obj() == ALLOW
    (role,) = details.roles
    assert role.trust_policy.obj() == TRUST and role.instance_profiles == (
        f"{IAM}:instance-profile/app",
    )
    assert [p.roles for p in details.instance_profiles] == [(f"{IAM}:role/app",)]
    assert [p.boundary_usage_count for p in details.policies] == [1]


def test_a_policy_iamwarden_cannot_parse_is_kept_for_a_policy_gap(clients: Clients) -> None:
    caller = _caller(clients)
    broken = {"Statement": [{"Effect": "Maybe", "Action": "sts:AssumeRole"}]}
    with _stub_details(clients, _pages(broken)):
        details = collect_authorization_details(caller)
    assert details is not None and caller.gaps == ()
    (role,) = details.roles
    assert role.trust_policy.obj() == broken  # with_policy_gaps names it once collected


def _report(clients: Clients, content: bytes) -> tuple[CredentialReport | None, Caller]:
    caller = _caller(clients)
    with Stubber(clients.get("iam", "us-east-1")) as stub:
        stub.add_response("generate_credential_report", {"State": "COMPLETE"})
        stub.add_response(
            "get_credential_report",
            {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": CREATED},
        )
        report = collect_credential_report(caller, poll_interval=0, poll_timeout=1)
    return report, caller


def test_credential_report_bytes_are_parsed_with_their_time(clients: Clients) -> None:
    report, caller = _report(clients, f"{HEADER}\n{ROOT_ROW}\n".encode())
    assert caller.gaps == ()
    assert report is not None and report.generated == CREATED
    root = report.root
    assert root is not None and root.password_enabled is None and root.mfa_active
    assert root.access_key_1_last_used_date == datetime(2026, 9, 30, tzinfo=UTC)


def test_a_rejected_credential_report_is_a_gap(clients: Clients) -> None:
    report, caller = _report(clients, b"user,arn\nalice,arn:x\n")
    assert report is None
    (gap,) = caller.gaps
    assert (gap.dataset, gap.call) == (DataSet.CREDENTIAL_REPORT, "GetCredentialReport")
    assert "missing columns" in gap.reason
