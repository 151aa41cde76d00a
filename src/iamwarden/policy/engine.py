"""Access decisions: is this principal allowed to do this action on this resource.

Owns AWS's policy evaluation logic (explicit deny, SCPs, RCPs, resource-based policies,
identity-based policies, permissions boundaries, session policies) and the explanation of
each decision. Policies are compiled once (cached by digest) into matchers indexed by
service prefix. It never parses text (that is `document`) and never prints.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Final, NamedTuple, TypeVar

from iamwarden.errors import InputError
from iamwarden.policy.arn import compile_glob, try_parse_arn
from iamwarden.policy.catalog import Catalog, load_catalog
from iamwarden.policy.conditions import (
    Missing,
    OperatorSpec,
    Rendered,
    Template,
    ValueMatcher,
    apply_null,
    apply_operator,
    parse_operator,
    parse_template,
    render,
    render_glob,
    rendered_text,
    value_matcher,
)
from iamwarden.policy.document import VERSION_2008, Condition, Effect, Policy, PolicyKind, Statement

__all__ = [
    "ConditionRef",
    "Decision",
    "Evaluation",
    "EvaluationIssue",
    "PolicySet",
    "PrincipalType",
    "Request",
    "StatementRef",
    "evaluate",
    "evaluate_many",
]


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
    it matches, and is allowed only if each of them is (see `evaluate`).
    """

    principal: str
    action: str
    resource: str = "*"
    resource_account: str | None = None
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    unknown_keys: frozenset[str] = frozenset()
    principal_tags: Mapping[str, str] = field(default_factory=dict)
    principal_id: str | None = None


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
        elif self.decision is Decision.IMPLICIT_DENY:
            lines.append("no statement allows the request")
        if self.undecided:
            lines.append("only if:")
            lines.extend(f"  {clause}" for clause in self.undecided)
        if self.errors:
            lines.append("uncertain because of:")
            lines.extend(f"  {issue}" for issue in self.errors)
        lines.extend(f"  trace: {step}" for step in self.trace)
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# principals

_SERVICE_LINKED_PREFIX: Final = "AWSServiceRoleFor"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Principal:
    type: PrincipalType
    text: str
    account: str | None = None
    principal_arn: str | None = None
    role_account_name: tuple[str, str] | None = None
    user_name: str | None = None
    session_name: str | None = None
    is_service_linked: bool = False
    is_direct_role: bool = False

    @property
    def is_session(self) -> bool:
        return self.type in (PrincipalType.ASSUMED_ROLE, PrincipalType.FEDERATED_USER)


@lru_cache(maxsize=4096)
def _principal(text: str) -> _Principal:
    if text in ("*", "anonymous", ""):
        return _Principal(type=PrincipalType.ANONYMOUS, text=text)
    if text.isdigit() and len(text) == 12:
        text = f"arn:aws:iam::{text}:root"
    arn = try_parse_arn(text)
    if arn is None:
        if "." in text and "/" not in text:
            return _Principal(type=PrincipalType.SERVICE, text=text)
        raise InputError(f"principal `{text}` is not an arn, an account id or a service")
    account = arn.account
    if arn.service == "iam" and arn.resource == "root":
        return _Principal(
            type=PrincipalType.ACCOUNT, text=text, account=account, principal_arn=text
        )
    kind, _, rest = arn.resource.partition("/")
    if arn.service == "iam" and kind == "user":
        return _Principal(
            type=PrincipalType.USER,
            text=text,
            account=account,
            principal_arn=text,
            user_name=rest.rsplit("/", 1)[-1],
        )
    if arn.service == "iam" and kind == "role":
        name = rest.rsplit("/", 1)[-1]
        return _Principal(
            type=PrincipalType.ASSUMED_ROLE,
            text=text,
            account=account,
            principal_arn=text,
            role_account_name=(account, name),
            is_service_linked=rest.startswith("aws-service-role/")
            or name.startswith(_SERVICE_LINKED_PREFIX),
            is_direct_role=True,
        )
    if arn.service == "sts" and kind == "assumed-role":
        name, _, session = rest.partition("/")
        return _Principal(
            type=PrincipalType.ASSUMED_ROLE,
            text=text,
            account=account,
            principal_arn=f"arn:{arn.partition}:iam::{account}:role/{name}",
            role_account_name=(account, name),
            session_name=session,
            is_service_linked=name.startswith(_SERVICE_LINKED_PREFIX),
        )
    if arn.service == "sts" and kind == "federated-user":
        return _Principal(
            type=PrincipalType.FEDERATED_USER,
            text=text,
            account=account,
            principal_arn=text,
            session_name=rest,
        )
    raise InputError(f"principal `{text}` is not a user, role, session, account or service")


class _Grant(Enum):
    NONE = 0
    ACCOUNT = 1
    LIMITED = 2
    DIRECT = 3


def _account_of(value: str) -> str | None:
    if value.isdigit():
        return value
    arn = try_parse_arn(value)
    if arn is not None and arn.service == "iam" and arn.resource == "root":
        return arn.account
    return None


