"""`iamwarden activity …`: CloudTrail into an activity store, and the least-privilege
questions asked of it"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from iamwarden.activity import (
    IngestOptions,
    IngestProgress,
    IngestReport,
    find_files,
    ingest_files,
    open_store,
)
from iamwarden.activity.calls import (
    RecordedCall,
    calls_on,
    survey,
    unmapped_events,
    window_ending,
)
from iamwarden.activity.dialect import Engine
from iamwarden.activity.generate import (
    GeneratedPolicy,
    Verification,
    generate_policy,
    generated_policy_set,
    verify,
)
from iamwarden.activity.mapping import load_mapper
from iamwarden.activity.origins import ORIGIN_KEYS
from iamwarden.activity.requests import condition_keys
from iamwarden.analysis.evidence import counted
from iamwarden.cli.activity_analyses_cmd import (
    access_keys_command,
    calls_command,
    principals_command,
)
from iamwarden.cli.activity_engine import (
    DB_OPTION,
    DEFAULT_DB,
    EngineChoice,
    engine_options,
    open_events,
    store_path,
)
from iamwarden.cli.activity_investigate_cmd import investigate_command
from iamwarden.cli.exit_codes import ExitCode
from iamwarden.cli.files import OUTPUT_FILE, check_writable, read_text, write_text
from iamwarden.cli.options import TEXT_OR_JSON
from iamwarden.errors import InputError
from iamwarden.policy import Policy, PolicyKind, PolicySet, load_catalog, parse_policy

__all__ = ["activity"]


@click.group(
    "activity",
    epilog="""\b
Examples:
  iamwarden activity ingest AWSLogs/ --db trail.duckdb
  iamwarden activity generate --demo --principal arn:aws:iam::210987654321:role/dev-role-01
  iamwarden activity investigate --access-key AKIAIOSFODNN7EXAMPLE --db trail.duckdb

\b
Exit codes:
  0  done
  1  replay: a recorded call would be denied
  2  bad usage or bad input (one line on stderr)
""",
)
def activity() -> None:
    """Least privilege from CloudTrail: ingest events, see who did what, generate policies
    verified by the engine, replay a proposed policy against recorded activity, and
    investigate a leaked access key."""


activity.add_command(investigate_command)
activity.add_command(principals_command)
activity.add_command(calls_command)
activity.add_command(access_keys_command)


def _time(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"`{text}` is not a time (such as 2026-01-31 or 2026-01-31T12:00:00Z)",
            location=option,
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


_PLAIN_EVERY = 5.0
"""Seconds between plain progress lines"""


@contextmanager
def _plain_progress() -> Iterator[Callable[[IngestProgress], None]]:
    """Plain progress lines on stderr: one per finished batch of files at most every
    `_PLAIN_EVERY` seconds and at the end, and, while one batch runs longer (DuckDB reads a
    batch of up to 256 files in one statement), a line with the time spent every
    `_PLAIN_EVERY` seconds from a thread that sleeps in between"""
    lock = threading.Lock()
    stop = threading.Event()
    started = time.perf_counter()
    state: dict[str, Any] = {"step": None, "printed": -_PLAIN_EVERY}

    def line(step: IngestProgress) -> str:
        rate = step.events / step.elapsed if step.elapsed > 0 else 0.0
        return (
            f"ingest: {step.files_done}/{step.files_total} files, "
            f"{step.events} events, {rate:,.0f} events/s"
        )

    def on_step(step: IngestProgress) -> None:
        now = time.perf_counter() - started
        with lock:
            state["step"] = step
            if step.files_done == step.files_total or now - state["printed"] >= _PLAIN_EVERY:
                state["printed"] = now
                click.echo(line(step), err=True)

    def beat() -> None:
        while not stop.wait(_PLAIN_EVERY / 5):
            now = time.perf_counter() - started
            with lock:
                step = state["step"]
                if step is not None and now - state["printed"] >= _PLAIN_EVERY:
                    state["printed"] = now
                    click.echo(f"{line(step)} ({now:,.0f} s, reading)", err=True)

    thread = threading.Thread(target=beat, name="ingest-progress", daemon=True)
    thread.start()
    try:
        yield on_step
    finally:
        stop.set()
        thread.join()


@contextmanager
def _progress(*, quiet: bool) -> Iterator[Callable[[IngestProgress], None]]:
    """Rich bar (files, events, events/s) on a terminal; plain lines under CI or --quiet"""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        with _plain_progress() as plain:
            yield plain
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files, {task.fields[events]:,} events, {task.fields[rate]:,.0f} events/s"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
    with bars:
        task = bars.add_task("ingest", total=None, events=0, rate=0.0)

        def rich(step: IngestProgress) -> None:
            rate = step.events / step.elapsed if step.elapsed > 0 else 0.0
            bars.update(
                task,
                total=step.files_total,
                completed=step.files_done,
                events=step.events,
                rate=rate,
            )

        yield rich


def _summary(found: IngestReport) -> list[str]:
    lines = [
        f"ingested {counted(found.files, 'file')}, {counted(found.events, 'event')} "
        f"in {found.seconds:.1f} s; {counted(found.unchanged, 'file')} already ingested"
    ]
    if found.outside_window:
        lines.append(f"left out {counted(found.outside_window, 'event')} outside --since/--until")
    if found.files_failed:
        lines.append(f"skipped {counted(found.files_failed, 'file')} whole:")
        lines.extend(f"  {p}" for p in found.problems if not p.count)
    skipped = found.records_skipped
    if skipped:
        lines.append(f"skipped {counted(sum(skipped.values()), 'record')}:")
        lines.extend(f"  {count:,} {reason}" for reason, count in sorted(skipped.items()))
        lines.extend(f"  {p}" for p in found.problems if p.count)
    return lines


@activity.command(
    "ingest",
    epilog="""\b
