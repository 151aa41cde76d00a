"""Who can do an action on a resource: directly (the engine's answer for each principal) and
transitively (a path to a principal that can, or to `admin`)"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from iamwarden.analysis.escalation.asking import Asker
from iamwarden.analysis.escalation.graph import EscalationGraph, Path
from iamwarden.analysis.escalation.model import ADMIN
from iamwarden.analysis.permissions import Permissions
from iamwarden.analysis.principals import policies_for
from iamwarden.policy import Catalog, Decision, Evaluation, evaluate
from iamwarden.snapshot import Snapshot

__all__ = ["WhoCan", "who_can"]


@dataclass(frozen=True, slots=True, kw_only=True)
class WhoCan:
    """The principals allowed `action` on `resource`, and the paths of those that reach one"""

    action: str
    resource: str
    direct: tuple[tuple[str, Evaluation], ...]
    transitive: tuple[Path, ...] = ()


def who_can(
    snapshot: Snapshot,
    action: str,
    resource: str = "*",
    *,
    catalog: Catalog,
    graph: EscalationGraph | None = None,
) -> WhoCan:
    """The engine's answer for every complete principal; with `graph`, also every principal
    with a path to one of them or to `admin`"""
    asker = Asker(snapshot, catalog, Permissions(snapshot, catalog))
    direct: list[tuple[str, Evaluation]] = []
    for principal in snapshot.principals():
        if not asker.own(principal).is_complete:
            continue
        policies = policies_for(
            snapshot, principal.arn, resource_arn=None if resource == "*" else resource
        ).policies
        request = asker.request(principal.arn, action, resource)
        evaluation = evaluate(request, policies, catalog=catalog)
        if evaluation.decision is Decision.ALLOWED:
            direct.append((principal.arn, evaluation))
    paths: list[Path] = []
    if graph is not None:
        targets = {arn for arn, _ in direct} | {ADMIN}
        # sorted: the search breaks ties by the order its sources come in (a set's order
        # changes from run to run with string hashing)
        _, found = nx.multi_source_dijkstra(graph.graph.reverse(copy=False), sorted(targets))
        principals = set(graph.principals())
        for source, nodes in sorted(found.items()):
            if source in targets or source not in principals:
                continue
            forward = list(reversed(nodes))
            paths.append(graph.path_through(forward))
    return WhoCan(action=action, resource=resource, direct=tuple(direct), transitive=tuple(paths))
