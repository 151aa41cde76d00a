"""Edges by taking another user's credentials: access keys (iam-002, iam-003) and console
passwords (iam-004, iam-006)

The snapshot says how many keys a user has (a third cannot be created: iam-003 deletes one
first), whether it has a console password (CreateLoginProfile only where it has none,
UpdateLoginProfile only where it has one) and whether it has MFA (a password alone then
does not sign in). Each request is the engine's, on the user's ARN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from iamwarden.analysis.escalation.asking import Asker, Targets, emit, target_context
from iamwarden.analysis.escalation.model import Edge, Fan
from iamwarden.snapshot import Role, User

__all__ = ["credential_edges"]

_MAX_KEYS = 2
_PASSWORD_TECHNIQUES = (
    # action, technique, whether the user must have a password, note while that is unknown
    (
        "iam:CreateLoginProfile",
        "iam-004",
        False,
        "if the user has no console password (not collected)",
    ),
    (
        "iam:UpdateLoginProfile",
        "iam-006",
        True,
        "if the user has a console password (not collected)",
    ),
)
_PASSWORDS = tuple(action for action, *_ in _PASSWORD_TECHNIQUES)


def _made(
    asker: Asker,
    source: User | Role,
    technique: str,
    actions: tuple[str, ...],
    note: str,
    by_arn: dict[str, User],
) -> Callable[[str], Edge | None]:
    """The edge of `technique` from `source` to a user, its actions decided again"""

    def make(target: str) -> Edge | None:
        user = by_arn.get(target)
        if user is None:
            return None
        found = asker.ask_all(
            source, [(a, user.arn) for a in actions], context=target_context(user)
        )
        if found is None:
            return None
        unknown = note if user.has_console_password is None else ""
        return Edge(
            source=source.arn,
            target=user.arn,
            technique=technique,
            actions=actions,
            decisions=found,
            note=unknown,
        )

    return make


def _allowed(asker: Asker, source: User | Role, users: Targets, action: str) -> dict[str, bool]:
    """The users on which the engine allows `source` `action` (bulk), with conditionality"""
    found: dict[str, bool] = {}
    if asker.may(source, action):
        for context, listed in users.groups:
            found.update(asker.allowed(source, action, listed, context=context))
    return found


def credential_edges(asker: Asker) -> Iterator[Edge | Fan]:
    """iam-002/003 (access keys) and iam-004/006 (console password) to every other user,
    each action asked in bulk over the users for each source"""
    snapshot = asker.snapshot
    users = Targets(snapshot.users)
    by_arn = {u.arn: u for u in snapshot.users}
    for source in snapshot.principals():
        if not asker.own(source).is_complete:
            continue

        keys = _allowed(asker, source, users, "iam:CreateAccessKey")
        room = {a: c for a, c in keys.items() if len(by_arn[a].access_keys) < _MAX_KEYS}
        yield from emit(
            source.arn,
            "iam-002",
            room,
            _made(asker, source, "iam-002", ("iam:CreateAccessKey",), "", by_arn),
        )
        full = {a: c for a, c in keys.items() if a not in room}
        if full:
            deleted = _allowed(asker, source, users, "iam:DeleteAccessKey")
            both = {a: c or deleted[a] for a, c in full.items() if a in deleted}
            actions = ("iam:CreateAccessKey", "iam:DeleteAccessKey")
            yield from emit(
                source.arn, "iam-003", both, _made(asker, source, "iam-003", actions, "", by_arn)
            )
        for action, technique, needed, unknown_note in _PASSWORD_TECHNIQUES:
            usable = {
                a: c
                for a, c in _allowed(asker, source, users, action).items()
                if not by_arn[a].mfa_devices and by_arn[a].has_console_password is not (not needed)
            }
            make = _made(asker, source, technique, (action,), unknown_note, by_arn)
            yield from emit(source.arn, technique, usable, make)
