"""External access of resource policies: the issue's must / must-not cases, each decided by
the engine through `analyse_exposure`"""

from __future__ import annotations

from typing import Any

import pytest

from iamwarden.analysis.exposure import (
    ExposureReport,
    OutsiderKind,
    Reach,
    Zone,
    ZoneOfTrust,
    analyse_exposure,
)
from iamwarden.policy import AccessLevel, load_catalog
from iamwarden.snapshot import (
    DataSet,
    Organization,
    OrgLevel,
    OrgLevelKind,
    PublicAccessBlock,
    ResourcePolicy,
)
from tests.builders import ACCOUNT_ID, doc, role, snapshot

BUCKET = "arn:aws:s3:::data"
OBJECTS = f"{BUCKET}/*"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:jobs"
ORG = Organization(
    id="o-abc123def4",
    management_account_id="999900001111",
    path=(
        OrgLevel(id="r-ab12", kind=OrgLevelKind.ROOT),
        OrgLevel(id="ou-ab12-prod", kind=OrgLevelKind.OU),
        OrgLevel(id=ACCOUNT_ID, kind=OrgLevelKind.ACCOUNT),
    ),
)


def _policy(*statements: dict[str, Any]) -> Any:
    return doc({"Version": "2012-10-17", "Statement": list(statements)})


def _analyse(
    arn: str,
    *statements: dict[str, Any],
    block: PublicAccessBlock | None = None,
    account_block: PublicAccessBlock | None = None,
    zone: Zone = Zone.ACCOUNT,
    known: dict[str, str] | None = None,
) -> ExposureReport:
    service = arn.split(":")[2]
    snap = snapshot(
        resource_policies=(
            ResourcePolicy(
                arn=arn, service=service, document=_policy(*statements), public_access_block=block
            ),
        ),
        account_public_access_block=account_block,
        organization=ORG,
        roles=(),
    )
    return analyse_exposure(snap, ZoneOfTrust.of(snap, zone, known), load_catalog())


def _read(principal: Any, **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": OBJECTS,
        **extra,
    }


def _reaches(report: ExposureReport) -> list[tuple[str, str]]:
    return [(e.reach.value, e.principal) for e in report.exposures if not e.is_blocked]


# -- must be reported ----------------------------------------------------------------------


def test_principal_star_is_public_with_bpa_off_at_both_levels():
    report = _analyse(BUCKET, _read("*"), block=PublicAccessBlock(), account_block=None)
    (exposure,) = report.exposures
    assert exposure.reach is Reach.PUBLIC and exposure.kind is OutsiderKind.ANONYMOUS
    assert exposure.actions == ("s3:GetObject",)
    assert exposure.levels == (AccessLevel.READ,)
    assert [r.pointer for r in exposure.statements] == ["Statement[0]"]
    assert not exposure.is_blocked


def test_principal_aws_star_is_public():
    assert _reaches(_analyse(BUCKET, _read({"AWS": "*"}))) == [("public", "*")]


def test_string_like_principal_org_id_star_does_not_narrow():
    statement = _read("*", Condition={"StringLike": {"aws:PrincipalOrgID": "*"}})
    report = _analyse(BUCKET, statement)
    assert _reaches(report) == [("public", "*")]
    (exposure,) = report.exposures
    assert exposure.kind is OutsiderKind.ANY_ACCOUNT  # anonymous callers carry no org id


def test_a_deny_with_a_misspelt_key_leaves_the_allow_open():
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": OBJECTS,
        "Condition": {"StringNotEquals": {"aws:PrincipleOrgID": "o-abc123def4"}},
    }
    # no request carries `aws:PrincipleOrgID`: StringNotEquals on an absent key holds, so
    # this Deny denies everyone, the account too; misspelt with StringEquals it denies no one
    assert _reaches(_analyse(BUCKET, _read("*"), deny)) == []
    deny["Condition"] = {"StringEquals": {"aws:PrincipleOrgID": "o-other12345"}}
    assert _reaches(_analyse(BUCKET, _read("*"), deny)) == [("public", "*")]


