"""The lint's security warnings: statements that grant more than they seem to

`iam:PassRole` on every role, Allow with `NotAction` / `NotResource` over sensitive services,
permissions-management and credential-returning actions on `*`, a Deny on
`Bool aws:MultiFactorAuthPresent false`, `ForAllValues` on a single-valued key or without a
`Null` guard in an Allow, and trust or resource policies open to everyone or a whole account
without conditions. Each check is a pure function of one statement and the catalogue; it
never decides access.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from functools import lru_cache

from iamwarden.policy.catalog import AccessLevel, Catalog
from iamwarden.policy.conditions import SetQualifier, parse_operator
from iamwarden.policy.document import (
    _ANY_PRINCIPAL,
    Effect,
    PolicyKind,
    Statement,
)
from iamwarden.policy.federation import is_narrowed, web_identity_provider
from iamwarden.policy.lint.checks import covered_actions, diagnostic, key_index
from iamwarden.policy.lint.codes import Diagnostic

__all__ = ["CREDENTIAL_ACTIONS", "SENSITIVE_SERVICES", "security_warnings"]

SENSITIVE_SERVICES = frozenset({"iam", "sts", "kms", "organizations", "secretsmanager"})
"""Services whose actions an Allow with NotAction/NotResource must not hand out by omission"""

CREDENTIAL_ACTIONS = frozenset(
    {
        "iam:createaccesskey",
        "iam:createloginprofile",
        "iam:updateloginprofile",
        "iam:createservicespecificcredential",
        "iam:resetservicespecificcredential",
        "sts:assumerole",
        "sts:getfederationtoken",
        "ec2:getpassworddata",
        "ecr:getauthorizationtoken",
        "redshift:getclustercredentials",
        "sso:getrolecredentials",
        "cognito-identity:getopenidtoken",
        "lightsail:getinstanceaccessdetails",
        "lightsail:getrelationaldatabasemasteruserpassword",
        "secretsmanager:getsecretvalue",
    }
)
"""Actions whose response is a credential (Access Analyzer's "credentials exposure" class)"""

_ACCOUNT = re.compile(r"(\d{12})|arn:aws[a-z-]*:iam::(\d{12}):root")
_MFA_KEY = "aws:multifactorauthpresent"
_GRANTING = frozenset({PolicyKind.IDENTITY, PolicyKind.SESSION})
"""Kinds whose `Allow` grants (a permissions boundary only caps what others grant)"""


def security_warnings(
    statement: Statement, catalog: Catalog, kind: PolicyKind, *, is_trust: bool
) -> Iterator[Diagnostic]:
    """Every security warning of one statement, located under its pointer"""
    at = statement.pointer
    if statement.effect is Effect.DENY:
        yield from _mfa_deny(statement, at)
        return
    yield from _for_all_values(statement, catalog, at)
    if statement.action is not None and statement.resource is not None:
        named = covered_actions(catalog, statement.action)
        if "*" in statement.resource and kind in _GRANTING:
            # in a resource policy `*` is the resource the policy is attached to; a
            # permissions boundary grants nothing (IAM User Guide, "Permissions boundaries")
            yield from _star_resource(statement, named, catalog, at)
    if statement.not_action is not None or statement.not_resource is not None:
        yield from _not_elements(statement, catalog, at)
    if kind is PolicyKind.RESOURCE:
        yield from _open_to_all(statement, at, is_trust=is_trust)
        yield from _open_web_identity(statement, at)


def _star_resource(
    statement: Statement, named: frozenset[str], catalog: Catalog, at: str
) -> Iterator[Diagnostic]:
    where = f"{at}.Resource"
    lowered = {action.lower() for action in named}
    if "iam:passrole" in lowered:
        yield diagnostic(
            "pass_role_star",
            where,
            "`iam:PassRole` on `*` lets the principal hand any role, and its permissions, to "
            "a service: name the roles",
        )
    managing = sorted(named & _sensitive_actions(catalog))
    if managing and not statement.conditions:
        sample = ", ".join(f"`{a}`" for a in managing[:3])
        more = f" and {len(managing) - 3} more" if len(managing) > 3 else ""
        yield diagnostic(
            "sensitive_action_star",
            where,
            f"permissions-management or credential-returning actions on `*` without "
            f"conditions: {sample}{more}",
        )


@lru_cache(maxsize=8)
def _sensitive_actions(catalog: Catalog) -> frozenset[str]:
    """Permissions-management actions and the credential-returning ones, as spelled"""
    credentials = {a for a in catalog.all_actions if a.lower() in CREDENTIAL_ACTIONS}
    return catalog.actions_at(AccessLevel.PERMISSIONS_MANAGEMENT) | credentials


def _not_elements(statement: Statement, catalog: Catalog, at: str) -> Iterator[Diagnostic]:
    if statement.not_action is not None:
        granted = covered_actions(catalog, statement.not_action, negated=True)
        element = "NotAction"
    else:
        granted = covered_actions(catalog, statement.action or ())
        element = "NotResource"
    services = sorted({a.split(":", 1)[0].lower() for a in granted} & SENSITIVE_SERVICES)
    if services:
        yield diagnostic(
            "not_action_allow",
            f"{at}.{element}",
            f"`Allow` with `{element}` grants everything not listed, including "
            + ", ".join(f"`{s}`" for s in services)
            + ": list what is granted instead",
        )


def _mfa_deny(statement: Statement, at: str) -> Iterator[Diagnostic]:
    """IAM User Guide, condition operators (Bool): a request signed with long-term keys has no
    `aws:MultiFactorAuthPresent`, so `Bool ... false` does not match it; BoolIfExists does"""
    for condition in statement.conditions:
        if (
            condition.operator == "Bool"
            and condition.key.lower() == _MFA_KEY
            and any(v.lower() == "false" for v in condition.values)
        ):
            yield diagnostic(
                "mfa_bool_deny",
                f"{at}.Condition.Bool.{condition.key}",
                "`Bool aws:MultiFactorAuthPresent false` misses requests signed with "
                "long-term access keys (they carry no such key): use `BoolIfExists`",
            )


def _for_all_values(statement: Statement, catalog: Catalog, at: str) -> Iterator[Diagnostic]:
    """IAM User Guide, single-valued vs multivalued context keys: ForAllValues on a
    single-valued key, or without a Null guard (an absent key matches) in an Allow"""
    guarded = {
        c.key.lower()
        for c in statement.conditions
        if c.operator == "Null" and all(v.lower() == "false" for v in c.values)
    }
    index = key_index(catalog)
    for condition in statement.conditions:
        spec = parse_operator(condition.operator)
        if spec.qualifier is not SetQualifier.FOR_ALL_VALUES:
            continue
        if spec.if_exists and not catalog.is_multivalued_key(condition.key):
            pass
        elif spec.if_exists:
            continue  # IfExists says an absent key is meant to pass
        key = condition.key
        lower = key.lower()
        where = f"{at}.Condition.{condition.operator}.{key}"
        known = catalog.is_global_condition_key(lower) or index.matches(lower)
        if known and not catalog.is_multivalued_key(key):
            yield diagnostic(
                "for_all_values_single_valued",
                where,
                f"`{key}` is single-valued: `{condition.operator}` is true when it is absent "
                f"too; use `{spec.base}`",
            )
        elif lower not in guarded:
            yield diagnostic(
                "for_all_values_without_null",
                where,
                f"`{condition.operator}` is true when `{key}` is absent: add "
                f'`"Null": {{"{key}": "false"}}`',
            )


def _open_to_all(statement: Statement, at: str, *, is_trust: bool) -> Iterator[Diagnostic]:
    """A statement open to every principal (`*`), or in a trust policy to a whole account,
    without a condition to narrow it"""
    if statement.conditions or statement.principal is None:
        return
    values = [v for kind, vs in statement.principal if kind in ("AWS", "*") for v in vs]
    where = f"{at}.Principal"
    if statement.principal == _ANY_PRINCIPAL or "*" in values:
        yield diagnostic(
            "trust_open",
            where,
            "`Principal` `*` without conditions: anyone, anonymous users included, gets "
            "this access",
        )
    elif is_trust:
        matches = (_ACCOUNT.fullmatch(v) for v in values)
        accounts = sorted({m.group(1) or m.group(2) for m in matches if m})
        if accounts:
            yield diagnostic(
                "trust_open",
                where,
                f"the trust policy lets every principal of account {', '.join(accounts)} "
                "assume the role, without conditions: name the roles or add conditions",
            )


def _open_web_identity(statement: Statement, at: str) -> Iterator[Diagnostic]:
    """A web identity provider trusted for `sts:AssumeRoleWithWebIdentity` with no condition
    naming who signs in (`policy.federation.is_narrowed`: an `aud` alone or a wildcard `sub`
    lets every user of the provider, every GitHub repository, assume the role)"""
    actions = [a.lower() for a in statement.action or ()]
    if not any(fnmatchcase("sts:assumerolewithwebidentity", a) for a in actions):
        return
    for kind, values in statement.principal or ():
        if kind != "Federated":
            continue
        for value in values:
            provider = web_identity_provider(value)
            if provider is None or is_narrowed(provider, statement.conditions):
                continue
            yield diagnostic(
                "trust_open",
                f"{at}.Principal.Federated",
                f"every user of `{provider}` can assume the role: no condition on "
                f"`{provider}:sub` names who (an `aud` or a wildcard subject names nobody)",
            )
