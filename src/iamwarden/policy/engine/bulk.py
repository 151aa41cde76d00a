"""One request asked of many resources at once: which of these ARNs are allowed

Owns the bulk query the analyses need ("for this principal's policy set and this action,
which of these resource ARNs are allowed"); it decides nothing itself. For a resource
without wildcards the decision depends on the resource only through which of the plan's
resource-dependent statements match it, its account, whether AWS requires a resource-policy
grant for it (`special.needs_resource_grant`) and whether a guardrail refuses it
(`special.guardrail`). Resources alike in all of these are decided once, by the authorizer
itself, for one representative: the answer is the same Evaluation `evaluate` gives each.
Statement matches against a `ResourceList` are computed once per compiled statement (shared
by every policy set holding the policy) and kept as bit masks over the list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Final

from iamwarden.policy.arn import try_parse_arn
from iamwarden.policy.catalog import Catalog
from iamwarden.policy.conditions import Missing, Rendered, render, render_glob, rendered_text
from iamwarden.policy.engine.authorizer import SPECIAL, _decide, _resource_account, owning_account
from iamwarden.policy.engine.compiled import Stmt
from iamwarden.policy.engine.context import Context
from iamwarden.policy.engine.matching import static_resource_hit
from iamwarden.policy.engine.model import Evaluation, PolicySet, Request
from iamwarden.policy.engine.plans import Plan, compile_set
from iamwarden.policy.engine.principals import parse_principal
from iamwarden.policy.engine.special import (
    ROLE_ACTIONS,
    guardrail,
    needs_resource_grant,
    owned_roles,
    owner_service,
)

__all__ = [
    "ResourceClass",
    "ResourceList",
    "allowed_resources",
    "evaluate_resources",
    "shared_key",
]


def _mask(flags: Iterable[bool], size: int) -> int:
    """The bit mask of `flags` (bit i set when the i-th flag is true)"""
    bits = "".join("1" if flag else "0" for flag in flags)
    return int(bits[::-1], 2) if size else 0


def _indexes(mask: int) -> Iterator[int]:
    """The positions of the set bits of `mask`, in increasing order"""
    bits = bin(mask)[:1:-1]
    found = bits.find("1")
    while found >= 0:
        yield found
        found = bits.find("1", found + 1)


class ResourceList:
    """Resource ARNs asked about together, with what the engine needs of each

    Statement matches (by compiled statement, so shared between the principals whose
    policy sets hold the same policy), accounts and the per-action special cases are
    computed once per list and kept as bit masks. Build one list per set of targets and
    reuse it for every principal and action. Wildcard entries are allowed and decided one
    by one (a wildcard resource asks about some resource it matches).
    """

    __slots__ = ("_accounts", "_hits", "_special", "arns", "index", "wildcards")

    def __init__(self, arns: Iterable[str]) -> None:
        self.arns: tuple[str, ...] = tuple(arns)
        self.index: dict[str, int] = {}
        """Position of each ARN (the first one, for repeats)"""
        for i, arn in enumerate(self.arns):
            self.index.setdefault(arn, i)
        size = len(self.arns)
        self.wildcards = _mask(("*" in a or "?" in a for a in self.arns), size)
        """Mask of the entries with a wildcard"""
        accounts: dict[str | None, list[bool]] = {}
        for i, arn in enumerate(self.arns):
            parsed = try_parse_arn(arn)
            account = owning_account(parsed.account) if parsed is not None else None
            accounts.setdefault(account, [False] * size)[i] = True
        self._accounts = {account: _mask(flags, size) for account, flags in accounts.items()}
        self._hits: dict[Stmt, int] = {}
        self._special: dict[str, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self.arns)

    @property
    def full(self) -> int:
        """The mask of every entry"""
        return (1 << len(self.arns)) - 1

    def accounts(self) -> dict[str | None, int]:
        """Entries by the account their ARN names (None: no concrete account)"""
        return self._accounts

    def hits(self, stmt: Stmt) -> int:
        """Mask of the entries `stmt`'s `Resource` / `NotResource` entries without
        variables match (before negation)"""
        found = self._hits.get(stmt)
        if found is None:
            found = _mask((static_resource_hit(stmt, arn) for arn in self.arns), len(self.arns))
            self._hits[stmt] = found
        return found

    def special(self, action: str) -> tuple[int, ...]:
        """Masks splitting the entries by the rules of lowercased `action` that depend on
        the resource: a required resource-policy grant, and which guardrail refuses it"""
        found = self._special.get(action)
        if found is None:
            masks: list[int] = []
            size = len(self.arns)
            if action in ROLE_ACTIONS or action.startswith("kms:"):
                masks.append(_mask((needs_resource_grant(action, a) for a in self.arns), size))
            if action in SPECIAL:
                # the owning service decides who is spared: one class per rule and owner
                rules: dict[tuple[str, str | None], list[bool]] = {}
                for i, arn in enumerate(self.arns):
                    rule = guardrail(action, arn)
                    if rule is not None:
                        owner = owner_service(arn)
                        rules.setdefault((rule.name, owner), [False] * size)[i] = True
                masks.extend(_mask(flags, size) for flags in rules.values())
            found = tuple(masks)
            self._special[action] = found
        return found

    def rendered_hits(self, rendered: Rendered) -> int:
        """Mask of the entries a `Resource` entry with its variables substituted matches
        (substituted text is literal, the template's own `*` and `?` are wildcards)"""
        if all(literal or ("*" not in text and "?" not in text) for text, literal in rendered):
            exact = rendered_text(rendered)
            if exact not in self.index:
                return 0
            return _mask((arn == exact for arn in self.arns), len(self.arns))
        regex = render_glob(rendered)
        return _mask((regex.fullmatch(arn) is not None for arn in self.arns), len(self.arns))


@dataclass(frozen=True, slots=True)
class ResourceClass:
    """Entries of a `ResourceList` the engine decides alike, with that decision"""

    evaluation: Evaluation
    mask: int
    """Bit i set for the i-th entry of the list"""

    def indexes(self) -> Iterator[int]:
        """Positions of the entries in the list, in order"""
        return _indexes(self.mask)

    @property
    def is_allowed(self) -> bool:
        """Whether the class's decision is ALLOWED (possibly conditional)"""
        return self.evaluation.is_allowed


_ONE_BY_ONE: Final = 1
"""Lists this short are decided entry by entry (a class costs more than a decision)"""


def _refine(blocks: list[int], mask: int) -> list[int]:
    if not mask:
        return blocks
    refined: list[int] = []
    for block in blocks:
        inside = block & mask
        if inside and inside != block:
            refined.append(inside)
            refined.append(block & ~mask)
        else:
            refined.append(block)
    return refined


def evaluate_resources(
    request: Request,
    policies: PolicySet,
    resources: ResourceList | Sequence[str],
    *,
    catalog: Catalog | None = None,
) -> tuple[ResourceClass, ...]:
    """Decide `request` on each of `resources` (its own `resource` is ignored), in bulk

    Returns classes of the list's entries, each with the Evaluation `evaluate` gives every
    entry of it (the same object for all), covering the list once, in order of their first
    entry. A non-wildcard action is decided once per class of resources alike for the
    policy set (the same matching statements, account, resource-grant rule and guardrail:
    IAM User Guide, "Policy evaluation logic"); a wildcard action or resource entry is
    decided entry by entry. Uses the compiled set's memo as `evaluate` does.

    Raises:
        InputError: the principal is not an ARN, an account id, a service or `*`.
    """
    listed = resources if isinstance(resources, ResourceList) else ResourceList(resources)
    compiled = compile_set(policies)
    key = request.action.lower()
    arns = listed.arns
    if not arns:
        return ()
    one_by_one = listed.wildcards
    if "*" in key or "?" in key or len(arns) <= _ONE_BY_ONE:
        one_by_one = listed.full
    blocks = [listed.full & ~one_by_one] if one_by_one != listed.full else []
    if blocks:
        plan = compiled.plans.get(key) or compiled.plan(key)
        principal = parse_principal(request.principal)
        fixed_account = request.resource_account
        by_account: list[tuple[str | None, int]] = []
        if fixed_account:
            by_account.append((fixed_account, listed.full))
        else:
            for account, mask in listed.accounts().items():
                by_account.append((account or principal.account, mask))
        for _, mask in by_account:
            blocks = _refine(blocks, mask)
        for mask in listed.special(plan.action):
            blocks = _refine(blocks, mask)
        for stmt in plan.resource_dependent:
            blocks = _refine(blocks, listed.hits(stmt))
            for account, mask in by_account if stmt.res_templates else ():
                ctx = Context(request, principal, account, None)
                for template in stmt.res_templates:
                    got = render(template, ctx.single)
                    if not isinstance(got, Missing):
                        blocks = _refine(blocks, listed.rendered_hits(got) & mask)
    classes: list[ResourceClass] = []
    for block in blocks:
        first = (block & -block).bit_length() - 1
        asked = replace(request, resource=arns[first])
        classes.append(ResourceClass(_decide(compiled, asked, catalog, False), block))
    for i in _indexes(one_by_one):
        asked = replace(request, resource=arns[i])
        classes.append(ResourceClass(_decide(compiled, asked, catalog, False), 1 << i))
    classes.sort(key=lambda c: c.mask & -c.mask)
    return tuple(classes)


def allowed_resources(
    request: Request,
    policies: PolicySet,
    resources: ResourceList | Sequence[str],
    *,
    catalog: Catalog | None = None,
) -> list[tuple[str, Evaluation]]:
    """The entries of `resources` on which `request` is allowed, in list order, each with
    its Evaluation (see `evaluate_resources`)

    Raises:
        InputError: the principal is not an ARN, an account id, a service or `*`.
    """
    listed = resources if isinstance(resources, ResourceList) else ResourceList(resources)
    found = [
        (i, c.evaluation)
        for c in evaluate_resources(request, policies, listed, catalog=catalog)
        if c.is_allowed
        for i in c.indexes()
    ]
    found.sort(key=lambda pair: pair[0])
    return [(listed.arns[i], evaluation) for i, evaluation in found]


def _statements_key(plan: Plan) -> tuple[object, ...]:
    """The plan's statements by group (compiled statements are shared by content, so
    equal policies give the same objects)"""
    groups = (*plan.scp, *plan.rcp, plan.resource, plan.identity, plan.boundary, plan.session)
    return tuple((g.slot, g.allows, g.denies) for g in groups)


def shared_key(request: Request, policies: PolicySet) -> tuple[object, ...] | None:
    """A key that requests of different principals share when their decisions are equal,
    or None when the decision may depend on who asks in ways the key does not hold

    For a non-wildcard action without a resource policy (whose `Principal` names someone)
    and without policy variables in the statements that apply to it, the decision depends
    on the principal only through its type, account, service-linked and role flags and
    the values of the condition keys those statements read: with the statements (shared
    by policy content), the policy set's flags, the action and the resource, two requests
    with the same key get equal Evaluations (reasons, notes and all). Analyses use it to
    decide once for every principal whose policies for the action are the same.

    Raises:
        InputError: the principal is not an ARN, an account id, a service or `*`.
    """
    action = request.action.lower()
    if policies.resource is not None or "*" in action or "?" in action:
        return None
    plan = compile_set(policies).plan(action)
    principal = parse_principal(request.principal)
    resource_account = _resource_account(request, principal)
    read: list[tuple[str, object]] = []
    if not plan.is_static:
        ctx = Context(request, principal, resource_account, None)
        groups = (*plan.scp, *plan.rcp, plan.identity, plan.boundary, plan.session)
        for group in groups:
            for stmt in (*group.allows, *group.denies):
                if stmt.res_templates:
                    return None
                for clause in stmt.clauses:
                    if clause.templates is not None:
                        return None
                    read.append((clause.key, ctx.values(clause.key)))
    return (
        _statements_key(plan),
        policies.permissions_boundary is None,
        policies.session is None,
        policies.scps is None,
        policies.rcps is None,
        policies.is_management_account,
        policies.requires_resource_grant,
        action,
        request.resource,
        resource_account,
        request.every_resource,
        principal.type,
        principal.account,
        principal.is_service_linked,
        owned_roles(principal),
        principal.is_direct_role,
        tuple(read),
    )