def test_a_public_source_ip_range_does_not_narrow():
    statement = _read("*", Condition={"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}})
    report = _analyse(BUCKET, statement)
    assert _reaches(report) == [("public", "*")]
    (exposure,) = report.exposures
    assert [c.key for c in exposure.statement_conditions] == ["aws:SourceIp"]


def test_a_condition_the_caller_controls_is_listed_not_a_narrowing():
    statement = _read("*", Condition={"Bool": {"aws:SecureTransport": "true"}})
    (exposure,) = _analyse(BUCKET, statement).exposures
    assert exposure.reach is Reach.PUBLIC
    assert [c.key for c in exposure.conditions] == ["aws:SecureTransport"]


def test_a_named_account_is_cross_account_and_a_known_one_is_named():
    report = _analyse(BUCKET, _read({"AWS": "arn:aws:iam::444455556666:root"}))
    assert _reaches(report) == [("cross_account", "444455556666")]
    known = _analyse(BUCKET, _read({"AWS": "444455556666"}), known={"444455556666": "Partner"})
    (exposure,) = known.exposures
    assert exposure.reach is Reach.KNOWN_ACCOUNT
    assert exposure.label == "Partner (444455556666)"


def test_a_named_role_of_another_account_is_cross_account():
    arn = "arn:aws:iam::444455556666:role/reader"
    (exposure,) = _analyse(BUCKET, _read({"AWS": arn})).exposures
    assert (exposure.kind, exposure.principal) == (OutsiderKind.PRINCIPAL, arn)
    assert exposure.label == f"{arn} (444455556666)"


def test_a_kms_key_usable_by_anyone():
    statement = {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}
    (exposure,) = _analyse(KEY, statement).exposures
    assert exposure.reach is Reach.PUBLIC
    assert "kms:Decrypt" in exposure.actions
    assert AccessLevel.PERMISSIONS_MANAGEMENT in exposure.levels


def test_a_service_without_a_source_condition_acts_for_any_account():
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": QUEUE,
    }
    assert _reaches(_analyse(QUEUE, statement)) == [("service", "sns.amazonaws.com")]


def test_a_source_arn_pattern_over_every_account_does_not_narrow():
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": QUEUE,
        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:orders"}},
    }
    assert _reaches(_analyse(QUEUE, statement)) == [("service", "sns.amazonaws.com")]


# -- must not be reported ------------------------------------------------------------------


def test_principal_star_narrowed_by_principal_org_id_is_within_the_organization():
    statement = _read("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}})
    report = _analyse(BUCKET, statement)
    assert report.exposures == ()
    assert report.within_organization == (BUCKET,)


def test_principal_star_narrowed_by_principal_org_paths():
    statement = _read(
        "*", Condition={"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc123def4/*"}}
    )
    assert _analyse(BUCKET, statement).exposures == ()


FOREIGN = "o-zzz999yyy8"


def test_principal_star_narrowed_to_another_organization_is_cross_account():
    # IAM User Guide, reference_policies_condition-keys (aws:PrincipalOrgID): the key holds
    # the caller's Organization; members of another Organization are outside this one
    statement = _read("*", Condition={"StringEquals": {"aws:PrincipalOrgID": FOREIGN}})
    (exposure,) = _analyse(BUCKET, statement).exposures
    assert (exposure.reach, exposure.kind) == (Reach.CROSS_ACCOUNT, OutsiderKind.ORGANIZATION)
    assert exposure.principal == FOREIGN
    assert exposure.label == f"any account of Organization {FOREIGN}"
    assert exposure.actions == ("s3:GetObject",)
    assert exposure.issues == ()  # the account's own Organization is known: ORG


def test_an_organization_path_of_another_organization_is_asked_with_that_path():
    path = f"{FOREIGN}/r-zz99/ou-zz99-team/"
    statement = _read(
        "*", Condition={"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": f"{path}*"}}
    )
    assert _reaches(_analyse(BUCKET, statement)) == [("cross_account", FOREIGN)]
    statement = _read("*", Condition={"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": path}})
    assert _reaches(_analyse(BUCKET, statement)) == [("cross_account", FOREIGN)]


def test_a_wildcard_organization_id_stands_for_no_one_organization():
    statement = _read("*", Condition={"StringLike": {"aws:PrincipalOrgID": "o-zzz*"}})
    assert _reaches(_analyse(BUCKET, statement)) == []


def test_the_own_and_another_organization_named_together():
    statement = _read(
        "*", Condition={"StringEquals": {"aws:PrincipalOrgID": ["o-abc123def4", FOREIGN]}}
    )
    report = _analyse(BUCKET, statement)
    assert _reaches(report) == [("cross_account", FOREIGN)]


def test_an_organization_named_while_the_own_was_not_collected_is_uncertain():
    statement = _read("*", Condition={"StringEquals": {"aws:PrincipalOrgID": FOREIGN}})
    snap = snapshot(
        resource_policies=(ResourcePolicy(arn=BUCKET, service="s3", document=_policy(statement)),),
        collected=frozenset(DataSet) - {DataSet.ORGANIZATION},
        roles=(),
    )
    (exposure,) = analyse_exposure(snap, ZoneOfTrust.of(snap), load_catalog()).exposures
    assert exposure.reach is Reach.CROSS_ACCOUNT
    assert "may be the account's own" in exposure.issues[0]


