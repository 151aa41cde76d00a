"""IAM Access Analyzer's custom policy checks, offline: no new access, access not granted,
no public access. Every answer comes from `policy.engine`.

- `check_no_new_access(existing, new)` (CheckNoNewAccess): does `new` allow a request
  `existing` does not? The catalogue's actions are split into the engine's action classes
  (`CompiledSet.classes`: actions the statements of both policies cover alike, and that
  AWS's action rules treat alike); for one action of each class the engine's plans give the
  Allow and Deny statements of each policy that apply, and the engine's wildcard algebra
  (`engine.globs.some_string`) decides whether some resource is allowed by `new` and not by
  `existing`. Each new grant is reported with its actions, the resource pattern of `new`
  that reaches it, the statement and its conditions.
- `check_access_not_granted(policy, actions, resources)` (CheckAccessNotGranted): the
  engine is asked each action (wildcards expanded through the catalogue) on each resource.
- `check_no_public_access(policy, resource_type)` (CheckNoPublicAccess): the external-access
  analysis (`exposure.grants.decide_grants`) is asked who outside the account may use a
  resource of that type; a grant reaching a principal of an arbitrary account is public.

Conditions (no-new-access). A statement's conditions are a conjunction of clauses; each
distinct clause is treated as a proposition that a request may make true or false, and
every assignment is searched (a clause shared by both policies is one proposition, so equal
statements always cancel). A `new` statement whose clauses include all of an `existing`
statement's clauses is covered by it. Clauses on one key are dependent: when they are all
`StringEquals`, `ArnEquals` or `Bool` with disjoint values, at most one can hold (decided
exactly); otherwise a grant found only under such an assignment is UNDECIDED, never PASS.
Policy variables in `Resource` are compared as written (`${aws:username}` is one unknown
name), so a grant to `user/${aws:username}` is new against `user/alice` and not against
`user/*`.

Resource policies (`PolicyKind.RESOURCE`, trust policies included) are asked for each
principal either policy names, anyone (`*`), and a principal of an account neither names;
the resource is in an account neither names, so every named principal needs the policy's
grant. Identity policies are asked for a role of one account on resources of that account
(the key policy or trust policy is taken to delegate to the account: the check compares the
two documents, not the resources' own policies).

Nothing here reads a file, prints or exits; the CLI (`iamwarden check`) does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from itertools import product
from types import MappingProxyType
from typing import Final

from iamwarden.analysis.exposure.grants import OUTSIDE_IDENTITY, decide_grants
from iamwarden.analysis.exposure.grants import Grant as ExposureGrant
from iamwarden.analysis.exposure.model import OutsiderKind
from iamwarden.analysis.exposure.zone import Zone, ZoneOfTrust
from iamwarden.errors import InputError
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
    evaluate_actions,
    parse_policy,
    try_parse_arn,
)
from iamwarden.policy.catalog import closest_name
from iamwarden.policy.engine.compiled import Stmt, expand_lower
from iamwarden.policy.engine.globs import Component, some_string
from iamwarden.policy.engine.plans import compile_set
from iamwarden.policy.engine.principals import (
    Grant,
    Principal,
    not_principal_applies,
    parse_principal,
    principal_grant,
)
from iamwarden.policy.federation import is_narrowed, web_identity_provider

__all__ = [
    "MAX_ENTRIES",
    "PUBLIC_RESOURCE_TYPES",
    "CheckName",
    "CheckOutcome",
    "CheckReason",
    "CustomCheckResult",
    "check_access_not_granted",
    "check_no_new_access",
    "check_no_public_access",
]

MAX_ENTRIES: Final = 100
"""CheckAccessNotGranted takes at most 100 actions and 100 resources (Access Analyzer API
Reference, API_CheckAccessNotGranted: `access` items)"""

ACCOUNT: Final = "111122223333"
"""The account of the identity-policy principal and of its resources"""

_OWNER_CHOICES: Final = ("444455556666", "777788889999", "123412341234", "567856785678")
"""Accounts a resource policy's resource may sit in (the first one neither policy names)"""

_OTHER_CHOICES: Final = ("999988887777", "666655554444", "333322221111", "210921092109")
"""Accounts for 'a principal of an account no policy names'"""

_MAX_PROPOSITIONS: Final = 10
"""Distinct condition clauses searched exhaustively for one action class (2**10 cases)"""

_PROBE_NAME: Final = "iamwarden-check"


class CheckName(Enum):
    """The three custom policy checks, as the CLI names them"""

    NO_NEW_ACCESS = "no-new-access"
    ACCESS_NOT_GRANTED = "access-not-granted"
    NO_PUBLIC_ACCESS = "no-public-access"


class CheckOutcome(Enum):
    """PASS and FAIL as Access Analyzer answers; UNDECIDED where conditions cannot be
    compared statically (never a pass)"""

    PASS = "PASS"
    FAIL = "FAIL"
    UNDECIDED = "UNDECIDED"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReason:
    """One grant behind a FAIL or UNDECIDED: who may do which actions on what, and why

    `actions` are catalogue names (a class of actions the engine decides alike), `resource`
    the resource pattern of the policy that reaches the access (`*`, an ARN pattern, or
    `every resource but …` for `NotResource`), `principal` the principal asked (resource
    policies; empty for identity policies). `statement` is the granting statement of the
    checked (new) policy, `conditions` the clauses the access depends on. `is_decided` is
    False for access that exists only if dependent conditions can hold together.
    """

    description: str
    actions: tuple[str, ...]
    resource: str
    principal: str = ""
    statement: StatementRef | None = None
    conditions: tuple[str, ...] = ()
    is_decided: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomCheckResult:
    """The answer of one custom check: its outcome, a one-line message and the reasons"""

    check: CheckName
    outcome: CheckOutcome
    message: str
    reasons: tuple[CheckReason, ...] = ()
    policy: str = ""
    """The name of the checked policy (its file, as the CLI passes it)"""
    warnings: tuple[str, ...] = ()
    """What the caller should know that does not change the outcome (an action the
    catalogue does not list, so nothing grants it: a typo?)"""

    @property
    def is_pass(self) -> bool:
        """Whether the check passed"""
        return self.outcome is CheckOutcome.PASS


