"""`iamwarden simulate`: an offline IAM policy simulator and policy test files"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from iamwarden.analysis.evidence import counted
from iamwarden.analysis.simulation import (
    SimulationResult,
    Verdict,
    load_scenarios,
    results_to_json,
    run_scenarios,
    simulate_principal,
)
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.cli.files import read_stream, read_text
from iamwarden.cli.sources import live_request, load_source, source_options
from iamwarden.errors import InputError

__all__ = ["simulate"]

_STYLE = {"allowed": "green", "explicitDeny": "red", "implicitDeny": "yellow"}
_STDIN = "<stdin>"  # how errors name standard input (`--scenarios -`), as lint names it


def _context(pairs: tuple[str, ...]) -> dict[str, str | tuple[str, ...]]:
    context: dict[str, str | tuple[str, ...]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"`{pair}` is not key=value", location="--context")
        previous = context.get(key)
        if previous is None:
            context[key] = value
        else:
            context[key] = (*((previous,) if isinstance(previous, str) else previous), value)
    return context


_VERDICT = {
    Verdict.MET: ("ok", "green"),
    Verdict.FAILED: ("FAIL", "red"),
    Verdict.UNCERTAIN: ("UNCERTAIN", "red"),
    Verdict.UNVERIFIED: ("UNVERIFIED", "red"),
}
_COLUMNS = ("#", "scenario", "action", "resource", "decision", "expected", "result")


def _rows(results: list[SimulationResult]) -> list[tuple[Text, ...]]:
    """One row of cells per result, styled for a terminal (`.plain` for plain text)"""
    rows: list[tuple[Text, ...]] = []
    for number, r in enumerate(results, 1):
        decision = r.evaluation.decision.value
        shown = Text(decision, style=_STYLE[decision])
        if r.evaluation.is_conditional:
            shown.append(" (conditional)")
        if r.is_uncertain:
            shown.append(" (uncertain)", style="red")
        verdict = Text(*_VERDICT[r.verdict]) if r.verdict else Text("")
        rows.append(
            (
                Text(str(number)),
                Text(r.scenario),
                Text(r.request.action),
                Text(r.request.resource),
                shown,
                Text(r.expect.value if r.expect else ""),
                verdict,
            )
        )
    return rows


def _plain_table(rows: list[tuple[Text, ...]]) -> Iterator[str]:
    """Columns two spaces apart, as wide as their widest cell: no cell is cut or wrapped"""
    cells = [_COLUMNS, *((cell.plain for cell in row) for row in rows)]
    table = [tuple(row) for row in cells]
    widths = [max(len(row[i]) for row in table) for i in range(len(_COLUMNS))]
    for row in table:
        yield "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()


def _trailer(results: list[SimulationResult], *, explain: bool) -> Iterator[Text]:
    """Warnings, explanations and the summary line, after the table"""
    for number, r in enumerate(results, 1):
        for warning in r.warnings:
            yield Text.assemble(("warning", "yellow"), f": #{number} ({r.scenario}): {warning}")
        if r.evaluation.missing_context:
            keys = ", ".join(r.evaluation.missing_context)
            yield Text.assemble(
                ("note", "yellow"),
                f": #{number} was decided without {keys}, which a statement reads "
                "(give it with --context or --region, or in the scenario's context)",
            )
    if explain:
        for number, r in enumerate(results, 1):
            yield Text("")
            yield Text.assemble(
                (f"#{number}", "bold"), f" {r.request.action} on {r.request.resource}"
            )
            yield Text(r.explain())
    failed = sum(not r.is_expected for r in results)
    checked = sum(r.expect is not None for r in results)
    why = [
        f"{count} {verdict.value}"
        for verdict in (Verdict.UNCERTAIN, Verdict.UNVERIFIED)
        if (count := sum(r.verdict is verdict for r in results))
    ]
    yield Text(
        f"{counted(len(results), 'decision')}, {counted(checked - failed, 'expectation')} met, "
        f"{failed} failed" + (f" ({', '.join(why)})" if why else "")
    )


def _is_terminal() -> bool:
    """Whether stdout is a terminal: a table with colours there, plain text elsewhere (as
    `assess` decides), so that a pipe or a CI log gets whole cells"""
    return sys.stdout.isatty()


def _render(results: list[SimulationResult], *, explain: bool) -> None:
    rows = _rows(results)
    if not _is_terminal():
        lines = [*_plain_table(rows), *(line.plain for line in _trailer(results, explain=explain))]
        click.echo("\n".join(lines))
        return
    console = Console()
    table = Table(title="Simulation")
    for column in _COLUMNS:  # short cells kept whole: the names give way when space is short
        table.add_column(
            column, overflow="fold", no_wrap=column in ("#", "decision", "expected", "result")
        )
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for line in _trailer(results, explain=explain):
        console.print(line, highlight=False)


@click.command(
    epilog="""\b
