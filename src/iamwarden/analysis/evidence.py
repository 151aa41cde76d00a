"""Evidence and message helpers: engine answers and dates as plain, JSON-ready values, and
counts with their noun in the right number"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from iamwarden.policy import Evaluation

__all__ = ["counted", "days_between", "iso", "statement_refs", "undecided_conditions"]


def counted(count: int, noun: str, plural: str = "") -> str:
    """`1 policy`, `2 policies`: the count and `noun`, plural (`plural`, else `noun` + s)
    unless the count is one"""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def iso(moment: datetime | None) -> str | None:
    """An ISO 8601 timestamp, or `None`"""
    return moment.isoformat() if moment is not None else None


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole days from `earlier` to `later`"""
    return (later - earlier).days


def statement_refs(evaluation: Evaluation | None) -> list[dict[str, Any]]:
    """The statements that decided `evaluation` (none without one), as plain data"""
    if evaluation is None:
        return []
    return [
        {
            "kind": ref.kind.value,
            "policy": ref.policy,
            "index": ref.index,
            "sid": ref.sid,
            "pointer": ref.pointer,
        }
        for ref in evaluation.reasons
    ]


def undecided_conditions(evaluation: Evaluation | None) -> list[dict[str, Any]]:
    """The conditions the decision depends on ("allowed only if …"), as plain data"""
    if evaluation is None:
        return []
    return [
        {
            "operator": cond.operator,
            "key": cond.key,
            "values": list(cond.values),
            "must_hold": cond.must_hold,
        }
        for cond in evaluation.undecided
    ]
