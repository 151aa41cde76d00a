import dataclasses
from datetime import timedelta

import pytest

from iamwarden.analysis import assess
from iamwarden.findings import Status
from iamwarden.snapshot import DataSet, ServiceAccess, ServiceLastAccessed, with_policy_gaps
from tests.analysis.checking import only, run_check, statuses
from tests.builders import (
    ACCOUNT_ID,
    ALLOW_ALL,
    NOW,
    aws_policy,
    group,
    inline,
    managed_policy,
    role,
    snapshot,
    user,
)

ADMIN = aws_policy("AdministratorAccess")
SCOPED = managed_policy(
    "Scoped",
    document={
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"}],
    },
)
NO_DETAILS = frozenset(DataSet) - {DataSet.AUTHORIZATION_DETAILS}


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        (ADMIN, Status.FAIL),
        (SCOPED, Status.PASS),
        (
            managed_policy(
                "AllButIam",
                document=doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
            ),
            Status.PASS,
        ),
        (
            managed_policy(
                "AdminWithDeny",
                document=doc(
                    {"Effect": "Allow", "Action": "*", "Resource": "*"},
                    {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
                ),
            ),
            Status.FAIL,  # CIS 1.16's audit: any Allow of * on *, a Deny beside it or not
        ),
    ],
)
def test_policy_no_full_admin(policy, status):
    snap = snapshot(policies=(policy,), roles=(role("app", attached_policies=(policy.arn,)),))
    finding = only(run_check("policy_no_full_admin", snap))
    assert (finding.status, finding.resource_arn) == (status, policy.arn)


def test_policy_no_full_admin_not_assessed_for_missing_attached_policy():
    snap = snapshot(roles=(role("app", attached_policies=(ADMIN.arn,)),))
    assert only(run_check("policy_no_full_admin", snap)).status is Status.NOT_ASSESSED


def test_unattached_policies_are_not_cis_findings():
    assert run_check("policy_no_full_admin", snapshot(policies=(managed_policy("Idle"),))) == []


def test_policy_no_full_admin_not_assessed_without_authorization_details():
    finding = only(run_check("policy_no_full_admin", snapshot(collected=NO_DETAILS)))
    assert finding.status is Status.NOT_ASSESSED


SPLIT_ADMIN = doc(
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
)


@pytest.mark.parametrize(
    ("entity", "document", "status"),
    [
        (role("bad_role"), ALLOW_ALL, Status.FAIL),
        (user("bot"), ALLOW_ALL, Status.FAIL),
        (group("ops"), ALLOW_ALL, Status.FAIL),
        (role("bad_role"), SPLIT_ADMIN, Status.FAIL),
        (role("scoped"), SCOPED.document.obj(), Status.PASS),
        (
            role("guarded"),
            doc(
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
            ),
            Status.FAIL,
        ),
    ],
)
def test_policy_no_full_admin_covers_inline_policies(entity, document, status):
    holder = dataclasses.replace(entity, inline_policies=(inline("dostuff", document=document),))
    kind = {"Role": "roles", "User": "users", "Group": "groups"}[type(entity).__name__]
    finding = only(run_check("policy_no_full_admin", snapshot(**{kind: (holder,)})))
    assert (finding.status, finding.resource_arn) == (status, f"{entity.arn}:dostuff")
    assert finding.evidence["attached_to"] == [entity.arn]
    assert finding.evidence["subject"] == f"{entity.name}/dostuff"


def test_policy_no_full_admin_inline_evidence_names_the_statement():
    bad = role("bad_role", inline_policies=(inline("dostuff"),))
    finding = only(run_check("policy_no_full_admin", snapshot(roles=(bad,))))
    assert [r["policy"] for r in finding.evidence["statements"]] == [f"{bad.arn}:dostuff"]
    assert finding.message == "bad_role/dostuff allows every action on every resource"


def test_policy_no_full_admin_unparseable_inline_policy_is_not_assessed():
    broken = role("odd", inline_policies=(inline("broken", document={"Statement": 3}),))
    snap = with_policy_gaps(snapshot(roles=(broken,)))
    finding = only(run_check("policy_no_full_admin", snap))
    assert finding.status is Status.NOT_ASSESSED
    problem = "Statement: statement must be an object or a non-empty list"
    assert finding.message == f"odd/broken cannot be read: {problem}"
    assert finding.evidence["missing_data"] == ["authorization_details"]
    assert finding.evidence["gaps"] == [f"policy `{broken.arn}:broken` cannot be read: {problem}"]


