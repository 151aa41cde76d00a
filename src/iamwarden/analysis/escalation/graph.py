"""The escalation graph: every edge of every technique family, and shortest paths

Nodes are the snapshot's users and roles, its compute resources that run as a role, the
principals of other accounts that its trust policies name, and `admin`. A principal has an
edge to `admin` when the engine allows it `*` on `*` (`Permissions.admin_access`), or when
it can rewrite its own permissions or those of a principal it reaches. Paths are networkx's
shortest paths (fewest hops; an unconditional edge before a conditional one); cycles are
the library's concern. Nothing here asks the engine except through the technique modules,
and `recheck` feeds each hop's statements back to it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

import networkx as nx

from iamwarden.analysis.escalation.asking import Asker
from iamwarden.analysis.escalation.assume_role import assume_role_edges, federated_edges
from iamwarden.analysis.escalation.create_role import create_role_edges
from iamwarden.analysis.escalation.credentials import credential_edges
from iamwarden.analysis.escalation.model import ADMIN, Decided, Edge, Fan, Node, NodeKind
from iamwarden.analysis.escalation.passrole import passrole_edges
from iamwarden.analysis.escalation.policy_changes import policy_change_edges
from iamwarden.analysis.escalation.takeover import takeover_edges
from iamwarden.analysis.permissions import Permissions
from iamwarden.policy import (
    Catalog,
    ConditionRef,
    Decision,
    Policy,
    PolicySet,
    StatementRef,
    evaluate,
    load_catalog,
)
from iamwarden.snapshot import Snapshot, User

__all__ = ["EscalationGraph", "Path", "build_graph", "recheck"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Path:
    """A chain of edges from `source` to `target`, one per hop"""

    source: str
    target: str
    hops: tuple[Edge, ...]

    @property
    def is_conditional(self) -> bool:
        """Whether some hop holds only under undecided conditions"""
        return any(h.is_conditional for h in self.hops)

    @property
    def requires_mfa(self) -> bool:
        """Whether some hop needs a session with MFA"""
        return any(h.requires_mfa for h in self.hops)


def _rank(edge: Edge) -> tuple[bool, bool, bool, bool, str]:
    """Outright admin first, then changes to oneself, unconditional, without a caveat"""
    return (
        edge.technique != "iw-admin",
        edge.via is not None and edge.via != edge.source,
        edge.is_conditional,
        bool(edge.note),
        edge.technique,
    )


_HUB = "hub:"
"""Prefix of the hub nodes that stand for a set of targets several fans share"""


class EscalationGraph:
    """Who can gain whose permissions, and who reaches `admin`

    A technique that takes one source to many targets (`Fan`) is stored as one hop from the
    source to a hub node of those targets (weight as the fan's edges), and one hop of weight
    0 from the hub to each target, shared by every fan with the same targets: the graph
    grows with sources plus targets, not with their product. Hubs are never a path's node:
    `edge`, `edges`, `path` and `paths_to` make each hop's `Edge` (decided again by the
    engine) only when asked.
    """

    def __init__(
        self,
        nodes: Mapping[str, Node],
        edges: Iterable[Edge],
        *,
        incomplete: tuple[str, ...] = (),
        fans: Iterable[Fan] = (),
    ) -> None:
        self.nodes = MappingProxyType(dict(nodes))
        self.incomplete = incomplete
        """Principals whose policies are missing or unreadable: no edge leaves them"""
        self.graph = nx.DiGraph()
        self._hubs: dict[frozenset[str], str] = {}
        self._made: dict[tuple[str, str, str], Edge | None] = {}
        self._fan_hubs: dict[str, list[str]] = {}
        for node in self.nodes.values():
            self.graph.add_node(node.id)
        for edge in edges:
            self._add(edge)
        for fan in fans:
            self._add_fan(fan)

    def _add(self, edge: Edge, hops: int = 1) -> None:
        weight = 1.0 + 0.01 * edge.is_conditional
        data = self.graph.get_edge_data(edge.source, edge.target)
        if data is None:
            self.graph.add_edge(edge.source, edge.target, edges=[edge], weight=weight)
            return
        # INVARIANT: alternatives are sorted by `_rank` when read (`_alternatives`); the
        # weight is the best alternative's (unconditional first)
        data["edges"].append(edge)
        data["sorted"] = False
        data["weight"] = min(data["weight"], weight)

    def _settle(self) -> None:
        """Sort every pair's alternatives (best first), as readers of `graph` expect"""
        for _, _, data in self.graph.edges(data=True):
            if not data.get("sorted", True):
                data["edges"].sort(key=_rank)
                data["sorted"] = True

    def _add_fan(self, fan: Fan) -> None:
        hub = self._hubs.get(fan.targets)
        if hub is None:
            hub = f"{_HUB}{len(self._hubs)}"
            self._hubs[fan.targets] = hub
            self.graph.add_node(hub)
            self.graph.add_edges_from(((hub, t) for t in sorted(fan.targets)), weight=0.0)
        weight = 1.0 + 0.01 * fan.is_conditional
        data = self.graph.get_edge_data(fan.source, hub)
        if data is None:
            self.graph.add_edge(fan.source, hub, fans=[fan], weight=weight)
            self._fan_hubs.setdefault(fan.source, []).append(hub)
        else:
            data["fans"].append(fan)
            data["weight"] = min(data["weight"], weight)

    @staticmethod
    def is_hub(node: str) -> bool:
        """Whether `node` is a hub (a set of targets shared by fans), not an account's node"""
        return node.startswith(_HUB)

    def _fans(self, source: str) -> Iterator[Fan]:
        for hub in self._fan_hubs.get(source, ()):
            yield from self.graph.edges[source, hub]["fans"]

    def _made_edge(self, fan: Fan, target: str) -> Edge | None:
        key = (fan.source, target, fan.technique)
        if key not in self._made:
            self._made[key] = fan.make(target)
        return self._made[key]

    def _alternatives(self, source: str, target: str) -> list[Edge]:
        found: list[Edge] = []
        data = self.graph.get_edge_data(source, target)
        if data is not None and "edges" in data:
            if not data.get("sorted", True):
                data["edges"].sort(key=_rank)
                data["sorted"] = True
            found.extend(data["edges"])
        for fan in self._fans(source):
            if fan.reaches(target):
                made = self._made_edge(fan, target)
                if made is not None:
                    found.append(made)
        found.sort(key=_rank)
        return found

    def edges(self) -> Iterator[Edge]:
        """Every edge, alternatives included, sorted by source, target and technique (a
        fan's edges are each decided again: on a large account prefer `paths_to`)"""
        pairs = {(s, t) for s, t in self.graph.edges if not self.is_hub(s) and not self.is_hub(t)}
        for source, hub in self.graph.edges:
            if self.is_hub(hub):
                for fan in self.graph.edges[source, hub]["fans"]:
                    pairs.update((source, t) for t in fan.targets if fan.reaches(t))
        for source, target in sorted(pairs):
            yield from self._alternatives(source, target)

    def edge_count(self) -> int:
        """How many (source, target) pairs have an edge (a fan's targets counted one by one)"""
        pairs = {(s, t) for s, t in self.graph.edges if not self.is_hub(s) and not self.is_hub(t)}
        for source, hub in self.graph.edges:
            if self.is_hub(hub):
                for fan in self.graph.edges[source, hub]["fans"]:
                    pairs.update((source, t) for t in fan.targets if fan.reaches(t))
        return len(pairs)

    def edge(self, source: str, target: str) -> Edge | None:
        """The preferred edge (unconditional first) from `source` to `target`"""
        found = self._alternatives(source, target)
        return found[0] if found else None

    def is_admin(self, principal: str) -> bool:
        """Whether the engine allows `principal` `*` on `*` outright"""
        found = self.graph.edges.get((principal, ADMIN))
        return found is not None and any(e.technique == "iw-admin" for e in found["edges"])

    def principals(self) -> list[str]:
        """The account's users and roles, sorted"""
        return sorted(n.id for n in self.nodes.values() if n.kind in (NodeKind.USER, NodeKind.ROLE))

    def path_through(self, nodes: list[str]) -> Path:
        """The path along `nodes` (consecutive nodes joined by an edge, hubs skipped),
        preferred edges"""
        nodes = [n for n in nodes if not self.is_hub(n)]
        hops = tuple(self.edge(a, b) for a, b in itertools.pairwise(nodes))
        return Path(source=nodes[0], target=nodes[-1], hops=tuple(h for h in hops if h))

    def path(self, source: str, target: str = ADMIN) -> Path | None:
        """The shortest path from `source` to `target`, None when there is none"""
        if source not in self.graph or target not in self.graph or source == target:
            return None
        try:
            nodes = nx.shortest_path(self.graph, source, target, weight="weight")
        except nx.NetworkXNoPath:
            return None
        return self.path_through(list(nodes))

    def paths_to(self, target: str = ADMIN, *, max_hops: int | None = None) -> list[Path]:
        """The shortest path to `target` from every node that reaches it, sorted by source"""
        if target not in self.graph:
            return []
        _, found = nx.single_source_dijkstra(self.graph.reverse(copy=False), target)
        paths = []
        for source, nodes in sorted(found.items()):
            if source == target or self.is_hub(source):
                continue
            hops = sum(1 for n in nodes if not self.is_hub(n)) - 1
            if max_hops is not None and hops > max_hops:
                continue
            paths.append(self.path_through(list(reversed(nodes))))
        return paths

    def reaches(self, source: str) -> frozenset[str]:
        """Every node `source` reaches"""
        if source not in self.graph:
            return frozenset()
        return frozenset(n for n in nx.descendants(self.graph, source) if not self.is_hub(n))