Examples:
  iamwarden activity ingest AWSLogs/ --db trail.duckdb
  iamwarden activity ingest events.jsonl export.json.gz --since 2026-01-01
  iamwarden activity ingest s3://my-trail-bucket/AWSLogs/123456789012/ --db trail.duckdb

\b
Exit codes:
  0  done (records skipped are listed with their reasons)
  1  done, but files were skipped whole (listed with their reasons: a corrupt
     gzip, malformed JSON, too large for the free memory); the store lacks them
     and the next run tries them again
  2  bad usage or bad input: a path that does not exist, a database that is not a store,
     a store another process has open
""",
)
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DB,
    show_default=True,
    help="The activity store (a DuckDB file), created if missing.",
)
@click.option("--since", help="Keep events at or after this time (ISO 8601, UTC if no offset).")
@click.option("--until", help="Keep events before this time (ISO 8601, UTC if no offset).")
@click.option("--quiet", is_flag=True, help="Plain progress lines instead of a progress bar.")
def ingest_command(
    paths: tuple[str, ...], db: Path, since: str | None, until: str | None, quiet: bool
) -> None:
    """Ingest CloudTrail PATHS (files, directories in CloudTrail's layout, or s3:// URLs):
    {"Records": [...]} files, JSON arrays and JSON lines, gzip or not. Files already ingested
    (same path and size) are skipped; bad files and records are counted and listed."""
    options = IngestOptions(since=_time(since, "--since"), until=_time(until, "--until"))
    check_writable(db)  # the store is written in place (its folder must take a new file)
    from iamwarden.activity.s3 import s3_files

    with (
        open_store(db) as store,
        _progress(quiet=quiet) as progress,
        s3_files([p for p in paths if p.startswith("s3://")]) as remote,
    ):
        local = list(find_files([Path(p) for p in paths if not p.startswith("s3://")]))
        found = ingest_files(store, [*local, *remote], options=options, progress=progress)
    for line in _summary(found):
        click.echo(line)
    if found.files_failed:
        sys.exit(ExitCode.FINDINGS)


_DAYS_OPTION = click.option(
    "--days",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="Days of history, ending at the store's latest event.",
)


def _calls(
    choice: EngineChoice,
    db: Path | None,
    principal: str,
    days: int,
    *,
    policies: PolicySet | None = None,
) -> tuple[tuple[RecordedCall, ...], datetime | None, datetime | None]:
    """The principal's distinct successful calls in the window, wherever the events are:
    one pass for the event names and the latest time, one for the calls, each with where
    its calls came from when a condition of `policies` names a key that decides
    (`origins.ORIGIN_KEYS`; without one the answers are the same, so the calls are not
    split by source address)"""
    mapper = load_mapper()
    with open_events(choice, db) as events:
        surveyed = survey(events)
        if surveyed.latest is None and choice.engine is not Engine.DUCKDB:
            raise choice.no_events()
        since, until = window_ending(surveyed.latest, days)
        found = calls_on(
            events,
            mapper,
            principals=[principal],
            since=since,
            until=until,
            surveyed=surveyed,
            with_origins=policies is not None and bool(condition_keys(policies) & ORIGIN_KEYS),
        )
    return found.get(principal, ()), since, until


def _events_path(choice: EngineChoice, db: Path | None, demo: bool) -> Path | None:
    """The store for --engine duckdb (`--db`, the demo history, the default file); None for
    the other engines"""
    return store_path(db, demo=demo) if choice.engine is Engine.DUCKDB else None


def _span(since: datetime | None, until: datetime | None) -> str:
    if since is None or until is None:
        return "the whole history"
    return f"{since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC"


def _verification_json(found: Verification) -> dict[str, Any]:
    return {
        "requests": found.requests,
        "calls": found.calls,
        "allowed_requests": found.allowed_requests,
        "allowed_calls": found.allowed_calls,
        "delegated_to_iam": found.delegated,
        "denied": [
            {
                "action": request.action,
                "resource": request.resource,
                "count": request.count,
                "last_seen": request.last_seen.isoformat() + "Z",
                "event_names": list(request.event_names),
                "decision": answer.decision.value,
                "denied_by": answer.deciding_kind.value if answer.deciding_kind else None,
                "statements": [str(s) for s in answer.reasons],
            }
            for request, answer in found.denied
        ],
        "uncertain": [
            {
                "action": request.action,
                "resource": request.resource,
                "count": request.count,
                "undecided": [str(u) for u in answer.undecided],
            }
            for request, answer in found.uncertain
        ],
        "unmapped_calls": found.unmapped_calls,
    }


def _verification_text(found: Verification, *, what: str) -> list[str]:
    lines = [
        f"verified by the engine: {found.allowed_requests:,} of "
        f"{counted(found.requests, 'request')} (action on resource) allowed by {what} "
        f"(recorded calls made them {found.calls:,} times: {found.allowed_calls:,} allowed)"
    ]
    if found.delegated:
        lines.append(
            f"  {counted(found.delegated, 'request')} on KMS keys or roles decided with the "
            "resource's policy delegating to IAM (the default key policy, a trust policy "
            "naming the account)"
        )
    for request, answer in found.denied:
        by = f" by the {answer.deciding_kind.value} policies" if answer.deciding_kind else ""
        lines.append(
            f"  DENIED {request.action} on {request.resource}: "
            f"{counted(request.count, 'recorded call')}, "
            f"last {request.last_seen:%Y-%m-%d %H:%M:%S} UTC ({', '.join(request.event_names)}); "
            f"{answer.decision.value}{by}"
        )
        lines.extend(f"    {ref}" for ref in answer.reasons)
    for request, answer in found.uncertain:
        lines.append(
            f"  UNCERTAIN {request.action} on {request.resource}: "
            f"{counted(request.count, 'recorded call')}, allowed only if a key the record does not "
            "give holds (not verified)"
        )
        lines.extend(f"    {clause}" for clause in answer.undecided)
    if found.unmapped:
        lines.append(
            f"  {counted(found.unmapped_calls, 'recorded call')} with no IAM action found "
            "(not verified): "
            + ", ".join(f"{u.event_source} {u.event_name}" for u in found.unmapped)
        )
    return lines


def _dropped(
    demo: bool,
    input_dir: Path | None,
    snapshot_file: Path | None,
    principal: str,
    generated: GeneratedPolicy,
) -> dict[str, Any] | None:
    """What the principal's current policies allow (engine) that the generated one does not"""
    if not (demo or input_dir or snapshot_file):
        return None
    from iamwarden.analysis.effective import effective_permissions
    from iamwarden.cli.sources import load_source

    snapshot = load_source(demo=demo, input_dir=input_dir, snapshot_file=snapshot_file)
    try:
        found = effective_permissions(snapshot, principal, catalog=load_catalog())
    except InputError as error:
        source = snapshot_file or input_dir
        raise (error.with_path(str(source)) if source and not error.path else error) from None
    if found.not_assessed:
        return {"assessed": False, "not_assessed": list(found.not_assessed)}
    kept = set(generated.actions)
    allowed: dict[str, set[str]] = {}
    for grant in found.grants:
        allowed.setdefault(grant.service, set()).add(grant.action)
    dropped = {svc: sorted(a for a in acts if a not in kept) for svc, acts in allowed.items()}
    return {
        "assessed": True,
        "allowed_now": sum(len(a) for a in allowed.values()),
        "dropped": sum(len(a) for a in dropped.values()),
        "services_dropped": sorted(s for s, a in dropped.items() if len(a) == len(allowed[s])),
        "services_narrowed": {
            s: {"dropped": len(a), "allowed_now": len(allowed[s])}
            for s, a in sorted(dropped.items())
            if a and len(a) < len(allowed[s])
        },
        "services_kept": sorted(s for s, a in dropped.items() if not a),
    }


def _dropped_text(dropped: dict[str, Any]) -> list[str]:
    if not dropped["assessed"]:
        return ["current policies: NOT ASSESSED", *(f"  {r}" for r in dropped["not_assessed"])]
    gone = dropped["services_dropped"]
    shown = ", ".join(gone[:12]) + (f" and {len(gone) - 12} more" if len(gone) > 12 else "")
    lines = [
        f"dropped: the current policies allow {counted(dropped['allowed_now'], 'action')}; "
        f"the generated policy drops {dropped['dropped']:,} of them",
        f"  {counted(len(gone), 'service')} entirely: {shown or 'none'}",
    ]
    for service, counts in dropped["services_narrowed"].items():
        lines.append(f"  {service}: {counts['dropped']} of {counts['allowed_now']} actions dropped")
    return lines


@activity.command(
    "generate",
    epilog="""\b
Examples:
  iamwarden activity generate --demo --principal arn:aws:iam::210987654321:role/dev-role-01
  iamwarden activity generate --db trail.duckdb --principal ARN --days 30 -o policy.json
  iamwarden activity generate --db trail.duckdb --snapshot acme.json --principal ARN --format json
  iamwarden activity generate --engine spark --trail s3a://trail-bucket/AWSLogs/ \
      --spark-master spark://master:7077 --principal ARN
  iamwarden activity generate --engine athena --database security \
      --table cloudtrail_logs --athena-output s3://athena-results/ --principal ARN

\b
Output:
  text  stdout is the policy alone (generate > p.json); the report (header,
        verification, wildcards, unmapped calls, what it drops) goes to stderr
  json  stdout is one JSON document: the policy under "policy", the report

\b
Exit codes:
  0  done: the engine allows every recorded call under the generated policy
  1  the engine denies a recorded call under the generated policy (listed)
  2  bad usage or bad input (one line on stderr); also no successful recorded
     call of the principal in the window (a misspelt ARN, another account's
     store): no policy, nothing written, nothing assessed
""",
)
@click.option(
    "--principal", required=True, help="ARN of the role or user (as CloudTrail names it)."
)
@_DAYS_OPTION
@DB_OPTION
@click.option("--demo", is_flag=True, help="Use the demo account and its generated history.")
@click.option(
    "--input",
    "input_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="An export directory, to list what the current policies allow that the new one drops.",
)
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A snapshot file, to list what the current policies allow that the new one drops.",
)
@click.option("-o", "--output", type=OUTPUT_FILE, help="Also write the policy document here.")
@engine_options
@TEXT_OR_JSON
def generate_command(
    principal: str,
    days: int,
    db: Path | None,
    demo: bool,
    input_dir: Path | None,
    snapshot_file: Path | None,
    output: Path | None,
    fmt: str,
    choice: EngineChoice,
) -> None:
    """A least-privilege policy for PRINCIPAL from its successful recorded calls, verified by
    the engine; with a snapshot source, what its current policies allow that it drops."""
    if sum(bool(x) for x in (demo, input_dir, snapshot_file)) > 1:
        raise click.UsageError("give at most one source: --demo, --input DIR or --snapshot FILE")
    store = _events_path(choice, db, demo)
    calls, since, until = _calls(choice, store, principal, days)
    if not calls:
        # missing data is never "drop everything": nothing is written, nothing assessed
        raise InputError(
            f"no successful recorded call of {principal} in {_span(since, until)}: nothing to "
            "generate from (NOT ASSESSED)",
            path=choice.describe(store),
        )
    generated = generate_policy(principal, calls)
    verdict = verify(
        principal,
        generated.requests,
        generated_policy_set(generated),
        unmapped=generated.unmapped,
    )
    dropped = _dropped(demo, input_dir, snapshot_file, principal, generated)
    if output is not None and generated.document is not None:
        write_text(output, generated.document + "\n")
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "principal": principal,
                    "window": {
                        "since": since.isoformat() + "Z" if since else None,
                        "until": until.isoformat() + "Z" if until else None,
                    },
                    "policy": json.loads(generated.document) if generated.document else None,
                    "calls": generated.calls,
                    "verification": _verification_json(verdict),
                    "wildcards": [{"action": a, "reason": r} for a, r in generated.wildcards],
                    "unmapped": [
                        {
                            "event_source": u.event_source,
                            "event_name": u.event_name,
                            "count": u.count,
                            "problem": u.problem,
                        }
                        for u in generated.unmapped
                    ],
                    "dropped": dropped,
                },
                indent=2,
                sort_keys=True,
            )
        )
    else:
        # stdout is the policy alone (`generate > p.json`); the report goes to stderr
        if generated.document is not None:
            click.echo(generated.document)
        for line in _generate_report(
            principal,
            generated,
            verdict,
            dropped,
            since,
            until,
            recorded=sum(c.count for c in calls),
        ):
            click.echo(line, err=True)
        if output is not None and generated.document is None:
            click.echo(f"{output}: not written (no policy)", err=True)
    if not verdict.holds:
        sys.exit(ExitCode.FINDINGS)