# -- shared helpers ---------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _proper_names(catalog: Catalog) -> Mapping[str, str]:
    """Catalogue action names as AWS writes them, by lowercased name"""
    return MappingProxyType({a.lower(): a for a in catalog.expand("*")})


def _named_accounts(policies: Iterable[Policy]) -> set[str]:
    found: set[str] = set()
    for policy in policies:
        for statement in policy.statements:
            for element in (statement.principal, statement.not_principal):
                for _, values in element or ():
                    for value in values:
                        account = _account_in(value)
                        if account:
                            found.add(account)
            for resources in (statement.resource, statement.not_resource):
                for value in resources or ():
                    arn = try_parse_arn(value)
                    if arn is not None and arn.account.isdigit():
                        found.add(arn.account)
            for condition in statement.conditions:
                found.update(v for v in condition.values if v.isdigit() and len(v) == 12)
    return found


def _account_in(value: str) -> str:
    if value.isdigit() and len(value) == 12:
        return value
    arn = try_parse_arn(value)
    return arn.account if arn is not None and arn.account.isdigit() else ""


def _first_free(choices: Sequence[str], taken: set[str]) -> str:
    return next((c for c in choices if c not in taken), choices[-1])


def _principals(policies: Sequence[Policy], other_account: str) -> tuple[str, ...]:
    """The principals a resource policy is asked for: anyone, every principal named (an
    account as a role of it), and a role of an account no policy names"""
    found: dict[str, None] = {"*": None}
    for policy in policies:
        for statement in policy.statements:
            for element in (statement.principal, statement.not_principal):
                for kind, values in element or ():
                    if kind == "CanonicalUser":
                        continue
                    for value in values:
                        if value == "*":
                            continue
                        account = value if value.isdigit() and len(value) == 12 else ""
                        arn = try_parse_arn(value)
                        if arn is not None and arn.service == "iam" and arn.resource == "root":
                            account = arn.account
                        if account:
                            found[f"arn:aws:iam::{account}:role/{_PROBE_NAME}"] = None
                        else:
                            found[value] = None
    found[f"arn:aws:iam::{other_account}:role/{_PROBE_NAME}"] = None
    usable: list[str] = []
    for text in found:
        try:
            parse_principal(text)
        except InputError:
            continue  # a value AWS would not accept as a principal: nobody to ask about
        usable.append(text)
    return tuple(usable)


def _clause_text(operator: str, key: str, values: tuple[str, ...]) -> str:
    return f"{operator} {key} [{', '.join(values)}]"


# -- no new access ----------------------------------------------------------------------------

_Prop = tuple[str, str, tuple[str, ...]]
"""A condition clause as a proposition: (operator, lowercased key, values)"""

_EXCLUSIVE_OPERATORS: Final = frozenset({"StringEquals", "ArnEquals", "Bool"})


@dataclass(frozen=True, slots=True)
class _Side:
    """The statements of one policy that apply to one action (and principal)"""

    allows: tuple[Stmt, ...]
    denies: tuple[Stmt, ...]


def _props(stmt: Stmt) -> frozenset[_Prop]:
    return frozenset(
        (c.condition.operator, c.key, tuple(sorted(c.condition.values))) for c in stmt.clauses
    )


def _patterns(stmt: Stmt, raw: Mapping[StatementRef, tuple[str, ...]]) -> Component:
    """The statement's resource element as a component; variables kept as written"""
    if not stmt.res_present:
        return (("*",), False)
    return (raw.get(stmt.ref, stmt.res_patterns) or ("*",), stmt.res_negated)


def _raw_resources(policy: Policy) -> dict[StatementRef, tuple[str, ...]]:
    out: dict[StatementRef, tuple[str, ...]] = {}
    for stmt in compile_set(PolicySet(identity=(policy,))).statements():
        statement = policy.statements[stmt.ref.index]
        values = statement.resource if statement.resource is not None else statement.not_resource
        if values is not None:
            out[stmt.ref] = tuple(values)
    return out


def _applies_to(stmt: Stmt, principal: Principal | None) -> bool:
    if principal is None:
        return True
    if stmt.not_principal is not None:
        return not_principal_applies(stmt.not_principal, principal)
    if stmt.principal is None:
        return False  # a resource policy statement names its principals
    return principal_grant(stmt.principal, principal) is not Grant.NONE


def _side(policy: Policy, action: str, principal: Principal | None) -> _Side:
    plan = compile_set(_as_set(policy)).plan(action)
    group = plan.resource if policy.kind is PolicyKind.RESOURCE else plan.identity
    return _Side(
        allows=tuple(s for s in group.allows if _applies_to(s, principal)),
        denies=tuple(s for s in group.denies if _applies_to(s, principal)),
    )


def _as_set(policy: Policy) -> PolicySet:
    if policy.kind is PolicyKind.RESOURCE:
        return PolicySet(resource=policy)
    return PolicySet(identity=(policy,))


def _feasible(
    assignment: Mapping[_Prop, bool],
    groups: Sequence[tuple[_Prop, ...]],
    implications: Iterable[tuple[_Prop, _Prop]] = (),
) -> bool:
    """Whether exclusive clauses on one key (disjoint equality values) hold one at a time,
    and a clause that implies another never holds without it"""
    return all(sum(assignment[p] for p in group) <= 1 for group in groups) and all(
        assignment[q] or not assignment[p] for p, q in implications
    )


