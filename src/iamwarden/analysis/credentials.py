"""One view of each user's credentials, from the credential report or the user records.

The credential report is what CIS audits, so it wins when collected; key ids come from the
user records when a key's creation time matches. `None` means "not known", never "none".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from iamwarden.snapshot import (
    AccessKey,
    CredentialReportRow,
    DataSet,
    Snapshot,
    User,
)

__all__ = ["KeyFacts", "UserCredentials", "access_key_arn", "user_credentials"]


def access_key_arn(user_arn: str, key_id: str) -> str:
    """The identifier findings use for an access key (`<user arn>/accesskey/<key id>`)"""
    return f"{user_arn}/accesskey/{key_id}"


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyFacts:
    """One access key: its id (or report slot), state and dates"""

    id: str
    is_active: bool
    created: datetime | None = None
    last_used: datetime | None = None
    is_usage_known: bool = True
    """Whether `last_used` of `None` means "never used" (the credential report says so)"""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserCredentials:
    """What is known of one user's password, MFA and keys; `unknown_because` says why
    something is not known (`no row in the credential report`)"""

    name: str
    arn: str
    created: datetime | None = None
    has_password: bool | None = None
    password_last_used: datetime | None = None
    has_mfa: bool | None = None
    keys: tuple[KeyFacts, ...] | None = None
    unknown_because: str = ""


def _slot(row: CredentialReportRow, slot: int, user: User | None) -> KeyFacts | None:
    active = row.access_key_1_active if slot == 1 else row.access_key_2_active
    rotated = row.access_key_1_last_rotated if slot == 1 else row.access_key_2_last_rotated
    used = row.access_key_1_last_used_date if slot == 1 else row.access_key_2_last_used_date
    if rotated is None and not active:
        return None
    known: AccessKey | None = None
    if user is not None:
        known = next((k for k in user.access_keys if k.created == rotated), None)
    return KeyFacts(
        id=known.id if known else f"access_key_{slot}",
        is_active=active,
        created=rotated,
        last_used=used,
    )


def _from_row(row: CredentialReportRow, user: User | None) -> UserCredentials:
    keys = tuple(k for k in (_slot(row, 1, user), _slot(row, 2, user)) if k is not None)
    return UserCredentials(
        name=row.user,
        arn=row.arn,
        created=row.user_creation_time,
        has_password=row.password_enabled,
        password_last_used=row.password_last_used,
        has_mfa=row.mfa_active,
        keys=keys,
    )


def _from_user(user: User, unknown_because: str) -> UserCredentials:
    return UserCredentials(
        name=user.name,
        arn=user.arn,
        created=user.created,
        has_password=user.has_console_password,
        password_last_used=user.password_last_used,
        has_mfa=True if user.mfa_devices else None,
        keys=tuple(
            KeyFacts(
                id=k.id,
                is_active=k.is_active,
                created=k.created,
                last_used=k.last_used,
                is_usage_known=k.last_used is not None,
            )
            for k in user.access_keys
        )
        or None,
        unknown_because=unknown_because,
    )


def user_credentials(snapshot: Snapshot) -> tuple[UserCredentials, ...]:
    """Every IAM user's credentials (root excluded), sorted by ARN

    A user without a row in a collected credential report is known only from the user
    records: whatever they do not give is `None` (not known), with the reason.
    """
    users = {u.arn: u for u in snapshot.users}
    report = snapshot.credential_report if snapshot.has(DataSet.CREDENTIAL_REPORT) else None
    found: dict[str, UserCredentials] = {}
    if report is not None:
        for row in report.rows:
            if not row.is_root:
                found[row.arn] = _from_row(row, users.get(row.arn))
    reason = "no row in the credential report" if report is not None else ""
    for arn, user in users.items():
        if arn not in found:
            found[arn] = _from_user(user, reason)
    return tuple(found[arn] for arn in sorted(found))
