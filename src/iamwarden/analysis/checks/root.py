"""Checks of the account's root user: access keys, MFA, hardware MFA, recent use"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta

from iamwarden.analysis.evidence import counted, iso
from iamwarden.analysis.registry import (
    CIS_REFERENCE,
    CheckContext,
    CheckSpec,
    Remediation,
    check,
)
from iamwarden.findings import Finding, Severity
from iamwarden.snapshot import CredentialReportRow, DataSet

__all__ = [
    "ACCOUNT_TRUST",
    "root_access_key_absent",
    "root_hardware_mfa",
    "root_mfa_enabled",
    "root_recent_use",
]

ROOT_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html"
ROOT_RECENT_DAYS = 90
NO_ROOT_ROW = "the credential report has no root user row"
ACCOUNT_TRUST = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
    '"arn:aws:iam::<account id>:root"},"Action":"sts:AssumeRole","Condition":{"Bool":'
    '{"aws:MultiFactorAuthPresent":"true"}}}]}'
)
"""trust.json for roles the remediations create: principals of the account, with MFA"""


def _root_row(ctx: CheckContext) -> CredentialReportRow | None:
    report = ctx.snapshot.credential_report
    if not ctx.snapshot.has(DataSet.CREDENTIAL_REPORT) or report is None:
        return None
    return report.root


def _account_summary(ctx: CheckContext) -> Mapping[str, int]:
    """The account summary (empty when not collected)"""
    return ctx.snapshot.account_summary if ctx.snapshot.has(DataSet.ACCOUNT_SUMMARY) else {}


@check(
    CheckSpec(
        id="root_access_key_absent",
        title="Root user has access keys",
        severity=Severity.CRITICAL,
        resource_type="AwsAccount",
        rationale="Root keys cannot be limited by any policy and never expire",
        remediation=Remediation(
            text="Sign in as root, delete its access keys under Security credentials, and use "
            "IAM roles instead",
            command="aws iam delete-access-key --access-key-id <root key id>  # as the root user",
        ),
        group_title="{count} accounts with root access keys",
        group_label="Accounts",
        references=(CIS_REFERENCE, ROOT_DOC),
    )
)
def root_access_key_absent(ctx: CheckContext) -> Iterator[Finding]:
    """Fail when the root user has an access key (credential report or account summary)"""
    arn = ctx.snapshot.account.root_arn
    row = _root_row(ctx)
    present = _account_summary(ctx).get("AccountAccessKeysPresent")
    if row is None and present is None:
        yield ctx.missing(arn, DataSet.CREDENTIAL_REPORT, DataSet.ACCOUNT_SUMMARY, subject="root")
        return
    active = [
        n
        for n, on in ((1, row and row.access_key_1_active), (2, row and row.access_key_2_active))
        if on
    ]
    if active or (present or 0) > 0:
        yield ctx.fail(
            arn,
            f"root user has {counted(len(active) or present or 0, 'access key')}",
            subject="root",
            active_key_slots=active,
            account_access_keys_present=present,
        )
    else:
        yield ctx.passed(arn, "root user has no access keys", subject="root")


@check(
    CheckSpec(
        id="root_mfa_enabled",
        title="Root user has no MFA",
        severity=Severity.CRITICAL,
        resource_type="AwsAccount",
        rationale="A root password alone gives unrestricted control of the account",
        remediation=Remediation(
            text="Sign in as root and assign an MFA device (hardware preferred); root MFA is "
            "managed in the console only",
            command="Console, signed in as root: account menu > Security credentials > "
            "Multi-factor authentication (MFA) > Assign MFA device",
        ),
        group_title="{count} accounts whose root user has no MFA",
        group_label="Accounts",
        references=(CIS_REFERENCE, ROOT_DOC),
    )
)
def root_mfa_enabled(ctx: CheckContext) -> Iterator[Finding]:
    """Fail when the root user has no MFA device"""
    arn = ctx.snapshot.account.root_arn
    row = _root_row(ctx)
    summary = _account_summary(ctx)
    enabled: bool | None = row.mfa_active if row is not None else None
    if enabled is None and "AccountMFAEnabled" in summary:
        enabled = summary["AccountMFAEnabled"] > 0
    if enabled is None:
        yield ctx.missing(arn, DataSet.CREDENTIAL_REPORT, DataSet.ACCOUNT_SUMMARY, subject="root")
    elif enabled:
        yield ctx.passed(arn, "root user has MFA", subject="root")
    else:
        yield ctx.fail(arn, "root user has no MFA device", subject="root")


@check(
    CheckSpec(
        id="root_hardware_mfa",
        title="Root user MFA is not a hardware device",
        severity=Severity.MEDIUM,
        resource_type="AwsAccount",
        rationale="A virtual MFA lives on a phone or laptop that can be lost or compromised",
        remediation=Remediation(
            text="Replace the root user's virtual MFA with a hardware key or token",
            command="Console, signed in as root: account menu > Security credentials > "
            "Multi-factor authentication (MFA) > Assign MFA device > Passkey or security key / "
            "Hardware TOTP token",
        ),
        group_title="{count} accounts whose root MFA is virtual",
        group_label="Accounts",
        references=(
            CIS_REFERENCE,
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html",
        ),
        needs=(DataSet.CREDENTIAL_REPORT, DataSet.VIRTUAL_MFA_DEVICES),
    )
)
def root_hardware_mfa(ctx: CheckContext) -> Iterator[Finding]:
    """Fail when the root user has no MFA or a virtual one (CIS 1.6, reported as fact)"""
    account = ctx.snapshot.account
    arn = account.root_arn
    row = _root_row(ctx)
    if row is None:
        yield ctx.not_assessed(arn, NO_ROOT_ROW, subject="root")
        return
    if not row.mfa_active:
        yield ctx.fail(arn, "root user has no MFA device at all", subject="root")
        return
    root_serial = f"arn:{account.partition}:iam::{account.id}:mfa/root-account-mfa-device"
    virtual = [
        d.serial
        for d in ctx.snapshot.virtual_mfa_devices
        if d.serial == root_serial or d.user_arn == arn
    ]
    if virtual:
        yield ctx.fail(
            arn, "root user's MFA is a virtual device", subject="root", virtual_mfa_serials=virtual
        )
    else:
        yield ctx.passed(arn, "root user's MFA is not a virtual device", subject="root")


@check(
    CheckSpec(
        id="root_recent_use",
        title=f"Root user used in the last {ROOT_RECENT_DAYS} days",
        severity=Severity.MEDIUM,
        resource_type="AwsAccount",
        rationale=f"Root use in the last {ROOT_RECENT_DAYS} days suggests daily tasks run as root",
        remediation=Remediation(
            text="Create an administrator role (trust.json below) or IAM Identity Center user "
            "for daily work and keep the root credentials locked away",
            command="aws iam create-role --role-name Admin --assume-role-policy-document "
            "file://trust.json && aws iam attach-role-policy --role-name Admin --policy-arn "
            "arn:aws:iam::aws:policy/AdministratorAccess",
            policy=ACCOUNT_TRUST,
        ),
        group_title=f"{{count}} accounts whose root user was used in the last {ROOT_RECENT_DAYS} "
        "days",
        group_label="Accounts",
        references=(CIS_REFERENCE, ROOT_DOC),
        needs=(DataSet.CREDENTIAL_REPORT,),
    )
)
def root_recent_use(ctx: CheckContext) -> Iterator[Finding]:
    """Fail when root signed in or used a key recently (CIS 1.7, reported as fact)"""
    arn = ctx.snapshot.account.root_arn
    row = _root_row(ctx)
    if row is None:
        yield ctx.not_assessed(arn, NO_ROOT_ROW, subject="root")
        return
    since = ctx.now - timedelta(days=ROOT_RECENT_DAYS)
    uses = {
        "password_last_used": row.password_last_used,
        "access_key_1_last_used": row.access_key_1_last_used_date,
        "access_key_2_last_used": row.access_key_2_last_used_date,
    }
    recent = {name: iso(when) for name, when in uses.items() if when is not None and when >= since}
    if recent:
        last = max(w for w in uses.values() if w is not None)
        yield ctx.fail(
            arn,
            f"root user was last used {last.date().isoformat()}",
            subject="root",
            recent_use=recent,
        )
    else:
        yield ctx.passed(
            arn, f"root user not used in the last {ROOT_RECENT_DAYS} days", subject="root"
        )
