"""Who did it: the principal each CloudTrail record is attributed to

A role session rolls up to its role (the session issuer's ARN, path included; from the
assumed-role ARN when the record has no session context) and keeps its session name; an IAM
user, the root user and a federated user are their own ARN; a call an AWS service made is
attributed to the service (`invokedBy`); another account to its id; web identity and SAML
users to their principal id. The access key id is stored beside it (`access_key_id`).

This module holds the attribution as SQL expressions over one record (`r`) and the queries
that list principals; it reads no files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from iamwarden.activity.store import ActivityStore

__all__ = ["PrincipalActivity", "PrincipalKind", "attribution_sql", "list_principals"]


class PrincipalKind(Enum):
    """What kind of principal made a call (values as stored in `principal_kind`)"""

    USER = "user"
    ROLE = "role"
    ROOT = "root"
    FEDERATED = "federated"
    SERVICE = "service"
    ACCOUNT = "account"
    WEB_IDENTITY = "web-identity"
    SAML = "saml"
    IDENTITY_CENTER = "identity-center"
    UNKNOWN = "unknown"


_KINDS = {
    "AssumedRole": PrincipalKind.ROLE,
    "Role": PrincipalKind.ROLE,
    "IAMUser": PrincipalKind.USER,
    "Root": PrincipalKind.ROOT,
    "FederatedUser": PrincipalKind.FEDERATED,
    "AWSService": PrincipalKind.SERVICE,
    "AWSAccount": PrincipalKind.ACCOUNT,
    "WebIdentityUser": PrincipalKind.WEB_IDENTITY,
    "SAMLUser": PrincipalKind.SAML,
    "IdentityCenterUser": PrincipalKind.IDENTITY_CENTER,
}


def attribution_sql(record: str = "r") -> dict[str, str]:
    """SQL expressions over a record struct named `record` for the derived columns
    `principal_arn`, `principal_kind` and `session_name`"""
    ident = f"{record}.userIdentity"
    kind_cases = " ".join(f"WHEN '{t}' THEN '{k.value}'" for t, k in _KINDS.items())
    role_from_session = (
        f"regexp_replace({ident}.arn, "
        r"'^arn:([^:]+):sts::([0-9]+):assumed-role/([^/]+)/.*$', 'arn:\1:iam::\2:role/\3')"
    )
    return {
        "principal_arn": f"""CASE
            WHEN {ident}.type IN ('AssumedRole', 'Role')
                THEN coalesce({ident}.sessionContext.sessionIssuer.arn, {role_from_session})
            WHEN {ident}.type = 'AWSService' THEN {ident}.invokedBy
            WHEN {ident}.type = 'AWSAccount' THEN {ident}.accountId
            WHEN {ident}.type IN ('WebIdentityUser', 'SAMLUser', 'IdentityCenterUser')
                THEN coalesce({ident}.arn, {ident}.principalId)
            ELSE coalesce({ident}.arn, {ident}.principalId, {ident}.invokedBy)
        END""",
        "principal_kind": f"CASE {ident}.type {kind_cases} ELSE 'unknown' END",
        "session_name": f"""CASE
            WHEN {ident}.type = 'AssumedRole'
                THEN nullif(regexp_extract({ident}.arn, 'assumed-role/[^/]+/(.+)$', 1), '')
            WHEN {ident}.type = 'FederatedUser'
                THEN nullif(regexp_extract({ident}.arn, 'federated-user/(.+)$', 1), '')
        END""",
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class PrincipalActivity:
    """One principal's recorded calls: counts, time span (UTC), access keys and sessions"""

    principal_arn: str
    kind: PrincipalKind
    events: int
    errors: int
    first_seen: datetime
    last_seen: datetime
    access_keys: tuple[str, ...]
    sessions: int


def list_principals(store: ActivityStore) -> tuple[PrincipalActivity, ...]:
    """Every principal in the store with its activity, most events first (then by ARN)"""
    rows = store.connection.execute(
        """
        SELECT principal_arn, any_value(principal_kind), count(*),
               count(error_code), min(event_time), max(event_time),
               list_sort(list_distinct(list(access_key_id))),
               count(DISTINCT session_name)
        FROM events WHERE principal_arn IS NOT NULL
        GROUP BY principal_arn ORDER BY count(*) DESC, principal_arn
        """
    ).fetchall()
    return tuple(
        PrincipalActivity(
            principal_arn=arn,
            kind=PrincipalKind(kind),
            events=events,
            errors=errors,
            first_seen=first,
            last_seen=last,
            access_keys=tuple(k for k in keys if k),
            sessions=sessions,
        )
        for arn, kind, events, errors, first, last, keys, sessions in rows
    )
