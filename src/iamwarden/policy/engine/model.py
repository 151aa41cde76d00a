"""The engine's public types: requests, policy sets, decisions and their explanations"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from iamwarden.policy.document import Policy, PolicyKind


class Decision(Enum):
    """The outcome of a request"""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


class PrincipalType(Enum):
    """The kind of principal making a request (values as `aws:PrincipalType` spells them)"""

    USER = "User"
    ASSUMED_ROLE = "AssumedRole"
    FEDERATED_USER = "FederatedUser"
    ACCOUNT = "Account"
    SERVICE = "Service"
    ANONYMOUS = "Anonymous"
    IDENTITY_PROVIDER = "IdentityProvider"
    """A web identity or SAML identity provider named by its IAM provider ARN (a `Federated`
    principal of a trust policy); not an `aws:PrincipalType` value: the key is absent"""


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementRef:
    """Which statement of which policy"""

    kind: PolicyKind
    policy: str
    index: int
    sid: str | None
    pointer: str

    def __str__(self) -> str:
        sid = f" ({self.sid})" if self.sid else ""
        return f"{self.kind.value} policy `{self.policy or '(unnamed)'}` {self.pointer}{sid}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConditionRef:
    """One condition clause the decision depends on; `must_hold` False: must not hold"""

    statement: StatementRef
    operator: str
    key: str
    values: tuple[str, ...]
    must_hold: bool

    def __str__(self) -> str:
        values = ", ".join(self.values)
        verb = "holds" if self.must_hold else "does not hold"
        return f"{self.operator} {self.key} [{values}] {verb} ({self.statement})"


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluationIssue:
    """A problem met while evaluating (unknown operator, bad value), never silently ignored"""

    statement: StatementRef | None
    policy: str
    problem: str

    def __str__(self) -> str:
        where = str(self.statement) if self.statement else f"policy `{self.policy}`"
        return f"{where}: {self.problem}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """One request: principal, action, resource and request context

    `action` may be a wildcard pattern (`iam:*`): it then stands for every catalogue action
    it matches, and is allowed only if each of them is (see `evaluate`). `resource` may be
    a wildcard pattern too (`arn:aws:s3:::bucket/*`, `*`): as in AWS's policy simulator it
    then asks whether some resource it matches is allowed; `every_resource` asks instead
    whether every one is ("full admin?" asks `*` on every resource).
    """

    principal: str
    action: str
    resource: str = "*"
    resource_account: str | None = None
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    unknown_keys: frozenset[str] = frozenset()
    principal_tags: Mapping[str, str] = field(default_factory=dict)
    principal_id: str | None = None
    every_resource: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicySet:
    """Every policy that applies to a request

    `session` None means no session policy was passed; `scps`/`rcps` hold one tuple per
    level (organization root first, account last), None when not in an organization.
    `requires_resource_grant` forces the KMS-key-policy / role-trust-policy rule; the engine
    also infers it for `kms:` actions on a key ARN and `sts:AssumeRole*` on a role ARN.
    """

    identity: tuple[Policy, ...] = ()
    permissions_boundary: Policy | None = None
    session: tuple[Policy, ...] | None = None
    resource: Policy | None = None
    scps: tuple[tuple[Policy, ...], ...] | None = None
    rcps: tuple[tuple[Policy, ...], ...] | None = None
    is_management_account: bool = False
    requires_resource_grant: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    """A decision with the statements that made it and what it still depends on"""

    decision: Decision
    reasons: tuple[StatementRef, ...] = ()
    undecided: tuple[ConditionRef, ...] = ()
    errors: tuple[EvaluationIssue, ...] = ()
    deciding_kind: PolicyKind | None = None
    trace: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """AWS's rules that no policy states and that decided or qualify the decision
    (an AWS-managed resource, a wildcard resource's allowed patterns)"""
    missing_context: tuple[str, ...] = ()
    """Condition keys a matched statement depends on that the request lacks, as AWS's
    policy simulator reports MissingContextValues"""

    @property
    def is_allowed(self) -> bool:
        """Whether the decision is ALLOWED (possibly conditional)"""
        return self.decision is Decision.ALLOWED

    @property
    def is_conditional(self) -> bool:
        """Whether the decision holds only if the `undecided` clauses resolve as stated"""
        return bool(self.undecided)

    @property
    def is_uncertain(self) -> bool:
        """Whether an evaluation issue (unknown operator, bad value) touched the decision"""
        return bool(self.errors)

    def explain(self) -> str:
        """A multi-line explanation naming the deciding statements"""
        headline = {
            Decision.ALLOWED: "allowed",
            Decision.EXPLICIT_DENY: "explicitly denied",
            Decision.IMPLICIT_DENY: "implicitly denied",
        }[self.decision]
        if self.deciding_kind is not None and self.decision is not Decision.ALLOWED:
            headline += f" by the {self.deciding_kind.value} policies"
        lines = [headline]
        if self.reasons:
            lines.append("because of:")
            lines.extend(f"  {ref}" for ref in self.reasons)
        elif self.decision is Decision.IMPLICIT_DENY and not self.notes:
            lines.append("no statement allows the request")
        if self.notes:
            lines.append("by AWS's rules:")
            lines.extend(f"  {note}" for note in self.notes)
        if self.undecided:
            lines.append("only if:")
            lines.extend(f"  {clause}" for clause in self.undecided)
        if self.errors:
            lines.append("uncertain because of:")
            lines.extend(f"  {issue}" for issue in self.errors)
        if self.missing_context:
            lines.append("missing context values: " + ", ".join(self.missing_context))
        lines.extend(f"  trace: {step}" for step in self.trace)
        return "\n".join(lines)
