"""`iamwarden watch SOURCE`: follow CloudTrail (a folder, an S3 prefix, an SQS queue), match
the rule pack, and deliver each alert once to standard output, a JSON lines file, a webhook
or SNS"""

from __future__ import annotations

import json
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from iamwarden.activity.rules import SnapshotContext
from iamwarden.activity.sinks import CallbackSink, JsonLinesSink, SnsSink, WebhookSink, alert_text
from iamwarden.activity.watch import (
    FolderSource,
    S3Source,
    Sink,
    Source,
    SQSSource,
    WatchOptions,
    WatchProgress,
    open_state,
    parse_rate_limit,
    run_watch,
)
from iamwarden.analysis.evidence import counted
from iamwarden.cli.files import check_writable
from iamwarden.cli.options import TEXT_OR_JSON
from iamwarden.cli.rules_cmd import rule_pack, rules_options
from iamwarden.errors import InputError

__all__ = ["watch_command"]

_DEFAULT_STATE = Path("iamwarden-watch.sqlite")


def _source(text: str | None, queue_url: str | None, wait: int) -> Source:
    if (text is None) == (queue_url is None):
        raise click.UsageError("give one source: a folder, s3://bucket/prefix/ or --queue-url URL")
    if queue_url is not None:
        return SQSSource(queue_url, wait_seconds=wait)
    assert text is not None
    if text.startswith("sqs://"):
        rest = text.removeprefix("sqs://")
        return SQSSource(rest if rest.startswith("http") else f"https://{rest}", wait_seconds=wait)
    if text.startswith("s3://"):
        return S3Source(text)
    return FolderSource(Path(text))


def _context(snapshot_file: Path | None) -> SnapshotContext | None:
    if snapshot_file is None:
        return None
    from iamwarden.cli.sources import load_source
    from iamwarden.policy import load_catalog

    snapshot = load_source(demo=False, input_dir=None, snapshot_file=snapshot_file)
    return SnapshotContext(snapshot, load_catalog())


@click.command(
    "watch",
    epilog="""\b
Examples:
  iamwarden watch AWSLogs/ --once
  iamwarden watch s3://my-trail-bucket/AWSLogs/ --jsonl alerts.jsonl --interval 60
  iamwarden watch --queue-url https://sqs.us-east-1.amazonaws.com/111122223333/trail \\
      --webhook https://hooks.slack.com/services/T0/B0/XXXX --rate-limit 5/1m
  iamwarden watch sqs://sqs.us-east-1.amazonaws.com/111122223333/trail \\
      --sns-topic arn:aws:sns:us-east-1:111122223333:alerts --rules my-rules/
  iamwarden watch AWSLogs/ --once --rules my-rules/ --no-builtin

\b
--rules adds rule files to the built-in pack (as `iamwarden rules` does);
--no-builtin leaves the built-in pack out.

\b
Position and alerts are kept in --state (SQLite): a restart neither loses
nor repeats an alert.

\b
Exit codes:
  0  done (--once: everything processed and delivered; or stopped by a signal)
  2  bad usage or bad input, or a sink that left alerts pending (kept for
     the next run); one line on stderr
""",
)
@click.argument("source", required=False)
@click.option("--queue-url", help="An SQS queue fed by an EventBridge rule (instead of SOURCE).")
@rules_options
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A snapshot file, to decide rules that ask whether the principal is admin.",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=_DEFAULT_STATE,
    show_default=True,
    help="The state file (SQLite): files, keys and messages seen; alerts and deliveries.",
)
@click.option("--once", is_flag=True, help="Process what is there, deliver, and exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds between polls of the source.",
)
@click.option(
    "--wait",
    type=click.IntRange(min=0, max=20),
    default=10,
    show_default=True,
    help="SQS long-poll seconds per receive (0 with --once).",
)
@click.option(
    "--rate-limit",
    help="At most N alerts per rule per period of event time (N/SECONDS, or 5/1m, 20/1h); "
    "the rest are counted as suppressed.",
)
@click.option(
    "--jsonl",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append each alert to this JSON lines file.",
)
@click.option(
    "--webhook",
    envvar="IAMWARDEN_WEBHOOK_URL",
    help="POST each alert (Slack-compatible JSON) to this URL (or set IAMWARDEN_WEBHOOK_URL, "
    "which keeps the URL's token out of the process list).",
)
@click.option("--sns-topic", help="Publish each alert to this SNS topic ARN.")
@click.option("--quiet", is_flag=True, help="No alerts on standard output (sinks only).")
@TEXT_OR_JSON
def watch_command(
    source: str | None,
    queue_url: str | None,
    rule_paths: tuple[Path, ...],
    no_builtin: bool,
    snapshot_file: Path | None,
    state: Path,
    once: bool,
    interval: float,
    wait: int,
    rate_limit: str | None,
    jsonl: Path | None,
    webhook: str | None,
    sns_topic: str | None,
    quiet: bool,
    fmt: str,
) -> None:
    """Follow new CloudTrail records in SOURCE (a local folder, s3://bucket/prefix/, or
    sqs://queue-url) and deliver the rule pack's alerts, deduplicated by event and rule and
    rate-limited per rule, to standard output and any --jsonl, --webhook and --sns-topic."""
    followed = _source(source, queue_url, 0 if once else wait)
    limit = parse_rate_limit(rate_limit) if rate_limit else None
    pack = rule_pack(rule_paths, no_builtin)
    context = _context(snapshot_file)
    check_writable(state)
    sinks: list[Sink] = []
    if not quiet:

        def echo(alert: Mapping[str, Any]) -> None:
            click.echo(json.dumps(alert, sort_keys=True) if fmt == "json" else alert_text(alert))

        sinks.append(CallbackSink("stdout", echo))
    if jsonl is not None:
        check_writable(jsonl)
        sinks.append(JsonLinesSink(jsonl))
    if webhook:
        sinks.append(WebhookSink(webhook))
    if sns_topic:
        sinks.append(SnsSink(sns_topic))
    stopping = {"now": False}

    def stop(signum: int, frame: Any) -> None:
        stopping["now"] = True

    if not once:
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def report(step: WatchProgress) -> None:
        if step.problem:
            where = f"{step.item}: " if step.item else ""
            click.echo(f"watch: {where}{step.problem}", err=True)
        elif step.alerts or step.suppressed:
            suppressed = f", {step.suppressed} suppressed" if step.suppressed else ""
            click.echo(
                f"watch: {step.item}: {counted(step.records, 'record')}, "
                f"{counted(step.alerts, 'alert')}{suppressed}",
                err=True,
            )

    options = WatchOptions(
        once=once,
        interval=interval,
        rate_limit=limit,
        context=context,
        should_stop=lambda: stopping["now"],
    )
    with open_state(state) as opened:
        left = run_watch(followed, pack, opened, sinks, options=options, report=report)
        counts = opened.counts()
    click.echo(
        f"watch: {counted(counts['seen'], 'item')} seen; alerts {counts['delivered']} delivered, "
        f"{counts['pending']} pending, {counts['suppressed']} suppressed by the rate limit",
        err=True,
    )
    if left:
        raise InputError(
            f"{counted(left, 'alert')} not delivered (kept for the next run)", path=str(state)
        )
