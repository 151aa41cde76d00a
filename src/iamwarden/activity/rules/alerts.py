"""Alerts: a rule whose pattern matched a record, once its conditions are decided

Event conditions (`ConditionKind.TARGET_IS_OTHER_USER`, `TRUSTS_OUTSIDE_ACCOUNT`) are decided
from the record. The snapshot condition `TARGET_IS_ADMIN` is decided by the engine through
`analysis.Permissions.admin_access` when a `SnapshotContext` is given; without one, or when the
affected principal is not in the snapshot or one of its policies could not be read, it is
NOT_ASSESSED and the alert is raised with the condition named in `undecided` (missing data
never silences an alert, nor passes for a decided one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from iamwarden.activity.rules.conditions import ConditionKind, event_condition
from iamwarden.activity.rules.model import Rule, RulePack
from iamwarden.analysis import Permissions
from iamwarden.policy import Catalog
from iamwarden.snapshot import Role, Snapshot, User

__all__ = ["Alert", "SnapshotContext", "alerts_for", "decide_condition"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """A rule raised by one event

    `source` is the file the event came from (empty when none), `index` its position in the
    file's `Records` (0-based), `event_id` the record's `eventID`, `undecided` the rule's
    conditions that could not be assessed (the alert stands, marked NOT_ASSESSED on them).
    """

    rule: Rule
    event: Mapping[str, Any]
    source: str = ""
    index: int = 0
    undecided: tuple[ConditionKind, ...] = ()

    @property
    def event_id(self) -> str:
        """The record's `eventID` (empty when it has none)"""
        value = self.event.get("eventID")
        return value if isinstance(value, str) else ""

    def to_json(self) -> dict[str, Any]:
        """The alert as a JSON object: rule id, severity, title, source, index, event id,
        event name, time, account, region, caller ARN and the undecided conditions"""
        identity = self.event.get("userIdentity")
        caller = identity.get("arn") if isinstance(identity, Mapping) else None
        return {
            "rule": self.rule.id,
            "severity": self.rule.severity.value,
            "title": self.rule.title,
            "source": self.source,
            "index": self.index,
            "event_id": self.event_id,
            "event_name": self.event.get("eventName"),
            "event_time": self.event.get("eventTime"),
            "account": self.event.get("recipientAccountId"),
            "region": self.event.get("awsRegion"),
            "caller": caller,
            "not_assessed": [c.value for c in self.undecided],
        }


class SnapshotContext:
    """The account model that snapshot conditions are decided against, with the engine's
    answers cached per principal"""

    def __init__(self, snapshot: Snapshot, catalog: Catalog) -> None:
        self.snapshot = snapshot
        self._permissions = Permissions(snapshot, catalog)
        self._users = {u.name: u for u in snapshot.users}
        self._admin: dict[str, bool | None] = {}

    def principal(self, record: Mapping[str, Any]) -> User | Role | None:
        """The principal an event affects: the user or role named in its request
        (`userName`, `roleName`), else the caller (a user, or the role of an assumed-role
        session); None when it is not in the snapshot"""
        params = record.get("requestParameters")
        params = params if isinstance(params, Mapping) else {}
        partition = self.snapshot.account.partition
        account = self.snapshot.account.id
        if isinstance(params.get("userName"), str):
            return self._users.get(params["userName"])
        if isinstance(params.get("roleName"), str):
            return self.snapshot.role(f"arn:{partition}:iam::{account}:role/{params['roleName']}")
        identity = record.get("userIdentity")
        identity = identity if isinstance(identity, Mapping) else {}
        if identity.get("type") == "IAMUser" and isinstance(identity.get("userName"), str):
            return self._users.get(identity["userName"])
        session = identity.get("sessionContext")
        issuer = session.get("sessionIssuer") if isinstance(session, Mapping) else None
        if isinstance(issuer, Mapping) and issuer.get("type") == "Role":
            arn = issuer.get("arn")
            return self.snapshot.role(arn) if isinstance(arn, str) else None
        return None

    def is_admin(self, record: Mapping[str, Any]) -> bool | None:
        """Whether the affected principal may do `*` on `*` (the engine's answer); None when
        it is not in the snapshot or its policies are incomplete"""
        entity = self.principal(record)
        if entity is None:
            return None
        if entity.arn not in self._admin:
            resolved = self._permissions.identity(entity)
            if not resolved.is_complete:
                self._admin[entity.arn] = None
            else:
                access = self._permissions.admin_access(entity.arn, resolved.policies)
                self._admin[entity.arn] = access.is_admin
        return self._admin[entity.arn]


def decide_condition(
    kind: ConditionKind, record: Mapping[str, Any], context: SnapshotContext | None
) -> bool | None:
    """Whether `kind` holds for `record`: True, False, or None when it cannot be assessed
    (a snapshot condition without a snapshot, or a principal the snapshot lacks)"""
    if not kind.needs_snapshot:
        return event_condition(kind, record)
    return None if context is None else context.is_admin(record)


def alerts_for(
    pack: RulePack,
    record: Mapping[str, Any],
    *,
    context: SnapshotContext | None = None,
    source: str = "",
    index: int = 0,
) -> list[Alert]:
    """The alerts one CloudTrail record raises: each rule whose pattern matches and none of
    whose conditions is decided false; sorted by rule id"""
    found: list[Alert] = []
    for rule in pack.match(record):
        undecided: list[ConditionKind] = []
        for kind in rule.conditions:
            decided = decide_condition(kind, record, context)
            if decided is False:
                break
            if decided is None:
                undecided.append(kind)
        else:
            found.append(
                Alert(
                    rule=rule, event=record, source=source, index=index, undecided=tuple(undecided)
                )
            )
    return found
