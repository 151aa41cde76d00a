import pytest

from iamwarden.analysis import Permissions, Sensitivity
from iamwarden.analysis.permissions import CREDENTIAL_ACTIONS, RESOURCE_POLICY_WRITES
from iamwarden.policy import PolicySet, load_catalog, parse_policy
from iamwarden.policy.keys import REQUEST_KEYS
from iamwarden.snapshot import DataSet, Organization, OrgLevel, OrgLevelKind, Tag
from tests.builders import ALLOW_ALL, role, snapshot, user


def permissions():
    return Permissions(snapshot(), load_catalog())


def test_listed_sensitive_actions_exist_in_the_catalogue():
    catalog = load_catalog()
    for action in (*CREDENTIAL_ACTIONS, *RESOURCE_POLICY_WRITES):
        assert catalog.action_exists(action), action


def test_sensitive_actions_include_permissions_management_and_credentials():
    table = permissions().sensitive_actions
    assert table["iam:CreateAccessKey"] is Sensitivity.CREDENTIALS
    assert table["s3:PutBucketPolicy"] is Sensitivity.PERMISSIONS_MANAGEMENT
    assert "s3:GetObject" not in table


def test_admin_answers_agree_with_and_without_shortcuts():
    perms = permissions()
    admin = parse_policy(ALLOW_ALL, name="admin")
    scoped = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        },
        name="s3",
    )
    split = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}],
        },
        name="rest",
    )
    holder = perms.holder
    assert perms.admin_access(holder, PolicySet(identity=(admin, scoped))).is_admin
    assert not perms.admin_access(holder, PolicySet(identity=(scoped,))).is_admin
    assert perms.admin_access(holder, PolicySet(identity=(scoped,))).evaluation is None
    # two policies that only together name every action: the shortcut defers to the engine
    together = perms.admin_access(holder, PolicySet(identity=(scoped, split)))
    assert together.evaluation is not None


def test_lone_policy_answers_are_shared_but_named_per_policy():
    perms = permissions()
    first = perms.policy_admin(parse_policy(ALLOW_ALL, name="one"))
    second = perms.policy_admin(parse_policy(ALLOW_ALL, name="two"))
    assert first.evaluation.reasons[0].policy == "one"
    assert second.evaluation.reasons[0].policy == "two"


# Key classes of the IAM User Guide's "AWS global condition context keys" page
# (reference_policies_condition-keys), each key's "Availability" line.


def _allow_all_if(operator, key, value):
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {operator: {key: value}},
                }
            ],
        },
        name="conditional",
    )


REQUEST_KEY_CONDITIONS = {
    "aws:CurrentTime": ("DateLessThan", "2030-01-01T00:00:00Z"),
    "aws:EpochTime": ("NumericLessThan", "1900000000"),
    "aws:RequestedRegion": ("StringEquals", "eu-west-1"),
    "aws:SecureTransport": ("Bool", "true"),
    "aws:SourceIp": ("IpAddress", "203.0.113.0/24"),
    "aws:UserAgent": ("StringLike", "aws-cli/*"),
    "aws:ViaAWSService": ("Bool", "false"),
}


def test_every_request_key_has_a_case():
    assert {k.lower() for k in REQUEST_KEY_CONDITIONS} == REQUEST_KEYS


@pytest.mark.parametrize("key", sorted(REQUEST_KEY_CONDITIONS))
def test_request_keys_are_undecided_never_absent(key):
    # "This key is always included in the request context" (CurrentTime, EpochTime,
    # RequestedRegion, SecureTransport, UserAgent; SourceIp except through a VPC endpoint;
    # ViaAWSService for most services): an Allow on it is admin under that clause
    operator, value = REQUEST_KEY_CONDITIONS[key]
    snap = snapshot(users=(user("alice"),), roles=(role("app"),))
    perms = Permissions(snap, load_catalog())
    policies = PolicySet(identity=(_allow_all_if(operator, key, value),))
    for principal in (user("alice").arn, role("app").arn, perms.holder):
        access = perms.admin_access(principal, policies)
        assert access.is_admin_without_mfa, (principal, key)
        assert [c.key for c in access.conditions] == [key]
    assert perms.policy_admin(policies.identity[0]).is_admin_without_mfa


