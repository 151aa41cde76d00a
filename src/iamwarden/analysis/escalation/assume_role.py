"""Edges by assuming a role: `sts:AssumeRole` (sts-001), decided on both sides

The caller's policies and the role's trust policy both take part (the engine requires the
trust policy to grant). Principals of other accounts named in a trust policy are nodes of
their own: their side is their account's policies, which the snapshot does not hold, so it
stands as an Allow of `sts:AssumeRole` and the edge says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from iamwarden.analysis.escalation.asking import Asker, target_context
from iamwarden.analysis.escalation.model import Decided, Edge
from iamwarden.analysis.permissions import MFA_KEYS
from iamwarden.policy import (
    Decision,
    Effect,
    Policy,
    PolicySet,
    Request,
    evaluate,
    parse_policy,
    try_parse_arn,
)
from iamwarden.policy.keys import PRINCIPAL_KEYS, REQUEST_KEYS

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


def assume_role_edges(asker: Asker) -> Iterator[Edge]:
    """sts-001 from every principal of the account, and of other accounts, to every role"""
    snapshot = asker.snapshot
    account = snapshot.account
    sources = [p for p in snapshot.principals() if asker.own(p).is_complete]
    stand_in = _stand_in()
    for role in snapshot.roles:
        trust = asker.trust(role)
        if trust is None:
            continue
        context = target_context(role)
        named = _named(trust)
        for source in sources:
            if source.arn == role.arn:
                continue
            if not ({source.arn, "*"} & named) and not asker.may(source, "sts:AssumeRole"):
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
