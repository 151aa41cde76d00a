"""Checks of the account password policy"""

from __future__ import annotations

from collections.abc import Iterator

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
    "password_policy_min_length",
    "password_policy_reuse_prevention",
    "password_policy_strong",
    "policy_gaps",
]

PASSWORD_DOC = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html"
)
CONFIG_RULE = "https://docs.aws.amazon.com/config/latest/developerguide/iam-password-policy.html"
MIN_LENGTH = 14
REUSE_PREVENTION = 24
MAX_AGE_DAYS = 90
STRONG_COMMAND = (
    "aws iam update-account-password-policy --minimum-password-length 14 "
    "--require-symbols --require-numbers --require-uppercase-characters "
    "--require-lowercase-characters --allow-users-to-change-password "
    "--max-password-age 90 --password-reuse-prevention 24"
)


def policy_gaps(policy: PasswordPolicy | None) -> tuple[str, ...]:
    """Every way `policy` falls short of AWS Config's `iam-password-policy` defaults"""
    if policy is None:
        return ("no password policy is set",)
    gaps = []
    if policy.minimum_length < MIN_LENGTH:
        gaps.append(f"minimum length {policy.minimum_length} < {MIN_LENGTH}")
    for name, required in (
        ("uppercase", policy.require_uppercase),
        ("lowercase", policy.require_lowercase),
        ("symbols", policy.require_symbols),
        ("numbers", policy.require_numbers),
    ):
        if not required:
            gaps.append(f"{name} not required")
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
