"""The one place the escalation graph asks the policy engine

Resolves each principal's policies once (identity, groups, boundary, SCPs and RCPs) and
builds its requests as `analysis.permissions` does (the principal's own keys known, every
always-present request key undecided), with the MFA keys undecided too: an edge that needs
MFA is conditional on it, never assumed either way. Decides nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace

from iamwarden.analysis.escalation.model import FAN_MIN, Decided, Edge, Fan
from iamwarden.analysis.permissions import MFA_KEYS, Permissions
from iamwarden.analysis.principals import PrincipalPolicies, entity_policies, in_organization
from iamwarden.errors import InputError
from iamwarden.policy import (
    Catalog,
    Decision,
    Evaluation,
    Policy,
    PolicyKind,
    PolicySet,
    Request,
    ResourceClass,
    ResourceList,
    evaluate,
    evaluate_resources,
    parse_policy,
    shared_key,
)
from iamwarden.snapshot import Role, Snapshot, User

__all__ = ["Asker", "Targets", "emit", "target_context"]

_REQUEST_SPECIFIC = frozenset(
    {
        "iam:passedtoservice",
        "iam:policyarn",
        "iam:permissionsboundary",
        "iam:associatedresourcearn",
        "sts:externalid",
        "aws:sourcearn",
        "aws:sourceaccount",
    }
)
"""Keys that take a value only in some requests of an action (the role's service, the
policy attached, …): undecided when asking about every request of it"""

Context = Mapping[str, str | Sequence[str]]


def target_context(target: User | Role) -> dict[str, str | Sequence[str]]:
    """The resource-tag keys of a request on `target` (IAM reads both spellings)"""
    context: dict[str, str | Sequence[str]] = {}
    for tag in target.tags:
        context[f"aws:ResourceTag/{tag.key}"] = tag.value
        context[f"iam:ResourceTag/{tag.key}"] = tag.value
    return context


class Targets:
    """Targets asked about together: their ARNs as one `ResourceList` per request context
    (targets with the same tags share one), built once and reused for every source"""

    def __init__(self, targets: Sequence[User | Role]) -> None:
        grouped: dict[tuple[tuple[str, str], ...], list[User | Role]] = {}
        for target in targets:
            grouped.setdefault(tuple((t.key, t.value) for t in target.tags), []).append(target)
        self.groups: list[tuple[dict[str, str | Sequence[str]], ResourceList]] = [
            (target_context(members[0]), ResourceList(m.arn for m in members))
            for members in grouped.values()
        ]


def emit(
    source: str,
    technique: str,
    allowed: Mapping[str, bool],
    make: Callable[[str], Edge | None],
) -> Iterator[Edge | Fan]:
    """The edges of `technique` from `source` to the targets in `allowed` (target →
    whether its decision is conditional) but `source` itself: one `Fan` per
    conditionality when there are at least `FAN_MIN` such targets, else each edge made
    (decided again) by `make`"""
    for conditional in (False, True):
        targets = [t for t, c in allowed.items() if c is conditional]
        kept = [t for t in targets if t != source]
        if len(kept) >= FAN_MIN:
            yield Fan(
                source=source,
                technique=technique,
                targets=frozenset(targets),
                is_conditional=conditional,
                make=make,
            )
            continue
        for target in kept:
            edge = make(target)
            if edge is not None:
                yield edge


class Asker:
    """Engine questions on behalf of the snapshot's principals, with their policies cached"""

    def __init__(self, snapshot: Snapshot, catalog: Catalog, permissions: Permissions) -> None:
        self.snapshot = snapshot
        self.catalog = catalog
        self.permissions = permissions
        self._organization = in_organization(snapshot, PolicySet())
        self._own: dict[str, PrincipalPolicies] = {}
        self._sets: dict[str, PolicySet] = {}
        self._requests: dict[str, Request] = {}
        self._trust: dict[str, Policy | None] = {}
        self._may: dict[tuple[str, str], bool] = {}
        self._shared: dict[tuple[object, ...], Evaluation] = {}
        self._shared_bulk: dict[tuple[object, ...], tuple[ResourceClass, ...]] = {}
        self._tag_keys = frozenset(
            f"{prefix}:resourcetag/{tag.key.lower()}"
            for p in snapshot.principals()
            for tag in p.tags
            for prefix in ("aws", "iam")
        )

    def own(self, entity: User | Role) -> PrincipalPolicies:
        """The identity policies and boundary of `entity`, with what is missing or unreadable"""
        found = self._own.get(entity.arn)
        if found is None:
            found = entity_policies(self.snapshot, entity)
            self._own[entity.arn] = found
        return found

    def policies(self, entity: User | Role) -> PolicySet:
        """Every policy that applies to `entity`'s requests (organization included)"""
        found = self._sets.get(entity.arn)
        if found is None:
            found = self.with_organization(self.own(entity).policies)
            self._sets[entity.arn] = found
        return found

    def with_organization(self, policies: PolicySet) -> PolicySet:
        """`policies` with the account's SCPs and RCPs (and whether it is the management
        account, whose principals no SCP restricts)"""
        found = self._organization
        return replace(
            policies,
            scps=found.scps,
            rcps=found.rcps,
            is_management_account=found.is_management_account,
        )

    def trust(self, role: Role) -> Policy | None:
        """`role`'s trust policy as a resource policy; None when it cannot be read"""
        if role.arn not in self._trust:
            try:
                self._trust[role.arn] = parse_policy(
                    role.trust_policy.text, name=f"{role.arn}:trust", kind=PolicyKind.RESOURCE
                )
            except InputError:
                self._trust[role.arn] = None
        return self._trust[role.arn]

    def request(
        self,
        principal_arn: str,
        action: str,
        resource: str,
        context: Context | None = None,
        unknown: frozenset[str] = frozenset(),
    ) -> Request:
        """`action` on `resource` by a principal of the snapshot, asked statically"""
        base = self._requests.get(principal_arn)
        if base is None:
            base = self.permissions.principal_request(principal_arn)
            base = replace(base, every_resource=False, unknown_keys=base.unknown_keys | MFA_KEYS)
            self._requests[principal_arn] = base
        return Request(
            principal=base.principal,
            action=action,
            resource=resource,
            resource_account=base.resource_account,
            context={**base.context, **context} if context else base.context,
            unknown_keys=base.unknown_keys | unknown if unknown else base.unknown_keys,
            principal_tags=base.principal_tags,
            principal_id=base.principal_id,
        )

    def ask(
        self,
        entity: User | Role,
        action: str,
        resource: str,
        *,
        context: Context | None = None,
        resource_policy: Policy | None = None,
        unknown: frozenset[str] = frozenset(),
    ) -> Decided | None:
        """The engine's answer when it allows `action` on `resource` for `entity`, else None"""
        request = self.request(entity.arn, action, resource, context, unknown)
        policies = self.policies(entity)
        if resource_policy is not None:
            policies = replace(policies, resource=resource_policy)
        # principals holding the same policies share a decision that cannot tell them apart
        key = shared_key(request, policies)
        found = None if key is None else self._shared.get(key)
        if found is None:
            found = evaluate(request, policies, catalog=self.catalog)
            if key is not None:
                self._shared[key] = found
        evaluation = found
        if evaluation.decision is not Decision.ALLOWED:
            return None
        return Decided(request=request, policies=policies, evaluation=evaluation)

    def bulk(
        self,
        entity: User | Role,
        action: str,
        targets: ResourceList,
        *,
        context: Context | None = None,
        resource_policy: Policy | None = None,
        unknown: frozenset[str] = frozenset(),
    ) -> tuple[ResourceClass, ...]:
        """The engine's decisions of `action` by `entity` on each of `targets`, by class of
        targets alike (`policy.evaluate_resources`)"""
        policies = self.policies(entity)
        if resource_policy is not None:
            policies = replace(policies, resource=resource_policy)
        request = self.request(entity.arn, action, "*", context, unknown)
        # the same statements and the same keys read: the same classes for every target
        # (the resource account of an ARN without one is the principal's, in the key)
        key = shared_key(request, policies)
        if key is None:
            return evaluate_resources(request, policies, targets, catalog=self.catalog)
        found = self._shared_bulk.get((key, targets))
        if found is None:
            found = evaluate_resources(request, policies, targets, catalog=self.catalog)
            self._shared_bulk[(key, targets)] = found
        return found

    def allowed(
        self,
        entity: User | Role,
        action: str,
        targets: ResourceList,
        *,
        context: Context | None = None,
        resource_policy: Policy | None = None,
        unknown: frozenset[str] = frozenset(),
    ) -> dict[str, bool]:
        """The targets on which the engine allows `entity` `action`, each with whether the
        decision is conditional"""
        found: dict[str, bool] = {}
        arns = targets.arns
        for group in self.bulk(
            entity,
            action,
            targets,
            context=context,
            resource_policy=resource_policy,
            unknown=unknown,
        ):
            if group.is_allowed:
                conditional = group.evaluation.is_conditional
                for i in group.indexes():
                    found[arns[i]] = conditional
        return found

    def may(self, entity: User | Role, action: str) -> bool:
        """Whether `entity` may do `action` on some resource, with every request-specific key
        undecided: a necessary condition for any request of that action, so a no skips them
        all (an exact shortcut, never a guess)"""
        key = (entity.arn, action)
        found = self._may.get(key)
        if found is None:
            unknown = _REQUEST_SPECIFIC | self._tag_keys
            found = self.ask(entity, action, "*", unknown=unknown) is not None
            self._may[key] = found
        return found

    def ask_all(
        self,
        entity: User | Role,
        questions: Sequence[tuple[str, str]],
        *,
        context: Context | None = None,
    ) -> tuple[Decided, ...] | None:
        """Every (action, resource) allowed, or None at the first one that is not"""
        found = []
        for action, resource in questions:
            decided = self.ask(entity, action, resource, context=context)
            if decided is None:
                return None
            found.append(decided)
        return tuple(found)
