"""The zone of trust: which accounts are inside, and the names of known third parties.

IAM Access Analyzer reports access by principals outside its *zone of trust*: the account,
or the whole Organization (IAM User Guide, access-analyzer-concepts). Here the zone is the
snapshot's account (`Zone.ACCOUNT`) or its Organization (`Zone.ORGANIZATION`). Principals of
the Organization are recognised by what their requests carry (`aws:PrincipalOrgID`), so a
grant narrowed to the Organization is inside either zone; an account named by its id is
inside the Organization zone only when the snapshot shows it is a member (the management
account). Pure data: no engine question is asked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

from iamwarden.snapshot import DataSet, OrgLevelKind, Snapshot

__all__ = ["Zone", "ZoneOfTrust"]


class Zone(Enum):
    """How far trust extends"""

    ACCOUNT = "account"
    ORGANIZATION = "org"


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoneOfTrust:
    """The zone of trust of one account

    `organization_id` and `organization_path` (`o-…/r-…/ou-…/`, as `aws:PrincipalOrgPaths`
    spells it) are empty when the account is in no organization or it was not collected
    (`organization_known` false in the second case). `known_accounts` names third parties
    (from `iamwarden.toml`).
    """

    zone: Zone
    account_id: str
    partition: str = "aws"
    organization_id: str = ""
    organization_path: str = ""
    management_account_id: str = ""
    organization_known: bool = True
    known_accounts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(
        cls,
        snapshot: Snapshot,
        zone: Zone = Zone.ACCOUNT,
        known_accounts: Mapping[str, str] | None = None,
    ) -> ZoneOfTrust:
        """The zone of `snapshot`'s account; the organization comes from the snapshot"""
        org = snapshot.organization
        path = ""
        if org is not None:
            ids = [level.id for level in org.path if level.kind is not OrgLevelKind.ACCOUNT]
            path = f"{org.id}/{'/'.join(ids)}/"
        return cls(
            zone=zone,
            account_id=snapshot.account.id,
            partition=snapshot.account.partition,
            organization_id=org.id if org is not None else "",
            organization_path=path,
            management_account_id=org.management_account_id if org is not None else "",
            organization_known=org is not None or snapshot.has(DataSet.ORGANIZATION),
            known_accounts=MappingProxyType(dict(known_accounts or {})),
        )

    @property
    def caveat(self) -> str:
        """Why an Organization zone holds the account alone ("" when it does not): the
        Organization was not collected, or the account is in none"""
        if self.zone is not Zone.ORGANIZATION or self.organization_id:
            return ""
        if not self.organization_known:
            return (
                "the zone of trust is the Organization, but the account's Organization was "
                "not collected (organizations:DescribeOrganization); only the account is trusted"
            )
        return "the zone of trust is the Organization, but the account is in no Organization"

    def trusts(self, account: str) -> bool:
        """Whether principals of `account` are inside the zone"""
        if account == self.account_id:
            return True
        return (
            self.zone is Zone.ORGANIZATION
            and bool(self.management_account_id)
            and account == self.management_account_id
        )

    def label(self, account: str) -> str:
        """`Datadog (464622532012)` for a known account, else the id"""
        name = self.known_accounts.get(account)
        return f"{name} ({account})" if name else account

    def is_known(self, account: str) -> bool:
        """Whether `account` is a named third party"""
        return account in self.known_accounts
