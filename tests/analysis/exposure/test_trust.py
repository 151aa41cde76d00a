"""Trust-policy questions: confused deputies, services without their source, open OIDC and
SAML federation; each rule with cases that must and must not be reported"""

from __future__ import annotations

from typing import Any

import pytest

from iamwarden.analysis.exposure import ZoneOfTrust
from iamwarden.analysis.exposure.trust import (
    any_audience,
    any_saml_audience,
    any_subject,
    services_without_source,
    without_external_id,
)
from iamwarden.policy import PolicyKind, load_catalog, parse_policy
from tests.builders import ACCOUNT_ID, snapshot

ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/r"
GITHUB = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com"
GITLAB = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/gitlab.com"
TFC = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/app.terraform.io"
EKS = f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123"
SAML = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/Okta"
ZONE = ZoneOfTrust.of(snapshot(), known_accounts={"464622532012": "Datadog"})


def _ask(question: Any, *statements: dict[str, Any]) -> list[str]:
    policy = parse_policy(
        {"Version": "2012-10-17", "Statement": list(statements)}, kind=PolicyKind.RESOURCE
    )
    return [a.label for a in question(policy, ROLE, ZONE, load_catalog())]


def _assume(principal: Any, **condition: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return statement


def _web(provider: str, **condition: Any) -> dict[str, Any]:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition:
        statement["Condition"] = condition
    return statement


# -- confused deputy: another account without sts:ExternalId -------------------------------


def test_a_vendor_account_without_external_id_is_a_confused_deputy():
    assert _ask(without_external_id, _assume({"AWS": "arn:aws:iam::464622532012:root"})) == [
        "Datadog (464622532012)"
    ]


def test_a_role_assumable_by_star_is_assumable_by_any_account():
    assert _ask(without_external_id, _assume("*")) == ["any AWS account"]


def test_another_organization_without_external_id_is_a_confused_deputy():
    narrowed = _assume({"AWS": "*"}, StringEquals={"aws:PrincipalOrgID": "o-zzz999yyy8"})
    assert _ask(without_external_id, narrowed) == ["any account of Organization o-zzz999yyy8"]
    guarded = _assume(
        {"AWS": "*"},
        StringEquals={"aws:PrincipalOrgID": "o-zzz999yyy8", "sts:ExternalId": "x-123"},
    )
    assert _ask(without_external_id, guarded) == []


def test_an_external_id_condition_passes():
    statement = _assume({"AWS": "464622532012"}, StringEquals={"sts:ExternalId": "acme-7f3a9c"})
    assert _ask(without_external_id, statement) == []


def test_a_named_role_of_another_account_and_the_own_account_are_not_confused_deputies():
    assert _ask(without_external_id, _assume({"AWS": "arn:aws:iam::444455556666:role/ci"})) == []
    assert _ask(without_external_id, _assume({"AWS": ACCOUNT_ID})) == []


def test_an_external_id_that_only_looks_required_does_not_pass():
    # StringLike `*` matches any value the caller sends; IfExists holds when none is sent
    for condition in (
        {"StringEqualsIfExists": {"sts:ExternalId": "acme-7f3a9c"}},
        {"Null": {"sts:ExternalId": "true"}},
    ):
        assert _ask(without_external_id, _assume({"AWS": "464622532012"}, **condition)), condition


# -- services without aws:SourceAccount / aws:SourceArn ------------------------------------


def test_a_documented_service_without_source_keys_is_reported():
    assert _ask(services_without_source, _assume({"Service": "scheduler.amazonaws.com"})) == [
        "scheduler.amazonaws.com"
    ]


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
        {"ArnLike": {"aws:SourceArn": f"arn:aws:scheduler:us-east-1:{ACCOUNT_ID}:schedule/*"}},
    ],
)
def test_source_account_or_arn_of_the_account_passes(condition):
    statement = _assume({"Service": "scheduler.amazonaws.com"}, **condition)
    assert _ask(services_without_source, statement) == []


def test_a_source_account_pattern_matching_any_account_does_not_pass():
    statement = _assume(
        {"Service": "scheduler.amazonaws.com"}, StringLike={"aws:SourceAccount": "*"}
    )
    assert _ask(services_without_source, statement) == ["scheduler.amazonaws.com"]


def test_services_that_assume_only_passed_roles_are_not_asked():
    assert _ask(services_without_source, _assume({"Service": "lambda.amazonaws.com"})) == []


# -- OIDC: any subject ---------------------------------------------------------------------


def test_github_without_a_sub_condition_trusts_every_repository():
    statement = _web(
        GITHUB, StringEquals={"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    )
    assert _ask(any_subject, statement) == ["GitHub Actions"]


@pytest.mark.parametrize(
    "pattern",
    # the last three: a wildcard in the owner with no `/` after it (newcomer review)
    [
        "repo:*",
        "*",
        "repo:*/app:*",
        "repo:acme*/app:*",
        "repo:acme*",
        "repo:acme-*",
        "repo:acme*:*",
    ],
)
def test_github_sub_patterns_matching_other_owners_are_reported(pattern):
    statement = _web(GITHUB, StringLike={"token.actions.githubusercontent.com:sub": pattern})
    assert _ask(any_subject, statement) == ["GitHub Actions"], pattern


@pytest.mark.parametrize(
    "condition",
    [
        {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}},
        {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}},
        {"StringEquals": {"token.actions.githubusercontent.com:repository_owner": "acme"}},
    ],
)
def test_github_trust_narrowed_to_the_own_organization_passes(condition):
    assert _ask(any_subject, _web(GITHUB, **condition)) == []


@pytest.mark.parametrize(
    ("provider", "key", "good"),
    [
        (GITLAB, "gitlab.com:sub", "project_path:acme/app:ref_type:branch:ref:main"),
        (TFC, "app.terraform.io:sub", "organization:acme:project:*:workspace:*:run_phase:*"),
        (
            EKS,
            "oidc.eks.us-east-1.amazonaws.com/id/ABC123:sub",
            "system:serviceaccount:payments:api",
        ),
    ],
)
def test_other_providers_need_a_sub_condition(provider, key, good):
    assert _ask(any_subject, _web(provider))
    assert _ask(any_subject, _web(provider, StringLike={key: "*"}))
    assert _ask(any_subject, _web(provider, StringLike={key: good})) == []


def test_cognito_without_the_identity_pool_trusts_every_pool():
    cognito = "cognito-identity.amazonaws.com"
    assert _ask(any_subject, _web(cognito)) == ["Cognito identity pools"]
    narrowed = _web(
        cognito,
        StringEquals={
            "cognito-identity.amazonaws.com:aud": "us-east-1:1234abcd-0000-4000-8000-1234567890ab"
        },
    )
    assert _ask(any_subject, narrowed) == []


# -- OIDC and SAML: audience ---------------------------------------------------------------


def test_a_missing_aud_is_reported_and_a_checked_one_passes():
    sub = {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}
    assert _ask(any_audience, _web(GITHUB, StringLike=sub)) == ["GitHub Actions"]
    checked = _web(
        GITHUB,
        StringLike=sub,
        StringEquals={"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
    )
    assert _ask(any_audience, checked) == []


def test_saml_without_saml_aud_is_reported():
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": SAML},
        "Action": "sts:AssumeRoleWithSAML",
    }
    assert _ask(any_saml_audience, statement) == [SAML]
    statement["Condition"] = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
    assert _ask(any_saml_audience, statement) == []
