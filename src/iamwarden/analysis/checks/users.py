"""Checks of IAM users' credentials: MFA, access keys, unused credentials, direct policies"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from iamwarden.analysis.credentials import (
    KeyFacts,
    UserCredentials,
    access_key_arn,
    user_credentials,
)
from iamwarden.analysis.evidence import (
    counted,
    days_between,
    iso,
    only_under,
    statement_refs,
    undecided_conditions,
)
from iamwarden.analysis.registry import (
    CIS_REFERENCE,
    CheckContext,
    CheckSpec,
    Remediation,
    check,
)
from iamwarden.findings import Finding, Severity
from iamwarden.snapshot import DataSet

__all__ = [
    "access_key_never_used",
    "access_key_rotated_90_days",
    "console_user_initial_access_key",
    "console_user_mfa",
    "credentials_unused_45_days",
    "user_admin_without_mfa",
    "user_no_direct_policies",
    "user_single_active_key",
]

KEYS_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"
MFA_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html"
UNUSED_DAYS = 45
ROTATION_DAYS = 90
SETUP_WINDOW = timedelta(days=1)


def _active(keys: tuple[KeyFacts, ...]) -> list[KeyFacts]:
    return [k for k in keys if k.is_active]


def _keys_unknown(ctx: CheckContext, user: UserCredentials) -> Finding:
    """NOT_ASSESSED on a user whose access keys are not known (never skipped)"""
    why = user.unknown_because or "the data does not list them"
    return ctx.not_assessed(
        user.arn,
        f"access keys of {user.name} not known: {why}",
        resource_type="AwsIamUser",
        subject=user.name,
        user=user.name,
    )


@check(
    CheckSpec(
        id="console_user_mfa",
        title="Console user without MFA",
        severity=Severity.HIGH,
        resource_type="AwsIamUser",
        rationale="A console password without MFA falls to phishing and credential stuffing",
        remediation=Remediation(
            text="Assign an MFA device to the user, or remove the console password if unused",
            command="aws iam create-virtual-mfa-device --virtual-mfa-device-name <user> "
            "--outfile qr.png --bootstrap-method QRCodePNG && aws iam enable-mfa-device "
            "--user-name <user> --serial-number <arn> --authentication-code1 <c1> "
            "--authentication-code2 <c2>",
        ),
        group_title="{count} console users without MFA",
        group_label="Users",
        references=(CIS_REFERENCE, MFA_DOC),
        needs=(DataSet.CREDENTIAL_REPORT,),
    )
)
def console_user_mfa(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for every user with a console password and no MFA device"""
    for user in user_credentials(ctx.snapshot):
        if user.has_password is None or (user.has_password and user.has_mfa is None):
            why = f": {user.unknown_because}" if user.unknown_because else ""
            yield ctx.not_assessed(
                user.arn, f"console password or MFA state not known{why}", subject=user.name
            )
        elif not user.has_password:
            yield ctx.passed(user.arn, "no console password", subject=user.name)
        elif user.has_mfa:
            yield ctx.passed(user.arn, "console user has MFA", subject=user.name)
        else:
            yield ctx.fail(
                user.arn,
                f"{user.name} signs in with a password and no MFA",
                subject=user.name,
                password_last_used=iso(user.password_last_used),
            )