@pytest.mark.parametrize("check_id", ["role_admin_access", "policy_wildcard_sensitive_actions"])
def test_unreadable_policy_leaves_its_holder_not_assessed_with_the_gap(check_id):
    bad = managed_policy("Odd", document={"Version": "2012-10-17", "Statement": "x"})
    holder = role("holder", attached_policies=(bad.arn,))
    fine = role("fine", attached_policies=(SCOPED.arn,))
    snap = with_policy_gaps(snapshot(roles=(holder, fine), policies=(bad, SCOPED)))
    (gap,) = snap.gaps
    findings = run_check(check_id, snap)
    subject = holder.arn if check_id == "role_admin_access" else bad.arn
    (pending,) = [f for f in findings if f.status is Status.NOT_ASSESSED]
    assert pending.resource_arn == subject and pending.evidence["gaps"] == [gap.reason]
    assert pending.evidence["unreadable_policies"] == [bad.arn]
    assert {f.status for f in findings if f is not pending} == {Status.PASS}


@pytest.mark.parametrize(
    ("check_id", "entities", "arn"),
    [
        (
            "role_admin_access",
            {"roles": (role("dev", attached_policies=(ADMIN.arn,)),)},
            f"arn:aws:iam::{ACCOUNT_ID}:role/dev",
        ),
        (
            "user_admin_access",
            {"users": (user("bot", inline_policies=(inline("all"),)),)},
            f"arn:aws:iam::{ACCOUNT_ID}:user/bot",
        ),
        (
            "group_admin_access",
            {"groups": (group("ops", attached_policies=(ADMIN.arn,)),)},
            f"arn:aws:iam::{ACCOUNT_ID}:group/ops",
        ),
        (
            "user_admin_access",
            {
                "users": (user("member", groups=("ops",)),),
                "groups": (group("ops", attached_policies=(ADMIN.arn,)),),
            },
            f"arn:aws:iam::{ACCOUNT_ID}:user/member",
        ),
    ],
)
def test_admin_access_fails(check_id, entities, arn):
    snap = snapshot(policies=(ADMIN,), **entities)
    assert statuses(run_check(check_id, snap))[arn] is Status.FAIL


def test_boundary_removes_admin_access():
    boundary = managed_policy(
        "Boundary", document=doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    )
    dev = role("dev", attached_policies=(ADMIN.arn,), permissions_boundary=boundary.arn)
    snap = snapshot(policies=(ADMIN, boundary), roles=(dev,))
    assert only(run_check("role_admin_access", snap)).status is Status.PASS


def test_role_admin_access_reports_services_used():
    dev = role("dev", attached_policies=(ADMIN.arn,))
    used = ServiceLastAccessed(
        principal_arn=dev.arn,
        services=(
            ServiceAccess(namespace="s3", last_authenticated=NOW),
            ServiceAccess(namespace="iam"),
        ),
    )
    snap = snapshot(policies=(ADMIN,), roles=(dev,), service_last_accessed=(used,))
    finding = only(run_check("role_admin_access", snap))
    assert finding.evidence["services_used"] == ["s3"]
    assert finding.evidence["statements"][0]["policy"] == ADMIN.arn


@pytest.mark.parametrize(
    "check_id", ["role_admin_access", "user_admin_access", "group_admin_access"]
)
def test_admin_access_not_assessed(check_id):
    snap = snapshot(
        roles=(role("dev", attached_policies=(ADMIN.arn,)),),
        users=(user("bot", attached_policies=(ADMIN.arn,)),),
        groups=(group("ops", attached_policies=(ADMIN.arn,)),),
    )
    assert {f.status for f in run_check(check_id, snap)} == {Status.NOT_ASSESSED}
    assert only(run_check(check_id, snapshot(collected=NO_DETAILS))).status is Status.NOT_ASSESSED


@pytest.mark.parametrize(
    ("check_id", "entities"),
    [
        ("role_admin_access", {"roles": (role("app", attached_policies=(SCOPED.arn,)),)}),
        ("user_admin_access", {"users": (user("bot", attached_policies=(SCOPED.arn,)),)}),
        ("group_admin_access", {"groups": (group("ops", attached_policies=(SCOPED.arn,)),)}),
    ],
)
def test_admin_access_passes_for_scoped_principals(check_id, entities):
    snap = snapshot(policies=(SCOPED,), **entities)
    assert only(run_check(check_id, snap)).status is Status.PASS


