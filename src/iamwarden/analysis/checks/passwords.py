"""Checks of the account password policy"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iamwarden.analysis.registry import (
    CIS_REFERENCE,
    CheckContext,
    CheckSpec,
    Remediation,
    check,
)
from iamwarden.findings import Finding, Severity
from iamwarden.snapshot import DataSet, PasswordPolicy

__all__ = [
    "password_policy_complexity_8",
    "password_policy_max_age_90",
    "password_policy_min_length",
    "password_policy_requires_lowercase",
    "password_policy_requires_numbers",
    "password_policy_requires_symbols",
    "password_policy_requires_uppercase",
    "password_policy_reuse_prevention",
    "password_policy_strong",
    "policy_gaps",
]

PASSWORD_DOC = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html"
)
CONFIG_RULE = "https://docs.aws.amazon.com/config/latest/developerguide/iam-password-policy.html"
SECURITY_HUB_IAM = "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html"
COMPLEXITY_MIN_LENGTH = 8
"""Security Hub IAM.7's default `MinimumPasswordLength`"""
MIN_LENGTH = 14
REUSE_PREVENTION = 24
MAX_AGE_DAYS = 90
STRONG_COMMAND = (
    "aws iam update-account-password-policy --minimum-password-length 14 "
    "--require-symbols --require-numbers --require-uppercase-characters "
    "--require-lowercase-characters --allow-users-to-change-password "
    "--max-password-age 90 --password-reuse-prevention 24"
)


def _complexity_gaps(policy: PasswordPolicy, min_length: int) -> Iterator[str]:
    """How `policy` falls short of `min_length` characters and all four character classes"""
    if policy.minimum_length < min_length:
        yield f"minimum length {policy.minimum_length} < {min_length}"
    for name, required in (
        ("uppercase", policy.require_uppercase),
        ("lowercase", policy.require_lowercase),
        ("symbols", policy.require_symbols),
        ("numbers", policy.require_numbers),
    ):
        if not required:
            yield f"{name} not required"


def policy_gaps(policy: PasswordPolicy | None) -> tuple[str, ...]:
    """Every way `policy` falls short of AWS Config's `iam-password-policy` defaults"""
    if policy is None:
        return ("no password policy is set",)
    gaps = list(_complexity_gaps(policy, MIN_LENGTH))
    if policy.max_age_days is None or policy.max_age_days > MAX_AGE_DAYS:
        gaps.append(f"maximum age {policy.max_age_days or 'unlimited'} > {MAX_AGE_DAYS} days")
    if (policy.reuse_prevention or 0) < REUSE_PREVENTION:
        gaps.append(f"reuse prevention {policy.reuse_prevention or 0} < {REUSE_PREVENTION}")
    return tuple(gaps)


@check(
    CheckSpec(
        id="password_policy_min_length",
        title=f"Password policy allows passwords shorter than {MIN_LENGTH}",
        severity=Severity.MEDIUM,
        resource_type="AwsAccount",
        rationale="Short passwords fall to brute force and password spraying",
        remediation=Remediation(
            text=f"Require at least {MIN_LENGTH} characters",
            command=f"aws iam update-account-password-policy --minimum-password-length {MIN_LENGTH}"
            "  # repeat every other current setting, the call replaces the policy",
        ),
        group_title="{count} accounts with a short minimum password length",
        group_label="Accounts",
        references=(CIS_REFERENCE, PASSWORD_DOC),
        needs=(DataSet.PASSWORD_POLICY,),
    )
)
def password_policy_min_length(ctx: CheckContext) -> Iterator[Finding]:
    """Fail when the minimum password length is below 14 (or no policy is set)"""
    arn = ctx.snapshot.account.root_arn
    policy = ctx.snapshot.password_policy
    if policy is None or policy.minimum_length < MIN_LENGTH:
        length = policy.minimum_length if policy else None
        yield ctx.fail(
            arn,
            f"minimum password length is {length or 'unset (8)'}",
            subject="password policy",
            minimum_length=length,
        )
    else:
        yield ctx.passed(
            arn,
            f"minimum password length is {policy.minimum_length}",
            subject="password policy",
            minimum_length=policy.minimum_length,
        )


