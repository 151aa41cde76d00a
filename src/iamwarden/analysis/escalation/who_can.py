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
    not_assessed: tuple[tuple[str, str], ...] = ()
    """Principals whose policies are missing or unreadable, with why: whether they can is
    unknown (never a silent no)"""


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
    unknown: list[tuple[str, str]] = []
    for principal in snapshot.principals():
        own = asker.own(principal)
        if not own.is_complete:
            unknown.append((principal.arn, _why(own.missing, own.unreadable)))
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
    return WhoCan(
        action=action,
        resource=resource,
        direct=tuple(direct),
        transitive=tuple(paths),
        not_assessed=tuple(unknown),
    )


def _why(missing: tuple[str, ...], unreadable: tuple[str, ...]) -> str:
    parts = [f"policy `{name}` is not in the snapshot" for name in missing]
    parts.extend(f"policy `{name}` cannot be read" for name in unreadable)
    return "; ".join(parts)