PASS_ROLE_ANYWHERE = managed_policy(
    "Deploy",
    document=doc(
        {"Effect": "Allow", "Action": ["iam:PassRole", "s3:PutBucketPolicy"], "Resource": "*"}
    ),
)
PASS_ROLE_SCOPED = managed_policy(
    "DeployScoped",
    document=doc(
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/app",
        }
    ),
)


@pytest.mark.parametrize(
    ("policy", "status"),
    [(PASS_ROLE_ANYWHERE, Status.FAIL), (PASS_ROLE_SCOPED, Status.PASS), (SCOPED, Status.PASS)],
)
def test_policy_wildcard_sensitive_actions(policy, status):
    finding = only(run_check("policy_wildcard_sensitive_actions", snapshot(policies=(policy,))))
    assert finding.status is status


def test_sensitive_actions_are_grouped_by_why():
    finding = only(
        run_check("policy_wildcard_sensitive_actions", snapshot(policies=(PASS_ROLE_ANYWHERE,)))
    )
    assert finding.evidence["actions"] == {
        "credentials": ["iam:PassRole"],
        "permissions_management": ["s3:PutBucketPolicy"],
    }
    assert finding.evidence["statements"][0]["policy"] == PASS_ROLE_ANYWHERE.arn


def test_policies_sharing_a_document_each_cite_their_own_statements():
    twin = managed_policy("Twin", document=PASS_ROLE_ANYWHERE.document.obj())
    snap = snapshot(policies=(PASS_ROLE_ANYWHERE, twin))
    findings = run_check("policy_wildcard_sensitive_actions", snap)
    assert [f.resource_arn for f in findings] == sorted([PASS_ROLE_ANYWHERE.arn, twin.arn])
    for finding in findings:
        assert finding.status is Status.FAIL
        assert {r["policy"] for r in finding.evidence["statements"]} == {finding.resource_arn}
    first, second = (dict(f.evidence) for f in findings)
    assert first["actions"] == second["actions"] and first["only_under"] == second["only_under"]
    assert first["actions"] is not second["actions"]  # each finding owns its evidence


def test_inline_policies_are_checked_and_aws_managed_are_not():
    bot = user(
        "bot", inline_policies=(inline("deploy", document=PASS_ROLE_ANYWHERE.document.obj()),)
    )
    snap = snapshot(users=(bot,), policies=(aws_policy("IAMFullAccess"),))
    finding = only(run_check("policy_wildcard_sensitive_actions", snap))
    assert finding.resource_arn == f"{bot.arn}:deploy"
    assert finding.status is Status.FAIL


def test_boundary_only_policies_are_skipped():
    boundary = managed_policy(
        "Boundary", document=PASS_ROLE_ANYWHERE.document.obj(), boundary_usage_count=1
    )
    assert run_check("policy_wildcard_sensitive_actions", snapshot(policies=(boundary,))) == []


def test_sensitive_actions_not_assessed_without_authorization_details():
    finding = only(run_check("policy_wildcard_sensitive_actions", snapshot(collected=NO_DETAILS)))
    assert finding.status is Status.NOT_ASSESSED


@pytest.mark.parametrize(
    ("kw", "status"),
    [
        ({"last_used": NOW - timedelta(days=5)}, Status.PASS),
        ({"last_used": NOW - timedelta(days=91)}, Status.FAIL),
        ({"created": NOW - timedelta(days=200)}, Status.FAIL),
        ({"created": NOW - timedelta(days=2)}, Status.PASS),
        ({}, Status.NOT_ASSESSED),
    ],
)
def test_role_unused_90_days(kw, status):
    snap = snapshot(roles=(role("app", **kw),))
    assert only(run_check("role_unused_90_days", snap)).status is status


def test_service_linked_roles_are_not_unused_findings():
    linked = role("AWSServiceRoleForSupport", path="/aws-service-role/support.amazonaws.com/")
    assert run_check("role_unused_90_days", snapshot(roles=(linked,))) == []


# CIS AWS Foundations Benchmark v3.0.0, 1.16, audit: the output of `get-policy-version`
# "should not have any Statement block with "Effect": "Allow" and Action set to "*" and
# Resource set to "*"" (the AWS Config rule iam-policy-no-statements-with-admin-access says
# the same). So the Allow counts whatever its conditions, and a Deny beside it is named, not
# subtracted.
TLS_ADMIN = managed_policy(
    "TlsAdmin",
    document=doc(
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        }
    ),
)


