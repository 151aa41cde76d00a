"""Three-valued combination of partial results (true, false, true only if clauses hold)"""

from __future__ import annotations

from typing import Final, NamedTuple

from iamwarden.policy.document import PolicyKind
from iamwarden.policy.engine.model import ConditionRef, StatementRef

FALSE, TRUE, MAYBE = 0, 1, 2


class Tri(NamedTuple):
    state: int
    refs: tuple[StatementRef, ...] = ()
    clauses: tuple[ConditionRef, ...] = ()
    kind: PolicyKind | None = None


YES: Final = Tri(TRUE)
NO: Final = {kind: Tri(FALSE, kind=kind) for kind in PolicyKind}
NO_NONE: Final = Tri(FALSE)
NO_SCP: Final = NO[PolicyKind.SCP]
NO_RCP: Final = NO[PolicyKind.RCP]
NO_RESOURCE: Final = NO[PolicyKind.RESOURCE]
NO_IDENTITY: Final = NO[PolicyKind.IDENTITY]
NO_BOUNDARY: Final = NO[PolicyKind.PERMISSIONS_BOUNDARY]
NO_SESSION: Final = NO[PolicyKind.SESSION]


def no_for(kind: PolicyKind | None) -> Tri:
    return NO_NONE if kind is None else NO[kind]


def all_of(*parts: Tri) -> Tri:
    state = TRUE
    for part in parts:
        if part.state == FALSE:
            return part
        if part.state == MAYBE:
            state = MAYBE
    if len(parts) == 1:
        return parts[0]
    refs = tuple(r for p in parts for r in p.refs)
    clauses = tuple(c for p in parts for c in p.clauses) if state == MAYBE else ()
    return Tri(state, refs, clauses)


def any_of(kind: PolicyKind | None, *parts: Tri) -> Tri:
    trues = [p for p in parts if p.state == TRUE]
    if trues:
        return trues[0] if len(trues) == 1 else Tri(TRUE, tuple(r for p in trues for r in p.refs))
    maybes = [p for p in parts if p.state == MAYBE]
    if maybes:
        return min(maybes, key=lambda p: len(p.clauses))
    if kind is not None:
        return no_for(kind)
    falses = [p for p in parts if p.kind is not None]
    return no_for(falses[0].kind if falses else None)
