"""Investigate a leaked access key (or a user or role) across every account in the activity
store: the credentials it minted, followed recursively; a timeline of every call made with any
of them; breakdowns; denied calls; persistence and privilege actions with what they created;
and the ordered response plan with its AWS CLI commands

Credentials are followed the way CloudTrail links them (CloudTrail User Guide, "CloudTrail
userIdentity element"): a successful AssumeRole, AssumeRoleWithSAML,
AssumeRoleWithWebIdentity, GetSessionToken or GetFederationToken made with a followed
credential returns `responseElements.credentials.accessKeyId` (an ASIA… key) and, for roles and
federated users, `assumedRoleUser.arn` / `federatedUser.arn`; the calls made with that key, or
by that session ARN while the credentials were valid (`durationSeconds`, else the API's
documented default), are the session's own calls; a call is linked by session ARN only when it
carries no key, or a key no minting call in the store returned and not a long-term (AKIA…) one:
session names such as `ci` are reused, so a call made with another recorded credential belongs
to that credential. A CreateAccessKey's new key is followed too, and so is the user a
CreateLoginProfile or UpdateLoginProfile gave a console password (its ConsoleLogin and the
console session's calls, which carry the user's ARN; IAM User Guide, "Managing passwords for
IAM users").
The expansion runs round by round in SQL over the `events` table until no new credential
appears (a credential seen once is never followed again: the cycle guard).

Secrets never leave this module: only named fields of the records are read
(`activity.persistence`), never a session token or secret key.

This module queries the store and decides nothing about policies.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from iamwarden.activity.calls import window
from iamwarden.activity.persistence import TACTICS, Flagged, flag, normalise_event_name
from iamwarden.activity.store import ActivityStore

__all__ = [
    "DENIED_ERROR_CODES",
    "MINTING_EVENTS",
    "Breakdown",
    "Credential",
    "Investigation",
    "PlanStep",
    "TimelineEvent",
    "investigate",
    "one_line",
]

MINTING_EVENTS: dict[str, timedelta] = {
    "AssumeRole": timedelta(hours=1),
    "AssumeRoleWithSAML": timedelta(hours=1),
    "AssumeRoleWithWebIdentity": timedelta(hours=1),
    "GetSessionToken": timedelta(hours=12),
    "GetFederationToken": timedelta(hours=12),
}
"""STS operations that mint temporary credentials, with the validity AWS gives them when the
request names no `durationSeconds` (AWS STS API Reference of each operation)"""

DENIED_ERROR_CODES: tuple[str, ...] = (
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Client.UnauthorizedOperation",
    "UnauthorizedAccess",
    "Forbidden",
)
"""errorCode values of a call refused for want of permission, as the services record them"""

_SKEW = timedelta(minutes=5)
_LOGIN_EVENTS = ("CreateLoginProfile", "UpdateLoginProfile")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_DIMENSIONS = {
    "account": "recipient_account_id",
    "region": "aws_region",
    "source_ip": "source_ip_address",
    "user_agent": "user_agent",
    "error_code": "error_code",
    "event": "event_source || ' ' || event_name",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Credential:
    """A credential followed: an access key id and/or a session ARN (or, for the seed of
    `--principal`, the principal's ARN), how it was obtained and from which credential

    `minted_by` is the event name that minted it ("" for the seed), `minted_at` its time
    (naive UTC), `valid_until` the end of its validity (session ARN matches only up to then),
    `depth` 0 for the seed, 1 for what the seed minted, and so on.
    """

    access_key_id: str | None
    session_arn: str | None
    principal_arn: str | None
    minted_by: str
    minted_at: datetime | None
    valid_until: datetime | None
    parent: str
    account: str | None
    depth: int

    @property
    def label(self) -> str:
        """The key id, else the session or principal ARN"""
        return self.access_key_id or self.session_arn or self.principal_arn or "?"


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEvent:
    """One call of the timeline (time naive UTC); `credential` is the label of the followed
    credential it was made with, `flagged` set for a persistence or privilege action"""

    time: datetime
    event_id: str | None
    account: str | None
    region: str | None
    event_source: str
    event_name: str
    source_ip: str | None
    user_agent: str | None
    error_code: str | None
    access_key_id: str | None
    identity_arn: str | None
    credential: str
    depth: int
    is_denied: bool
    flagged: Flagged | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Breakdown:
    """Calls counted by one dimension: (value, calls, denied calls), most calls first"""

    dimension: str
    rows: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanStep:
    """One step of the response plan: a title, why, and the commands (AWS CLI)"""

    title: str
    why: str
    commands: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Investigation:
    """What a key or principal did (times naive UTC)

    `owners` are the IAM identities (ARNs) the seed key was used as (for a temporary key,
    its assumed-role session ARNs too); `since`/`until` the
    window (None: the whole history); `not_assessed` what the store cannot show: sessions
    minted into accounts it holds no events of (their calls there are missing, not absent).
    """

    subject: str
    kind: str
    since: datetime | None
    until: datetime | None
    owners: tuple[str, ...]
    credentials: tuple[Credential, ...]
    timeline: tuple[TimelineEvent, ...]
    breakdowns: tuple[Breakdown, ...]
    first_use: datetime | None
    last_use: datetime | None
    plan: tuple[PlanStep, ...]
    not_assessed: tuple[str, ...] = ()

    @property
    def denied(self) -> tuple[TimelineEvent, ...]:
        """Calls refused for want of permission (an attacker probing)"""
        return tuple(e for e in self.timeline if e.is_denied)

    @property
    def flagged(self) -> tuple[TimelineEvent, ...]:
        """Successful persistence, privilege and evasion actions"""
        return tuple(e for e in self.timeline if e.flagged is not None)


def _denied_sql(column: str = "error_code") -> str:
    codes = ", ".join(f"'{c}'" for c in DENIED_ERROR_CODES)
    return f"({column} IN ({codes}) OR {column} ILIKE '%AccessDenied%')"


_CREDS_DDL = """
CREATE OR REPLACE TEMP TABLE investigate_creds (
    label VARCHAR, access_key_id VARCHAR, session_arn VARCHAR, principal_arn VARCHAR,
    valid_from TIMESTAMP, valid_until TIMESTAMP, depth INTEGER
)"""

# the rows of `{table}` (`events`, or the minting calls) made with a followed credential (of
# `{creds}`), once each (the shallowest credential wins): only the join columns are read, so
# the scan stays narrow; the full rows are fetched by row id afterwards (ten times faster
# than joining whole rows)
_MATCHED_ROWS = """
SELECT event_row, label, depth FROM (
    SELECT e.{row} AS event_row, c.label, c.depth, e.event_time
    FROM {table} e JOIN {creds} c ON e.access_key_id = c.access_key_id
    UNION ALL
    SELECT e.{row}, c.label, c.depth, e.event_time FROM {table} e JOIN {creds} c
        ON e.identity_arn = c.session_arn
        AND e.event_time >= c.valid_from AND e.event_time < c.valid_until
        AND (e.access_key_id IS NULL OR (e.access_key_id NOT LIKE 'AKIA%'
            AND e.access_key_id NOT IN (SELECT key FROM investigate_known)))
    UNION ALL
    SELECT e.{row}, c.label, c.depth, e.event_time FROM {table} e JOIN {creds} c
        ON e.principal_arn = c.principal_arn
    UNION ALL
    SELECT e.{row}, c.label, c.depth, e.event_time FROM {table} e JOIN {creds} c
        ON e.identity_arn = c.principal_arn
)
WHERE event_time >= $since AND event_time < $until
QUALIFY row_number() OVER (PARTITION BY event_row ORDER BY depth, label) = 1
"""


def _insert(store: ActivityStore, creds: Sequence[Credential]) -> None:
    store.connection.executemany(
        "INSERT INTO investigate_creds VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                c.label,
                c.access_key_id,
                c.session_arn,
                c.principal_arn,
                (c.minted_at - _SKEW) if c.minted_at else None,
                c.valid_until or datetime(9999, 1, 1),
                c.depth,
            )
            for c in creds
        ],
    )


def _minted(
    store: ActivityStore, since: datetime, until: datetime, depth: int
) -> list[tuple[Any, ...]]:
    """Successful minting calls (and CreateAccessKey) made with credentials at `depth`"""
    rows = _MATCHED_ROWS.format(
        table="investigate_mints",
        row="event_row",
        creds="(SELECT * FROM investigate_creds WHERE depth = $depth)",
    )
    return store.connection.execute(
        f"""
        SELECT event_name, event_time, label, recipient_account_id, new_key, new_arn,
            created_key, duration, login_user, identity_arn
        FROM investigate_mints e JOIN ({rows}) m USING (event_row)
        ORDER BY event_time, event_id
        """,
        {"since": since, "until": until, "depth": depth},
    ).fetchall()


def _expand(
    store: ActivityStore, seed: Credential, since: datetime, until: datetime
) -> tuple[Credential, ...]:
    """The seed and every credential minted from it, recursively (cycle-guarded)"""
    store.connection.execute(_CREDS_DDL)
    names = ", ".join(f"'{n}'" for n in (*MINTING_EVENTS, "CreateAccessKey", *_LOGIN_EVENTS))
    minting = ", ".join(f"'{n}'" for n in MINTING_EVENTS)
    # every temporary key a minting call in the store returned (a call carrying one belongs
    # to that credential, not to whichever session shares its ARN)
    store.connection.execute(
        "CREATE OR REPLACE TEMP TABLE investigate_known AS SELECT DISTINCT key FROM ("
        "SELECT json_extract_string(response_elements, '$.credentials.accessKeyId') AS key "
        f"FROM events WHERE error_code IS NULL AND event_name IN ({minting})"
        ") WHERE key IS NOT NULL"
    )
    store.connection.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE investigate_mints AS
        SELECT rowid AS event_row, event_id, event_time, event_name, recipient_account_id,
            access_key_id, identity_arn, principal_arn,
            json_extract_string(response_elements, '$.credentials.accessKeyId') AS new_key,
            coalesce(json_extract_string(response_elements, '$.assumedRoleUser.arn'),
                     json_extract_string(response_elements, '$.federatedUser.arn')) AS new_arn,
            json_extract_string(response_elements, '$.accessKey.accessKeyId') AS created_key,
            TRY_CAST(json_extract_string(request_parameters, '$.durationSeconds') AS BIGINT)
                AS duration,
            json_extract_string(request_parameters, '$.userName') AS login_user
        FROM events
        WHERE error_code IS NULL AND event_name IN ({names})
            AND event_time >= $since AND event_time < $until
        """,
        {"since": since, "until": until},
    )
    found = [seed]
    seen = {seed.label}
    _insert(store, found)
    depth = 0
    while True:
        new: list[Credential] = []
        for name, at, parent, account, key, arn, created_key, seconds, login, caller in _minted(
            store, since, until, depth
        ):
            valid_until: datetime | None = None
            if name == "CreateAccessKey":
                key, arn, lifetime = created_key, None, None
            elif name in _LOGIN_EVENTS:
                # the console password is the attacker's until reset: follow the user's
                # console sessions (their calls carry the user's ARN) to the window's end
                key, lifetime, valid_until = None, None, until
                arn = f"arn:aws:iam::{account}:user/{login}" if login and account else None
                if not login and caller and ":user/" in caller:
                    arn = caller
            else:
                lifetime = timedelta(seconds=seconds) if seconds else MINTING_EVENTS[name]
            if not key and not arn:
                continue
            # INVARIANT: a key or session seen once is never followed again (cycle guard)
            if (key and key in seen) or (not key and arn in seen):
                continue
            credential = Credential(
                access_key_id=key,
                session_arn=arn,
                principal_arn=None,
                minted_by=name,
                minted_at=at,
                valid_until=(at + lifetime + _SKEW) if lifetime else valid_until,
                parent=parent,
                account=account,
                depth=depth + 1,
            )
            seen.update(x for x in (key, arn) if x)
            new.append(credential)
        if not new:
            return tuple(found)
        _insert(store, new)
        found.extend(new)
        depth += 1


