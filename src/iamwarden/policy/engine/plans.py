"""Policy sets compiled into per-action plans and wildcard action classes"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from iamwarden.policy.catalog import Catalog, load_catalog
from iamwarden.policy.document import PolicyKind
from iamwarden.policy.engine.compiled import (
    CompiledPolicy,
    Stmt,
    action_classes,
    clear_compiled,
    compile_policy,
    expand_lower,
    sorted_lower,
)
from iamwarden.policy.engine.model import Evaluation, PolicySet

# groups of a policy set, in the order AWS documents them
SCP_SLOT, RCP_SLOT, RESOURCE_SLOT, IDENTITY_SLOT, BOUNDARY_SLOT, SESSION_SLOT = range(6)


@dataclass(slots=True)
class Group:
    slot: int
    kind: PolicyKind
    allows: tuple[Stmt, ...]
    denies: tuple[Stmt, ...]


@dataclass(slots=True)
class Plan:
    """The statements of a policy set that can apply to one (non-wildcard) action"""

    action: str
    scp: tuple[Group, ...]
    rcp: tuple[Group, ...]
    resource: Group
    identity: Group
    boundary: Group
    session: Group
    is_static: bool
    service: str
    resource_dependent: tuple[Stmt, ...]
    deny_groups: tuple[Group, ...]
    memo: dict[tuple[object, ...], Evaluation]


class CompiledSet:
    __slots__ = (
        "catalog",
        "empty",
        "groups",
        "plans",
        "policies",
        "single_empty",
        "wildcards",
    )

    def __init__(self, policies: PolicySet, *, shared: bool = True) -> None:
        """Compile `policies`; `shared` False compiles afresh, bypassing every cache"""
        self.policies = policies
        self.catalog: Catalog | None = None
        compile_one = compile_policy if shared else CompiledPolicy
        groups: list[tuple[int, PolicyKind, tuple[CompiledPolicy, ...]]] = []
        for scp_level in policies.scps or ():
            groups.append((SCP_SLOT, PolicyKind.SCP, tuple(compile_one(p) for p in scp_level)))
        for rcp_level in policies.rcps or ():
            groups.append((RCP_SLOT, PolicyKind.RCP, tuple(compile_one(p) for p in rcp_level)))
        singles = (
            (RESOURCE_SLOT, PolicyKind.RESOURCE, (policies.resource,) if policies.resource else ()),
            (IDENTITY_SLOT, PolicyKind.IDENTITY, policies.identity),
            (
                BOUNDARY_SLOT,
                PolicyKind.PERMISSIONS_BOUNDARY,
                (policies.permissions_boundary,) if policies.permissions_boundary else (),
            ),
            (SESSION_SLOT, PolicyKind.SESSION, policies.session or ()),
        )
        for slot, kind, items in singles:
            groups.append((slot, kind, tuple(compile_one(p) for p in items)))
        # INVARIANT: groups are never mutated, so one empty group per slot serves every plan
        self.empty = {slot: Group(slot, kind, (), ()) for slot, kind, _ in groups}
        self.single_empty = {
            slot: group for slot, group in self.empty.items() if slot not in (SCP_SLOT, RCP_SLOT)
        }
        # the slots that hold policies, and every SCP / RCP level (an empty one allows nothing)
        self.groups = tuple(g for g in groups if g[2] or g[0] in (SCP_SLOT, RCP_SLOT))
        self.plans: dict[str, Plan] = {}
        self.wildcards: dict[str, tuple[tuple[str, int], ...]] = {}

    def resolve_catalog(self, catalog: Catalog | None) -> Catalog:
        """`catalog`, else the one this set last used, else `load_catalog()`; remembered"""
        self.catalog = catalog or self.catalog or load_catalog()
        return self.catalog

    def statements(self) -> Iterable[Stmt]:
        """Every compiled statement, in the order AWS documents the policy types"""
        for _, _, compiled in self.groups:
            for cp in compiled:
                yield from cp.statements

    def representatives(self, key: str, catalog: Catalog) -> tuple[tuple[str, int], ...]:
        """One action per class (`classes`) of the actions wildcard `key` expands to, with
        class sizes: each is decided exactly as its representative is. A pattern that
        matches no catalogue action stands for itself."""
        found = self.wildcards.get(key)
        if found is not None:
            return found
        expanded = expand_lower(catalog, key)
        if not expanded:
            found = ((key, 1),)
        else:
            ordered = sorted_lower(catalog, key)
            found = tuple(
                sorted(
                    # the first in sorted order: by `min` for a small class, by walking the
                    # sorted expansion for a large one (met early: it spans most of it)
                    (
                        min(block) if len(block) < 256 else next(a for a in ordered if a in block),
                        len(block),
                    )
                    for block in self.classes(expanded, catalog)
                )
            )
        if len(self.wildcards) < 10_000:
            self.wildcards[key] = found
        return found

    def classes(self, actions: frozenset[str], catalog: Catalog) -> list[frozenset[str]]:
        """`actions` (lowercased catalogue actions) partitioned into classes decided alike

        Two actions are in one class when the same statements cover them and the
        action-dependent rules (RCP service, key/trust policy, AWS's guardrails) treat them
        alike. Classes come from refining the actions that some statement names (or a rule
        singles out) by each statement's named set; the actions none names form one more.
        """
        cuts = [stmt.named_actions(catalog) & actions for stmt in self.statements()]
        cuts.extend(
            cut & actions for cut in action_classes(catalog, self.policies.rcps is not None)
        )
        cuts = [cut for cut in cuts if cut]
        named = frozenset().union(*cuts)
        blocks = [named] if named else []
        for cut in cuts:
            refined: list[frozenset[str]] = []
            for block in blocks:
                inside = block & cut
                if inside and len(inside) < len(block):
                    refined.extend((inside, block - inside))
                else:
                    refined.append(block)
            blocks = refined
        if len(named) < len(actions):
            blocks.append(actions - named)
        return blocks

    def plan(self, key: str) -> Plan:
        """The plan of lowercased, non-wildcard action `key` (cached)"""
        found = self.plans.get(key)
        if found is not None:
            return found
        service = key.split(":", 1)[0]
        exact_service = None if "*" in service or "?" in service else service
        single = dict(self.single_empty)
        scp: list[Group] = []
        rcp: list[Group] = []
        deny_groups: list[Group] = []
        dependent: dict[Stmt, None] = {}
        is_static = True
        for slot, kind, compiled in self.groups:
            if len(compiled) == 1:
                part = compiled[0].split(key, exact_service)
                allows, denies = part.allows, part.denies
                is_static = is_static and part.is_static
                for stmt in part.resource_dependent:
                    dependent[stmt] = None
            else:
                allows = denies = ()
                for cp in compiled:
                    part = cp.split(key, exact_service)
                    allows += part.allows
                    denies += part.denies
                    is_static = is_static and part.is_static
                    for stmt in part.resource_dependent:
                        dependent[stmt] = None
            if allows or denies:
                group = Group(slot, kind, allows, denies)
                if denies:
                    deny_groups.append(group)
            else:
                group = self.empty[slot]
            if slot == SCP_SLOT:
                scp.append(group)
            elif slot == RCP_SLOT:
                rcp.append(group)
            else:
                single[slot] = group
        plan = Plan(
            action=key,
            scp=tuple(scp),
            rcp=tuple(rcp),
            resource=single[RESOURCE_SLOT],
            identity=single[IDENTITY_SLOT],
            boundary=single[BOUNDARY_SLOT],
            session=single[SESSION_SLOT],
            is_static=is_static,
            service=service,
            resource_dependent=tuple(dependent),
            deny_groups=tuple(deny_groups),
            memo={},
        )
        if len(self.plans) < 200_000:
            self.plans[key] = plan
        return plan


SetKey = tuple[object, ...]
_SETS: dict[SetKey, CompiledSet] = {}
_SETS_MAX: Final = 4096
_LAST: list[tuple[PolicySet, CompiledSet] | None] = [None]


# INVARIANT: what a compiled policy (its statement refs included) depends on, as in
# `compile_policy`: digest, name and kind (by its value, read as the plain attribute Enum
# stores it in, not through the `value` property: strings hash in C)
_policy_key: Final = operator.attrgetter("digest", "name", "kind._value_")


def set_key(policies: PolicySet) -> SetKey:
    """What a compiled set depends on: its policies by slot (digest, name, kind, in order)
    and the flags the decision reads (which slots are absent, management account,
    resource grant); equal keys compile to interchangeable sets"""
    scps = policies.scps
    rcps = policies.rcps
    boundary = policies.permissions_boundary
    resource = policies.resource
    session = policies.session
    return (
        tuple(map(_policy_key, policies.identity)),
        None if boundary is None else _policy_key(boundary),
        None if session is None else tuple(map(_policy_key, session)),
        None if resource is None else _policy_key(resource),
        None if scps is None else tuple(tuple(map(_policy_key, level)) for level in scps),
        None if rcps is None else tuple(tuple(map(_policy_key, level)) for level in rcps),
        policies.is_management_account,
        policies.requires_resource_grant,
    )


def compile_set(policies: PolicySet) -> CompiledSet:
    """The compiled form of `policies`, shared by every policy set of the same content

    A fresh `PolicySet` equal in content to one compiled before (the same policies by
    slot and the same flags) gets that compilation with its plans, wildcard classes and
    memo; the last 4,096 compiled are kept.
    """
    last = _LAST[0]
    if last is not None and last[0] is policies:
        return last[1]
    key = set_key(policies)
    compiled = _SETS.get(key)
    if compiled is None:
        compiled = CompiledSet(policies)
        _SETS[key] = compiled
        if len(_SETS) > _SETS_MAX:
            del _SETS[next(iter(_SETS))]
    _LAST[0] = (policies, compiled)
    return compiled


def clear_caches() -> None:
    """Forget every compiled policy and policy set (benchmarks measure cold compilation)"""
    _SETS.clear()
    _LAST[0] = None
    clear_compiled()
