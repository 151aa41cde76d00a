"""Edges by assuming a role: `sts:AssumeRole` (sts-001), decided on both sides

The caller's policies and the role's trust policy both take part (the engine requires the
trust policy to grant). Principals of other accounts named in a trust policy are nodes of
their own: their side is their account's policies, which the snapshot does not hold, so it
stands as an Allow of `sts:AssumeRole` and the edge says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from iamwarden.analysis.escalation.asking import Asker, target_context
from iamwarden.analysis.escalation.model import Decided, Edge
from iamwarden.analysis.permissions import MFA_KEYS
from iamwarden.policy import (
    Decision,
    Effect,
    Policy,
    PolicyKind,
    PolicySet,
    Request,
    evaluate,
    parse_policy,
    try_parse_arn,
)
from iamwarden.policy.keys import PRINCIPAL_KEYS, REQUEST_KEYS
from iamwarden.snapshot import Role

__all__ = ["EXTERNAL_NOTE", "assume_role_edges", "external_principals"]

EXTERNAL_NOTE = "the other account's own policies must allow sts:AssumeRole (not in the snapshot)"
_EXTERNAL_ID = frozenset({"sts:externalid"})


def external_principals(trust: Policy, account: str, partition: str) -> tuple[str, ...]:
    """The principals of other accounts an Allow statement of `trust` names (an account id
    as its root ARN)"""
    found: list[str] = []
    for statement in trust.statements:
        if statement.effect is not Effect.ALLOW or not statement.principal:
            continue
        for kind, values in statement.principal:
            if kind != "AWS":
                continue
            for value in values:
                if value.isdigit() and len(value) == 12:
                    value = f"arn:{partition}:iam::{value}:root"
                arn = try_parse_arn(value)
                if arn is not None and arn.account and arn.account != account:
                    found.append(value)
    return tuple(dict.fromkeys(found))


def _named(trust: Policy) -> frozenset[str]:
    """The principal ARNs an Allow statement of `trust` names (same account: such a grant
    needs no identity-policy Allow)"""
    return frozenset(
        value
        for statement in trust.statements
        if statement.effect is Effect.ALLOW and statement.principal
        for kind, values in statement.principal
        if kind == "AWS"
        for value in values
    )


def _stand_in() -> Policy:
    return parse_policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "sts:AssumeRole", "Resource": "*"}]}',
        name="(the other account's policies)",
    )


def _delegating(account: str, partition: str) -> Policy:
    """A trust policy that grants the account, so that the caller's own policies decide"""
    return parse_policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
        name="(delegates to the caller's policies)",
        kind=PolicyKind.RESOURCE,
    )


def _candidates(asker: Asker, roles: list[Role]) -> dict[str, set[str]]:
    """For each principal, the roles its own policies (boundary and SCPs included) let it
    assume, decided in bulk against a trust policy that delegates to them; a trust policy
    that names the principal itself needs no such Allow, so those roles are added"""
    account = asker.snapshot.account
    delegating = _delegating(account.id, account.partition)
    arns = [r.arn for r in roles]
    found: dict[str, set[str]] = {}
    named: dict[str, set[str]] = {}
    for role in roles:
        trust = asker.trust(role)
        for arn in _named(trust) if trust is not None else ():
            named.setdefault(arn, set()).add(role.arn)
    for source in asker.snapshot.principals():
        if not asker.own(source).is_complete:
            continue
        chosen = set(named.get(source.arn, ())) | named.get("*", set())
        if asker.may(source, "sts:AssumeRole"):
            allowed = asker.allowed_among(
                source, "sts:AssumeRole", arns, resource_policy=delegating, unknown=_EXTERNAL_ID
            )
            chosen |= {arn for arn, yes in zip(arns, allowed, strict=True) if yes}
        found[source.arn] = chosen
    return found


def assume_role_edges(asker: Asker) -> Iterator[Edge]:
    """sts-001 from every principal of the account, and of other accounts, to every role"""
    snapshot = asker.snapshot
    account = snapshot.account
    sources = [p for p in snapshot.principals() if asker.own(p).is_complete]
    stand_in = _stand_in()
    readable = [r for r in snapshot.roles if asker.trust(r) is not None]
    candidates = _candidates(asker, readable)
    for role in readable:
        trust = asker.trust(role)
        assert trust is not None
        context = target_context(role)
        for source in sources:
            if source.arn == role.arn or role.arn not in candidates[source.arn]:
                continue  # neither its own policies nor a grant to it by name
            decided = asker.ask(
                source,
                "sts:AssumeRole",
                role.arn,
                context=context,
                resource_policy=trust,
                unknown=_EXTERNAL_ID,
            )
            if decided is not None:
                yield Edge(
                    source=source.arn,
                    target=role.arn,
                    technique="sts-001",
                    actions=("sts:AssumeRole",),
                    decisions=(decided,),
                )
        for external in external_principals(trust, account.id, account.partition):
            request = Request(
                principal=external,
                action="sts:AssumeRole",
                resource=role.arn,
                context=context,
                unknown_keys=REQUEST_KEYS | PRINCIPAL_KEYS | MFA_KEYS | _EXTERNAL_ID,
            )
            policies = PolicySet(identity=(stand_in,), resource=trust)
            evaluation = evaluate(request, policies, catalog=asker.catalog)
            if evaluation.decision is Decision.ALLOWED:
                yield Edge(
                    source=external,
                    target=role.arn,
                    technique="sts-001",
                    actions=("sts:AssumeRole",),
                    decisions=(Decided(request=request, policies=policies, evaluation=evaluation),),
                    note=EXTERNAL_NOTE,
                )