def _parsed(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _user_name(arn: str | None) -> str | None:
    if arn and ":user/" in arn:
        return arn.rsplit("/", 1)[-1]
    return None


def _collect(store: ActivityStore, since: datetime, until: datetime) -> None:
    """Every matched event, once, into the temporary table `investigate_events` (the timeline
    and each breakdown read it instead of joining the store again)"""
    rows = _MATCHED_ROWS.format(table="events", row="rowid", creds="investigate_creds")
    store.connection.execute(
        "CREATE OR REPLACE TEMP TABLE investigate_events AS "
        f"SELECT m.event_row, m.label, m.depth, e.* FROM events e JOIN ({rows}) m "
        "ON e.rowid = m.event_row",
        {"since": since, "until": until},
    )


def _timeline(store: ActivityStore) -> list[TimelineEvent]:
    rows = store.connection.execute(
        f"""
        SELECT event_time, event_id, recipient_account_id, aws_region, event_source,
            event_name, source_ip_address, user_agent, error_code, access_key_id,
            identity_arn, label, depth, {_denied_sql()},
            CASE WHEN error_code IS NULL THEN request_parameters END,
            CASE WHEN error_code IS NULL THEN response_elements END
        FROM investigate_events
        ORDER BY event_time, event_id, event_row
        """
    ).fetchall()
    timeline = []
    for (
        time,
        event_id,
        account,
        region,
        source,
        name,
        ip,
        agent,
        error,
        key,
        arn,
        label,
        depth,
        is_denied,
        request,
        response,
    ) in rows:
        flagged = None
        if error is None and (source, normalise_event_name(name)) in TACTICS:
            flagged = flag(
                source,
                name,
                _parsed(request),
                _parsed(response),
                account=account or "",
                region=region or "",
                caller_user=_user_name(arn),
            )
        timeline.append(
            TimelineEvent(
                time=time,
                event_id=event_id,
                account=account,
                region=region,
                event_source=source,
                event_name=name,
                source_ip=ip,
                user_agent=agent,
                error_code=error,
                access_key_id=key,
                identity_arn=arn,
                credential=label,
                depth=depth,
                is_denied=bool(is_denied),
                flagged=flagged,
            )
        )
    return timeline


def _breakdowns(store: ActivityStore) -> tuple[Breakdown, ...]:
    found = []
    for dimension, column in _DIMENSIONS.items():
        rows = store.connection.execute(
            f"""
            SELECT coalesce({column}, '(none)') AS value, count(*) AS calls,
                count(*) FILTER (WHERE {_denied_sql()}) AS denied
            FROM investigate_events
            GROUP BY value ORDER BY calls DESC, value
            """
        ).fetchall()
        found.append(
            Breakdown(dimension=dimension, rows=tuple((v, int(c), int(d)) for v, c, d in rows))
        )
    return tuple(found)


def _q(value: str) -> str:
    return shlex.quote(value)


def _arn_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def _role_name(arn: str) -> str | None:
    if ":assumed-role/" in arn:
        return arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
    if ":role/" in arn:
        return arn.rsplit("/", 1)[-1]
    return None


def _revoke_policy(issued_before: datetime) -> str:
    """The inline policy AWS's console attaches to revoke a role's sessions (IAM User Guide,
    "Revoking IAM role temporary security credentials"), issued before `issued_before`"""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {
                    "DateLessThan": {"aws:TokenIssueTime": f"{issued_before:%Y-%m-%dT%H:%M:%SZ}"}
                },
            }
        ],
    }
    return json.dumps(document, separators=(",", ":"))