def _networks(values: Sequence[str]) -> list[IPv4Network | IPv6Network] | None:
    try:
        return [ip_network(v, strict=False) for v in values]
    except ValueError:
        return None


def _disjoint_ranges(group: Sequence[_Prop]) -> bool:
    """Whether `IpAddress` clauses on one (single-valued) key name ranges no address is in
    twice: at most one holds"""
    if any(op != "IpAddress" for op, _, _ in group):
        return False
    ranges = [_networks(values) for _, _, values in group]
    if any(r is None for r in ranges):
        return False
    return not any(
        a.overlaps(b)
        for i, first in enumerate(ranges)
        for second in ranges[i + 1 :]
        for a in first or ()
        for b in second or ()
        if a.version == b.version
    )


def _implies(p: _Prop, q: _Prop) -> bool:
    """Whether clause `p` holding makes clause `q` hold, decided exactly for `IpAddress`
    ranges inside `q`'s (IAM User Guide, reference_policies_elements_condition_operators:
    IP address operators) and `StringEquals` values among `q`'s"""
    if p == q or p[1] != q[1] or p[0] != q[0]:
        return False
    if p[0] == "IpAddress":
        inner, outer = _networks(p[2]), _networks(q[2])
        if inner is None or outer is None:
            return False
        return all(
            any(a.version == b.version and a.subnet_of(b) for b in outer)  # type: ignore[arg-type]
            for a in inner
        )
    return p[0] == "StringEquals" and set(p[2]) <= set(q[2])


def _implications(props: Sequence[_Prop]) -> list[tuple[_Prop, _Prop]]:
    return [(p, q) for p in props for q in props if _implies(p, q)]


def _dependence(
    props: Sequence[_Prop], catalog: Catalog
) -> tuple[list[tuple[_Prop, ...]], list[tuple[_Prop, ...]]]:
    """Groups of clauses on one key: those that exclude each other (equality with disjoint
    values: at most one holds), and the others (whether they can hold together is not
    compared). Clauses on a multivalued key (`aws:TagKeys`, `ArrayOf…` keys) are independent:
    a request may carry every value at once, so `StringEquals` on `a` and on `b` can both
    hold (IAM User Guide, reference_policies_condition-single-vs-multi-valued-context-keys)"""
    by_key: dict[str, list[_Prop]] = {}
    for prop in props:
        if not catalog.is_multivalued_key(prop[1]):
            by_key.setdefault(prop[1], []).append(prop)
    exclusive: list[tuple[_Prop, ...]] = []
    dependent: list[tuple[_Prop, ...]] = []
    for group in by_key.values():
        if len(group) < 2:
            continue
        if _disjoint_ranges(group):
            exclusive.append(tuple(group))
            continue
        seen: set[str] = set()
        disjoint = True
        for _, _, values in group:
            if seen & set(values):
                disjoint = False
            seen.update(values)
        if disjoint and all(op in _EXCLUSIVE_OPERATORS for op, _, _ in group):
            exclusive.append(tuple(group))
        else:
            dependent.append(tuple(group))
    return exclusive, dependent


def _is_possible(
    assignment: Mapping[_Prop, bool],
    dependent: Sequence[tuple[_Prop, ...]],
    own: frozenset[_Prop],
    constraining: frozenset[_Prop],
) -> bool:
    """Whether a grant by a statement with clauses `own` surely happens under the
    assignment, given the clauses of the statements that could take it away
    (`constraining`: the new policy's Denies, the existing policy's statements)

    Other Allow statements of the new policy only add access, so their clauses do not
    matter. In each group of dependent clauses on one key, what is left must be the
    statement's own clauses (taken to be satisfiable, as the policy's author means them) or
    constraining clauses that all fail and are positive tests (no `Not`, `IfExists` or
    `Null`), which the key being absent makes false (IAM User Guide,
    reference_policies_elements_condition_operators)."""
    for group in dependent:
        if len(group) == 2 and (_implies(*group) or _implies(group[1], group[0])):
            continue  # the infeasible combination is pruned: the rest can all happen
        mine = [p for p in group if p in own]
        others = [p for p in group if p not in own and p in constraining]
        if len(mine) + len(others) < 2 or not others:
            continue
        if mine or not all(
            not assignment[p]
            and "Not" not in p[0]
            and not p[0].endswith("IfExists")
            and p[0] != "Null"
            for p in others
        ):
            return False
    return True


def _content(stmt: Stmt, raw: Mapping[StatementRef, tuple[str, ...]]) -> tuple[object, ...]:
    return (
        stmt.is_deny,
        _patterns(stmt, raw),
        _props(stmt),
        stmt.principal,
        stmt.not_principal,
        any(c.error for c in stmt.clauses),
    )


@dataclass(frozen=True, slots=True)
class _Found:
    stmt: Stmt
    resource: str
    conditions: tuple[str, ...]
    is_decided: bool


def _shown_conditions(stmt: Stmt) -> tuple[str, ...]:
    return tuple(
        sorted(
            _clause_text(c.condition.operator, c.condition.key, c.condition.values)
            for c in stmt.clauses
        )
    )