@check(
    CheckSpec(
        id="password_policy_reuse_prevention",
        title=f"Password policy remembers fewer than {REUSE_PREVENTION} passwords",
        severity=Severity.MEDIUM,
        resource_type="AwsAccount",
        rationale="Reused passwords let a leaked old password work again",
        remediation=Remediation(
            text=f"Prevent reuse of the last {REUSE_PREVENTION} passwords",
            command="aws iam update-account-password-policy --password-reuse-prevention "
            f"{REUSE_PREVENTION}  # repeat every other current setting",
        ),
        group_title="{count} accounts with weak password reuse prevention",
        group_label="Accounts",
        references=(CIS_REFERENCE, PASSWORD_DOC),
        needs=(DataSet.PASSWORD_POLICY,),
    )
)
def password_policy_reuse_prevention(ctx: CheckContext) -> Iterator[Finding]:
    """Fail when fewer than 24 previous passwords are remembered"""
    arn = ctx.snapshot.account.root_arn
    policy = ctx.snapshot.password_policy
    reuse = policy.reuse_prevention if policy else None
    if (reuse or 0) < REUSE_PREVENTION:
        yield ctx.fail(
            arn,
            f"password reuse prevention is {reuse or 'off'}",
            subject="password policy",
            reuse_prevention=reuse,
        )
    else:
        yield ctx.passed(
            arn,
            f"password reuse prevention is {reuse}",
            subject="password policy",
            reuse_prevention=reuse,
        )


@check(
    CheckSpec(
        id="password_policy_strong",
        title="Password policy is weaker than the AWS Config rule defaults",
        severity=Severity.MEDIUM,
        resource_type="AwsAccount",
        rationale="Each missing requirement makes guessed or reused passwords more likely",
        remediation=Remediation(
            text="Set every requirement of the iam-password-policy Config rule at once",
            command=STRONG_COMMAND,
        ),
        group_title="{count} accounts with a weak password policy",
        group_label="Accounts",
        references=(CONFIG_RULE, PASSWORD_DOC),
        needs=(DataSet.PASSWORD_POLICY,),
    )
)
def password_policy_strong(ctx: CheckContext) -> Iterator[Finding]:
    """One finding listing every gap against upper, lower, symbols, numbers, 14, 90 days, 24"""
    arn = ctx.snapshot.account.root_arn
    gaps = policy_gaps(ctx.snapshot.password_policy)
    if gaps:
        yield ctx.fail(
            arn, "password policy: " + "; ".join(gaps), subject="password policy", gaps=list(gaps)
        )
    else:
        yield ctx.passed(
            arn, "password policy meets every requirement", subject="password policy", gaps=[]
        )


def _setting(ctx: CheckContext, is_met: bool, message: str, **evidence: Any) -> Finding:
    """One finding on the account's password policy: PASS when `is_met`, else FAIL"""
    arn = ctx.snapshot.account.root_arn
    if is_met:
        return ctx.passed(arn, message, subject="password policy", **evidence)
    return ctx.fail(arn, message, subject="password policy", **evidence)


def _requires(ctx: CheckContext, name: str, required: bool) -> Finding:
    state = "required" if required else "not required"
    return _setting(ctx, required, f"{name}: {state}", required=required)


def _requirement_spec(name: str, option: str) -> CheckSpec:
    return CheckSpec(
        id=f"password_policy_requires_{name}",
        title=f"Password policy does not require {name}",
        severity=Severity.MEDIUM,
        resource_type="AwsAccount",
        rationale="Each character class a password may leave out makes guessing easier",
        remediation=Remediation(
            text=f"Require at least one of {name} in IAM user passwords",
            command=f"aws iam update-account-password-policy {option}"
            "  # repeat every other current setting, the call replaces the policy",
        ),
        group_title=f"{{count}} accounts whose password policy does not require {name}",
        group_label="Accounts",
        references=(SECURITY_HUB_IAM, PASSWORD_DOC),
        needs=(DataSet.PASSWORD_POLICY,),
    )


