"""Edges by assuming a role: `sts:AssumeRole` (sts-001), decided on both sides, and
`sts:AssumeRoleWithWebIdentity` / `sts:AssumeRoleWithSAML` from identity providers

The caller's policies and the role's trust policy both take part (the engine requires the
trust policy to grant). Principals of other accounts named in a trust policy are nodes of
their own: their side is their account's policies, which the snapshot does not hold, so it
stands as an Allow of `sts:AssumeRole` and the edge says so. An identity provider a trust
policy names (`Federated`) is a node too, standing for the holders of its tokens or
assertions: those calls are unsigned, so only the trust policy decides (IAM User Guide,
id_roles_providers_oidc / id_roles_providers_saml), and the claims it checks (`sub`, `aud`,
`SAML:aud`, …) are the token holder's: undecided, listed as the edge's conditions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from iamwarden.analysis.escalation.asking import Asker, Targets, emit, target_context
from iamwarden.analysis.escalation.model import Decided, Edge, Fan
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
from iamwarden.snapshot import Role, User

__all__ = [
    "EXTERNAL_NOTE",
    "FEDERATED_NOTE",
    "assume_role_edges",
    "external_principals",
    "federated_edges",
    "federated_providers",
]

EXTERNAL_NOTE = "the other account's own policies must allow sts:AssumeRole (not in the snapshot)"
FEDERATED_NOTE = (
    "anyone holding the identity provider's token or assertion with the claims the trust "
    "policy requires (outside the account)"
)
_WITH_SAML = ("sts:AssumeRoleWithSAML", "iw-assume-role-with-saml")
_WITH_WEB_IDENTITY = ("sts:AssumeRoleWithWebIdentity", "iw-assume-role-with-web-identity")
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


def _stand_in() -> Policy:
    return parse_policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "sts:AssumeRole", "Resource": "*"}]}',
        name="(the other account's policies)",
    )


def _identity_key(value: str) -> tuple[str, str, str] | None:
    """(user or role, account, name) of a user or role ARN (its path aside), else None"""
    arn = try_parse_arn(value)
    if arn is None or arn.service != "iam":
        return None
    kind, _, rest = arn.resource.partition("/")
    if kind not in ("user", "role") or not rest:
        return None
    return (kind, arn.account, rest.rsplit("/", 1)[-1])


@dataclass(frozen=True, slots=True, kw_only=True)
class _TrustGroup:
    """Roles with the same trust policy text and tags: decided together for each source"""

    trust: Policy
    roles: Targets
    named: frozenset[tuple[str, str, str]]
    """The users and roles (`_identity_key`) its Allow statements name (such a grant needs no
    identity-policy Allow in the same account)"""
    delegates: bool
    """An Allow names the account (its root ARN or id): the caller's policies decide"""
    anyone: bool
    """An Allow names `*`, a NotPrincipal or a principal not classified above"""


def _trust_group(trust: Policy, roles: list[Role], account: str) -> _TrustGroup:
    named: set[tuple[str, str, str]] = set()
    delegates = anyone = False
    for statement in trust.statements:
        if statement.effect is not Effect.ALLOW:
            continue
        if statement.not_principal:
            anyone = True
        for kind, values in statement.principal or ():
            if kind != "AWS":
                anyone = anyone or kind == "*"
                continue
            for value in values:
                arn = try_parse_arn(value)
                key = _identity_key(value)
                if value.isdigit() and len(value) == 12:
                    delegates = delegates or value == account
                elif arn is not None and arn.service == "iam" and arn.resource == "root":
                    delegates = delegates or arn.account == account
                elif key is not None:
                    named.add(key)
                else:
                    anyone = True  # `*`, a session or anything else: asked of every source
    return _TrustGroup(
        trust=trust,
        roles=Targets(roles),
        named=frozenset(named),
        delegates=delegates,
        anyone=anyone,
    )


def _groups(asker: Asker, roles: list[Role]) -> list[_TrustGroup]:
    """Roles grouped by trust policy text (the engine decides alike for the same text but
    for the statements naming the role ARN, which the bulk query tells apart)"""
    grouped: dict[str, tuple[Policy, list[Role]]] = {}
    for role in roles:
        trust = asker.trust(role)
        assert trust is not None
        grouped.setdefault(trust.digest, (trust, []))[1].append(role)
    account = asker.snapshot.account.id
    return [_trust_group(trust, members, account) for trust, members in grouped.values()]