def _new_grants(
    new: _Side,
    old: _Side,
    raw_new: Mapping[StatementRef, tuple[str, ...]],
    raw_old: Mapping[StatementRef, tuple[str, ...]],
    catalog: Catalog,
) -> list[_Found] | None:
    """The grants of `new` with a resource `old` does not allow, under some assignment of
    the condition clauses; None when there are too many clauses to search"""
    if not new.allows:
        return []
    old_content = {_content(s, raw_old) for s in (*old.allows, *old.denies)}
    new_deny_content = {_content(s, raw_new) for s in new.denies}
    if all(_content(s, raw_new) in old_content for s in new.allows) and all(
        _content(s, raw_old) in new_deny_content for s in old.denies
    ):
        return []  # every grant of `new` is one of `old`'s, every Deny of `old` is kept
    stmts = (*new.allows, *new.denies, *old.allows, *old.denies)
    props = sorted({p for s in stmts for p in _props(s)})
    if len(props) > _MAX_PROPOSITIONS:
        return None
    exclusive, dependent = _dependence(props, catalog)
    implications = _implications(props)
    constraining = frozenset(p for s in (*new.denies, *old.allows, *old.denies) for p in _props(s))
    errors = any(c.error for s in stmts for c in s.clauses)
    found: dict[tuple[StatementRef, str], _Found] = {}
    for values in product((True, False), repeat=len(props)):
        assignment = dict(zip(props, values, strict=True))
        if not _feasible(assignment, exclusive, implications):
            continue

        def active(
            side: Sequence[Stmt], assignment: Mapping[_Prop, bool] = assignment
        ) -> list[Stmt]:
            return [s for s in side if all(assignment[p] for p in _props(s))]

        new_allows = active(new.allows)
        if not new_allows:
            continue
        new_denies = [_patterns(s, raw_new) for s in active(new.denies)]
        old_allows = [_patterns(s, raw_old) for s in active(old.allows)]
        old_denies = [_patterns(s, raw_old) for s in active(old.denies)]
        for stmt in new_allows:
            own = _props(stmt)
            is_decided = not errors and _is_possible(assignment, dependent, own, constraining)
            patterns, negated = _patterns(stmt, raw_new)
            inners: list[tuple[str, list[list[Component]], str]] = (
                [("*", [[(patterns, True)]], "every resource but " + ", ".join(patterns))]
                if negated
                else [(p, [], p) for p in patterns]
            )
            for inner, within, label in inners:
                key = (stmt.ref, label)
                if key in found and found[key].is_decided:
                    continue
                hit = some_string(inner, within, [*new_denies, *old_allows])
                if not hit and old_denies:
                    hit = some_string(inner, [*within, old_denies], new_denies)
                if hit:
                    found[key] = _Found(stmt, label, _shown_conditions(stmt), is_decided)
    return list(found.values())


def _action_classes(
    existing: Policy, new: Policy, catalog: Catalog
) -> list[tuple[str, frozenset[str]]]:
    """(representative, lowercased actions) of each class the two policies (and AWS's
    rules) treat alike, plus actions and wildcard patterns a policy names that match no
    catalogue action (each alone: `iotevents:*`, `s3:Future*` stand for actions AWS may
    have that the catalogue does not list), in order of their representatives"""
    both = compile_set(PolicySet(identity=(existing, new)))
    everything = expand_lower(catalog, "*")
    classes = {min(block): block for block in both.classes(everything, catalog)}
    for policy in (existing, new):
        for statement in policy.statements:
            for action in (*(statement.action or ()), *(statement.not_action or ())):
                key = action.lower()
                if "*" not in key and "?" not in key:
                    if key not in everything:
                        classes[key] = frozenset({key})
                elif not expand_lower(catalog, key):
                    # an action the pattern matches: wildcards filled
                    classes[key.replace("*", "").replace("?", "x")] = frozenset({action})
    return sorted(classes.items(), key=lambda item: item[0])


