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
  iamwarden checks list --framework fsbp --framework soc2

\b
Exit codes:
  0  done
  2  bad usage
""",
)
@click.option(
    "--framework",
    "framework_ids",
    type=click.Choice(list(FRAMEWORK_FILES)),
    multiple=True,
    help="A compliance framework whose requirement ids the table shows, one column each "
    f"(repeatable, in the order given; default {DEFAULT_FRAMEWORK}).",
)
def list_checks(framework_ids: tuple[str, ...]) -> None:
    """Print every check: id, severity, resource type, requirement ids and title."""
    chosen = tuple(dict.fromkeys(framework_ids)) or (DEFAULT_FRAMEWORK,)
    frameworks = [load_framework(framework_id) for framework_id in chosen]
    headings = ["CIS" if i == DEFAULT_FRAMEWORK else i.upper() for i in chosen]
    rows = [("ID", "SEVERITY", "RESOURCE", *headings, "TITLE")]
    for check_id, entry in registered_checks().items():
        spec = entry.spec
        ids = (
            ",".join(r.id for r in framework.requirements_for(check_id)) or "-"
            for framework in frameworks
        )
        rows.append((check_id, spec.severity.value, spec.resource_type, *ids, spec.title))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        click.echo("  ".join([*cells, row[-1]]))
