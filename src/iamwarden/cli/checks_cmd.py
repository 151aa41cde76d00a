"""`iamwarden checks list`: the table of built-in checks"""

from __future__ import annotations

import click

from iamwarden.analysis import cis_aws_v3, registered_checks

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
Example:
  iamwarden checks list

\b
Exit codes:
  0  done
  2  bad usage
""",
)
def list_checks() -> None:
    """Print every check: id, severity, resource type, CIS v3.0 ids and title."""
    framework = cis_aws_v3()
    rows = [("ID", "SEVERITY", "RESOURCE", "CIS", "TITLE")]
    for check_id, entry in registered_checks().items():
        spec = entry.spec
        cis = ",".join(r.id for r in framework.requirements_for(check_id)) or "-"
        rows.append((check_id, spec.severity.value, spec.resource_type, cis, spec.title))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        click.echo("  ".join([*cells, row[4]]))
