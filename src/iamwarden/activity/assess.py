"""Unused access from the activity store as assessment findings (`iamwarden assess --activity`)

Four checks, over the last `days` days of the store's history (ending at its latest event):
roles and users with no recorded call, active access keys never used, console passwords with
no successful ConsoleLogin, and principals granted services (engine, effective permissions)
they never called. The store must cover the snapshot's account (an event whose
recipientAccountId is that account) and the whole window (its first event less than a day
after the window's start: a history of 90 calendar days covers 90 days); otherwise every
check is NOT_ASSESSED on the account, with the reason, and never a pass. The failing
findings name the command that generates a least-privilege policy from the same history.

This module computes findings and prints nothing; `with_activity_store` opens the store
read-only.
"""

from __future__ import annotations

import dataclasses
import shlex
from datetime import datetime, timedelta
from pathlib import Path

from iamwarden.activity.calls import calls_by_principal
from iamwarden.activity.mapping import load_mapper
from iamwarden.activity.store import ActivityStore, open_store
from iamwarden.activity.unused import unused_access, unused_credentials
from iamwarden.analysis.assessment import Assessment
from iamwarden.analysis.registry import CheckSpec, Remediation
from iamwarden.findings import Finding, Severity, Status
from iamwarden.policy import Catalog, load_catalog
from iamwarden.snapshot import Snapshot

__all__ = [
    "ACTIVITY_CHECKS",
    "activity_findings",
    "store_coverage",
    "with_activity",
    "with_activity_store",
]

_IAM_UNUSED = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html"
_LEAST = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
)
_GENERATE = "iamwarden activity generate --db STORE --principal ARN --days 90"

ACTIVITY_CHECKS: dict[str, CheckSpec] = {
    spec.id: spec
    for spec in (
        CheckSpec(
            id="activity_unused_principal",
            title="Roles and users with no recorded activity in the window",
            severity=Severity.MEDIUM,
            resource_type="Other",
            rationale="A principal nobody uses is standing access an attacker can use unseen.",
            remediation=Remediation(
                text="Confirm the principal is unneeded, then delete it.",
                command="aws iam delete-role --role-name NAME",
            ),
            group_title="{count} roles and users with no recorded activity",
            group_label="principals",
            references=(_IAM_UNUSED,),
        ),
        CheckSpec(
            id="activity_unused_access_key",
            title="Active access keys with no recorded use in the window",
            severity=Severity.MEDIUM,
            resource_type="AwsIamAccessKey",
            rationale="An unused long-term key can only leak; it does no work.",
            remediation=Remediation(
                text="Deactivate the key, then delete it once nothing breaks.",
                command="aws iam update-access-key --user-name NAME --access-key-id KEY "
                "--status Inactive",
            ),
            group_title="{count} active access keys never used in the window",
            group_label="access keys",
            references=(
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
            ),
        ),
        CheckSpec(
            id="activity_unused_password",
            title="Console passwords with no console sign-in in the window",
            severity=Severity.LOW,
            resource_type="AwsIamUser",
            rationale="A password nobody signs in with is a credential to guess or phish.",
            remediation=Remediation(
                text="Remove the user's console password.",
                command="aws iam delete-login-profile --user-name NAME",
            ),
            group_title="{count} console passwords unused in the window",
            group_label="users",
            references=(_IAM_UNUSED,),
        ),
        CheckSpec(
            id="activity_unused_services",
            title="Principals granted services they never called in the window",
            severity=Severity.MEDIUM,
            resource_type="Other",
            rationale="Permissions beyond what a principal uses widen what a stolen credential "
            "can do.",
            remediation=Remediation(
                text="Replace the principal's policies with one generated from its recorded "
                "calls (verified by the engine), after replaying it against the same history.",
                command=_GENERATE,
            ),
            group_title="{count} principals granted services they never used",
            group_label="principals",
            references=(_LEAST,),
        ),
    )
}
"""The activity checks by id"""


def store_coverage(
    store: ActivityStore, account: str, days: int
) -> tuple[datetime | None, datetime | None, str]:
    """(since, until, why not assessed: empty when the store covers account and window): the
    store must hold an event of `account` and its first event must be less than a day after
    the start of the last `days` days of its history"""
    row = store.connection.execute(
        "SELECT min(event_time), max(event_time), "
        "count(*) FILTER (WHERE coalesce(recipient_account_id, identity_account_id) = $a) "
        "FROM events",
        {"a": account},
    ).fetchone()
    first, latest, ours = row if row else (None, None, 0)
    if latest is None:
        return None, None, "the activity store holds no events"
    if not ours:
        return None, None, f"the activity store holds no event of account {account}"
    until = latest + timedelta(microseconds=1)
    try:
        since = until - timedelta(days=days)
    except OverflowError:  # more days than a date can count back: the whole history
        since = datetime.min
    if first - since >= timedelta(days=1):
        held = (latest.date() - first.date()).days + 1
        plural = "s" if held != 1 else ""
        return since, until, f"the activity store covers {held} day{plural}, not the {days} asked"
    return since, until, ""


