"""Edges by passing a role to new compute: `iam:PassRole` plus the actions that create a
resource running as the role (EC2, Lambda, Glue, CloudFormation, CodeBuild, SageMaker, ECS,
Data Pipeline, App Runner, Bedrock AgentCore; `techniques.NEW_COMPUTE`)

A role can be passed to a service only if its trust policy lets that service assume it (an
engine decision with the service as principal); the caller needs `iam:PassRole` on the
role with `iam:PassedToService` the service, and each creating action on the resource ARNs
it would create (patterns in the account).
"""

from __future__ import annotations

from collections.abc import Iterator

from iamwarden.analysis.escalation.asking import Asker
from iamwarden.analysis.escalation.model import Decided, Edge
from iamwarden.analysis.escalation.techniques import NEW_COMPUTE, NewCompute
from iamwarden.policy import Decision, PolicySet, Request, evaluate
from iamwarden.policy.keys import REQUEST_KEYS
from iamwarden.snapshot import Role, User

__all__ = ["passrole_edges", "service_can_assume"]

_SOURCE_KEYS = frozenset({"aws:sourcearn"})


def service_can_assume(asker: Asker, role: Role, service: str) -> bool:
    """Whether `role`'s trust policy lets `service` assume it, for a resource of the account"""
    trust = asker.trust(role)
    if trust is None or role.is_service_linked:
        return False
    request = Request(
        principal=service,
        action="sts:AssumeRole",
        resource=role.arn,
        context={"aws:SourceAccount": asker.snapshot.account.id},
        unknown_keys=REQUEST_KEYS | _SOURCE_KEYS,
    )
    return evaluate(request, PolicySet(resource=trust), catalog=asker.catalog).decision is (
        Decision.ALLOWED
    )


def _resources(asker: Asker, technique: NewCompute) -> list[tuple[str, ...]]:
    """The resource ARNs each action of `technique` is asked on, once per existing resource
    for a technique that changes one"""
    account = asker.snapshot.account
    fill = {"p": account.partition, "a": account.id}
    if technique.existing is None:
        return [tuple(r.format(arn="", region="*", **fill) for r in technique.resources)]
    return [
        tuple(r.format(arn=c.arn, region=c.region or "*", **fill) for r in technique.resources)
        for c in asker.snapshot.compute
        if c.kind is technique.existing
    ]


def passrole_edges(asker: Asker) -> Iterator[Edge]:
    """The first technique of `NEW_COMPUTE` that lets each principal run code as each role"""
    snapshot = asker.snapshot
    sources = [
        p
        for p in snapshot.principals()
        if asker.own(p).is_complete and asker.may(p, "iam:PassRole")
    ]
    services = sorted({t.service for t in NEW_COMPUTE})
    passable: dict[tuple[str, str], set[str]] = {}
    trusted_by = {
        role.arn: {s for s in services if service_can_assume(asker, role, s)}
        for role in snapshot.roles
    }
    for service in services:
        roles = [r.arn for r in snapshot.roles if service in trusted_by[r.arn]]
        if not roles:
            continue
        context = {"iam:PassedToService": service}
        for source in sources:
            allowed = asker.allowed_among(source, "iam:PassRole", roles, context=context)
            for arn, yes in zip(roles, allowed, strict=True):
                if yes and arn != source.arn:
                    passable.setdefault((source.arn, arn), set()).add(service)
    for role in snapshot.roles:
        trusted = trusted_by[role.arn]
        if not trusted:
            continue
        for source in sources:
            if source.arn == role.arn or (source.arn, role.arn) not in passable:
                continue
            passes = {
                s: asker.ask(source, "iam:PassRole", role.arn, context={"iam:PassedToService": s})
                for s in sorted(passable[(source.arn, role.arn)])
            }
            for technique in NEW_COMPUTE:
                passed = passes.get(technique.service)
                if passed is None:
                    continue
                found = _decided(asker, source, technique, passed)
                if found is not None:
                    yield Edge(
                        source=source.arn,
                        target=role.arn,
                        technique=technique.id,
                        actions=("iam:PassRole", *technique.actions),
                        decisions=found,
                    )
                    break


def _decided(
    asker: Asker, source: User | Role, technique: NewCompute, passed: Decided
) -> tuple[Decided, ...] | None:
    for resources in _resources(asker, technique):
        answers = asker.ask_all(source, list(zip(technique.actions, resources, strict=True)))
        if answers is not None:
            return (passed, *answers)
    return None
