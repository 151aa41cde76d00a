"""The conditions a rule may add to its pattern, and the deciding of those that need only the
event (`event_condition`); the snapshot condition is decided in `activity.rules.alerts`

This module reads no file and imports nothing of iamwarden's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from typing import Any

__all__ = ["ConditionKind", "event_condition"]


class ConditionKind(Enum):
    """A condition a rule's pattern cannot express, decided after the pattern matched

    Event conditions are decided from the record alone; snapshot conditions need the account
    model (`activity.rules.conditions.SnapshotContext`) and are NOT_ASSESSED without it.
    """

    TARGET_IS_OTHER_USER = "target_is_other_user"
    """`requestParameters.userName` names a user other than the caller"""
    TRUSTS_OUTSIDE_ACCOUNT = "trusts_outside_account"
    """the role trust policy written (`requestParameters.policyDocument` or
    `assumeRolePolicyDocument`) lets an account other than the recipient, or anyone, assume"""
    TARGET_IS_ADMIN = "target_is_admin"
    """the affected principal (`requestParameters.userName`/`roleName`, else the caller) is
    admin-equivalent in the snapshot (allowed `*` on `*`)"""

    @property
    def needs_snapshot(self) -> bool:
        """Whether deciding it needs the account model"""
        return self is ConditionKind.TARGET_IS_ADMIN


def _principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, Mapping):
        return []
    found = principal.get("AWS", [])
    values = found if isinstance(found, list) else [found]
    return [v for v in values if isinstance(v, str)]


def _trusts_outside(record: Mapping[str, Any]) -> bool:
    params = record.get("requestParameters")
    if not isinstance(params, Mapping):
        return False
    text = params.get("policyDocument") or params.get("assumeRolePolicyDocument")
    try:
        document = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return False
    if not isinstance(document, Mapping):
        return False
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    own = record.get("recipientAccountId")
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        for principal in _principals(statement):
            if principal == "*":
                return True
            # an account id alone, or the account field of an ARN
            fields = principal.split(":")
            account = principal if principal.isdigit() else (fields[4] if len(fields) > 4 else "")
            if account and account != own:
                return True
    return False


def _other_user(record: Mapping[str, Any]) -> bool:
    params = record.get("requestParameters")
    target = params.get("userName") if isinstance(params, Mapping) else None
    if not isinstance(target, str):
        return False  # no userName: the caller acts on itself
    identity = record.get("userIdentity")
    identity = identity if isinstance(identity, Mapping) else {}
    return not (identity.get("type") == "IAMUser" and identity.get("userName") == target)


def event_condition(kind: ConditionKind, record: Mapping[str, Any]) -> bool | None:
    """Whether an event condition holds for a CloudTrail record; None for a snapshot
    condition (it cannot be decided from the event)"""
    if kind is ConditionKind.TARGET_IS_OTHER_USER:
        return _other_user(record)
    if kind is ConditionKind.TRUSTS_OUTSIDE_ACCOUNT:
        return _trusts_outside(record)
    return None
