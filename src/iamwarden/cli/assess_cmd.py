"""`iamwarden assess`: run every check and print the report"""

from __future__ import annotations

import sys
import time
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from iamwarden.activity.assess import with_activity_store
from iamwarden.analysis import (
    DEFAULT_FRAMEWORK,
    FRAMEWORK_FILES,
    AssessOptions,
    Suppression,
    assess,
    load_framework,
    parse_suppressions,
)
from iamwarden.analysis.evidence import counted
from iamwarden.analysis.exposure import Zone
from iamwarden.cli.access_cmd import load_config
from iamwarden.cli.assess_gc import collector_paused
from iamwarden.cli.assess_org import ORG_FORMATS, collect_index, organization_report
from iamwarden.cli.assess_progress import assess_display, importing
from iamwarden.cli.assess_security_hub import default_region, send_to_security_hub
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.cli.files import (
    OUTPUT_FILE,
    check_directory,
    check_writable,
    read_text,
    write_text,
)
from iamwarden.cli.history_cmd import assess_store_option, check_store, store_assessments
from iamwarden.cli.sources import load_source, source_options
from iamwarden.findings import Severity
from iamwarden.report import render_terminal
from iamwarden.report.formats import FORMATS, missing_extra, render_format

__all__ = ["assess_command"]


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """`--as-of`: an ISO 8601 date or date-time; without an offset it is UTC"""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"`{value}` is not an ISO 8601 date (2019-05-07)") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if moment > datetime.now(UTC):
        click.echo(
            f"warning: --as-of {value} is in the future: keys, passwords and last use look "
            "that much older than they are",
            err=True,
        )
    return moment


def _suppressions(path: Path | None) -> tuple[Suppression, ...]:
    if path is None:
        return ()
    return parse_suppressions(read_text(path), path=str(path))