@check(
    CheckSpec(
        id="console_user_initial_access_key",
        title="Access key created with a console user and never used",
        severity=Severity.LOW,
        resource_type="AwsIamAccessKey",
        rationale="Keys made at user setup 'just in case' are long-lived secrets nobody needs",
        remediation=Remediation(
            text="Delete the unused key; create keys only when a workload needs them",
            command="aws iam delete-access-key --user-name <user> --access-key-id <key id>",
        ),
        group_title="{count} access keys created at user setup and never used",
        group_label="Users",
        references=(CIS_REFERENCE, KEYS_DOC),
        needs=(DataSet.CREDENTIAL_REPORT,),
    )
)
def console_user_initial_access_key(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for active, never-used keys of console users created with the user (CIS 1.11)"""
    for user in user_credentials(ctx.snapshot):
        if user.has_password is False or (user.keys is not None and not _active(user.keys)):
            continue  # not a console user, or no active key
        if user.keys is None:
            yield _keys_unknown(ctx, user)
            continue
        if user.has_password is None:
            yield ctx.not_assessed(
                user.arn,
                f"console password of {user.name} not known",
                resource_type="AwsIamUser",
                subject=user.name,
                user=user.name,
            )
            continue
        for key in _active(user.keys):
            arn = access_key_arn(user.arn, key.id)
            if key.created is None or user.created is None:
                yield ctx.not_assessed(
                    arn,
                    "key or user creation time not known",
                    subject=user.name,
                    user=user.name,
                    key_id=key.id,
                )
            elif key.last_used is None and not key.is_usage_known:
                yield ctx.not_assessed(
                    arn,
                    f"use of {key.id} of {user.name} not known",
                    subject=user.name,
                    user=user.name,
                    key_id=key.id,
                )
            elif key.last_used is None and key.created - user.created <= SETUP_WINDOW:
                yield ctx.fail(
                    arn,
                    f"{key.id} of {user.name} was created at setup and never used",
                    subject=user.name,
                    user=user.name,
                    key_id=key.id,
                    created=iso(key.created),
                    user_created=iso(user.created),
                )
            else:
                yield ctx.passed(
                    arn,
                    f"{key.id} of {user.name} was used or created later",
                    subject=user.name,
                    user=user.name,
                    key_id=key.id,
                )


def _last_use(
    what: str,
    last_used: datetime | None,
    created: datetime | None,
    *,
    is_usage_known: bool,
    now: datetime,
) -> tuple[bool | None, str]:
    """Whether one credential went unused for `UNUSED_DAYS` (`None`: not known), and what
    was decided (`password last used 3 days ago`, `access key X never used, created …`)"""
    cutoff = now - timedelta(days=UNUSED_DAYS)
    if any(moment is not None and moment > now for moment in (last_used, created)):
        return None, f"{what} is dated after the assessment date ({now.date()})"
    if last_used is not None:
        age = counted(days_between(last_used, now), "day")
        return last_used <= cutoff, f"{what} last used {age} ago"
    if created is None:
        return None, f"{what}: {'never used' if is_usage_known else 'use'} and creation not known"
    age = counted(days_between(created, now), "day")
    if is_usage_known:
        return created <= cutoff, f"{what} never used, created {age} ago"
    if created > cutoff:
        return False, f"{what} created {age} ago (use not known)"
    return None, f"{what} use not known, created {age} ago"


@check(
    CheckSpec(
        id="credentials_unused_45_days",
        title=f"Credentials unused for {UNUSED_DAYS} days or more are enabled",
        severity=Severity.MEDIUM,
        resource_type="AwsIamUser",
        rationale="Unused passwords and keys are attack surface that nobody would miss",
        remediation=Remediation(
            text="Deactivate unused keys and remove unused console passwords",
            command="aws iam update-access-key --user-name <user> --access-key-id <key id> "
            "--status Inactive && aws iam delete-login-profile --user-name <user>",
        ),
        group_title=f"{{count}} users with credentials unused for {UNUSED_DAYS}+ days",
        group_label="Users",
        references=(CIS_REFERENCE, KEYS_DOC),
        needs=(DataSet.CREDENTIAL_REPORT,),
    )
)
def credentials_unused_45_days(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for users whose enabled password or active key went unused for 45 days; a
    password never used counts from the user's creation, a key never used from its own"""
    for user in user_credentials(ctx.snapshot):
        decided: list[tuple[bool | None, str]] = []
        if user.has_password is None:
            decided.append((None, "console password not known"))
        elif user.has_password:
            decided.append(
                _last_use(
                    "password",
                    user.password_last_used,
                    user.created,
                    is_usage_known=True,
                    now=ctx.now,
                )
            )
        if user.keys is None:
            decided.append((None, "access keys not known"))
        for key in _active(user.keys or ()):
            decided.append(
                _last_use(
                    f"access key {key.id}",
                    key.last_used,
                    key.created,
                    is_usage_known=key.is_usage_known,
                    now=ctx.now,
                )
            )
        facts: dict[str, Any] = {"subject": user.name, "credentials": [t for _, t in decided]}
        stale = [text for unused, text in decided if unused]
        unknown = [text for unused, text in decided if unused is None]
        if stale:
            yield ctx.fail(
                user.arn,
                f"{user.name}: unused {UNUSED_DAYS}+ days: " + ", ".join(stale),
                unused=stale,
                **facts,
            )
        elif unknown:
            why = f" ({user.unknown_because})" if user.unknown_because else ""
            yield ctx.not_assessed(user.arn, f"{user.name}: " + ", ".join(unknown) + why, **facts)
        elif not decided:
            yield ctx.passed(
                user.arn,
                f"{user.name} has no enabled password and no active access key",
                **facts,
            )
        else:
            yield ctx.passed(
                user.arn,
                f"{user.name}: used or created within {UNUSED_DAYS} days: "
                + ", ".join(t for _, t in decided),
                **facts,
            )


@check(
    CheckSpec(
        id="user_single_active_key",
        title="User has more than one active access key",
        severity=Severity.MEDIUM,
        resource_type="AwsIamUser",
        rationale="Two active keys double the secrets to protect and hide forgotten copies",
        remediation=Remediation(
            text="Keep one active key; deactivate the other once nothing uses it",
            command="aws iam update-access-key --user-name <user> --access-key-id <old key id> "
            "--status Inactive",
        ),
        group_title="{count} users with two active access keys",
        group_label="Users",
        references=(CIS_REFERENCE, KEYS_DOC),
        needs=(DataSet.CREDENTIAL_REPORT,),
    )
)
def user_single_active_key(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for users with two active access keys"""
    for user in user_credentials(ctx.snapshot):
        if user.keys is None:
            yield _keys_unknown(ctx, user)
            continue
        active = [k.id for k in _active(user.keys)]
        if len(active) > 1:
            yield ctx.fail(
                user.arn,
                f"{user.name} has {len(active)} active access keys",
                subject=user.name,
                active_keys=active,
            )
        else:
            yield ctx.passed(
                user.arn,
                f"{user.name} has {counted(len(active), 'active access key')}",
                subject=user.name,
                active_keys=active,
            )


@check(
    CheckSpec(
        id="access_key_rotated_90_days",
        title=f"Access key older than {ROTATION_DAYS} days",
        severity=Severity.MEDIUM,
        resource_type="AwsIamAccessKey",
        rationale="Long-lived keys leak through laptops, repos and logs; rotation bounds the harm",
        remediation=Remediation(
            text="Create a new key, move the workload to it, deactivate then delete the old one "
            "(better: move the workload to a role)",
            command="aws iam create-access-key --user-name <user> && aws iam update-access-key "
            "--user-name <user> --access-key-id <old key id> --status Inactive",
        ),
        group_title=f"{{count}} access keys older than {ROTATION_DAYS} days detected",
        group_label="Users",
        references=(CIS_REFERENCE, KEYS_DOC),
        needs=(DataSet.CREDENTIAL_REPORT,),
    )
)
def access_key_rotated_90_days(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for every active key created more than 90 days before the assessment date"""
    for user in user_credentials(ctx.snapshot):
        if user.keys is None:
            yield _keys_unknown(ctx, user)
            continue
        for key in _active(user.keys):
            arn = access_key_arn(user.arn, key.id)
            facts: dict[str, Any] = {"subject": user.name, "user": user.name, "key_id": key.id}
            if key.created is None:
                yield ctx.not_assessed(arn, "key creation time not known", **facts)
                continue
            if key.created > ctx.now:
                yield ctx.not_assessed(
                    arn,
                    f"{key.id} of {user.name} was created after the assessment date "
                    f"({ctx.now.date()})",
                    created=iso(key.created),
                    **facts,
                )
                continue
            age = days_between(key.created, ctx.now)
            if age > ROTATION_DAYS:
                yield ctx.fail(
                    arn,
                    f"{key.id} of {user.name} is {counted(age, 'day')} old",
                    created=iso(key.created),
                    age_days=age,
                    **facts,
                )
            else:
                yield ctx.passed(
                    arn,
                    f"{key.id} of {user.name} is {counted(age, 'day')} old",
                    created=iso(key.created),
                    age_days=age,
                    **facts,
                )


@check(
    CheckSpec(
        id="access_key_never_used",
        title="Active access key never used",
        severity=Severity.LOW,
        resource_type="AwsIamAccessKey",
        rationale="A key nobody uses is a secret nobody watches",
        remediation=Remediation(
            text="Deactivate the key, then delete it if nothing breaks",
            command="aws iam update-access-key --user-name <user> --access-key-id <key id> "
            "--status Inactive",
        ),
        group_title="{count} active access keys never used",
        group_label="Users",
        references=(KEYS_DOC,),
        needs=(DataSet.CREDENTIAL_REPORT,),
    )
)
def access_key_never_used(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for every active key with no recorded use"""
    for user in user_credentials(ctx.snapshot):
        if user.keys is None:
            yield _keys_unknown(ctx, user)
            continue
        for key in _active(user.keys):
            arn = access_key_arn(user.arn, key.id)
            facts: dict[str, Any] = {
                "subject": user.name,
                "user": user.name,
                "key_id": key.id,
                "created": iso(key.created),
            }
            if key.last_used is None and not key.is_usage_known:
                yield ctx.not_assessed(arn, f"use of {key.id} of {user.name} not known", **facts)
            elif key.last_used is None:
                yield ctx.fail(arn, f"{key.id} of {user.name} has never been used", **facts)
            else:
                yield ctx.passed(
                    arn,
                    f"{key.id} of {user.name} last used {key.last_used.date().isoformat()}",
                    **facts,
                )


@check(
    CheckSpec(
        id="user_no_direct_policies",
        title="User has policies attached directly",
        severity=Severity.LOW,
        resource_type="AwsIamUser",
        rationale="Permissions granted per user drift; groups keep them reviewable",
        remediation=Remediation(
            text="Move the user's policies to a group, add the user to it, then remove the "
            "user's own managed and inline policies",
            command="aws iam add-user-to-group --group-name <group> --user-name <user> && "
            "aws iam detach-user-policy --user-name <user> --policy-arn <arn> && "
            "aws iam delete-user-policy --user-name <user> --policy-name <inline policy>",
        ),
        group_title="{count} users with directly attached policies",
        group_label="Users",
        references=(
            CIS_REFERENCE,
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups_manage_attach-policy.html",
        ),
        needs=(DataSet.AUTHORIZATION_DETAILS,),
    )
)
def user_no_direct_policies(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for users with attached managed or inline policies (CIS 1.15)"""
    for user in sorted(ctx.snapshot.users, key=lambda u: u.arn):
        direct = [*user.attached_policies, *(f"inline:{p.name}" for p in user.inline_policies)]
        if direct:
            yield ctx.fail(
                user.arn,
                f"{user.name} has {counted(len(direct), 'policy', 'policies')} attached directly",
                subject=user.name,
                policies=direct,
            )
        else:
            yield ctx.passed(
                user.arn, f"{user.name} gets permissions only through groups", subject=user.name
            )


@check(
    CheckSpec(
        id="user_admin_without_mfa",
        title="Administrator user without MFA",
        severity=Severity.CRITICAL,
        resource_type="AwsIamUser",
        rationale="One stolen password or key gives full control of the account",
        remediation=Remediation(
            text="Enable MFA for the user and require it for administrative access, or move the "
            "workload to a role",
            policy='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":'
            '["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:GetUser",'
            '"iam:ListMFADevices","iam:ListVirtualMFADevices","iam:ResyncMFADevice",'
            '"sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":'
            '{"aws:MultiFactorAuthPresent":"false"}}}]}',
        ),
        group_title="{count} administrator users without MFA",
        group_label="Users",
        references=(
            MFA_DOC,
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_configure-api-require.html",
        ),
        needs=(DataSet.AUTHORIZATION_DETAILS, DataSet.CREDENTIAL_REPORT),
    )
)
def user_admin_without_mfa(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for users with no MFA whose `*:*` access does not depend on MFA

    The engine evaluates `*` on `*` with the MFA keys and every always-present request key
    (region, source IP, TLS, time) undecided, then as a request made without MFA: admin "only
    with MFA" passes; admin without MFA fails, also when only in one region, from one network
    or over TLS (the finding says under which).
    """
    mfa = {c.arn: c.has_mfa for c in user_credentials(ctx.snapshot)}
    for user in sorted(ctx.snapshot.users, key=lambda u: u.arn):
        resolved = ctx.permissions.identity(user)
        if not resolved.is_complete:
            yield ctx.incomplete(user.arn, "user", resolved, subject=user.name)
            continue
        access = ctx.permissions.admin_access(user.arn, resolved.policies)
        has_mfa = mfa.get(user.arn)
        if not access.is_admin:
            yield ctx.passed(user.arn, f"{user.name} is not an administrator", subject=user.name)
        elif access.requires_mfa:
            yield ctx.passed(
                user.arn,
                f"{user.name} is administrator only with MFA",
                subject=user.name,
                statements=statement_refs(access.evaluation),
                only_if=undecided_conditions(access.evaluation),
            )
        elif has_mfa is None:
            yield ctx.not_assessed(
                user.arn, f"{user.name} is administrator; MFA state not known", subject=user.name
            )
        elif has_mfa:
            yield ctx.passed(
                user.arn,
                f"{user.name} is administrator and has MFA",
                subject=user.name,
                statements=statement_refs(access.without_mfa),
            )
        else:
            under = only_under(access.conditions)
            yield ctx.fail(
                user.arn,
                f"{user.name} has full administrator access{f' {under}' if under else ''} "
                "and no MFA",
                subject=user.name,
                statements=statement_refs(access.without_mfa),
                only_under=under,
                only_if=undecided_conditions(access.conditions),
            )
