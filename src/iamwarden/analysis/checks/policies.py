"""Checks of what policies allow: full admin, admin principals, sensitive wildcards, unused roles

Every question goes to the engine through `ctx.permissions`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from iamwarden.analysis.evidence import (
    counted,
    days_between,
    iso,
    only_under,
    statement_refs,
    undecided_conditions,
)
from iamwarden.analysis.permissions import Sensitivity
from iamwarden.analysis.principals import inline_policy, managed_policy
from iamwarden.analysis.registry import (
    CIS_REFERENCE,
    CheckContext,
    CheckSpec,
    Remediation,
    check,
)
from iamwarden.errors import InputError
from iamwarden.findings import Finding, Severity
from iamwarden.policy import Effect, Evaluation, Policy
from iamwarden.snapshot import DataSet, Group, ManagedPolicy, Role, User

__all__ = [
    "group_admin_access",
    "policy_no_full_admin",
    "policy_wildcard_sensitive_actions",
    "role_admin_access",
    "role_unused_90_days",
    "user_admin_access",
]

LEAST_PRIVILEGE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
)
ACCESS_LEVELS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html"
LAST_USED = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html"
UNUSED_ROLE_DAYS = 90
_ORDER = {
    kind: rank
    for rank, kind in enumerate(
        (
            Sensitivity.CREDENTIALS,
            Sensitivity.RESOURCE_POLICY_WRITE,
            Sensitivity.PERMISSIONS_MANAGEMENT,
        )
    )
}


def _admin_spec(
    kind: str,
    *,
    title: str,
    severity: Severity,
    rationale: str,
    group_title: str,
    references: tuple[str, ...],
) -> CheckSpec:
    """The spec of `<kind>_admin_access`; its remediation removes the policies the finding's
    statements name"""
    return CheckSpec(
        id=f"{kind}_admin_access",
        title=title,
        severity=severity,
        rationale=rationale,
        group_title=group_title,
        references=references,
        resource_type=f"AwsIam{kind.title()}",
        remediation=Remediation(
            text="Replace full access with policies scoped to the services and resources "
            "actually used (`iamwarden activity generate --principal ARN` drafts one from "
            "CloudTrail, verified by the engine); the finding's "
            "statements name the policies that grant it",
            command=f"aws iam detach-{kind}-policy --{kind}-name <{kind}> --policy-arn <policy "
            f"arn>  # inline: aws iam delete-{kind}-policy --{kind}-name <{kind}> "
            "--policy-name <name>",
        ),
        group_label=f"{kind.title()}s",
        needs=(DataSet.AUTHORIZATION_DETAILS,),
    )


def _attached_arns(ctx: CheckContext) -> dict[str, list[str]]:
    """Managed policy ARN → the users, groups and roles it is attached to"""
    found: dict[str, list[str]] = {}
    for entity in ctx.entities():
        for arn in entity.attached_policies:
            found.setdefault(arn, []).append(entity.arn)
    for policy in ctx.snapshot.policies:
        if policy.attachment_count > 0:
            found.setdefault(policy.arn, [])
    return found


@check(
    CheckSpec(
        id="policy_no_full_admin",
        title='Attached or inline policy allows full "*:*" administrative privileges',
        severity=Severity.HIGH,
        resource_type="AwsIamPolicy",
        rationale="A policy granting every action on every resource defeats least privilege",
        remediation=Remediation(
            text="Detach the managed policy from every holder (or delete the inline policy) and "
            "grant only the actions the holders need",
            command="aws iam list-entities-for-policy --policy-arn <arn>  # then "
            "detach-user-policy / detach-group-policy / detach-role-policy for each; inline: "
            "aws iam delete-role-policy --role-name <role> --policy-name <name>",
        ),
        group_title='{count} attached or inline policies allow full "*:*" access',
        group_label="Policies",
        references=(CIS_REFERENCE, LEAST_PRIVILEGE),
        needs=(DataSet.AUTHORIZATION_DETAILS,),
    )
)
def policy_no_full_admin(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for every attached managed policy and every inline policy (attached to its user,
    group or role by definition) whose Allow statements alone allow `*` on `*` (CIS 1.16)

    As the benchmark's audit reads it ("should not have any Statement block with Effect Allow
    and Action `*` and Resource `*`"), the Allow counts whatever its conditions and whatever
    Deny statements sit beside it: every condition key is undecided and the Denies are named
    in the evidence, not subtracted. Allows add up (`s3:*` plus `NotAction: s3:*`).
    """
    policies: list[tuple[str, str, list[str], Policy | InputError | None]] = []
    for arn, holders in _attached_arns(ctx).items():
        stored = ctx.snapshot.policy(arn)
        name = stored.name if stored else arn
        policies.append((arn, name, sorted(holders), _parsed(ctx, stored) if stored else None))
    for resource, name, entity, parsed in _inline_policies(ctx):
        policies.append((resource, name, [entity.arn], parsed))
    for resource, name, holders, policy in sorted(policies, key=lambda item: item[0]):
        facts: dict[str, Any] = {"subject": name, "attached_to": holders}
        if policy is None:
            yield ctx.not_assessed(resource, "attached policy not in the snapshot", **facts)
        elif isinstance(policy, InputError):
            yield _unreadable(ctx, resource, name, policy, **facts)
        elif (access := ctx.permissions.policy_admin(policy)).is_admin:
            under = only_under(access.conditions)
            denies = [
                {"index": s.index, "sid": s.sid, "pointer": s.pointer}
                for s in policy.statements
                if s.effect is Effect.DENY
            ]
            yield ctx.fail(
                resource,
                f"{name} allows every action on every resource" + (f" {under}" if under else ""),
                statements=statement_refs(access.evaluation),
                requires_mfa=access.requires_mfa,
                only_under=under,
                only_if=undecided_conditions(access.conditions),
                deny_statements=denies,
                **facts,
            )
        else:
            yield ctx.passed(resource, f"{name} does not allow full access", **facts)


