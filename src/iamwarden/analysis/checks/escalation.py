"""Checks over the escalation graph: paths to admin, and permissions boundaries that do not
hold

The graph is built once per assessment (cached on the assessment's `Permissions`); every
edge is the engine's decision. A principal whose policies are incomplete is NOT_ASSESSED; so
is one without a path when compute resources were not collected (a path through them cannot
be ruled out).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import replace

from iamwarden.analysis.escalation import EscalationGraph, Path, build_graph
from iamwarden.analysis.escalation.cut import cut_path
from iamwarden.analysis.escalation.describe import chain, fixes, short_name
from iamwarden.analysis.escalation.model import edge_json
from iamwarden.analysis.permissions import Permissions
from iamwarden.analysis.registry import CheckContext, CheckSpec, Remediation, check
from iamwarden.findings import Finding, Severity
from iamwarden.snapshot import DataSet, Role, User

__all__ = ["boundary_bypass", "escalation_graph", "privilege_escalation"]

PRIVESC_DOC = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
)
BOUNDARY_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
_GRAPHS: weakref.WeakKeyDictionary[Permissions, EscalationGraph] = weakref.WeakKeyDictionary()
MAX_PRINCIPALS = 2000
"""Above this many users and roles `assess` does not build the graph: on the dense accounts
of `benchmarks.assess` (wildcard PassRole, AssumeRole and IAM writes) 2,000 principals take
about 10 s of one core, more than the rest of an assessment; the checks are then
NOT_ASSESSED on the account, and `iamwarden paths` builds it on demand"""


def _too_large(ctx: CheckContext) -> Finding | None:
    count = len(ctx.snapshot.users) + len(ctx.snapshot.roles)
    if count <= MAX_PRINCIPALS:
        return None
    return ctx.not_assessed(
        ctx.snapshot.account.root_arn,
        f"escalation graph not built in assess: {count} principals (limit "
        f"{MAX_PRINCIPALS}); run `iamwarden paths`",
        resource_type="AwsAccount",
        principals=count,
        limit=MAX_PRINCIPALS,
    )


def escalation_graph(ctx: CheckContext) -> EscalationGraph:
    """The assessment's escalation graph, built on first use"""
    found = _GRAPHS.get(ctx.permissions)
    if found is None:
        found = build_graph(ctx.snapshot, ctx.catalog, ctx.permissions)
        _GRAPHS[ctx.permissions] = found
    return found


def _mfa_hop(path: Path) -> str:
    for hop in path.hops:
        if hop.requires_mfa:
            return f"{hop.technique} to {short_name(hop.target)}"
    return ""


def _principals(ctx: CheckContext) -> Iterator[User | Role]:
    yield from ctx.snapshot.users
    yield from ctx.snapshot.roles


def _kind(principal: User | Role) -> tuple[str, str]:
    return ("user", "AwsIamUser") if isinstance(principal, User) else ("role", "AwsIamRole")


def _path_finding(ctx: CheckContext, principal: User | Role, path: Path, what: str) -> Finding:
    _, resource_type = _kind(principal)
    mfa = _mfa_hop(path)
    message = f"{principal.name} {what}: {chain(path)}"
    if mfa:
        message += f" (only with MFA: {mfa})"
    finding = ctx.fail(
        principal.arn,
        message,
        resource_type=resource_type,
        subject=principal.name,
        path=[edge_json(h) for h in path.hops],
        conditional=path.is_conditional,
        requires_mfa=path.requires_mfa,
        fix=fixes(path),
        cut=cut.to_json() if (cut := cut_path(path)) is not None else None,
    )
    if mfa:
        return replace(finding, severity=Severity.HIGH)
    return finding


def _unknown(ctx: CheckContext, principal: User | Role, graph: EscalationGraph) -> Finding | None:
    kind, _ = _kind(principal)
    if principal.arn in graph.incomplete:
        return ctx.incomplete(
            principal.arn, kind, ctx.permissions.identity(principal), subject=principal.name
        )
    return None


