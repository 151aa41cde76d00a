"""Web identity trust: which conditions name who signs in, and lint's warning when none does"""

from __future__ import annotations

from typing import Any

import pytest

from iamwarden.policy import Condition, PolicyKind
from iamwarden.policy.federation import is_narrowed, web_identity_provider
from iamwarden.policy.lint import lint_policy

GITHUB = "token.actions.githubusercontent.com"
GITHUB_ARN = f"arn:aws:iam::111122223333:oidc-provider/{GITHUB}"


@pytest.mark.parametrize(
    ("principal", "provider"),
    [
        (GITHUB_ARN, GITHUB),
        ("accounts.google.com", "accounts.google.com"),
        ("Cognito-Identity.amazonaws.com", "cognito-identity.amazonaws.com"),
        ("arn:aws:iam::111122223333:saml-provider/corp", None),
        ("example.com", None),
    ],
)
def test_web_identity_provider(principal: str, provider: str | None) -> None:
    assert web_identity_provider(principal) == provider


@pytest.mark.parametrize(
    ("operator", "key", "values", "narrowed"),
    [
        ("StringLike", f"{GITHUB}:sub", ("repo:acme/app:*",), True),
        ("StringLike", f"{GITHUB}:sub", ("repo:acme/*",), True),
        ("StringLike", f"{GITHUB}:sub", ("repository_owner:acme:*",), True),
        ("StringEquals", f"{GITHUB}:sub", ("repo:acme/app:ref:refs/heads/main",), True),
        ("StringLike", f"{GITHUB}:sub", ("*",), False),
        ("StringLike", f"{GITHUB}:sub", ("repo:*",), False),
        ("StringLike", f"{GITHUB}:sub", ("repo:*/*:*",), False),
        ("StringLike", f"{GITHUB}:sub", ("*:ref:refs/heads/main",), False),
        ("StringLike", f"{GITHUB}:sub", ("repo:acme*",), False),
        ("StringLike", f"{GITHUB}:sub", ("repo:acme/app:*", "repo:*"), False),
        ("StringNotLike", f"{GITHUB}:sub", ("repo:acme/app:*",), False),
        ("ForAllValues:StringLike", f"{GITHUB}:sub", ("repo:acme/app:*",), False),
        ("StringEquals", f"{GITHUB}:aud", ("sts.amazonaws.com",), False),
    ],
)
def test_a_subject_names_who_only_without_open_wildcards(
    operator: str, key: str, values: tuple[str, ...], narrowed: bool
) -> None:
    """IAM User Guide, "Configuring a role for GitHub OIDC identity provider": the `sub`
    condition must name the organisation or repository; `aud` is the same for everyone"""
    clause = Condition(operator=operator, key=key, values=values)
    assert is_narrowed(GITHUB, [clause]) is narrowed


def test_cognito_is_narrowed_by_its_identity_pool() -> None:
    pool = Condition(
        operator="StringEquals",
        key="cognito-identity.amazonaws.com:aud",
        values=("us-east-1:12345678-1234-1234-1234-123456789012",),
    )
    assert is_narrowed("cognito-identity.amazonaws.com", [pool])
    assert not is_narrowed("accounts.google.com", [pool])


def _trust(principal: str, condition: dict[str, Any] | None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": principal},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


@pytest.mark.parametrize(
    ("principal", "condition", "warned"),
    [
        (GITHUB_ARN, {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}, True),
        (GITHUB_ARN, {"StringLike": {f"{GITHUB}:sub": "repo:*"}}, True),
        (GITHUB_ARN, {"StringLike": {f"{GITHUB}:sub": "repo:acme/app:*"}}, False),
        ("accounts.google.com", None, True),
        ("accounts.google.com", {"StringEquals": {"accounts.google.com:sub": "1234"}}, False),
        ("arn:aws:iam::111122223333:saml-provider/corp", None, False),
    ],
)
def test_lint_warns_on_a_web_identity_trust_that_names_nobody(
    principal: str, condition: dict[str, Any] | None, warned: bool
) -> None:
    found = lint_policy(_trust(principal, condition), kind=PolicyKind.RESOURCE, is_trust=True)
    locations = [d.location for d in found if d.code == "trust_open"]
    assert locations == (["Statement[0].Principal.Federated"] if warned else [])