def _assume(asker: Asker, source: User | Role) -> Callable[[str], Edge | None]:
    """The sts-001 edge from `source` to a role, decided on both sides by the engine"""

    def make(target: str) -> Edge | None:
        role = asker.snapshot.role(target)
        trust = asker.trust(role) if role is not None else None
        if role is None or trust is None:
            return None
        decided = asker.ask(
            source,
            "sts:AssumeRole",
            role.arn,
            context=target_context(role),
            resource_policy=trust,
            unknown=_EXTERNAL_ID,
        )
        if decided is None:
            return None
        return Edge(
            source=source.arn,
            target=role.arn,
            technique="sts-001",
            actions=("sts:AssumeRole",),
            decisions=(decided,),
        )

    return make


def assume_role_edges(asker: Asker) -> Iterator[Edge | Fan]:
    """sts-001 from every principal of the account, and of other accounts, to every role

    Per source, one bulk question per group of roles with the same trust policy that can
    grant it (by name, through the account, or to anyone); the trust policy of the group's
    first role stands for the others (the same text decides alike), and every edge a path
    uses is decided again with the role's own."""
    snapshot = asker.snapshot
    account = snapshot.account
    sources = [p for p in snapshot.principals() if asker.own(p).is_complete]
    stand_in = _stand_in()
    readable = [r for r in snapshot.roles if asker.trust(r) is not None]
    groups = _groups(asker, readable)
    for source in sources:
        may = asker.may(source, "sts:AssumeRole")
        allowed: dict[str, bool] = {}
        for group in groups:
            named = _identity_key(source.arn) in group.named
            if not (group.anyone or named or (may and group.delegates)):
                continue
            for context, listed in group.roles.groups:
                allowed.update(
                    asker.allowed(
                        source,
                        "sts:AssumeRole",
                        listed,
                        context=context,
                        resource_policy=group.trust,
                        unknown=_EXTERNAL_ID,
                    )
                )
        yield from emit(source.arn, "sts-001", allowed, _assume(asker, source))
    for role in readable:
        trust = asker.trust(role)
        assert trust is not None
        context = target_context(role)
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


def federated_providers(trust: Policy) -> tuple[str, ...]:
    """The identity providers (`Federated` principals: an OIDC or SAML provider ARN, or a
    public provider such as `cognito-identity.amazonaws.com`) an Allow statement names"""
    found = [
        value
        for statement in trust.statements
        if statement.effect is Effect.ALLOW
        for kind, values in statement.principal or ()
        if kind == "Federated"
        for value in values
    ]
    return tuple(dict.fromkeys(found))


def federated_edges(asker: Asker) -> Iterator[Edge]:
    """An edge from each identity provider to each role whose trust policy lets the
    provider's users assume it (`sts:AssumeRoleWithSAML` for a SAML provider,
    `sts:AssumeRoleWithWebIdentity` otherwise), the trust policy's claims undecided"""
    for role in asker.snapshot.roles:
        trust = asker.trust(role)
        if trust is None:
            continue
        providers = federated_providers(trust)
        if not providers:
            continue
        claims = frozenset(
            key
            for key in (c.key.lower() for st in trust.statements for c in st.conditions)
            if not key.startswith("aws:") or asker.catalog.is_global_condition_key(key)
        )
        context = target_context(role)
        for provider in providers:
            action, technique = _WITH_SAML if ":saml-provider/" in provider else _WITH_WEB_IDENTITY
            request = Request(
                principal=provider,
                action=action,
                resource=role.arn,
                context=context,
                unknown_keys=REQUEST_KEYS | claims,
            )
            policies = PolicySet(resource=trust)
            evaluation = evaluate(request, policies, catalog=asker.catalog)
            if evaluation.decision is Decision.ALLOWED:
                yield Edge(
                    source=provider,
                    target=role.arn,
                    technique=technique,
                    actions=(action,),
                    decisions=(Decided(request=request, policies=policies, evaluation=evaluation),),
                    note=FEDERATED_NOTE,
                )
