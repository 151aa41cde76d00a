"""Which web identity trust conditions say who may sign in

A role that trusts a web identity provider (`sts:AssumeRoleWithWebIdentity`) is open to
everyone the provider issues tokens to unless a condition on the token's subject (`…:sub`)
names the workload: an audience (`…:aud`) is shared by every user of the provider, and a
subject pattern of wildcards (`*`, `repo:*`, `*:ref:refs/heads/main` for GitHub, whose
repositories anyone may create) names nobody (IAM User Guide, id_roles_providers_oidc_secure-
by-default and id_roles_create_for-idp_oidc, "Configuring a role for GitHub OIDC identity
provider": the `sub` condition must name the organisation or repository). For Amazon Cognito
identity pools the pool id (`cognito-identity.amazonaws.com:aud`) is the narrowing key.
Pure data and string tests; nothing here decides access.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, Protocol

from iamwarden.policy.conditions import SetQualifier, parse_operator

__all__ = ["GITHUB", "WEB_IDENTITY_PROVIDERS", "Clause", "is_narrowed", "web_identity_provider"]

WEB_IDENTITY_PROVIDERS: Final = frozenset(
    {
        "accounts.google.com",
        "graph.facebook.com",
        "www.amazon.com",
        "cognito-identity.amazonaws.com",
    }
)
"""Web identity providers anyone may sign in to (IAM User Guide, id_roles_providers_oidc)"""

GITHUB: Final = "token.actions.githubusercontent.com"

_GITHUB_SUBJECT: Final = re.compile(r"[A-Za-z_]+:[^:/]+[:/]")
"""The literal start of a GitHub subject that names an owner: `repo:OWNER/`, or a
customised subject's first claim and its value (`repository_owner:acme:`)"""

_NARROWING_BASES: Final = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike"})


class Clause(Protocol):
    """A condition clause: a statement's `Condition` or an engine's `ConditionRef`"""

    @property
    def operator(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def values(self) -> tuple[str, ...]: ...


def web_identity_provider(principal: str) -> str | None:
    """The provider a `Federated` principal names when it is a web identity (OIDC)
    provider: the host of an `oidc-provider/…` ARN or a public provider's name, lowercased;
    None for a SAML provider or anything else"""
    if ":oidc-provider/" in principal and principal.startswith("arn:"):
        return principal.split(":oidc-provider/", 1)[1].lower()
    lower = principal.lower()
    return lower if lower in WEB_IDENTITY_PROVIDERS else None


def _narrows(provider: str, condition: Clause) -> bool:
    spec = parse_operator(condition.operator)
    if spec.base not in _NARROWING_BASES or spec.qualifier is SetQualifier.FOR_ALL_VALUES:
        return False
    if not condition.values:
        return False
    if spec.base != "StringLike":
        return True  # equality: only a token with that very subject
    for value in condition.values:
        prefix = re.split(r"[*?]", value, maxsplit=1)[0]
        if provider == GITHUB:
            if not _GITHUB_SUBJECT.match(prefix):
                return False
        elif not value.strip("*?"):
            return False
    return True


def is_narrowed(provider: str, conditions: Iterable[Clause]) -> bool:
    """Whether the conditions of a statement trusting web identity `provider` (as
    `web_identity_provider` gives it) name who may sign in: a positive string test
    (`StringEquals`, `StringLike`, not `ForAllValues`) on the subject (`…:sub`; for Cognito
    also the identity pool, `…:aud`) whose every value names someone, a `StringLike` value
    being no narrowing when it is all wildcards or, for GitHub, does not start with
    `repo:OWNER/` or a customised subject's first claim value"""
    keys = {f"{provider}:sub"}
    if provider == "cognito-identity.amazonaws.com":
        keys.add(f"{provider}:aud")
    return any(c.key.lower() in keys and _narrows(provider, c) for c in conditions)
