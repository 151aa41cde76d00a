"""External-access and trust-policy checks in `assess`, on the demo account and on small
snapshots: each check with a failing and a passing case"""

from __future__ import annotations

from functools import cache

from iamwarden.analysis import Assessment, AssessOptions, assess
from iamwarden.analysis.exposure import Zone
from iamwarden.findings import Severity, Status
from iamwarden.snapshot import DataSet, Document, ResourcePolicy
from iamwarden.snapshot.demo import demo_snapshot
from tests.builders import role, snapshot

DEMO = "arn:aws:iam::210987654321"


@cache
def _demo() -> Assessment:
    return assess(demo_snapshot(), AssessOptions(known_accounts={"464622532012": "Datadog"}))


def _failing(result: Assessment, check_id: str) -> dict[str, str]:
    return {
        f.resource_arn: f.message
        for f in result.findings
        if f.check_id == check_id and f.status is Status.FAIL
    }


def test_the_demo_public_bucket_is_public_read_and_the_bpa_bucket_passes():
    result = _demo()
    assert list(_failing(result, "external_access_public_read")) == [
        "arn:aws:s3:::acme-marketing-site"
    ]
    blocked = next(
        f
        for f in result.findings
        if f.check_id == "external_access_public_read"
        and f.resource_arn == "arn:aws:s3:::acme-legacy-exports"
    )
    assert blocked.status is Status.PASS
    assert blocked.evidence["blocked_by"] == "RestrictPublicBuckets (bucket level)"
    assert _failing(result, "external_access_public_write") == {}


def test_the_demo_org_only_bucket_is_never_reported():
    for finding in _demo().findings:
        if finding.resource_arn == "arn:aws:s3:::acme-org-artifacts":
            assert finding.status is not Status.FAIL, finding


def test_the_demo_unknown_and_known_accounts():
    result = _demo()
    unknown = _failing(result, "external_access_cross_account")
    assert sorted(unknown) == [
        "arn:aws:kms:us-east-1:210987654321:key/6d7e8f90-a1b2-4c3d-9e4f-5a6b7c8d9e0f",
        "arn:aws:s3:::acme-shared-reports",
    ]
    known = _failing(result, "external_access_known_account")
    assert list(known) == [f"{DEMO}:role/datadog-integration"]
    assert "Datadog (464622532012)" in known[f"{DEMO}:role/datadog-integration"]
    finding = next(f for f in result.findings if f.check_id == "external_access_known_account")
    assert finding.severity is Severity.LOW and finding.evidence["principals"] == ["464622532012"]
    (exposure,) = finding.evidence["exposures"]
    assert exposure["actions"] == ["sts:AssumeRole"]
    assert exposure["statements"][0]["pointer"] == "Statement[0]"


def test_the_demo_trust_policy_findings():
    result = _demo()
    assert list(_failing(result, "role_trust_without_external_id")) == [
        f"{DEMO}:role/datadog-integration"
    ]
    assert list(_failing(result, "role_trust_oidc_any_subject")) == [
        f"{DEMO}:role/github-actions-deploy"
    ]
    assert _failing(result, "role_trust_oidc_no_audience") == {}
    assert _failing(result, "role_trust_saml_no_audience") == {}
    assert _failing(result, "role_trust_service_without_source") == {}
    assert list(_failing(result, "external_access_federated")) == [
        f"{DEMO}:role/github-actions-deploy"
    ]


def test_a_trusted_role_passes_with_a_sentence_saying_what_was_decided():
    passed = {
        f.check_id: f.message
        for f in _demo().findings
        if f.resource_arn == f"{DEMO}:role/github-actions-deploy"
        and f.status is Status.PASS
        and f.check_id.startswith("role_trust_")
    }
    assert passed == {
        "role_trust_without_external_id": (
            "github-actions-deploy: no other account may assume it without an external id"
        ),
        "role_trust_service_without_source": (
            "github-actions-deploy: no trusted service may assume it for another account"
        ),
        "role_trust_oidc_no_audience": (
            "github-actions-deploy: accepts no OIDC token minted for another audience"
        ),
        "role_trust_saml_no_audience": (
            "github-actions-deploy: accepts no SAML assertion meant for another audience"
        ),
    }


def test_public_write_and_a_service_without_source():
    bucket = "arn:aws:s3:::drop"
    queue = "arn:aws:sqs:us-east-1:111122223333:jobs"
    snap = snapshot(
        resource_policies=(
            ResourcePolicy(
                arn=bucket,
                service="s3",
                document=Document.from_obj(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": "*",
                                "Action": ["s3:PutObject", "s3:GetObject"],
                                "Resource": f"{bucket}/*",
                            }
                        ],
                    }
                ),
            ),
            ResourcePolicy(
                arn=queue,
                service="sqs",
                document=Document.from_obj(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "sns.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": queue,
                            }
                        ],
                    }
                ),
            ),
        ),
        roles=(),
    )
    result = assess(snap)
    assert "s3:PutObject" in _failing(result, "external_access_public_write")[bucket]
    assert "s3:GetObject" in _failing(result, "external_access_public_read")[bucket]
    assert list(_failing(result, "external_access_service")) == [queue]


def test_without_resource_policies_the_external_checks_are_not_assessed():
    snap = snapshot(collected=frozenset(DataSet) - {DataSet.RESOURCE_POLICIES})
    result = assess(snap)
    statuses = {f.status for f in result.findings if f.check_id.startswith("external_access")}
    assert statuses == {Status.NOT_ASSESSED}


def test_an_iam_only_export_still_judges_role_trust_policies():
    """Newcomer review: without resource-policy files a role anyone may assume was not an
    external-access finding at all (the trust policies come with the authorization details)"""
    anyone = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    snap = snapshot(
        collected=frozenset(DataSet) - {DataSet.RESOURCE_POLICIES},
        roles=(role("open", trust=anyone),),
    )
    result = assess(snap)
    public = _failing(result, "external_access_public_write")
    assert any(arn.endswith(":role/open") for arn in public)
    account = [
        f
        for f in result.findings
        if f.check_id == "external_access_public_write" and f.resource_type == "AwsAccount"
    ]
    assert [f.status for f in account] == [Status.NOT_ASSESSED]


def test_an_unreadable_resource_policy_is_not_assessed_with_its_gap():
    bucket = "arn:aws:s3:::broken"
    snap = snapshot(
        resource_policies=(
            ResourcePolicy(arn=bucket, service="s3", document=Document.from_obj({"x": 1})),
        ),
        roles=(),
    )
    result = assess(snap)
    found = [f for f in result.findings if f.resource_arn == bucket]
    assert found and {f.status for f in found} == {Status.NOT_ASSESSED}


def test_the_organization_zone_trusts_the_management_account():
    bucket = "arn:aws:s3:::mgmt"
    demo = demo_snapshot()
    document = Document.from_obj(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "109876543210"},
                    "Action": "s3:GetObject",
                    "Resource": f"{bucket}/*",
                }
            ],
        }
    )
    import dataclasses

    snap = dataclasses.replace(
        demo,
        resource_policies=(ResourcePolicy(arn=bucket, service="s3", document=document),),
    )
    account = assess(snap)
    assert bucket in _failing(account, "external_access_cross_account")
    org = assess(snap, AssessOptions(zone=Zone.ORGANIZATION))
    assert bucket not in _failing(org, "external_access_cross_account")
