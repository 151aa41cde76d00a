"""Statements compared with each other: redundant ones and Allows a Deny shadows

A statement is redundant when another statement of the same effect, principal and
conditions (or none) covers every action and resource it names; an Allow is shadowed when
an unconditional Deny of the same policy covers every action and resource it names. Actions are
compared as the catalogue actions they cover (`s3:Get*` covers `s3:GetObject`), resources
with the engine's wildcard algebra (`engine.globs.globs_cover`: `arn:aws:s3:::b/*` covers
`arn:aws:s3:::b/logs/*`). Statements with `NotAction`, `NotResource` or `NotPrincipal` are
left alone (their complements are not compared).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from iamwarden.policy.catalog import Catalog
from iamwarden.policy.document import Effect, Statement
from iamwarden.policy.engine.globs import globs_cover
from iamwarden.policy.lint.checks import covered_actions, diagnostic, known_actions
from iamwarden.policy.lint.codes import Diagnostic

__all__ = ["statement_overlaps"]

_MAX_WILDCARDS = 1
_MAX_COMPARED = 200
"""Policies with more statements are not compared pairwise (a quadratic search)"""


def _comparable(statement: Statement) -> bool:
    return (
        statement.action is not None
        and statement.resource is not None
        and statement.not_principal is None
    )


def _covers(outer: Statement, inner: Statement, catalog: Catalog) -> bool:
    """Whether `outer` covers every catalogue action and every resource `inner` names"""
    inner_actions = known_actions(catalog, inner.action or ())
    if inner_actions is None:
        return False  # an action the catalogue does not know is compared by nobody
    if not inner_actions <= covered_actions(catalog, outer.action or ()):
        return False
    outer_resources = outer.resource or ()
    return all(_covered(outer_resources, r) for r in inner.resource or ())


def _covered(outer: tuple[str, ...], inner: str) -> bool:
    """`globs_cover`, after the cheap answers: `*`, the same text, or no outer pattern whose
    text before its first wildcard fits the inner pattern's"""
    if "*" in outer or inner in outer:
        return True
    head = _literal_head(inner)
    candidates = [
        p for p in outer if head.startswith(_literal_head(p)) or _literal_head(p).startswith(head)
    ]
    if any(p.endswith("*") and _wildcards(p) == 1 and head.startswith(p[:-1]) for p in candidates):
        return True  # `prefix*` covers whatever starts with the prefix
    # INVARIANT: the automaton search is exponential in the wildcards; beyond a few, a pair
    # is not compared (never reported), which keeps the check sound and fast
    if _wildcards(inner) > _MAX_WILDCARDS or any(
        _wildcards(p) > _MAX_WILDCARDS for p in candidates
    ):
        return False
    return bool(candidates) and globs_cover(candidates, inner)


def _wildcards(pattern: str) -> int:
    return pattern.count("*") + pattern.count("?")


def _literal_head(pattern: str) -> str:
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    return pattern[:cut]


def statement_overlaps(statements: Sequence[Statement], catalog: Catalog) -> Iterator[Diagnostic]:
    """`redundant_statement` and `shadowed_statement` diagnostics, in statement order"""
    candidates = [s for s in statements if _comparable(s)]
    if len(candidates) < 2 or len(candidates) > _MAX_COMPARED:
        return
    for inner in candidates:
        for outer in candidates:
            if outer is inner:
                continue
            if (
                outer.effect is Effect.DENY
                and inner.effect is Effect.ALLOW
                and not outer.conditions
                and outer.principal in (None, inner.principal)
                and _covers(outer, inner, catalog)
            ):
                yield diagnostic(
                    "shadowed_statement",
                    inner.pointer,
                    f"the Deny of {_name(outer)} always overrides this Allow: it covers "
                    "every action and resource the Allow names",
                )
                break
            if (
                outer.effect is inner.effect
                and outer.principal == inner.principal
                and outer.conditions == inner.conditions
                and _covers(outer, inner, catalog)
                and not (_covers(inner, outer, catalog) and outer.index > inner.index)
            ):
                yield diagnostic(
                    "redundant_statement",
                    inner.pointer,
                    f"{_name(outer)} already {_verb(inner)} "
                    "every action and resource this statement names (same principal and "
                    "conditions)",
                )
                break


def _verb(statement: Statement) -> str:
    return "allows" if statement.effect is Effect.ALLOW else "denies"


def _name(statement: Statement) -> str:
    return f"`{statement.pointer}`" + (f" ({statement.sid})" if statement.sid else "")
