"""What the principals of an account's identity policies did, for `iamwarden lint --activity`

A policy applies to the users and roles it is attached to, directly or through a group (a
group's members), and an inline policy to its holder (a group's: its members). Each of them
gets a `RecordedUse` from the store's successful calls in the last `days` days of its
history: the catalogue actions the calls needed, and the services of calls no action was
found for. The store must cover the snapshot's account and the window (as for `assess
--activity`); otherwise nothing is assessed and `not_assessed` says why.

This module queries and gathers; `iamwarden.policy.lint.activity` decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from iamwarden.activity.assess import store_coverage
from iamwarden.activity.calls import calls_by_principal
from iamwarden.activity.mapping import load_mapper
from iamwarden.activity.store import ActivityStore
from iamwarden.policy import Catalog
from iamwarden.policy.lint.activity import RecordedUse
from iamwarden.snapshot import Snapshot

__all__ = ["PolicyActivity", "policy_activity", "policy_principals"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyActivity:
    """The recorded use of every principal an identity policy of the account applies to

    `principals`: by managed policy ARN, or by the ARN of the user, group or role holding
    inline policies, the user and role ARNs the policy applies to; `uses`: by principal ARN
    (a principal without calls is absent); `not_assessed`: why the store cannot answer
    (empty when it can).
    """

    days: int
    principals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    uses: Mapping[str, RecordedUse] = field(default_factory=dict)
    not_assessed: str = ""

    def uses_of(self, policy: str) -> tuple[RecordedUse, ...]:
        """One `RecordedUse` per principal `policy` (a managed policy ARN, or the ARN of the
        holder of inline policies) applies to, empty for a principal without calls; none
        when the policy applies to nobody or the store could not answer"""
        if self.not_assessed:
            return ()
        return tuple(
            self.uses.get(arn) or RecordedUse(principal=arn)
            for arn in self.principals.get(policy, ())
        )


def policy_principals(snapshot: Snapshot) -> dict[str, tuple[str, ...]]:
    """Managed policy ARN or inline holder ARN -> the user and role ARNs it applies to,
    sorted (a group's policies apply to its members)"""
    members: dict[str, list[str]] = {}
    for user in snapshot.users:
        for name in user.groups:
            members.setdefault(name, []).append(user.arn)
    found: dict[str, set[str]] = {}
    holders: list[tuple[str, tuple[str, ...], list[str]]] = [
        (u.arn, u.attached_policies, [u.arn]) for u in snapshot.users
    ]
    holders.extend((r.arn, r.attached_policies, [r.arn]) for r in snapshot.roles)
    holders.extend((g.arn, g.attached_policies, members.get(g.name, [])) for g in snapshot.groups)
    for arn, attached, applies_to in holders:
        for key in (arn, *attached):
            found.setdefault(key, set()).update(applies_to)
    return {key: tuple(sorted(arns)) for key, arns in found.items() if arns}


def policy_activity(
    snapshot: Snapshot, store: ActivityStore, *, catalog: Catalog, days: int = 90
) -> PolicyActivity:
    """What every user and role of `snapshot` did in the store's last `days` days"""
    since, until, missing = store_coverage(store, snapshot.account.id, days)
    if missing:
        return PolicyActivity(days=days, not_assessed=missing)
    principals = policy_principals(snapshot)
    arns = sorted({arn for holders in principals.values() for arn in holders})
    calls = calls_by_principal(
        store, load_mapper(catalog), principals=arns, since=since, until=until
    )
    uses: dict[str, RecordedUse] = {}
    for arn, recorded in calls.items():
        actions: set[str] = set()
        unmapped: set[str] = set()
        for call in recorded:
            if call.mapping.is_mapped:
                actions.update(catalog.canonical(m.action) for m in call.mapping.actions)
            else:
                unmapped.add(call.mapping.service or call.event_source.partition(".")[0])
        uses[arn] = RecordedUse(
            principal=arn,
            actions=frozenset(actions),
            unmapped_services=frozenset(s.lower() for s in unmapped),
        )
    return PolicyActivity(
        days=days,
        principals=MappingProxyType(principals),
        uses=MappingProxyType(uses),
    )
