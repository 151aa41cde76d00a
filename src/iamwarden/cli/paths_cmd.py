"""`iamwarden paths`: privilege-escalation paths, hop by hop, with the statements to cut"""

from __future__ import annotations

import json
from pathlib import Path as FilePath

import click

from iamwarden.analysis.escalation import ADMIN, EscalationGraph, Path, build_graph
from iamwarden.analysis.escalation.cut import cut_path
from iamwarden.analysis.escalation.describe import fixes, path_json, short_name
from iamwarden.analysis.escalation.export import to_dot, to_graphml
from iamwarden.analysis.evidence import counted
from iamwarden.cli.sources import load_source, source_options
from iamwarden.errors import InputError
from iamwarden.policy import load_catalog

__all__ = ["paths"]


def _select(
    graph: EscalationGraph, source: str | None, target: str, max_hops: int | None
) -> list[Path]:
    if target != ADMIN and target not in graph.nodes:
        raise InputError(f"`{target}` is not a principal of the account", location="--to")
    if source is not None:
        if source not in graph.nodes:
            raise InputError(f"`{source}` is not a principal of the account", location="--from")
        found = graph.path(source, target)
        chosen = [found] if found is not None else []
    else:
        chosen = graph.paths_to(target)
        if target == ADMIN:  # administrators already are not escalations
            chosen = [p for p in chosen if not graph.is_admin(p.source)]
        principals = set(graph.principals())
        chosen = [
            p
            for p in chosen
            if p.source in principals or graph.nodes[p.source].kind.value == "external"
        ]
    return [p for p in chosen if max_hops is None or len(p.hops) <= max_hops]


def _text(paths: list[Path]) -> str:
    if not paths:
        return "no path found\n"
    lines: list[str] = []
    for path in paths:
        mfa = " (needs MFA)" if path.requires_mfa else ""
        lines.append(
            f"{path.source} -> {short_name(path.target)}: {counted(len(path.hops), 'hop')}{mfa}"
        )
        for hop in path.hops:
            actions = " + ".join(hop.actions) or "runs as"
            lines.append(f"  [{hop.technique}] {actions} -> {hop.target}")
            if hop.via is not None and hop.via != hop.source:
                lines.append(f"      changes {hop.via}, {hop.note}")
            elif hop.note:
                lines.append(f"      note: {hop.note}")
            for ref in hop.statements:
                lines.append(f"      by {ref}")
            for clause in hop.conditions:
                lines.append(f"      only if {clause}")
        for fix in fixes(path):
            lines.append(f"  fix: {fix}")
        cut = cut_path(path)
        if cut is not None:
            statement = json.dumps(cut.document["Statement"][0])
            lines.append(f"  or add to its policies, its boundary or an SCP: {statement}")
        lines.append("")
    return "\n".join(lines)


@click.command(
    "paths",
    epilog="""\b
Examples:
  iamwarden paths --demo
  iamwarden paths --demo --from arn:aws:iam::210987654321:user/build-trigger
  iamwarden paths --input ./account-data --format graphml > paths.graphml

\b
Exit codes:
  0  done (paths or none)
  2  bad usage or bad input (one line on stderr)
""",
)
@source_options
@click.option("--from", "source", metavar="ARN", help="Only the path from this principal.")
@click.option(
    "--to",
    "target",
    default=ADMIN,
    show_default=True,
    metavar="admin|ARN",
    help="Where the paths lead: `admin` or a principal's ARN.",
)
@click.option("--max-hops", type=click.IntRange(min=1), help="Leave out longer paths.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "dot", "graphml"]),
    default="text",
    show_default=True,
    help="Output format (DOT and GraphML open in Graphviz, Gephi, yEd).",
)
def paths(
    demo: bool,
    input_dir: FilePath | None,
    snapshot_file: FilePath | None,
    source: str | None,
    target: str,
    max_hops: int | None,
    fmt: str,
) -> None:
    """Privilege-escalation paths: who can become admin (or a given principal), hop by hop."""
    snapshot = load_source(demo=demo, input_dir=input_dir, snapshot_file=snapshot_file)
    graph = build_graph(snapshot, load_catalog())
    chosen = _select(graph, source, target, max_hops)
    # principals whose policies are missing or unreadable: their paths are unknown
    unknown = sorted(graph.incomplete)
    if fmt == "json":
        data = {"paths": [path_json(p) for p in chosen], "not_assessed": unknown}
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    elif fmt == "dot":
        click.echo(to_dot(graph, chosen), nl=False)
    elif fmt == "graphml":
        click.echo(to_graphml(graph, chosen), nl=False)
    else:
        click.echo(_text(chosen), nl=False)
        if unknown:
            click.echo(
                f"NOT ASSESSED ({len(unknown)}): policies missing or unreadable, paths from "
                "or through them unknown"
            )
            for arn in unknown:
                click.echo(f"  {arn}")
    if unknown and fmt in ("dot", "graphml"):
        click.echo(
            f"warning: {len(unknown)} principals NOT ASSESSED (policies missing or unreadable)",
            err=True,
        )
