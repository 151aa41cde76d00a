"""Risky permissions of a principal, by class: credentials exposure, data exfiltration,
resource exposure and infrastructure modification (issue 8 §3)

Each class is a set of catalogue actions and a scope: `credentials` and `resource exposure`
count on any resource (the finding lists which), `data exfiltration` and `infrastructure
modification` only on every resource (`Resource: "*"`, the engine's every-resource
question). Every answer is the engine's, with the principal's identity, group, boundary,
SCP and RCP policies; questions are static as for the admin checks (the principal's own keys
known, the always-present request keys and the MFA keys undecided), so a grant that holds
only under a condition carries it. A scoped statement is judged for what it allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Final

from iamwarden.analysis.effective import (
    covered_on_every_resource,
    named_resources,
    statement_index,
)
from iamwarden.analysis.permissions import (
    CREDENTIAL_ACTIONS,
    MFA_KEYS,
    RESOURCE_POLICY_WRITES,
    Permissions,
)
from iamwarden.policy import (
    AccessLevel,
    Catalog,
    ConditionRef,
    Decision,
    Evaluation,
    Policy,
    PolicySet,
    Request,
    ResourceList,
    StatementRef,
    allowed_resources,
    evaluate_actions,
)
from iamwarden.policy.keys import PRINCIPAL_KEYS
from iamwarden.snapshot import Role, Snapshot, User

__all__ = [
    "DATA_READS",
    "EVERY_RESOURCE",
    "USER_CREDENTIAL_ACTIONS",
    "RiskAnalysis",
    "RiskClass",
    "RiskyGrant",
    "risky_grants",
]


class RiskClass(Enum):
    """The classes of risky permissions (the names Cloudsplaining and Prowler users know)"""

    CREDENTIALS_EXPOSURE = "credentials exposure"
    DATA_EXFILTRATION = "data exfiltration"
    RESOURCE_EXPOSURE = "resource exposure"
    INFRASTRUCTURE_MODIFICATION = "infrastructure modification"


EVERY_RESOURCE: Final = frozenset(
    {RiskClass.DATA_EXFILTRATION, RiskClass.INFRASTRUCTURE_MODIFICATION}
)
"""Classes counted only on every resource (`Resource: "*"`, or `NotResource`); the others
on any resource"""


DATA_READS: Final[Mapping[str, str]] = {
    "s3:GetObject": "object",
    "s3:GetObjectVersion": "object",
    "dynamodb:GetItem": "table item",
    "dynamodb:BatchGetItem": "table item",
    "dynamodb:Query": "table item",
    "dynamodb:Scan": "table item",
    "secretsmanager:GetSecretValue": "secret",
    "secretsmanager:BatchGetSecretValue": "secret",
    "ssm:GetParameter": "parameter",
    "ssm:GetParameters": "parameter",
    "ssm:GetParametersByPath": "parameter",
    "ebs:GetSnapshotBlock": "snapshot",
    "ebs:ListSnapshotBlocks": "snapshot",
}
"""Reads of stored data (objects, table items, secrets, parameters, snapshot blocks): on
every resource, the principal can copy all of it out"""


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskyGrant:
    """Risky actions allowed alike (one engine decision): on which resources (`*` when
    every one), only under which conditions, by which statements"""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[ConditionRef, ...]
    statements: tuple[StatementRef, ...]

    @property
    def requires_mfa(self) -> bool:
        """Whether the grant holds only in sessions with MFA"""
        return any(c.key.lower() in MFA_KEYS for c in self.conditions)


def risky_grants(
    permissions: Permissions,
    catalog: Catalog,
    principal_arn: str,
    policies: PolicySet,
    *,
    other_users: ResourceList,
) -> dict[RiskClass, tuple[RiskyGrant, ...]]:
    """The risky actions `policies` allow `principal_arn`, by class (classes with none left out)

    `policies` is the principal's full policy set (identity, boundary, SCPs, RCPs). The
    actions that create a user's credentials count only on users other than the principal
    (`other_users`, user ARNs; self-service of one's own keys and password is AWS's
    recommended pattern): each is asked on all of them, and the grant lists those allowed.
    """
    base = permissions.principal_request(principal_arn)
    base = replace(base, unknown_keys=base.unknown_keys | MFA_KEYS)
    covered = frozenset().union(*map(permissions.named_actions, policies.identity))
    everything = covered_on_every_resource(policies.identity, catalog)
    index = statement_index(policies)
    questions: dict[RiskClass, list[str]] = {
        RiskClass.CREDENTIALS_EXPOSURE: _known(CREDENTIAL_ACTIONS, catalog, covered),
        RiskClass.DATA_EXFILTRATION: _known(DATA_READS, catalog, everything),
        RiskClass.RESOURCE_EXPOSURE: sorted(
            (catalog.actions_at(AccessLevel.PERMISSIONS_MANAGEMENT) & covered)
            | set(_known(RESOURCE_POLICY_WRITES, catalog, covered))
        ),
        RiskClass.INFRASTRUCTURE_MODIFICATION: sorted(
            catalog.actions_at(AccessLevel.WRITE) & everything
        ),
    }
    out: dict[RiskClass, tuple[RiskyGrant, ...]] = {}
    for risk, actions in questions.items():
        if not actions:
            continue
        every = risk in EVERY_RESOURCE
        template = replace(base, resource="*", every_resource=every)
        decided = evaluate_actions(template, policies, actions, catalog=catalog)
        # one grant per decision: `evaluate_actions` shares it within a class of actions
        alike: dict[int, tuple[Evaluation, list[str]]] = {}
        for action in actions:
            answer = decided[action]
            if answer.decision is Decision.ALLOWED:
                alike.setdefault(id(answer), (answer, []))[1].append(action)
        grants = tuple(
            RiskyGrant(
                actions=tuple(names),
                resources=("*",) if every else named_resources(index, answer.reasons),
                conditions=answer.undecided,
                statements=answer.reasons,
            )
            for answer, names in alike.values()
        )
        if risk is RiskClass.CREDENTIALS_EXPOSURE:
            grants = _on_other_users(grants, base, policies, catalog, other_users)
        if grants:
            out[risk] = grants
    return out


USER_CREDENTIAL_ACTIONS: Final = frozenset(
    {
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
        "iam:CreateServiceSpecificCredential",
    }
)
"""Actions that create or reset credentials of the user they name"""


def _on_other_users(
    grants: tuple[RiskyGrant, ...],
    base: Request,
    policies: PolicySet,
    catalog: Catalog,
    other_users: ResourceList,
) -> tuple[RiskyGrant, ...]:
    """`grants` with each user-credential action narrowed to the other users it is allowed
    on (left out when none)"""
    kept: list[RiskyGrant] = []
    for grant in grants:
        others = tuple(a for a in grant.actions if a not in USER_CREDENTIAL_ACTIONS)
        if others:
            kept.append(replace(grant, actions=others))
        for action in grant.actions:
            if action not in USER_CREDENTIAL_ACTIONS:
                continue
            template = replace(base, action=action, every_resource=False)
            allowed = allowed_resources(template, policies, other_users, catalog=catalog)
            if allowed:
                kept.append(
                    RiskyGrant(
                        actions=(action,),
                        resources=tuple(user for user, _ in allowed),
                        conditions=allowed[0][1].undecided,
                        statements=allowed[0][1].reasons,
                    )
                )
    return tuple(kept)


def _known(actions: Iterable[str], catalog: Catalog, covered: frozenset[str]) -> list[str]:
    return sorted(c for c in (catalog.canonical(a) for a in actions) if c in covered)


class RiskAnalysis:
    """`risky_grants` of the snapshot's users and roles, decided once per distinct policy set

    Principals whose policy sets hold the same documents slot by slot get the same answers,
    unless a policy names the principal (a principal condition key or a policy variable):
    the answers are then the principal's own. Reused answers name the principal's own
    policies; the user-credential actions leave the principal itself out.
    """

    def __init__(self, permissions: Permissions, catalog: Catalog, snapshot: Snapshot) -> None:
        self._permissions = permissions
        self._catalog = catalog
        account = snapshot.account
        users = [u.arn for u in snapshot.users]
        if len(users) < 2:  # no other user yet: one that could be created
            users.append(f"arn:{account.partition}:iam::{account.id}:user/iamwarden-another-user")
        self._users = ResourceList(users)
        self._found: dict[object, tuple[dict[RiskClass, tuple[RiskyGrant, ...]], list[str]]] = {}

    def grants(
        self, principal: User | Role, policies: PolicySet
    ) -> dict[RiskClass, tuple[RiskyGrant, ...]]:
        """The risky grants of `principal` under its full policy set `policies`, by class"""
        flat = _flat(policies)
        dependent = any(_names_principal(p) for p in flat)
        key = (
            _shape(policies),
            tuple((p.kind.value, p.digest) for p in flat),
            isinstance(principal, User),
            principal.arn if dependent else "",
        )
        found = self._found.get(key)
        if found is None:
            answers = risky_grants(
                self._permissions,
                self._catalog,
                principal.arn,
                policies,
                other_users=self._users,
            )
            found = self._found[key] = (answers, [p.name for p in flat])
        answers, names = found
        renamed = {old: p.name for old, p in zip(names, flat, strict=True) if old != p.name}
        out: dict[RiskClass, tuple[RiskyGrant, ...]] = {}
        for risk, grants in answers.items():
            kept = tuple(g for g in (_own(grant, principal.arn, renamed) for grant in grants) if g)
            if kept:
                out[risk] = kept
        return out


def _flat(policies: PolicySet) -> list[Policy]:
    """Every policy of the set, slot by slot"""
    return [
        *policies.identity,
        *((policies.permissions_boundary,) if policies.permissions_boundary else ()),
        *(p for level in policies.scps or () for p in level),
        *(p for level in policies.rcps or () for p in level),
    ]


def _shape(policies: PolicySet) -> tuple[object, ...]:
    return (
        len(policies.identity),
        policies.permissions_boundary is None,
        tuple(len(level) for level in policies.scps) if policies.scps is not None else None,
        tuple(len(level) for level in policies.rcps) if policies.rcps is not None else None,
        policies.is_management_account,
    )


def _names_principal(policy: Policy) -> bool:
    """Whether `policy`'s answers can differ between principals: a principal condition key
    (`aws:PrincipalArn`, `aws:PrincipalTag/…`, …) or a policy variable"""
    for stmt in policy.statements:
        for condition in stmt.conditions:
            key = condition.key.lower()
            if key in PRINCIPAL_KEYS or key.startswith("aws:principaltag/"):
                return True
            if any("${" in v for v in condition.values):
                return True
        if any("${" in r for r in (*(stmt.resource or ()), *(stmt.not_resource or ()))):
            return True
    return False


def _own(grant: RiskyGrant, principal: str, renamed: Mapping[str, str]) -> RiskyGrant | None:
    """`grant` for `principal`: its policies' names, and for a user-credential action the
    users other than itself (None when none is left)"""
    if renamed:
        grant = replace(
            grant,
            statements=tuple(_ref(s, renamed) for s in grant.statements),
            conditions=tuple(
                replace(c, statement=_ref(c.statement, renamed)) for c in grant.conditions
            ),
        )
    if grant.actions[0] in USER_CREDENTIAL_ACTIONS and principal in grant.resources:
        others = tuple(r for r in grant.resources if r != principal)
        return replace(grant, resources=others) if others else None
    return grant


def _ref(ref: StatementRef, renamed: Mapping[str, str]) -> StatementRef:
    name = renamed.get(ref.policy)
    return ref if name is None else replace(ref, policy=name)