def check_no_new_access(
    existing: Policy,
    new: Policy,
    *,
    catalog: Catalog,
) -> CustomCheckResult:
    """Whether `new` allows any request `existing` does not (Access Analyzer's
    CheckNoNewAccess; API Reference API_CheckNoNewAccess: PASS when no new access is allowed,
    FAIL when the updated policy might allow new access)

    Both policies must be of one kind: identity policies (`PolicyKind.IDENTITY` and the
    other identity-like kinds) or resource policies (`PolicyKind.RESOURCE`, trust policies
    included). Returns FAIL with a `CheckReason` per (statement of `new`, resource pattern,
    principal) reaching new access, with the actions of each; UNDECIDED when new access
    exists only if dependent conditions (`StringLike` and `StringEquals` on one key, say)
    can hold together, or a class of actions has more than `_MAX_PROPOSITIONS` distinct
    condition clauses.

    Raises:
        InputError: the two policies are of different kinds, or one is a role trust policy
            (no statement names a `Resource`) and the other a resource policy whose every
            statement names one.
    """
    is_resource = new.kind is PolicyKind.RESOURCE
    if (existing.kind is PolicyKind.RESOURCE) != is_resource:
        raise InputError(
            f"the existing policy is a {existing.kind.value} policy and the new one a "
            f"{new.kind.value} policy: compare policies of one type"
        )
    kinds = (_resource_shape(existing), _resource_shape(new))
    if is_resource and None not in kinds and kinds[0] != kinds[1]:
        raise InputError(
            f"the existing policy is {kinds[0]} and the new one {kinds[1]}: compare "
            "policies of one resource"
        )
    names = _proper_names(catalog)
    raw_new, raw_old = _raw_resources(new), _raw_resources(existing)
    principals: tuple[Principal | None, ...] = (None,)
    if is_resource:
        other = _first_free(_OTHER_CHOICES, _named_accounts((existing, new)))
        principals = tuple(parse_principal(p) for p in _principals((existing, new), other))
    merged: dict[tuple[StatementRef, str, str, tuple[str, ...], bool], set[str]] = {}
    too_many: set[str] = set()
    for representative, actions in _action_classes(existing, new, catalog):
        for principal in principals:
            new_side = _side(new, representative, principal)
            if not new_side.allows:
                continue
            old_side = _side(existing, representative, principal)
            grants = _new_grants(new_side, old_side, raw_new, raw_old, catalog)
            shown = principal.text if principal is not None else ""
            if grants is None:
                too_many.update(actions)
                continue
            for grant in grants:
                key = (grant.stmt.ref, grant.resource, shown, grant.conditions, grant.is_decided)
                merged.setdefault(key, set()).update(actions)
    reasons = [
        CheckReason(
            description=(
                f"`{ref.pointer}` allows {_count([names.get(a, a) for a in actions])} "
                f"on `{resource}`"
                + (f" to `{shown}`" if shown else "")
                + (" that the existing policy does not allow")
                + ("" if decided else " (if its conditions can hold together)")
            ),
            actions=tuple(sorted(names.get(a, a) for a in actions)),
            resource=resource,
            principal=shown,
            statement=ref,
            conditions=conditions,
            is_decided=decided,
        )
        for (ref, resource, shown, conditions, decided), actions in sorted(
            merged.items(), key=lambda item: (item[0][0].index, item[0][1], item[0][2])
        )
    ]
    if too_many:
        reasons.append(
            CheckReason(
                description=(
                    f"{_count([names.get(a, a) for a in too_many])}: more than "
                    f"{_MAX_PROPOSITIONS} distinct condition "
                    "clauses apply; not compared"
                ),
                actions=tuple(sorted(names.get(a, a) for a in too_many)),
                resource="*",
                is_decided=False,
            )
        )
    if any(r.is_decided for r in reasons):
        outcome = CheckOutcome.FAIL
        message = "the new policy allows access the existing policy does not"
    elif reasons:
        outcome = CheckOutcome.UNDECIDED
        message = "the new policy may allow new access, depending on how its conditions combine"
    else:
        outcome = CheckOutcome.PASS
        message = "the new policy allows no access the existing policy does not"
    return CustomCheckResult(
        check=CheckName.NO_NEW_ACCESS,
        outcome=outcome,
        message=message,
        reasons=tuple(reasons),
        policy=new.name,
    )


def _none_of(actions: Sequence[str]) -> str:
    if len(actions) == 1:
        return f"no `{actions[0]}`"
    return f"none of the {len(actions)} actions"


def _resource_shape(policy: Policy) -> str | None:
    """`a role trust policy` when no statement names a resource (IAM User Guide,
    reference_policies_elements_resource: a trust policy has no `Resource`), `a resource
    policy with Resource` when every statement does, None otherwise (no statement)"""
    named = {s.resource is not None or s.not_resource is not None for s in policy.statements}
    if named == {False}:
        return "a role trust policy (no `Resource`)"
    if named == {True}:
        return "a resource policy with `Resource`"
    return None


def _count(actions: Iterable[str]) -> str:
    unique = sorted(set(actions))
    if len(unique) == 1:
        return f"`{unique[0]}`"
    return f"{len(unique)} actions (`{unique[0]}`, …)"


# -- access not granted -----------------------------------------------------------------------

_DELEGATION: Final = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "*",
                "Resource": "*",
            }
        ],
    },
    name="a key or trust policy delegating to the account's IAM policies",
    kind=PolicyKind.RESOURCE,
)
"""The resource side of identity-policy questions: KMS keys and role trust policies that
let the account's IAM policies decide (IAM User Guide, policy evaluation logic)"""


def _expand_actions(actions: Sequence[str], catalog: Catalog) -> tuple[list[str], list[str]]:
    """The catalogue actions `actions` name (wildcards expanded), and the entries that name
    none (kept as given: the engine decides them alone)"""
    names = _proper_names(catalog)
    expanded: dict[str, None] = {}
    unknown: list[str] = []
    for entry in actions:
        if "*" in entry or "?" in entry:
            matched = sorted(expand_lower(catalog, entry))
            if not matched:
                unknown.append(entry)
            expanded.update((names[a], None) for a in matched)
        else:
            expanded[names.get(entry.lower(), entry)] = None
    return list(expanded), unknown


_ACTION_SHAPE: Final = re.compile(r"[A-Za-z0-9*?][A-Za-z0-9_.*?-]*:[A-Za-z0-9_*?-]+")
"""`service:Action`, wildcards allowed (IAM User Guide, reference_policies_elements_action)"""


def _unlisted_warning(entry: str, known: Mapping[str, str]) -> str:
    service = entry.split(":", 1)[0].lower() + ":"
    same = [name for lower, name in known.items() if lower.startswith(service)]
    hint = closest_name(entry, same or known.values())
    return (
        f"action `{entry}` is not in the catalogue"
        + (f" (did you mean `{hint}`?)" if hint else "")
        + ": no policy grants an action AWS does not have, so it passes unless a wildcard "
        "covers it"
    )


def _unfit_warning(resource: str, actions: Sequence[str]) -> str:
    return (
        f"resource `{resource}` fits no resource type of {', '.join(f'`{a}`' for a in actions)}"
        " (Service Authorization Reference): none of them applies to it, so it passes "
        "whatever the policy grants"
    )


def _conditions(evaluation: Evaluation) -> tuple[str, ...]:
    return tuple(
        sorted(
            {
                _clause_text(c.operator, c.key, c.values)
                + ("" if c.must_hold else " does not hold")
                for c in evaluation.undecided
            }
        )
    )


def _granting(evaluation: Evaluation, kind: PolicyKind) -> StatementRef | None:
    refs: list[StatementRef] = [r for r in evaluation.reasons if r.kind is kind]
    refs += [
        c.statement
        for c in evaluation.undecided
        if isinstance(c, ConditionRef) and c.must_hold and c.statement.kind is kind
    ]
    return refs[0] if refs else None


