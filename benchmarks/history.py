"""Benchmark the history store: `python -m benchmarks.history [--findings 20000] [--scans 10]
[--store URL] [--seed 7]`

Generates SCANS scans of one account, each with FINDINGS findings (about a third FAIL, the
rest PASS, with a few percent changing status from scan to scan, as in a large account
assessed weekly), and times, in a child process (so that its peak memory, ru_maxrss, is its
own): saving every scan through `store.HistoryStore.save` (SQLAlchemy Core, one transaction per
scan), listing them (`history`), and `diff previous latest` (load both scans, the look-back
for regressions, the drift). The store is a new SQLite file in a temporary directory unless
`--store` names another (a PostgreSQL database, which must be empty).

The peer: the same finding rows written with the standard library's `sqlite3`
(`executemany` into a table of the same shape, one transaction per scan), the floor for
SQLite, so the cost of SQLAlchemy and of the store's own work is the difference.
Figures vary with the load of the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from iamwarden.findings import Severity, Status
from iamwarden.report.history import FrameworkScore, ScanRecord, StoredFinding, diff_scans
from iamwarden.report.history.store import open_store

ACCOUNT = "123456789012"
CHECKS = [f"check_{n:02d}" for n in range(40)]


def _scans(count: int, findings: int, seed: int) -> list[ScanRecord]:
    rng = random.Random(seed)
    severities = list(Severity)
    base = [
        StoredFinding(
            id=f"iw-{n:016x}",
            check_id=CHECKS[n % len(CHECKS)],
            resource_arn=f"arn:aws:iam::{ACCOUNT}:role/service-role-{n}",
            resource_type="AwsIamRole",
            status=Status.FAIL if rng.random() < 0.33 else Status.PASS,
            severity=severities[n % len(severities)],
            message=f"role service-role-{n} has a finding of {CHECKS[n % len(CHECKS)]}",
        )
        for n in range(findings)
    ]
    scans = []
    for week in range(count):
        flipped = [
            f
            if rng.random() > 0.03
            else StoredFinding(
                id=f.id,
                check_id=f.check_id,
                resource_arn=f.resource_arn,
                resource_type=f.resource_type,
                status=Status.PASS if f.status is Status.FAIL else Status.FAIL,
                severity=f.severity,
                message=f.message,
            )
            for f in base
        ]
        base = flipped
        scans.append(
            ScanRecord(
                scan_id=None,
                account_id=ACCOUNT,
                account_alias="bench",
                assessed_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(weeks=week),
                stored_at=None,
                tool_version="bench",
                source="benchmark",
                findings=tuple(flipped),
                scores=(FrameworkScore(framework="CIS", version="3.0.0", passed=5, assessed=14),),
            )
        )
    return scans


def _peer(scans: list[ScanRecord], directory: Path) -> float:
    """Seconds to write the same finding rows with the standard library's sqlite3"""
    connection = sqlite3.connect(directory / "peer.db", isolation_level=None)
    connection.execute(
        "CREATE TABLE findings (scan_id INTEGER, finding_id TEXT, check_id TEXT, "
        "resource_arn TEXT, resource_type TEXT, status TEXT, severity TEXT, message TEXT, "
        "PRIMARY KEY (scan_id, finding_id))"
    )
    started = time.perf_counter()
    for scan_id, scan in enumerate(scans, 1):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    scan_id,
                    f.id,
                    f.check_id,
                    f.resource_arn,
                    f.resource_type,
                    f.status.value,
                    f.severity.value,
                    f.message,
                )
                for f in scan.findings
            ],
        )
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def _run(findings: int, count: int, seed: int, url: str | None) -> None:
    scans = _scans(count, findings, seed)
    with tempfile.TemporaryDirectory() as directory:
        target = url or f"sqlite:///{Path(directory) / 'history.db'}"
        started = time.perf_counter()
        with open_store(target, write=True) as store:
            opened = time.perf_counter()
            for scan in scans:
                store.save(scan, stored_at=datetime.now(UTC))
            saved = time.perf_counter()
            summaries = store.scans(account=ACCOUNT)
            listed = time.perf_counter()
            before, after = store.resolve("previous"), store.resolve("latest")
            drift = diff_scans(before, after, failed_earlier=store.failed_until(before))
            diffed = time.perf_counter()
        peer = _peer(scans, Path(directory)) if url is None else None
    print(
        json.dumps(
            {
                "backend": target.split(":", 1)[0],
                "scans": len(summaries),
                "findings_per_scan": findings,
                "open_s": round(opened - started, 3),
                "save_s": round(saved - opened, 2),
                "history_s": round(listed - saved, 3),
                "diff_s": round(diffed - listed, 2),
                "changes": {k.value: n for k, n in drift.counts().items()},
                "peer_s": round(peer, 2) if peer is not None else None,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            }
        )
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.history")
    parser.add_argument("--findings", type=int, default=20_000)
    parser.add_argument("--scans", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store", help="a store URL (default: a new SQLite file)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _run(args.findings, args.scans, args.seed, args.store)
        return
    command = [sys.executable, "-m", "benchmarks.history", "--child"]
    command += ["--findings", str(args.findings), "--scans", str(args.scans)]
    command += ["--seed", str(args.seed)] + (["--store", args.store] if args.store else [])
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    row: dict[str, Any] = json.loads(out.stdout)
    total = row["scans"] * row["findings_per_scan"]
    print(
        f"{row['backend']}: {row['scans']} scans of {row['findings_per_scan']} findings saved "
        f"in {row['save_s']:.2f} s ({total / row['save_s']:,.0f} findings/s; store opened and "
        f"migrated in {row['open_s']:.2f} s), history listed in {row['history_s']:.3f} s, "
        f"diff previous latest in {row['diff_s']:.2f} s ({row['changes']}), "
        f"peak {row['peak_mb']} MB"
    )
    if row["peer_s"] is not None:
        print(
            f"peer: the same rows through the standard library's sqlite3 executemany in "
            f"{row['peer_s']:.2f} s ({total / row['peer_s']:,.0f} findings/s)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
