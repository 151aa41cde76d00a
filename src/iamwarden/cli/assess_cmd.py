"""`iamwarden assess`: run every check and print the report"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from iamwarden.analysis import AssessOptions, Suppression, assess, parse_suppressions
from iamwarden.cli.main import ExitCode
from iamwarden.cli.sources import load_source, source_options
from iamwarden.errors import InputError
from iamwarden.findings import Severity
from iamwarden.report import render_json, render_terminal, render_text

__all__ = ["assess_command"]


def _suppressions(path: Path | None) -> tuple[Suppression, ...]:
    if path is None:
        return ()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "cannot be read"
        raise InputError(reason.lower(), path=str(path)) from None
    return parse_suppressions(text, path=str(path))


@click.command("assess")
@source_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity], case_sensitive=False),
    help="Exit 1 when a finding at or above this severity fails.",
)
@click.option(
    "--suppressions",
    "suppressions_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A YAML file of accepted findings (check_id, resource_arn glob, reason).",
)
def assess_command(
    output_format: str,
    output: Path | None,
    fail_on: str | None,
    suppressions_file: Path | None,
    **source: Any,
) -> None:
    """Assess an account's IAM against CIS v3.0 and hygiene checks.

    Exit status: 0 no finding at or above --fail-on (or --fail-on not given), 1 findings at
    or above it, 2 bad usage or input.
    """
    suppressions = _suppressions(suppressions_file)
    snapshot = load_source(**source)
    now = None if snapshot.collected_at else datetime.now(UTC)
    result = assess(snapshot, AssessOptions(now=now, suppressions=suppressions))
    if output_format == "json":
        rendered = render_json(result)
    elif output is None and sys.stdout.isatty():
        render_terminal(result, Console())
        rendered = None
    else:
        rendered = render_text(result)
    if rendered is not None:
        if output is None:
            click.echo(rendered, nl=False)
        else:
            try:
                output.write_text(rendered, encoding="utf-8")
            except OSError as error:
                raise InputError(
                    (error.strerror or "cannot be written").lower(), path=str(output)
                ) from None
            click.echo(f"wrote {output}", err=True)
    worst = result.worst_failure()
    if fail_on is not None and worst is not None and worst.at_least(Severity(fail_on.lower())):
        sys.exit(ExitCode.FINDINGS)