def check_access_not_granted(
    policy: Policy,
    actions: Sequence[str],
    *,
    resources: Sequence[str] = (),
    catalog: Catalog,
) -> CustomCheckResult:
    """Whether `policy` grants none of `actions` (on any of `resources`, or on any
    resource when none is given): Access Analyzer's CheckAccessNotGranted (API Reference,
    API_CheckAccessNotGranted: PASS when the policy does not grant the access)

    Wildcard actions (`s3:Put*`) stand for every catalogue action they match. Each action
    is decided by the engine on each resource; an identity policy for a role of
    `ACCOUNT` on resources of that account, a resource policy for every principal it names,
    anyone and an unnamed account (it grants access if it grants it to someone). Access
    granted only under conditions is granted (FAIL, with the conditions).

    An action the catalogue does not list (`s3:PutObjct`) is still asked (nothing grants
    it, a wildcard aside) and named in the result's `warnings`, with the closest name.

    An action is asked only on the resources it can apply to: one whose catalogue resource
    types have no ARN format the resource fits (`iam:PassRole` on a bucket) is not granted
    on it (Service Authorization Reference, "Resource types" of each action). A resource
    that no action applies to is named in `warnings`: its PASS says nothing.

    Raises:
        InputError: no action, an action that is not `service:Action` (`notvalid`,
            `iam PassRole`), a resource that is neither an ARN nor `*`, or more than
            `MAX_ENTRIES` actions or resources.
    """
    if not actions:
        raise InputError("give at least one action to check")
    for what, given in (("actions", actions), ("resources", resources)):
        if len(given) > MAX_ENTRIES:
            raise InputError(f"at most {MAX_ENTRIES} {what} per check, got {len(given)}")
    for entry in resources:
        if entry != "*" and try_parse_arn(entry) is None:
            raise InputError(
                f"resource `{entry}` is not an ARN (`arn:partition:service:region:account:"
                "resource`, wildcards allowed) or `*`",
                location="--resources",
            )
    for entry in actions:
        if entry != "*" and not _ACTION_SHAPE.fullmatch(entry):
            raise InputError(
                f"action `{entry}` is not `service:Action` (IAM User Guide, "
                "reference_policies_elements_action: `iam:PassRole`, `s3:Get*`)",
                location="--actions",
            )
    expanded, unknown = _expand_actions(actions, catalog)
    known = _proper_names(catalog)
    unlisted = [
        entry
        for entry in actions
        if entry in unknown
        or ("*" not in entry and "?" not in entry and entry.lower() not in known)
    ]
    asked_actions = [*expanded, *unknown]
    warnings = (
        *(_unlisted_warning(entry, known) for entry in unlisted),
        *(
            _unfit_warning(resource, actions)
            for resource in dict.fromkeys(resources)
            if not any(catalog.fits_resource_type(resource, a) is not False for a in asked_actions)
        ),
    )
    targets = tuple(resources) or ("*",)
    if policy.kind is PolicyKind.RESOURCE:
        owner = _first_free(_OWNER_CHOICES, _named_accounts((policy,)))
        other = _first_free(_OTHER_CHOICES, _named_accounts((policy,)) | {owner})
        asked = [(p, owner) for p in _principals((policy,), other)]
        policies = PolicySet(identity=(OUTSIDE_IDENTITY,), resource=policy)
    else:
        asked = [(f"arn:aws:iam::{ACCOUNT}:role/{_PROBE_NAME}", ACCOUNT)]
        policies = PolicySet(identity=(policy,), resource=_DELEGATION)
    # INVARIANT: the check is of the document, not of one request: every condition key the
    # policy reads is undecided (a clause that can hold makes the access granted)
    undecided_keys = frozenset(c.key for s in policy.statements for c in s.conditions)
    by_grant: dict[tuple[str, str, StatementRef | None, tuple[str, ...]], list[str]] = {}
    for principal, account in asked:
        for resource in targets:
            request = Request(
                principal=principal,
                action="*",
                resource=resource,
                resource_account=account,
                unknown_keys=undecided_keys,
            )
            answers = evaluate_actions(request, policies, asked_actions, catalog=catalog)
            for action, answer in answers.items():
                if answer.decision is not Decision.ALLOWED:
                    continue
                # an action the catalogue gives no ARN format (None) may apply to any
                if catalog.fits_resource_type(resource, action) is False:
                    continue
                ref = _granting(answer, policy.kind)
                shown = principal if policy.kind is PolicyKind.RESOURCE else ""
                key = (resource, shown, ref, _conditions(answer))
                by_grant.setdefault(key, []).append(action)
    reasons = tuple(
        CheckReason(
            description=(
                (f"`{ref.pointer}` grants " if ref else "the policy grants ")
                + f"{_count(granted)} on `{resource}`"
                + (f" to `{shown}`" if shown else "")
                + (" if its conditions hold" if conditions else "")
            ),
            actions=tuple(sorted(set(granted))),
            resource=resource,
            principal=shown,
            statement=ref,
            conditions=conditions,
        )
        for (resource, shown, ref, conditions), granted in sorted(
            by_grant.items(), key=lambda item: (item[0][0], item[0][1], str(item[0][2]))
        )
    )
    if reasons:
        return CustomCheckResult(
            check=CheckName.ACCESS_NOT_GRANTED,
            outcome=CheckOutcome.FAIL,
            message="the policy grants some of the access",
            reasons=reasons,
            policy=policy.name,
            warnings=warnings,
        )
    return CustomCheckResult(
        check=CheckName.ACCESS_NOT_GRANTED,
        outcome=CheckOutcome.PASS,
        message=f"the policy grants {_none_of([*expanded, *unknown])}",
        policy=policy.name,
        warnings=warnings,
    )