@pytest.mark.parametrize(
    ("key", "value"), [("aws:SourceVpce", "vpce-1a2b3c4d"), ("aws:SourceVpc", "vpc-1a2b3c4d")]
)
def test_principal_star_narrowed_by_source_vpce_or_vpc(key, value):
    statement = _read("*", Condition={"StringEquals": {key: value}})
    assert _analyse(BUCKET, statement).exposures == ()


def test_principal_star_narrowed_by_principal_account_of_the_own_account():
    statement = _read("*", Condition={"StringEquals": {"aws:PrincipalAccount": ACCOUNT_ID}})
    assert _analyse(BUCKET, statement).exposures == ()


def test_principal_star_narrowed_by_a_private_source_ip():
    statement = _read(
        "*", Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}
    )
    assert _analyse(BUCKET, statement).exposures == ()


def test_principal_star_narrowed_by_userid_and_principal_arn_of_the_account():
    for key, value in (
        ("aws:userid", "AROAEXAMPLEROLEID:*"),
        ("aws:PrincipalArn", f"arn:aws:iam::{ACCOUNT_ID}:role/*"),
    ):
        statement = _read("*", Condition={"StringLike": {key: value}})
        assert _analyse(BUCKET, statement).exposures == (), key


def test_a_not_principal_deny_of_everyone_but_the_account():
    deny = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
        "Action": "s3:*",
        "Resource": [BUCKET, OBJECTS],
    }
    assert _analyse(BUCKET, _read("*"), deny).exposures == ()


def test_a_service_narrowed_by_source_account_or_arn_of_the_account():
    for condition in (
        {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
        {"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:orders"}},
        {"StringEquals": {"aws:SourceOrgID": "o-abc123def4"}},
    ):
        statement = {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": QUEUE,
            "Condition": condition,
        }
        assert _analyse(QUEUE, statement).exposures == (), condition


def test_a_grant_to_the_own_account_is_not_external():
    assert _analyse(BUCKET, _read({"AWS": ACCOUNT_ID})).exposures == ()


def test_the_management_account_is_inside_the_organization_zone_only():
    statement = _read({"AWS": "999900001111"})
    assert _reaches(_analyse(BUCKET, statement)) == [("cross_account", "999900001111")]
    assert _analyse(BUCKET, statement, zone=Zone.ORGANIZATION).exposures == ()


# -- Block Public Access -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "account_block", "level"),
    [
        (PublicAccessBlock(restrict_public_buckets=True), None, "bucket"),
        (None, PublicAccessBlock(restrict_public_buckets=True), "account"),
    ],
)
def test_restrict_public_buckets_neutralises_a_public_policy(block, account_block, level):
    report = _analyse(BUCKET, _read("*"), block=block, account_block=account_block)
    (exposure,) = report.exposures
    assert exposure.blocked_by == f"RestrictPublicBuckets ({level} level)"


def test_block_public_policy_alone_does_not_neutralise_an_existing_policy():
    block = PublicAccessBlock(block_public_policy=True, block_public_acls=True)
    (exposure,) = _analyse(BUCKET, _read("*"), block=block, account_block=block).exposures
    assert not exposure.is_blocked


def test_a_policy_that_cannot_be_read_is_skipped_not_clean():
    snap = snapshot(
        resource_policies=(
            ResourcePolicy(arn=BUCKET, service="s3", document=doc({"Statement": "nope"})),
        ),
        roles=(),
    )
    report = analyse_exposure(snap, ZoneOfTrust.of(snap), load_catalog())
    assert report.exposures == ()
    (skipped,) = report.skipped
    assert skipped.resource_arn == BUCKET and "cannot be read" in skipped.reason


def test_trust_policies_are_resource_policies_of_roles():
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": "sts:AssumeRole",
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            },
        ],
    }
    snap = snapshot(roles=(role("vendor", trust=trust),))
    report = analyse_exposure(snap, ZoneOfTrust.of(snap), load_catalog())
    assert [(e.reach, e.principal, e.actions) for e in report.exposures] == [
        (Reach.CROSS_ACCOUNT, "444455556666", ("sts:AssumeRole",))
    ]


def test_a_named_account_with_nothing_beyond_public_access_is_the_public_exposure():
    report = _analyse(BUCKET, _read("*"), _read({"AWS": "444455556666"}))
    assert _reaches(report) == [("public", "*")]
    more = dict(_read({"AWS": "444455556666"}), Action=["s3:GetObject", "s3:PutObject"])
    assert _reaches(_analyse(BUCKET, _read("*"), more)) == [
        ("public", "*"),
        ("cross_account", "444455556666"),
    ]


