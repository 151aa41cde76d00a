"""The CloudMapper importer: the real corpus, every accepted encoding, and located errors"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from iamwarden.errors import SnapshotFormatError
from iamwarden.snapshot import (
    ComputeKind,
    DataSet,
    Document,
    MfaKind,
    OrgLevelKind,
    dump_snapshot,
    import_cloudmapper,
    parse_authorization_details,
    read_snapshot,
)
from tests.builders import (
    ACCOUNT_ID,
    ALLOW_ALL,
    CSV,
    HEADER,
    ROOT_ROW,
    auth_details,
    write_export,
)

CORPUS = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "corpora"
    / "cloudmapper-demo"
    / "account-data"
    / "demo"
)
AUTH = "iam-get-account-authorization-details.json"
IDENTITY = {
    "sts-get-caller-identity.json": {
        "Account": ACCOUNT_ID,
        "Arn": f"arn:aws:iam::{ACCOUNT_ID}:user/x",
    }
}


def _corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("shared corpora not present")
    return CORPUS


def _export(tmp_path: Path, **files: Any) -> Path:
    return write_export(tmp_path, {AUTH: auth_details(), **IDENTITY, **files})


def _error(path: Path) -> SnapshotFormatError:
    with pytest.raises(SnapshotFormatError) as raised:
        import_cloudmapper(path)
    return raised.value


# -- the real CloudMapper demo account ----------------------------------------------------


def test_corpus_entities_are_read_with_their_values() -> None:
    snap = import_cloudmapper(_corpus())
    assert snap.account.id == "123456789012"
    assert snap.regions == ("us-east-1",)
    assert [u.name for u in snap.users] == ["USER", "USER_WITH_BAD_INLINE_POLICY"]
    assert snap.users[0].groups == ("GROUP_WITH_BAD_INLINE_POLICY",)
    assert snap.users[1].attached_policies == (
        "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM",
    )
    assert sorted(r.name for r in snap.roles) == ["bad_role", "exfiller", "level1", "level3"]
    level1 = snap.role("arn:aws:iam::123456789012:role/service-role/level1")
    assert level1 is not None and level1.path == "/service-role/"
    assert level1.trust_policy.obj()["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    assert level1.inline_policies[0].name == "level1"
    assert len(level1.inline_policies[0].document.obj()["Statement"]) == 4
    bad_role = snap.role("arn:aws:iam::123456789012:role/bad_role")
    assert bad_role is not None and bad_role.path == "/"  # "" in the export
    mfa_policy = snap.policy("arn:aws:iam::123456789012:policy/BAD_MFA_POLICY")
    assert mfa_policy is not None and mfa_policy.attachment_count == 0
    statements = mfa_policy.document.obj()["Statement"]
    assert len(statements) == 5 and statements[4]["NotAction"] == "iam:*"
    ssm = snap.policy("arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM")
    assert ssm is not None and ssm.is_aws_managed and ssm.versions[0].id == "v8"
    assert [g.name for g in snap.groups] == ["GROUP_WITH_BAD_INLINE_POLICY"]


def test_corpus_records_exactly_the_collected_data_sets() -> None:
    snap = import_cloudmapper(_corpus())
    assert snap.collected == {
        DataSet.AUTHORIZATION_DETAILS,
        DataSet.CREDENTIAL_REPORT,
        DataSet.ACCESS_KEY_LAST_USED,
        DataSet.ACCOUNT_SUMMARY,
        DataSet.SERVICE_LAST_ACCESSED,
        DataSet.ACCESS_ANALYZER,
        DataSet.RESOURCE_POLICIES,
        DataSet.COMPUTE,
    }
    reasons = {(g.dataset, g.reason) for g in snap.gaps}
    assert (
        DataSet.PASSWORD_POLICY,
        "file not found: iam-get-account-password-policy.json",
    ) in reasons
    assert (DataSet.ORGANIZATION, "file not found: organizations.json") in reasons
    assert (DataSet.RESOURCE_POLICIES, "file not found: kms-get-key-policy") in reasons
    assert not snap.has(DataSet.VIRTUAL_MFA_DEVICES) and snap.gaps_for(DataSet.VIRTUAL_MFA_DEVICES)


def test_corpus_credential_report_and_summary() -> None:
    snap = import_cloudmapper(_corpus())
    assert snap.collected_at == datetime(2019, 5, 7, 15, 40, 22, tzinfo=UTC)
    report = snap.credential_report
    assert report is not None and [r.user for r in report.rows] == [
        "<root_account>",
        "auditor_tmp",
        "user",
    ]
    root = report.root
    assert root is not None and root.mfa_active and root.access_key_1_active
    assert root.password_enabled is None  # not_supported
    assert root.access_key_1_last_used_service == "ecr"
    user = report.row("user")
    assert user is not None and user.access_key_2_last_used_service == "s3"
    assert snap.account_summary["Roles"] == 9 and snap.account_summary["AccountMFAEnabled"] == 1


def test_corpus_resource_policies_are_keyed_by_derived_arns() -> None:
    snap = import_cloudmapper(_corpus())
    by_arn = {p.arn: p for p in snap.resource_policies}
    assert set(by_arn) == {
        "arn:aws:s3:::cloudmapper_demo",
        "arn:aws:lambda:us-east-1:123456789012:function:invpclambda",
        "arn:aws:sqs:us-east-1:123456789012:demo",
        "arn:aws:sns:us-east-1:123456789012:demo_public",
        "arn:aws:sns:us-east-1:123456789012:demo_private",
        "arn:aws:ecr:us-east-1:123456789012:repository/cloudmapper",
        "arn:aws:es:us-east-1:123456789012:domain/myvpcdomain",
    }  # the secret's file has no ResourcePolicy
    bucket = by_arn["arn:aws:s3:::cloudmapper_demo"]
    assert bucket.service == "s3" and bucket.document.obj()["Statement"][0]["Sid"] == (
        "PublicReadGetObject"
    )
    assert (
        by_arn["arn:aws:ecr:us-east-1:123456789012:repository/cloudmapper"].document.obj()[
            "Version"
        ]
        == "2008-10-17"
    )


def test_corpus_compute_analyzer_and_service_last_accessed() -> None:
    snap = import_cloudmapper(_corpus())
    (function,) = snap.compute  # the EC2 instances have no instance profile
    assert function.kind is ComputeKind.LAMBDA_FUNCTION
    assert function.role_arn == "arn:aws:iam::123456789012:role/service-role/invpclambda"
    (analyzer,) = snap.access_analyzers  # from CloudMapper's misspelt file name
    assert analyzer.name == "default" and analyzer.region == "us-east-1"
    by_principal = {s.principal_arn: s for s in snap.service_last_accessed}
    level3 = by_principal["arn:aws:iam::123456789012:role/level3"]
    assert level3.services[0].namespace == "logs"
    assert level3.services[0].last_authenticated == datetime(2019, 4, 15, 4, 19, tzinfo=UTC)


def test_region_folder_imports_like_the_account_folder() -> None:
    whole = import_cloudmapper(_corpus())
    region = import_cloudmapper(_corpus() / "us-east-1")
    assert region.users == whole.users and region.resource_policies == whole.resource_policies


@pytest.mark.parametrize("name", ["corpus.json", "corpus.json.gz"])
def test_corpus_round_trips_through_the_json_form(tmp_path: Path, name: str) -> None:
    snap = import_cloudmapper(_corpus())
    dump_snapshot(snap, tmp_path / name)
    assert read_snapshot(tmp_path / name) == snap


# -- a synthetic export: what each file contributes ---------------------------------------


def test_only_authorization_details_collects_only_them(tmp_path: Path) -> None:
    snap = import_cloudmapper(write_export(tmp_path, {AUTH: auth_details()}))
    assert snap.collected == {DataSet.AUTHORIZATION_DETAILS}
    assert snap.account.id == ACCOUNT_ID  # from the entities' ARNs
    missing = {g.reason for g in snap.gaps}
    assert "file not found: iam-get-credential-report.json" in missing
    assert "file not found: accessanalyzer-list-analyzers.json" in missing
    assert all(
        d in {g.dataset for g in snap.gaps}
        for d in DataSet
        if d is not DataSet.AUTHORIZATION_DETAILS
    )


@pytest.mark.parametrize(
    ("lacking", "what"),
    [
        (("RoleDetailList",), "roles"),
        (("Policies", "GroupDetailList"), "groups"),
    ],
)
def test_a_missing_authorization_details_list_is_a_gap_not_an_empty_list(
    tmp_path: Path, lacking: tuple[str, ...], what: str
) -> None:
    """A list the answer lacks is not known to be empty: the data set is not collected, and
    a gap says which list is missing"""
    details = {k: v for k, v in auth_details().items() if k not in lacking}
    snap = import_cloudmapper(write_export(tmp_path, {AUTH: details}))
    assert DataSet.AUTHORIZATION_DETAILS not in snap.collected
    reasons = {g.reason for g in snap.gaps_for(DataSet.AUTHORIZATION_DETAILS)}
    assert f"{AUTH} has no `{lacking[-1]}` ({what} not known)" in reasons
    assert len(reasons) == len(lacking)
    assert [u.name for u in snap.users] == ["alice", "bob"]  # what is there is still read


def test_an_empty_authorization_details_list_means_none(tmp_path: Path) -> None:
    snap = import_cloudmapper(
        write_export(tmp_path, {AUTH: {**auth_details(), "RoleDetailList": []}})
    )
    assert DataSet.AUTHORIZATION_DETAILS in snap.collected
    assert snap.roles == () and snap.gaps_for(DataSet.AUTHORIZATION_DETAILS) == ()


def test_pages_lacking_a_list_that_another_page_has_are_complete() -> None:
    full = auth_details()
    pages = [
        {"UserDetailList": full["UserDetailList"]},
        {k: v for k, v in full.items() if k != "UserDetailList"},
    ]
    assert parse_authorization_details(pages).missing_lists == ()
    assert parse_authorization_details(pages[:1]).missing_lists == (
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    )


def test_authorization_details_fields(tmp_path: Path) -> None:
    snap = import_cloudmapper(_export(tmp_path))
    alice, bob = snap.users
    assert alice.created == datetime(2024, 1, 1, tzinfo=UTC)
    assert alice.tags[0].key == "team" and alice.inline_policies[0].name == "own"
    assert bob.permissions_boundary == f"arn:aws:iam::{ACCOUNT_ID}:policy/Custom"
    (role,) = snap.roles
    assert role.last_used_region == "eu-west-1"
    assert role.instance_profiles == (f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/app-profile",)
    assert snap.instance_profiles[0].roles == (role.arn,)
    (policy,) = snap.policies
    assert policy.document == Document.from_obj(ALLOW_ALL) and len(policy.versions) == 2
    assert policy.boundary_usage_count == 1


def test_credential_report_fills_users_and_virtual_mfa(tmp_path: Path) -> None:
    mfa = {
        "VirtualMFADevices": [
            {
                "SerialNumber": f"arn:aws:iam::{ACCOUNT_ID}:mfa/alice",
                "EnableDate": "2024-01-02T00:00:00Z",
                "User": {"UserName": "alice", "Arn": f"arn:aws:iam::{ACCOUNT_ID}:user/alice"},
            },
            {"SerialNumber": f"arn:aws:iam::{ACCOUNT_ID}:mfa/spare"},
        ]
    }
    snap = import_cloudmapper(
        _export(
            tmp_path,
            **{
                "iam-get-credential-report.json": {
                    "Content": CSV,
                    "GeneratedTime": "2026-10-31T00:00:00Z",
                },
                "iam-list-virtual-mfa-devices.json": mfa,
            },
        )
    )
    alice, bob = snap.users
    assert alice.has_console_password is True
    assert alice.password_last_used == datetime(2026, 10, 30, tzinfo=UTC)
    first, second = alice.access_keys
    assert first.id == "access_key_1" and first.is_active
    assert first.created == datetime(2024, 3, 1, tzinfo=UTC) and first.last_used_service == "s3"
    assert not second.is_active and second.last_used is None  # no_information
    assert [(d.kind, d.serial.rsplit("/")[-1]) for d in alice.mfa_devices] == [
        (MfaKind.VIRTUAL, "alice")
    ]
    assert bob.has_console_password is None and bob.access_keys == ()  # no report row
    assert snap.collected_at == datetime(2026, 10, 31, tzinfo=UTC)
    assert {
        DataSet.CREDENTIAL_REPORT,
        DataSet.ACCESS_KEY_LAST_USED,
        DataSet.VIRTUAL_MFA_DEVICES,
    } <= snap.collected
    assert snap.virtual_mfa_devices[1].user_arn is None


def test_listed_access_keys_take_report_slots_by_creation_order(tmp_path: Path) -> None:
    keys = {
        "AccessKeyMetadata": [
            {
                "AccessKeyId": "AKIANEWER",
                "Status": "Inactive",
                "CreateDate": "2025-06-01T00:00:00Z",
            },
            {"AccessKeyId": "AKIAOLDER", "Status": "Active", "CreateDate": "2024-03-01T00:00:00Z"},
        ]
    }
    hardware = {
        "MFADevices": [{"SerialNumber": "GAHT12345678", "EnableDate": "2024-01-02T00:00:00Z"}]
    }
    snap = import_cloudmapper(
        _export(
            tmp_path,
            **{
                "iam-get-credential-report.json": {"Content": CSV},
                "iam-list-access-keys/alice": keys,
                "iam-list-mfa-devices/alice": hardware,
            },
        )
    )
    older, newer = snap.users[0].access_keys
    assert (older.id, older.last_used_service, newer.id) == ("AKIAOLDER", "s3", "AKIANEWER")
    assert snap.users[0].mfa_devices[0].kind is MfaKind.HARDWARE


def test_small_iam_files(tmp_path: Path) -> None:
    snap = import_cloudmapper(
        _export(
            tmp_path,
            **{
                "iam-get-account-password-policy.json": {
                    "PasswordPolicy": {
                        "MinimumPasswordLength": 14,
                        "RequireSymbols": True,
                        "PasswordReusePrevention": 24,
                        "ExpirePasswords": False,
                    }
                },
                "iam-list-server-certificates.json": {
                    "ServerCertificateMetadataList": [
                        {
                            "ServerCertificateName": "www",
                            "Arn": f"arn:aws:iam::{ACCOUNT_ID}:server-certificate/www",
                            "Expiration": "2025-01-01T00:00:00Z",
                        }
                    ]
                },
                "iam-list-account-aliases.json": {"AccountAliases": ["acme"]},
                "s3control-get-public-access-block.json": {
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                    }
                },
            },
        )
    )
    policy = snap.password_policy
    assert policy is not None and policy.minimum_length == 14 and policy.reuse_prevention == 24
    assert policy.max_age_days is None
    assert snap.server_certificates[0].expiration == datetime(2025, 1, 1, tzinfo=UTC)
    assert snap.account.alias == "acme"
    block = snap.account_public_access_block
    assert block is not None and block.block_public_policy and not block.ignore_public_acls


def test_resource_policy_arns_per_service(tmp_path: Path) -> None:
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*"}],
        }
    )
    queue_url = f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT_ID}/jobs"
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
    secret = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT_ID}:secret:db-AbCdEf"
    snap = import_cloudmapper(
        _export(
            tmp_path,
            **{
                f"sqs-get-queue-attributes/{quote_plus(queue_url)}": {
                    "Attributes": {"Policy": policy}
                },
                f"kms-get-key-policy/{key_id}": {"Policy": policy, "PolicyName": "default"},
                "secretsmanager-get-resource-policy/db": {
                    "ARN": secret,
                    "Name": "db",
                    "ResourcePolicy": policy,
                },
                "s3-get-bucket-policy/logs": {"Policy": policy},
                "s3-get-bucket-location/logs": {"LocationConstraint": "eu-west-1"},
                "s3-get-bucket-policy/empty": {},
            },
        )
    )
    by_arn = {p.arn: p for p in snap.resource_policies}
    assert set(by_arn) == {
        f"arn:aws:sqs:eu-west-1:{ACCOUNT_ID}:jobs",
        f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/{key_id}",
        secret,
        "arn:aws:s3:::logs",
    }
    assert by_arn["arn:aws:s3:::logs"].region == "eu-west-1"
    assert by_arn[secret].service == "secretsmanager"


def test_access_analyzer_in_one_of_two_regions(tmp_path: Path) -> None:
    account = _export(
        tmp_path,
        **{
            "accessanalyzer-list-analyzers.json": {
                "analyzers": [
                    {
                        "arn": "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/a",
                        "name": "a",
                        "type": "ACCOUNT",
                        "status": "ACTIVE",
                    }
                ]
            }
        },
    )
    (account / "eu-west-1").mkdir()
    snap = import_cloudmapper(account)
    assert snap.regions == ("eu-west-1", "us-east-1")
    assert [a.region for a in snap.access_analyzers] == ["us-east-1"]
    assert [g.region for g in snap.gaps_for(DataSet.ACCESS_ANALYZER)] == ["eu-west-1"]


def test_ec2_instance_profile_resolves_to_its_role(tmp_path: Path) -> None:
    instances = {
        "Reservations": [
            {
                "OwnerId": ACCOUNT_ID,
                "Instances": [
                    {
                        "InstanceId": "i-1",
                        "Tags": [{"Key": "Name", "Value": "web"}],
                        "IamInstanceProfile": {
                            "Arn": f"arn:aws:iam::{ACCOUNT_ID}:instance-profile/app-profile",
                            "Id": "AIPA1",
                        },
                    },
                    {"InstanceId": "i-2"},
                ],
            }
        ]
    }
    snap = import_cloudmapper(_export(tmp_path, **{"ec2-describe-instances.json": instances}))
    (instance,) = snap.compute
    assert instance.arn == f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:instance/i-1"
    assert instance.name == "web" and instance.role_arn == f"arn:aws:iam::{ACCOUNT_ID}:role/app"
    assert snap.has(DataSet.COMPUTE)


# -- the extra files ----------------------------------------------------------------------


def _organization(account: str = ACCOUNT_ID) -> dict[str, Any]:
    full = {
        "PolicySummary": {
            "Id": "p-FullAWSAccess",
            "Name": "FullAWSAccess",
            "Type": "SERVICE_CONTROL_POLICY",
        },
        "Content": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    }
    rcp = {
        "Policy": {
            "PolicySummary": {"Id": "p-rcp1", "Type": "RESOURCE_CONTROL_POLICY"},
            "Content": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
                    ],
                }
            ),
        }
    }
    return {
        "Organization": {"Id": "o-1", "MasterAccountId": "999999999999"},
        "Path": [
            {"Id": "r-1", "Type": "ROOT", "Name": "Root", "Policies": [full, rcp]},
            {"Id": "ou-1", "Type": "ORGANIZATIONAL_UNIT", "Name": "Prod", "Policies": [full]},
            {"Id": account, "Type": "ACCOUNT", "Policies": [full]},
        ],
    }


def test_organizations_and_compute_files(tmp_path: Path) -> None:
    compute = {
        "Resources": [
            {
                "Type": "codebuild_project",
                "Name": "build",
                "Arn": "arn:aws:codebuild:us-east-1:111122223333:project/build",
                "RoleArn": "arn:aws:iam::111122223333:role/app",
            }
        ]
    }
    snap = import_cloudmapper(
        _export(tmp_path, **{"/organizations.json": _organization(), "/compute.json": compute})
    )
    org = snap.organization
    assert org is not None and org.management_account_id == "999999999999"
    assert [level.kind for level in org.path] == [
        OrgLevelKind.ROOT,
        OrgLevelKind.OU,
        OrgLevelKind.ACCOUNT,
    ]
    assert [p.id for p in org.path[0].scps] == ["p-FullAWSAccess"]
    assert [p.id for p in org.path[0].rcps] == ["p-rcp1"]
    assert snap.compute[0].kind is ComputeKind.CODEBUILD_PROJECT
    assert {DataSet.ORGANIZATION, DataSet.COMPUTE} <= snap.collected


def test_compute_file_keeps_an_ecs_execution_role(tmp_path: Path) -> None:
    task = "arn:aws:ecs:us-east-1:111122223333:task-definition/web:3"
    compute = {
        "Resources": [
            {
                "Type": "ecs_task_definition",
                "Arn": task,
                "RoleArn": "arn:aws:iam::111122223333:role/task",
                "ExecutionRoleArn": "arn:aws:iam::111122223333:role/pull",
            }
        ]
    }
    (resource,) = import_cloudmapper(_export(tmp_path, **{"/compute.json": compute})).compute
    assert resource.role_arn == "arn:aws:iam::111122223333:role/task"
    assert resource.execution_role_arn == "arn:aws:iam::111122223333:role/pull"


def test_account_outside_an_organization(tmp_path: Path) -> None:
    snap = import_cloudmapper(_export(tmp_path, **{"/organizations.json": {"Organization": None}}))
    assert snap.organization is None and snap.has(DataSet.ORGANIZATION)


def test_organization_path_must_end_at_the_account(tmp_path: Path) -> None:
    error = _error(_export(tmp_path, **{"/organizations.json": _organization("222222222222")}))
    assert error.path.endswith("organizations.json") and error.location == "$.Path"


def test_unknown_compute_type_is_located(tmp_path: Path) -> None:
    error = _error(
        _export(
            tmp_path, **{"/compute.json": {"Resources": [{"Type": "mainframe", "Arn": "arn:x"}]}}
        )
    )
    assert error.location == "$.Resources[0].Type" and "mainframe" in error.problem


# -- encodings ----------------------------------------------------------------------------


def _report_rows(tmp_path: Path, name: str, content: Any) -> tuple[Any, ...]:
    snap = import_cloudmapper(write_export(tmp_path / name, {AUTH: auth_details(), name: content}))
    assert snap.credential_report is not None
    return snap.credential_report.rows


def test_credential_report_encodings_agree(tmp_path: Path) -> None:
    as_csv = _report_rows(tmp_path, "iam-get-credential-report.json", {"Content": CSV})
    encoded = base64.b64encode(CSV.encode()).decode()
    as_base64 = _report_rows(tmp_path / "b", "iam-get-credential-report.json", {"Content": encoded})
    as_file = _report_rows(tmp_path / "c", "credential-report.csv", CSV)
    assert as_csv == as_base64 == as_file and len(as_csv) == 2


def _policy_document(tmp_path: Path, document: Any) -> Document:
    snap = import_cloudmapper(write_export(tmp_path, {AUTH: auth_details(document=document)}))
    return snap.policies[0].document


def test_policy_document_encodings_agree(tmp_path: Path) -> None:
    text = json.dumps(ALLOW_ALL)
    variants = [ALLOW_ALL, text, quote(text), quote(json.dumps(ALLOW_ALL, indent=2))]
    documents = {_policy_document(tmp_path / str(i), v) for i, v in enumerate(variants)}
    assert documents == {Document.from_obj(ALLOW_ALL)}


def test_paged_authorization_details_merge(tmp_path: Path) -> None:
    whole = auth_details()
    pages = [
        {"UserDetailList": whole["UserDetailList"][:1], "IsTruncated": True},
        {
            "UserDetailList": whole["UserDetailList"][1:],
            "RoleDetailList": whole["RoleDetailList"],
            "GroupDetailList": whole["GroupDetailList"],
            "Policies": whole["Policies"],
        },
    ]
    single = import_cloudmapper(write_export(tmp_path / "one", {AUTH: whole}))
    paged = import_cloudmapper(write_export(tmp_path / "paged", {AUTH: pages}))
    assert paged.users == single.users and paged.roles == single.roles
    assert paged.policies == single.policies and len(paged.users) == 2


def test_boto3_pages_with_datetimes_and_no_policy_name() -> None:
    """What the live path hands over: a list of boto3 pages (moto omits `PolicyName`)"""
    whole = auth_details()
    created = datetime(2024, 5, 1, 12, 0)
    page = {**whole, "UserDetailList": [{**whole["UserDetailList"][0], "CreateDate": created}]}
    page["Policies"] = [{k: v for k, v in p.items() if k != "PolicyName"} for p in page["Policies"]]
    details = parse_authorization_details([page])
    assert details.users[0].created == created.replace(tzinfo=UTC)
    arns = sorted(p["Arn"] for p in whole["Policies"])
    assert [p.name for p in details.policies] == [arn.rsplit("/", 1)[1] for arn in arns]


# -- bad input ----------------------------------------------------------------------------


def test_missing_authorization_details_names_the_file(tmp_path: Path) -> None:
    error = _error(write_export(tmp_path, IDENTITY))
    assert AUTH in error.problem


def test_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    assert _error(tmp_path / "file").problem == "not a directory"
    assert _error(tmp_path / "missing").problem == "directory not found"


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    error = _error(write_export(tmp_path, {AUTH: '{\n "UserDetailList": [\n oops\n]}'}))
    assert error.path.endswith(AUTH) and error.location == "line 3:2"
    assert error.problem.startswith("invalid JSON")


def test_wrong_type_is_located_by_json_path(tmp_path: Path) -> None:
    details = auth_details()
    details["UserDetailList"][1]["UserName"] = 42
    error = _error(write_export(tmp_path, {AUTH: details}))
    assert (error.location, error.problem) == ("$.UserDetailList[1].UserName", "expected a string")
    assert str(error).startswith(str(tmp_path / "account" / "us-east-1" / AUTH))


def test_missing_field_is_located(tmp_path: Path) -> None:
    details = auth_details()
    del details["RoleDetailList"][0]["AssumeRolePolicyDocument"]
    error = _error(write_export(tmp_path, {AUTH: details}))
    assert error.location == "$.RoleDetailList[0]"
    assert error.problem == "missing field `AssumeRolePolicyDocument`"


CUSTOM = f"arn:aws:iam::{ACCOUNT_ID}:policy/Custom"


def _policy_gaps(tmp_path: Path, document: Any) -> list[tuple[DataSet, str, str]]:
    """Import an export whose policy Custom holds `document`; its policy gaps"""
    snap = import_cloudmapper(write_export(tmp_path, {AUTH: auth_details(document=document)}))
    assert [u.name for u in snap.users] == ["alice", "bob"]  # the rest is still imported
    return [(g.dataset, g.resource, g.reason) for g in snap.gaps if g.resource]


def test_policy_document_that_is_not_json_is_a_gap_for_that_policy(tmp_path: Path) -> None:
    ((dataset, resource, reason),) = _policy_gaps(tmp_path, "%7Bnot json")
    assert (dataset, resource) == (DataSet.AUTHORIZATION_DETAILS, CUSTOM)
    assert reason == f"policy `{CUSTOM}` cannot be read: policy must be a json object"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*"}]},
            "Statement[0].Effect: effect must be `Allow` or `Deny`, not `Maybe` (and 1 more)",
        ),
        (
            {"Version": "2012-10-17", "Statement": "Allow everything"},
            "Statement: statement must be an object or a non-empty list",
        ),
    ],
)
def test_policy_iamwarden_cannot_parse_is_a_gap_naming_it(
    tmp_path: Path, document: Any, problem: str
) -> None:
    ((dataset, resource, reason),) = _policy_gaps(tmp_path, document)
    assert (dataset, resource) == (DataSet.AUTHORIZATION_DETAILS, CUSTOM)
    assert reason == f"policy `{CUSTOM}` cannot be read: {problem}"


def test_short_resource_arn_imports_without_a_gap(tmp_path: Path) -> None:
    medialive = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "medialive:*", "Resource": "arn:aws:medialive:*"}
        ],
    }
    assert _policy_gaps(tmp_path, medialive) == []


def test_policy_without_a_default_version(tmp_path: Path) -> None:
    details = auth_details()
    details["Policies"][0]["PolicyVersionList"][0]["IsDefaultVersion"] = False
    error = _error(write_export(tmp_path, {AUTH: details}))
    assert error.location == "$.Policies[0].PolicyVersionList"


def test_bad_date_is_located(tmp_path: Path) -> None:
    details = auth_details()
    details["UserDetailList"][0]["CreateDate"] = "yesterday"
    error = _error(write_export(tmp_path, {AUTH: details}))
    assert error.location == "$.UserDetailList[0].CreateDate" and "yesterday" in error.problem


@pytest.mark.parametrize(
    ("csv_text", "location", "problem"),
    [
        (
            f"{HEADER}\n{ROOT_ROW}\nalice,arn:aws:iam::1:user/alice,2024",
            "$.Content line 3",
            "expected 22 fields, found 3",
        ),
        ("user,arn\nalice,arn", "$.Content line 1", "missing columns"),
        (
            f"{HEADER}\n{ROOT_ROW.replace(',false,true,', ',maybe,true,', 1)}",
            "$.Content line 2",
            "column `mfa_active`: bad value `maybe`",
        ),
        (
            f"{HEADER}\n{ROOT_ROW.replace('2020-01-01T00:00:00+00:00', 'soon')}",
            "$.Content line 2",
            "column `user_creation_time`",
        ),
    ],
)
def test_bad_credential_report_names_the_line(
    tmp_path: Path, csv_text: str, location: str, problem: str
) -> None:
    error = _error(_export(tmp_path, **{"iam-get-credential-report.json": {"Content": csv_text}}))
    assert error.path.endswith("iam-get-credential-report.json")
    assert error.location == location and error.problem.startswith(problem)


def test_credential_report_content_neither_csv_nor_base64(tmp_path: Path) -> None:
    error = _error(_export(tmp_path, **{"iam-get-credential-report.json": {"Content": "@@@"}}))
    assert error.location == "$.Content" and "neither CSV nor base64" in error.problem


def test_truncated_plain_csv_names_the_line(tmp_path: Path) -> None:
    error = _error(_export(tmp_path, **{"credential-report.csv": f"{HEADER}\n{ROOT_ROW[:40]}"}))
    assert error.path.endswith("credential-report.csv") and error.location == "line 2"


def test_unreadable_resource_policy_is_a_gap(tmp_path: Path) -> None:
    snap = import_cloudmapper(_export(tmp_path, **{"s3-get-bucket-policy/b": {"Policy": "[1, 2]"}}))
    (gap,) = [g for g in snap.gaps if g.resource]
    assert (gap.dataset, gap.resource) == (DataSet.RESOURCE_POLICIES, "arn:aws:s3:::b")
    assert gap.reason.endswith("cannot be read: policy must be a json object")


def test_resource_policy_that_is_not_a_document_is_located(tmp_path: Path) -> None:
    error = _error(_export(tmp_path, **{"s3-get-bucket-policy/b": {"Policy": 42}}))
    assert error.path.endswith("s3-get-bucket-policy/b") and error.location == "$.Policy"
    assert error.problem == "expected a policy document (an object or JSON text)"


def test_wrong_type_in_an_optional_file(tmp_path: Path) -> None:
    error = _error(
        _export(tmp_path, **{"iam-get-account-summary.json": {"SummaryMap": {"Users": "many"}}})
    )
    assert error.location == "$.SummaryMap.Users" and error.problem == "expected an integer"


def test_get_role_fills_what_the_authorization_details_lack(tmp_path: Path) -> None:
    details = auth_details()
    details["RoleDetailList"][0]["RoleName"] = "app+ci"
    del details["RoleDetailList"][0]["RoleLastUsed"]
    boundary = f"arn:aws:iam::{ACCOUNT_ID}:policy/Custom"
    got = {
        "Role": {
            "MaxSessionDuration": 7200,
            "RoleLastUsed": {"LastUsedDate": "2026-10-01T00:00:00Z", "Region": "us-east-1"},
            "PermissionsBoundary": {"PermissionsBoundaryArn": boundary},
        }
    }
    snap = import_cloudmapper(
        write_export(tmp_path, {AUTH: details, f"iam-get-role/{quote_plus('app+ci')}": got})
    )
    (role,) = snap.roles
    assert role.max_session_duration == 7200 and role.permissions_boundary == boundary
    assert role.last_used == datetime(2026, 10, 1, tzinfo=UTC)


@pytest.mark.parametrize("content", ["{}", "[]", '{"UserDetailList": null}'])
def test_authorization_details_without_any_list_is_not_an_empty_account(
    tmp_path: Path, content: str
) -> None:
    """`{}` is no account at all: assessing it as one with no principals would PASS CIS 1.15
    and 1.16 on data that is not there"""
    error = _error(write_export(tmp_path, {AUTH: content}))
    assert error.problem.startswith("not a GetAccountAuthorizationDetails answer")
