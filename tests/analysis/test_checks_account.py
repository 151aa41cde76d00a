from datetime import timedelta

import pytest

from iamwarden.findings import Status
from iamwarden.snapshot import (
    AccessAnalyzer,
    ComputeKind,
    ComputeResource,
    DataSet,
    Gap,
    ServerCertificate,
)
from tests.analysis.checking import only, run_check, statuses
from tests.builders import ACCOUNT_ID, NOW, group, role, snapshot, user

SUPPORT = "arn:aws:iam::aws:policy/AWSSupportAccess"
CLOUDSHELL = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
EVERYTHING = frozenset(DataSet)


@pytest.mark.parametrize(
    ("kw", "status"),
    [
        ({"roles": (role("support", attached_policies=(SUPPORT,)),)}, Status.PASS),
        ({"users": (user("helpdesk", attached_policies=(SUPPORT,)),)}, Status.FAIL),
        ({}, Status.FAIL),
    ],
)
def test_support_role_exists(kw, status):
    assert only(run_check("support_role_exists", snapshot(**kw))).status is status


def test_support_role_not_assessed():
    snap = snapshot(collected=EVERYTHING - {DataSet.AUTHORIZATION_DETAILS})
    assert only(run_check("support_role_exists", snap)).status is Status.NOT_ASSESSED


def instance(name, profile=None):
    return ComputeResource(
        arn=f"arn:aws:ec2:us-east-1:{ACCOUNT_ID}:instance/{name}",
        kind=ComputeKind.EC2_INSTANCE,
        name=name,
        region="us-east-1",
        instance_profile_arn=profile,
    )


def test_ec2_instance_profile_attached():
    lambda_fn = ComputeResource(
        arn="arn:aws:lambda:us-east-1:1:function:f", kind=ComputeKind.LAMBDA_FUNCTION
    )
    snap = snapshot(
        compute=(
            instance("i-good", "arn:aws:iam::1:instance-profile/p"),
            instance("i-bare"),
            lambda_fn,
        )
    )
    found = statuses(run_check("ec2_instance_profile_attached", snap))
    assert found == {instance("i-good").arn: Status.PASS, instance("i-bare").arn: Status.FAIL}


def test_ec2_not_assessed_without_compute():
    snap = snapshot(collected=EVERYTHING - {DataSet.COMPUTE})
    assert only(run_check("ec2_instance_profile_attached", snap)).status is Status.NOT_ASSESSED


def cert(name, expiration):
    return ServerCertificate(
        name=name, arn=f"arn:aws:iam::{ACCOUNT_ID}:server-certificate/{name}", expiration=expiration
    )


def test_server_certificate_not_expired():
    snap = snapshot(
        server_certificates=(
            cert("old", NOW - timedelta(days=1)),
            cert("new", NOW + timedelta(days=30)),
            cert("unknown", None),
        )
    )
    found = statuses(run_check("server_certificate_not_expired", snap))
    assert found == {
        cert("old", None).arn: Status.FAIL,
        cert("new", None).arn: Status.PASS,
        cert("unknown", None).arn: Status.NOT_ASSESSED,
    }


def test_server_certificates_not_assessed_when_not_collected():
    snap = snapshot(collected=EVERYTHING - {DataSet.SERVER_CERTIFICATES})
    assert only(run_check("server_certificate_not_expired", snap)).status is Status.NOT_ASSESSED


def analyzer(region, status="ACTIVE"):
    return AccessAnalyzer(
        arn=f"arn:aws:access-analyzer:{region}:{ACCOUNT_ID}:analyzer/a",
        name="a",
        region=region,
        status=status,
    )


def test_access_analyzer_all_regions():
    snap = snapshot(
        regions=("eu-west-1", "us-east-1", "us-west-2"),
        access_analyzers=(analyzer("us-east-1"), analyzer("us-west-2", "DISABLED")),
    )
    found = run_check("access_analyzer_all_regions", snap)
    assert [(f.evidence["subject"], f.status) for f in found] == [
        ("eu-west-1", Status.FAIL),
        ("us-east-1", Status.PASS),
        ("us-west-2", Status.FAIL),
    ]


def test_access_analyzer_region_that_could_not_be_read_is_not_assessed():
    gap = Gap(dataset=DataSet.ACCESS_ANALYZER, reason="access denied", region="eu-west-1")
    snap = snapshot(regions=("eu-west-1", "us-east-1"), gaps=(gap,))
    found = run_check("access_analyzer_all_regions", snap)
    assert [(f.evidence["subject"], f.status) for f in found] == [
        ("eu-west-1", Status.NOT_ASSESSED),
        ("us-east-1", Status.FAIL),
    ]
    assert found[0].evidence["gaps"] == ["access denied"]


@pytest.mark.parametrize(
    "snap",
    [
        snapshot(collected=EVERYTHING - {DataSet.ACCESS_ANALYZER}, regions=("us-east-1",)),
        snapshot(regions=()),
    ],
)
def test_access_analyzer_not_assessed(snap):
    assert only(run_check("access_analyzer_all_regions", snap)).status is Status.NOT_ASSESSED


@pytest.mark.parametrize(
    ("kw", "status", "arn"),
    [
        ({}, Status.PASS, CLOUDSHELL),
        ({"groups": (group("ops", attached_policies=(CLOUDSHELL,)),)}, Status.FAIL, CLOUDSHELL),
        (
            {"collected": EVERYTHING - {DataSet.AUTHORIZATION_DETAILS}},
            Status.NOT_ASSESSED,
            f"arn:aws:iam::{ACCOUNT_ID}:root",
        ),
    ],
)
def test_cloudshell_full_access_restricted(kw, status, arn):
    finding = only(run_check("cloudshell_full_access_restricted", snapshot(**kw)))
    assert (finding.status, finding.resource_arn) == (status, arn)
