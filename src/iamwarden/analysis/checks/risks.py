"""Risky permissions per principal: credentials exposure, data exfiltration, resource
exposure and infrastructure modification (one finding per principal and class)

Each is the engine's answer with the principal's full policy set (`analysis.risks`); an
administrator is left to the admin checks (it holds every class). A principal whose policies
are incomplete is NOT_ASSESSED. A class the principal holds only with MFA is one severity
lower, and the finding says so.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import replace

from iamwarden.analysis.evidence import counted, only_under, statement_refs
from iamwarden.analysis.permissions import Permissions
from iamwarden.analysis.principals import in_organization
from iamwarden.analysis.registry import CheckContext, CheckSpec, Remediation, check
from iamwarden.analysis.risks import EVERY_RESOURCE, RiskAnalysis, RiskClass, RiskyGrant
from iamwarden.findings import Finding, Severity
from iamwarden.snapshot import DataSet, Role, User

__all__ = [
    "credentials_exposure",
    "data_exfiltration",
    "infrastructure_modification",
    "resource_exposure",
]

LEAST_PRIVILEGE_DOC = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
)
_SHOWN = 8
_EVIDENCE_ACTIONS = 40
"""Actions listed per grant in the evidence (hundreds of Write actions would swell every
report; `iamwarden permissions --principal` lists them all)"""
MAX_PRINCIPALS = 1_000
"""Above this many users and roles `assess` leaves the four checks NOT_ASSESSED on the
account: each principal with its own policy set costs about 10 ms of engine questions
(hundreds of actions each), which would dominate a large account's assessment"""
_LOWER = {
    Severity.CRITICAL: Severity.HIGH,
    Severity.HIGH: Severity.MEDIUM,
    Severity.MEDIUM: Severity.LOW,
    Severity.LOW: Severity.INFO,
    Severity.INFO: Severity.INFO,
}


_ANALYSES: weakref.WeakKeyDictionary[Permissions, RiskAnalysis] = weakref.WeakKeyDictionary()


def _analysis(ctx: CheckContext) -> RiskAnalysis:
    """The assessment's risk analysis, shared by the four checks"""
    found = _ANALYSES.get(ctx.permissions)
    if found is None:
        found = _ANALYSES[ctx.permissions] = RiskAnalysis(
            ctx.permissions, ctx.catalog, ctx.snapshot
        )
    return found


def _principals(ctx: CheckContext) -> Iterator[User | Role]:
    yield from sorted(ctx.snapshot.users, key=lambda u: u.arn)
    yield from sorted(ctx.snapshot.roles, key=lambda r: r.arn)


def _judged(ctx: CheckContext, risk: RiskClass, what: str) -> Iterator[Finding]:
    """One finding per user and role: FAIL with the actions of class `risk` it is allowed,
    PASS without, NOT_ASSESSED when its policies are incomplete (or, on the account, when
    it has more principals than `MAX_PRINCIPALS`)"""
    count = len(ctx.snapshot.users) + len(ctx.snapshot.roles)
    if count > MAX_PRINCIPALS:
        yield ctx.not_assessed(
            ctx.snapshot.account.root_arn,
            f"{risk.value} not assessed in assess: {count} principals (limit "
            f"{MAX_PRINCIPALS}); run `iamwarden permissions --principal ARN`",
            resource_type="AwsAccount",
            principals=count,
            limit=MAX_PRINCIPALS,
        )
        return
    analysis = _analysis(ctx)
    for principal in _principals(ctx):
        kind, resource_type = (
            ("user", "AwsIamUser") if isinstance(principal, User) else ("role", "AwsIamRole")
        )
        own = ctx.permissions.identity(principal)
        if not own.is_complete:
            yield ctx.incomplete(principal.arn, kind, own, subject=principal.name)
            continue
        if ctx.permissions.admin_access(principal.arn, own.policies).is_admin:
            continue  # user_admin_access / role_admin_access
        policies = in_organization(ctx.snapshot, own.policies)
        grants = analysis.grants(principal, policies).get(risk)
        if not grants:
            yield ctx.passed(
                principal.arn,
                f"{principal.name} has no {risk.value} permissions"
                + (' on Resource "*"' if risk in EVERY_RESOURCE else ""),
                resource_type=resource_type,
                subject=principal.name,
            )
            continue
        yield _failed(ctx, principal, resource_type, grants, what)


