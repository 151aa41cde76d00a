"""The outside principals to ask about for one policy.

The engine decides for a principal, so every grant the policy could make to someone outside
the zone of trust needs a representative: an anonymous caller, a principal of an unnamed
account outside the Organization, and each account, principal, service and identity provider
the policy's `Principal` / `NotPrincipal` elements name, and each other Organization its
`aws:PrincipalOrgID` / `aws:PrincipalOrgPaths` conditions name. Reading which principals a policy
names is not deciding: whether any of them is allowed is the engine's answer (`grants`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iamwarden.analysis.exposure.model import OutsiderKind
from iamwarden.analysis.exposure.zone import ZoneOfTrust
from iamwarden.errors import InputError
from iamwarden.policy import Policy, PrincipalType
from iamwarden.policy.arn import try_parse_arn
from iamwarden.policy.engine.principals import parse_principal

__all__ = ["OUTSIDE_ACCOUNT", "OUTSIDE_ROLE", "Outsider", "outsiders"]

OUTSIDE_ACCOUNT = "000000000000"
"""The account of the representative principal no policy names (never a real account)"""
OUTSIDE_ROLE = "iamwarden-outside-principal"
"""The role name of representative principals of an account"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Outsider:
    """One representative outside principal

    `principal` is what the engine is asked with; `shown` is how findings name it (`*`, an
    account id, the ARN, service or provider as the policy spells it, an Organization id);
    `account` is its account when it has one; `organization` and `organization_path` (as
    `aws:PrincipalOrgPaths` spells it) are the Organization an `ORGANIZATION` outsider
    belongs to.
    """

    kind: OutsiderKind
    principal: str
    shown: str
    account: str = ""
    organization: str = ""
    organization_path: str = ""

    @property
    def has_account(self) -> bool:
        """Whether the principal belongs to an AWS account (and so carries its keys)"""
        return self.kind in _WITH_ACCOUNT


_WITH_ACCOUNT = frozenset(
    {
        OutsiderKind.ANY_ACCOUNT,
        OutsiderKind.ACCOUNT,
        OutsiderKind.PRINCIPAL,
        OutsiderKind.ORGANIZATION,
    }
)


def _role(partition: str, account: str) -> str:
    return f"arn:{partition}:iam::{account}:role/{OUTSIDE_ROLE}"


def _named(kind: str, value: str, zone: ZoneOfTrust) -> Outsider | None:
    """The outsider a `Principal` entry names, or None (inside the zone, `*`, or unusable)"""
    if value == "*":
        return None
    if kind == "Service":
        return Outsider(kind=OutsiderKind.SERVICE, principal=value, shown=value)
    if kind == "Federated":
        return Outsider(kind=OutsiderKind.FEDERATED, principal=value, shown=value)
    if kind != "AWS":
        return None  # CanonicalUser: S3 ACL grantees are not in the snapshot
    try:
        parsed = parse_principal(value)
    except InputError:
        return None  # a unique id left by a deleted principal names no one
    account = parsed.account
    if account is None or "*" in value or "?" in value or zone.trusts(account):
        return None
    if parsed.type is PrincipalType.ACCOUNT:
        arn = try_parse_arn(value)
        partition = arn.partition if arn is not None else zone.partition
        return Outsider(
            kind=OutsiderKind.ACCOUNT,
            principal=_role(partition, account),
            shown=account,
            account=account,
        )
    return Outsider(kind=OutsiderKind.PRINCIPAL, principal=value, shown=value, account=account)


_ACCOUNT_KEYS = frozenset({"aws:principalaccount", "kms:calleraccount"})
_ORG_ID = re.compile(r"o-[a-z0-9]{10,32}")
"""An Organization id (Organizations API reference, `Organization.Id`)"""


def _other_organizations(policy: Policy, zone: ZoneOfTrust) -> list[Outsider]:
    """One member of each Organization other than the zone's that the policy's
    `aws:PrincipalOrgID` or `aws:PrincipalOrgPaths` values name (wildcard ids aside: no
    single Organization stands for them), with the first path it names in that
    Organization, wildcards filled in"""
    paths: dict[str, str] = {}
    for statement in policy.statements:
        for condition in statement.conditions:
            key = condition.key.lower()
            for value in condition.values:
                if key == "aws:principalorgid":
                    organization, path = value, ""
                elif key == "aws:principalorgpaths":
                    organization = value.split("/", 1)[0]
                    path = value.replace("*", "").replace("?", "x")
                else:
                    continue
                foreign = _ORG_ID.fullmatch(organization) and organization != zone.organization_id
                if foreign and not paths.get(organization):
                    paths[organization] = path
    return [
        Outsider(
            kind=OutsiderKind.ORGANIZATION,
            principal=_role(zone.partition, OUTSIDE_ACCOUNT),
            shown=organization,
            account=OUTSIDE_ACCOUNT,
            organization=organization,
            organization_path=path or f"{organization}/r-out0/",
        )
        for organization, path in paths.items()
    ]