def test_an_account_block_public_access_not_collected_is_said():
    from iamwarden.snapshot import DataSet, Gap

    gap = Gap(
        dataset=DataSet.RESOURCE_POLICIES,
        reason="access denied",
        service="s3control",
        call="GetPublicAccessBlock",
    )
    snap = snapshot(
        resource_policies=(ResourcePolicy(arn=BUCKET, service="s3", document=_policy(_read("*"))),),
        gaps=(gap,),
        roles=(),
    )
    (exposure,) = analyse_exposure(snap, ZoneOfTrust.of(snap), load_catalog()).exposures
    assert exposure.block_unknown and not exposure.is_blocked
    (known,) = _analyse(BUCKET, _read("*")).exposures
    assert not known.block_unknown


def test_roles_sharing_a_trust_document_each_name_their_own_trust_policy():
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "444455556666"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    snap = snapshot(roles=(role("a", trust=trust), role("b", trust=trust)))
    report = analyse_exposure(snap, ZoneOfTrust.of(snap), load_catalog())
    named = {
        e.resource_arn: (
            {r.policy for r in e.statements},
            {c.statement.policy for c in e.conditions},
        )
        for e in report.exposures
    }
    for name in ("a", "b"):
        arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"
        assert named[arn] == ({f"{arn}:trust"}, {f"{arn}:trust"})


def test_the_kms_default_via_service_statement_is_the_account_only():
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:CallerAccount": ACCOUNT_ID,
                "kms:ViaService": "s3.us-east-1.amazonaws.com",
            }
        },
    }
    assert _analyse(KEY, statement).exposures == ()
    statement["Condition"]["StringEquals"]["kms:CallerAccount"] = "444455556666"
    # an account named by a condition on the caller's account is asked about too
    assert _reaches(_analyse(KEY, statement)) == [("cross_account", "444455556666")]


def test_the_sns_default_topic_policy_is_the_account_only():
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:alerts"
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["sns:Publish", "sns:Subscribe", "sns:GetTopicAttributes"],
        "Resource": topic,
        "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT_ID}},
    }
    assert _analyse(topic, statement).exposures == ()


def test_principals_named_by_principal_arn_conditions_are_asked_about():
    for value, principal in (
        ("arn:aws:iam::444455556666:role/*", "444455556666"),
        ("arn:aws:iam::444455556666:role/reader", "arn:aws:iam::444455556666:role/reader"),
    ):
        statement = _read("*", Condition={"ArnLike": {"aws:PrincipalArn": value}})
        assert _reaches(_analyse(BUCKET, statement)) == [("cross_account", principal)], value


def test_public_access_open_to_any_account_is_unconditional_even_if_anonymous_needs_tls():
    anonymous_tls = _read("*", Condition={"Bool": {"aws:SecureTransport": "true"}})
    authenticated = _read(
        {"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalType": "AssumedRole"}}
    )
    (exposure,) = _analyse(BUCKET, anonymous_tls, authenticated).exposures
    assert exposure.reach is Reach.PUBLIC and exposure.conditions == ()


def test_a_role_trusting_everyone_is_assumable_by_any_aws_account_not_anonymously():
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    snap = snapshot(roles=(role("open", trust=trust),))
    (exposure,) = analyse_exposure(snap, ZoneOfTrust.of(snap), load_catalog()).exposures
    assert (exposure.reach, exposure.kind) == (Reach.PUBLIC, OutsiderKind.ANY_ACCOUNT)


def test_an_unknown_operator_is_uncertain_and_still_reported():
    statement = _read("*", Condition={"StringEqualz": {"aws:PrincipalOrgID": "o-abc123def4"}})
    (exposure,) = _analyse(BUCKET, statement).exposures
    assert exposure.reach is Reach.PUBLIC
    assert exposure.issues and "StringEqualz" in exposure.issues[0]


# -- wildcard accounts and any VPC endpoint (issue 14 §3.2, §3.4) ----------------------------


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        ("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:role/x"),
        ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/x"),
        ("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::*:role/x"),
        ("StringLike", "aws:PrincipalAccount", "1111*"),
        ("StringLike", "aws:SourceVpce", "*"),
        ("StringLike", "aws:SourceVpce", "vpce-*"),
        ("StringLike", "aws:SourceVpc", "vpc-*"),
    ],
)
def test_a_wildcard_account_or_any_vpc_endpoint_does_not_narrow(operator, key, value):
    """IAM User Guide, reference_policies_condition-keys (aws:PrincipalArn, aws:SourceVpce):
    anyone may create role `x` in an account of their own, or call through an endpoint of
    their own VPC; such a pattern narrows to no account"""
    statement = _read({"AWS": "*"}, Condition={operator: {key: value}})
    assert _reaches(_analyse(BUCKET, statement)) == [("public", "*")]