def test_principal_keys_are_known_for_a_known_principal():
    # aws:userid "for all signed requests" (a user's unique id); aws:PrincipalArn and
    # aws:PrincipalType "always included"; aws:username "for IAM users", not for roles
    alice = user("alice", id="AIDAEXAMPLEALICE")
    snap = snapshot(users=(alice, user("bob", id="AIDAEXAMPLEBOB")), roles=(role("app"),))
    perms = Permissions(snap, load_catalog())
    by_id = PolicySet(identity=(_allow_all_if("StringEquals", "aws:userid", alice.id),))
    answer = perms.admin_access(alice.arn, by_id)
    assert answer.is_admin_without_mfa and not answer.conditions
    assert not perms.admin_access(user("bob").arn, by_id).is_admin
    by_type = PolicySet(identity=(_allow_all_if("StringEquals", "aws:PrincipalType", "User"),))
    assert not perms.admin_access(alice.arn, by_type).conditions
    assert not perms.admin_access(role("app").arn, by_type).is_admin
    by_name = PolicySet(identity=(_allow_all_if("StringEquals", "aws:username", "app"),))
    assert not perms.admin_access(role("app").arn, by_name).is_admin


def test_principal_keys_are_undecided_where_the_principal_is_not_one():
    # a role's aws:userid names its session (role id:session name); a group's policies and a
    # lone policy apply to many principals
    perms = Permissions(snapshot(roles=(role("app"),)), load_catalog())
    by_id = PolicySet(identity=(_allow_all_if("StringLike", "aws:userid", "AROA*:ops-*"),))
    assert perms.admin_access(role("app").arn, by_id).conditions[0].key == "aws:userid"
    arn = role("app").arn
    by_arn = PolicySet(identity=(_allow_all_if("ArnEquals", "aws:PrincipalArn", arn),))
    assert not perms.admin_access(role("app").arn, by_arn).conditions
    assert perms.admin_access(perms.holder, by_arn).conditions[0].key == "aws:PrincipalArn"
    assert perms.policy_admin(by_arn.identity[0]).is_admin


def test_principal_tags_come_from_the_snapshot():
    tagged = user("alice", tags=(Tag(key="team", value="platform"),))
    perms = Permissions(snapshot(users=(tagged, user("bob"))), load_catalog())
    policies = PolicySet(
        identity=(_allow_all_if("StringEquals", "aws:PrincipalTag/team", "platform"),)
    )
    assert perms.admin_access(tagged.arn, policies).is_admin_without_mfa
    assert not perms.admin_access(user("bob").arn, policies).is_admin


def test_mfa_keys_make_admin_only_with_mfa():
    # aws:MultiFactorAuthAge "is included in the request context only if the principal ...
    # was authenticated using MFA"
    perms = Permissions(snapshot(users=(user("alice"),)), load_catalog())
    policies = PolicySet(
        identity=(_allow_all_if("NumericLessThan", "aws:MultiFactorAuthAge", "3600"),)
    )
    access = perms.admin_access(user("alice").arn, policies)
    assert access.is_admin and access.requires_mfa


ORG = Organization(
    id="o-a1b2c3d4e5",
    management_account_id="999999999999",
    path=(
        OrgLevel(id="r-ab12", kind=OrgLevelKind.ROOT),
        OrgLevel(id="ou-ab12-11111111", kind=OrgLevelKind.OU),
        OrgLevel(id="111122223333", kind=OrgLevelKind.ACCOUNT),
    ),
)


def _deny_outside_org(operator, key, value):
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {operator: {key: value}},
                },
            ],
        },
        name="org-guard",
    )


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        ("StringNotEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"),
        ("ForAllValues:StringNotLike", "aws:PrincipalOrgPaths", "o-a1b2c3d4e5/r-ab12/ou-ab12-*"),
    ],
)
def test_organization_keys_come_from_the_snapshot(operator, key, value):
    # aws:PrincipalOrgID / aws:PrincipalOrgPaths: "included in the request context only if the
    # principal is a member of an organization"
    policies = PolicySet(identity=(_deny_outside_org(operator, key, value),))
    alice = user("alice")
    member = Permissions(snapshot(users=(alice,), organization=ORG), load_catalog())
    answer = member.admin_access(alice.arn, policies)
    assert answer.is_admin_without_mfa and not answer.conditions
    assert member.admin_access(member.holder, policies).is_admin_without_mfa
    not_collected = frozenset(DataSet) - {DataSet.ORGANIZATION}
    unknown = Permissions(snapshot(users=(alice,), collected=not_collected), load_catalog())
    assert unknown.admin_access(alice.arn, policies).conditions[0].key == key


def test_not_in_an_organization_means_no_organization_keys():
    policies = PolicySet(
        identity=(_deny_outside_org("StringNotEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"),)
    )
    alice = user("alice")
    outside = Permissions(snapshot(users=(alice,)), load_catalog())
    assert not outside.admin_access(alice.arn, policies).is_admin