@check(_requirement_spec("uppercase", "--require-uppercase-characters"))
def password_policy_requires_uppercase(ctx: CheckContext) -> Iterator[Finding]:
    """Fail unless passwords need an uppercase letter A-Z (Security Hub IAM.11; no policy set:
    AWS's default policy requires none)"""
    policy = ctx.snapshot.password_policy
    yield _requires(ctx, "uppercase", policy is not None and policy.require_uppercase)


@check(_requirement_spec("lowercase", "--require-lowercase-characters"))
def password_policy_requires_lowercase(ctx: CheckContext) -> Iterator[Finding]:
    """Fail unless passwords need a lowercase letter a-z (Security Hub IAM.12)"""
    policy = ctx.snapshot.password_policy
    yield _requires(ctx, "lowercase", policy is not None and policy.require_lowercase)


@check(_requirement_spec("symbols", "--require-symbols"))
def password_policy_requires_symbols(ctx: CheckContext) -> Iterator[Finding]:
    """Fail unless passwords need a non-alphanumeric character (Security Hub IAM.13)"""
    policy = ctx.snapshot.password_policy
    yield _requires(ctx, "symbols", policy is not None and policy.require_symbols)


@check(_requirement_spec("numbers", "--require-numbers"))
def password_policy_requires_numbers(ctx: CheckContext) -> Iterator[Finding]:
    """Fail unless passwords need a digit 0-9 (Security Hub IAM.14)"""
    policy = ctx.snapshot.password_policy
    yield _requires(ctx, "numbers", policy is not None and policy.require_numbers)


@check(
    CheckSpec(
        id="password_policy_max_age_90",
        title=f"Password policy lets passwords live longer than {MAX_AGE_DAYS} days",
        severity=Severity.LOW,
        resource_type="AwsAccount",
        rationale="A password that never expires stays useful to whoever learned it",
        remediation=Remediation(
            text=f"Expire passwords after {MAX_AGE_DAYS} days or fewer",
            command=f"aws iam update-account-password-policy --max-password-age {MAX_AGE_DAYS}"
            "  # repeat every other current setting, the call replaces the policy",
        ),
        group_title="{count} accounts whose passwords expire late or never",
        group_label="Accounts",
        references=(SECURITY_HUB_IAM, PASSWORD_DOC),
        needs=(DataSet.PASSWORD_POLICY,),
    )
)
def password_policy_max_age_90(ctx: CheckContext) -> Iterator[Finding]:
    """Fail unless passwords expire within 90 days (Security Hub IAM.17; unset: never)"""
    policy = ctx.snapshot.password_policy
    age = policy.max_age_days if policy is not None else None
    yield _setting(
        ctx,
        age is not None and age <= MAX_AGE_DAYS,
        f"maximum password age is {f'{age} days' if age else 'unlimited'}",
        max_age_days=age,
    )


@check(
    CheckSpec(
        id="password_policy_complexity_8",
        title="Password policy lacks a character class or allows fewer than 8 characters",
        severity=Severity.MEDIUM,
        resource_type="AwsAccount",
        rationale="Short passwords or ones of one character class fall to guessing",
        remediation=Remediation(
            text="Require uppercase, lowercase, symbols and numbers, and 8 characters or more",
            command="aws iam update-account-password-policy --minimum-password-length 8 "
            "--require-symbols --require-numbers --require-uppercase-characters "
            "--require-lowercase-characters  # repeat every other current setting",
        ),
        group_title="{count} accounts with a password policy below Security Hub's defaults",
        group_label="Accounts",
        references=(SECURITY_HUB_IAM, CONFIG_RULE, PASSWORD_DOC),
        needs=(DataSet.PASSWORD_POLICY,),
    )
)
def password_policy_complexity_8(ctx: CheckContext) -> Iterator[Finding]:
    """Fail unless uppercase, lowercase, symbols and numbers are all required and the minimum
    length is 8 or more: Security Hub IAM.7 with its default parameters, which leave reuse
    prevention and maximum age unchecked (their parameters have no default)"""
    policy = ctx.snapshot.password_policy
    gaps = (
        list(_complexity_gaps(policy, COMPLEXITY_MIN_LENGTH))
        if policy is not None
        else ["no password policy is set"]
    )
    yield _setting(
        ctx,
        not gaps,
        "password policy: " + ("; ".join(gaps) if gaps else "meets every requirement"),
        gaps=gaps,
    )
