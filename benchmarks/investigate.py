"""Leaked-key investigation and watch at scale (`activity.investigate`, `activity.watch`).

Generates N realistic events with `benchmarks.cloudtrail` (200 principals, 50 event types, 4%
errors), adds a leaked key's trail across three accounts (the key assumes a role in a second
account, which assumes one in a third, mints a session token and creates a backdoor user and
key: 2,000 calls), ingests it all into a DuckDB store, then measures, each in a child process
of its own (peak memory is the child's ru_maxrss):
  1. `investigate` of the leaked key: credentials followed, timeline, breakdowns, plan;
  2. beside it, the peer a responder writes by hand in Athena or CloudTrail Lake: one query of
     the key's own calls (`WHERE access_key_id = ?`), which follows nothing;
  3. `watch --once` over a folder of W events (default 200,000) with the built-in pack, state
     commits and a JSON lines sink; beside it, the bare pack (`alerts_for` on every record, no
     state, no sink).

Run: python -m benchmarks.investigate [--events 1000000] [--watch-events 200000] [--keep DIR]
(`--keep` generates and ingests into DIR once and reuses them; `--watch-events 0` skips 3)
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.cloudtrail import generate

LEAKED = "AKIALEAKEDBENCH00001"
A, B, C = "123456789012", "222222222222", "333333333333"


def _call(n: int, name: str, source: str, account: str, key: str, arn: str, **extra: Any) -> dict:
    identity: dict[str, Any] = {"arn": arn, "accessKeyId": key, "accountId": arn.split(":")[4]}
    if ":assumed-role/" in arn:
        role = arn.split("/")[1]
        identity |= {
            "type": "AssumedRole",
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{account}:role/{role}"}
            },
        }
    else:
        identity |= {"type": "IAMUser", "userName": arn.rsplit("/", 1)[-1]}
    return {
        "eventVersion": "1.09",
        "eventID": f"leak-{n:08d}",
        "eventTime": f"2026-01-20T{10 + n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.9",
        "userAgent": "aws-cli/2.15",
        "eventType": "AwsApiCall",
        "recipientAccountId": account,
        "userIdentity": identity,
        **extra,
    }


def leak(root: Path) -> int:
    """The leaked key's trail in three accounts' folders; returns its number of calls"""
    alice = f"arn:aws:iam::{A}:user/alice"
    ops = f"arn:aws:sts::{B}:assumed-role/ops/leak"
    deploy = f"arn:aws:sts::{C}:assumed-role/deploy/hop"

    def minted(key: str, arn: str) -> dict[str, Any]:
        return {
            "credentials": {"accessKeyId": key, "sessionToken": "x"},
            "assumedRoleUser": {"arn": arn},
        }

    records: dict[str, list[dict[str, Any]]] = {A: [], B: [], C: []}
    records[A].append(
        _call(
            0,
            "AssumeRole",
            "sts.amazonaws.com",
            A,
            LEAKED,
            alice,
            responseElements=minted("ASIAOPSBENCH00000001", ops),
        )
    )
    records[B].append(
        _call(
            1,
            "AssumeRole",
            "sts.amazonaws.com",
            B,
            "ASIAOPSBENCH00000001",
            ops,
            responseElements=minted("ASIADEPLOYBENCH00001", deploy),
        )
    )
    records[B].append(
        _call(
            2,
            "CreateUser",
            "iam.amazonaws.com",
            B,
            "ASIAOPSBENCH00000001",
            ops,
            requestParameters={"userName": "backdoor"},
        )
    )
    for n in range(3, 2_000):
        account, key, arn = [
            (A, LEAKED, alice),
            (B, "ASIAOPSBENCH00000001", ops),
            (C, "ASIADEPLOYBENCH00001", deploy),
        ][n % 3]
        records[account].append(
            _call(
                n,
                "ListBuckets" if n % 7 else "GetObject",
                "s3.amazonaws.com",
                account,
                key,
                arn,
                **({"errorCode": "AccessDenied"} if n % 11 == 0 else {}),
            )
        )
    for account, found in records.items():
        folder = root / "AWSLogs" / account / "CloudTrail" / "us-east-1" / "2026" / "01" / "20"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{account}_leak.json.gz").write_bytes(
            gzip.compress(json.dumps({"Records": found}).encode(), 1, mtime=0)
        )
    return sum(len(r) for r in records.values())


def _child(kind: str, logs: Path, db: Path) -> dict[str, Any]:
    began = time.perf_counter()
    if kind == "ingest":
        from iamwarden.activity import find_files, ingest_files, open_store

        with open_store(db) as store:
            result: dict[str, Any] = {"events": ingest_files(store, find_files([logs])).events}
    elif kind == "investigate":
        from iamwarden.activity import open_store
        from iamwarden.activity.investigate import investigate

        with open_store(db, read_only=True) as store:
            total = store.event_count()
            began = time.perf_counter()
            found = investigate(store, access_key=LEAKED, days=90)
        result = {
            "store": total,
            "calls": len(found.timeline),
            "credentials": len(found.credentials),
            "flagged": len(found.flagged),
            "accounts": len({e.account for e in found.timeline}),
        }
    elif kind == "peer":
        from iamwarden.activity import open_store

        with open_store(db, read_only=True) as store:
            began = time.perf_counter()
            rows = store.connection.execute(
                "SELECT * FROM events WHERE access_key_id = ? ORDER BY event_time", [LEAKED]
            ).fetchall()
        result = {"calls": len(rows)}
    elif kind == "watch":
        from iamwarden.activity.rules import load_builtin_pack
        from iamwarden.activity.sinks import JsonLinesSink
        from iamwarden.activity.watch import FolderSource, WatchOptions, open_state, run_watch

        pack = load_builtin_pack()
        with open_state(db) as state:
            began = time.perf_counter()
            run_watch(
                FolderSource(logs),
                pack,
                state,
                [JsonLinesSink(db.with_suffix(".jsonl"))],
                options=WatchOptions(once=True),
            )
            result = {"alerts": state.counts()["delivered"], "events": 0}
        result["events"] = sum(
            len(json.loads(gzip.decompress(p.read_bytes()))["Records"])
            for p in logs.rglob("*.json.gz")
        )
    else:  # the bare pack
        from iamwarden.activity.rules import alerts_for, load_builtin_pack

        pack = load_builtin_pack()
        events = alerts = 0
        for path in sorted(logs.rglob("*.json.gz")):
            for record in json.loads(gzip.decompress(path.read_bytes()))["Records"]:
                events += 1
                alerts += len(alerts_for(pack, record))
        result = {"events": events, "alerts": alerts}
    result["seconds"] = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss = usage.ru_maxrss
    result["peak"] = rss if sys.platform == "darwin" else rss * 1024
    return result


def _run(kind: str, logs: Path, db: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.investigate", "--child", kind, str(logs), str(db)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found: dict[str, Any] = json.loads(out)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--watch-events", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, help="generate and ingest into (and reuse) DIR")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, logs, db = args.child
        print(json.dumps(_child(kind, Path(logs), Path(db))))
        return
    import duckdb

    with tempfile.TemporaryDirectory(prefix="iamwarden-bench-") as scratch:
        root = args.keep or Path(scratch)
        logs = root / f"logs-{args.events}"
        db = root / f"bench-{args.events}.duckdb"
        print(f"duckdb {duckdb.__version__}, python {sys.version.split()[0]}")
        if not logs.is_dir():
            began = time.perf_counter()
            generate(logs, args.events)
            calls = leak(logs)
            print(
                f"generated {args.events:,} events and a leaked key's {calls:,} calls in 3 "
                f"accounts in {time.perf_counter() - began:.1f} s"
            )
        if not db.is_file():
            ingest = _run("ingest", logs, db)
            print(f"ingest: {ingest['events']:,} events in {ingest['seconds']:.1f} s")
        found = _run("investigate", logs, db)
        print(
            f"investigate: {found['calls']:,} calls of {found['credentials']} credentials in "
            f"{found['accounts']} accounts ({found['flagged']} flagged) found among "
            f"{found['store']:,} events in {found['seconds']:.2f} s = "
            f"{found['store'] / found['seconds']:,.0f} events/s; peak "
            f"{found['peak'] / 2**20:,.0f} MiB"
        )
        peer = _run("peer", logs, db)
        print(
            f"peer (one query of the key's own calls, nothing followed): {peer['calls']:,} "
            f"calls in {peer['seconds']:.2f} s; peak {peer['peak'] / 2**20:,.0f} MiB"
        )
        if not args.watch_events:
            return
        small = Path(scratch) / "watch-logs"
        generate(small, args.watch_events, seed=11)
        state = Path(scratch) / "watch.sqlite"
        watched = _run("watch", small, state)
        print(
            f"watch --once: {watched['events']:,} events, {watched['alerts']:,} alerts "
            f"delivered in {watched['seconds']:.1f} s = "
            f"{watched['events'] / watched['seconds']:,.0f} events/s; peak "
            f"{watched['peak'] / 2**20:,.0f} MiB"
        )
        bare = _run("bare", small, state)
        print(
            f"peer (the bare pack: alerts_for on every record, no state, no sink): "
            f"{bare['events']:,} events, {bare['alerts']:,} alerts in {bare['seconds']:.1f} s = "
            f"{bare['events'] / bare['seconds']:,.0f} events/s; peak "
            f"{bare['peak'] / 2**20:,.0f} MiB"
        )


if __name__ == "__main__":
    main()
