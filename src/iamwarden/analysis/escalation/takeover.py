"""Edges by taking over existing compute that runs as a role: new Lambda code or
configuration, SSM commands and sessions, SSH keys through EC2 Instance Connect, new user
data, CodeBuild builds with a buildspec override, CloudFormation stack updates and change
sets, Glue dev endpoints, SageMaker notebooks (`techniques.TAKEOVERS`)

Each compute resource of the snapshot is a node with one edge to the role it runs as; an
edge from a principal to it is the first take-over the engine allows on its ARN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from iamwarden.analysis.escalation.asking import Asker, emit
from iamwarden.analysis.escalation.model import Edge, Fan
from iamwarden.analysis.escalation.techniques import TAKEOVERS, Takeover
from iamwarden.policy import ResourceList
from iamwarden.snapshot import ComputeResource, Role, User

__all__ = ["compute_role", "takeover_edges"]


def compute_role(asker: Asker, compute: ComputeResource) -> str | None:
    """The role `compute` runs as: its own, or its instance profile's"""
    if compute.role_arn:
        return compute.role_arn
    for profile in asker.snapshot.instance_profiles:
        if profile.arn == compute.instance_profile_arn and profile.roles:
            return profile.roles[0]
    return None


def _take(
    asker: Asker,
    source: User | Role,
    technique: Takeover,
    questions: dict[str, list[tuple[str, str]]],
) -> Callable[[str], Edge | None]:
    """The edge of `technique` from `source` to a compute resource, decided again"""

    def make(target: str) -> Edge | None:
        found = asker.ask_all(source, questions[target])
        if found is None:
            return None
        return Edge(
            source=source.arn,
            target=target,
            technique=technique.id,
            actions=tuple(dict.fromkeys(technique.actions)),
            decisions=found,
            note=technique.note,
        )

    return make


def takeover_edges(asker: Asker) -> Iterator[Edge | Fan]:
    """ "runs as" from each compute resource to its role, and the first take-over each
    principal may use on it (each action asked in bulk over the compute of its kind)"""
    snapshot = asker.snapshot
    account = snapshot.account
    runs_as: dict[str, str] = {}
    for compute in snapshot.compute:
        role = compute_role(asker, compute)
        if role is None or snapshot.role(role) is None:
            continue
        runs_as[compute.arn] = role
        yield Edge(source=compute.arn, target=role, technique="iw-runs-as", actions=())
    # per technique: the questions on each compute resource, and each action's resources
    questions: dict[str, dict[str, list[tuple[str, str]]]] = {}
    lists: dict[str, list[tuple[str, ResourceList, list[str]]]] = {}
    for technique in TAKEOVERS:
        computes = [c for c in snapshot.compute if c.kind is technique.kind and c.arn in runs_as]
        asked: dict[str, list[tuple[str, str]]] = {}
        for compute in computes:
            fill = {
                "p": account.partition,
                "a": account.id,
                "arn": compute.arn,
                "region": compute.region or "*",
            }
            asked[compute.arn] = [
                (a, r.format(**fill))
                for a, r in zip(technique.actions, technique.resources, strict=True)
            ]
        questions[technique.id] = asked
        lists[technique.id] = [
            (
                action,
                ResourceList(asked[c.arn][i][1] for c in computes),
                [c.arn for c in computes],
            )
            for i, action in enumerate(technique.actions)
        ]
    for source in snapshot.principals():
        if not asker.own(source).is_complete:
            continue
        # compute running as the source gives it nothing new
        own = frozenset(c for c, role in runs_as.items() if role == source.arn)
        chosen: set[str] = set()
        for technique in TAKEOVERS:
            if not questions[technique.id] or not all(
                asker.may(source, a) for a in technique.actions
            ):
                continue
            allowed: dict[str, bool] | None = None
            for action, listed, arns in lists[technique.id]:
                this: dict[str, bool] = {}
                for group in asker.bulk(source, action, listed):
                    if group.is_allowed:
                        conditional = group.evaluation.is_conditional
                        this.update((arns[i], conditional) for i in group.indexes())
                if allowed is None:
                    allowed = {a: c for a, c in this.items() if a not in chosen and a not in own}
                else:
                    allowed = {a: c or this[a] for a, c in allowed.items() if a in this}
            if not allowed:
                continue
            chosen.update(allowed)
            make = _take(asker, source, technique, questions[technique.id])
            yield from emit(source.arn, technique.id, allowed, make)
