"""Policy questions the checks ask, every one answered by the policy engine.

Resolves a principal's identity policies (and boundary), then asks `policy.engine`:
is this full administrator access (and only with MFA?), which sensitive actions does a
policy allow on every resource. Answers are cached by the policies' names and digests, so a
policy attached to thousands of roles is evaluated once. Nothing here matches actions, ARNs
or conditions: the catalogue expands patterns and the engine decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import Enum
from types import MappingProxyType

from iamwarden.analysis.principals import PrincipalPolicies, entity_policies
from iamwarden.errors import InputError
from iamwarden.policy import (
    AccessLevel,
    Catalog,
    Decision,
    Evaluation,
    Policy,
    PolicyKind,
    PolicySet,
    Request,
    evaluate,
    evaluate_many,
)
from iamwarden.policy.document import Effect
from iamwarden.snapshot import Group, Role, Snapshot, User

__all__ = [
    "CREDENTIAL_ACTIONS",
    "MFA_KEY",
    "RESOURCE_POLICY_WRITES",
    "AdminAccess",
    "Permissions",
    "Sensitivity",
]

MFA_KEY = "aws:MultiFactorAuthPresent"
HOLDER_NAME = "iamwarden-hypothetical-holder"

CREDENTIAL_ACTIONS: Mapping[str, str] = MappingProxyType(
    {
        "iam:CreateAccessKey": "creates long-term keys for any user, administrators included",
        "iam:CreateLoginProfile": "sets a console password on any user that has none",
        "iam:UpdateLoginProfile": "replaces the console password of any user",
        "iam:CreateServiceSpecificCredential": "creates CodeCommit/Keyspaces credentials "
        "for any user",
        "iam:PassRole": "hands any role, and so its credentials, to compute the caller controls",
        "sts:AssumeRole": "returns temporary credentials of every role that trusts the account",
        "sts:GetFederationToken": "returns credentials for a federated session the caller shapes",
        "secretsmanager:GetSecretValue": "returns the plaintext of every secret",
        "ssm:GetParameter": "returns SecureString parameters decrypted",
        "ssm:GetParameters": "returns SecureString parameters decrypted, in bulk",
        "ssm:GetParametersByPath": "returns whole parameter trees decrypted",
    }
)
"""Actions that return or mint credentials, each with why it is sensitive on Resource `*`.

Left out on purpose: `lambda:GetFunction` (returns code and environment, which is data
exposure rather than credentials, and every read-only role has it), `sts:GetSessionToken`
(the caller's own credentials only) and `ecr:GetAuthorizationToken` (supports no
resource-level permissions, so `*` is the only way to grant it).
"""

RESOURCE_POLICY_WRITES: Mapping[str, str] = MappingProxyType(
    {
        "es:UpdateElasticsearchDomainConfig": "replaces a search domain's access policy "
        "(catalogued as Write, not Permissions management)",
    }
)
"""Resource-policy writes the catalogue does not already rate Permissions management"""


class Sensitivity(Enum):
    """Why an action is sensitive when granted on every resource"""

    PERMISSIONS_MANAGEMENT = "permissions_management"
    CREDENTIALS = "credentials"
    RESOURCE_POLICY_WRITE = "resource_policy_write"


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminAccess:
    """The answer to "may this do `*` on `*`?" with MFA left undecided

    `evaluation` is the engine's answer; `None` when no Allow statement names every
    catalogue action, so no evaluation could allow `*` (the engine is not asked).
    """

    evaluation: Evaluation | None

    @property
    def is_admin(self) -> bool:
        """Allowed every action on every resource, possibly only with MFA"""
        return self.evaluation is not None and self.evaluation.decision is Decision.ALLOWED

    @property
    def requires_mfa(self) -> bool:
        """Admin only when the undecided MFA conditions hold"""
        return self.is_admin and self.evaluation is not None and self.evaluation.is_conditional

    @property
    def is_admin_without_mfa(self) -> bool:
        """Admin whether or not the session used MFA"""
        return self.is_admin and not self.requires_mfa


def _renamed(evaluation: Evaluation, name: str) -> Evaluation:
    """A lone policy's evaluation with its statements attributed to `name`"""
    return replace(
        evaluation,
        reasons=tuple(replace(r, policy=name) for r in evaluation.reasons),
        undecided=tuple(
            replace(c, statement=replace(c.statement, policy=name)) for c in evaluation.undecided
        ),
    )


def _key(policies: Iterable[Policy | None]) -> tuple[tuple[str, str, str], ...]:
    return tuple((p.name, p.kind.value, p.digest) if p else ("", "", "") for p in policies)


def _has_conditions(policy_set: PolicySet) -> bool:
    policies = [*policy_set.identity, policy_set.permissions_boundary]
    return any(s.conditions for p in policies if p for s in p.statements)


def _has_deny(policies: Iterable[Policy]) -> bool:
    return any(s.effect is Effect.DENY for p in policies for s in p.statements)


