"""Policy questions the checks ask, every one answered by the policy engine.

Resolves a principal's identity policies (and boundary), then asks `policy.engine`:
is this full administrator access (and only with MFA?), which sensitive actions does a
policy allow on every resource. Answers are cached by the policies' names and digests, so a
policy attached to thousands of roles is evaluated once. Nothing here matches actions, ARNs
or conditions: the catalogue expands patterns and the engine decides.

Every question is static (no real request), so the keys every request carries
(`policy.keys.REQUEST_KEYS`: time, region, source IP, TLS, user agent) are undecided, never
absent; the principal's own keys are known for a real user or role and undecided for the
hypothetical holder of a group's or a lone policy's permissions. An answer that holds only
under such clauses is still yes, with the clauses as its `undecided` part.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from types import MappingProxyType
from typing import Any, cast

from iamwarden.analysis.principals import PolicyResolver, PrincipalPolicies
from iamwarden.policy import (
    AccessLevel,
    Catalog,
    ConditionRef,
    Decision,
    Evaluation,
    Policy,
    PolicyKind,
    PolicySet,
    Request,
    StatementRef,
    evaluate,
    evaluate_many,
)
from iamwarden.policy.document import Effect
from iamwarden.policy.keys import PRINCIPAL_KEYS, REQUEST_KEYS
from iamwarden.snapshot import DataSet, Group, OrgLevelKind, Role, Snapshot, User

__all__ = [
    "CREDENTIAL_ACTIONS",
    "MFA_KEY",
    "MFA_KEYS",
    "ORG_KEYS",
    "RESOURCE_POLICY_WRITES",
    "AdminAccess",
    "Permissions",
    "Sensitivity",
]

MFA_KEY = "aws:MultiFactorAuthPresent"
MFA_KEYS: frozenset[str] = frozenset({MFA_KEY.lower(), "aws:multifactorauthage"})
"""The keys (lowercased) a session carries only when MFA was used: "admin only with MFA" is an
answer that needs one of them"""
HOLDER_NAME = "iamwarden-hypothetical-holder"
_MEMBER_KEYS = frozenset({"aws:principalarn", "aws:userid", "aws:username"})
"""Principal keys that differ between the users a group's policies apply to"""
_HOLDER_KEYS = _MEMBER_KEYS | {"aws:principaltype"}
"""Principal keys that differ between the users, groups and roles a lone policy applies to"""
ORG_KEYS = ("aws:PrincipalOrgID", "aws:PrincipalOrgPaths")
"""Keys every request of a principal in an organization carries ("included in the request
context only if the principal is a member of an organization"): known from the snapshot's
organization, absent when the account is in none, undecided when that was not collected"""

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
    """The answer to "may this do `*` on `*`?", with MFA and the request's own keys undecided

    `evaluation` is the engine's answer with the MFA keys and every always-present request key
    undecided; `None` when no Allow statement names every catalogue action, so no evaluation
    could allow `*` (the engine is not asked). `without_mfa` is the answer for a request
    made without MFA (long-term access keys, or a session without MFA), the request's other
    keys still undecided: the same as `evaluation` when that does not depend on MFA, `None`
    when no such request is allowed.
    """

    evaluation: Evaluation | None
    without_mfa: Evaluation | None = None

    @property
    def is_admin(self) -> bool:
        """Allowed every action on every resource under some request, possibly only with MFA
        or only under conditions on the request (region, source IP, TLS, time)"""
        return self.evaluation is not None and self.evaluation.decision is Decision.ALLOWED

    @property
    def is_admin_without_mfa(self) -> bool:
        """Admin in a request made without MFA (possibly only under `conditions`)"""
        return self.without_mfa is not None and self.without_mfa.decision is Decision.ALLOWED

    @property
    def requires_mfa(self) -> bool:
        """Admin only when the session used MFA"""
        return self.is_admin and not self.is_admin_without_mfa

    @property
    def conditions(self) -> tuple[ConditionRef, ...]:
        """The undecided clauses under which the principal is admin: without MFA when it is
        admin without MFA, else the MFA clauses and the rest; empty when admin regardless"""
        if self.is_admin_without_mfa and self.without_mfa is not None:
            return self.without_mfa.undecided
        return self.evaluation.undecided if self.is_admin and self.evaluation else ()


