"""Edges by changing policies: inline and attached user, role and group policies, policy
versions, group membership, permissions boundaries and trust policies

A change to principal B is an edge to `admin` when B, changed so, is an administrator in
the engine's answer (reusing `Permissions.admin_access`): B's boundary may still hold, and
then the change gives nothing. The edge names B in `via`; when B is not the caller, the
graph keeps it only if the caller reaches B (iam-014 … iam-021 are those two hops).
`iam:UpdateAssumeRolePolicy` (iam-012) is an edge to the role itself: the caller writes a
trust policy naming itself and the engine decides the assume on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace

from iamwarden.analysis.escalation.asking import Asker, target_context
from iamwarden.analysis.escalation.model import ADMIN, Decided, Edge
from iamwarden.errors import InputError
from iamwarden.policy import Policy, PolicyKind, PolicySet, parse_policy
from iamwarden.snapshot import Group, ManagedPolicy, Role, User

__all__ = ["ATTACKER_POLICY", "admin_policy_arn", "policy_change_edges"]

ATTACKER_POLICY = "iamwarden:written-by-the-caller"
"""The name of the policy a technique writes: Allow `*` on `*`"""


_CHANGES = (
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:PutGroupPolicy",
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachGroupPolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AddUserToGroup",
    "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:PutUserPermissionsBoundary",
    "iam:PutRolePermissionsBoundary",
    "iam:UpdateAssumeRolePolicy",
)
"""Every action a change edge needs: a principal allowed none of them on any resource makes
no change edge"""


def admin_policy_arn(partition: str) -> str:
    """AWS's AdministratorAccess, present in every account"""
    return f"arn:{partition}:iam::aws:policy/AdministratorAccess"


_ALLOW_ALL_TEXT = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
)


def _allow_all() -> Policy:
    return parse_policy(_ALLOW_ALL_TEXT, name=ATTACKER_POLICY)


class _Targets:
    """What each principal would be after a change (cached per principal)"""

    def __init__(self, asker: Asker) -> None:
        self.asker = asker
        self.allow_all = _allow_all()
        self._with_admin: dict[str, bool] = {}

    def admin_with(self, target: User | Role, policies: PolicySet) -> bool:
        return self.asker.permissions.admin_access(target.arn, policies).is_admin

    def admin_if_written(self, target: User | Role) -> bool:
        """Whether `target` holding one more policy of `*` on `*` is an administrator"""
        found = self._with_admin.get(target.arn)
        if found is None:
            own = self.asker.own(target).policies
            found = self.admin_with(target, replace(own, identity=(*own.identity, self.allow_all)))
            self._with_admin[target.arn] = found
        return found


def _held(asker: Asker, target: User | Role) -> list[ManagedPolicy]:
    """The customer managed policies `target` holds, directly or through its groups"""
    arns = list(target.attached_policies)
    if isinstance(target, User):
        for name in target.groups:
            group = asker.snapshot.group(name)
            if group is not None:
                arns += group.attached_policies
    found = [asker.snapshot.policy(arn) for arn in dict.fromkeys(arns)]
    return [p for p in found if p is not None and not p.is_aws_managed]


def _version_policies(
    asker: Asker, target: User | Role, held: ManagedPolicy, document: str
) -> PolicySet | None:
    """`target`'s policies with `held` replaced by another version's `document`"""
    try:
        version = parse_policy(document, name=held.arn)
    except InputError:
        return None
    own = asker.own(target).policies
    identity = tuple(version if p.name == held.arn else p for p in own.identity)
    return replace(own, identity=identity)


def _group_policies(asker: Asker, group: Group) -> tuple[Policy, ...] | None:
    """`group`'s identity policies; None when one is missing or unreadable"""
    found = asker.permissions.identity(group)
    return found.policies.identity if found.is_complete else None


def _edge(source: User | Role, target: User | Role, technique: str, *decided: Decided) -> Edge:
    actions = tuple(dict.fromkeys(d.request.action for d in decided))
    return Edge(
        source=source.arn,
        target=ADMIN,
        technique=technique,
        actions=actions,
        decisions=decided,
        via=target.arn,
    )


_Option = tuple[tuple[str, str, str, dict[str, str | Sequence[str]]], ...]
"""Changes that leave a target an administrator, tried in order (the first allowed counts):
(technique, action, resource, context) each"""