def _names(principal: _Principal, kind: str, value: str) -> _Grant:
    """How a `Principal` entry names `principal` (NONE when it does not)"""
    if value == "*":
        return _Grant.DIRECT if kind in ("AWS", "*") else _Grant.NONE
    if kind != "AWS":
        return _Grant.DIRECT if value == principal.text else _Grant.NONE
    if principal.account is None:
        return _Grant.NONE
    account = _account_of(value)
    if account is not None:
        return _Grant.ACCOUNT if account == principal.account else _Grant.NONE
    if value == principal.text:
        return _Grant.LIMITED if principal.is_direct_role else _Grant.DIRECT
    if principal.role_account_name is not None:
        arn = try_parse_arn(value)
        if arn is not None and arn.service == "iam" and arn.resource.startswith("role/"):
            name = arn.resource.rsplit("/", 1)[-1]
            if (arn.account, name) == principal.role_account_name:
                return _Grant.LIMITED
    return _Grant.NONE


def _principal_grant(
    entries: tuple[tuple[str, tuple[str, ...]], ...], principal: _Principal
) -> _Grant:
    best = _Grant.NONE
    for kind, values in entries:
        for value in values:
            grant = _names(principal, kind, value)
            if grant.value > best.value:
                best = grant
    return best


def _not_principal_applies(
    entries: tuple[tuple[str, tuple[str, ...]], ...], principal: _Principal
) -> bool:
    """A `NotPrincipal` statement applies unless every identity of the principal is listed"""
    named: set[_Grant] = set()
    for kind, values in entries:
        for value in values:
            if value == "*":
                return False
            grant = _names(principal, kind, value)
            if grant is not _Grant.NONE:
                named.add(grant)
    if principal.type in (PrincipalType.SERVICE, PrincipalType.ANONYMOUS):
        return not named
    if principal.type is PrincipalType.ACCOUNT:
        return _Grant.ACCOUNT not in named
    # identities: account and user / role / federated user, plus the session of a role
    is_role_session = principal.type is PrincipalType.ASSUMED_ROLE and not principal.is_direct_role
    return len(named) < (3 if is_role_session else 2)


# ---------------------------------------------------------------------------------------
# compiled policies


@dataclass(frozen=True, slots=True, kw_only=True)
class _Clause:
    condition: Condition
    spec: OperatorSpec
    key: str
    templates: tuple[Template | str, ...] | None
    matcher: ValueMatcher | None
    error: str | None


class _Stmt:
    """One statement compiled to matchers"""

    __slots__ = (
        "act_all",
        "act_exact",
        "act_globs",
        "act_negated",
        "act_patterns",
        "act_set",
        "clauses",
        "has_dynamic",
        "is_deny",
        "not_principal",
        "principal",
        "ref",
        "res_all",
        "res_cache",
        "res_exact",
        "res_globs",
        "res_negated",
        "res_present",
        "res_templates",
        "services",
    )

    def __init__(self, statement: Statement, policy: Policy) -> None:
        self.ref = StatementRef(
            kind=policy.kind,
            policy=policy.name,
            index=statement.index,
            sid=statement.sid,
            pointer=statement.pointer,
        )
        self.is_deny = statement.effect is Effect.DENY
        actions = statement.action if statement.action is not None else statement.not_action
        self.act_negated = statement.action is None
        lowered = tuple(a.lower() for a in actions or ())
        self.act_patterns = lowered
        self.act_set: tuple[Catalog, frozenset[str]] | None = None
        self.act_all = "*" in lowered
        self.act_exact = frozenset(a for a in lowered if "*" not in a and "?" not in a)
        globs = [a for a in lowered if ("*" in a or "?" in a) and a != "*"]
        self.act_globs = _union(globs)
        prefixes = {a.split(":", 1)[0] for a in lowered}
        wild = self.act_negated or self.act_all or any("*" in p or "?" in p for p in prefixes)
        self.services = None if wild else frozenset(prefixes)
        literal = policy.version == VERSION_2008
        resources = statement.resource if statement.resource is not None else statement.not_resource
        self.res_present = resources is not None
        self.res_negated = statement.resource is None and statement.not_resource is not None
        self.res_all = False
        exact: set[str] = set()
        res_globs: list[str] = []
        templates: list[Template] = []
        for value in resources or ():
            template = None if literal else parse_template(value)
            if template is not None:
                templates.append(template)
            elif value == "*":
                self.res_all = True
            elif "*" in value or "?" in value:
                res_globs.append(value)
            else:
                exact.add(value)
        self.res_exact = frozenset(exact)
        self.res_globs = _union(res_globs)
        self.res_templates = tuple(templates)
        self.res_cache: dict[str, bool] = {}
        self.principal = statement.principal
        self.not_principal = statement.not_principal
        self.clauses = tuple(_compile_clause(c, literal) for c in statement.conditions)
        self.has_dynamic = bool(self.clauses or self.res_templates)

    def covers(self, action: str) -> bool:
        hit = (
            self.act_all
            or action in self.act_exact
            or (self.act_globs is not None and self.act_globs.fullmatch(action) is not None)
        )
        return hit != self.act_negated

    def named_actions(self, catalog: Catalog) -> frozenset[str]:
        """The catalogue actions (lowercased) its `Action` / `NotAction` patterns name

        The statement covers exactly these (`Action`) or every other one (`NotAction`);
        with `*` it names none, as it covers all catalogue actions or none alike. Cached
        per catalogue.
        """
        cached = self.act_set
        if cached is not None and cached[0] is catalog:
            return cached[1]
        named: frozenset[str] = frozenset()
        if not self.act_all:
            named = named.union(*(_expand_lower(catalog, p) for p in self.act_patterns))
        self.act_set = (catalog, named)
        return named


