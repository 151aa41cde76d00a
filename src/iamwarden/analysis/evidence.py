"""Evidence helpers: turn engine answers and dates into plain, JSON-ready values"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from iamwarden.policy import Evaluation

__all__ = ["days_between", "iso", "statement_refs", "undecided_conditions"]


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