# -- no public access -------------------------------------------------------------------------

PUBLIC_RESOURCE_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "AWS::ApiGateway::RestApi": "arn:aws:execute-api:us-east-1:{a}:a1b2c3d4e5/prod/GET/items",
        "AWS::Backup::BackupVault": "arn:aws:backup:us-east-1:{a}:backup-vault:{n}",
        "AWS::CloudTrail::Dashboard": "arn:aws:cloudtrail:us-east-1:{a}:dashboard/{n}",
        "AWS::CloudTrail::EventDataStore": "arn:aws:cloudtrail:us-east-1:{a}:eventdatastore/{n}",
        "AWS::CodeArtifact::Domain": "arn:aws:codeartifact:us-east-1:{a}:domain/{n}",
        "AWS::DynamoDB::Stream": (
            "arn:aws:dynamodb:us-east-1:{a}:table/{n}/stream/2024-01-01T00:00:00.000"
        ),
        "AWS::DynamoDB::Table": "arn:aws:dynamodb:us-east-1:{a}:table/{n}",
        "AWS::EFS::FileSystem": (
            "arn:aws:elasticfilesystem:us-east-1:{a}:file-system/fs-0123456789abcdef0"
        ),
        "AWS::IAM::AssumeRolePolicyDocument": "arn:aws:iam::{a}:role/{n}",
        "AWS::KMS::Key": "arn:aws:kms:us-east-1:{a}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "AWS::Kinesis::Stream": "arn:aws:kinesis:us-east-1:{a}:stream/{n}",
        "AWS::Kinesis::StreamConsumer": (
            "arn:aws:kinesis:us-east-1:{a}:stream/{n}/consumer/{n}:1700000000"
        ),
        "AWS::Lambda::Function": "arn:aws:lambda:us-east-1:{a}:function:{n}",
        "AWS::OpenSearchService::Domain": "arn:aws:es:us-east-1:{a}:domain/{n}",
        "AWS::S3::AccessPoint": "arn:aws:s3:us-east-1:{a}:accesspoint/{n}",
        "AWS::S3::Bucket": "arn:aws:s3:::{n}",
        "AWS::S3::Glacier": "arn:aws:glacier:us-east-1:{a}:vaults/{n}",
        "AWS::S3Express::AccessPoint": (
            "arn:aws:s3express:us-east-1:{a}:accesspoint/{n}--use1-az4--xa-s3"
        ),
        "AWS::S3Express::DirectoryBucket": (
            "arn:aws:s3express:us-east-1:{a}:bucket/{n}--use1-az4--x-s3"
        ),
        "AWS::S3Outposts::AccessPoint": (
            "arn:aws:s3-outposts:us-east-1:{a}:outpost/op-01ac5d28a6a232904/accesspoint/{n}"
        ),
        "AWS::S3Outposts::Bucket": (
            "arn:aws:s3-outposts:us-east-1:{a}:outpost/op-01ac5d28a6a232904/bucket/{n}"
        ),
        "AWS::S3Tables::Table": (
            "arn:aws:s3tables:us-east-1:{a}:bucket/{n}/table/0123456789abcdef0123456789abcdef"
        ),
        "AWS::S3Tables::TableBucket": "arn:aws:s3tables:us-east-1:{a}:bucket/{n}",
        "AWS::SNS::Topic": "arn:aws:sns:us-east-1:{a}:{n}",
        "AWS::SQS::Queue": "arn:aws:sqs:us-east-1:{a}:{n}",
        "AWS::SecretsManager::Secret": "arn:aws:secretsmanager:us-east-1:{a}:secret:{n}-AbCdEf",
    }
)
"""The resource types CheckNoPublicAccess accepts (Access Analyzer API Reference,
API_CheckNoPublicAccess: `resourceType` valid values), each with the ARN of a resource of
that type to ask about (`{a}` the account, `{n}` a name)"""


def _resources_of_type(policy: Policy, resource_type: str, owner: str) -> list[str]:
    """Resources of `resource_type` to ask about: those the policy names by a full ARN of
    the type's service (a bucket for an S3 object), and one of the type in `owner`"""
    example = PUBLIC_RESOURCE_TYPES[resource_type].format(a=owner, n=_PROBE_NAME)
    service = example.split(":")[2]
    found: dict[str, None] = {}
    for statement in policy.statements:
        for value in statement.resource or ():
            if resource_type == "AWS::S3::Bucket":
                value = value.split("/", 1)[0]  # a bucket, for its objects too
            arn = try_parse_arn(value)
            if arn is None or arn.service != service or "*" in value or "?" in value:
                continue
            found[value] = None
    found[example] = None
    return list(found)[:10]


def _is_public(grant: ExposureGrant, resource: str) -> bool:
    """Whether an exposure grant reaches a principal of an arbitrary account (Access
    Analyzer's notion of public: API Reference API_CheckNoPublicAccess)

    Anonymous callers and principals of any account (a wildcard-account `aws:PrincipalArn`
    or `aws:PrincipalAccount` included) are public; so is a service acting for an account
    outside the zone (its `aws:SourceArn` / `aws:SourceAccount` narrowing left open; not on
    a role: a service assumes a role only when the account passes it to one), and a
    web identity provider anyone may sign in to (Google, Facebook, Amazon, Cognito, any
    OIDC provider) when no condition on the token's subject (`…:sub`; for Cognito the
    identity pool, `…:aud`) names who: a wildcard subject (`repo:*` for GitHub) names
    nobody (`policy.federation.is_narrowed`; IAM User Guide,
    id_roles_providers_oidc_secure-by-default: an `aud` alone is shared by every user)."""
    kind = grant.outsider.kind
    if kind in (OutsiderKind.ANONYMOUS, OutsiderKind.ANY_ACCOUNT):
        return True
    if kind is OutsiderKind.SERVICE:
        arn = try_parse_arn(resource)
        return arn is None or arn.service != "iam"
    if kind is not OutsiderKind.FEDERATED:
        return False
    provider = web_identity_provider(grant.outsider.principal)
    if provider is None:
        return False  # a SAML provider: its users are the organisation's own
    if not any(a.lower().startswith("sts:assumerolewithwebidentity") for a in grant.actions):
        return False
    return not is_narrowed(provider, grant.conditions)


