"""`iamwarden rules list | test | export`: the detection rules (the built-in pack and the
user's rule files), tried on their own examples and on CloudTrail files, and exported to run
natively in AWS"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from iamwarden.activity.rules import (
    Alert,
    ExportFormat,
    RulePack,
    Scope,
    SnapshotContext,
    alerts_for,
    export_pack,
    load_pack,
    read_records,
)
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.cli.files import OUTPUT_FILE, write_text
from iamwarden.cli.options import TEXT_OR_JSON
from iamwarden.errors import InputError, one_line

__all__ = ["rule_pack", "rules", "rules_options"]


def rules_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--rules PATH` (repeatable, added to the built-in pack) and `--no-builtin` (the
    --rules files alone), shared by `rules list|test|export` and `watch`"""
    command = click.option(
        "--no-builtin",
        is_flag=True,
        help="Leave the built-in pack out: only the --rules files (which it requires).",
    )(command)
    return click.option(
        "--rules",
        "rule_paths",
        multiple=True,
        type=click.Path(path_type=Path),
        help="A rule file or a folder of *.yaml rule files, added to the built-in pack "
        "(repeatable).",
    )(command)


def rule_pack(rule_paths: tuple[Path, ...], no_builtin: bool) -> RulePack:
    """The pack of --rules and --no-builtin (a usage error: --no-builtin without --rules)"""
    if no_builtin and not rule_paths:
        raise click.UsageError("--no-builtin needs --rules (no rules otherwise)")
    return load_pack(list(rule_paths), builtin=not no_builtin)


@click.group(
    "rules",
    epilog="""\b
Examples:
  iamwarden rules list
  iamwarden rules test AWSLogs/ --format json
  iamwarden rules export --format cloudformation --output rules.yaml

\b
Exit codes:
  0  done
  1  test: a rule's own example does not behave as written
  2  bad usage or bad input, such as a bad rule file (one line on stderr)
""",
)
def rules() -> None:
    """Detection rules for high-risk activity: list them, test them on their examples and on
    CloudTrail files, export them as EventBridge rules and CloudWatch alarms."""


@rules.command(
    "list",
    epilog="""\b
Examples:
  iamwarden rules list
  iamwarden rules list --rules my-rules/ --format json

\b
Exit codes:
  0  done
  2  bad usage or a bad rule file (one line on stderr)
""",
)
@rules_options
@TEXT_OR_JSON
def list_rules(rule_paths: tuple[Path, ...], no_builtin: bool, fmt: str) -> None:
    """Print every rule: id, severity, MITRE ATT&CK techniques, CIS ids and title."""
    pack = rule_pack(rule_paths, no_builtin)
    if fmt == "json":
        entries = [
            {
                "id": r.id,
                "title": r.title,
                "severity": r.severity.value,
                "mitre": list(r.mitre),
                "cis": list(r.cis),
                "conditions": [c.value for c in r.conditions],
                "source": r.source,
                "line": r.line,
                "pattern": r.pattern.pattern,
            }
            for r in pack.rules
        ]
        click.echo(json.dumps(entries, indent=2))
        return
    table = [("ID", "SEVERITY", "MITRE", "CIS", "TITLE")]
    for r in pack.rules:
        table.append((r.id, r.severity.value, ",".join(r.mitre), ",".join(r.cis) or "-", r.title))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        click.echo("  ".join([*cells, row[4]]))


def _alert_line(alert: Alert) -> str:
    event = alert.event
    identity = event.get("userIdentity")
    caller = identity.get("arn") if isinstance(identity, dict) else None
    undecided = f" (not assessed: {', '.join(c.value for c in alert.undecided)})"
    return one_line(
        f"    {alert.source}#{alert.index}  {event.get('eventTime', '-')}  "
        f"{event.get('eventName', '-')}  {caller or '-'}  {alert.event_id or '-'}"
        + (undecided if alert.undecided else "")
    )


