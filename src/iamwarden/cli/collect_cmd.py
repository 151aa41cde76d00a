"""`iamwarden collect`: read a live account (or a whole Organization) into snapshot files"""

from __future__ import annotations

from pathlib import Path

import click

from iamwarden.analysis.evidence import counted
from iamwarden.aws import (
    INDEX_NAME,
    collect_account,
    collect_organization,
    open_access,
)
from iamwarden.cli.files import check_directory, check_writable
from iamwarden.cli.progress import live_progress
from iamwarden.cli.sources import live_options, live_request
from iamwarden.snapshot import dump_snapshot

__all__ = ["collect"]


@click.command(
    epilog="""\b
Examples:
  iamwarden collect -o account.json.gz
  iamwarden collect --profile audit --regions us-east-1,eu-west-1 -o account.json
  iamwarden collect --org --role-name OrganizationAccountAccessRole -o org/

\b
Exit codes:
  0  written (calls that failed are gaps recorded in the snapshot)
  2  bad usage, an output that cannot be written, or no collection could start
""",
)
@live_options
@click.option(
    "--org",
    "is_org",
    is_flag=True,
    help="Collect every account of the Organization (needs --role-name).",
)
@click.option("--role-name", help="The role to assume in each member account (with --org).")
@click.option(
    "--output",
    "-o",
    required=True,
    metavar="PATH",
    help="Snapshot file (.json/.json.gz), or a directory with --org.",
)
@click.option("--sequential", is_flag=True, help="One call at a time (for comparison).")
@click.option(
    "--max-workers",
    type=click.IntRange(1, 64),
    default=16,
    show_default=True,
    help="Concurrent calls per account.",
)
@click.option(
    "--max-accounts",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Accounts collected at the same time (with --org).",
)
@click.option("--quiet", "-q", is_flag=True, help="Plain log lines instead of progress bars.")
def collect(
    is_org: bool,
    role_name: str | None,
    output: str,
    sequential: bool,
    max_workers: int,
    max_accounts: int,
    quiet: bool,
) -> None:
    """Collect a live account (or, with --org, every account) into snapshot files."""
    target, options = live_request(
        max_workers=1 if sequential else max_workers, max_accounts=1 if sequential else max_accounts
    )
    if is_org and not role_name:
        raise click.UsageError("--org needs --role-name NAME")
    if role_name and not is_org:
        raise click.UsageError("--role-name only goes with --org")
    if is_org:
        check_directory(Path(output))
    else:
        check_writable(output)  # the text as given: `newdir/` names a directory
    out = Path(output)
    with live_progress(quiet=quiet) as progress:
        access = open_access(target, home_region=options.home_region)
        if is_org:
            assert role_name is not None
            index = collect_organization(
                access,
                role_name=role_name,
                out_dir=out,
                external_id=target.external_id,
                options=options,
                progress=progress,
            )
        else:
            collection = collect_account(access, options=options, progress=progress)
    if is_org:
        failed = sum(1 for a in index.accounts if a.error)
        click.echo(
            f"wrote {counted(len(index.accounts), 'account snapshot')} and "
            f"{out / INDEX_NAME} ({counted(failed, 'account')} failed)",
            err=True,
        )
        return
    snapshot = collection.snapshot
    dump_snapshot(snapshot, out)
    stats = collection.stats
    click.echo(
        f"wrote {output} ({counted(len(snapshot.users), 'user')}, "
        f"{counted(len(snapshot.roles), 'role')}, "
        f"{counted(len(snapshot.resource_policies), 'resource policy', 'resource policies')}; "
        f"{counted(stats.calls, 'call')}, {counted(stats.retries, 'retry', 'retries')}, "
        f"{counted(len(snapshot.gaps), 'gap')}, {stats.seconds:.1f}s)",
        err=True,
    )