def _unreadable(
    ctx: CheckContext, resource: str, name: str, error: InputError, **facts: Any
) -> Finding:
    """NOT_ASSESSED: the policy `resource` cannot be read (its gap is the evidence)"""
    message = f"{name} cannot be read: {error}"
    return ctx.unreadable(resource, message, (resource,), error=str(error), **facts)


def _parsed(ctx: CheckContext, policy: ManagedPolicy) -> Policy | InputError:
    try:
        return managed_policy(policy)
    except InputError as error:
        return error


def _inline_policies(
    ctx: CheckContext,
) -> Iterator[tuple[str, str, User | Group | Role, Policy | InputError]]:
    """(resource id `<entity arn>:<name>`, display name `<entity>/<name>`, its entity, the
    parsed policy or its error) of every inline policy"""
    for entity in ctx.entities():
        for inline in entity.inline_policies:
            resource, name = f"{entity.arn}:{inline.name}", f"{entity.name}/{inline.name}"
            try:
                yield resource, name, entity, inline_policy(entity, inline)
            except InputError as error:
                yield resource, name, entity, error


def _admin_findings(
    ctx: CheckContext, entities: tuple[User | Role | Group, ...], kind: str
) -> Iterator[Finding]:
    used = {s.principal_arn: s for s in ctx.snapshot.service_last_accessed}
    for entity in sorted(entities, key=lambda e: e.arn):
        resolved = ctx.permissions.identity(entity)
        if not resolved.is_complete:
            yield ctx.incomplete(entity.arn, kind, resolved, subject=entity.name)
            continue
        principal = ctx.permissions.holder if isinstance(entity, Group) else entity.arn
        access = ctx.permissions.admin_access(principal, resolved.policies)
        if not access.is_admin:
            yield ctx.passed(
                entity.arn, f"{entity.name} is not an administrator", subject=entity.name
            )
            continue
        under = only_under(access.conditions)
        facts: dict[str, Any] = {
            "subject": entity.name,
            "statements": statement_refs(access.without_mfa or access.evaluation),
            "requires_mfa": access.requires_mfa,
            "only_under": under,
            "only_if": undecided_conditions(access.conditions),
        }
        message = f"{entity.name} has full administrator access" + (f" {under}" if under else "")
        services = used.get(entity.arn)
        if services is not None and ctx.snapshot.has(DataSet.SERVICE_LAST_ACCESSED):
            names = sorted(s.namespace for s in services.services if s.last_authenticated)
            facts["services_used"] = names
            used_only = f" but used only {counted(len(names), 'service')} ({', '.join(names)})"
            message += used_only if names else " and never used it"
        yield ctx.fail(entity.arn, message, **facts)


