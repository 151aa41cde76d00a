"""Access Analyzer's custom policy checks, offline (`analysis.custom_checks`)

Each test names the Access Analyzer behaviour it checks: API Reference API_CheckNoNewAccess
("If the result is FAIL, the updated policy might allow new access"), API_CheckAccessNotGranted
and API_CheckNoPublicAccess (`resourceType` valid values), and the IAM User Guide's
access-analyzer-custom-policy-checks page.
"""

from __future__ import annotations

from typing import Any

import pytest

from iamwarden.analysis.custom_checks import (
    MAX_ENTRIES,
    PUBLIC_RESOURCE_TYPES,
    CheckName,
    CheckOutcome,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
)
from iamwarden.errors import InputError
from iamwarden.policy import (
    Catalog,
    Decision,
    Policy,
    PolicyKind,
    PolicySet,
    Request,
    evaluate,
    load_catalog,
    parse_policy,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def policy(*statements: dict[str, Any], kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    return parse_policy(
        {"Version": "2012-10-17", "Statement": list(statements)}, name="p.json", kind=kind
    )


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


BUCKET = "arn:aws:s3:::bucket/*"
TEAM_A = {"StringEquals": {"aws:PrincipalTag/team": "a"}}
TEAM_B = {"StringEquals": {"aws:PrincipalTag/team": "b"}}


# -- CheckNoNewAccess ------------------------------------------------------------------------


def test_no_new_access_passes_for_the_same_policy(catalog: Catalog) -> None:
    """API_CheckNoNewAccess: PASS when the updated policy allows no new access"""
    p = policy(
        allow(["s3:Get*", "sqs:SendMessage"], BUCKET),
        deny("s3:GetObject", "arn:aws:s3:::bucket/secret*"),
    )
    result = check_no_new_access(p, p, catalog=catalog)
    assert result.outcome is CheckOutcome.PASS
    assert result.check is CheckName.NO_NEW_ACCESS
    assert result.reasons == ()


def test_new_action_fails_with_the_action_resource_and_statement(catalog: Catalog) -> None:
    """API_CheckNoNewAccess: FAIL with reasons naming the statement (statementIndex, Sid)"""
    old = policy(allow("s3:GetObject", BUCKET))
    new = policy({**allow(["s3:GetObject", "s3:PutObject"], BUCKET), "Sid": "Write"})
    result = check_no_new_access(old, new, catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    (reason,) = result.reasons
    assert reason.actions == ("s3:PutObject",)
    assert reason.resource == BUCKET
    assert reason.statement is not None and reason.statement.sid == "Write"
    assert reason.is_decided


def test_narrowing_passes_and_widening_fails(catalog: Catalog) -> None:
    """A policy allowing a subset of the existing access has no new access (CheckNoNewAccess
    compares the access allowed, not the text)"""
    wide = policy(allow("s3:*", "*"))
    narrow = policy(allow(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::b", BUCKET]))
    assert check_no_new_access(wide, narrow, catalog=catalog).is_pass
    assert check_no_new_access(narrow, wide, catalog=catalog).outcome is CheckOutcome.FAIL


def test_a_wider_resource_pattern_is_new_access(catalog: Catalog) -> None:
    old = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/public/*"))
    new = policy(allow("s3:GetObject", BUCKET))
    result = check_no_new_access(old, new, catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    assert [r.resource for r in result.reasons] == [BUCKET]


def test_the_same_access_split_differently_is_not_new(catalog: Catalog) -> None:
    old = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/*"))
    new = policy(
        allow("s3:GetObject", "arn:aws:s3:::bucket/a*"),
        allow("s3:GetObject", "arn:aws:s3:::bucket/b*"),
    )
    assert check_no_new_access(old, new, catalog=catalog).is_pass


def test_dropping_a_deny_is_new_access(catalog: Catalog) -> None:
    """An explicit deny in the existing policy overrides its allow (IAM User Guide, policy
    evaluation logic): removing it allows the denied requests"""
    old = policy(allow("s3:*", BUCKET), deny("s3:DeleteObject", BUCKET))
    new = policy(allow("s3:*", BUCKET))
    result = check_no_new_access(old, new, catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    assert {a for r in result.reasons for a in r.actions} == {"s3:DeleteObject"}


def test_a_deny_carving_out_what_was_new_passes(catalog: Catalog) -> None:
    old = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/a*"))
    new = policy(allow("s3:GetObject", BUCKET), deny("s3:GetObject", "arn:aws:s3:::bucket/b*"))
    result = check_no_new_access(old, new, catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL  # bucket/c… is new
    exact = policy(allow("s3:GetObject", BUCKET), deny("s3:GetObject", "arn:aws:s3:::bucket/*"))
    assert check_no_new_access(old, exact, catalog=catalog).is_pass


def test_not_resource_is_compared_exactly(catalog: Catalog) -> None:
    old = policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": BUCKET})
    new = policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": BUCKET})
    assert check_no_new_access(old, new, catalog=catalog).is_pass
    result = check_no_new_access(
        policy(allow("s3:GetObject", "arn:aws:s3:::x/*")), new, catalog=catalog
    )
    assert result.outcome is CheckOutcome.FAIL
    assert result.reasons[0].resource == f"every resource but {BUCKET}"


def test_not_action_against_its_expansion(catalog: Catalog) -> None:
    everything_but_iam = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    s3_only = policy(allow("s3:*"))
    assert check_no_new_access(everything_but_iam, s3_only, catalog=catalog).is_pass
    result = check_no_new_access(s3_only, everything_but_iam, catalog=catalog)
    actions = {a for r in result.reasons for a in r.actions}
    assert result.outcome is CheckOutcome.FAIL
    assert "ec2:RunInstances" in actions and not any(a.startswith("iam:") for a in actions)
    assert not any(a.startswith("s3:") for a in actions)


def test_an_added_condition_narrows_and_a_removed_one_widens(catalog: Catalog) -> None:
    unconditional = policy(allow("s3:GetObject"))
    conditional = policy(allow("s3:GetObject", Condition=TEAM_A))
    assert check_no_new_access(unconditional, conditional, catalog=catalog).is_pass
    result = check_no_new_access(conditional, unconditional, catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL


def test_another_value_of_the_same_key_is_new_access(catalog: Catalog) -> None:
    """StringEquals on one single-valued key with disjoint values: team b is not team a"""
    result = check_no_new_access(
        policy(allow("s3:GetObject", Condition=TEAM_A)),
        policy(allow("s3:GetObject", Condition=TEAM_B)),
        catalog=catalog,
    )
    assert result.outcome is CheckOutcome.FAIL
    assert result.reasons[0].conditions == ("StringEquals aws:PrincipalTag/team [b]",)


def test_conditions_that_cannot_be_compared_are_undecided_never_pass(catalog: Catalog) -> None:
    """StringLike `a*` and StringEquals `b` on one key: whether both can hold is not
    compared, so the answer is UNDECIDED, not PASS"""
    like = {"StringLike": {"aws:PrincipalTag/team": "a*"}}
    result = check_no_new_access(
        policy(allow("s3:GetObject", Condition=like)),
        policy(allow("s3:GetObject", Condition=TEAM_B)),
        catalog=catalog,
    )
    assert result.outcome is CheckOutcome.UNDECIDED
    assert not result.is_pass
    assert not any(r.is_decided for r in result.reasons)


def test_a_conditional_deny_kept_is_not_new_access(catalog: Catalog) -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
    old = policy(allow("iam:*"), deny("iam:Delete*", Condition=mfa))
    new = policy(allow("iam:*"), deny("iam:Delete*", Condition=mfa), deny("iam:Create*"))
    assert check_no_new_access(old, new, catalog=catalog).is_pass
    dropped = check_no_new_access(old, policy(allow("iam:*")), catalog=catalog)
    assert dropped.outcome is CheckOutcome.FAIL
    assert all(a.startswith("iam:Delete") for r in dropped.reasons for a in r.actions)


def test_policy_variables_are_compared_as_written(catalog: Catalog) -> None:
    own = policy(allow("iam:ChangePassword", "arn:aws:iam::*:user/${aws:username}"))
    anyone = policy(allow("iam:ChangePassword", "arn:aws:iam::*:user/*"))
    assert check_no_new_access(anyone, own, catalog=catalog).is_pass
    assert check_no_new_access(own, anyone, catalog=catalog).outcome is CheckOutcome.FAIL


def test_an_action_the_catalogue_lacks_is_compared_by_name(catalog: Catalog) -> None:
    old = policy(allow("s3:GetObject"))
    new = policy(allow(["s3:GetObject", "s3:NotARealAction"]))
    result = check_no_new_access(old, new, catalog=catalog)
    assert {a for r in result.reasons for a in r.actions} == {"s3:notarealaction"}


def test_new_access_agrees_with_the_engine(catalog: Catalog) -> None:
    """Every reported grant is one the engine allows under the new policy and not the old"""
    old = policy(allow("s3:GetObject", "arn:aws:s3:::bucket/a*"))
    new = policy(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::bucket/*"))
    principal = "arn:aws:iam::111122223333:role/r"
    for reason in check_no_new_access(old, new, catalog=catalog).reasons:
        for action in reason.actions:
            witness = reason.resource.replace("*", "zzz")
            request = Request(principal=principal, action=action, resource=witness)
            assert evaluate(request, PolicySet(identity=(new,))).decision is Decision.ALLOWED
            assert evaluate(request, PolicySet(identity=(old,))).decision is not Decision.ALLOWED


def test_resource_policy_new_principal_fails(catalog: Catalog) -> None:
    """RESOURCE_POLICY (trust policies included): a principal the new policy adds is new
    access"""
    kind = PolicyKind.RESOURCE
    one = {"AWS": "arn:aws:iam::123456789012:root"}
    two = {"AWS": ["arn:aws:iam::123456789012:root", "arn:aws:iam::210987654321:role/ci"]}
    old = policy({"Effect": "Allow", "Principal": one, "Action": "sts:AssumeRole"}, kind=kind)
    new = policy({"Effect": "Allow", "Principal": two, "Action": "sts:AssumeRole"}, kind=kind)
    result = check_no_new_access(old, new, catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    assert [r.principal for r in result.reasons] == ["arn:aws:iam::210987654321:role/ci"]
    assert check_no_new_access(new, old, catalog=catalog).is_pass
    anyone = policy({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}, kind=kind)
    assert check_no_new_access(new, anyone, catalog=catalog).outcome is CheckOutcome.FAIL


def test_policies_of_different_types_are_refused(catalog: Catalog) -> None:
    trust = policy(
        {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}, kind=PolicyKind.RESOURCE
    )
    with pytest.raises(InputError, match="compare policies of one type"):
        check_no_new_access(policy(allow("s3:*")), trust, catalog=catalog)


# -- CheckAccessNotGranted -------------------------------------------------------------------


def test_access_not_granted_passes_when_no_action_is_allowed(catalog: Catalog) -> None:
    """API_CheckAccessNotGranted: PASS when the policy does not grant the access"""
    p = policy(allow("s3:GetObject", BUCKET))
    result = check_access_not_granted(p, ["iam:PassRole", "s3:PutObject"], catalog=catalog)
    assert result.outcome is CheckOutcome.PASS


def test_access_not_granted_fails_on_a_wildcard_action(catalog: Catalog) -> None:
    """Wildcards in the listed actions expand through the catalogue"""
    p = policy(allow(["s3:GetObject", "s3:PutObjectAcl"], BUCKET))
    result = check_access_not_granted(p, ["s3:Put*"], catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    assert [r.actions for r in result.reasons] == [("s3:PutObjectAcl",)]


def test_access_not_granted_on_listed_resources_only(catalog: Catalog) -> None:
    p = policy(allow("s3:GetObject", BUCKET))
    elsewhere = check_access_not_granted(
        p, ["s3:GetObject"], resources=["arn:aws:s3:::other/key"], catalog=catalog
    )
    assert elsewhere.is_pass
    here = check_access_not_granted(
        p, ["s3:GetObject"], resources=["arn:aws:s3:::bucket/key"], catalog=catalog
    )
    assert here.outcome is CheckOutcome.FAIL
    assert here.reasons[0].resource == "arn:aws:s3:::bucket/key"


def test_access_granted_under_conditions_is_granted(catalog: Catalog) -> None:
    p = policy(allow("iam:PassRole", Condition=TEAM_A))
    result = check_access_not_granted(p, ["iam:PassRole"], catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    assert result.reasons[0].conditions == ("StringEquals aws:PrincipalTag/team [a]",)
    (reason,) = result.reasons
    assert reason.actions == ("iam:PassRole",)
    other = check_access_not_granted(p, ["s3:GetObject"], catalog=catalog)
    assert other.is_pass and other.message == "the policy grants no `s3:GetObject`"


def test_a_deny_keeps_access_not_granted(catalog: Catalog) -> None:
    p = policy(allow("iam:*"), deny("iam:PassRole"))
    assert check_access_not_granted(p, ["iam:PassRole"], catalog=catalog).is_pass


def test_access_not_granted_on_a_kms_key_with_an_identity_policy(catalog: Catalog) -> None:
    """An identity policy is checked as if the key policy delegated to the account"""
    p = policy(allow("kms:Decrypt"))
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    result = check_access_not_granted(p, ["kms:Decrypt"], resources=[key], catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL


def test_resource_policy_access_not_granted_asks_every_principal(catalog: Catalog) -> None:
    kind = PolicyKind.RESOURCE
    p = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": "sqs:SendMessage",
            "Resource": "*",
        },
        kind=kind,
    )
    result = check_access_not_granted(p, ["sqs:SendMessage", "sqs:DeleteQueue"], catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    assert {r.principal for r in result.reasons} == {
        "arn:aws:iam::210987654321:role/iamwarden-check"
    }
    assert {a for r in result.reasons for a in r.actions} == {"sqs:SendMessage"}


def test_access_not_granted_limits_entries_like_access_analyzer(catalog: Catalog) -> None:
    """API_CheckAccessNotGranted: at most 100 actions and 100 resources"""
    p = policy(allow("s3:GetObject"))
    with pytest.raises(InputError, match="at most 100 actions"):
        check_access_not_granted(p, ["s3:GetObject"] * (MAX_ENTRIES + 1), catalog=catalog)
    with pytest.raises(InputError, match="at least one action"):
        check_access_not_granted(p, [], catalog=catalog)


# -- CheckNoPublicAccess ---------------------------------------------------------------------


def resource_policy(principal: Any, action: str, resource: str = "*", **extra: Any) -> Policy:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}
    return policy({**statement, **extra}, kind=PolicyKind.RESOURCE)


def test_public_bucket_policy_fails(catalog: Catalog) -> None:
    """API_CheckNoPublicAccess: FAIL when the policy grants public access to the type"""
    p = resource_policy("*", "s3:GetObject", "arn:aws:s3:::site/*")
    result = check_no_public_access(p, "AWS::S3::Bucket", catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    assert result.reasons[0].actions == ("s3:GetObject",)
    # the pattern the statement names, not the bucket asked about (issue 14 §3.10)
    assert result.reasons[0].resource == "arn:aws:s3:::site/*"


def test_a_named_account_is_not_public(catalog: Catalog) -> None:
    p = resource_policy({"AWS": "210987654321"}, "s3:GetObject", "arn:aws:s3:::site/*")
    assert check_no_public_access(p, "AWS::S3::Bucket", catalog=catalog).is_pass


def test_the_organization_condition_is_not_public(catalog: Catalog) -> None:
    """aws:PrincipalOrgID limits `*` to the organization's accounts: not public"""
    p = resource_policy(
        "*",
        "sqs:SendMessage",
        Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
    )
    assert check_no_public_access(p, "AWS::SQS::Queue", catalog=catalog).is_pass


def test_public_under_a_caller_condition_fails_with_it(catalog: Catalog) -> None:
    p = resource_policy("*", "sns:Publish", Condition={"Bool": {"aws:SecureTransport": "true"}})
    result = check_no_public_access(p, "AWS::SNS::Topic", catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    assert result.reasons[0].conditions == ("Bool aws:SecureTransport [true]",)


def test_open_trust_policy_is_public(catalog: Catalog) -> None:
    p = resource_policy({"AWS": "*"}, "sts:AssumeRole")
    result = check_no_public_access(p, "AWS::IAM::AssumeRolePolicyDocument", catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL


@pytest.mark.parametrize("resource_type", sorted(PUBLIC_RESOURCE_TYPES))
def test_every_documented_resource_type_is_checked(catalog: Catalog, resource_type: str) -> None:
    """API_CheckNoPublicAccess `resourceType` valid values: a policy open to anyone on the
    type's service fails for each (the example resource is one the catalogue knows)"""
    service = PUBLIC_RESOURCE_TYPES[resource_type].split(":")[2]
    prefix = "sts" if service == "iam" else service
    p = resource_policy("*", f"{prefix}:*")
    result = check_no_public_access(p, resource_type, catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL, resource_type
    narrowed = resource_policy({"AWS": "210987654321"}, f"{prefix}:*")
    assert check_no_public_access(narrowed, resource_type, catalog=catalog).is_pass


def test_unknown_resource_type_is_bad_input(catalog: Catalog) -> None:
    with pytest.raises(InputError, match="AWS::Foo::Bar"):
        check_no_public_access(resource_policy("*", "s3:*"), "AWS::Foo::Bar", catalog=catalog)


def test_a_statements_own_clauses_on_one_key_are_taken_as_meant(catalog: Catalog) -> None:
    """Two clauses of one statement on one key (StringLike and StringNotEquals) are the
    author's: a new action under them is new access (FAIL), not UNDECIDED"""
    own = {
        "StringLike": {"aws:PrincipalTag/team": "a*"},
        "StringNotEquals": {"aws:PrincipalTag/team": "ab"},
    }
    old = policy(allow("s3:GetObject"))
    new = policy(allow("s3:GetObject"), allow("s3:PutObject", Condition=own))
    result = check_no_new_access(old, new, catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    assert [r.actions for r in result.reasons] == [("s3:PutObject",)]
    assert len(result.reasons[0].conditions) == 2


def test_clauses_of_other_new_allows_do_not_make_a_grant_undecided(catalog: Catalog) -> None:
    """Two Allows of the new policy with StringLike on one key (kms:ViaService, as AWS's
    AWSServiceRoleForUserSubscriptions): each grant is new whatever the other's clause"""
    sso = {"StringLike": {"kms:ViaService": "sso.*.amazonaws.com"}}
    store = {"StringLike": {"kms:ViaService": "identitystore.*.amazonaws.com"}}
    new = policy(allow("kms:Decrypt", Condition=sso), allow("kms:Decrypt", Condition=store))
    result = check_no_new_access(policy(allow("s3:GetObject")), new, catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    assert len(result.reasons) == 2 and all(r.is_decided for r in result.reasons)


# -- newcomer review (issue 14 §3) -----------------------------------------------------------


@pytest.mark.parametrize("added", ["iotevents:*", "evidently:*", "newsvc:*", "s3:Future*"])
def test_no_new_access_fails_for_a_wildcard_matching_no_catalogue_action(
    catalog: Catalog, added: str
) -> None:
    """API_CheckNoNewAccess: FAIL when the updated policy might allow new access; IAM User
    Guide, reference_policies_elements_action: a wildcard covers every action of the
    service, listed in our catalogue or not"""
    old = policy(allow("s3:GetObject"))
    new = policy(allow(["s3:GetObject", added]))
    result = check_no_new_access(old, new, catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL
    assert [r.actions for r in result.reasons] == [(added,)]


def test_no_new_access_fails_when_a_deny_of_an_uncatalogued_service_is_dropped(
    catalog: Catalog,
) -> None:
    """API_CheckNoNewAccess: dropping `Deny iotevents:*` allows iotevents actions anew"""
    old = policy(allow("*"), deny("iotevents:*"))
    assert check_no_new_access(old, policy(allow("*")), catalog=catalog).outcome is (
        CheckOutcome.FAIL
    )
    widest = check_no_new_access(policy(allow("*")), policy(allow("iotevents:*")), catalog=catalog)
    assert widest.outcome is CheckOutcome.PASS


def test_no_new_access_treats_clauses_on_a_multivalued_key_as_independent(
    catalog: Catalog,
) -> None:
    """IAM User Guide, reference_policies_condition-single-vs-multi-valued-context-keys: a
    request may carry aws:TagKeys [a, b], so `StringEquals aws:TagKeys a` and `… b` both
    hold; the engine then denies under the old policy and allows under the new"""
    tag_a = {"StringEquals": {"aws:TagKeys": "a"}}
    tag_b = {"StringEquals": {"aws:TagKeys": "b"}}
    old = policy(allow("ec2:CreateTags", Condition=tag_a), deny("ec2:CreateTags", Condition=tag_b))
    new = policy(allow("ec2:CreateTags", Condition=tag_a))
    request = Request(
        principal="arn:aws:iam::111122223333:role/r",
        action="ec2:CreateTags",
        resource="*",
        context={"aws:TagKeys": ["a", "b"]},
    )
    assert evaluate(request, PolicySet(identity=(old,)), catalog=catalog).decision is not (
        Decision.ALLOWED
    )
    assert evaluate(request, PolicySet(identity=(new,)), catalog=catalog).decision is (
        Decision.ALLOWED
    )
    assert check_no_new_access(old, new, catalog=catalog).outcome is CheckOutcome.FAIL


def resource_doc(*statements: dict[str, Any]) -> Policy:
    return policy(*statements, kind=PolicyKind.RESOURCE)


def _open_read(condition: dict[str, Any], principal: Any = None) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": principal or {"AWS": "*"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b1/*",
        "Condition": condition,
    }


@pytest.mark.parametrize(
    "condition",
    [
        {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}},
        {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}},
        {"StringLike": {"aws:SourceVpce": "*"}},
        {"StringLike": {"aws:SourceVpce": "vpce-*"}},
        {"StringLike": {"aws:SourceVpc": "vpc-*"}},
        {"StringLike": {"aws:PrincipalAccount": "1111*"}},
        # S3 ARNs carry no account: in the bucket's own account this always holds
        {"StringEquals": {"aws:ResourceAccount": "111111111111"}},
    ],
)
def test_no_public_access_fails_for_conditions_any_account_meets(
    catalog: Catalog, condition: dict[str, Any]
) -> None:
    """API_CheckNoPublicAccess: public is reachable by a principal of an arbitrary account;
    IAM User Guide, reference_policies_condition-keys (aws:PrincipalArn, aws:SourceVpce,
    aws:ResourceAccount)"""
    result = check_no_public_access(
        resource_doc(_open_read(condition)), "AWS::S3::Bucket", catalog=catalog
    )
    assert result.outcome is CheckOutcome.FAIL


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceVpce": "vpce-1234"}},
        {"StringEquals": {"aws:PrincipalAccount": "111122223333"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}},
    ],
)
def test_no_public_access_passes_for_conditions_naming_one_account_or_endpoint(
    catalog: Catalog, condition: dict[str, Any]
) -> None:
    """API_CheckNoPublicAccess: PASS when a condition narrows to one account or endpoint"""
    result = check_no_public_access(
        resource_doc(_open_read(condition)), "AWS::S3::Bucket", catalog=catalog
    )
    assert result.outcome is CheckOutcome.PASS


def test_no_public_access_fails_for_a_trust_policy_open_to_any_account_role_name(
    catalog: Catalog,
) -> None:
    """IAM User Guide, reference_policies_condition-keys#condition-keys-principalarn: a
    role named `deployer` may be created in any account"""
    trust = resource_doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deployer"}},
        }
    )
    result = check_no_public_access(trust, "AWS::IAM::AssumeRolePolicyDocument", catalog=catalog)
    assert result.outcome is CheckOutcome.FAIL


@pytest.mark.parametrize(("source", "outcome"), [("*", "FAIL"), ("111122223333", "PASS")])
def test_no_public_access_for_a_service_acting_for_any_account(
    catalog: Catalog, source: str, outcome: str
) -> None:
    """IAM User Guide, confused-deputy: a service principal whose aws:SourceArn pattern
    takes any account acts for anyone"""
    queue = resource_doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": "*",
            "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{source}:t"}},
        }
    )
    result = check_no_public_access(queue, "AWS::SQS::Queue", catalog=catalog)
    assert result.outcome.value == outcome


def test_no_public_access_passes_a_trust_policy_for_a_service(catalog: Catalog) -> None:
    """IAM User Guide, id_roles_create_for-service: a service assumes the role only when the
    account passes it (iam:PassRole), so `Principal: {Service: ec2.amazonaws.com}` is not
    public"""
    trust = resource_doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    result = check_no_public_access(trust, "AWS::IAM::AssumeRolePolicyDocument", catalog=catalog)
    assert result.outcome is CheckOutcome.PASS


GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"


@pytest.mark.parametrize(
    ("provider", "condition", "outcome"),
    [
        ("accounts.google.com", None, "FAIL"),
        (
            GITHUB,
            {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
            "FAIL",
        ),
        (
            GITHUB,
            {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/repo:*"},
            },
            "PASS",
        ),
        ("arn:aws:iam::111122223333:saml-provider/corp", None, "PASS"),
        *(
            (GITHUB, {"StringLike": {"token.actions.githubusercontent.com:sub": sub}}, "FAIL")
            for sub in ("*", "repo:*", "repo:*/*:*", "*:ref:refs/heads/main", "repo:org*")
        ),
        (
            GITHUB,
            {"StringNotLike": {"token.actions.githubusercontent.com:sub": "repo:org/x:*"}},
            "FAIL",
        ),
        (GITHUB, {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"}}, "PASS"),
        (
            GITHUB,
            {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:org/r:ref:x"}},
            "PASS",
        ),
        ("accounts.google.com", {"StringLike": {"accounts.google.com:sub": "*"}}, "FAIL"),
        ("accounts.google.com", {"StringEquals": {"accounts.google.com:sub": "1234"}}, "PASS"),
    ],
)
def test_no_public_access_for_a_web_identity_provider(
    catalog: Catalog, provider: str, condition: dict[str, Any] | None, outcome: str
) -> None:
    """IAM User Guide, id_roles_create_for-idp_oidc and id_roles_providers_oidc_secure-by-
    default: anyone may sign in to a public web identity provider, and `aud` is shared by
    every GitHub workflow; only a `sub` condition names the workload, and a wildcard subject
    (`repo:*`: anyone may create a repository) or a negated one names nobody. A SAML
    provider's users are the organisation's own."""
    action = "sts:AssumeRoleWithSAML" if "saml" in provider else "sts:AssumeRoleWithWebIdentity"
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": provider},
        "Action": action,
    }
    if condition:
        statement["Condition"] = condition
    result = check_no_public_access(
        resource_doc(statement), "AWS::IAM::AssumeRolePolicyDocument", catalog=catalog
    )
    assert result.outcome.value == outcome
