"""`iamwarden access`: what principals outside the zone of trust may do, and weak trust
policies, with archive rules from `iamwarden.toml`"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from iamwarden.analysis.assessment import mute_findings
from iamwarden.analysis.checks.exposure import ACCESS_CHECKS, exposure_report
from iamwarden.analysis.exposure import Zone, ZoneOfTrust
from iamwarden.analysis.permissions import Permissions
from iamwarden.analysis.registry import CheckContext, registered_checks
from iamwarden.cli.access_formats import MACHINE_FORMATS, access_assessment
from iamwarden.cli.assess_security_hub import default_region
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.cli.files import OUTPUT_FILE, read_text, write_text
from iamwarden.cli.sources import load_source, source_options
from iamwarden.config import Config, Suppression, parse_config
from iamwarden.findings import Finding, Severity, Status
from iamwarden.policy import load_catalog
from iamwarden.policy.lint import CODES as LINT_CODES
from iamwarden.report.formats import missing_extra, render_format
from iamwarden.snapshot import with_policy_gaps

__all__ = ["CONFIG_FILE", "access_command", "load_config"]

CONFIG_FILE = Path("iamwarden.toml")
"""Read from the working directory when `--config` is not given and it exists"""


def load_config(path: Path | None) -> Config:
    """`--config FILE`, else `./iamwarden.toml` when present, else an empty config

    Raises:
        InputError: the file cannot be read or is not a valid config (file and key named).
    """
    if path is None:
        if not CONFIG_FILE.is_file():
            return Config()
        path = CONFIG_FILE
    # lint codes too: one iamwarden.toml holds the archive rules of `assess` and `lint`
    known = {*registered_checks(), *LINT_CODES}
    return parse_config(read_text(path), path=str(path), known_checks=known)


def _sort_key(finding: Finding) -> tuple[int, int, str]:
    return (finding.severity.rank, ACCESS_CHECKS.index(finding.check_id), finding.resource_arn)


def _rule(rule: Suppression) -> dict[str, Any]:
    return {
        "check_id": rule.check_id,
        "resource_arn": rule.resource_arn,
        "principal": rule.principal,
        "reason": rule.reason,
        "expires": rule.expires.isoformat() if rule.expires else None,
    }


def _plain(value: Any) -> Any:
    """JSON for what evidence holds besides JSON's own types (read-only mappings)"""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"evidence value of type {type(value).__name__} is not JSON")