class Permissions:
    """Engine-backed, cached answers about one snapshot's policies"""

    def __init__(self, snapshot: Snapshot, catalog: Catalog) -> None:
        self._snapshot = snapshot
        self._catalog = catalog
        account = snapshot.account
        self.holder = f"arn:{account.partition}:iam::{account.id}:user/{HOLDER_NAME}"
        """A hypothetical user who holds only the policies asked about (groups, lone policies)"""
        self._admin: dict[object, AdminAccess] = {}
        self._lone_admin: dict[tuple[PolicyKind, str], Evaluation] = {}
        self._named: dict[tuple[PolicyKind, str], frozenset[str]] = {}
        self._sensitive_allowed: dict[
            tuple[PolicyKind, str], tuple[tuple[str, Evaluation], ...]
        ] = {}
        self._sensitive: Mapping[str, Sensitivity] | None = None

    @property
    def sensitive_actions(self) -> Mapping[str, Sensitivity]:
        """Every sensitive action (catalogue spelling) and why it is sensitive"""
        if self._sensitive is None:
            table = {
                a: Sensitivity.PERMISSIONS_MANAGEMENT
                for a in self._catalog.actions_at(AccessLevel.PERMISSIONS_MANAGEMENT)
            }
            for action in RESOURCE_POLICY_WRITES:
                table.setdefault(self._catalog.canonical(action), Sensitivity.RESOURCE_POLICY_WRITE)
            for action in CREDENTIAL_ACTIONS:
                table[self._catalog.canonical(action)] = Sensitivity.CREDENTIALS
            self._sensitive = MappingProxyType(dict(sorted(table.items())))
        return self._sensitive

    def identity(self, entity: User | Role | Group) -> PrincipalPolicies:
        """The identity policies (a user's groups' included) and permissions boundary; an
        unreadable policy counts as missing"""
        try:
            return entity_policies(self._snapshot, entity)
        except InputError as error:
            return PrincipalPolicies(
                principal_arn=entity.arn,
                policies=PolicySet(),
                missing=(f"unreadable policy: {error}",),
            )

    def admin_access(self, principal_arn: str, policies: PolicySet) -> AdminAccess:
        """Whether `policies` allow `*` on `*`, with `aws:MultiFactorAuthPresent` undecided

        `principal_arn` must be a user or role (use `holder` for a group). Shortcuts that keep
        the answer exact: when the Allow statements together name fewer than every catalogue
        action, the answer is no; when there is no Deny and no boundary, one policy that alone
        is admin without MFA makes the set so (identity allows only add up).
        """
        identity = policies.identity
        if not self._may_cover_all(identity):
            return AdminAccess(evaluation=None)
        if policies.permissions_boundary is None and not _has_deny(identity):
            for policy in identity:
                if any(statement.conditions for statement in policy.statements):
                    continue  # its answer could depend on the principal
                alone = self.policy_admin(policy)
                if alone.is_admin_without_mfa:
                    return alone
        key: object = (
            _key((*identity, policies.permissions_boundary)),
            principal_arn if _has_conditions(policies) else "",
        )
        found = self._admin.get(key)
        if found is None:
            found = AdminAccess(evaluation=evaluate(self._admin_request(principal_arn), policies))
            self._admin[key] = found
        return found

    def policy_admin(self, policy: Policy) -> AdminAccess:
        """Whether `policy` alone, held by a user, allows `*` on `*` (MFA undecided)"""
        if not self._may_cover_all((policy,)):
            return AdminAccess(evaluation=None)
        key = (policy.kind, policy.digest)
        found = self._lone_admin.get(key)
        if found is None:
            request = self._admin_request(self.holder)
            found = evaluate(request, PolicySet(identity=(policy,)))
            self._lone_admin[key] = found
        return AdminAccess(evaluation=_renamed(found, policy.name))

    def sensitive_allowed(self, policy: Policy) -> tuple[tuple[str, Evaluation], ...]:
        """The sensitive actions `policy` alone allows on Resource `*`, with the engine's answer

        The catalogue narrows the candidates to actions the policy's Allow statements name;
        the engine decides each candidate (in bulk, once per distinct document).
        """
        key = (policy.kind, policy.digest)
        found = self._sensitive_allowed.get(key)
        if found is None:
            candidates = self._candidates(policy) & self.sensitive_actions.keys()
            actions = sorted(candidates)
            requests = [Request(principal=self.holder, action=a, resource="*") for a in actions]
            answers = evaluate_many(requests, PolicySet(identity=(policy,))) if requests else []
            found = tuple(
                (action, answer)
                for action, answer in zip(actions, answers, strict=True)
                if answer.decision is Decision.ALLOWED
            )
            self._sensitive_allowed[key] = found
        return tuple((action, _renamed(answer, policy.name)) for action, answer in found)

    def _admin_request(self, principal_arn: str) -> Request:
        return Request(
            principal=principal_arn, action="*", resource="*", unknown_keys=frozenset({MFA_KEY})
        )

    def _may_cover_all(self, policies: tuple[Policy, ...]) -> bool:
        """Whether the Allow statements of `policies` together name every catalogue action"""
        every = self._catalog.all_actions
        named = [self._candidates(p) for p in policies]
        if sum(len(n) for n in named) < len(every):
            return False
        return len(frozenset().union(*named)) == len(every)

    def _candidates(self, policy: Policy) -> frozenset[str]:
        """Every catalogue action an Allow statement of `policy` names (cached per document)"""
        key = (policy.kind, policy.digest)
        cached = self._named.get(key)
        if cached is not None:
            return cached
        found: set[str] = set()
        for statement in policy.statements:
            if statement.effect is not Effect.ALLOW:
                continue
            if statement.action is not None:
                found |= self._catalog.covered(statement.action)
            elif statement.not_action is not None:
                found |= self._catalog.covered(statement.not_action, negated=True)
        result = frozenset(found)
        self._named[key] = result
        return result