@click.command(
    "assess",
    epilog="""\b
Examples:
  iamwarden assess --demo
  iamwarden assess --snapshot account.json.gz --fail-on high --output report.txt
  iamwarden assess --profile audit --format json --output report.json
  iamwarden assess --demo --format html --output report.html
  iamwarden assess --demo --format html --format sarif --output-dir reports/
  iamwarden assess --demo --framework cis-5.0 --framework pci-4.0
  iamwarden assess --profile audit --to-security-hub --security-hub-region eu-west-1
  iamwarden assess --demo --to-security-hub --dry-run
  iamwarden assess --org-index org/ --report-dir reports/
  iamwarden assess --org-index org/ --format html --output-dir reports/
  iamwarden assess --profile audit --store
  iamwarden assess --snapshot account.json.gz --activity trail.duckdb
  iamwarden assess --org-index org/ --store postgresql://iamwarden@db:5432/iamwarden

\b
Exit codes:
  0  done; no FAIL finding at or above --fail-on (always 0 without --fail-on)
  1  a FAIL finding at or above --fail-on (MUTED findings never count); in organization
     mode, also an account that could not be assessed (it cannot pass a gate)
  2  bad usage or bad input (one line on stderr, no traceback)
""",
)
@source_options
@click.option(
    "--format",
    "output_formats",
    type=click.Choice(list(FORMATS)),
    multiple=True,
    help="Report format (default text); repeat it with --output-dir for several: "
    + "; ".join(f"{f.name}: {f.description}" for f in FORMATS.values())
    + ".",
)
@click.option(
    "--output",
    "-o",
    type=OUTPUT_FILE,
    help="Write the report to this file instead of stdout.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each --format into this directory (created if missing) as report.<ext>.",
)
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity], case_sensitive=False),
    help="Exit 1 when a finding at or above this severity fails (organization mode: or an "
    "account could not be assessed).",
)
@click.option(
    "--suppressions",
    "suppressions_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A YAML file of accepted findings (check_id, resource_arn glob, principal, reason, "
    "expires).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="iamwarden.toml: known accounts and archive rules, added to --suppressions "
    "(default: ./iamwarden.toml when present).",
)
@click.option(
    "--framework",
    "framework_ids",
    type=click.Choice(list(FRAMEWORK_FILES)),
    multiple=True,
    help=f"Compliance framework of the table and score (default {DEFAULT_FRAMEWORK}); repeat "
    "it for several, the first is the main one.",
)
@click.option(
    "--zone",
    type=click.Choice([z.value for z in Zone]),
    default=Zone.ACCOUNT.value,
    show_default=True,
    help="The zone of trust of the external-access checks: the account or its Organization.",
)
@click.option(
    "--org",
    "is_org",
    is_flag=True,
    help="Collect every account of the organization (with --role-name), one report each.",
)
@click.option("--role-name", help="The role to assume in each member account (with --org).")
@click.option(
    "--org-index",
    type=click.Path(path_type=Path),
    help="Assess an organization collected earlier (`collect --org`): its index or directory.",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("iamwarden-reports"),
    show_default=True,
    help="Organization mode: where each account's report (and collected snapshots) go "
    "(default with --output-dir: that directory).",
)
@click.option(
    "--as-of",
    "as_of",
    callback=_as_of,
    metavar="DATE",
    help="The assessment date (ISO 8601, UTC unless an offset is given); default: when the "
    "data was collected.",
)
@click.option(
    "--to-security-hub",
    "to_security_hub",
    is_flag=True,
    help="Also send every result to AWS Security Hub as ASFF findings (BatchImportFindings, "
    "batches of 100): a write to your AWS account, only with this flag.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --to-security-hub: print the ASFF findings that would be sent, send nothing.",
)
@click.option(
    "--security-hub-region",
    metavar="REGION",
    help="Region of the Security Hub findings (--to-security-hub, --format asff); default: "
    "the AWS configuration's region, else us-east-1.",
)
@assess_store_option
@click.option(
    "--activity",
    "activity_db",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="DB",
    help="Add unused-access findings from this activity store (`iamwarden activity ingest`) "
    "over its last 90 days: unused roles, users, access keys, passwords and granted services "
    "never called; NOT_ASSESSED when the store does not cover the account or the period. "
    "Example: --activity trail.duckdb",
)
@click.option("--quiet", "-q", is_flag=True, help="Plain log lines instead of progress bars.")
def assess_command(
    output_formats: tuple[str, ...],
    output: Path | None,
    output_dir: Path | None,
    fail_on: str | None,
    suppressions_file: Path | None,
    config_file: Path | None,
    framework_ids: tuple[str, ...],
    zone: str,
    is_org: bool,
    role_name: str | None,
    org_index: Path | None,
    report_dir: Path,
    as_of: datetime | None,
    to_security_hub: bool,
    dry_run: bool,
    security_hub_region: str | None,
    store: str | None,
    activity_db: Path | None,
    quiet: bool,
    **source: Any,
) -> None:
    """Assess an account's IAM against compliance frameworks and hygiene checks.

    The compliance table and score are those of each --framework (CIS v3.0 by default).

    With --org or --org-index, assess every account of an organization: one report per
    account in --report-dir (with --output-dir, beside the summary), and the organization
    summary (worst accounts, failing checks across accounts, accounts not assessed) as the
    output; in HTML it links to each account's report.
    """
    formats = tuple(dict.fromkeys(output_formats)) or ("text",)
    if output_dir is not None and output is not None:
        raise click.UsageError("give --output FILE or --output-dir DIR, not both")
    if len(formats) > 1 and output_dir is None:
        raise click.UsageError("several --format need --output-dir DIR")
    is_org_mode = is_org or org_index is not None or bool(role_name)
    if dry_run and not to_security_hub:
        raise click.UsageError("--dry-run goes with --to-security-hub")
    if is_org_mode and activity_db is not None:
        raise click.UsageError("--activity assesses one account, not an organization")
    if is_org_mode and to_security_hub:
        raise click.UsageError("--to-security-hub assesses one account, not an organization")
    if store is not None:
        check_store(store)
    needs_region = to_security_hub or any(FORMATS[name].takes_region for name in formats)
    region = security_hub_region or (default_region() if needs_region else "us-east-1")
    for name in formats:
        if extra := missing_extra(name):
            raise click.UsageError(f"--format {name} needs `pip install 'iamwarden[{extra}]'`")
    explicit = click.get_current_context().get_parameter_source("report_dir")
    if not is_org_mode and explicit is not click.core.ParameterSource.DEFAULT:
        raise click.UsageError("--report-dir is for organization mode (--org or --org-index)")
    if is_org_mode and (len(formats) > 1 or formats[0] not in ORG_FORMATS):
        raise click.UsageError("organization mode writes one --format: " + ", ".join(ORG_FORMATS))
    if is_org_mode and output_dir is not None and explicit is click.core.ParameterSource.DEFAULT:
        report_dir = output_dir  # each account's report beside the organization page
    if output_dir is not None:
        check_directory(output_dir, create=True)
        for name in formats:
            check_writable(output_dir / FORMATS[name].filename)
    output_format = formats[0]
    config = load_config(config_file)
    suppressions = (*_suppressions(suppressions_file), *config.archive_rules)
    known, zone_of_trust = config.known_accounts, Zone(zone)
    frameworks = tuple(load_framework(f) for f in dict.fromkeys(framework_ids))
    if is_org_mode:
        if is_org == (org_index is not None) or is_org != bool(role_name):
            raise click.UsageError("use --org --role-name NAME, or --org-index PATH")
        if any(source.values()):
            raise click.UsageError("organization mode takes no --demo, --input or --snapshot")
        check_directory(report_dir)
        index = (
            collect_index(role_name, report_dir / "snapshots", quiet=quiet)
            if role_name
            else org_index
        )
        assert index is not None
        org, rendered = organization_report(
            index,
            AssessOptions(
                suppressions=suppressions,
                now=as_of,
                today=datetime.now(UTC),
                zone=zone_of_trust,
                known_accounts=known,
                frameworks=frameworks,
            ),
            output_format=output_format,
            report_dir=report_dir,
            page_dir=output.parent if output is not None else output_dir,
        )
        if output_dir is not None:
            written = output_dir / FORMATS[output_format].filename
            write_text(written, rendered)
            click.echo(f"wrote {written}", err=True)
        assessed = [a.assessment for a in org.accounts if a.assessment is not None]
        unassessed = [a.account_id for a in org.accounts if a.assessment is None]
        worst = min(
            (w for a in org.accounts if a.assessment and (w := a.assessment.worst_failure())),
            key=lambda severity: severity.rank,
            default=None,
        )
    else:
        started = time.perf_counter()
        # the collector stays on for live collection: botocore makes cycles by the request
        is_offline = any(source.values())
        with importing(quiet=quiet), collector_paused() if is_offline else nullcontext():
            snapshot = load_source(**source)
        today = datetime.now(UTC)
        now = as_of or (None if snapshot.collected_at else today)
        imported = time.perf_counter() - started
        with collector_paused():
            with assess_display(snapshot, imported, quiet=quiet) as progress:
                options = AssessOptions(
                    now=now,
                    today=today,
                    suppressions=suppressions,
                    progress=progress,
                    zone=zone_of_trust,
                    known_accounts=known,
                    frameworks=frameworks,
                )
                result = assess(snapshot, options)
            if activity_db is not None:
                result = with_activity_store(result, snapshot, activity_db)
            worst, assessed, unassessed = result.worst_failure(), [result], []
            if to_security_hub:
                send_to_security_hub(result, region=region, dry_run=dry_run)
            if output_dir is not None:
                for name in formats:
                    written = output_dir / FORMATS[name].filename
                    write_text(written, render_format(name, result, region=region))
                    click.echo(f"wrote {written}", err=True)
                rendered = ""
            elif output_format == "text" and output is None and sys.stdout.isatty():
                render_terminal(result, Console())
                rendered = ""
            else:
                rendered = render_format(output_format, result, region=region)
    if output_dir is None and output is None and not dry_run:
        click.echo(rendered, nl=False)
    elif output is not None:
        write_text(output, rendered)
        click.echo(f"wrote {output}", err=True)
    if store is not None:
        store_assessments(store, assessed)
    if fail_on is not None and unassessed:
        click.echo(
            f"--fail-on: {counted(len(unassessed), 'account')} not assessed, which cannot "
            f"pass: {', '.join(unassessed)}",
            err=True,
        )
        sys.exit(ExitCode.FINDINGS)
    if fail_on is not None and worst is not None and worst.at_least(Severity(fail_on.lower())):
        sys.exit(ExitCode.FINDINGS)
