"""Privilege escalation: who can gain whose permissions, and who can become admin

Each technique family has its module of edges (`assume_role`, `credentials`,
`policy_changes`, `passrole`, `takeover`), every edge a pure function of the snapshot decided
by `policy.engine` against real ARNs; `graph` joins them with networkx and finds paths;
`techniques` maps them to the privesc-paths corpus ids.
"""

from iamwarden.analysis.escalation.graph import EscalationGraph, Path, build_graph, recheck
from iamwarden.analysis.escalation.model import ADMIN, Decided, Edge, Node, NodeKind
from iamwarden.analysis.escalation.techniques import (
    COMPOSED,
    TECHNIQUES,
    UNDECIDABLE,
    Technique,
)

__all__ = [
    "ADMIN",
    "COMPOSED",
    "TECHNIQUES",
    "UNDECIDABLE",
    "Decided",
    "Edge",
    "EscalationGraph",
    "Node",
    "NodeKind",
    "Path",
    "Technique",
    "build_graph",
    "recheck",
]
