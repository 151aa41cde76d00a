"""The HTML assessment report: one self-contained page, rendered with jinja2 (autoescaped)

The page loads nothing: its CSS and JavaScript are inline, and a Content-Security-Policy
allows only those two blocks (by their SHA-256 hashes), so even a string that escaped the
template could not run or fetch anything. Every value from the account (names, tags, Sids,
messages, evidence) reaches the page through jinja2's autoescaping, never as markup. The
escalation paths of the assessment's findings (evidence `path`) are drawn as inline SVG
built here. Reads only the `Assessment`; writes no file.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from iamwarden import __version__
from iamwarden.analysis import Assessment
from iamwarden.analysis.escalation.describe import short_name
from iamwarden.findings import Finding, Severity, Status
from iamwarden.report.groups import (
    control_facts,
    credential_report_line,
    data_not_assessed_lines,
    data_warning_lines,
)
from iamwarden.report.json_report import plain_data
from iamwarden.report.jsontext import json_text
from iamwarden.report.text import TITLE, header_fields, view_score_text

__all__ = [
    "PathDrawing",
    "asset_text",
    "csp_hash",
    "draw_path",
    "render_html",
    "template_environment",
]

NODE_WIDTH = 190
NODE_HEIGHT = 44
GAP = 120
"""Horizontal space between two nodes, where the hop's technique is written"""
LABEL_CHARS = 24
"""A node's label is cut to this many characters (the full ARN is its tooltip)"""


@dataclass(frozen=True, slots=True, kw_only=True)
class PathNode:
    """A box of a path drawing: its position, short label and full ARN"""

    x: int
    label: str
    arn: str
    is_admin: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PathEdge:
    """An arrow of a path drawing between two boxes, labelled with the hop's technique"""

    x1: int
    x2: int
    technique: str
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PathDrawing:
    """The layout of one escalation path: boxes left to right, an arrow per hop"""

    width: int
    height: int
    nodes: tuple[PathNode, ...]
    edges: tuple[PathEdge, ...]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def draw_path(hops: Sequence[Mapping[str, Any]]) -> PathDrawing | None:
    """The layout of a path given as the evidence's hops (`source`, `target`, `technique`,
    `actions`); None when there is no hop"""
    if not hops:
        return None
    arns = [str(hops[0].get("source", "")), *(str(h.get("target", "")) for h in hops)]
    step = NODE_WIDTH + GAP
    nodes = tuple(
        PathNode(
            x=10 + i * step,
            label=_cut(short_name(arn), LABEL_CHARS),
            arn=arn,
            is_admin=arn == "admin",
        )
        for i, arn in enumerate(arns)
    )
    edges = tuple(
        PathEdge(
            x1=nodes[i].x + NODE_WIDTH,
            x2=nodes[i + 1].x,
            technique=_cut(str(hop.get("technique", "")), 18),
            detail=", ".join(str(a) for a in hop.get("actions") or ()),
        )
        for i, hop in enumerate(hops)
    )
    return PathDrawing(
        width=20 + len(nodes) * NODE_WIDTH + (len(nodes) - 1) * GAP,
        height=NODE_HEIGHT + 40,
        nodes=nodes,
        edges=edges,
    )


def asset_text(name: str) -> str:
    """A file of the report templates (CSS, JavaScript) as text"""
    return files("iamwarden.report").joinpath("templates", name).read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source that allows exactly `text` (`'sha256-...'`)"""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def template_environment() -> Environment:
    """The jinja2 environment of the report templates: autoescaping, strict undefined"""
    return Environment(
        loader=PackageLoader("iamwarden.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _policy_text(policy: str) -> str:
    try:
        return json.dumps(json.loads(policy), indent=2)
    except ValueError:
        return policy


def _finding_view(assessment: Assessment, finding: Finding) -> dict[str, Any]:
    spec = assessment.checks[finding.check_id]
    evidence = plain_data(finding.evidence)
    path = evidence.get("path") if isinstance(evidence.get("path"), list) else None
    return {
        "finding": finding,
        "spec": spec,
        "evidence": json_text(evidence).rstrip("\n"),
        "search": " ".join(
            (finding.check_id, spec.title, finding.resource_arn, finding.message)
        ).lower(),
        "requirements": [
            (view.framework.name, requirement)
            for view in assessment.views
            for requirement in view.framework.requirements_for(finding.check_id)
        ],
        "drawing": draw_path(path) if path else None,
        "policy": _policy_text(spec.remediation.policy) if spec.remediation.policy else "",
    }


def render_html(assessment: Assessment) -> str:
    """The report as one HTML page with no external resource (same input, same bytes)"""
    style, script = asset_text("report.css"), asset_text("report.js")
    csp = (
        "default-src 'none'; base-uri 'none'; form-action 'none'; img-src data:; "
        f"style-src {csp_hash(style)}; script-src {csp_hash(script)}"
    )
    views = [_finding_view(assessment, f) for f in assessment.findings]
    status_counts = {s: 0 for s in Status}
    for finding in assessment.findings:
        status_counts[finding.status] += 1
    return (
        template_environment()
        .get_template("report.html.j2")
        .render(
            title=TITLE,
            version=__version__,
            assessment=assessment,
            header=header_fields(assessment),
            credential_line=credential_report_line(assessment),
            views=[
                (
                    view,
                    [(row, control_facts(row)) for row in view.table],
                    view_score_text(view).split(" ", 1)[0],
                )
                for view in assessment.views
            ],
            summary=assessment.summary,
            severities=tuple(Severity),
            statuses=tuple(Status),
            status_counts=status_counts,
            findings=views,
            paths=[
                v for v in views if v["drawing"] is not None and v["finding"].status is Status.FAIL
            ],
            checks=sorted({f.check_id for f in assessment.findings}),
            not_assessed=list(data_not_assessed_lines(assessment)),
            warnings=list(data_warning_lines(assessment)),
            csp=csp,
            style=Markup(style),  # our own file, hashed into the CSP
            script=Markup(script),
            node_width=NODE_WIDTH,
            node_height=NODE_HEIGHT,
        )
    )
