"""Paths as GraphML (networkx's writer) and Graphviz DOT, for Graphviz, Gephi and yEd

A DOT writer of a few lines stands here because networkx writes DOT only through pydot or
pygraphviz, which would be a dependency for one format.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from iamwarden.analysis.escalation.describe import short_name
from iamwarden.analysis.escalation.graph import EscalationGraph, Path

__all__ = ["paths_graph", "to_dot", "to_graphml"]


def paths_graph(graph: EscalationGraph, paths: Iterable[Path]) -> nx.DiGraph:
    """The nodes and hops of `paths`, with plain attributes (kind, name, technique, …)"""
    out = nx.DiGraph()
    for path in paths:
        for hop in path.hops:
            for node in (hop.source, hop.target):
                found = graph.nodes.get(node)
                out.add_node(
                    node,
                    kind=found.kind.value if found else "external",
                    name=found.name if found else short_name(node),
                )
            out.add_edge(
                hop.source,
                hop.target,
                technique=hop.technique,
                actions=" + ".join(hop.actions),
                conditional=hop.is_conditional,
                requires_mfa=hop.requires_mfa,
                via=hop.via or "",
                note=hop.note,
                statements="; ".join(str(r) for r in hop.statements),
            )
    return out


def to_graphml(graph: EscalationGraph, paths: Iterable[Path]) -> str:
    """GraphML of `paths` (networkx's writer)"""
    return "\n".join(nx.generate_graphml(paths_graph(graph, paths))) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(graph: EscalationGraph, paths: Iterable[Path]) -> str:
    """Graphviz DOT of `paths`: conditional hops dashed, `admin` a double circle"""
    sub = paths_graph(graph, paths)
    lines = ["digraph escalation {", "  rankdir=LR;", "  node [shape=box];"]
    for node, data in sorted(sub.nodes(data=True)):
        shape = ", shape=doublecircle" if data["kind"] == "admin" else ""
        lines.append(f"  {_quote(node)} [label={_quote(data['name'])}{shape}];")
    for source, target, data in sorted(sub.edges(data=True)):
        style = ", style=dashed" if data["conditional"] else ""
        lines.append(
            f"  {_quote(source)} -> {_quote(target)} [label={_quote(data['technique'])}{style}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
