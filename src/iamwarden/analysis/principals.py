"""Which policies apply to a principal: the bridge from a `Snapshot` to a `PolicySet`.

This module resolves names to documents (attachments, groups, boundaries, the organization
path, a resource's policy) and parses them once; it decides nothing. Decisions are the
engine's.
"""

from __future__ import annotations

from dataclasses import dataclass

from iamwarden.policy import Policy, PolicyKind, PolicySet, parse_policy
from iamwarden.snapshot import Group, InlinePolicy, OrgPolicy, Role, Snapshot, User

__all__ = [
    "PrincipalPolicies",
    "identity_policies",
    "is_known_principal",
    "organization_levels",
    "policies_for",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class PrincipalPolicies:
    """The policies that apply to one principal, and the attached policies the snapshot lacks"""

    principal_arn: str
    policies: PolicySet
    missing: tuple[str, ...] = ()


def _inline(entity: User | Role | Group, policy: InlinePolicy) -> Policy:
    return parse_policy(policy.document.text, name=f"{entity.arn}:{policy.name}")


def _attached(
    snapshot: Snapshot, arns: tuple[str, ...], missing: list[str], kind: PolicyKind
) -> list[Policy]:
    found = []
    for arn in arns:
        managed = snapshot.policy(arn)
        if managed is None:
            missing.append(arn)
        else:
            found.append(parse_policy(managed.document.text, name=arn, kind=kind))
    return found


def _identity(
    snapshot: Snapshot, entity: User | Role | Group, missing: list[str]
) -> tuple[Policy, ...]:
    policies = [_inline(entity, p) for p in entity.inline_policies]
    policies += _attached(snapshot, entity.attached_policies, missing, PolicyKind.IDENTITY)
    if isinstance(entity, User):
        for name in entity.groups:
            group = snapshot.group(name)
            if group is None:
                missing.append(f"group/{name}")
            else:
                policies += _identity(snapshot, group, missing)
    return tuple(policies)


def identity_policies(snapshot: Snapshot, entity: User | Role | Group) -> tuple[Policy, ...]:
    """The identity-based policies of a user (with its groups'), role or group"""
    return _identity(snapshot, entity, [])


def _org_level(policies: tuple[OrgPolicy, ...], kind: PolicyKind) -> tuple[Policy, ...]:
    return tuple(parse_policy(p.document.text, name=p.arn or p.id, kind=kind) for p in policies)


def organization_levels(
    snapshot: Snapshot,
) -> tuple[tuple[tuple[Policy, ...], ...] | None, tuple[tuple[Policy, ...], ...] | None]:
    """The SCPs and RCPs per level, organization root first; `None` outside an organization"""
    org = snapshot.organization
    if org is None:
        return None, None
    scps = tuple(_org_level(level.scps, PolicyKind.SCP) for level in org.path)
    rcps = tuple(_org_level(level.rcps, PolicyKind.RCP) for level in org.path)
    return scps, (rcps if any(rcps) else None)


def _entity(snapshot: Snapshot, principal_arn: str) -> User | Role | None:
    if ":assumed-role/" in principal_arn:
        prefix, _, session = principal_arn.partition(":assumed-role/")
        role_name = session.split("/", 1)[0]
        arn_prefix = prefix.replace(":sts:", ":iam:")
        return next(
            (r for r in snapshot.roles if r.name == role_name and r.arn.startswith(arn_prefix)),
            None,
        )
    return next((p for p in snapshot.principals() if p.arn == principal_arn), None)


def is_known_principal(snapshot: Snapshot, principal_arn: str) -> bool:
    """Whether the ARN names the account's root, one of its users or roles, or a role session"""
    return (
        principal_arn == snapshot.account.root_arn or _entity(snapshot, principal_arn) is not None
    )


def policies_for(
    snapshot: Snapshot, principal_arn: str, *, resource_arn: str | None = None
) -> PrincipalPolicies:
    """Every policy that takes part when `principal_arn` acts on `resource_arn`"""
    missing: list[str] = []
    entity = _entity(snapshot, principal_arn)
    identity: tuple[Policy, ...] = ()
    boundary = None
    if entity is not None:
        identity = _identity(snapshot, entity, missing)
        if entity.permissions_boundary:
            found = _attached(
                snapshot, (entity.permissions_boundary,), missing, PolicyKind.PERMISSIONS_BOUNDARY
            )
            boundary = found[0] if found else None
    resource = None
    if resource_arn is not None:
        stored = snapshot.resource_policy(resource_arn)
        role = snapshot.role(resource_arn)
        if stored is not None:
            resource = parse_policy(stored.document.text, name=stored.arn, kind=PolicyKind.RESOURCE)
        elif role is not None:
            resource = parse_policy(
                role.trust_policy.text, name=f"{role.arn}:trust", kind=PolicyKind.RESOURCE
            )
    scps, rcps = organization_levels(snapshot)
    org = snapshot.organization
    return PrincipalPolicies(
        principal_arn=principal_arn,
        policies=PolicySet(
            identity=identity,
            permissions_boundary=boundary,
            resource=resource,
            scps=scps,
            rcps=rcps,
            is_management_account=org is not None
            and org.management_account_id == snapshot.account.id,
        ),
        missing=tuple(dict.fromkeys(missing)),
    )
