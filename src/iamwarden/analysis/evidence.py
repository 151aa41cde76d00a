"""Evidence and message helpers: engine answers and dates as plain, JSON-ready values, and
counts with their noun in the right number (`counted`, re-exported from `iamwarden.text`)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from iamwarden.policy import ConditionRef, Evaluation, StatementRef
from iamwarden.text import counted

__all__ = [
    "counted",
    "days_between",
    "iso",
    "only_under",
    "statement_refs",
    "undecided_conditions",
]


def iso(moment: datetime | None) -> str | None:
    """An ISO 8601 timestamp, or `None`"""
    return moment.isoformat() if moment is not None else None


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole days from `earlier` to `later`"""
    return (later - earlier).days


def statement_refs(
    evaluation: Evaluation | tuple[StatementRef, ...] | None,
) -> list[dict[str, Any]]:
    """The statements that decided `evaluation` (none without one), or the statements given,
    as plain data"""
    if evaluation is None:
        return []
    refs = evaluation.reasons if isinstance(evaluation, Evaluation) else evaluation
    return [
        {
            "kind": ref.kind.value,
            "policy": ref.policy,
            "index": ref.index,
            "sid": ref.sid,
            "pointer": ref.pointer,
        }
        for ref in refs
    ]


def undecided_conditions(
    evaluation: Evaluation | tuple[ConditionRef, ...] | None,
) -> list[dict[str, Any]]:
    """The conditions a decision depends on ("allowed only if …"), as plain data: those of
    `evaluation`, or the clauses given"""
    if evaluation is None:
        return []
    clauses = evaluation.undecided if isinstance(evaluation, Evaluation) else evaluation
    return [
        {
            "operator": cond.operator,
            "key": cond.key,
            "values": list(cond.values),
            "must_hold": cond.must_hold,
        }
        for cond in clauses
    ]


_NEGATED = {
    "StringEquals": "StringNotEquals",
    "StringLike": "StringNotLike",
    "StringEqualsIgnoreCase": "StringNotEqualsIgnoreCase",
    "IpAddress": "NotIpAddress",
    "ArnEquals": "ArnNotEquals",
    "ArnLike": "ArnNotLike",
    "NumericEquals": "NumericNotEquals",
    "NumericLessThan": "NumericGreaterThanEquals",
    "NumericLessThanEquals": "NumericGreaterThan",
    "DateEquals": "DateNotEquals",
    "DateLessThan": "DateGreaterThanEquals",
    "DateLessThanEquals": "DateGreaterThan",
}
_NEGATED.update({negated: plain for plain, negated in list(_NEGATED.items())})
_BOOLEANS = {"true": "false", "false": "true"}
_VERBS = {
    "StringEquals": "is",
    "StringNotEquals": "is not",
    "StringEqualsIgnoreCase": "is",
    "StringNotEqualsIgnoreCase": "is not",
    "StringLike": "matches",
    "StringNotLike": "does not match",
    "ArnEquals": "is",
    "ArnNotEquals": "is not",
    "ArnLike": "matches",
    "ArnNotLike": "does not match",
    "IpAddress": "is in",
    "NotIpAddress": "is not in",
    "NumericEquals": "=",
    "NumericNotEquals": "≠",
    "NumericLessThan": "<",
    "NumericLessThanEquals": "≤",
    "NumericGreaterThan": ">",
    "NumericGreaterThanEquals": "≥",
    "DateEquals": "is",
    "DateNotEquals": "is not",
    "DateLessThan": "is before",
    "DateLessThanEquals": "is at or before",
    "DateGreaterThan": "is after",
    "DateGreaterThanEquals": "is at or after",
    "Bool": "is",
}
_BEFORE = ("DateLessThan", "DateLessThanEquals", "NumericLessThan", "NumericLessThanEquals")
_AFTER = (
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
)


def _either(values: tuple[str, ...]) -> str:
    return " or ".join(values)


def _clause_phrase(cond: ConditionRef, *, holds: bool) -> str:
    """One clause as a phrase, in the sense it must resolve (`holds` False: negated)"""
    operator = cond.operator.removesuffix("IfExists")
    values = cond.values
    if ":" in operator:  # ForAnyValue: / ForAllValues: on a multivalued key
        sense = "" if holds else "not "
        return f"only if {sense}{cond.operator} {cond.key} [{', '.join(values)}]"
    if not holds:
        if operator in ("Bool", "Null") and len(values) == 1 and values[0].lower() in _BOOLEANS:
            values = (_BOOLEANS[values[0].lower()],)
        elif operator in _NEGATED:
            operator = _NEGATED[operator]
        else:
            return f"unless {cond.operator} {cond.key} [{', '.join(values)}]"
    key = cond.key.lower()
    flag = values[0].lower() if len(values) == 1 else ""
    positive = "Not" not in operator
    if key == "aws:requestedregion" and operator.startswith("String"):
        return f"in {_either(values)} only" if positive else f"outside {_either(values)}"
    if key in ("aws:sourceip", "aws:vpcsourceip") and operator.endswith("IpAddress"):
        return f"only from {_either(values)}" if positive else f"not from {_either(values)}"
    if operator == "Bool" and flag in _BOOLEANS:
        yes = flag == "true"
        if key == "aws:securetransport":
            return "only over TLS" if yes else "only without TLS"
        if key == "aws:multifactorauthpresent":
            return "only with MFA" if yes else "only without MFA"
        if key == "aws:viaawsservice":
            return "only through an AWS service" if yes else "only when called directly"
    if operator == "Null" and flag in _BOOLEANS:
        return f"only without {cond.key}" if flag == "true" else f"only with {cond.key}"
    if key in ("aws:currenttime", "aws:epochtime") and operator in _BEFORE:
        return f"only before {_either(values)}"
    if key in ("aws:currenttime", "aws:epochtime") and operator in _AFTER:
        return f"only after {_either(values)}"
    verb = _VERBS.get(operator)
    if verb is None:
        return f"only if {operator} {cond.key} [{', '.join(values)}]"
    return f"only if {cond.key} {verb} {_either(values)}"


def only_under(clauses: tuple[ConditionRef, ...]) -> str:
    """The undecided clauses of a decision as one phrase (`in eu-west-1 only`, `only over
    TLS`, `only from 203.0.113.0/24`); empty when there are none

    Clauses of one Allow statement must all hold (`and`); those of one Deny statement must not
    all hold, so one of them is negated (`or`). Statements are joined with `and`.
    """
    groups: dict[StatementRef, list[ConditionRef]] = {}
    for cond in clauses:
        groups.setdefault(cond.statement, []).append(cond)
    phrases: list[str] = []
    for group in groups.values():
        holds = group[0].must_hold
        parts = list(dict.fromkeys(_clause_phrase(c, holds=holds) for c in group))
        phrase = (" and " if holds else " or ").join(parts)
        if phrase not in phrases:
            phrases.append(phrase)
    return " and ".join(phrases)
