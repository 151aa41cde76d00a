"""Edges by taking another user's credentials: access keys (iam-002, iam-003) and console
passwords (iam-004, iam-006)

The snapshot says how many keys a user has (a third cannot be created: iam-003 deletes one
first), whether it has a console password (CreateLoginProfile only where it has none,
UpdateLoginProfile only where it has one) and whether it has MFA (a password alone then
does not sign in). Each request is the engine's, on the user's ARN.
"""

from __future__ import annotations

from collections.abc import Iterator

from iamwarden.analysis.escalation.asking import Asker, target_context
from iamwarden.analysis.escalation.model import Edge

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


def credential_edges(asker: Asker) -> Iterator[Edge]:
    """iam-002/003 (access keys) and iam-004/006 (console password) to every other user"""
    snapshot = asker.snapshot
    sources = [
        p
        for p in snapshot.principals()
        if asker.own(p).is_complete
        and any(asker.may(p, a) for a in ("iam:CreateAccessKey", *_PASSWORDS))
    ]
    for user in snapshot.users:
        context = target_context(user)
        for source in sources:
            if source.arn == user.arn:
                continue
            key = asker.ask(source, "iam:CreateAccessKey", user.arn, context=context)
            if key is not None:
                if len(user.access_keys) < _MAX_KEYS:
                    yield Edge(
                        source=source.arn,
                        target=user.arn,
                        technique="iam-002",
                        actions=("iam:CreateAccessKey",),
                        decisions=(key,),
                    )
                else:
                    delete = asker.ask(source, "iam:DeleteAccessKey", user.arn, context=context)
                    if delete is not None:
                        yield Edge(
                            source=source.arn,
                            target=user.arn,
                            technique="iam-003",
                            actions=("iam:CreateAccessKey", "iam:DeleteAccessKey"),
                            decisions=(key, delete),
                        )
            if user.mfa_devices:
                continue  # a password alone does not sign in a user with MFA
            for action, technique, needed, unknown_note in _PASSWORD_TECHNIQUES:
                if user.has_console_password is (not needed):
                    continue
                decision = asker.ask(source, action, user.arn, context=context)
                if decision is not None:
                    yield Edge(
                        source=source.arn,
                        target=user.arn,
                        technique=technique,
                        actions=(action,),
                        decisions=(decision,),
                        note="" if user.has_console_password is needed else unknown_note,
                    )
