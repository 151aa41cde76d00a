"""Principals: what kind a request's principal is, and how `Principal` / `NotPrincipal`
entries name it"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Final

from iamwarden.errors import InputError
from iamwarden.policy.arn import try_parse_arn
from iamwarden.policy.engine.model import PrincipalType

SERVICE_LINKED_PREFIX: Final = "AWSServiceRoleFor"


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    type: PrincipalType
    text: str
    account: str | None = None
    principal_arn: str | None = None
    role_account_name: tuple[str, str] | None = None
    user_name: str | None = None
    session_name: str | None = None
    is_service_linked: bool = False
    is_direct_role: bool = False

    @property
    def is_session(self) -> bool:
        return self.type in (PrincipalType.ASSUMED_ROLE, PrincipalType.FEDERATED_USER)


@lru_cache(maxsize=4096)
def parse_principal(text: str) -> Principal:
    if text in ("*", "anonymous", ""):
        return Principal(type=PrincipalType.ANONYMOUS, text=text)
    if text.isdigit() and len(text) == 12:
        text = f"arn:aws:iam::{text}:root"
    arn = try_parse_arn(text)
    if arn is None:
        if "." in text and "/" not in text:
            return Principal(type=PrincipalType.SERVICE, text=text)
        raise InputError(f"principal `{text}` is not an arn, an account id or a service")
    account = arn.account
    if arn.service == "iam" and arn.resource == "root":
        return Principal(type=PrincipalType.ACCOUNT, text=text, account=account, principal_arn=text)
    kind, _, rest = arn.resource.partition("/")
    if arn.service == "iam" and kind == "user":
        return Principal(
            type=PrincipalType.USER,
            text=text,
            account=account,
            principal_arn=text,
            user_name=rest.rsplit("/", 1)[-1],
        )
    if arn.service == "iam" and kind == "role":
        name = rest.rsplit("/", 1)[-1]
        return Principal(
            type=PrincipalType.ASSUMED_ROLE,
            text=text,
            account=account,
            principal_arn=text,
            role_account_name=(account, name),
            is_service_linked=rest.startswith("aws-service-role/")
            or name.startswith(SERVICE_LINKED_PREFIX),
            is_direct_role=True,
        )
    if arn.service == "sts" and kind == "assumed-role":
        name, _, session = rest.partition("/")
        return Principal(
            type=PrincipalType.ASSUMED_ROLE,
            text=text,
            account=account,
            principal_arn=f"arn:{arn.partition}:iam::{account}:role/{name}",
            role_account_name=(account, name),
            session_name=session,
            is_service_linked=name.startswith(SERVICE_LINKED_PREFIX),
        )
    if arn.service == "iam" and kind in ("oidc-provider", "saml-provider"):
        # the caller of AssumeRoleWithWebIdentity / AssumeRoleWithSAML, named by its provider
        return Principal(type=PrincipalType.IDENTITY_PROVIDER, text=text)
    if arn.service == "sts" and kind == "federated-user":
        return Principal(
            type=PrincipalType.FEDERATED_USER,
            text=text,
            account=account,
            principal_arn=text,
            session_name=rest,
        )
    raise InputError(f"principal `{text}` is not a user, role, session, account or service")


class Grant(Enum):
    NONE = 0
    ACCOUNT = 1
    LIMITED = 2
    DIRECT = 3


def account_of(value: str) -> str | None:
    if value.isdigit():
        return value
    arn = try_parse_arn(value)
    if arn is not None and arn.service == "iam" and arn.resource == "root":
        return arn.account
    return None


def names(principal: Principal, kind: str, value: str) -> Grant:
    """How a `Principal` entry names `principal` (NONE when it does not)"""
    if value == "*":
        return Grant.DIRECT if kind in ("AWS", "*") else Grant.NONE
    if kind != "AWS":
        return Grant.DIRECT if value == principal.text else Grant.NONE
    if principal.account is None:
        return Grant.NONE
    account = account_of(value)
    if account is not None:
        return Grant.ACCOUNT if account == principal.account else Grant.NONE
    if value == principal.text:
        return Grant.LIMITED if principal.is_direct_role else Grant.DIRECT
    if principal.role_account_name is not None:
        arn = try_parse_arn(value)
        if arn is not None and arn.service == "iam" and arn.resource.startswith("role/"):
            name = arn.resource.rsplit("/", 1)[-1]
            if (arn.account, name) == principal.role_account_name:
                return Grant.LIMITED
    return Grant.NONE


def principal_grant(
    entries: tuple[tuple[str, tuple[str, ...]], ...], principal: Principal
) -> Grant:
    best = Grant.NONE
    for kind, values in entries:
        for value in values:
            grant = names(principal, kind, value)
            if grant.value > best.value:
                best = grant
    return best


def not_principal_applies(
    entries: tuple[tuple[str, tuple[str, ...]], ...], principal: Principal
) -> bool:
    """A `NotPrincipal` statement applies unless every identity of the principal is listed"""
    named = _not_principal_named(entries, principal)
    if named is None:
        return False
    if principal.type in (PrincipalType.SERVICE, PrincipalType.ANONYMOUS):
        return not named
    if principal.type is PrincipalType.ACCOUNT:
        return Grant.ACCOUNT not in named
    # identities: account and user / role / federated user, plus the session of a role
    is_role_session = principal.type is PrincipalType.ASSUMED_ROLE and not principal.is_direct_role
    return len(named) < (3 if is_role_session else 2)


def not_principal_partly_names(
    entries: tuple[tuple[str, tuple[str, ...]], ...], principal: Principal
) -> bool:
    """Whether `NotPrincipal` lists some identity of the principal but not all: the
    statement applies, yet AWS says it only "might" (IAM User Guide,
    reference_policies_elements_notprincipal.md: without the account ARN, "the policy might
    deny access to the entire account containing the principal")"""
    named = _not_principal_named(entries, principal)
    return bool(named) and not_principal_applies(entries, principal)


def _not_principal_named(
    entries: tuple[tuple[str, tuple[str, ...]], ...], principal: Principal
) -> set[Grant] | None:
    """How `NotPrincipal` entries name the principal's identities; None for `*`"""
    named: set[Grant] = set()
    for kind, values in entries:
        for value in values:
            if value == "*":
                return None
            grant = names(principal, kind, value)
            if grant is not Grant.NONE:
                named.add(grant)
    return named
