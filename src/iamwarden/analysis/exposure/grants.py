"""Who outside the zone of trust may do what on one resource: every answer from the engine.

For each resource policy, each representative outsider (`outsiders`) and each class of
actions (`actions`) the engine is asked with the outsider's context (`context`): a
principal of another account is given an identity policy allowing everything (its own
account may grant it anything; both sides must allow cross-account), the resource side is
the policy with the Organization's RCPs. An ALLOWED answer, conditional or not, is access;
its `undecided` clauses are the conditions the caller must meet. Nothing here reads a
statement's actions, principals or conditions to decide.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from iamwarden.analysis.exposure.actions import ActionClass, action_classes, governed_prefix
from iamwarden.analysis.exposure.context import Variant, named_keys, variants
from iamwarden.analysis.exposure.model import OutsiderKind, Reach
from iamwarden.analysis.exposure.outsiders import Outsider, outsiders
from iamwarden.analysis.exposure.zone import ZoneOfTrust
from iamwarden.policy import (
    Catalog,
    ConditionRef,
    Decision,
    Evaluation,
    Policy,
    PolicyKind,
    PolicySet,
    Request,
    StatementRef,
    evaluate_many,
    parse_policy,
)

__all__ = [
    "OUTSIDE_IDENTITY",
    "Grant",
    "decide_grants",
    "granting",
    "names_no_resource",
    "reach_of",
    "renamed",
]

OUTSIDE_IDENTITY = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    name="the outside principal's own policies (anything)",
)
"""The identity side of an outside principal: its account may grant it anything"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Grant:
    """Access one outsider has, as the engine decided it: the allowed actions with the
    statements that allowed them and the clauses left undecided"""

    outsider: Outsider
    actions: tuple[str, ...]
    statements: tuple[StatementRef, ...]
    conditions: tuple[ConditionRef, ...]
    issues: tuple[str, ...] = ()
    """What made the engine's answer uncertain (an unknown operator, a bad value): such a
    clause is undecided, so the access is reported, never dropped"""


def names_no_resource(policy: Policy) -> bool:
    """Whether no statement of `policy` has a `Resource` / `NotResource` element (a trust
    policy's usual shape): its answers are then the same for every role of the account"""
    return all(s.resource is None and s.not_resource is None for s in policy.statements)


def _rename_ref(ref: StatementRef, old: str, new: str) -> StatementRef:
    return dataclasses.replace(ref, policy=new) if ref.policy == old else ref


def renamed(
    refs: tuple[StatementRef, ...], clauses: tuple[ConditionRef, ...], old: str, new: str
) -> tuple[tuple[StatementRef, ...], tuple[ConditionRef, ...]]:
    """Statement and condition references to policy `old` pointed at policy `new` (an answer
    for one role's trust policy reused for another role with the same document)"""
    return (
        tuple(_rename_ref(r, old, new) for r in refs),
        tuple(
            dataclasses.replace(c, statement=_rename_ref(c.statement, old, new)) for c in clauses
        ),
    )


def reach_of(outsider: Outsider, zone: ZoneOfTrust) -> Reach:
    """Public, cross-account (known or not), service or federated"""
    kind = outsider.kind
    if kind in (OutsiderKind.ANONYMOUS, OutsiderKind.ANY_ACCOUNT):
        return Reach.PUBLIC
    if kind is OutsiderKind.SERVICE:
        return Reach.SERVICE
    if kind is OutsiderKind.FEDERATED:
        return Reach.FEDERATED
    if kind is OutsiderKind.ORGANIZATION:
        return Reach.CROSS_ACCOUNT
    return Reach.KNOWN_ACCOUNT if zone.is_known(outsider.account) else Reach.CROSS_ACCOUNT


def _requests(
    outsider: Outsider, classes: Iterable[ActionClass], found: tuple[Variant, ...], account: str
) -> list[tuple[ActionClass, Request]]:
    return [
        (
            item,
            Request(
                principal=outsider.principal,
                action=item.representative,
                resource=item.resource,
                resource_account=account,
                context=variant.context,
                unknown_keys=variant.unknown,
                principal_id=variant.principal_id,
            ),
        )
        for item in classes
        for variant in found
    ]


def _policy_set(policy: Policy, rcps: PolicySet | None) -> PolicySet:
    return PolicySet(
        identity=(OUTSIDE_IDENTITY,),
        resource=policy,
        rcps=rcps.rcps if rcps is not None else None,
        is_management_account=rcps.is_management_account if rcps is not None else False,
    )


def granting(answer: Evaluation) -> tuple[StatementRef, ...]:
    """The resource-policy statements behind an ALLOWED answer: its reasons, or for an answer
    that holds only under undecided clauses the statements those clauses belong to"""
    refs = [ref for ref in answer.reasons if ref.kind is PolicyKind.RESOURCE]
    refs += [
        c.statement
        for c in answer.undecided
        if c.must_hold and c.statement.kind is PolicyKind.RESOURCE
    ]
    return tuple(dict.fromkeys(refs))


