"""Unused access: roles, users, access keys and console passwords with no recorded use in the
window, and the services and actions a principal's effective permissions grant (decided by
the engine) that its recorded calls never needed

Each fact says where it came from: CloudTrail (the store), or the snapshot's service last
accessed data, access key last used and password last used. A service CloudTrail shows
unused but service last accessed shows used in the window counts as used; so does an access
key or password whose snapshot last-used time is in the window or later (IAM User Guide, "Managing
access keys": `GetAccessKeyLastUsed`; "Finding unused AWS credentials").

A failed console sign-in (`responseElements.ConsoleLogin` "Failure", or an `errorMessage`,
with or without an `errorCode`; CloudTrail User Guide, "AWS Management Console sign-in
events") is not use. A store that holds no event of the snapshot's account in the window
proves nothing about it: `unused_credentials` refuses it (NOT ASSESSED) rather than list
every principal unused.

This module computes; it never prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from iamwarden.activity.calls import RecordedCall, window_filter
from iamwarden.activity.dialect import AthenaEvents, EventTable, SparkEvents, run_sql
from iamwarden.analysis.effective import effective_permissions
from iamwarden.errors import InputError
from iamwarden.policy import Catalog
from iamwarden.snapshot import Snapshot

__all__ = [
    "CLOUDTRAIL",
    "FAILED_SIGN_IN_SQL",
    "LAST_ACCESSED",
    "PrincipalUnused",
    "UnusedCredential",
    "UnusedService",
    "unused_access",
    "unused_credentials",
]

CLOUDTRAIL = "cloudtrail"
"""Source of a fact: the activity store"""
LAST_ACCESSED = "service last accessed"
"""Source of a fact: the snapshot's service last accessed data"""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnusedCredential:
    """A role, user, access key or console password not used in the window; `last_used`
    from the snapshot where it knows (UTC), and the source of the fact"""

    principal_arn: str
    kind: str
    """`role`, `user`, `access-key` or `password`"""
    key_id: str = ""
    last_used: datetime | None = None
    source: str = CLOUDTRAIL


@dataclass(frozen=True, slots=True, kw_only=True)
class UnusedService:
    """A service the principal may use but did not in the window"""

    service: str
    granted_actions: int
    last_accessed: datetime | None
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PrincipalUnused:
    """One principal's unused access: services, and actions of the services it did use"""

    principal_arn: str
    used_services: tuple[str, ...]
    used_by_last_accessed: tuple[str, ...]
    """services CloudTrail shows unused but service last accessed shows used in the window"""
    unused_services: tuple[UnusedService, ...]
    unused_actions: tuple[str, ...]
    not_assessed: tuple[str, ...] = ()


FAILED_SIGN_IN_SQL = (
    "(event_name = 'ConsoleLogin' AND (error_code IS NOT NULL OR error_message IS NOT NULL "
    "OR json_extract_string(response_elements, '$.ConsoleLogin') IS DISTINCT FROM 'Success'))"
)
"""A console sign-in that did not succeed: an error, or `responseElements.ConsoleLogin` other
than "Success" (a failed password is logged with errorMessage "Failed authentication" and
ConsoleLogin "Failure", errorCode often absent)"""


def _in_window(when: datetime | None, since: datetime | None, until: datetime | None) -> bool:
    """Whether a snapshot last-used time (aware or naive UTC) is in the window or after it
    (`since` and `until` naive UTC): a credential used after the store's last event is in
    use too, and not to be reported unused"""
    if when is None:
        return False
    naive = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    return since is None or naive >= since


_USE_SQL = f"""
SELECT DISTINCT recipient_account_id, principal_arn, access_key_id,
       CASE WHEN event_name = 'ConsoleLogin' THEN 1 ELSE 0 END,
       CASE WHEN {FAILED_SIGN_IN_SQL} THEN 1 ELSE 0 END
FROM events
WHERE TRUE{{filters}}
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Use:
    """What the events of the window show used: accounts with an event, and the
    principals, access keys and console passwords of events other than failed sign-ins"""

    accounts: frozenset[str]
    principals: frozenset[str]
    keys: frozenset[str]
    sign_ins: frozenset[str]


def _use(events: EventTable, since: datetime | None, until: datetime | None) -> _Use:
    """One query, written once, wherever the events are (`activity.dialect`)"""
    filters = window_filter(since, until, column="event_time")
    rows = run_sql(events, _USE_SQL.format(filters=filters), ("text",) * 3 + ("int",) * 2)
    used = [row for row in rows if not row[4]]
    return _Use(
        accounts=frozenset(row[0] for row in rows if row[0]),
        principals=frozenset(row[1] for row in used if row[1]),
        keys=frozenset(row[2] for row in used if row[2]),
        sign_ins=frozenset(row[1] for row in used if row[1] and row[3]),
    )


def _shown(events: EventTable) -> str:
    if isinstance(events, SparkEvents):
        return f"spark view {events.view}"
    if isinstance(events, AthenaEvents):
        return f"athena:{events.database}.{events.table}"
    return str(events.path) if events.path else ":memory:"


def _check_account(snapshot: Snapshot, events: EventTable, use: _Use) -> None:
    """Refuse events without one of the snapshot's account in the window"""
    account = snapshot.account.id
    if account in use.accounts:
        return
    held = ", ".join(sorted(use.accounts)[:5]) or "none"
    raise InputError(
        f"NOT ASSESSED: no recorded event of account {account} in the window (the store "
        f"holds accounts: {held}); ingest that account's CloudTrail",
        path=_shown(events),
    )


