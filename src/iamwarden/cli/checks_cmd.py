"""`iamwarden checks list`: the table of built-in checks"""

from __future__ import annotations

import click

from iamwarden.analysis import DEFAULT_FRAMEWORK, FRAMEWORK_FILES, load_framework, registered_checks

__all__ = ["checks"]


@click.group(
    "checks",
    epilog="""\b
Example:
  iamwarden checks list

\b
Exit codes:
  0  done
  2  bad usage
""",
)
def checks() -> None:
    """Inspect the built-in checks."""


@checks.command(
    "list",
    epilog="""\b
Examples:
  iamwarden checks list
  iamwarden checks list --framework cis-7.0

\b
Exit codes:
  0  done
  2  bad usage
""",
)
@click.option(
    "--framework",
    "framework_id",
    type=click.Choice(list(FRAMEWORK_FILES)),
    default=DEFAULT_FRAMEWORK,
    show_default=True,
    help="The compliance framework whose requirement ids the table shows.",
)
def list_checks(framework_id: str) -> None:
    """Print every check: id, severity, resource type, requirement ids and title."""
    framework = load_framework(framework_id)
    heading = "CIS" if framework_id == DEFAULT_FRAMEWORK else framework_id.upper()
    rows = [("ID", "SEVERITY", "RESOURCE", heading, "TITLE")]
    for check_id, entry in registered_checks().items():
        spec = entry.spec
        ids = ",".join(r.id for r in framework.requirements_for(check_id)) or "-"
        rows.append((check_id, spec.severity.value, spec.resource_type, ids, spec.title))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        click.echo("  ".join([*cells, row[4]]))