def _collect(outsider: Outsider, answers: list[tuple[ActionClass, Evaluation]]) -> Grant | None:
    actions: set[str] = set()
    statements: dict[StatementRef, None] = {}
    conditions: dict[str, ConditionRef] = {}
    issues: dict[str, None] = {}
    for item, answer in answers:
        if answer.decision is not Decision.ALLOWED:
            continue
        actions.update(item.actions)
        for ref in granting(answer):
            statements.setdefault(ref, None)
        for clause in answer.undecided:
            conditions.setdefault(str(clause), clause)
        for issue in answer.errors:
            issues.setdefault(str(issue), None)
    if not actions:
        return None
    return Grant(
        outsider=outsider,
        actions=tuple(sorted(actions)),
        statements=tuple(statements),
        conditions=tuple(conditions[k] for k in sorted(conditions)),
        issues=tuple(sorted(issues)),
    )


def decide_grants(
    policy: Policy,
    resource_arn: str,
    zone: ZoneOfTrust,
    catalog: Catalog,
    *,
    organization: PolicySet | None = None,
) -> tuple[tuple[Grant, ...], bool]:
    """Every outsider's access to `resource_arn` under `policy`, and whether a principal of
    another account of the zone's own Organization has access no outsider has

    `organization` carries the Organization's RCPs (`rcps`) and whether the account is its
    management account; None outside an organization. A role's trust policy is not asked
    for anonymous callers (AssumeRole is a signed call).
    """
    classes = action_classes(catalog, policy, resource_arn)
    if not classes:
        return (), False
    keys = named_keys((policy, *_rcp_policies(organization)))
    unsigned = governed_prefix(resource_arn) != "sts"
    asked: list[tuple[Outsider, list[tuple[ActionClass, Request]]]] = []
    for outsider in outsiders(policy, zone):
        if outsider.kind is OutsiderKind.ANONYMOUS and not unsigned:
            # a role is assumed with credentials: AssumeRole is a signed call, and the
            # unsigned AssumeRoleWith* calls are asked as their identity providers
            continue
        found = variants(outsider, policy, keys, zone, catalog)
        asked.append((outsider, _requests(outsider, classes, found, zone.account_id)))
    member: list[tuple[ActionClass, Request]] = []
    if zone.organization_id and keys & {"aws:principalorgid", "aws:principalorgpaths"}:
        someone = outsiders(policy, zone)[1]  # a principal of an account no policy names
        found = variants(someone, policy, keys, zone, catalog, organization=True)
        member = _requests(someone, classes, found, zone.account_id)
    # INVARIANT: one policy set serves every outsider: the engine reads identity policies
    # only for principals of an account, so callers without one are decided alike
    requests = [r for _, pairs in asked for _, r in pairs] + [r for _, r in member]
    answers = iter(evaluate_many(requests, _policy_set(policy, organization), catalog=catalog))
    grants: list[Grant] = []
    for outsider, pairs in asked:
        grant = _collect(outsider, [(item, next(answers)) for item, _ in pairs])
        if grant is not None:
            grants.append(grant)
    in_org = any(next(answers).decision is Decision.ALLOWED for _ in member)
    merged = _merge_public(grants)
    public = set().union(
        *(
            g.actions
            for g in merged
            if g.outsider.kind in (OutsiderKind.ANONYMOUS, OutsiderKind.ANY_ACCOUNT)
        )
    )
    named = (OutsiderKind.ACCOUNT, OutsiderKind.PRINCIPAL, OutsiderKind.ORGANIZATION)
    kept = tuple(
        g for g in merged if not (g.outsider.kind in named and set(g.actions) <= public)
    )  # what anyone may do, a named account may too: the public exposure says it
    return kept, in_org and not grants


def _merge_public(grants: list[Grant]) -> tuple[Grant, ...]:
    """Anonymous and any-account access are one public exposure: the anonymous grant (or the
    first any-account one), with what any authenticated principal gets besides (a principal
    of any account, or one whose ARN fits a wildcard-account pattern)"""
    kinds = (OutsiderKind.ANONYMOUS, OutsiderKind.ANY_ACCOUNT)
    public = [g for g in grants if g.outsider.kind in kinds]
    rest = [g for g in grants if g.outsider.kind not in kinds]
    if len(public) < 2:
        return tuple(grants)
    public.sort(key=lambda g: g.outsider.kind is not OutsiderKind.ANONYMOUS)
    merged = Grant(
        outsider=public[0].outsider,
        actions=tuple(sorted({a for g in public for a in g.actions})),
        statements=tuple(dict.fromkeys(r for g in public for r in g.statements)),
        conditions=() if any(not g.conditions for g in public) else public[0].conditions,
        issues=tuple(sorted({i for g in public for i in g.issues})),
    )
    return (merged, *rest)


def _rcp_policies(organization: PolicySet | None) -> tuple[Policy, ...]:
    if organization is None or organization.rcps is None:
        return ()
    return tuple(p for level in organization.rcps for p in level)