@rules.command(
    "test",
    epilog="""\b
Examples:
  iamwarden rules test
  iamwarden rules test AWSLogs/111122223333/CloudTrail/ --snapshot account.json
  iamwarden rules test trail.json.gz --rules my-rules/ --format json

\b
FILES are CloudTrail files or folders: {"Records": [...]} files, JSON arrays or JSON lines,
gzip-compressed or not. Hits are output, not failures. A record nested too deeply
is skipped with a warning on stderr (file and position); the rest are tested.

\b
Exit codes:
  0  done (with or without hits)
  1  a rule's own example does not behave as written
  2  bad usage, a bad rule file or an unreadable CloudTrail file (one line on stderr)
""",
)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@rules_options
@click.option(
    "--snapshot",
    "snapshot_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Snapshot file (from `iamwarden snapshot`) that decides conditions such as "
    "target_is_admin; without it they are reported as not assessed.",
)
@TEXT_OR_JSON
def test_rules(
    files: tuple[Path, ...],
    rule_paths: tuple[Path, ...],
    no_builtin: bool,
    snapshot_path: Path | None,
    fmt: str,
) -> None:
    """Run every rule on its own examples, then on the events of FILES, and print the hits
    per rule (--format json: one record per alert with the rule, the file, the event's
    position in it and its eventID)."""
    pack = rule_pack(rule_paths, no_builtin)
    failures = pack.check_examples()
    context = None
    if snapshot_path is not None:
        from iamwarden.policy import load_catalog
        from iamwarden.snapshot import read_snapshot

        context = SnapshotContext(read_snapshot(snapshot_path), load_catalog())
    found: list[Alert] = []
    events = 0

    def skipped(error: InputError) -> None:
        click.echo(f"warning: {error}; record skipped", err=True)

    for item in read_records(list(files), on_skip=skipped):
        events += 1
        found.extend(
            alerts_for(pack, item.record, context=context, source=item.source, index=item.index)
        )
    if fmt == "json":
        report: dict[str, Any] = {
            "rules": len(pack),
            "examples": sum(len(r.positives) + len(r.negatives) for r in pack.rules),
            "example_failures": [str(f) for f in failures],
            "events": events,
            "alerts": [a.to_json() for a in found],
        }
        click.echo(json.dumps(report, indent=2))
    else:
        examples = sum(len(r.positives) + len(r.negatives) for r in pack.rules)
        verdict = "all behave as written" if not failures else f"{len(failures)} FAIL"
        click.echo(f"examples: {len(pack)} rules, {examples} examples, {verdict}")
        for failure in failures:
            click.echo(f"  FAIL {failure}")
        if files:
            hits = Counter(a.rule.id for a in found)
            click.echo(f"events: {events:,} read, {len(found):,} alerts from {len(hits)} rules")
            for rule in sorted({a.rule for a in found}, key=lambda r: (r.severity.rank, r.id)):
                click.echo(f"  {rule.id} ({rule.severity.value}): {hits[rule.id]} - {rule.title}")
                for alert in found:
                    if alert.rule is rule:
                        click.echo(_alert_line(alert))
    if failures:
        raise SystemExit(ExitCode.FINDINGS)


@rules.command(
    "export",
    epilog="""\b
Examples:
  iamwarden rules export --format cloudformation --scope global -o iamwarden-global.yaml
  iamwarden rules export --format cloudformation --scope regional -o iamwarden-regional.yaml
  iamwarden rules export --format terraform --output iamwarden-rules.tf.json
  iamwarden rules export --format eventbridge --rules my-rules/

\b
An EventBridge rule sees only its own Region's events. IAM, Organizations and
Account Management events arrive in us-east-1 only: deploy --scope global there,
once (it also holds the CIS section 4 metric filters and alarms, on the trail's
CloudWatch Logs group). Every other service's events, STS and sign-in at Regional
endpoints included, stay in their Region: deploy --scope regional in every
Region in use, us-east-1 included (a CloudFormation StackSet, with a topic per
Region), or in one Region that the others forward events to (an EventBridge
rule whose target is that Region's event bus). --scope all (the default) puts
everything in one template: alone, it covers a single Region. Rules with
conditions are exported without them (broader; their description says so).

\b
Exit codes:
  0  done
  2  bad usage, a bad rule file, two rules with the same exported name, or an
     unwritable output (one line on stderr)
""",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ExportFormat]),
    required=True,
    help="cloudformation: a template (YAML); terraform: a *.tf.json configuration; "
    "eventbridge: the raw rules (PutRule shape) as JSON.",
)
@click.option(
    "--scope",
    type=click.Choice([s.value for s in Scope]),
    default=Scope.ALL.value,
    show_default=True,
    help="global: the IAM, Organizations and Account rules and the CIS alarms (deploy in "
    "us-east-1); regional: the others (deploy in every Region); all: both in one.",
)
@click.option(
    "--output",
    "-o",
    type=OUTPUT_FILE,
    help="File to write (written whole or not at all); standard output by default.",
)
@rules_options
def export_rules(
    fmt: str, scope: str, output: Path | None, rule_paths: tuple[Path, ...], no_builtin: bool
) -> None:
    """Write the rules as EventBridge rules with an SNS target, and the CIS section 4
    controls as CloudWatch Logs metric filters and alarms."""
    text = export_pack(rule_pack(rule_paths, no_builtin), ExportFormat(fmt), Scope(scope))
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text(output, text)
        click.echo(f"wrote {output}", err=True)
