"""Organization mode of `iamwarden assess`: one report per account and the summary"""

from __future__ import annotations

import os
from pathlib import Path

import click

from iamwarden.analysis import AssessOptions
from iamwarden.analysis.evidence import counted
from iamwarden.analysis.organization import OrganizationAssessment, assess_organization
from iamwarden.aws import INDEX_NAME, OrganizationIndex, collect_organization, open_access
from iamwarden.aws import read_organization_index as read_index
from iamwarden.cli.files import check_directory, write_text
from iamwarden.cli.progress import live_progress
from iamwarden.cli.sources import live_request
from iamwarden.errors import SnapshotFormatError
from iamwarden.report import render_html, render_json, render_text
from iamwarden.report.organization import render_organization_json, render_organization_text
from iamwarden.report.organization_html import render_organization_html
from iamwarden.snapshot import Snapshot, read_snapshot

__all__ = ["ORG_FORMATS", "collect_index", "organization_report"]

ORG_FORMATS = ("text", "json", "html")
"""The formats of organization mode: the summary and each account's report in the same one"""

_RENDERERS = {
    "text": (".txt", render_text, render_organization_text),
    "json": (".json", render_json, render_organization_json),
    "html": (".html", render_html, render_organization_html),
}


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
    page_dir: Path | None = None,
) -> tuple[OrganizationAssessment, str]:
    """Assess every account of an index, write each report into `report_dir`, and return
    the assessment with the rendered organization summary

    The summary names each account's report by its path relative to `page_dir`, the
    directory the summary is written to (as given, relative to the working directory, when
    it goes to stdout), so the HTML page's links resolve where it is written.

    Raises:
        SnapshotFormatError: the index is malformed, lists an account twice, or an account's
            snapshot belongs to another account (located at the index entry's id).
    """
    if isinstance(index, Path):
        index = read_index(index)
    members: list[tuple[str, str, Snapshot | None, str]] = []
    for position, entry in enumerate(index.accounts):
        snapshot = None if entry.error else read_snapshot(entry.snapshot)
        if snapshot is not None and snapshot.account.id != entry.id:
            raise SnapshotFormatError(
                f"account id `{entry.id}` does not match its snapshot "
                f"`{entry.snapshot.name}` (account `{snapshot.account.id}`)",
                path=str(entry.snapshot.parent / INDEX_NAME),
                location=f"$.accounts[{position}].id",
            )
        members.append((entry.id, entry.name, snapshot, entry.error))
    org = assess_organization(index.organization_id, index.management_account_id, members, options)
    assessed = [(a.account_id, a.assessment) for a in org.accounts if a.assessment is not None]
    suffix, render, summarize = _RENDERERS[output_format]
    reports = {}
    if assessed:  # no account report, no directory made for it
        check_directory(report_dir, create=True)
    for account_id, assessment in assessed:
        path = report_dir / f"{account_id}{suffix}"
        write_text(path, render(assessment))
        shown = os.path.relpath(path, page_dir) if page_dir is not None else str(path)
        reports[account_id] = Path(shown).as_posix()
    click.echo(f"wrote {counted(len(reports), 'account report')} to {report_dir}", err=True)
    return org, summarize(org, reports)