def _renamed(
    evaluation: Evaluation, name: str, memo: dict[int, tuple[Any, Any]] | None = None
) -> Evaluation:
    """A lone policy's evaluation with its statements attributed to `name`; `memo` shares
    the renamed statement and clause references between the answers of one policy"""
    if all(r.policy == name for r in evaluation.reasons) and all(
        c.statement.policy == name for c in evaluation.undecided
    ):
        return evaluation  # decided for this very policy: nothing to rename
    # by object: the answers of one compiled policy cite the same reference objects, and
    # the memo holds each original, so an id is never reused while it lives
    renamed: dict[int, tuple[Any, Any]] = {} if memo is None else memo

    def ref(old: StatementRef) -> StatementRef:
        found = renamed.get(id(old))
        if found is None:
            found = renamed[id(old)] = (old, replace(old, policy=name))
        return cast(StatementRef, found[1])

    def clause(old: ConditionRef) -> ConditionRef:
        found = renamed.get(id(old))
        if found is None:
            found = renamed[id(old)] = (old, replace(old, statement=ref(old.statement)))
        return cast(ConditionRef, found[1])

    return replace(
        evaluation,
        reasons=tuple(map(ref, evaluation.reasons)),
        undecided=tuple(map(clause, evaluation.undecided)),
    )


def _renamed_access(access: AdminAccess, name: str) -> AdminAccess:
    same = access.without_mfa is access.evaluation
    evaluation = _renamed(access.evaluation, name) if access.evaluation else None
    without = access.without_mfa
    if without is not None:
        without = evaluation if same else _renamed(without, name)
    return AdminAccess(evaluation=evaluation, without_mfa=without)


def _depends_on_mfa(evaluation: Evaluation) -> bool:
    return any(c.key.lower() in MFA_KEYS for c in evaluation.undecided)


def _condition_keys(policy: Policy) -> frozenset[str]:
    """Every condition key (lowercased) a statement of `policy` names"""
    return frozenset(c.key.lower() for s in policy.statements for c in s.conditions)