def _failed(
    ctx: CheckContext,
    principal: User | Role,
    resource_type: str,
    grants: tuple[RiskyGrant, ...],
    what: str,
) -> Finding:
    names = sorted(a for g in grants for a in g.actions)
    shown = ", ".join(names[:_SHOWN]) + (
        f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    )
    scoped = sorted({r for g in grants for r in g.resources})  # `*` sorts first
    on = "" if not scoped else f" on {', '.join(scoped[:3])}{' …' if len(scoped) > 3 else ''}"
    conditional = all(g.conditions for g in grants)
    mfa_only = all(g.requires_mfa for g in grants)
    under = only_under(grants[0].conditions) if conditional else ""
    message = f"{principal.name} {what}: {counted(len(names), 'action')} ({shown}){on}" + (
        f", {under}" if under else ""
    )
    finding = ctx.fail(
        principal.arn,
        message,
        resource_type=resource_type,
        subject=principal.name,
        grants=[
            {
                "actions": list(g.actions[:_EVIDENCE_ACTIONS]),
                "more_actions": max(0, len(g.actions) - _EVIDENCE_ACTIONS),
                "resources": list(g.resources),
                "only_under": only_under(g.conditions),
                "statements": statement_refs(g.statements),
            }
            for g in grants
        ],
        action_count=len(names),
        conditional=conditional,
        requires_mfa=mfa_only,
    )
    return replace(finding, severity=_LOWER[finding.severity]) if mfa_only else finding


def _spec(
    id: str, title: str, severity: Severity, rationale: str, remediation: Remediation, label: str
) -> CheckSpec:
    return CheckSpec(
        id=id,
        title=title,
        severity=severity,
        resource_type="AwsIamRole",
        rationale=rationale,
        remediation=remediation,
        group_title="{count} principals " + label,
        group_label="principals",
        references=(LEAST_PRIVILEGE_DOC,),
        needs=(DataSet.AUTHORIZATION_DETAILS,),
    )


@check(
    _spec(
        "credentials_exposure",
        "Principal can obtain or mint credentials of others",
        Severity.HIGH,
        "Actions that return or create credentials (access keys, console passwords, role "
        "sessions, secrets) let the holder act as someone else",
        Remediation(
            text="Scope each action to the users, roles or secrets the principal must manage, "
            "or remove it; deny it in a permissions boundary or SCP",
            policy='{"Effect": "Deny", "Action": ["iam:CreateAccessKey", '
            '"iam:CreateLoginProfile", "iam:UpdateLoginProfile"], "NotResource": '
            '"arn:aws:iam::*:user/${aws:username}"}',
        ),
        "can obtain or mint credentials of others",
    )
)
def credentials_exposure(ctx: CheckContext) -> Iterator[Finding]:
    """A non-admin principal allowed an action that returns or mints credentials"""
    yield from _judged(ctx, RiskClass.CREDENTIALS_EXPOSURE, "can obtain or mint credentials")


@check(
    _spec(
        "data_exfiltration",
        'Principal can read stored data on Resource "*"',
        Severity.MEDIUM,
        "Reading every object, table, secret, parameter or snapshot of the account lets one "
        "compromised principal copy all of it out",
        Remediation(
            text="Scope the reads to the buckets, tables, secrets and parameters the principal "
            "needs (resource ARNs or tag conditions)",
            policy='{"Effect": "Allow", "Action": "s3:GetObject", "Resource": '
            '"arn:aws:s3:::app-bucket/app/*"}',
        ),
        'can read stored data on Resource "*"',
    )
)
def data_exfiltration(ctx: CheckContext) -> Iterator[Finding]:
    """A non-admin principal allowed object, item, secret, parameter or snapshot reads on
    every resource"""
    yield from _judged(ctx, RiskClass.DATA_EXFILTRATION, 'can read stored data on "*"')


@check(
    _spec(
        "resource_exposure",
        "Principal can change resource policies, ACLs or permissions",
        Severity.HIGH,
        "Permissions-management actions (resource policies, ACLs, grants, IAM policies) let "
        "the holder open resources to other principals or accounts",
        Remediation(
            text="Remove the permissions-management actions or scope them to the resources "
            "the principal owns; deny them in a permissions boundary",
            policy='{"Effect": "Deny", "Action": ["s3:PutBucketPolicy", "s3:PutBucketAcl", '
            '"kms:PutKeyPolicy", "kms:CreateGrant"], "Resource": "*"}',
        ),
        "can change resource policies, ACLs or permissions",
    )
)
def resource_exposure(ctx: CheckContext) -> Iterator[Finding]:
    """A non-admin principal allowed permissions-management actions (the catalogue's access
    level) or resource-policy writes"""
    yield from _judged(
        ctx, RiskClass.RESOURCE_EXPOSURE, "can change resource policies or permissions"
    )


@check(
    _spec(
        "infrastructure_modification",
        'Principal can modify infrastructure on Resource "*"',
        Severity.LOW,
        "Write actions on every resource let one compromised principal change or destroy "
        "anything of those services",
        Remediation(
            text="Scope write actions to the resources the principal manages (ARNs or tag "
            "conditions)",
            policy='{"Effect": "Allow", "Action": "lambda:UpdateFunctionCode", "Resource": '
            '"arn:aws:lambda:*:*:function:app-*"}',
        ),
        'can modify infrastructure on Resource "*"',
    )
)
def infrastructure_modification(ctx: CheckContext) -> Iterator[Finding]:
    """A non-admin principal allowed write actions on every resource"""
    yield from _judged(ctx, RiskClass.INFRASTRUCTURE_MODIFICATION, 'can write on "*"')
