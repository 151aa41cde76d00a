"""Edges by creating a role: `iam:CreateRole`, an administrator policy on it, and assuming it

A principal that may create a role without a permissions boundary, put an inline policy on
it (or attach AdministratorAccess), and assume it through the trust policy it writes (naming
itself; in the same account such a trust policy needs no `sts:AssumeRole` in the caller's
own policies, IAM User Guide, reference_policies_evaluation-logic-cross-account) is an
administrator when the account's SCPs and RCPs let a role holding `*` on `*` do everything.
The new role's name is the caller's choice: it is asked at a name of its own and at each
role-name pattern the caller's policies name, wildcards filled in. Every step is one
engine decision; `iam:PermissionsBoundary` is absent from the CreateRole request (a policy
that requires a boundary denies it, as IAM does).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from iamwarden.analysis.escalation.asking import Asker
from iamwarden.analysis.escalation.model import ADMIN, Decided, Edge
from iamwarden.analysis.escalation.policy_changes import admin_policy_arn
from iamwarden.policy import (
    Decision,
    Policy,
    PolicyKind,
    PolicySet,
    evaluate,
    parse_policy,
    try_parse_arn,
)
from iamwarden.snapshot import Role, User

__all__ = ["NEW_ROLE", "create_role_edges", "role_names"]

NEW_ROLE = "iamwarden-new-role"
"""The name asked for a role the caller creates when its policies name no pattern"""

_ALLOW_ALL = parse_policy(
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}',
    name="the new role's inline policy (written by the caller)",
)


def role_names(asker: Asker, source: User | Role) -> tuple[str, ...]:
    """Role ARNs `source` could create: one of its own choosing, then one for each role
    pattern of the account its identity policies name (`*` filled in as `iamwarden-new`,
    `?` as `x`)"""
    account = asker.snapshot.account
    found = [f"arn:{account.partition}:iam::{account.id}:role/{NEW_ROLE}"]
    for policy in asker.own(source).policies.identity:
        for statement in policy.statements:
            for value in statement.resource or ():
                arn = try_parse_arn(value)
                if (
                    arn is None
                    or arn.service != "iam"
                    or arn.account not in (account.id, "*")
                    or not arn.resource.startswith("role/")
                    or ("*" not in value and "?" not in value)
                ):
                    continue
                filled = value.replace("*", "iamwarden-new").replace("?", "x")
                found.append(filled.replace(":iam::iamwarden-new:", f":iam::{account.id}:"))
    return tuple(dict.fromkeys(found))


def _trust(source: User | Role, role_arn: str) -> Policy:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": source.arn}, "Action": "sts:AssumeRole"}
        ],
    }
    return parse_policy(json.dumps(document), name=f"{role_arn}:trust", kind=PolicyKind.RESOURCE)


def _admin_as_new_role(asker: Asker, role_arn: str) -> Decided | None:
    """The new role, holding `*` on `*` and no boundary, is an administrator under the
    account's SCPs and RCPs"""
    request = asker.permissions.principal_request(role_arn)
    policies = asker.with_organization(PolicySet(identity=(_ALLOW_ALL,)))
    evaluation = evaluate(request, policies, catalog=asker.catalog)
    if evaluation.decision is not Decision.ALLOWED:
        return None
    return Decided(request=request, policies=policies, evaluation=evaluation)


def _create(asker: Asker, source: User | Role, role_arn: str) -> tuple[Decided, ...] | None:
    created = asker.ask(source, "iam:CreateRole", role_arn)
    if created is None:
        return None
    admin_arn = admin_policy_arn(asker.snapshot.account.partition)
    granted = asker.ask(source, "iam:PutRolePolicy", role_arn) or asker.ask(
        source, "iam:AttachRolePolicy", role_arn, context={"iam:PolicyARN": admin_arn}
    )
    if granted is None:
        return None
    assumed = asker.ask(
        source, "sts:AssumeRole", role_arn, resource_policy=_trust(source, role_arn)
    )
    if assumed is None:
        return None
    admin = _admin_as_new_role(asker, role_arn)
    return None if admin is None else (created, granted, assumed, admin)


def create_role_edges(asker: Asker, *, skip: frozenset[str] = frozenset()) -> Iterator[Edge]:
    """`iw-create-role` from every principal (but those in `skip`, administrators already)
    that may create an unbounded role, give it `*` on `*` and assume it: an edge to `admin`"""
    for source in asker.snapshot.principals():
        if source.arn in skip or not asker.own(source).is_complete:
            continue
        if not asker.may(source, "iam:CreateRole"):
            continue
        for role_arn in role_names(asker, source):
            decided = _create(asker, source, role_arn)
            if decided is not None:
                yield Edge(
                    source=source.arn,
                    target=ADMIN,
                    technique="iw-create-role",
                    actions=tuple(dict.fromkeys(d.request.action for d in decided)),
                    decisions=decided,
                    note=f"creates {role_arn} without a permissions boundary",
                )
                break
