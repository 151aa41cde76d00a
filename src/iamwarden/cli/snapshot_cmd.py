"""`iamwarden snapshot`: write an account's snapshot file"""

from __future__ import annotations

from pathlib import Path

import click

from iamwarden.analysis.evidence import counted
from iamwarden.cli.files import OUTPUT_FILE
from iamwarden.cli.sources import load_source, source_options
from iamwarden.snapshot import dump_snapshot

__all__ = ["snapshot"]


@click.command(
    epilog="""\b
Examples:
  iamwarden snapshot --demo -o demo.json.gz
  iamwarden snapshot --input account-data/prod -o prod.json.gz

\b
Exit codes:
  0  written
  2  bad usage or bad input (one line on stderr)
""",
)
@source_options
@click.option(
    "--output",
    "-o",
    required=True,
    type=OUTPUT_FILE,
    help="Where to write the snapshot (.json or .json.gz).",
)
def snapshot(demo: bool, input_dir: Path | None, snapshot_file: Path | None, output: Path) -> None:
    """Write the snapshot of one account to a file."""
    account = load_source(demo=demo, input_dir=input_dir, snapshot_file=snapshot_file)
    dump_snapshot(account, output)
    click.echo(
        f"wrote {output} ({counted(len(account.users), 'user')}, "
        f"{counted(len(account.roles), 'role')}, "
        f"{counted(len(account.policies), 'managed policy', 'managed policies')})",
        err=True,
    )