def _nodes(asker: Asker, externals: Iterable[str]) -> dict[str, Node]:
    snapshot = asker.snapshot
    nodes: dict[str, Node] = {ADMIN: Node(id=ADMIN, kind=NodeKind.ADMIN, name=ADMIN)}
    for principal in snapshot.principals():
        nodes[principal.arn] = Node(
            id=principal.arn,
            kind=NodeKind.USER if isinstance(principal, User) else NodeKind.ROLE,
            name=principal.name,
            is_bounded=principal.permissions_boundary is not None,
        )
    for compute in snapshot.compute:
        nodes[compute.arn] = Node(
            id=compute.arn, kind=NodeKind.COMPUTE, name=compute.name or compute.arn
        )
    for external in externals:
        nodes.setdefault(external, Node(id=external, kind=NodeKind.EXTERNAL, name=external))
    return nodes


def _admin_edges(asker: Asker) -> Iterator[Edge]:
    for principal in asker.snapshot.principals():
        own = asker.own(principal)
        if not own.is_complete:
            continue
        access = asker.permissions.admin_access(principal.arn, own.policies)
        if not access.is_admin:
            continue
        evaluation = access.without_mfa if access.is_admin_without_mfa else access.evaluation
        assert evaluation is not None
        request = replace(asker.request(principal.arn, "*", "*"), every_resource=True)
        yield Edge(
            source=principal.arn,
            target=ADMIN,
            technique="iw-admin",
            actions=("*",),
            decisions=(Decided(request=request, policies=own.policies, evaluation=evaluation),),
        )