def activity_findings(
    snapshot: Snapshot,
    store: ActivityStore,
    *,
    catalog: Catalog,
    days: int = 90,
    store_name: str = "STORE",
) -> tuple[Finding, ...]:
    """The activity checks' findings for `snapshot`'s account over the store's last `days`
    days; NOT_ASSESSED on the account (one per check) when the store does not cover it.
    `store_name` is the store's path as the generate command in the messages names it"""
    account = snapshot.account.id
    since, until, missing = store_coverage(store, account, days)
    account_arn = f"arn:aws:iam::{account}:root"
    if missing:
        return tuple(
            Finding(
                check_id=spec.id,
                resource_arn=account_arn,
                status=Status.NOT_ASSESSED,
                severity=spec.severity,
                message=missing,
                resource_type="AwsAccount",
            )
            for spec in ACTIVITY_CHECKS.values()
        )
    window = {"window_days": days, "since": str(since), "until": str(until)}
    found: list[Finding] = []
    kinds = {
        "role": "activity_unused_principal",
        "user": "activity_unused_principal",
        "access-key": "activity_unused_access_key",
        "password": "activity_unused_password",
    }
    for credential in unused_credentials(snapshot, store, since=since, until=until):
        spec = ACTIVITY_CHECKS[kinds[credential.kind]]
        key = credential.key_id
        what = f"access key {key}" if key else credential.kind
        found.append(
            Finding(
                check_id=spec.id,
                resource_arn=(
                    f"{credential.principal_arn}/access-key/{key}"
                    if key
                    else credential.principal_arn
                ),
                status=Status.FAIL,
                severity=spec.severity,
                message=f"{what} of {credential.principal_arn}: no recorded use in {days} days",
                resource_type=spec.resource_type,
                evidence={
                    **window,
                    "source": credential.source,
                    "last_used": str(credential.last_used) if credential.last_used else "",
                },
            )
        )
    services = ACTIVITY_CHECKS["activity_unused_services"]
    calls = calls_by_principal(store, load_mapper(catalog), since=since, until=until)
    arns = [role.arn for role in snapshot.roles] + [user.arn for user in snapshot.users]
    for arn in arns:
        if arn not in calls:
            continue
        unused = unused_access(snapshot, arn, calls[arn], catalog=catalog, since=since)
        if unused.not_assessed:
            status, message = Status.NOT_ASSESSED, "; ".join(unused.not_assessed)
        elif unused.unused_services:
            names = [s.service for s in unused.unused_services]
            status = Status.FAIL
            message = (
                f"granted {len(names)} services never called in {days} days "
                f"(uses {', '.join(unused.used_services) or 'none'}); "
                "generate: " + _GENERATE.replace("ARN", arn).replace("STORE", store_name)
            )
        else:
            status, message = Status.PASS, f"calls every service it is granted in {days} days"
        found.append(
            Finding(
                check_id=services.id,
                resource_arn=arn,
                status=status,
                severity=services.severity,
                message=message,
                resource_type=services.resource_type,
                evidence={
                    **window,
                    "unused_services": [s.service for s in unused.unused_services],
                    "used_services": list(unused.used_services),
                    "used_by_last_accessed": list(unused.used_by_last_accessed),
                },
            )
        )
    return tuple(found)


def with_activity(
    assessment: Assessment,
    snapshot: Snapshot,
    store: ActivityStore,
    *,
    catalog: Catalog,
    days: int = 90,
    store_name: str = "STORE",
) -> Assessment:
    """`assessment` with the activity checks and their findings added"""
    findings = activity_findings(snapshot, store, catalog=catalog, days=days, store_name=store_name)
    return dataclasses.replace(
        assessment,
        checks={**assessment.checks, **ACTIVITY_CHECKS},
        findings=(*assessment.findings, *findings),
    )


def with_activity_store(
    assessment: Assessment, snapshot: Snapshot, path: Path, *, days: int = 90
) -> Assessment:
    """`with_activity` over the activity store file at `path`, opened read-only

    Raises:
        InputError: no activity store at `path`, or not one of this schema version.
    """
    with open_store(path, read_only=True) as store:
        return with_activity(
            assessment,
            snapshot,
            store,
            catalog=load_catalog(),
            days=days,
            store_name=shlex.quote(str(path)),
        )
