"""Organization mode of `iamwarden assess`: one report per account and the summary"""

from __future__ import annotations

from pathlib import Path

import click

from iamwarden.analysis import AssessOptions
from iamwarden.analysis.evidence import counted
from iamwarden.analysis.organization import OrganizationAssessment, assess_organization
from iamwarden.aws import OrganizationIndex, collect_organization, open_access
from iamwarden.aws import read_organization_index as read_index
from iamwarden.cli.files import check_directory, write_text
from iamwarden.cli.progress import live_progress
from iamwarden.cli.sources import live_request
from iamwarden.report import render_json, render_text
from iamwarden.report.organization import render_organization_json, render_organization_text
from iamwarden.snapshot import read_snapshot

__all__ = ["collect_index", "organization_report"]


def collect_index(role_name: str, out_dir: Path, *, quiet: bool) -> OrganizationIndex:
    """Collect every account of the organization the live credentials manage"""
    target, options = live_request()
    with live_progress(quiet=quiet) as progress:
        return collect_organization(
            open_access(target, home_region=options.home_region),
            role_name=role_name,
            out_dir=out_dir,
            external_id=target.external_id,
            options=options,
            progress=progress,
        )


def organization_report(
    index: OrganizationIndex | Path,
    options: AssessOptions,
    *,
    output_format: str,
    report_dir: Path,
) -> tuple[OrganizationAssessment, str]:
    """Assess every account of an index, write each report into `report_dir`, and return
    the assessment with the rendered organization summary"""
    if isinstance(index, Path):
        index = read_index(index)
    members = [
        (a.id, a.name, None if a.error else read_snapshot(a.snapshot), a.error)
        for a in index.accounts
    ]
    org = assess_organization(index.organization_id, index.management_account_id, members, options)
    check_directory(report_dir, create=True)
    suffix, render = (".json", render_json) if output_format == "json" else (".txt", render_text)
    reports = {}
    for account in org.accounts:
        if account.assessment is not None:
            path = report_dir / f"{account.account_id}{suffix}"
            write_text(path, render(account.assessment))
            reports[account.account_id] = str(path)
    click.echo(f"wrote {counted(len(reports), 'account report')} to {report_dir}", err=True)
    summary = (
        render_organization_json(org, reports)
        if output_format == "json"
        else render_organization_text(org, reports)
    )
    return org, summary