def _no_path(ctx: CheckContext, principal: User | Role, message: str) -> Finding:
    _, resource_type = _kind(principal)
    if not ctx.snapshot.has(DataSet.COMPUTE):
        return ctx.missing(
            principal.arn, DataSet.COMPUTE, resource_type=resource_type, subject=principal.name
        )
    return ctx.passed(principal.arn, message, resource_type=resource_type, subject=principal.name)


def _judged(
    ctx: CheckContext,
    judge: Callable[[User | Role, Path | None], Finding],
    *,
    bounded_only: bool = False,
    skip_admins: bool = False,
) -> Iterator[Finding]:
    """The two checks' shared walk: NOT_ASSESSED when the graph is too large or a
    principal's policies are incomplete, else `judge` of each principal's path (or None)"""
    too_large = _too_large(ctx)
    if too_large is not None:
        yield too_large
        return
    graph = escalation_graph(ctx)
    for principal in _principals(ctx):
        if bounded_only and principal.permissions_boundary is None:
            continue
        unknown = _unknown(ctx, principal, graph)
        if unknown is not None:
            yield unknown
            continue
        if skip_admins and graph.is_admin(principal.arn):
            continue
        yield judge(principal, graph.path(principal.arn))


@check(
    CheckSpec(
        id="privilege_escalation",
        title="Principal can escalate to administrator",
        severity=Severity.CRITICAL,
        resource_type="AwsIamRole",
        rationale="A principal that can reach administrator access through other principals, "
        "policy changes or compute is an administrator in all but name",
        remediation=Remediation(
            text="Remove or scope the statement that enables the path's first hop (the "
            "finding's `fix`), or cut it with a permissions boundary or SCP Deny",
            policy='{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": '
            '["iam:PassRole", "iam:CreateAccessKey", "iam:CreatePolicyVersion", '
            '"iam:Put*Policy", "iam:Attach*Policy", "iam:UpdateAssumeRolePolicy", '
            '"lambda:UpdateFunctionCode"], "Resource": "*"}]}',
        ),
        group_title="{count} principals can escalate to administrator",
        group_label="principals",
        references=(PRIVESC_DOC,),
        needs=(DataSet.AUTHORIZATION_DETAILS,),
    )
)
def privilege_escalation(ctx: CheckContext) -> Iterator[Finding]:
    """A non-admin user or role with a path to admin: the path, hop by hop"""

    def judge(principal: User | Role, path: Path | None) -> Finding:
        if path is None:
            return _no_path(ctx, principal, f"{principal.name} has no path to administrator")
        return _path_finding(ctx, principal, path, "can escalate to administrator")

    # an administrator already is skipped: user_admin_access / role_admin_access
    yield from _judged(ctx, judge, skip_admins=True)


@check(
    CheckSpec(
        id="boundary_bypass",
        title="Permissions boundary can be bypassed",
        severity=Severity.CRITICAL,
        resource_type="AwsIamRole",
        rationale="A boundary stops escalation only if its holder cannot remove or replace "
        "it, edit its policy, pass or assume a stronger role, or run code as one",
        remediation=Remediation(
            text="Deny in the boundary itself every action of the path's hops (the finding's "
            "`fix`): boundary and role changes, iam:PassRole, and take-over of compute that "
            "runs as stronger roles (lambda:UpdateFunctionCode, ssm:SendCommand, …)",
            policy='{"Sid": "DenyEscapes", "Effect": "Deny", "Action": ["iam:*", '
            '"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", '
            '"ssm:SendCommand", "ssm:StartSession"], "Resource": "*"}',
        ),
        group_title="{count} bounded principals can bypass their boundary",
        group_label="principals",
        references=(BOUNDARY_DOC,),
        needs=(DataSet.AUTHORIZATION_DETAILS,),
    )
)
def boundary_bypass(ctx: CheckContext) -> Iterator[Finding]:
    """A principal with a permissions boundary that still reaches admin"""

    def judge(principal: User | Role, path: Path | None) -> Finding:
        boundary = short_name(principal.permissions_boundary or "")
        if path is None:
            return _no_path(ctx, principal, f"boundary {boundary} of {principal.name} holds")
        return _path_finding(ctx, principal, path, f"gets around boundary {boundary}")

    yield from _judged(ctx, judge, bounded_only=True)