def one_line(text: str) -> str:
    """`text` with every control character (newline, carriage return, escape, C1, line and
    paragraph separators) written as a `\\uXXXX` escape: a value from a record cannot start a
    line of its own in a printed plan, where a shell would run it"""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# the order IAM accepts a user's deletion in (IAM User Guide, "Deleting an IAM user (AWS
# CLI)": DeleteConflict until policies, keys, login profile, MFA and groups are gone)
_DELETE_ORDER = (
    (re.compile(r"^aws \S+ (list|describe|get)-"), 0),
    (re.compile(r"^aws iam (detach-\S+-policy|delete-(user|role|group)-policy) "), 1),
    (re.compile(r"^aws iam (update|delete)-access-key "), 2),
    (re.compile(r"^aws iam delete-login-profile "), 3),
    (re.compile(r"^aws iam (deactivate-mfa-device|delete-virtual-mfa-device) "), 4),
    (re.compile(r"^aws iam remove-user-from-group "), 5),
    (re.compile(r"^aws iam delete-(user|role|policy|group) "), 7),
)


def _delete_rank(command: str) -> int:
    # anything else (restarting a trail, closing a share) comes straight after the look-ups
    return next((rank for pattern, rank in _DELETE_ORDER if pattern.match(command)), 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Parent:
    """The call that minted a temporary seed key: its event name, the key it was made with
    (None when the record has none), the caller's ARN and the account"""

    event_name: str
    access_key_id: str | None
    identity_arn: str | None
    account: str | None


def _parent(store: ActivityStore, key: str) -> _Parent | None:
    """The successful minting call that returned the temporary key `key`, whatever its time"""
    names = ", ".join(f"'{n}'" for n in MINTING_EVENTS)
    row = store.connection.execute(
        f"""
        SELECT event_name, access_key_id, identity_arn, recipient_account_id FROM events
        WHERE error_code IS NULL AND event_name IN ({names})
            AND json_extract_string(response_elements, '$.credentials.accessKeyId') = $key
        ORDER BY event_time LIMIT 1
        """,
        {"key": key},
    ).fetchone()
    if row is None:
        return None
    name, parent_key, arn, account = row
    return _Parent(event_name=name, access_key_id=parent_key, identity_arn=arn, account=account)


def _temporary_deactivation(
    subject: str,
    sessions: Sequence[str],
    parent: _Parent | None,
    policy: str,
) -> list[str]:
    """Temporary keys cannot be deactivated (IAM User Guide, "Revoking IAM role temporary
    security credentials"; "Disabling permissions for temporary security credentials"): deny
    the role's or user's sessions issued before now, and deactivate the long-term key that
    minted a GetSessionToken or GetFederationToken session"""
    commands: list[str] = []
    for arn in sorted({a for a in sessions if ":user/" in a}):
        commands.append(
            f"aws iam put-user-policy --user-name {_q(arn.rsplit('/', 1)[-1])} --policy-name "
            f"AWSRevokeOlderSessions --policy-document {_q(policy)}  # account "
            f"{_arn_account(arn)}, revokes {subject} and the user's other sessions"
        )
    if parent is None:
        return commands
    user = parent.identity_arn if parent.identity_arn and ":user/" in parent.identity_arn else None
    if parent.access_key_id and parent.access_key_id.startswith("AKIA"):
        if parent.event_name in ("GetSessionToken", "GetFederationToken") and user:
            commands.append(
                f"aws iam update-access-key --user-name {_q(user.rsplit('/', 1)[-1])} "
                f"--access-key-id {_q(parent.access_key_id)} --status Inactive  # account "
                f"{_arn_account(user)}, the long-term key whose {parent.event_name} minted "
                f"{subject}"
            )
        elif parent.identity_arn and parent.identity_arn.endswith(":root"):
            commands.append(
                f"aws iam update-access-key --access-key-id {_q(parent.access_key_id)} "
                f"--status Inactive  # the root user's key whose {parent.event_name} minted "
                f"{subject}"
            )
    return commands


def _plan(
    kind: str,
    subject: str,
    owners: Sequence[str],
    credentials: Sequence[Credential],
    timeline: Sequence[TimelineEvent],
    revoke_before: datetime,
    *,
    parent: _Parent | None = None,
    store_path: str | None = None,
) -> tuple[PlanStep, ...]:
    """The response plan, in AWS's order (IAM User Guide, "What to do if you suspect your AWS
    credentials are compromised"; AWS Security Incident Response Guide): deactivate, never
    delete first; review; rotate dependants; delete; move the workload to roles

    A temporary (ASIA…) seed is not deactivated (IAM cannot): its role's or user's older
    sessions are denied and, for GetSessionToken or GetFederationToken, the parent key
    (`parent`, the minting call when the store holds it) is deactivated. `store_path` is
    carried into the follow-up `iamwarden` commands (`--db`)."""
    users = sorted({u for u in owners if ":user/" in u})
    is_root = any(o.endswith(":root") for o in owners)
    temporary = kind == "access-key" and subject.startswith("ASIA")
    sessions = sorted({e.identity_arn for e in timeline if e.depth == 0 and e.identity_arn})
    # the key's user when the records name none (and it is not the root user's key)
    key_users = [] if temporary else (users or ([] if is_root else ["<user>"]))
    db = f" --db {_q(store_path)}" if store_path else ""
    policy = _revoke_policy(revoke_before)
    deactivate: list[str] = []
    if temporary:
        deactivate.extend(_temporary_deactivation(subject, sessions, parent, policy))
    elif kind == "access-key":
        if is_root:
            deactivate.append(
                f"aws iam update-access-key --access-key-id {_q(subject)} --status Inactive"
                "  # signed in as the root user"
            )
        for user in key_users:
            name = user.rsplit("/", 1)[-1]
            deactivate.append(
                f"aws iam update-access-key --user-name {_q(name)} --access-key-id "
                f"{_q(subject)} --status Inactive  # account {_arn_account(user) or '<account>'}"
            )
    elif ":user/" in subject:
        name = subject.rsplit("/", 1)[-1]
        keys = sorted({e.access_key_id for e in timeline if e.access_key_id and e.depth == 0})
        deactivate.append(f"aws iam list-access-keys --user-name {_q(name)}")
        deactivate.extend(
            f"aws iam update-access-key --user-name {_q(name)} --access-key-id {_q(k)} "
            "--status Inactive"
            for k in keys
            if k.startswith("AKIA")
        )
        deactivate.append(
            f"aws iam delete-login-profile --user-name {_q(name)}  # disables console sign-in"
        )
    # the sessions already minted outlive the key: deny tokens issued before now
    revoke_roles = sorted(
        {
            (_arn_account(c.session_arn), role)
            for c in credentials
            if c.depth > 0 and c.session_arn and (role := _role_name(c.session_arn))
        }
        | (
            {(_arn_account(subject), r)}
            if kind == "principal" and (r := _role_name(subject))
            else set()
        )
        | (
            {
                (_arn_account(a), r)
                for a in sessions
                if ":assumed-role/" in a and (r := _role_name(a))
            }
            if temporary
            else set()
        )
    )
    for account, role in revoke_roles:
        deactivate.append(
            f"aws iam put-role-policy --role-name {_q(role)} --policy-name "
            f"AWSRevokeOlderSessions --policy-document {_q(policy)}  # account {account}"
        )
    if any(c.minted_by in ("GetSessionToken", "GetFederationToken") for c in credentials):
        for user in key_users:
            name = user.rsplit("/", 1)[-1]
            deactivate.append(
                f"aws iam put-user-policy --user-name {_q(name)} --policy-name "
                f"AWSRevokeOlderSessions --policy-document {_q(policy)}"
            )
    created_keys = [e for e in timeline if e.event_name == "CreateAccessKey" and e.flagged]
    for event in created_keys:
        assert event.flagged is not None
        deactivate.append(event.flagged.undo[0])

    accounts = sorted({e.account for e in timeline if e.account})
    regions = sorted({e.region for e in timeline if e.region})
    review = [f"iamwarden activity investigate --{kind} {_q(subject)} --days 90{db}"]
    if temporary and parent is not None and parent.access_key_id:
        review.append(
            f"iamwarden activity investigate --access-key {_q(parent.access_key_id)} "
            f"--days 90{db}  # the credential whose {parent.event_name} minted {subject}"
        )
    if kind == "access-key":
        review.extend(
            "aws cloudtrail lookup-events --lookup-attributes "
            f"AttributeKey=AccessKeyId,AttributeValue={_q(subject)} --region {_q(region)}"
            for region in regions
        )
    else:
        review.extend(
            "aws cloudtrail lookup-events --lookup-attributes "
            f"AttributeKey=Username,AttributeValue={_q(subject.rsplit('/', 1)[-1])} "
            f"--region {_q(region)}"
            for region in regions
        )
    for account in accounts:
        review.append(
            f"aws iam generate-credential-report && aws iam get-credential-report"
            f"  # account {account}"
        )

    rotate: list[str] = []
    for user in users:
        name = user.rsplit("/", 1)[-1]
        rotate.append(f"aws iam create-access-key --user-name {_q(name)}  # only if still needed")
    rotate.append(
        "aws secretsmanager list-secrets  # secrets and parameters the key could read: rotate them"
    )

    remove: list[str] = []
    for event in timeline:
        if event.flagged is None:
            continue
        commands = event.flagged.undo
        if event.event_name == "CreateAccessKey":
            commands = commands[1:]
        remove.extend(
            f"{c}  # {event.flagged.description}, {event.time:%Y-%m-%d %H:%M} account "
            f"{event.account}"
            for c in commands
        )
    # a user's deletion fails (DeleteConflict) until its policies, keys, password, MFA and
    # groups are gone: stable, so each kind keeps the timeline's order
    remove.sort(key=_delete_rank)
    if kind == "access-key" and not temporary:
        if is_root:
            remove.append(
                f"aws iam delete-access-key --access-key-id {_q(subject)}"
                "  # signed in as the root user"
            )
        for user in key_users:
            name = user.rsplit("/", 1)[-1]
            remove.append(
                f"aws iam delete-access-key --user-name {_q(name)} --access-key-id {_q(subject)}"
            )

    # a role session's workload is the role: generate from what the role did
    roles = [
        f"arn:aws:iam::{_arn_account(a)}:role/{r}"
        for a in sessions
        if temporary and ":assumed-role/" in a and (r := _role_name(a))
    ]
    move = [
        f"iamwarden activity generate --principal {_q(owner)} --days 90{db}"
        for owner in sorted({*(o for o in owners if ":assumed-role/" not in o), *roles})
    ] or [f"iamwarden activity generate --principal <user-arn> --days 90{db}"]
    move.append(
        "aws iam create-role --role-name <workload-role> --assume-role-policy-document "
        "file://trust.json  # the workload assumes it instead of holding a key"
    )
    return (
        PlanStep(
            title="deactivate",
            why="make the key unusable now without destroying the forensic trail (never "
            "delete first); revoke the sessions it already minted, which outlive it",
            commands=tuple(map(one_line, deactivate)),
        ),
        PlanStep(
            title="review",
            why="every call in every account and region, and the credentials each account holds",
            commands=tuple(map(one_line, review)),
        ),
        PlanStep(
            title="rotate dependants",
            why="whatever used the key needs new credentials; secrets it could read are exposed",
            commands=tuple(map(one_line, rotate)),
        ),
        PlanStep(
            title="delete",
            why="remove what the attacker created, then the deactivated key",
            commands=tuple(map(one_line, remove)),
        ),
        PlanStep(
            title="move the workload to roles",
            why="temporary credentials from a role instead of a long-term key, with a policy "
            "generated from what the workload really does",
            commands=tuple(map(one_line, move)),
        ),
    )


def _missing_accounts(
    store: ActivityStore, credentials: Sequence[Credential], since: datetime, until: datetime
) -> tuple[str, ...]:
    """Sessions minted into an account whose trail the store does not hold while the session
    was valid (no event of that account from its minting to its expiry, within the window
    [`since`, `until`)): an event of the account a year away says nothing of the session"""
    found = []
    for credential in credentials:
        if not credential.session_arn:
            continue
        account = _arn_account(credential.session_arn)
        if not account:
            continue
        low = max(since, credential.minted_at - _SKEW) if credential.minted_at else since
        high = min(until, credential.valid_until) if credential.valid_until else until
        row = store.connection.execute(
            "SELECT count(*) FROM (SELECT 1 FROM events WHERE recipient_account_id = $a "
            "AND event_time >= $low AND event_time < $high LIMIT 1)",
            {"a": account, "low": low, "high": high},
        ).fetchone()
        if not row or not row[0]:
            found.append(
                f"account {account}: no events in the store; the calls of "
                f"{credential.session_arn} ({credential.label}) there are not assessed "
                "(ingest that account's trail)"
            )
    return tuple(found)


def investigate(
    store: ActivityStore,
    *,
    access_key: str | None = None,
    principal: str | None = None,
    days: int | None = 30,
    revoke_before: datetime | None = None,
    store_path: str | None = None,
) -> Investigation:
    """What `access_key` (or the user or role `principal`, by ARN) did in the last `days`
    days of the store (ending at its latest event; None: the whole history), across every
    account, with every credential it minted followed

    Exactly one of `access_key` and `principal` is given. The plan's revocation policies deny
    sessions issued before `revoke_before` (naive UTC; the CLI passes the current time),
    by default the end of the window. `store_path` is carried into the plan's follow-up
    `iamwarden` commands as `--db`. A temporary (ASIA…) key is revoked through its role's or
    user's sessions and its parent key; when the store holds no call that minted it, that is
    listed in `not_assessed`.

    Raises:
        ValueError: neither or both of `access_key` and `principal`.
    """
    if (access_key is None) == (principal is None):
        raise ValueError("give exactly one of access_key and principal")
    since, until = window(store, days)
    low, high = since or datetime(1, 1, 1), until or datetime(9999, 1, 1)
    seed = Credential(
        access_key_id=access_key,
        session_arn=None,
        principal_arn=principal,
        minted_by="",
        minted_at=None,
        valid_until=None,
        parent="",
        account=None,
        depth=0,
    )
    credentials = _expand(store, seed, low, high)
    _collect(store, low, high)
    timeline = _timeline(store)
    breakdowns = _breakdowns(store)
    owners = tuple(
        sorted(
            {
                e.identity_arn
                for e in timeline
                if e.depth == 0
                and e.identity_arn
                # a leaked temporary key belongs to its session: name it (role and session)
                and (
                    ":assumed-role/" not in e.identity_arn or (access_key or "").startswith("ASIA")
                )
            }
        )
    )
    if principal is not None and not owners:
        owners = (principal,)
    kind = "access-key" if access_key is not None else "principal"
    subject = access_key if access_key is not None else principal
    assert subject is not None
    store.connection.execute("DROP TABLE IF EXISTS investigate_creds")
    store.connection.execute("DROP TABLE IF EXISTS investigate_events")
    store.connection.execute("DROP TABLE IF EXISTS investigate_mints")
    store.connection.execute("DROP TABLE IF EXISTS investigate_known")
    not_assessed = list(_missing_accounts(store, credentials, low, high))
    parent = None
    if access_key is not None and access_key.startswith("ASIA") and timeline:
        parent = _parent(store, access_key)
        if parent is None:
            not_assessed.append(
                f"{access_key}: no call in the store minted this temporary key; its parent "
                "credential is not known and not assessed (ingest the trail of the account "
                "and day it was issued in)"
            )
    return Investigation(
        not_assessed=tuple(not_assessed),
        subject=subject,
        kind=kind,
        since=since,
        until=until,
        owners=owners,
        credentials=credentials,
        timeline=tuple(timeline),
        breakdowns=breakdowns,
        first_use=timeline[0].time if timeline else None,
        last_use=timeline[-1].time if timeline else None,
        plan=_plan(
            kind,
            subject,
            owners,
            credentials,
            timeline,
            revoke_before or until or timeline[-1].time,
            parent=parent,
            store_path=store_path,
        )
        if timeline
        else (),
    )