def build_graph(
    snapshot: Snapshot,
    catalog: Catalog | None = None,
    permissions: Permissions | None = None,
) -> EscalationGraph:
    """The escalation graph of `snapshot`, every edge decided by the engine"""
    catalog = catalog or load_catalog()
    permissions = permissions or Permissions(snapshot, catalog)
    asker = Asker(snapshot, catalog, permissions)
    admins = list(_admin_edges(asker))
    edges: list[Edge] = list(admins)
    fans: list[Fan] = []
    # each family's edges by target, then source (stable), as networkx's shortest paths
    # break ties by the order edges were added: the same paths whatever order they came in
    order = {
        arn: i
        for i, arn in enumerate(
            itertools.chain(
                (p.arn for p in snapshot.principals()), (c.arn for c in snapshot.compute)
            )
        )
    }
    for family in (
        assume_role_edges(asker),
        federated_edges(asker),
        credential_edges(asker),
        passrole_edges(asker),
        takeover_edges(asker),
    ):
        found: list[Edge] = []
        for item in family:
            if isinstance(item, Fan):
                fans.append(item)
            else:
                found.append(item)
        found.sort(key=lambda e: order.get(e.target, len(order)))
        edges += found
    administrators = frozenset(e.source for e in admins)
    edges += create_role_edges(asker, skip=administrators)
    changes = list(policy_change_edges(asker, skip=administrators))
    edges += [e for e in changes if e.via is None or e.via == e.source]
    known = {p.arn for p in snapshot.principals()} | {c.arn for c in snapshot.compute}
    externals = [e.source for e in edges if e.source not in known]
    incomplete = tuple(p.arn for p in snapshot.principals() if not asker.own(p).is_complete)
    graph = EscalationGraph(_nodes(asker, externals), edges, incomplete=incomplete, fans=fans)
    # a change to B counts when the source reaches B: one search per source (edges to
    # `admin` added meanwhile lead nowhere else, so they change no path to a principal)
    reached_from: dict[str, dict[str, list[str]]] = {}
    for edge in changes:
        if (
            edge.via is None
            or edge.via == edge.source
            or graph.is_admin(edge.source)
            or graph.is_admin(edge.via)
        ):
            continue
        searched = reached_from.get(edge.source)
        if searched is None:
            _, searched = nx.single_source_dijkstra(graph.graph, edge.source, weight="weight")
            reached_from[edge.source] = searched
        nodes = searched.get(edge.via)
        if nodes is not None:
            reached = graph.path_through(list(nodes))
            then = ", ".join(h.technique for h in reached.hops)
            graph._add(
                replace(edge, note=f"then becomes the target by {then}"), 1 + len(reached.hops)
            )
    graph._settle()
    return graph


