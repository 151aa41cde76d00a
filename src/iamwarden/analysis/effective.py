"""Effective permissions of one principal: every catalogue action the engine allows it, on
which resources and under which conditions, grouped by service and access level

Decided as `analysis.permissions` asks static questions: the principal's own keys known,
every always-present request key (source IP, region, time, …) and the MFA keys undecided
(absent for long-term access keys, present in console sessions), so an action
allowed only under such a condition is listed with the condition instead of being left out
or assumed. A wildcard resource asks whether *some* resource is allowed (the engine's
wildcard-resource rule); the resources listed are the `Resource` entries of the Allow
statements that decided, with the engine's notes on what Denies cut from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from iamwarden.analysis.permissions import MFA_KEYS, Permissions
from iamwarden.analysis.principals import entity_policies, in_organization
from iamwarden.errors import InputError
from iamwarden.policy import (
    AccessLevel,
    Catalog,
    ConditionRef,
    Decision,
    Effect,
    Policy,
    PolicyKind,
    PolicySet,
    Statement,
    StatementRef,
    evaluate_actions,
)
from iamwarden.policy.engine.special import CALLER_IDENTITY
from iamwarden.snapshot import Snapshot

__all__ = [
    "ActionGrant",
    "EffectivePermissions",
    "StatementIndex",
    "covered_on_every_resource",
    "effective_permissions",
    "named_resources",
    "statement_index",
]

_LEVEL_ORDER = {level.value: i for i, level in enumerate(AccessLevel)}
_SENSITIVITY = (
    AccessLevel.PERMISSIONS_MANAGEMENT,
    AccessLevel.WRITE,
    AccessLevel.TAGGING,
    AccessLevel.READ,
    AccessLevel.LIST,
)
_ALLOWING_KINDS = (PolicyKind.IDENTITY, PolicyKind.RESOURCE)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionGrant:
    """One allowed action: its catalogue name, service prefix and access level (the
    catalogue's, e.g. `Read`), the resource patterns allowed (`*` for every resource), the
    undecided conditions that must hold, the Allow statements that decided and the engine's
    notes (what a Deny cuts, which patterns qualify)"""

    action: str
    service: str
    access_level: str
    resources: tuple[str, ...]
    conditions: tuple[ConditionRef, ...]
    statements: tuple[StatementRef, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class EffectivePermissions:
    """What one principal is allowed; `not_assessed` says why nothing could be decided (a
    policy the snapshot lacks or cannot read: what it would allow or deny is unknown)"""

    principal: str
    grants: tuple[ActionGrant, ...] = ()
    not_assessed: tuple[str, ...] = ()
    service: str | None = None

    def by_service(self) -> dict[str, dict[str, list[ActionGrant]]]:
        """Grants by service prefix, then access level, in catalogue order"""
        out: dict[str, dict[str, list[ActionGrant]]] = {}
        for grant in self.grants:
            out.setdefault(grant.service, {}).setdefault(grant.access_level, []).append(grant)
        return out


def effective_permissions(
    snapshot: Snapshot, principal_arn: str, *, catalog: Catalog, service: str | None = None
) -> EffectivePermissions:
    """Every catalogue action (of `service` only, when given) the engine allows
    `principal_arn` on some resource, with its identity, group, boundary, SCP and RCP policies

    Raises:
        InputError: the principal is neither a user nor a role of the snapshot, or `service`
            is not a service prefix of the catalogue.
    """
    entity = next((p for p in snapshot.principals() if p.arn == principal_arn), None)
    if entity is None:
        raise InputError(f"`{principal_arn}` is not a user or role of the snapshot")
    actions = sorted(catalog.all_actions)
    if service is not None:
        actions = [a for a in actions if a.split(":", 1)[0].lower() == service.lower()]
        if not actions:
            raise InputError(f"`{service}` is not a service prefix of the action catalogue")
    own = entity_policies(snapshot, entity)
    if not own.is_complete:
        reasons = [f"policy `{name}` is not in the snapshot" for name in own.missing]
        reasons.extend(_unreadable(snapshot, own.unreadable))
        return EffectivePermissions(
            principal=principal_arn, not_assessed=tuple(reasons), service=service
        )
    policies = in_organization(snapshot, own.policies)
    permissions = Permissions(snapshot, catalog)
    base = permissions.principal_request(principal_arn)
    base = replace(
        base, resource="*", every_resource=False, unknown_keys=base.unknown_keys | MFA_KEYS
    )
    covered = frozenset().union(*map(permissions.named_actions, policies.identity))
    # and the action no policy decides
    candidates = [a for a in actions if a in covered or a.lower() == CALLER_IDENTITY]
    decided = evaluate_actions(base, policies, candidates, catalog=catalog)
    answers = [decided[action] for action in candidates]
    index = statement_index(policies)
    grants = [
        ActionGrant(
            action=action,
            service=action.split(":", 1)[0],
            access_level=_level(catalog, action),
            resources=_for_action(named_resources(index, answer.reasons), catalog, action),
            conditions=answer.undecided,
            statements=answer.reasons,
            notes=answer.notes,
        )
        for action, answer in zip(candidates, answers, strict=True)
        if answer.decision is Decision.ALLOWED
    ]
    grants.sort(key=lambda g: (g.service, _LEVEL_ORDER.get(g.access_level, 99)))
    return EffectivePermissions(principal=principal_arn, grants=tuple(grants), service=service)


def _unreadable(snapshot: Snapshot, names: Iterable[str]) -> list[str]:
    out = []
    for name in names:
        reason = next((g.reason for g in snapshot.gaps if g.resource == name), "cannot be read")
        out.append(f"policy `{name}`: {reason}")
    return out


def covered_on_every_resource(identity: Iterable[Policy], catalog: Catalog) -> frozenset[str]:
    """The catalogue actions some Allow statement of `identity` covers whose `Resource` is
    `*` (or that uses `NotResource`): without a resource policy, no other action can be
    allowed on every resource"""
    found: set[str] = set()
    for policy in identity:
        for stmt in policy.statements:
            if stmt.effect is not Effect.ALLOW or not (
                stmt.not_resource is not None or any(set(r) == {"*"} for r in stmt.resource or ())
            ):
                continue
            if stmt.action is not None:
                found |= catalog.covered(stmt.action)
            else:
                found |= catalog.covered(stmt.not_action or (), negated=True)
    return frozenset(found)


StatementIndex = Mapping[tuple[str, int], Statement]
"""Statements by (policy name, statement index), as a `StatementRef` names them"""


def statement_index(policies: PolicySet) -> StatementIndex:
    """The identity and resource-policy statements of `policies`, by policy name and index"""
    every = [*policies.identity, *((policies.resource,) if policies.resource else ())]
    return {(p.name, s.index): s for p in every for s in p.statements}


def named_resources(index: StatementIndex, reasons: Iterable[StatementRef]) -> tuple[str, ...]:
    """The resource patterns the identity and resource-policy statements among `reasons`
    name (`*` when one allows every resource, or when none of them is such a statement)"""
    found: dict[str, None] = {}
    for ref in reasons:
        stmt = index.get((ref.policy, ref.index)) if ref.kind in _ALLOWING_KINDS else None
        if stmt is None:
            continue
        if stmt.resource is not None:
            found.update(dict.fromkeys(stmt.resource))
        elif stmt.not_resource is not None:
            found["every resource but " + ", ".join(stmt.not_resource)] = None
        else:
            found["*"] = None
    return ("*",) if "*" in found or not found else tuple(found)


def _for_action(patterns: tuple[str, ...], catalog: Catalog, action: str) -> tuple[str, ...]:
    """The patterns that can name a resource of `action`: one statement often lists the ARNs
    of several services' resources, and each action acts on its own service's (the
    catalogue's ARN formats); a pattern whose service segment is a wildcard, or is not an
    ARN, is kept; all of them when none fits"""
    services = {
        arn.split(":")[2]
        for ref in catalog.resource_types(action)
        for arn in ref.arn_formats
        if arn.count(":") >= 2
    }
    if not services or patterns == ("*",):
        return patterns
    fitting = tuple(p for p in patterns if _service_of(p) in services | {None})
    return fitting or patterns


def _service_of(pattern: str) -> str | None:
    """The literal service segment of an ARN pattern (None: a wildcard there, or no ARN)"""
    parts = pattern.split(":")
    if len(parts) < 3 or parts[0] != "arn" or "*" in parts[2] or "?" in parts[2]:
        return None
    return parts[2]


def _level(catalog: Catalog, action: str) -> str:
    """The most sensitive of the action's access levels (`s3:PutBucketPolicy` is Write and
    Permissions management: the latter)"""
    levels = catalog.access_levels(action)
    found = next((level for level in _SENSITIVITY if level in levels), None)
    return found.value if found else "Unknown"
