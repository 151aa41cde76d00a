"""Which policies apply to a principal: the bridge from a `Snapshot` to a `PolicySet`.

This module resolves names to documents (attachments, groups, boundaries, the organization
path, a resource's policy) and parses them once; it decides nothing. Decisions are the
engine's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from iamwarden.errors import InputError
from iamwarden.policy import Policy, PolicyKind, PolicySet, parse_policy, try_parse_arn
from iamwarden.snapshot import Group, InlinePolicy, ManagedPolicy, OrgPolicy, Role, Snapshot, User

__all__ = [
    "PolicyResolver",
    "PrincipalPolicies",
    "entity_policies",
    "in_organization",
    "inline_policy",
    "is_known_principal",
    "managed_policy",
    "organization_levels",
    "policies_for",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class PrincipalPolicies:
    """The policies that apply to one principal, the attached policies the snapshot lacks, and
    those it holds but iamwarden cannot read (named as `Gap.resource` names them)"""

    principal_arn: str
    policies: PolicySet
    missing: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()

    @property
    def is_complete(self) -> bool:
        """Whether every attached policy (and the boundary) was found and read"""
        return not self.missing and not self.unreadable


def inline_policy(entity: User | Role | Group, policy: InlinePolicy) -> Policy:
    """An inline policy, parsed and named `<entity arn>:<policy name>`"""
    return parse_policy(policy.document.text, name=f"{entity.arn}:{policy.name}")


def managed_policy(policy: ManagedPolicy, kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    """A managed policy's default version, parsed and named by its ARN"""
    return parse_policy(policy.document.text, name=policy.arn, kind=kind)


class _Gaps:
    """The names of the policies an entity lacks (`missing`) or cannot read (`unreadable`)"""

    def __init__(self) -> None:
        self.missing: list[str] = []
        self.unreadable: list[str] = []


class PolicyResolver:
    """The identity policies of the entities of one snapshot, each managed policy looked up
    and parsed once however many entities attach it (`entity_policies` for one entity)"""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        # by ARN, one table per kind: the parsed policy, the parse error, or None when the
        # snapshot lacks it
        self._managed: dict[PolicyKind, dict[str, Policy | InputError | None]] = {}

    def entity_policies(self, entity: User | Role | Group) -> PrincipalPolicies:
        """The identity policies (a user's groups' included) and permissions boundary of an
        entity; a policy that cannot be parsed is left out and named in `unreadable`"""
        gaps = _Gaps()
        identity = self._identity(entity, gaps)
        boundary = None
        if not isinstance(entity, Group) and entity.permissions_boundary:
            found = self._attached(
                (entity.permissions_boundary,), gaps, PolicyKind.PERMISSIONS_BOUNDARY
            )
            boundary = found[0] if found else None
        return PrincipalPolicies(
            principal_arn=entity.arn,
            policies=PolicySet(identity=identity, permissions_boundary=boundary),
            missing=tuple(dict.fromkeys(gaps.missing)),
            unreadable=tuple(dict.fromkeys(gaps.unreadable)),
        )

    def _parsed(self, arn: str, kind: PolicyKind) -> Policy | InputError | None:
        table = self._managed.setdefault(kind, {})
        if arn in table:
            return table[arn]
        managed = self._snapshot.policy(arn)
        found: Policy | InputError | None = None
        if managed is not None:
            try:
                found = managed_policy(managed, kind)
            except InputError as error:
                found = error
        table[arn] = found
        return found

    def _attached(self, arns: tuple[str, ...], gaps: _Gaps, kind: PolicyKind) -> list[Policy]:
        found = []
        for arn in arns:
            policy = self._parsed(arn, kind)
            if policy is None:
                gaps.missing.append(arn)
            elif isinstance(policy, InputError):
                gaps.unreadable.append(arn)
            else:
                found.append(policy)
        return found

    def _identity(self, entity: User | Role | Group, gaps: _Gaps) -> tuple[Policy, ...]:
        policies = []
        for inline in entity.inline_policies:
            try:
                policies.append(inline_policy(entity, inline))
            except InputError:
                gaps.unreadable.append(f"{entity.arn}:{inline.name}")
        policies += self._attached(entity.attached_policies, gaps, PolicyKind.IDENTITY)
        if isinstance(entity, User):
            for name in entity.groups:
                group = self._snapshot.group(name)
                if group is None:
                    gaps.missing.append(f"group/{name}")
                else:
                    policies += self._identity(group, gaps)
        return tuple(policies)


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
    """The user or role an ARN names; a role session (`assumed-role/NAME/session`) names its
    role"""
    session = try_parse_arn(principal_arn)
    if session is not None and session.resource_type == "assumed-role":
        role_name = session.resource.split("/")[1] if "/" in session.resource else ""
        for role in snapshot.roles:
            arn = try_parse_arn(role.arn)
            if (
                role.name == role_name
                and arn is not None
                and (arn.partition, arn.account) == (session.partition, session.account)
            ):
                return role
        return None
    return next((p for p in snapshot.principals() if p.arn == principal_arn), None)


def is_known_principal(snapshot: Snapshot, principal_arn: str) -> bool:
    """Whether the ARN names the account's root, one of its users or roles, or a role session"""
    return (
        principal_arn == snapshot.account.root_arn or _entity(snapshot, principal_arn) is not None
    )


def entity_policies(snapshot: Snapshot, entity: User | Role | Group) -> PrincipalPolicies:
    """The identity policies (a user's groups' included) and permissions boundary of an entity

    A policy that cannot be parsed is left out of `policies` and named in `unreadable`, so the
    answer is incomplete rather than wrong. Resolving many entities: `PolicyResolver`.
    """
    return PolicyResolver(snapshot).entity_policies(entity)


def policies_for(
    snapshot: Snapshot, principal_arn: str, *, resource_arn: str | None = None
) -> PrincipalPolicies:
    """Every policy that takes part when `principal_arn` acts on `resource_arn`

    Raises:
        InputError: a policy of the principal (or the resource's policy) cannot be parsed.
    """
    entity = _entity(snapshot, principal_arn)
    own = (
        entity_policies(snapshot, entity)
        if entity is not None
        else PrincipalPolicies(principal_arn=principal_arn, policies=PolicySet())
    )
    if own.unreadable:
        name = own.unreadable[0]
        reasons = (g.reason for g in snapshot.gaps if g.resource == name)
        raise InputError(next(reasons, f"policy `{name}` cannot be read"))
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
    return PrincipalPolicies(
        principal_arn=principal_arn,
        policies=replace(in_organization(snapshot, own.policies), resource=resource),
        missing=own.missing,
    )


def in_organization(snapshot: Snapshot, policies: PolicySet) -> PolicySet:
    """`policies` with the snapshot's SCP and RCP levels and whether the account is the
    Organization's management account (which neither SCPs nor RCPs restrict)"""
    scps, rcps = organization_levels(snapshot)
    org = snapshot.organization
    return replace(
        policies,
        scps=scps,
        rcps=rcps,
        is_management_account=org is not None and org.management_account_id == snapshot.account.id,
    )
