"""Paths and edges as short text and plain data, shared by the checks and the CLI

Knows nothing of renderers; decides nothing itself (a path's cut is `cut`'s).
"""

from __future__ import annotations

import re
from typing import Any

from iamwarden.analysis.escalation.cut import cut_path
from iamwarden.analysis.escalation.graph import Path
from iamwarden.analysis.escalation.model import ADMIN, Edge, edge_json

__all__ = ["chain", "fixes", "hop_label", "path_json", "short_name"]


def short_name(arn: str) -> str:
    """The last segment of an ARN (`admin` stays `admin`)"""
    return re.split("[/:]", arn)[-1] if arn != ADMIN else ADMIN


def hop_label(hop: Edge) -> str:
    """`[technique] target`, naming the principal changed when it is not the source"""
    if hop.via is not None and hop.via != hop.source:
        return f"[{hop.technique} on {short_name(hop.via)}, {hop.note}] {short_name(hop.target)}"
    return f"[{hop.technique}] {short_name(hop.target)}"


def chain(path: Path) -> str:
    """`a -> [sts-001] b -> [iw-admin] admin`"""
    return " -> ".join([short_name(path.source), *(hop_label(h) for h in path.hops)])


def fixes(path: Path) -> list[str]:
    """The statements to remove or scope to cut `path`: those a policy of the account states
    that enable its first such hop"""
    for hop in path.hops:
        refs = [r for r in hop.statements if r.kind.value in ("identity", "resource")]
        if refs:
            on = short_name(hop.via if hop.via is not None else hop.target)
            return [f"remove or scope {ref} ({', '.join(hop.actions)} on {on})" for ref in refs]
    return []


def path_json(path: Path) -> dict[str, Any]:
    """One path as plain data"""
    return {
        "source": path.source,
        "target": path.target,
        "conditional": path.is_conditional,
        "requires_mfa": path.requires_mfa,
        "hops": [edge_json(h) for h in path.hops],
        "fix": fixes(path),
        "cut": cut.to_json() if (cut := cut_path(path)) is not None else None,
    }
