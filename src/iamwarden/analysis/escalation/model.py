"""The escalation graph's types: nodes, edges and the engine decisions behind each edge

Owns data only; building edges is the technique modules' work, paths are `graph`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from iamwarden.analysis.permissions import MFA_KEYS
from iamwarden.policy import ConditionRef, Evaluation, PolicySet, Request, StatementRef

__all__ = ["ADMIN", "FAN_MIN", "Decided", "Edge", "Fan", "Node", "NodeKind", "edge_json"]

ADMIN = "admin"
"""The sink node: every action on every resource"""


class NodeKind(Enum):
    """What a node of the escalation graph stands for"""

    USER = "user"
    ROLE = "role"
    COMPUTE = "compute"
    EXTERNAL = "external"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """A user, a role, a compute resource that runs as a role, another account, or `admin`"""

    id: str
    kind: NodeKind
    name: str
    is_bounded: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Decided:
    """One engine decision an edge rests on: the request, the policies asked and the answer"""

    request: Request
    policies: PolicySet
    evaluation: Evaluation


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    """ "`source` can gain the permissions of `target`", by one technique

    `decisions` are the engine's answers the edge rests on (every one allowed); `via` names
    the principal whose permissions the technique rewrites when that is not `source`
    (`source` must reach it: the graph adds this edge only then). `note` says what the
    account data cannot tell (a network path, a trigger that must fire).
    """

    source: str
    target: str
    technique: str
    actions: tuple[str, ...]
    decisions: tuple[Decided, ...] = ()
    via: str | None = None
    note: str = ""

    @property
    def statements(self) -> tuple[StatementRef, ...]:
        """The statements that allowed the edge's requests, without repeats"""
        refs = [ref for d in self.decisions for ref in d.evaluation.reasons]
        refs += [c.statement for c in self.conditions]
        return tuple(dict.fromkeys(refs))

    @property
    def conditions(self) -> tuple[ConditionRef, ...]:
        """The undecided clauses every request of the edge depends on"""
        clauses = (c for d in self.decisions for c in d.evaluation.undecided)
        return tuple(dict.fromkeys(clauses))

    @property
    def is_conditional(self) -> bool:
        """Whether the edge holds only under conditions the account data cannot decide"""
        return bool(self.conditions)

    @property
    def requires_mfa(self) -> bool:
        """Whether one of the edge's conditions is on the MFA keys"""
        return any(c.key.lower() in MFA_KEYS for c in self.conditions)


FAN_MIN = 8
"""A technique that takes one source to at least this many targets is kept as one `Fan`"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fan:
    """One source's edges of one technique to many targets, kept compact

    `targets` are the targets (ARNs) the engine allowed in bulk, every one alike in
    whether it is conditional (`is_conditional`); `make(target)` decides that one edge
    again with the engine and returns it (with its decisions), None if it is not allowed.
    The graph stores one hop from `source` to a hub node of `targets` instead of an edge
    per target, and makes an `Edge` only for the hops a path uses.
    """

    source: str
    technique: str
    targets: frozenset[str]
    is_conditional: bool
    make: Callable[[str], Edge | None]

    def reaches(self, target: str) -> bool:
        """Whether the fan has an edge to `target`: one of `targets` but `source`

        `targets` may hold `source` itself (so that sources with the same targets share a
        hub); the hop from it back to itself is never part of a shortest path.
        """
        return target in self.targets and target != self.source


def edge_json(edge: Edge) -> dict[str, object]:
    """One hop as plain data: technique, target, actions, statements and conditions"""
    return {
        "source": edge.source,
        "target": edge.target,
        "technique": edge.technique,
        "actions": list(edge.actions),
        "via": edge.via,
        "note": edge.note,
        "statements": [
            {
                "kind": ref.kind.value,
                "policy": ref.policy,
                "index": ref.index,
                "sid": ref.sid,
                "pointer": ref.pointer,
            }
            for ref in edge.statements
        ],
        "conditions": [str(c) for c in edge.conditions],
        "requires_mfa": edge.requires_mfa,
    }