@check(
    _admin_spec(
        "user",
        title="User has full administrator access",
        severity=Severity.HIGH,
        rationale="Long-lived user credentials with full access are the costliest secret to leak",
        group_title="{count} users with full administrator access",
        references=(LEAST_PRIVILEGE,),
    )
)
def user_admin_access(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for users whose identity policies (and boundary) allow `*` on `*`"""
    yield from _admin_findings(ctx, ctx.snapshot.users, "user")


@check(
    _admin_spec(
        "role",
        title="Role has full administrator access",
        severity=Severity.HIGH,
        rationale="Anyone who can assume the role controls the account",
        group_title="{count} roles with full administrator access",
        references=(LEAST_PRIVILEGE, LAST_USED),
    )
)
def role_admin_access(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for roles whose identity policies (and boundary) allow `*` on `*`"""
    roles = tuple(r for r in ctx.snapshot.roles if not r.is_service_linked)
    yield from _admin_findings(ctx, roles, "role")


@check(
    _admin_spec(
        "group",
        title="Group grants full administrator access",
        severity=Severity.MEDIUM,
        rationale="Every member, present and future, becomes an administrator",
        group_title="{count} groups grant full administrator access",
        references=(LEAST_PRIVILEGE,),
    )
)
def group_admin_access(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for groups whose policies allow `*` on `*`"""
    yield from _admin_findings(ctx, ctx.snapshot.groups, "group")


def _customer_policies(ctx: CheckContext) -> Iterator[tuple[str, str, Policy | InputError]]:
    """(resource id, display name, parsed policy or its error) of each customer/inline policy"""
    attached = _attached_arns(ctx)
    boundaries = {p.permissions_boundary for p in ctx.snapshot.principals()}
    for managed in ctx.snapshot.policies:
        is_boundary = managed.boundary_usage_count > 0 or managed.arn in boundaries
        if managed.is_aws_managed or (is_boundary and managed.arn not in attached):
            continue  # AWS's own, or only a permissions boundary (which grants nothing)
        yield managed.arn, managed.name, _parsed(ctx, managed)
    for resource, name, _, policy in _inline_policies(ctx):
        yield resource, name, policy


@check(
    CheckSpec(
        id="policy_wildcard_sensitive_actions",
        title='Policy allows sensitive actions on Resource "*"',
        severity=Severity.HIGH,
        resource_type="AwsIamPolicy",
        rationale="Permissions management, credential-returning and resource-policy actions on "
        "every resource are privilege-escalation paths",
        remediation=Remediation(
            text="Scope each sensitive action to the ARNs it needs, or add conditions",
            policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":'
            '"iam:PassRole","Resource":"arn:aws:iam::<account id>:role/<the role the service '
            'needs>","Condition":{"StringEquals":{"iam:PassedToService":"<service>.amazonaws.com"'
            "}}}]}",
        ),
        group_title='{count} policies allow sensitive actions on Resource "*"',
        group_label="Policies",
        references=(ACCESS_LEVELS, LEAST_PRIVILEGE),
        needs=(DataSet.AUTHORIZATION_DETAILS,),
    )
)
def policy_wildcard_sensitive_actions(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for each customer-managed or inline policy that alone allows a sensitive action
    on Resource `*`; the engine decides each action (bulk)
    """
    why = ctx.permissions.sensitive_actions
    found = sorted(_customer_policies(ctx), key=lambda item: item[0])
    summaries: dict[tuple[str, str], _Sensitive] = {}
    for resource, name, policy in found:
        if isinstance(policy, InputError):
            yield _unreadable(ctx, resource, name, policy, subject=name)
            continue
        key = (policy.kind.value, policy.digest)
        summary = summaries.get(key)
        if summary is None:
            summary = summaries[key] = _summarise(ctx.permissions.sensitive_allowed(policy), why)
        actions = summary.actions
        if not actions:
            yield ctx.passed(
                resource, f"{name} allows no sensitive action on every resource", subject=name
            )
            continue
        shown = ", ".join(actions[:5]) + (
            f" and {len(actions) - 5} more" if len(actions) > 5 else ""
        )
        yield ctx.fail(
            resource,
            f"{name} allows {counted(len(actions), 'sensitive action')} on every resource: "
            + shown,
            subject=name,
            actions={kind: list(names) for kind, names in summary.by_kind.items()},
            only_under=dict(summary.only_under),
            # one document's statements, cited under the name of the policy holding it
            statements=[{**ref, "policy": policy.name} for ref in summary.statements],
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Sensitive:
    """The evidence of one policy document's sensitive actions on Resource `*`"""

    actions: tuple[str, ...]
    by_kind: Mapping[str, tuple[str, ...]]
    only_under: Mapping[str, str]
    statements: tuple[Mapping[str, Any], ...]


def _summarise(
    allowed: tuple[tuple[str, Evaluation], ...], why: Mapping[str, Sensitivity]
) -> _Sensitive:
    """The actions (most sensitive kind first), by kind, their conditions and the statements
    (deduplicated, in policy order) of a policy's engine answers"""
    actions = sorted((a for a, _ in allowed), key=lambda a: (_ORDER[why[a]], a))
    by_kind: dict[str, list[str]] = {}
    for action in actions:
        by_kind.setdefault(why[action].value, []).append(action)
    refs = tuple(dict.fromkeys(ref for _, answer in allowed for ref in answer.reasons))
    return _Sensitive(
        actions=tuple(actions),
        by_kind={kind: tuple(names) for kind, names in by_kind.items()},
        only_under={a: only_under(e.undecided) for a, e in allowed if e.undecided},
        statements=tuple(
            sorted(
                {(r["policy"], r["index"], r["pointer"]): r for r in statement_refs(refs)}.values(),
                key=lambda r: (r["policy"], r["index"]),
            )
        ),
    )


@check(
    CheckSpec(
        id="role_unused_90_days",
        title=f"Role unused for {UNUSED_ROLE_DAYS} days",
        severity=Severity.LOW,
        resource_type="AwsIamRole",
        rationale="Unused roles keep trust and permissions nobody reviews",
        remediation=Remediation(
            text="Confirm nothing assumes the role, then delete it",
            command="aws iam delete-role --role-name <role>  # after detaching its policies",
        ),
        group_title=f"{{count}} roles unused for {UNUSED_ROLE_DAYS}+ days",
        group_label="Roles",
        references=(LAST_USED,),
        needs=(DataSet.AUTHORIZATION_DETAILS,),
    )
)
def role_unused_90_days(ctx: CheckContext) -> Iterator[Finding]:
    """Fail for roles (not service-linked) last used, or created and never used, 90+ days ago

    Last use is the later of `RoleLastUsed` and the role's service-last-accessed data. A role
    neither source says anything about (an export from before AWS reported `RoleLastUsed`)
    is NOT_ASSESSED: absent data is not "never used".
    """
    cutoff = ctx.now - timedelta(days=UNUSED_ROLE_DAYS)
    accessed = (
        {s.principal_arn: s for s in ctx.snapshot.service_last_accessed}
        if ctx.snapshot.has(DataSet.SERVICE_LAST_ACCESSED)
        else {}
    )
    for role in sorted(ctx.snapshot.roles, key=lambda r: r.arn):
        if role.is_service_linked:
            continue
        services = accessed.get(role.arn)
        uses = [(a.last_authenticated, a.namespace) for a in services.services] if services else []
        known = [(when, name) for when, name in uses if when is not None]
        service_use = max(known) if known else None
        last_used = max(
            (w for w in (role.last_used, service_use[0] if service_use else None) if w),
            default=None,
        )
        facts: dict[str, Any] = {
            "subject": role.name,
            "last_used": iso(role.last_used),
            "last_used_known": role.is_last_used_known,
            "last_service_use": None
            if service_use is None
            else {"service": service_use[1], "at": iso(service_use[0])},
            "created": iso(role.created),
        }
        is_use_known = role.is_last_used_known or services is not None
        if last_used is None and not is_use_known:
            yield ctx.not_assessed(
                role.arn,
                f"last use of {role.name} not known: no RoleLastUsed or service last accessed",
                **facts,
            )
            continue
        last = last_used or role.created
        if last is None:
            yield ctx.not_assessed(role.arn, "role creation and last use not known", **facts)
            continue
        age = counted(days_between(last, ctx.now), "day")
        if last_used is None:
            what = "created and never used"
        elif service_use is not None and last_used == service_use[0]:
            what = f"last used ({service_use[1]})"
        else:
            what = "last used"
        if last < cutoff:
            yield ctx.fail(role.arn, f"{role.name} {what} {age} ago", **facts)
        else:
            yield ctx.passed(role.arn, f"{role.name} {what} {age} ago", **facts)
