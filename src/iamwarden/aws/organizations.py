"""AWS Organizations: the organization, an account's path from the root, and the SCPs and RCPs
attached at each level. `OrgReader` caches levels and policies so that collecting many accounts
of one organization asks for each only once. Policies are parsed by `iamwarden.snapshot`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from iamwarden.aws.calls import Caller, GapReason
from iamwarden.errors import SnapshotFormatError
from iamwarden.snapshot.extras import ORG_LEVEL_TYPES, JsonNode, parse_org_policy
from iamwarden.snapshot.model import (
    DataSet,
    Gap,
    Organization,
    OrgLevel,
    OrgLevelKind,
    OrgPolicy,
)

__all__ = ["MemberAccount", "OrgReader", "OrganizationView"]

_DATASET = DataSet.ORGANIZATION
_NOT_IN_ORG = ("AWSOrganizationsNotInUseException",)
_POLICY_TYPE_OFF = ("PolicyTypeNotEnabledException",)


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberAccount:
    """An active account of the organization"""

    id: str
    name: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganizationView:
    """An account's organization as another account (the management one) read it

    `organization` is `None` when the path could not be read; `gaps` then say why, in the
    name of the account the path belongs to.
    """

    organization: Organization | None
    gaps: tuple[Gap, ...] = ()


class _Missing(Exception):
    """A call failed (its gap is recorded); the path cannot be built"""


class OrgReader:
    """Reads one organization through one caller (the management or a member account)"""

    def __init__(self, caller: Caller) -> None:
        self._caller = caller
        self._lock = threading.Lock()
        self._described: tuple[str, str] | None = None
        self._policies: dict[str, OrgPolicy] = {}
        self._attached: dict[tuple[str, str], tuple[OrgPolicy, ...]] = {}
        self._names: dict[str, str] = {}
        self._parents: dict[str, tuple[str, str]] = {}

    def _call(
        self, caller: Caller, operation: str, *, absent: tuple[str, ...] = (), **params: Any
    ) -> dict[str, Any]:
        reply = caller.call("organizations", "", operation, _DATASET, absent=absent, **params)
        if reply is None:
            raise _Missing(operation)
        return reply

    def _pages(
        self, caller: Caller, operation: str, *, absent: tuple[str, ...] = (), **params: Any
    ) -> list[dict[str, Any]]:
        pages = caller.paginate("organizations", "", operation, _DATASET, absent=absent, **params)
        if pages is None:
            raise _Missing(operation)
        return pages

    def describe(self, caller: Caller | None = None) -> tuple[str, str] | None:
        """(organization id, management account id), or `None` outside an organization

        Raises `LookupError` when it cannot be read (the gap is recorded).
        """
        with self._lock:
            if self._described is not None:
                return self._described
        try:
            reply = self._call(caller or self._caller, "describe_organization", absent=_NOT_IN_ORG)
        except _Missing:
            raise LookupError("organization") from None
        org = reply.get("Organization")
        if not org:
            return None
        with self._lock:
            self._described = (org["Id"], org["MasterAccountId"])
        return self._described

    def accounts(self) -> tuple[MemberAccount, ...] | None:
        """Every active account of the organization; `None` on a gap"""
        try:
            pages = self._pages(self._caller, "list_accounts")
        except _Missing:
            return None
        accounts = [
            MemberAccount(id=a["Id"], name=a.get("Name", ""), email=a.get("Email", ""))
            for p in pages
            for a in p.get("Accounts", ())
            if a.get("Status", "ACTIVE") == "ACTIVE"
        ]
        with self._lock:  # their path's account level needs no DescribeAccount
            self._names.update({a.id: a.name for a in accounts})
        return tuple(sorted(accounts, key=lambda a: a.id))

    def organization(self, account_id: str) -> Organization | None:
        """The account's organization with its path and policies; `None` outside one or on a gap"""
        return self._organization(account_id, self._caller)

    def view(self, account_id: str) -> OrganizationView:
        """The path of `account_id` read with this reader's caller, failures in its name"""
        caller = self._caller.on_behalf_of(account_id)
        organization = self._organization(account_id, caller)
        return OrganizationView(organization=organization, gaps=caller.gaps)

    def _organization(self, account_id: str, caller: Caller) -> Organization | None:
        try:
            described = self.describe(caller)
        except LookupError:
            return None
        if described is None:
            return None
        org_id, management = described
        try:
            chain = self._chain(caller, account_id)
            path = tuple(self._level(caller, level_id, kind) for level_id, kind in chain)
        except _Missing:
            return None
        return Organization(id=org_id, management_account_id=management, path=path)

    def _chain(self, caller: Caller, account_id: str) -> list[tuple[str, OrgLevelKind]]:
        chain = [(account_id, OrgLevelKind.ACCOUNT)]
        child = account_id
        while chain[-1][1] is not OrgLevelKind.ROOT:
            parent_id, parent_type = self._parent(caller, child)
            chain.append((parent_id, ORG_LEVEL_TYPES[parent_type]))
            child = parent_id
        return chain[::-1]

    def _parent(self, caller: Caller, child: str) -> tuple[str, str]:
        with self._lock:
            cached = self._parents.get(child)
        if cached is None:
            parents = [
                p
                for page in self._pages(caller, "list_parents", ChildId=child)
                for p in page.get("Parents", ())
            ]
            if not parents:
                raise _Missing("list_parents")
            cached = (parents[0]["Id"], parents[0]["Type"])
            with self._lock:
                self._parents[child] = cached
        return cached

    def _level(self, caller: Caller, level_id: str, kind: OrgLevelKind) -> OrgLevel:
        return OrgLevel(
            id=level_id,
            kind=kind,
            name=self._name(caller, level_id, kind),
            scps=self._attached_policies(caller, level_id, "SERVICE_CONTROL_POLICY"),
            rcps=self._attached_policies(caller, level_id, "RESOURCE_CONTROL_POLICY"),
        )

    def _name(self, caller: Caller, level_id: str, kind: OrgLevelKind) -> str:
        with self._lock:
            if level_id in self._names:
                return self._names[level_id]
        if kind is OrgLevelKind.ROOT:
            roots = [r for page in self._pages(caller, "list_roots") for r in page.get("Roots", ())]
            names = {r["Id"]: r.get("Name", "") for r in roots}
        elif kind is OrgLevelKind.OU:
            unit = self._call(caller, "describe_organizational_unit", OrganizationalUnitId=level_id)
            names = {level_id: unit["OrganizationalUnit"].get("Name", "")}
        else:
            account = self._call(caller, "describe_account", AccountId=level_id)
            names = {level_id: account["Account"].get("Name", "")}
        with self._lock:
            self._names.update(names)
        return str(names.get(level_id, ""))

    def _attached_policies(
        self, caller: Caller, target: str, policy_type: str
    ) -> tuple[OrgPolicy, ...]:
        key = (target, policy_type)
        with self._lock:
            if key in self._attached:
                return self._attached[key]
        pages = self._pages(
            caller,
            "list_policies_for_target",
            absent=_POLICY_TYPE_OFF,
            TargetId=target,
            Filter=policy_type,
        )
        ids = sorted(p["Id"] for page in pages for p in page.get("Policies", ()))
        policies = tuple(self._policy(caller, policy_id) for policy_id in ids)
        with self._lock:
            self._attached[key] = policies
        return policies

    def _policy(self, caller: Caller, policy_id: str) -> OrgPolicy:
        with self._lock:
            if policy_id in self._policies:
                return self._policies[policy_id]
        reply = self._call(caller, "describe_policy", PolicyId=policy_id)
        try:
            _, policy = parse_org_policy(JsonNode(reply, at="$", path="DescribePolicy"))
        except SnapshotFormatError as error:
            caller.record(
                _DATASET,
                reason=GapReason.MALFORMED,
                service="organizations",
                call="DescribePolicy",
                detail=str(error),
            )
            raise _Missing("describe_policy") from None
        with self._lock:
            self._policies[policy_id] = policy
        return policy