def _json(
    findings: tuple[Finding, ...],
    expired: tuple[Suppression, ...],
    zone: ZoneOfTrust,
    analysed: int,
    alias: str,
) -> str:
    data = {
        "schema_version": 1,
        "account": {"id": zone.account_id, "alias": alias},
        "zone_of_trust": {
            "zone": zone.zone.value,
            "organization_id": zone.organization_id or None,
            "known_accounts": dict(sorted(zone.known_accounts.items())),
        },
        "policies_analysed": analysed,
        "summary": {status.value: sum(f.status is status for f in findings) for status in Status},
        "findings": [
            {
                "id": f.id,
                "check_id": f.check_id,
                "status": f.status.value,
                "severity": f.severity.value,
                "resource_arn": f.resource_arn,
                "resource_type": f.resource_type,
                "message": f.message,
                "evidence": json.loads(json.dumps(f.evidence, default=_plain)),
            }
            for f in findings
            if f.status is not Status.PASS or "blocked_by" in f.evidence
        ],
        "expired_archive_rules": [_rule(r) for r in expired],
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def _evidence_lines(finding: Finding) -> list[str]:
    """The statements and conditions behind a finding, each line once (several outsiders or
    actions often rest on the same statement)"""
    lines: list[str] = []
    for entry in finding.evidence.get("exposures", ()) or finding.evidence.get("answers", ()):
        for ref in entry.get("statements", ()):
            sid = f" ({ref['sid']})" if ref.get("sid") else ""
            lines.append(f"  granted by {ref['policy']} {ref['pointer']}{sid}")
        if not entry.get("undecided"):
            for cond in entry.get("conditions", ()):
                values = ", ".join(cond["values"])
                lines.append(f"  condition: {cond['operator']} {cond['key']} [{values}]")
        for cond in entry.get("undecided", ()):
            values = ", ".join(cond["values"])
            verb = "holds" if cond["must_hold"] else "does not hold"
            lines.append(
                f"  only if the caller's {cond['operator']} {cond['key']} [{values}] {verb}"
            )
    return list(dict.fromkeys(lines))


def _text(
    findings: tuple[Finding, ...],
    expired: tuple[Suppression, ...],
    zone: ZoneOfTrust,
    analysed: int,
    alias: str,
) -> str:
    account = f"{zone.account_id} ({alias})" if alias else zone.account_id
    where = (
        f"the Organization {zone.organization_id or '(not known)'}"
        if zone.zone is Zone.ORGANIZATION
        else "the account"
    )
    lines = [
        f"External access of {account}; zone of trust: {where}",
        f"Policies analysed: {analysed} (resource policies and role trust policies)",
        "",
    ]
    failing = [f for f in findings if f.status is Status.FAIL]
    if not failing:
        lines.append("No external access or weak trust policy found.")
    else:
        counts = ", ".join(
            f"{n} {severity.value}"
            for severity in Severity
            if (n := sum(f.severity is severity for f in failing))
        )
        lines += [f"Findings: {len(failing)} ({counts})", ""]
    for finding in failing:
        lines.append(
            f"{finding.severity.value.upper():<9}{finding.check_id}  {finding.resource_arn}"
        )
        lines.append(f"  {finding.message}")
        lines += _evidence_lines(finding)
    blocked = [f for f in findings if f.status is Status.PASS and "blocked_by" in f.evidence]
    if blocked:
        lines += ["", "Neutralised by S3 Block Public Access:"]
        lines += sorted({f"  {f.resource_arn}: {f.evidence['blocked_by']}" for f in blocked})
    pending = [f for f in findings if f.status is Status.NOT_ASSESSED]
    if pending:
        lines += ["", "Not assessed:"]
        lines += sorted({f"  {f.resource_arn}: {f.message}" for f in pending})
    muted = [f for f in findings if f.status is Status.MUTED and "muted_status" in f.evidence]
    muted = [f for f in muted if f.evidence["muted_status"] == Status.FAIL.value]
    if muted:
        lines += ["", f"Archived (muted, not counted): {len(muted)}"]
        lines += [
            f"  {f.check_id}  {f.resource_arn}: {f.evidence.get('muted_reason', '')}" for f in muted
        ]
    if expired:
        lines += ["", "Expired archive rules (they mute nothing):"]
        lines += [
            f"  {r.check_id} {r.resource_arn}"
            + (f" principal {r.principal}" if r.principal else "")
            + f": expired {r.expires}"
            for r in expired
        ]
    return "\n".join(lines) + "\n"


@click.command(
    "access",
    epilog="""\b
Examples:
  iamwarden access --demo
  iamwarden access --demo --config examples/iamwarden.toml --format json
  iamwarden access --snapshot account.json.gz --zone org --fail-on high

\b
Exit codes:
  0  done; no FAIL finding at or above --fail-on (always 0 without --fail-on)
  1  a FAIL finding at or above --fail-on (archived findings never count)
  2  bad usage or bad input, a bad iamwarden.toml (one line naming the file and key)
""",
)
@source_options
@click.option(
    "--zone",
    type=click.Choice([z.value for z in Zone]),
    default=Zone.ACCOUNT.value,
    show_default=True,
    help="The zone of trust: the account, or its whole Organization.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Known accounts and archive rules (default: ./iamwarden.toml when present).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", *MACHINE_FORMATS]),
    default="text",
    show_default=True,
    help="Output format: text, JSON, or the assess report formats that fit (SARIF, CSV, "
    "Security Hub ASFF, OCSF).",
)
@click.option("--output", "-o", type=OUTPUT_FILE, help="Write to this file instead of stdout.")
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Severity], case_sensitive=False),
    help="Exit 1 when a finding at or above this severity fails.",
)
def access_command(
    zone: str,
    config_file: Path | None,
    output_format: str,
    output: Path | None,
    fail_on: str | None,
    **source: Any,
) -> None:
    """Who outside the account (or Organization) can use its resources, and weak trust policies.

    Decides every resource policy (S3 with Block Public Access, KMS, Lambda, SQS, SNS,
    Secrets Manager, ECR, EFS, OpenSearch) and role trust policy with the policy engine:
    public and cross-account access, services acting for other accounts, roles without an
    external id, OIDC and SAML trusts that accept other owners' tokens.
    """
    if extra := (missing_extra(output_format) if output_format in MACHINE_FORMATS else ""):
        raise click.UsageError(f"--format {output_format} needs `pip install 'iamwarden[{extra}]'`")
    config = load_config(config_file)
    snapshot = with_policy_gaps(load_source(**source))
    catalog = load_catalog()
    trust = ZoneOfTrust.of(snapshot, Zone(zone), config.known_accounts)
    if trust.caveat:
        click.echo(f"warning: {trust.caveat}", err=True)
    now = snapshot.collected_at or datetime.now(UTC)
    base = CheckContext(
        snapshot=snapshot,
        catalog=catalog,
        permissions=Permissions(snapshot, catalog),
        now=now,
        trust=trust,
    )
    checks = registered_checks()
    found: list[Finding] = []
    for check_id in ACCESS_CHECKS:
        entry = checks[check_id]
        found.extend(entry.run(dataclasses.replace(base, spec=entry.spec)))
    findings, expired = mute_findings(found, config.archive_rules, on=now)
    findings = tuple(sorted(findings, key=_sort_key))
    analysed = exposure_report(base).analysed
    if output_format in MACHINE_FORMATS:
        assessment = access_assessment(
            snapshot, findings, expired, check_ids=ACCESS_CHECKS, assessed_at=now
        )
        region = default_region() if output_format == "asff" else "us-east-1"
        rendered = render_format(output_format, assessment, region=region)
    else:
        render = _json if output_format == "json" else _text
        rendered = render(findings, expired, trust, analysed, snapshot.account.alias)
    if output is None:
        click.echo(rendered, nl=False)
    else:
        write_text(output, rendered)
        click.echo(f"wrote {output}", err=True)
    if fail_on is not None:
        threshold = Severity(fail_on.lower())
        if any(f.status is Status.FAIL and f.severity.at_least(threshold) for f in findings):
            sys.exit(ExitCode.FINDINGS)