Examples:
  iamwarden simulate --scenarios examples/scenarios.yaml
  iamwarden simulate --demo --principal arn:aws:iam::210987654321:user/deploy-bot \\
      --action iam:CreateUser --action s3:GetObject --region us-east-1 --explain

\b
Exit codes:
  0  every expectation holds (or none was given)
  1  an expectation is not met (failed, uncertain or unverified)
  2  bad usage or bad input: a malformed scenario file, an unknown principal
""",
)
@click.option(
    "--scenarios",
    "scenario_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A YAML or JSON file of scenarios with expected decisions (`-` for standard input).",
)
@partial(
    source_options,
    region_help="The requests' aws:RequestedRegion (unless --context gives it), and with a "
    "live source the region collected; one region.",
)
@click.option("--principal", help="ARN of the account's principal to simulate.")
@click.option("--action", "actions", multiple=True, help="An action (repeatable).")
@click.option("--resource", "resources", multiple=True, help="A resource ARN (repeatable).")
@click.option(
    "--context",
    "context_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="A request context value (repeat a key for a multi-valued key).",
)
@click.option("--explain", is_flag=True, help="Show the statements behind each decision.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format: a table (plain text when not on a terminal), or JSON results.",
)
def simulate(
    scenario_file: Path | None,
    demo: bool,
    input_dir: Path | None,
    snapshot_file: Path | None,
    principal: str | None,
    actions: tuple[str, ...],
    resources: tuple[str, ...],
    context_pairs: tuple[str, ...],
    explain: bool,
    output_format: str,
) -> None:
    """Decide requests as AWS would, from a scenario file or an account's real policies.

    With an account source, --region is the requests' aws:RequestedRegion (unless --context
    gives it), and the region collected when the source is live.
    """
    _, live = live_request()
    if scenario_file is not None:
        if demo or input_dir or snapshot_file or principal or actions:
            raise click.UsageError("--scenarios takes no account source, --principal or --action")
        if context_pairs or resources:
            raise click.UsageError(
                "--scenarios takes no --context or --resource: give them in the scenario file"
            )
        if live.regions:
            raise click.UsageError(
                "--scenarios takes no --region: give aws:RequestedRegion in a scenario's context"
            )
        name = _STDIN if str(scenario_file) == "-" else str(scenario_file)
        if name == _STDIN:
            text = read_stream(sys.stdin.buffer, name=_STDIN)
        else:
            text = read_text(scenario_file)
        try:
            results = run_scenarios(load_scenarios(text, path=name))
        except InputError as error:
            raise error.with_path(name) from None
    else:
        if not principal or not actions:
            raise click.UsageError(
                "give --scenarios FILE, or a source with --principal and --action"
            )
        if len(live.regions) > 1:
            raise click.UsageError("give one --region: it is the requests' aws:RequestedRegion")
        snapshot = load_source(
            demo=demo, input_dir=input_dir, snapshot_file=snapshot_file, region_is_request=True
        )
        results = simulate_principal(
            snapshot,
            principal,
            actions,
            resources or ("*",),
            _context(context_pairs),
            region=live.regions[0] if live.regions else None,
        )
    if output_format == "json":
        click.echo(json.dumps(results_to_json(results), indent=2, sort_keys=True))
    else:
        _render(results, explain=explain)
    if any(not r.is_expected for r in results):
        sys.exit(ExitCode.FINDINGS)
