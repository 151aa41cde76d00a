"""Edges by taking over existing compute that runs as a role: new Lambda code or
configuration, SSM commands and sessions, SSH keys through EC2 Instance Connect, new user
data, CodeBuild builds with a buildspec override, CloudFormation stack updates and change
sets, Glue dev endpoints, SageMaker notebooks (`techniques.TAKEOVERS`)

Each compute resource of the snapshot is a node with one edge to the role it runs as; an
edge from a principal to it is the first take-over the engine allows on its ARN.
"""

from __future__ import annotations

from collections.abc import Iterator

from iamwarden.analysis.escalation.asking import Asker
from iamwarden.analysis.escalation.model import Edge
from iamwarden.analysis.escalation.techniques import TAKEOVERS, Takeover
from iamwarden.snapshot import ComputeKind, ComputeResource

__all__ = ["compute_role", "takeover_edges"]


def compute_role(asker: Asker, compute: ComputeResource) -> str | None:
    """The role `compute` runs as: its own, or its instance profile's"""
    if compute.role_arn:
        return compute.role_arn
    for profile in asker.snapshot.instance_profiles:
        if profile.arn == compute.instance_profile_arn and profile.roles:
            return profile.roles[0]
    return None


def takeover_edges(asker: Asker) -> Iterator[Edge]:
    """ "runs as" from each compute resource to its role, and the first take-over each
    principal may use on it"""
    snapshot = asker.snapshot
    account = snapshot.account
    sources = [p for p in snapshot.principals() if asker.own(p).is_complete]
    usable: dict[str, dict[ComputeKind, list[Takeover]]] = {}
    for source in sources:
        kinds: dict[ComputeKind, list[Takeover]] = {}
        for technique in TAKEOVERS:
            if all(asker.may(source, a) for a in technique.actions):
                kinds.setdefault(technique.kind, []).append(technique)
        usable[source.arn] = kinds
    sources = [p for p in sources if usable[p.arn]]
    for compute in snapshot.compute:
        role = compute_role(asker, compute)
        if role is None or snapshot.role(role) is None:
            continue
        yield Edge(source=compute.arn, target=role, technique="iw-runs-as", actions=())
        fill = {
            "p": account.partition,
            "a": account.id,
            "arn": compute.arn,
            "region": compute.region or "*",
        }
        for source in sources:
            if source.arn == role:
                continue
            for technique in usable[source.arn].get(compute.kind, ()):
                questions = [
                    (a, r.format(**fill))
                    for a, r in zip(technique.actions, technique.resources, strict=True)
                ]
                found = asker.ask_all(source, questions)
                if found is not None:
                    yield Edge(
                        source=source.arn,
                        target=compute.arn,
                        technique=technique.id,
                        actions=tuple(dict.fromkeys(technique.actions)),
                        decisions=found,
                        note=technique.note,
                    )
                    break