def _generate_report(
    principal: str,
    generated: GeneratedPolicy,
    verdict: Verification,
    dropped: dict[str, Any] | None,
    since: datetime | None,
    until: datetime | None,
    *,
    recorded: int,
) -> list[str]:
    """The text report of `generate` around its policy (stderr): the header, the
    verification, the wildcards, the unmapped calls and what the policy drops; `recorded`
    counts the successful recorded calls in the window"""
    if generated.document is None:
        # sign-ins and `sts:GetCallerIdentity` need no action; unmapped calls are listed below
        unknown = sum(u.count for u in generated.unmapped)
        parts = [
            f"{recorded - unknown:,} needing no IAM action (a sign-in, sts:GetCallerIdentity)"
            if recorded > unknown
            else "",
            f"{unknown:,} with no IAM action found" if unknown else "",
        ]
        lines = [
            f"{principal}: {counted(recorded, 'successful recorded call')} in "
            f"{_span(since, until)}: {'; '.join(p for p in parts if p)}; no policy"
        ]
    else:
        lines = [
            f"generated policy for {principal}: {counted(len(generated.actions), 'action')} "
            f"from {counted(generated.calls, 'recorded call')} ({_span(since, until)})",
            *_verification_text(verdict, what="the generated policy"),
        ]
    if generated.wildcards:
        lines.append("resources left as *:")
        lines.extend(f"  {action}: {reason}" for action, reason in generated.wildcards)
    if generated.unmapped:
        lines.append("recorded calls with no IAM action (not in the policy):")
        lines.extend(
            f"  {u.event_source} {u.event_name}: {counted(u.count, 'recorded call')}; {u.problem}"
            for u in generated.unmapped
        )
    if dropped is not None:
        lines.extend(_dropped_text(dropped))
    return lines