def _fill_account(pattern: str, zone: ZoneOfTrust) -> str:
    """A 12-digit account outside the zone that the wildcard account pattern matches
    (`*` and `?` filled with digits), or "" when there is none"""
    for digit in "09":
        fixed = len(pattern.replace("*", ""))
        if fixed > 12:
            return ""
        first = pattern.replace("*", digit * (12 - fixed), 1).replace("*", "")
        account = first.replace("?", digit)
        if account.isdigit() and len(account) == 12 and not zone.trusts(account):
            return account
    return ""


def _any_account(account: str, principal: str) -> Outsider:
    return Outsider(kind=OutsiderKind.ANY_ACCOUNT, principal=principal, shown="*", account=account)


def _wildcard_account(key: str, value: str, zone: ZoneOfTrust) -> Outsider | None:
    """A principal of an arbitrary account that a wildcard-account condition value fits:
    `aws:PrincipalAccount` `1111*`, `aws:PrincipalArn` `arn:aws:iam::*:role/x` (anyone may
    create role `x` in an account of their own, IAM User Guide,
    reference_policies_condition-keys#condition-keys-principalarn), asked as a principal of
    an outside account whose ARN fits the pattern (name wildcards filled)"""
    if key in _ACCOUNT_KEYS:
        account = _fill_account(value, zone) if "*" in value or "?" in value else ""
        return _any_account(account, _role(zone.partition, account)) if account else None
    arn = try_parse_arn(value)
    if arn is None or arn.service not in ("iam", "sts") or arn.account.isdigit():
        return None
    account = _fill_account(arn.account, zone)
    if not account:
        return None
    principal = f"arn:{arn.partition}:{arn.service}::{account}:{arn.resource}"
    principal = principal.replace("*", "x").replace("?", "x")
    try:
        parse_principal(principal)
    except InputError:
        return None
    return _any_account(account, principal)


def _from_conditions(policy: Policy, zone: ZoneOfTrust) -> list[Outsider]:
    """Accounts and principals a `Principal: "*"` statement narrows to by condition
    (`aws:PrincipalAccount`, `kms:CallerAccount`, `aws:PrincipalArn` values): they are asked
    about like the ones `Principal` names; a value with a wildcard account stands for a
    principal of any account (`_wildcard_account`)"""
    found: list[Outsider] = []
    for statement in policy.statements:
        for condition in statement.conditions:
            key = condition.key.lower()
            for value in condition.values:
                outsider = None
                if key in _ACCOUNT_KEYS and value.isdigit() and len(value) == 12:
                    outsider = _named("AWS", value, zone)
                elif key in _ACCOUNT_KEYS:
                    outsider = _wildcard_account(key, value, zone)
                elif key == "aws:principalarn":
                    arn = try_parse_arn(value)
                    if arn is None:
                        continue
                    if not (arn.account.isdigit() and len(arn.account) == 12):
                        outsider = _wildcard_account(key, value, zone)
                    else:
                        wild = "*" in value or "?" in value
                        outsider = _named("AWS", arn.account if wild else value, zone)
                if outsider is not None:
                    found.append(outsider)
    return found


def outsiders(policy: Policy, zone: ZoneOfTrust) -> tuple[Outsider, ...]:
    """The representatives to ask about for `policy`: anonymous, an unnamed outside account,
    then every outside account, principal, service and provider it names, in `Principal` /
    `NotPrincipal` or as the principal's account or ARN in a condition, and every other
    Organization its conditions name (sorted, unique)"""
    found: dict[tuple[OutsiderKind, str], Outsider] = {}
    for statement in policy.statements:
        for entries in (statement.principal, statement.not_principal):
            for kind, values in entries or ():
                for value in values:
                    outsider = _named(kind, value, zone)
                    if outsider is not None:
                        found.setdefault((outsider.kind, outsider.principal), outsider)
    for outsider in _from_conditions(policy, zone):
        found.setdefault((outsider.kind, outsider.principal), outsider)
    for outsider in _other_organizations(policy, zone):
        found.setdefault((outsider.kind, outsider.shown), outsider)
    generic = (
        Outsider(kind=OutsiderKind.ANONYMOUS, principal="anonymous", shown="*"),
        Outsider(
            kind=OutsiderKind.ANY_ACCOUNT,
            principal=_role(zone.partition, OUTSIDE_ACCOUNT),
            shown="*",
            account=OUTSIDE_ACCOUNT,
        ),
    )
    named = sorted(found.values(), key=lambda o: (list(OutsiderKind).index(o.kind), o.shown))
    return (*generic, *named)
