"""`assess --to-security-hub [--dry-run]`: the assessment's ASFF findings sent to (or printed
for) AWS Security Hub

Sending is a write to the caller's AWS account, so it happens only with the flag; with
`--dry-run` the findings are printed as BatchImportFindings' input and nothing is sent.
"""

from __future__ import annotations

import json

import boto3
import click

from iamwarden.analysis import Assessment
from iamwarden.aws.securityhub import import_findings
from iamwarden.errors import one_line
from iamwarden.report.asff import assessment_to_asff

__all__ = ["default_region", "send_to_security_hub"]

FALLBACK_REGION = "us-east-1"


def default_region() -> str:
    """The AWS configuration's region (profile, AWS_REGION, AWS_DEFAULT_REGION), else
    us-east-1"""
    return boto3.Session().region_name or FALLBACK_REGION


def send_to_security_hub(assessment: Assessment, *, region: str, dry_run: bool) -> None:
    """Send every result as an ASFF finding, or print them all with `dry_run`"""
    partition = boto3.Session().get_partition_for_region(region)
    findings = assessment_to_asff(assessment, region=region, partition=partition)
    if dry_run:
        click.echo(json.dumps({"Findings": findings}, indent=2, sort_keys=True))
        click.echo(
            f"dry run: {len(findings)} findings not sent to Security Hub in {region}", err=True
        )
        return
    result = import_findings(findings, region=region)
    click.echo(
        f"sent {result.imported} findings to Security Hub in {region} "
        f"({result.batches} batches); {len(result.rejected)} rejected",
        err=True,
    )
    for rejected in result.rejected:
        click.echo(
            one_line(
                f"warning: Security Hub rejected {rejected.id}: {rejected.error_code}: "
                f"{rejected.error_message}"
            ),
            err=True,
        )