def _read_policy(path: Path, kind: PolicyKind) -> Policy:
    try:
        return parse_policy(read_text(path), name=str(path), kind=kind)
    except InputError as error:
        raise error.with_path(str(path)) from None


@activity.command(
    "replay",
    epilog="""\b
Examples:
  iamwarden activity replay --demo --policy p.json \\
      --principal arn:aws:iam::210987654321:role/dev-role-01
  iamwarden activity replay --db trail.duckdb --principal ARN --policy p.json \\
      --boundary b.json --scp s.json
  iamwarden activity replay --engine athena --database security \
      --table cloudtrail_logs --principal ARN --policy p.json

\b
Exit codes:
  0  every recorded call would still be allowed
  1  a recorded call would be denied (each listed: count, last time, the
     policy that denies it)
  2  bad usage or bad input (one line on stderr); also no recorded call of
     the principal in the window (a misspelt ARN, another account's store):
     nothing was replayed, so nothing is assessed
""",
)
@click.option(
    "--principal", required=True, help="ARN of the role or user (as CloudTrail names it)."
)
@click.option(
    "--policy",
    "policy_files",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A proposed identity policy (JSON or YAML; repeatable).",
)
@click.option(
    "--boundary",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A proposed permissions boundary.",
)
@click.option(
    "--scp",
    "scp_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A service control policy over the account (repeatable: one level each).",
)
@_DAYS_OPTION
@DB_OPTION
@click.option("--demo", is_flag=True, help="Replay the demo account's generated history.")
@engine_options
@TEXT_OR_JSON
def replay_command(
    principal: str,
    policy_files: tuple[Path, ...],
    boundary: Path | None,
    scp_files: tuple[Path, ...],
    days: int,
    db: Path | None,
    demo: bool,
    fmt: str,
    choice: EngineChoice,
) -> None:
    """Every successful recorded call of PRINCIPAL decided by the engine under a proposed
    policy set, before it is deployed: what would break."""
    policies = PolicySet(
        identity=tuple(_read_policy(p, PolicyKind.IDENTITY) for p in policy_files),
        permissions_boundary=(
            _read_policy(boundary, PolicyKind.PERMISSIONS_BOUNDARY) if boundary else None
        ),
        scps=tuple((_read_policy(p, PolicyKind.SCP),) for p in scp_files) or None,
    )
    store = _events_path(choice, db, demo)
    calls, since, until = _calls(choice, store, principal, days, policies=policies)
    generated = generate_policy(principal, calls)
    if not generated.requests:
        what = "call" if not calls else "call that maps to an IAM action"
        raise InputError(
            f"no recorded {what} of {principal} in {_span(since, until)}: nothing to replay "
            "(NOT ASSESSED)",
            path=choice.describe(store),
        )
    verdict = verify(principal, generated.requests, policies, unmapped=generated.unmapped)
    if fmt == "json":
        click.echo(
            json.dumps(
                {"principal": principal, **_verification_json(verdict)}, indent=2, sort_keys=True
            )
        )
    else:
        click.echo(f"replay of {principal} ({_span(since, until)})")
        for line in _verification_text(verdict, what="the proposed policies"):
            click.echo(line)
    if not verdict.holds:
        sys.exit(ExitCode.FINDINGS)