def _named_resource(policy: Policy, ref: StatementRef | None, asked: str) -> str:
    """The resource pattern(s) the granting statement names (`arn:aws:s3:::b1/*`, not the
    bucket asked about), or the resource asked when it names none (a trust policy)"""
    if ref is None or ref.index >= len(policy.statements):
        return asked
    statement = policy.statements[ref.index]
    if statement.resource:
        return ", ".join(statement.resource)
    if statement.not_resource:
        return "every resource but " + ", ".join(statement.not_resource)
    return asked


def _resource_account(policy: Policy) -> str:
    """The account an `aws:ResourceAccount` condition names (the first), or """ ""
    for statement in policy.statements:
        for condition in statement.conditions:
            if condition.key.lower() == "aws:resourceaccount":
                for value in condition.values:
                    if value.isdigit() and len(value) == 12:
                        return value
    return ""


def check_no_public_access(
    policy: Policy, resource_type: str, *, catalog: Catalog
) -> CustomCheckResult:
    """Whether resource policy `policy` grants public access to a resource of
    `resource_type` (Access Analyzer's CheckNoPublicAccess, API Reference
    API_CheckNoPublicAccess: PASS when the policy does not grant public access)

    Decided by the external-access analysis (`exposure.grants.decide_grants`) for a resource
    of the type (each one the policy names by ARN, and an example): access for an
    anonymous caller, a principal of any AWS account (a wildcard-account `aws:PrincipalArn`,
    any VPC endpoint), a service acting for any account or anyone signing in to a public web
    identity provider (`_is_public`), unconditional or under conditions the caller controls,
    is public. A resource whose ARN has no account (S3) is in the account an
    `aws:ResourceAccount` condition names. S3 Block Public Access is not applied (the check
    is of the document). Types are Access Analyzer's (`PUBLIC_RESOURCE_TYPES`).

    Raises:
        InputError: an unsupported resource type; a statement without `Principal` or
            `NotPrincipal` (an identity policy).
    """
    if resource_type not in PUBLIC_RESOURCE_TYPES:
        raise InputError(
            f"resource type `{resource_type}` is not one Access Analyzer checks: "
            + ", ".join(sorted(PUBLIC_RESOURCE_TYPES))
        )
    for statement in policy.statements:
        if statement.principal is None and statement.not_principal is None:
            raise InputError(
                "the statement names no `Principal`: a resource policy says whom it grants "
                "to (an identity policy cannot be checked for public access)",
                location=statement.pointer,
            )
    # INVARIANT: the resource asked about is in one made-up account whatever the policy
    # names (the first of `_OWNER_CHOICES` it does not), so reasons name one account
    fallback = _first_free(_OWNER_CHOICES, _named_accounts((policy,)))
    # INVARIANT: an ARN without an account (S3 buckets) is in the account the policy's
    # `aws:ResourceAccount` condition names, never a made-up one: there it always holds
    fallback = _resource_account(policy) or fallback
    resources = _resources_of_type(policy, resource_type, fallback)
    reasons: dict[tuple[str, StatementRef | None, tuple[str, ...]], set[str]] = {}
    names = _proper_names(catalog)
    for resource in resources:
        arn = try_parse_arn(resource)
        owner = arn.account if arn is not None and arn.account.isdigit() else fallback
        zone = ZoneOfTrust(zone=Zone.ACCOUNT, account_id=owner)
        grants, _ = decide_grants(policy, resource, zone, catalog)
        for grant in grants:
            if not _is_public(grant, resource):
                continue
            conditions = tuple(
                sorted({_clause_text(c.operator, c.key, c.values) for c in grant.conditions})
            )
            for ref in grant.statements or (None,):
                shown = _named_resource(policy, ref, resource)
                reasons.setdefault((shown, ref, conditions), set()).update(
                    names.get(a.lower(), a) for a in grant.actions
                )
    found = tuple(
        CheckReason(
            description=(
                (f"`{ref.pointer}` " if ref else "the policy ")
                + f"grants {_count(sorted(actions))} on `{resource}` to anyone"
                + (" who meets its conditions" if conditions else "")
            ),
            actions=tuple(sorted(actions)),
            resource=resource,
            principal="*",
            statement=ref,
            conditions=conditions,
        )
        for (resource, ref, conditions), actions in sorted(
            reasons.items(), key=lambda item: (item[0][0], str(item[0][1]))
        )
    )
    if found:
        return CustomCheckResult(
            check=CheckName.NO_PUBLIC_ACCESS,
            outcome=CheckOutcome.FAIL,
            message=f"the policy grants public access to a resource of type `{resource_type}`",
            reasons=found,
            policy=policy.name,
        )
    return CustomCheckResult(
        check=CheckName.NO_PUBLIC_ACCESS,
        outcome=CheckOutcome.PASS,
        message=f"the policy grants no public access to a resource of type `{resource_type}`",
        policy=policy.name,
    )