def _allows_only(policy: Policy) -> Policy:
    """`policy` without its Deny statements (statement indexes kept)"""
    allows = tuple(s for s in policy.statements if s.effect is Effect.ALLOW)
    if len(allows) == len(policy.statements):
        return policy
    return Policy(
        name=policy.name,
        kind=policy.kind,
        version=policy.version,
        id=policy.id,
        statements=allows,
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
        self._resolver = PolicyResolver(snapshot)
        self._admin: dict[object, AdminAccess] = {}
        self._lone_admin: dict[tuple[PolicyKind, str], AdminAccess] = {}
        self._named: dict[str, frozenset[str]] = {}
        self._left_out: dict[str, frozenset[str]] = {}
        self._sensitive_allowed: dict[
            tuple[PolicyKind, str], tuple[tuple[str, Evaluation], ...]
        ] = {}
        self._sensitive: Mapping[str, Sensitivity] | None = None
        self._sensitive_requests: dict[str, Request] = {}
        self._by_arn: dict[str, User | Role] | None = None
        self._org: tuple[Mapping[str, str | Sequence[str]], frozenset[str]] | None = None

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
        unreadable policy is named in `unreadable` and leaves the answer incomplete"""
        return self._resolver.entity_policies(entity)

    def admin_access(self, principal_arn: str, policies: PolicySet) -> AdminAccess:
        """Whether `policies` allow `*` on `*`, with MFA and the request's keys undecided

        `principal_arn` must be a user or role of the snapshot (its id and tags are the
        request's `aws:userid` and `aws:PrincipalTag/…`), or `holder` for a group's members.
        Shortcuts that keep the answer exact: when the Allow statements together name fewer
        than every catalogue action, the answer is no; when there is no Deny and no boundary,
        one unconditional policy that alone is admin makes the set so (identity allows only
        add up).
        """
        identity = policies.identity
        if not self._may_cover_all(identity):
            return AdminAccess(evaluation=None)
        if policies.permissions_boundary is None and not _has_deny(identity):
            for policy in identity:
                if any(statement.conditions for statement in policy.statements):
                    continue  # its answer could depend on the principal or the request
                alone = self.policy_admin(policy)
                if alone.is_admin_without_mfa:
                    return alone
        key: object = (
            _key((*identity, policies.permissions_boundary)),
            principal_arn if _has_conditions(policies) else "",
        )
        found = self._admin.get(key)
        if found is None:
            found = self._decide_admin(self.principal_request(principal_arn), policies)
            self._admin[key] = found
        return found

    def policy_admin(self, policy: Policy) -> AdminAccess:
        """Whether the Allow statements of `policy`, held alone, allow `*` on `*` under some
        request: every condition key the policy names is undecided (CIS 1.16 fails a policy
        with an Allow of `*` on `*` whatever its conditions, and a Deny beside it does not
        remove that statement)"""
        if not self._may_cover_all((policy,)):
            return AdminAccess(evaluation=None)
        key = (policy.kind, policy.digest)
        found = self._lone_admin.get(key)
        if found is None:
            request = Request(
                principal=self.holder,
                action="*",
                resource="*",
                every_resource=True,
                unknown_keys=REQUEST_KEYS | PRINCIPAL_KEYS | _condition_keys(policy),
            )
            found = self._decide_admin(request, PolicySet(identity=(_allows_only(policy),)))
            self._lone_admin[key] = found
        return _renamed_access(found, policy.name)

    def sensitive_allowed(self, policy: Policy) -> tuple[tuple[str, Evaluation], ...]:
        """The sensitive actions `policy` alone allows on Resource `*`, with the engine's answer

        The catalogue narrows the candidates to actions the policy's Allow statements name;
        the engine decides each candidate (in bulk, once per distinct document). The holder is
        hypothetical, so its `aws:PrincipalArn`, `aws:PrincipalType`, `aws:userid` and
        `aws:username` are undecided, like every always-present request key: an answer that
        holds only over TLS or in one region is still allowed, with those clauses undecided.
        """
        key = (policy.kind, policy.digest)
        found = self._sensitive_allowed.get(key)
        if found is None:
            candidates = self.named_actions(policy) & self.sensitive_actions.keys()
            actions = sorted(candidates)
            requests = [self._sensitive_request(a) for a in actions]
            answers = evaluate_many(requests, PolicySet(identity=(policy,))) if requests else []
            found = tuple(
                (action, answer)
                for action, answer in zip(actions, answers, strict=True)
                if answer.decision is Decision.ALLOWED
            )
            self._sensitive_allowed[key] = found
        memo: dict[int, tuple[Any, Any]] = {}
        return tuple((action, _renamed(answer, policy.name, memo)) for action, answer in found)

    def _sensitive_request(self, action: str) -> Request:
        """The hypothetical holder's `action` on every resource (one request per action, for
        every policy asked about)"""
        found = self._sensitive_requests.get(action)
        if found is None:
            org_context, org_unknown = self._organization()
            found = self._sensitive_requests[action] = Request(
                principal=self.holder,
                action=action,
                resource="*",
                every_resource=True,
                context=org_context,
                unknown_keys=REQUEST_KEYS | _HOLDER_KEYS | org_unknown,
            )
        return found

    def principal_request(self, principal_arn: str) -> Request:
        """`*` on `*` by `principal_arn`, with every always-present request key undecided and
        the principal's keys (organization included) known where the snapshot knows them"""
        org_context, org_unknown = self._organization()
        unknown = set(REQUEST_KEYS | org_unknown)
        if principal_arn == self.holder:
            unknown |= _MEMBER_KEYS
            return Request(
                principal=principal_arn,
                action="*",
                every_resource=True,
                context=org_context,
                unknown_keys=frozenset(unknown),
            )
        entity = self._principals().get(principal_arn)
        principal_id = entity.id if isinstance(entity, User) and entity.id else None
        if principal_id is None:
            unknown.add("aws:userid")  # a role session's id names its session; or not collected
        tags = {t.key: t.value for t in entity.tags} if entity is not None else {}
        return Request(
            principal=principal_arn,
            action="*",
            every_resource=True,
            context=org_context,
            unknown_keys=frozenset(unknown),
            principal_id=principal_id,
            principal_tags=tags,
        )

    def _decide_admin(self, request: Request, policies: PolicySet) -> AdminAccess:
        """`request` (`*` on `*`) with the MFA keys undecided, then, when the answer depends on
        them, as a request made without MFA: long-term access keys (no MFA key; users only)
        or a session without MFA (`aws:MultiFactorAuthPresent` false)"""
        asked = replace(request, unknown_keys=request.unknown_keys | MFA_KEYS)
        first = evaluate(asked, policies)
        if first.decision is not Decision.ALLOWED:
            return AdminAccess(evaluation=first)
        if not _depends_on_mfa(first):
            return AdminAccess(evaluation=first, without_mfa=first)
        given = dict(request.context)
        worlds: list[dict[str, str | Sequence[str]]] = [given | {MFA_KEY: "false"}]
        if ":role/" not in request.principal:
            worlds.insert(0, given)  # a user's long-term access keys carry no MFA key at all
        for context in worlds:
            world = evaluate(replace(request, context=context), policies)
            if world.decision is Decision.ALLOWED:
                return AdminAccess(evaluation=first, without_mfa=world)
        return AdminAccess(evaluation=first)

    def _organization(self) -> tuple[Mapping[str, str | Sequence[str]], frozenset[str]]:
        """The context every principal of the account carries from its organization, and the
        organization keys left undecided (when the organization was not collected)"""
        if self._org is None:
            org = self._snapshot.organization
            if org is not None:
                path = "/".join(
                    level.id for level in org.path if level.kind is not OrgLevelKind.ACCOUNT
                )
                context: Mapping[str, str | Sequence[str]] = MappingProxyType(
                    {ORG_KEYS[0]: org.id, ORG_KEYS[1]: (f"{org.id}/{path}/",)}
                )
                self._org = (context, frozenset())
            elif self._snapshot.has(DataSet.ORGANIZATION):
                self._org = (MappingProxyType({}), frozenset())
            else:
                self._org = (MappingProxyType({}), frozenset(k.lower() for k in ORG_KEYS))
        return self._org

    def _principals(self) -> Mapping[str, User | Role]:
        if self._by_arn is None:
            self._by_arn = {p.arn: p for p in self._snapshot.principals()}
        return self._by_arn

    def _may_cover_all(self, policies: tuple[Policy, ...]) -> bool:
        """Whether the Allow statements of `policies` together name every catalogue action"""
        every = len(self._catalog.all_actions)
        named = [self.named_actions(p) for p in policies]
        if sum(map(len, named)) < every:
            return False
        widest = max(range(len(named)), key=lambda i: len(named[i]))
        if len(named[widest]) == every:
            return True  # one policy alone names them all
        # what the widest leaves out (cached per document) must be named by the others: no
        # union of large sets
        return not self._unnamed(policies[widest]).difference(*named[:widest], *named[widest + 1 :])

    def _unnamed(self, policy: Policy) -> frozenset[str]:
        """Every catalogue action no Allow statement of `policy` names (cached per document)"""
        found = self._left_out.get(policy.digest)
        if found is None:
            found = self._left_out[policy.digest] = self._catalog.all_actions - self.named_actions(
                policy
            )
        return found

    def named_actions(self, policy: Policy) -> frozenset[str]:
        """Every catalogue action an Allow statement of `policy` names (cached per document:
        its statements, whatever its kind): without a resource policy, no other action can be
        allowed"""
        key = policy.digest
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