def test_admin_only_over_tls_fails_cis_1_16_and_says_so():
    snap = snapshot(policies=(TLS_ADMIN,), roles=(role("app", attached_policies=(TLS_ADMIN.arn,)),))
    finding = only(run_check("policy_no_full_admin", snap))
    assert finding.status is Status.FAIL
    assert finding.message == "TlsAdmin allows every action on every resource only over TLS"
    assert finding.evidence["only_if"][0]["key"] == "aws:SecureTransport"


def test_admin_only_over_tls_is_an_administrator():
    snap = snapshot(policies=(TLS_ADMIN,), roles=(role("app", attached_policies=(TLS_ADMIN.arn,)),))
    finding = only(run_check("role_admin_access", snap))
    assert finding.status is Status.FAIL
    assert finding.message == "app has full administrator access only over TLS"
    assert finding.evidence["only_under"] == "only over TLS"


def test_cis_1_16_counts_an_allow_whatever_its_condition_key():
    tagged = managed_policy(
        "TaggedAdmin",
        document=doc(
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "platform"}},
            }
        ),
    )
    snap = snapshot(policies=(tagged,), roles=(role("app", attached_policies=(tagged.arn,)),))
    finding = only(run_check("policy_no_full_admin", snap))
    assert finding.status is Status.FAIL
    assert "aws:PrincipalTag/team is platform" in finding.message


def test_cis_1_16_names_the_deny_beside_the_allow():
    guarded = managed_policy(
        "Guarded",
        document=doc(
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "NoIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*"},
        ),
    )
    snap = snapshot(policies=(guarded,), roles=(role("app", attached_policies=(guarded.arn,)),))
    finding = only(run_check("policy_no_full_admin", snap))
    assert finding.status is Status.FAIL
    assert finding.evidence["deny_statements"] == [
        {"index": 1, "sid": "NoIam", "pointer": "Statement[1]"}
    ]
    # the principal question still subtracts the Deny: the role is not an administrator
    assert only(run_check("role_admin_access", snap)).status is Status.PASS


REGION_GUARD = managed_policy(
    "RegionGuard",
    document=doc(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
        }
    ),
)


@pytest.mark.parametrize(
    ("check_id", "entities"),
    [
        (
            "role_admin_access",
            {"roles": (role("ops", attached_policies=(ADMIN.arn, REGION_GUARD.arn)),)},
        ),
        (
            "user_admin_access",
            {"users": (user("ops", attached_policies=(ADMIN.arn, REGION_GUARD.arn)),)},
        ),
        (
            "group_admin_access",
            {"groups": (group("ops", attached_policies=(ADMIN.arn, REGION_GUARD.arn)),)},
        ),
    ],
)
def test_admin_in_one_region_is_an_administrator_there(check_id, entities):
    snap = snapshot(policies=(ADMIN, REGION_GUARD), **entities)
    finding = only(run_check(check_id, snap))
    assert finding.status is Status.FAIL
    assert finding.message == "ops has full administrator access in eu-west-1 only"
    assert finding.evidence["requires_mfa"] is False


def test_sensitive_action_over_tls_only_is_still_sensitive():
    tls_pass_role = managed_policy(
        "TlsPassRole",
        document=doc(
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            }
        ),
    )
    snap = snapshot(
        policies=(tls_pass_role,), roles=(role("app", attached_policies=(tls_pass_role.arn,)),)
    )
    finding = only(run_check("policy_wildcard_sensitive_actions", snap))
    assert finding.status is Status.FAIL
    assert finding.evidence["only_under"] == {"iam:PassRole": "only over TLS"}


def test_sensitive_action_scoped_by_a_request_key_is_not_flagged():
    # iam:PassedToService is in the request only when a role is passed: the fix the check
    # itself suggests must pass
    scoped = managed_policy(
        "PassToLambda",
        document=doc(
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
            }
        ),
    )
    snap = snapshot(policies=(scoped,), roles=(role("app", attached_policies=(scoped.arn,)),))
    assert only(run_check("policy_wildcard_sensitive_actions", snap)).status is Status.PASS


def test_a_name_with_a_line_break_is_shown_escaped_not_an_aborted_assessment():
    """An imported export may hold a name AWS itself would refuse (report review: a newline
    in an inline policy name raised "a finding's message is one line")"""
    snap = snapshot(users=(user(inline_policies=(inline("admin\nall"),)),))
    findings = [f for f in assess(snap).findings if f.check_id == "policy_no_full_admin"]
    assert findings and all("\n" not in f.message for f in findings)
    assert any("admin\\nall" in f.message for f in findings)
