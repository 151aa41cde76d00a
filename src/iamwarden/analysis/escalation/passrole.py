"""Edges by passing a role to new compute: `iam:PassRole` plus the actions that create a
resource running as the role (EC2, Lambda, Glue, CloudFormation, CodeBuild, SageMaker, ECS,
Data Pipeline, App Runner, Bedrock AgentCore; `techniques.NEW_COMPUTE`)

A role can be passed to a service only if its trust policy lets that service assume it (an
engine decision with the service as principal); the caller needs `iam:PassRole` on the
role with `iam:PassedToService` the service, and each creating action on the resource ARNs
it would create (patterns in the account).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from iamwarden.analysis.escalation.asking import Asker, emit
from iamwarden.analysis.escalation.model import Decided, Edge, Fan
from iamwarden.analysis.escalation.techniques import NEW_COMPUTE, NewCompute
from iamwarden.policy import (
    Decision,
    Policy,
    PolicySet,
    Request,
    ResourceList,
    evaluate_resources,
)
from iamwarden.policy.keys import REQUEST_KEYS
from iamwarden.snapshot import Role, User

__all__ = ["passrole_edges"]

_SOURCE_KEYS = frozenset({"aws:sourcearn"})


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


def _trusted_by(asker: Asker, services: list[str]) -> dict[str, list[str]]:
    """For each service, the roles (ARNs, in snapshot order) whose trust policy lets it
    assume them: decided once per trust policy text, then for its roles in bulk"""
    account = asker.snapshot.account.id
    grouped: dict[str, tuple[Policy, list[str]]] = {}
    for role in asker.snapshot.roles:
        trust = asker.trust(role)
        if trust is None or role.is_service_linked:
            continue
        grouped.setdefault(trust.digest, (trust, []))[1].append(role.arn)
    found: dict[str, set[str]] = {s: set() for s in services}
    for trust, arns in grouped.values():
        listed = ResourceList(arns)
        for service in services:
            request = Request(
                principal=service,
                action="sts:AssumeRole",
                context={"aws:SourceAccount": account},
                unknown_keys=REQUEST_KEYS | _SOURCE_KEYS,
            )
            for group in evaluate_resources(
                request, PolicySet(resource=trust), listed, catalog=asker.catalog
            ):
                if group.evaluation.decision is Decision.ALLOWED:
                    found[service].update(arns[i] for i in group.indexes())
    order = [r.arn for r in asker.snapshot.roles]
    return {s: [arn for arn in order if arn in found[s]] for s in services}


def _pass(
    asker: Asker, source: User | Role, technique: NewCompute, creation: tuple[Decided, ...]
) -> Callable[[str], Edge | None]:
    """The edge of `technique` from `source` to a role it passes, decided again"""

    def make(target: str) -> Edge | None:
        context = {"iam:PassedToService": technique.service}
        passed = asker.ask(source, "iam:PassRole", target, context=context)
        if passed is None:
            return None
        return Edge(
            source=source.arn,
            target=target,
            technique=technique.id,
            actions=("iam:PassRole", *technique.actions),
            decisions=(passed, *creation),
        )

    return make


def passrole_edges(asker: Asker) -> Iterator[Edge | Fan]:
    """The first technique of `NEW_COMPUTE` that lets each principal run code as each role

    Per source: the creating actions of each technique once (they do not depend on the
    role), and `iam:PassRole` in bulk over the roles each service may assume."""
    snapshot = asker.snapshot
    sources = [
        p
        for p in snapshot.principals()
        if asker.own(p).is_complete and asker.may(p, "iam:PassRole")
    ]
    services = sorted({t.service for t in NEW_COMPUTE})
    trusted_by = _trusted_by(asker, services)
    listed = {s: ResourceList(arns) for s, arns in trusted_by.items() if arns}
    for source in sources:
        passable: dict[str, dict[str, bool]] = {}
        for service, roles in listed.items():
            context = {"iam:PassedToService": service}
            passable[service] = asker.allowed(source, "iam:PassRole", roles, context=context)
        chosen: set[str] = set()
        for technique in NEW_COMPUTE:
            roles_ok = {
                arn: conditional
                for arn, conditional in passable.get(technique.service, {}).items()
                if arn not in chosen
            }
            if not roles_ok:
                continue
            creation = _decided(asker, source, technique)
            if creation is None:
                continue
            created_conditional = any(d.evaluation.is_conditional for d in creation)
            chosen.update(roles_ok)
            allowed = {arn: c or created_conditional for arn, c in roles_ok.items()}
            yield from emit(
                source.arn, technique.id, allowed, _pass(asker, source, technique, creation)
            )


def _decided(
    asker: Asker, source: User | Role, technique: NewCompute
) -> tuple[Decided, ...] | None:
    for resources in _resources(asker, technique):
        answers = asker.ask_all(source, list(zip(technique.actions, resources, strict=True)))
        if answers is not None:
            return answers
    return None