def unused_credentials(
    snapshot: Snapshot,
    store: EventTable,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[UnusedCredential, ...]:
    """The snapshot's roles, users, active access keys and console passwords that no
    recorded event in [since, until) used (a failed console sign-in is no use) and whose
    snapshot last-used time is not at or after `since`, sorted by principal

    `store` is the activity store, or the events on Spark or Athena (`activity.dialect`):
    one query, the same answer.

    Raises:
        InputError: the events hold none of the snapshot's account in the window (nothing
            can be called unused: NOT ASSESSED); the Athena query failed.
    """
    use = _use(store, since, until)
    _check_account(snapshot, store, use)
    active, keys, logins = use.principals, use.keys, use.sign_ins
    found: list[UnusedCredential] = []
    for role in snapshot.roles:
        if role.arn not in active and not _in_window(role.last_used, since, until):
            found.append(UnusedCredential(principal_arn=role.arn, kind="role"))
    for user in snapshot.users:
        recent = _in_window(user.password_last_used, since, until) or any(
            _in_window(key.last_used, since, until) for key in user.access_keys
        )
        if user.arn not in active and not recent:
            found.append(UnusedCredential(principal_arn=user.arn, kind="user"))
        for key in user.access_keys:
            if key.is_active and key.id not in keys and not _in_window(key.last_used, since, until):
                found.append(
                    UnusedCredential(
                        principal_arn=user.arn,
                        kind="access-key",
                        key_id=key.id,
                        last_used=key.last_used,
                    )
                )
        if (
            user.has_console_password
            and user.arn not in logins
            and not _in_window(user.password_last_used, since, until)
        ):
            found.append(
                UnusedCredential(
                    principal_arn=user.arn, kind="password", last_used=user.password_last_used
                )
            )
    return tuple(sorted(found, key=lambda c: (c.principal_arn, c.kind, c.key_id)))


def unused_access(
    snapshot: Snapshot,
    principal_arn: str,
    calls: Sequence[RecordedCall],
    *,
    catalog: Catalog,
    since: datetime | None = None,
) -> PrincipalUnused:
    """What `principal_arn`'s effective permissions grant (engine) that `calls` (its
    recorded successful calls in the window starting at `since`) never needed

    Raises:
        InputError: the principal is neither a user nor a role of the snapshot.
    """
    granted = effective_permissions(snapshot, principal_arn, catalog=catalog)
    if granted.not_assessed:
        return PrincipalUnused(
            principal_arn=principal_arn,
            used_services=(),
            used_by_last_accessed=(),
            unused_services=(),
            unused_actions=(),
            not_assessed=granted.not_assessed,
        )
    used_actions = {m.action for call in calls for m in call.mapping.actions}
    used_services = {a.split(":", 1)[0] for a in used_actions}
    by_service: dict[str, list[str]] = {}
    for grant in granted.grants:
        by_service.setdefault(grant.service, []).append(grant.action)
    last_accessed = {
        access.namespace: access.last_authenticated
        for record in snapshot.service_last_accessed
        if record.principal_arn == principal_arn
        for access in record.services
    }
    unused: list[UnusedService] = []
    by_last_accessed: list[str] = []
    for service, actions in sorted(by_service.items()):
        if service in used_services:
            continue
        when = last_accessed.get(service)
        if when is not None and since is not None and when.replace(tzinfo=None) >= since:
            by_last_accessed.append(service)
            continue
        unused.append(
            UnusedService(
                service=service,
                granted_actions=len(actions),
                last_accessed=when,
                source=LAST_ACCESSED if service in last_accessed else CLOUDTRAIL,
            )
        )
    unused_actions = sorted(
        a for s in used_services for a in by_service.get(s, ()) if a not in used_actions
    )
    return PrincipalUnused(
        principal_arn=principal_arn,
        used_services=tuple(sorted(used_services)),
        used_by_last_accessed=tuple(by_last_accessed),
        unused_services=tuple(unused),
        unused_actions=tuple(unused_actions),
    )