def _only(policy: Policy | None, refs: frozenset[tuple[str, str, int]]) -> Policy | None:
    if policy is None:
        return None
    kept = tuple(s for s in policy.statements if (policy.kind.value, policy.name, s.index) in refs)
    return Policy(
        name=policy.name, kind=policy.kind, version=policy.version, id=policy.id, statements=kept
    )


def _reduced(
    policies: PolicySet, reasons: Iterable[StatementRef], undecided: Iterable[ConditionRef] = ()
) -> PolicySet:
    """`policies` keeping only the statements named in `reasons` (every slot kept, so a
    boundary or an SCP level whose statement is not named denies)"""
    refs = frozenset((r.kind.value, r.policy, r.index) for r in reasons)
    refs |= frozenset(
        (c.statement.kind.value, c.statement.policy, c.statement.index) for c in undecided
    )

    def level(policies: tuple[Policy, ...]) -> tuple[Policy, ...]:
        return tuple(p for p in (_only(q, refs) for q in policies) if p is not None)

    return replace(
        policies,
        identity=level(policies.identity),
        permissions_boundary=_only(policies.permissions_boundary, refs),
        session=None if policies.session is None else level(policies.session),
        resource=_only(policies.resource, refs),
        scps=None if policies.scps is None else tuple(level(x) for x in policies.scps),
        rcps=None if policies.rcps is None else tuple(level(x) for x in policies.rcps),
    )


def recheck(edge: Edge) -> bool:
    """Whether each of the edge's requests is still allowed by the statements it names alone"""
    for decided in edge.decisions:
        again = evaluate(
            decided.request,
            _reduced(decided.policies, decided.evaluation.reasons, decided.evaluation.undecided),
        )
        if again.decision is not Decision.ALLOWED:
            return False
    return True