def _options(targets: _Targets, target: User | Role, admin_arn: str) -> list[_Option]:
    """Every change that would leave `target` an administrator, whoever makes it (the
    engine decides each changed policy set once per target)"""
    asker = targets.asker
    context = target_context(target)
    is_user = isinstance(target, User)
    kind = "User" if is_user else "Role"
    found: list[_Option] = []
    if targets.admin_if_written(target):
        found.append(
            ((("iam-007" if is_user else "iam-005"), f"iam:Put{kind}Policy", target.arn, context),)
        )
        attach_context = {**context, "iam:PolicyARN": admin_arn}
        found.append(
            (
                (
                    "iam-008" if is_user else "iam-009",
                    f"iam:Attach{kind}Policy",
                    target.arn,
                    attach_context,
                ),
            )
        )
        if isinstance(target, User):
            for name in target.groups:
                group = asker.snapshot.group(name)
                if group is None:
                    continue
                found.append((("iam-011", "iam:PutGroupPolicy", group.arn, {}),))
                found.append(
                    (("iam-010", "iam:AttachGroupPolicy", group.arn, {"iam:PolicyARN": admin_arn}),)
                )
    for held in _held(asker, target):
        rewritten = _version_policies(asker, target, held, _ALLOW_ALL_TEXT)
        if rewritten is not None and targets.admin_with(target, rewritten):
            found.append((("iam-001", "iam:CreatePolicyVersion", held.arn, {}),))
    for held in _held(asker, target):
        for version in held.versions:
            if version.is_default:
                continue
            changed = _version_policies(asker, target, held, version.document.text)
            if changed is None or not targets.admin_with(target, changed):
                continue
            # the question is the same for every version: the first one that makes an
            # administrator stands for them
            found.append(
                (("iw-set-default-policy-version", "iam:SetDefaultPolicyVersion", held.arn, {}),)
            )
            break
    if isinstance(target, User):
        for group in asker.snapshot.groups:
            if group.name in target.groups:
                continue
            extra = _group_policies(asker, group)
            if not extra:
                continue
            own = asker.own(target).policies
            if not targets.admin_with(target, replace(own, identity=(*own.identity, *extra))):
                continue
            found.append((("iam-013", "iam:AddUserToGroup", group.arn, {}),))
    own = asker.own(target).policies
    if own.permissions_boundary is not None and targets.admin_with(
        target, replace(own, permissions_boundary=None)
    ):
        found.append(
            (
                (
                    "iw-delete-permissions-boundary",
                    f"iam:Delete{kind}PermissionsBoundary",
                    target.arn,
                    context,
                ),
                (
                    "iw-put-permissions-boundary",
                    f"iam:Put{kind}PermissionsBoundary",
                    target.arn,
                    {**context, "iam:PermissionsBoundary": admin_arn},
                ),
            )
        )
    return found


def _changes(
    asker: Asker, source: User | Role, target: User | Role, options: list[_Option]
) -> Iterator[Edge]:
    """Every change `source` may make that leaves `target` an administrator"""
    for option in options:
        for technique, action, resource, context in option:
            if not asker.may(source, action):
                continue
            decided = asker.ask(source, action, resource, context=context or None)
            if decided is not None:
                yield _edge(source, target, technique, decided)
                break


def _trust_of(source: User | Role, role: Role) -> Policy:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": source.arn}, "Action": "sts:AssumeRole"}
        ],
    }
    return parse_policy(json.dumps(document), name=f"{role.arn}:trust", kind=PolicyKind.RESOURCE)


def policy_change_edges(asker: Asker, *, skip: frozenset[str] = frozenset()) -> Iterator[Edge]:
    """Every policy change that makes a principal an administrator (edges to `admin` via
    it), and iam-012 (rewriting a role's trust policy, then assuming it); sources in `skip`
    (administrators already) make no change edges"""
    snapshot = asker.snapshot
    targets = _Targets(asker)
    admin_arn = admin_policy_arn(snapshot.account.partition)
    complete = [p for p in snapshot.principals() if asker.own(p).is_complete]
    sources = [p for p in complete if p.arn not in skip and any(asker.may(p, a) for a in _CHANGES)]
    for target in complete:
        options = _options(targets, target, admin_arn)
        if not options:
            continue
        for source in sources:
            yield from _changes(asker, source, target, options)
    for role in snapshot.roles:
        context = target_context(role)
        for source in sources:
            if source.arn == role.arn or not asker.may(source, "iam:UpdateAssumeRolePolicy"):
                continue
            updated = asker.ask(source, "iam:UpdateAssumeRolePolicy", role.arn, context=context)
            if updated is None:
                continue
            assumed = asker.ask(
                source,
                "sts:AssumeRole",
                role.arn,
                context=context,
                resource_policy=_trust_of(source, role),
            )
            if assumed is not None:
                yield Edge(
                    source=source.arn,
                    target=role.arn,
                    technique="iam-012",
                    actions=("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
                    decisions=(updated, assumed),
                )
