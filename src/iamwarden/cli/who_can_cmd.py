"""`iamwarden who-can ACTION [RESOURCE]`: who is allowed, directly or through escalation"""

from __future__ import annotations

import json
from pathlib import Path as FilePath

import click

from iamwarden.analysis.escalation import build_graph
from iamwarden.analysis.escalation.describe import chain, path_json
from iamwarden.analysis.escalation.who_can import who_can
from iamwarden.analysis.simulation import action_problem, catalogue_warning, resource_problem
from iamwarden.cli.options import TEXT_OR_JSON
from iamwarden.cli.sources import load_source, source_options
from iamwarden.errors import InputError
from iamwarden.policy import load_catalog

__all__ = ["who_can_command"]


@click.command(
    "who-can",
    epilog="""\b
Examples:
  iamwarden who-can iam:CreateUser --demo --transitive
  iamwarden who-can s3:GetObject arn:aws:s3:::acme-shared-reports/x --demo

\b
Exit codes:
  0  done
  2  bad usage or bad input (one line on stderr)
""",
)
@click.argument("action")
@click.argument("resource", default="*")
@source_options
@click.option("--transitive", is_flag=True, help="Also principals with a path to one that can.")
@TEXT_OR_JSON
def who_can_command(
    action: str,
    resource: str,
    demo: bool,
    input_dir: FilePath | None,
    snapshot_file: FilePath | None,
    transitive: bool,
    fmt: str,
) -> None:
    """Who can do ACTION on RESOURCE (default `*`: some resource), directly or via paths."""
    for where, problem in (
        ("ACTION", action_problem(action)),
        ("RESOURCE", resource_problem(resource)),
    ):
        if problem is not None:
            raise InputError(problem, location=where)
    catalog = load_catalog()
    warning = catalogue_warning(action, catalog)
    if warning is not None:
        click.echo(f"warning: {warning}", err=True)
    snapshot = load_source(demo=demo, input_dir=input_dir, snapshot_file=snapshot_file)
    graph = build_graph(snapshot, catalog) if transitive else None
    answer = who_can(snapshot, action, resource, catalog=catalog, graph=graph)
    if fmt == "json":
        data = {
            "action": action,
            "resource": resource,
            "direct": [
                {"principal": arn, "conditions": [str(c) for c in e.undecided]}
                for arn, e in answer.direct
            ],
            "transitive": [path_json(p) for p in answer.transitive],
            "not_assessed": [{"principal": arn, "why": why} for arn, why in answer.not_assessed],
        }
        click.echo(json.dumps(data, indent=2, sort_keys=True))
        return
    click.echo(f"directly ({len(answer.direct)}):")
    for arn, evaluation in answer.direct:
        only = (
            f" (only if {'; '.join(map(str, evaluation.undecided))})"
            if evaluation.undecided
            else ""
        )
        click.echo(f"  {arn}{only}")
    if transitive:
        click.echo(f"through escalation ({len(answer.transitive)}):")
        for path in answer.transitive:
            click.echo(f"  {path.source}: {chain(path)}")
    if answer.not_assessed:
        click.echo(f"NOT ASSESSED ({len(answer.not_assessed)}): policies missing or unreadable")
        for arn, why in answer.not_assessed:
            click.echo(f"  {arn}: {why}")