@activity.command(
    "unmapped",
    epilog="""\b
Examples:
  iamwarden activity unmapped --db trail.duckdb

\b
Exit codes:
  0  done
  2  bad usage or bad input (one line on stderr)
""",
)
@DB_OPTION
@click.option("--demo", is_flag=True, help="Use the demo account's generated history.")
@TEXT_OR_JSON
def unmapped_command(db: Path | None, demo: bool, fmt: str) -> None:
    """Events no IAM action was found for, with their counts and why (never guessed)."""
    with open_store(store_path(db, demo=demo), read_only=True) as store:
        found = unmapped_events(store, load_mapper())
    if fmt == "json":
        rows = [
            {
                "event_source": u.event_source,
                "event_name": u.event_name,
                "count": u.count,
                "problem": u.problem,
            }
            for u in found
        ]
        click.echo(json.dumps(rows, indent=2, sort_keys=True))
        return
    if not found:
        click.echo("every event maps to IAM actions (or to none, as sign-ins do)")
    for u in found:
        click.echo(f"{u.event_source} {u.event_name}: {counted(u.count, 'event')}; {u.problem}")


@activity.command(
    "unused",
    epilog="""\b
Examples:
  iamwarden activity unused --demo
  iamwarden activity unused --demo --principal arn:aws:iam::210987654321:role/dev-role-01
  iamwarden activity unused --db trail.duckdb --snapshot acme.json --format json
  iamwarden activity unused --snapshot acme.json --engine athena \
      --database security --table cloudtrail_logs

\b
A failed console sign-in is no use; a snapshot last-used time at or after the
window's start is use.

\b
Exit codes:
  0  done
  2  bad usage or bad input (one line on stderr); also a store with no event of
     the account in the window (NOT ASSESSED: nothing is listed)
""",
)
@click.option(
    "--principal",
    help="Also list the services and actions this user or role may use but did not.",
)
@_DAYS_OPTION
@DB_OPTION
@click.option("--demo", is_flag=True, help="Use the demo account and its generated history.")
@click.option(
    "--input",
    "input_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="An export directory (CloudMapper's collect layout): the account's principals.",
)
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A snapshot file: the account's principals.",
)
@engine_options
@TEXT_OR_JSON
def unused_command(
    principal: str | None,
    days: int,
    db: Path | None,
    demo: bool,
    input_dir: Path | None,
    snapshot_file: Path | None,
    fmt: str,
    choice: EngineChoice,
) -> None:
    """Unused access in the last --days days: roles, users, access keys and console
    passwords never used, and with --principal the services and actions its effective
    permissions grant that it never used (each fact with its source)."""
    from iamwarden.activity.unused import unused_access, unused_credentials
    from iamwarden.cli.sources import load_source

    if sum(bool(x) for x in (demo, input_dir, snapshot_file)) != 1:
        raise click.UsageError("give exactly one source: --demo, --input DIR or --snapshot FILE")
    snapshot = load_source(demo=demo, input_dir=input_dir, snapshot_file=snapshot_file)
    with open_events(choice, _events_path(choice, db, demo)) as events:
        surveyed = survey(events)
        if surveyed.latest is None and choice.engine is not Engine.DUCKDB:
            raise choice.no_events()
        since, until = window_ending(surveyed.latest, days)
        credentials = unused_credentials(snapshot, events, since=since, until=until)
        calls = (
            calls_on(
                events,
                load_mapper(),
                principals=[principal],
                since=since,
                until=until,
                surveyed=surveyed,
            ).get(principal, ())
            if principal
            else ()
        )
    access = (
        unused_access(snapshot, principal, calls, catalog=load_catalog(), since=since)
        if principal
        else None
    )
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "window": {
                        "since": since.isoformat() + "Z" if since else None,
                        "until": until.isoformat() + "Z" if until else None,
                    },
                    "credentials": [
                        {
                            "principal": c.principal_arn,
                            "kind": c.kind,
                            "key_id": c.key_id or None,
                            "last_used": c.last_used.isoformat() if c.last_used else None,
                            "source": c.source,
                        }
                        for c in credentials
                    ],
                    "access": None
                    if access is None
                    else {
                        "principal": access.principal_arn,
                        "not_assessed": list(access.not_assessed),
                        "used_services": list(access.used_services),
                        "used_by_last_accessed": list(access.used_by_last_accessed),
                        "unused_services": [
                            {
                                "service": s.service,
                                "granted_actions": s.granted_actions,
                                "last_accessed": s.last_accessed.isoformat()
                                if s.last_accessed
                                else None,
                                "source": s.source,
                            }
                            for s in access.unused_services
                        ],
                        "unused_actions": list(access.unused_actions),
                    },
                },
                indent=2,
                sort_keys=True,
            )
        )
        return
    click.echo(f"unused in {_span(since, until)}:")
    for c in credentials:
        what = f"access key {c.key_id}" if c.kind == "access-key" else c.kind
        last = f", last used {c.last_used:%Y-%m-%d} (snapshot)" if c.last_used else ""
        click.echo(f"  {c.principal_arn}: {what} unused ({c.source}){last}")
    if access is None:
        return
    if access.not_assessed:
        click.echo(f"{access.principal_arn}: NOT ASSESSED")
        for reason in access.not_assessed:
            click.echo(f"  {reason}")
        return
    click.echo(
        f"{access.principal_arn}: used {', '.join(access.used_services) or 'no service'}; "
        f"{counted(len(access.unused_services), 'granted service')} unused"
    )
    if access.used_by_last_accessed:
        click.echo(f"  used per service last accessed: {', '.join(access.used_by_last_accessed)}")
    shown = access.unused_services[:15]
    for s in shown:
        last = f", last accessed {s.last_accessed:%Y-%m-%d}" if s.last_accessed else ""
        click.echo(
            f"  {s.service}: {counted(s.granted_actions, 'action')} unused ({s.source}{last})"
        )
    if len(access.unused_services) > len(shown):
        click.echo(f"  … and {len(access.unused_services) - len(shown)} more services")
    if access.unused_actions:
        click.echo(
            f"  unused actions of the services used: {len(access.unused_actions)} "
            f"(e.g. {', '.join(access.unused_actions[:5])})"
        )
