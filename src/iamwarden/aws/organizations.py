"""AWS Organizations: the organization, an account's path from the root, and the SCPs and RCPs
attached at each level. `OrgReader` caches levels and policies so that collecting many accounts
of one organization asks for each only once.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from iamwarden.aws.calls import Caller
from iamwarden.snapshot.model import (
    DataSet,
    Document,
    Organization,
    OrgLevel,
    OrgLevelKind,
    OrgPolicy,
)

__all__ = ["MemberAccount", "OrgReader"]

_DATASET = DataSet.ORGANIZATION
_NOT_IN_ORG = ("AWSOrganizationsNotInUseException",)
_POLICY_TYPE_OFF = ("PolicyTypeNotEnabledException",)
_KINDS = {"ROOT": OrgLevelKind.ROOT, "ORGANIZATIONAL_UNIT": OrgLevelKind.OU,
          "ACCOUNT": OrgLevelKind.ACCOUNT}


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberAccount:
    """An active account of the organization"""

    id: str
    name: str = ""
    email: str = ""


class _Missing(Exception):
    """A call failed (its gap is recorded); the path cannot be built"""


class OrgReader:
    """Reads one organization through one caller (the management or a member account)"""

    def __init__(self, caller: Caller) -> None:
        self._caller = caller
        self._lock = threading.Lock()
        self._policies: dict[str, OrgPolicy] = {}
        self._attached: dict[tuple[str, str], tuple[OrgPolicy, ...]] = {}
        self._names: dict[str, str] = {}
        self._parents: dict[str, tuple[str, str]] = {}

    def _call(self, operation: str, *, absent: tuple[str, ...] = (),
              **params: Any) -> dict[str, Any]:
        reply = self._caller.call("organizations", "", operation, _DATASET, absent=absent,
                                  **params)
        if reply is None:
            raise _Missing(operation)
        return reply

    def _pages(self, operation: str, *, absent: tuple[str, ...] = (),
               **params: Any) -> list[dict[str, Any]]:
        pages = self._caller.paginate("organizations", "", operation, _DATASET, absent=absent,
                                      **params)
        if pages is None:
            raise _Missing(operation)
        return pages

    def describe(self) -> tuple[str, str] | None:
        """(organization id, management account id), or `None` outside an organization

        Raises `LookupError` when it cannot be read (the gap is recorded).
        """
        try:
            reply = self._call("describe_organization", absent=_NOT_IN_ORG)
        except _Missing:
            raise LookupError("organization") from None
        org = reply.get("Organization")
        return (org["Id"], org["MasterAccountId"]) if org else None

    def accounts(self) -> tuple[MemberAccount, ...] | None:
        """Every active account of the organization; `None` on a gap"""
        try:
            pages = self._pages("list_accounts")
        except _Missing:
            return None
        accounts = [MemberAccount(id=a["Id"], name=a.get("Name", ""), email=a.get("Email", ""))
                    for p in pages for a in p.get("Accounts", ())
                    if a.get("Status", "ACTIVE") == "ACTIVE"]
        return tuple(sorted(accounts, key=lambda a: a.id))

    def organization(self, account_id: str) -> Organization | None:
        """The account's organization with its path and policies; `None` outside one or on a gap"""
        try:
            described = self.describe()
        except LookupError:
            return None
        if described is None:
            return None
        org_id, management = described
        try:
            chain = self._chain(account_id)
            path = tuple(self._level(level_id, kind) for level_id, kind in chain)
        except _Missing:
            return None
        return Organization(id=org_id, management_account_id=management, path=path)

    def _chain(self, account_id: str) -> list[tuple[str, OrgLevelKind]]:
        chain = [(account_id, OrgLevelKind.ACCOUNT)]
        child = account_id
        while chain[-1][1] is not OrgLevelKind.ROOT:
            parent_id, parent_type = self._parent(child)
            chain.append((parent_id, _KINDS[parent_type]))
            child = parent_id
        return chain[::-1]

    def _parent(self, child: str) -> tuple[str, str]:
        with self._lock:
            cached = self._parents.get(child)
        if cached is None:
            parents = [p for page in self._pages("list_parents", ChildId=child)
                       for p in page.get("Parents", ())]
            if not parents:
                raise _Missing("list_parents")
            cached = (parents[0]["Id"], parents[0]["Type"])
            with self._lock:
                self._parents[child] = cached
        return cached

    def _level(self, level_id: str, kind: OrgLevelKind) -> OrgLevel:
        return OrgLevel(id=level_id, kind=kind, name=self._name(level_id, kind),
                        scps=self._attached_policies(level_id, "SERVICE_CONTROL_POLICY"),
                        rcps=self._attached_policies(level_id, "RESOURCE_CONTROL_POLICY"))

    def _name(self, level_id: str, kind: OrgLevelKind) -> str:
        with self._lock:
            if level_id in self._names:
                return self._names[level_id]
        if kind is OrgLevelKind.ROOT:
            roots = [r for page in self._pages("list_roots") for r in page.get("Roots", ())]
            names = {r["Id"]: r.get("Name", "") for r in roots}
        elif kind is OrgLevelKind.OU:
            unit = self._call("describe_organizational_unit", OrganizationalUnitId=level_id)
            names = {level_id: unit["OrganizationalUnit"].get("Name", "")}
        else:
            account = self._call("describe_account", AccountId=level_id)
            names = {level_id: account["Account"].get("Name", "")}
        with self._lock:
            self._names.update(names)
        return names.get(level_id, "")

    def _attached_policies(self, target: str, policy_type: str) -> tuple[OrgPolicy, ...]:
        key = (target, policy_type)
        with self._lock:
            if key in self._attached:
                return self._attached[key]
        pages = self._pages("list_policies_for_target", absent=_POLICY_TYPE_OFF,
                            TargetId=target, Filter=policy_type)
        ids = sorted(p["Id"] for page in pages for p in page.get("Policies", ()))
        policies = tuple(self._policy(policy_id) for policy_id in ids)
        with self._lock:
            self._attached[key] = policies
        return policies

    def _policy(self, policy_id: str) -> OrgPolicy:
        with self._lock:
            if policy_id in self._policies:
                return self._policies[policy_id]
        raw = self._call("describe_policy", PolicyId=policy_id)["Policy"]
        summary = raw.get("PolicySummary", {})
        policy = OrgPolicy(id=policy_id, name=summary.get("Name", ""),
                           arn=summary.get("Arn", ""),
                           document=Document.from_obj(json.loads(raw.get("Content", "{}"))))
        with self._lock:
            self._policies[policy_id] = policy
        return policy