@lru_cache(maxsize=4096)
def _expand_lower(catalog: Catalog, pattern: str) -> frozenset[str]:
    """`catalog.expand(pattern)`, lowercased as the engine compares actions"""
    return frozenset(a.lower() for a in catalog.expand(pattern))


@lru_cache(maxsize=256)
def _sorted_lower(catalog: Catalog, pattern: str) -> tuple[str, ...]:
    return tuple(sorted(_expand_lower(catalog, pattern)))


@lru_cache(maxsize=64)
def _action_classes(catalog: Catalog, has_rcps: bool) -> tuple[frozenset[str], ...]:
    """Catalogue actions the decision rules single out: KMS, role assumption, RCP services"""
    everything = _expand_lower(catalog, "*")
    classes = [_expand_lower(catalog, "kms:*"), _ROLE_ACTIONS & everything]
    if has_rcps:
        classes.append(
            frozenset(a for a in everything if a.split(":", 1)[0] in catalog.rcp_services)
        )
    return tuple(classes)


def _union(globs: Sequence[str]) -> re.Pattern[str] | None:
    """One regex matching any of `globs` (None when there are none)"""
    if not globs:
        return None
    return re.compile("|".join(f"(?:{compile_glob(g).pattern})" for g in globs), re.DOTALL)


def _compile_clause(condition: Condition, literal: bool) -> _Clause:
    spec = parse_operator(condition.operator)
    error: str | None = None
    templates: tuple[Template | str, ...] | None = None
    matcher: ValueMatcher | None = None
    if not spec.is_known:
        error = f"unknown condition operator `{condition.operator}`"
    elif spec.base != "Null":
        if not literal and spec.takes_variables and any("${" in v for v in condition.values):
            templates = tuple(parse_template(v) or v for v in condition.values)
        else:
            try:
                matcher = value_matcher(spec.base, condition.values)
            except ValueError as exc:
                error = f"`{condition.operator}` on `{condition.key}`: {exc}"
    return _Clause(
        condition=condition,
        spec=spec,
        key=condition.key.lower(),
        templates=templates,
        matcher=matcher,
        error=error,
    )


class _CompiledPolicy:
    __slots__ = ("by_service", "splits", "statements", "wildcard")

    def __init__(self, policy: Policy) -> None:
        self.statements = tuple(_Stmt(s, policy) for s in policy.statements)
        by_service: dict[str, list[_Stmt]] = {}
        wildcard: list[_Stmt] = []
        for stmt in self.statements:
            if stmt.services is None:
                wildcard.append(stmt)
            else:
                for svc in stmt.services:
                    by_service.setdefault(svc, []).append(stmt)
        self.by_service = {k: tuple(v) for k, v in by_service.items()}
        self.wildcard = tuple(wildcard)
        self.splits: dict[str, tuple[tuple[_Stmt, ...], tuple[_Stmt, ...]]] = {}

    def split(self, key: str, service: str | None) -> tuple[tuple[_Stmt, ...], tuple[_Stmt, ...]]:
        """The Allow and Deny statements that apply to action `key` (cached per action)"""
        found = self.splits.get(key)
        if found is not None:
            return found
        allows: list[_Stmt] = []
        denies: list[_Stmt] = []
        for stmt in self.candidates(service):
            if stmt.covers(key):
                (denies if stmt.is_deny else allows).append(stmt)
        found = (tuple(allows), tuple(denies))
        if len(self.splits) < 100_000:
            self.splits[key] = found
        return found

    def candidates(self, service: str | None) -> Sequence[_Stmt]:
        if service is None:
            return self.statements
        indexed = self.by_service.get(service, ())
        if not indexed:
            return self.wildcard
        if not self.wildcard:
            return indexed
        return sorted((*indexed, *self.wildcard), key=lambda s: s.ref.index)


_COMPILED: OrderedDict[tuple[str, str, PolicyKind], _CompiledPolicy] = OrderedDict()
_COMPILED_MAX: Final = 8192


def _compile(policy: Policy) -> _CompiledPolicy:
    """The compiled form of `policy`, shared by every policy set that holds it"""
    key = (policy.digest, policy.name, policy.kind)
    found = _COMPILED.get(key)
    if found is None:
        found = _CompiledPolicy(policy)
        _COMPILED[key] = found
        if len(_COMPILED) > _COMPILED_MAX:
            _COMPILED.popitem(last=False)
    return found


# groups of a policy set, in the order AWS documents them
_SCP, _RCP, _RESOURCE, _IDENTITY, _BOUNDARY, _SESSION = range(6)


@dataclass(slots=True)
class _Group:
    slot: int
    kind: PolicyKind
    allows: tuple[_Stmt, ...]
    denies: tuple[_Stmt, ...]


@dataclass(slots=True)
class _Plan:
    """The statements of a policy set that can apply to one (non-wildcard) action"""

    action: str
    scp: tuple[_Group, ...]
    rcp: tuple[_Group, ...]
    resource: _Group
    identity: _Group
    boundary: _Group
    session: _Group
    is_static: bool
    service: str
    resource_dependent: tuple[_Stmt, ...]
    deny_groups: tuple[_Group, ...]
    memo: dict[tuple[object, ...], Evaluation]


class _CompiledSet:
    __slots__ = ("catalog", "groups", "plans", "policies", "wildcards")

    def __init__(self, policies: PolicySet, *, shared: bool = True) -> None:
        """Compile `policies`; `shared` False compiles afresh, bypassing every cache"""
        self.policies = policies
        self.catalog: Catalog | None = None
        compile_one = _compile if shared else _CompiledPolicy
        groups: list[tuple[int, PolicyKind, tuple[_CompiledPolicy, ...]]] = []
        for scp_level in policies.scps or ():
            groups.append((_SCP, PolicyKind.SCP, tuple(compile_one(p) for p in scp_level)))
        for rcp_level in policies.rcps or ():
            groups.append((_RCP, PolicyKind.RCP, tuple(compile_one(p) for p in rcp_level)))
        singles = (
            (_RESOURCE, PolicyKind.RESOURCE, (policies.resource,) if policies.resource else ()),
            (_IDENTITY, PolicyKind.IDENTITY, policies.identity),
            (
                _BOUNDARY,
                PolicyKind.PERMISSIONS_BOUNDARY,
                (policies.permissions_boundary,) if policies.permissions_boundary else (),
            ),
            (_SESSION, PolicyKind.SESSION, policies.session or ()),
        )
        for slot, kind, items in singles:
            groups.append((slot, kind, tuple(compile_one(p) for p in items)))
        self.groups = tuple(groups)
        self.plans: dict[str, _Plan] = {}
        self.wildcards: dict[str, tuple[tuple[str, int], ...]] = {}

    def resolve_catalog(self, catalog: Catalog | None) -> Catalog:
        """`catalog`, else the one this set last used, else `load_catalog()`; remembered"""
        self.catalog = catalog or self.catalog or load_catalog()
        return self.catalog

    def statements(self) -> Iterable[_Stmt]:
        """Every compiled statement, in the order AWS documents the policy types"""
        for _, _, compiled in self.groups:
            for cp in compiled:
                yield from cp.statements

    def representatives(self, key: str, catalog: Catalog) -> tuple[tuple[str, int], ...]:
        """One action per class of the actions wildcard `key` expands to, with class sizes

        Two actions are in one class when the same statements cover them and the
        action-dependent rules (RCP service, key/trust policy) treat them alike, so each
        is decided exactly as its representative is. Classes come from refining the
        actions that some statement names (or a rule singles out) by each statement's
        named set; the actions none names form one more class. A pattern that matches no
        catalogue action stands for itself.
        """
        found = self.wildcards.get(key)
        if found is not None:
            return found
        expanded = _expand_lower(catalog, key)
        if not expanded:
            found = ((key, 1),)
        else:
            cuts = [stmt.named_actions(catalog) & expanded for stmt in self.statements()]
            cuts.extend(
                cut & expanded for cut in _action_classes(catalog, self.policies.rcps is not None)
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
            classes = [(min(block), len(block)) for block in blocks]
            if len(named) < len(expanded):
                rest = next(a for a in _sorted_lower(catalog, key) if a not in named)
                classes.append((rest, len(expanded) - len(named)))
            found = tuple(sorted(classes))
        if len(self.wildcards) < 10_000:
            self.wildcards[key] = found
        return found

    def plan(self, key: str) -> _Plan:
        """The plan of lowercased, non-wildcard action `key` (cached)"""
        found = self.plans.get(key)
        if found is not None:
            return found
        service = key.split(":", 1)[0]
        exact_service = None if "*" in service or "?" in service else service
        groups: list[_Group] = []
        by_slot: dict[int, list[_Group]] = {}
        for slot, kind, compiled in self.groups:
            if len(compiled) == 1:
                allows, denies = compiled[0].split(key, exact_service)
            else:
                splits = [cp.split(key, exact_service) for cp in compiled]
                allows = tuple(stmt for a, _ in splits for stmt in a)
                denies = tuple(stmt for _, d in splits for stmt in d)
            group = _Group(slot, kind, allows, denies)
            groups.append(group)
            by_slot.setdefault(slot, []).append(group)
        stmts = dict.fromkeys(stmt for group in groups for stmt in (*group.allows, *group.denies))
        plan = _Plan(
            action=key,
            scp=tuple(by_slot.get(_SCP, ())),
            rcp=tuple(by_slot.get(_RCP, ())),
            resource=by_slot[_RESOURCE][0],
            identity=by_slot[_IDENTITY][0],
            boundary=by_slot[_BOUNDARY][0],
            session=by_slot[_SESSION][0],
            is_static=not any(stmt.has_dynamic for stmt in stmts),
            service=service,
            resource_dependent=tuple(
                stmt
                for stmt in stmts
                if stmt.res_present and not (stmt.res_all and not stmt.res_negated)
            ),
            deny_groups=tuple(group for group in groups if group.denies),
            memo={},
        )
        if len(self.plans) < 200_000:
            self.plans[key] = plan
        return plan


_SETS: OrderedDict[int, tuple[PolicySet, _CompiledSet]] = OrderedDict()
_SETS_MAX: Final = 512


def _compile_set(policies: PolicySet) -> _CompiledSet:
    entry = _SETS.get(id(policies))
    if entry is not None and entry[0] is policies:
        return entry[1]
    compiled = _CompiledSet(policies)
    _SETS[id(policies)] = (policies, compiled)
    if len(_SETS) > _SETS_MAX:
        _SETS.popitem(last=False)
    return compiled


# ---------------------------------------------------------------------------------------
# request context

_UNKNOWN: Final = Missing.UNKNOWN
_Values = tuple[str, ...] | None | Missing


_Lowered = dict[str, tuple[str, ...]]
_LAST_CONTEXT: list[tuple[Mapping[str, str | Sequence[str]] | None, _Lowered]] = [(None, {})]


def _lowered(context: Mapping[str, str | Sequence[str]]) -> _Lowered:
    """Context keys lowercased, values as tuples; the last mapping seen is remembered

    The one slot is read and replaced whole, so a concurrent caller never sees another
    mapping's entry. INVARIANT: a request's context is not mutated after the request is built.
    """
    seen, lowered = _LAST_CONTEXT[0]
    if seen is context:
        return lowered
    lowered = {k.lower(): (v,) if isinstance(v, str) else tuple(v) for k, v in context.items()}
    _LAST_CONTEXT[0] = (context, lowered)
    return lowered


class _Context:
    """Context values of one request, derived from the principal when not given"""

    __slots__ = ("_given", "issues", "principal", "request", "resource_account", "trace", "unknown")

    def __init__(
        self,
        request: Request,
        principal: _Principal,
        resource_account: str | None,
        trace: list[str] | None,
    ) -> None:
        self.request = request
        self.principal = principal
        self.resource_account = resource_account
        self._given: _Lowered | None = None
        self.unknown = (
            frozenset(k.lower() for k in request.unknown_keys)
            if request.unknown_keys
            else request.unknown_keys
        )
        self.issues: dict[tuple[str, str], EvaluationIssue] = {}
        self.trace = trace

    def given(self) -> _Lowered:
        if self._given is None:
            self._given = _lowered(self.request.context)
        return self._given

    def values(self, key: str) -> _Values:
        given = self.given()
        if key in given:
            return given[key]
        if key in self.unknown:
            return _UNKNOWN
        return self.derived(key)

    def derived(self, key: str) -> tuple[str, ...] | None:
        p = self.principal
        request = self.request
        if key == "aws:principalarn":
            return (p.principal_arn,) if p.principal_arn else None
        if key == "aws:principalaccount":
            return (p.account,) if p.account else None
        if key == "aws:principaltype":
            if p.type is PrincipalType.SERVICE:
                return None
            return (p.type.value,)
        if key == "aws:username":
            return (p.user_name,) if p.user_name else None
        if key == "aws:userid":
            if request.principal_id:
                return (request.principal_id,)
            if p.type is PrincipalType.ACCOUNT and p.account:
                return (p.account,)
            if p.type is PrincipalType.ANONYMOUS:
                return ("anonymous",)
            if p.type is PrincipalType.FEDERATED_USER and p.account:
                return (f"{p.account}:{p.session_name}",)
            return None
        if key == "aws:principalisawsservice":
            return ("true" if p.type is PrincipalType.SERVICE else "false",)
        if key == "aws:principalservicename":
            return (p.text,) if p.type is PrincipalType.SERVICE else None
        if key == "aws:resourceaccount":
            return (self.resource_account,) if self.resource_account else None
        if key.startswith("aws:principaltag/"):
            tag = key[len("aws:principaltag/") :]
            for name, value in request.principal_tags.items():
                if name.lower() == tag:
                    return (value,)
        return None

    def single(self, key: str) -> str | Missing:
        got = self.values(key)
        if isinstance(got, Missing):
            return got
        if not got or len(got) != 1:
            return Missing.ABSENT
        return got[0]

    def issue(self, ref: StatementRef, problem: str) -> None:
        self.issues.setdefault(
            (str(ref), problem), EvaluationIssue(statement=ref, policy=ref.policy, problem=problem)
        )


# ---------------------------------------------------------------------------------------
# matching one statement

_Match = bool | tuple[ConditionRef, ...]
"""True: applies; False: does not; tuple: applies only if these clauses hold"""


@lru_cache(maxsize=16384)
def _rendered_matcher(base: str, rendered: tuple[Rendered, ...]) -> ValueMatcher:
    if base in ("StringLike", "StringNotLike"):
        regexes = tuple(render_glob(r) for r in rendered)
        return lambda v: any(x.fullmatch(v) is not None for x in regexes)
    return value_matcher(base, [rendered_text(r) for r in rendered])


def _clause_truth(clause: _Clause, stmt: _Stmt, ctx: _Context) -> bool | None:
    """The truth of one clause; None when it cannot be decided (unknown key or operator)"""
    if clause.error is not None:
        ctx.issue(stmt.ref, clause.error)
        return None
    values = ctx.values(clause.key)
    if values is _UNKNOWN:
        return None
    request_values = None if isinstance(values, Missing) else values
    spec = clause.spec
    if spec.base == "Null":
        return apply_null(clause.condition.values, request_values)
    matcher = clause.matcher
    if clause.templates is not None:
        rendered: list[Rendered] = []
        for template in clause.templates:
            if isinstance(template, str):
                rendered.append(((template, False),))
                continue
            got = render(template, ctx.single)
            if got is Missing.UNKNOWN:
                return None
            if not isinstance(got, Missing):
                rendered.append(got)
        if not rendered:
            matcher = _no_match
        else:
            try:
                matcher = _rendered_matcher(spec.base, tuple(rendered))
            except ValueError as exc:
                ctx.issue(stmt.ref, str(exc))
                return None
    assert matcher is not None
    return apply_operator(spec, matcher, request_values)


def _no_match(_value: str) -> bool:
    return False


def _static_resource_hit(stmt: _Stmt, resource: str) -> bool:
    cached = stmt.res_cache.get(resource)
    if cached is None:
        cached = (
            stmt.res_all
            or resource in stmt.res_exact
            or (stmt.res_globs is not None and stmt.res_globs.fullmatch(resource) is not None)
        )
        if len(stmt.res_cache) < 4096:
            stmt.res_cache[resource] = cached
    return cached


def _resource_hit(stmt: _Stmt, resource: str, ctx: _Context) -> bool:
    if not stmt.res_present:
        return True
    hit = _static_resource_hit(stmt, resource)
    if not hit and stmt.res_templates:
        for template in stmt.res_templates:
            got = render(template, ctx.single)
            if not isinstance(got, Missing) and render_glob(got).fullmatch(resource):
                hit = True
                break
    return hit != stmt.res_negated


def _match(stmt: _Stmt, ctx: _Context) -> _Match:
    if not _resource_hit(stmt, ctx.request.resource, ctx):
        return False
    if stmt.not_principal is not None and not _not_principal_applies(
        stmt.not_principal, ctx.principal
    ):
        return False
    if stmt.principal is not None and (
        _principal_grant(stmt.principal, ctx.principal) is _Grant.NONE
    ):
        return False
    if not stmt.clauses:
        return True
    pending: list[ConditionRef] = []
    for clause in stmt.clauses:
        truth = _clause_truth(clause, stmt, ctx)
        if truth is False:
            return False
        if truth is None:
            pending.append(
                ConditionRef(
                    statement=stmt.ref,
                    operator=clause.condition.operator,
                    key=clause.condition.key,
                    values=clause.condition.values,
                    must_hold=not stmt.is_deny,
                )
            )
    return tuple(pending) if pending else True


def _grant_of(stmt: _Stmt, principal: _Principal) -> _Grant:
    if stmt.principal is None or stmt.not_principal is not None:
        return _Grant.DIRECT
    return _principal_grant(stmt.principal, principal)


# ---------------------------------------------------------------------------------------
# three-valued combination

_FALSE, _TRUE, _MAYBE = 0, 1, 2


class _Tri(NamedTuple):
    state: int
    refs: tuple[StatementRef, ...] = ()
    clauses: tuple[ConditionRef, ...] = ()
    kind: PolicyKind | None = None


_YES: Final = _Tri(_TRUE)
_NO: Final = {kind: _Tri(_FALSE, kind=kind) for kind in PolicyKind}
_NO_NONE: Final = _Tri(_FALSE)
_NO_SCP: Final = _NO[PolicyKind.SCP]
_NO_RCP: Final = _NO[PolicyKind.RCP]
_NO_RESOURCE: Final = _NO[PolicyKind.RESOURCE]
_NO_IDENTITY: Final = _NO[PolicyKind.IDENTITY]
_NO_BOUNDARY: Final = _NO[PolicyKind.PERMISSIONS_BOUNDARY]
_NO_SESSION: Final = _NO[PolicyKind.SESSION]


def _no(kind: PolicyKind | None) -> _Tri:
    return _NO_NONE if kind is None else _NO[kind]


def _and(*parts: _Tri) -> _Tri:
    state = _TRUE
    for part in parts:
        if part.state == _FALSE:
            return part
        if part.state == _MAYBE:
            state = _MAYBE
    if len(parts) == 1:
        return parts[0]
    refs = tuple(r for p in parts for r in p.refs)
    clauses = tuple(c for p in parts for c in p.clauses) if state == _MAYBE else ()
    return _Tri(state, refs, clauses)


def _or(kind: PolicyKind | None, *parts: _Tri) -> _Tri:
    trues = [p for p in parts if p.state == _TRUE]
    if trues:
        return trues[0] if len(trues) == 1 else _Tri(_TRUE, tuple(r for p in trues for r in p.refs))
    maybes = [p for p in parts if p.state == _MAYBE]
    if maybes:
        return min(maybes, key=lambda p: len(p.clauses))
    if kind is not None:
        return _no(kind)
    falses = [p for p in parts if p.kind is not None]
    return _no(falses[0].kind if falses else None)


def _allow(stmts: Sequence[_Stmt], ctx: _Context, no: _Tri) -> _Tri:
    if not stmts and ctx.trace is None:
        return no
    refs: list[StatementRef] = []
    best: tuple[ConditionRef, ...] | None = None
    for stmt in stmts:
        got = _match(stmt, ctx)
        if got is True:
            refs.append(stmt.ref)
        elif got is not False and (best is None or len(got) < len(best)):
            best = got
    if ctx.trace is not None:
        ctx.trace.append(
            f"{no.kind.value if no.kind else ''}: "
            + (
                "allowed by " + ", ".join(map(str, refs))
                if refs
                else "conditionally allowed"
                if best
                else "no allow"
            )
        )
    if refs:
        return _Tri(_TRUE, tuple(refs))
    if best:
        return _Tri(_MAYBE, clauses=best)
    return no


# ---------------------------------------------------------------------------------------
# the decision

_ROLE_ACTIONS: Final = frozenset(
    {"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity"}
)


def _needs_resource_grant(action: str, resource: str) -> bool:
    if action in _ROLE_ACTIONS:
        arn = try_parse_arn(resource)
        return arn is not None and arn.service == "iam" and arn.resource.startswith("role/")
    if action.startswith("kms:"):
        arn = try_parse_arn(resource)
        return arn is not None and arn.service == "kms" and arn.resource.startswith("key/")
    return False


def _resource_account(request: Request, principal: _Principal) -> str | None:
    if request.resource_account:
        return request.resource_account
    arn = try_parse_arn(request.resource)
    if arn is not None and arn.account and "*" not in arn.account and "?" not in arn.account:
        return arn.account
    return principal.account


def _decide(
    compiled: _CompiledSet,
    request: Request,
    catalog: Catalog | None,
    trace: bool,
    *,
    memo: bool = True,
) -> Evaluation:
    key = request.action.lower()
    plan = compiled.plans.get(key)
    if plan is None:
        if "*" in key or "?" in key:
            return _decide_wildcard(compiled, request, key, catalog, trace, memo)
        plan = compiled.plan(key)
    return _decide_plan(compiled, plan, request, catalog, trace, memo)


def _decide_plan(
    compiled: _CompiledSet,
    plan: _Plan,
    request: Request,
    catalog: Catalog | None,
    trace: bool,
    memo: bool,
) -> Evaluation:
    principal = _principal(request.principal)
    resource_account = _resource_account(request, principal)
    memo_key: tuple[object, ...] | None = None
    if plan.is_static and memo and not trace:
        # INVARIANT: a static plan (no conditions, no variables) decides from the principal,
        # the resource account and which statements match the resource, nothing else.
        resource = request.resource
        memo_key = (
            request.principal,
            resource_account,
            *[_static_resource_hit(stmt, resource) for stmt in plan.resource_dependent],
        )
        found = plan.memo.get(memo_key)
        if found is not None:
            return found
    steps: list[str] | None = [] if trace else None
    ctx = _Context(request, principal, resource_account, steps)
    result = _evaluate_plan(compiled, plan, ctx, catalog)
    if memo_key is not None and len(plan.memo) < 4096:
        plan.memo[memo_key] = result
    return result


_PRECEDENCE: Final = {Decision.EXPLICIT_DENY: 0, Decision.IMPLICIT_DENY: 1, Decision.ALLOWED: 2}
_T = TypeVar("_T")


def _decide_wildcard(
    compiled: _CompiledSet,
    request: Request,
    key: str,
    catalog: Catalog | None,
    trace: bool,
    memo: bool,
) -> Evaluation:
    """Decide every action wildcard `key` stands for, one representative per class

    Allowed only if every class is allowed: the Allow statements of each policy type (and
    of each SCP / RCP level) must cover the expansion between them. Any explicit deny
    wins, then any implicit deny; reasons are the statements that decided.
    """
    catalog = compiled.resolve_catalog(catalog)
    parts = [
        (action, size, _decide_plan(compiled, compiled.plan(action), request, catalog, trace, memo))
        for action, size in compiled.representatives(key, catalog)
    ]
    results = [result for _, _, result in parts]
    decision = min((result.decision for result in results), key=_PRECEDENCE.__getitem__)
    deciding = [result for result in results if result.decision is decision]
    steps: list[str] = []
    if trace:
        for action, size, result in parts:
            more = f" and {size - 1} more like it" if size > 1 else ""
            steps.append(f"{action}{more}: {result.decision.value}")
            steps.extend(f"  {step}" for step in result.trace)
    order = {stmt.ref: i for i, stmt in enumerate(compiled.statements())}
    reasons = sorted(
        {ref for result in deciding for ref in result.reasons},
        key=lambda ref: order.get(ref, len(order)),
    )
    return Evaluation(
        decision=decision,
        reasons=tuple(reasons),
        undecided=(
            _unique(clause for result in deciding for clause in result.undecided)
            if decision is Decision.ALLOWED
            else ()
        ),
        errors=_unique(issue for result in results for issue in result.errors),
        deciding_kind=deciding[0].deciding_kind,
        trace=tuple(steps),
    )


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    """`items` without repeats, in first-seen order"""
    return tuple(dict.fromkeys(items))


def _evaluate_plan(
    compiled: _CompiledSet, plan: _Plan, ctx: _Context, catalog: Catalog | None
) -> Evaluation:
    policies = compiled.policies
    principal = ctx.principal
    ptype = principal.type
    has_account = principal.account is not None
    steps = ctx.trace

    in_org_principal = (
        policies.scps is not None
        and not policies.is_management_account
        and has_account
        and not principal.is_service_linked
    )
    rcp_applies = False
    if (
        policies.rcps is not None
        and not policies.is_management_account
        and ptype is not PrincipalType.SERVICE
        and not principal.is_service_linked
    ):
        rcp_applies = plan.service in compiled.resolve_catalog(catalog).rcp_services

    # 1. explicit deny, in every applicable policy
    denied: list[StatementRef] = []
    deny_kind: PolicyKind | None = None
    deny_clauses: list[ConditionRef] = []
    for group in plan.deny_groups:
        if group.slot == _SCP and not in_org_principal:
            continue
        if group.slot == _RCP and not rcp_applies:
            continue
        for stmt in group.denies:
            got = _match(stmt, ctx)
            if got is True:
                denied.append(stmt.ref)
                deny_kind = deny_kind or group.kind
            elif got is not False:
                deny_clauses.extend(got)
    if denied:
        if steps is not None:
            steps.append("explicit deny: " + ", ".join(map(str, denied)))
        return _finish(ctx, Decision.EXPLICIT_DENY, tuple(denied), (), deny_kind)
    if steps is not None:
        steps.append("explicit deny: none" + (" (some conditional)" if deny_clauses else ""))

    # 2. organization guardrails: each SCP / RCP level needs an allow
    gates: list[_Tri] = []
    if in_org_principal:
        gates.extend(_allow(group.allows, ctx, _NO_SCP) for group in plan.scp)
    if rcp_applies:
        gates.extend(_allow(group.allows, ctx, _NO_RCP) for group in plan.rcp)

    # 3. permissions: identity path and resource-based grants
    if ptype is PrincipalType.ACCOUNT:
        identity_path = _YES
        boundary = session = _YES
    elif has_account:
        identity = _allow(plan.identity.allows, ctx, _NO_IDENTITY)
        boundary = (
            _allow(plan.boundary.allows, ctx, _NO_BOUNDARY)
            if policies.permissions_boundary is not None
            else _YES
        )
        if principal.is_session:
            if policies.session is not None:
                session = _allow(plan.session.allows, ctx, _NO_SESSION)
            elif ptype is PrincipalType.FEDERATED_USER:
                session = _NO_SESSION
            else:
                session = _YES
        else:
            session = _YES
        identity_path = _and(identity, boundary, session)
    else:
        identity_path = _NO_IDENTITY
        boundary = session = _YES

    if plan.resource.allows:
        grants: tuple[list[_Stmt], list[_Stmt], list[_Stmt], list[_Stmt]] = ([], [], [], [])
        for stmt in plan.resource.allows:
            grants[_grant_of(stmt, principal).value].append(stmt)
        direct = _allow(grants[_Grant.DIRECT.value], ctx, _NO_RESOURCE)
        limited = _allow(grants[_Grant.LIMITED.value], ctx, _NO_RESOURCE)
        account = _allow(grants[_Grant.ACCOUNT.value], ctx, _NO_RESOURCE)
    else:
        direct = limited = account = _NO_RESOURCE

    same_account = has_account and principal.account == ctx.resource_account
    needs_grant = policies.requires_resource_grant or _needs_resource_grant(
        plan.action, ctx.request.resource
    )
    if not has_account:
        permitted = _or(PolicyKind.RESOURCE, direct, limited, account)
    elif not same_account:
        resource_side = _or(PolicyKind.RESOURCE, direct, limited, account)
        permitted = _and(resource_side, identity_path)
    elif needs_grant:
        permitted = _or(
            PolicyKind.RESOURCE,
            direct,
            _and(limited, boundary, session),
            _and(account, identity_path),
        )
    else:
        limited_path = _and(limited, boundary, session)
        kind = limited_path.kind if limited.state != _FALSE else identity_path.kind
        permitted = _or(kind, direct, limited_path, identity_path)
    if steps is not None:
        steps.append(
            f"principal {principal.type.value} account {principal.account} "
            f"resource account {ctx.resource_account}"
            f"{' (needs resource grant)' if needs_grant else ''}"
        )
    final = _and(*gates, permitted)
    if final.state == _FALSE:
        return _finish(ctx, Decision.IMPLICIT_DENY, (), (), final.kind)
    undecided = (*final.clauses, *deny_clauses)
    return _finish(ctx, Decision.ALLOWED, _unique(final.refs), undecided, None)


def _finish(
    ctx: _Context,
    decision: Decision,
    reasons: tuple[StatementRef, ...],
    undecided: tuple[ConditionRef, ...],
    kind: PolicyKind | None,
) -> Evaluation:
    return Evaluation(
        decision=decision,
        reasons=reasons,
        undecided=_unique(undecided),
        errors=tuple(ctx.issues.values()),
        deciding_kind=kind,
        trace=tuple(ctx.trace) if ctx.trace is not None else (),
    )


def evaluate(
    request: Request,
    policies: PolicySet,
    *,
    trace: bool = False,
    catalog: Catalog | None = None,
) -> Evaluation:
    """Decide `request` against `policies` the way AWS does, with reasons

    A wildcard action (`iam:*`) stands for every catalogue action it matches and is
    allowed only if each of them is: the Allow statements of each policy type (each SCP /
    RCP level) must cover the expansion between them, and a Deny covering any of them
    denies. The catalogue is loaded only for wildcard actions and RCPs, unless given.

    Raises:
        InputError: the principal is not an ARN, an account id, a service or `*`.
    """
    return _decide(_compile_set(policies), request, catalog, trace)


def _evaluate_uncached(
    request: Request, policies: PolicySet, *, catalog: Catalog | None = None
) -> Evaluation:
    """`evaluate` from a fresh compilation, without memo or shared caches (for tests)"""
    return _decide(_CompiledSet(policies, shared=False), request, catalog, False, memo=False)


def evaluate_many(
    requests: Iterable[Request],
    policies: PolicySet,
    *,
    catalog: Catalog | None = None,
) -> list[Evaluation]:
    """Decide many requests against one policy set, compiling it once"""
    compiled = _compile_set(policies)
    return [_decide(compiled, request, catalog, False) for request in requests]
