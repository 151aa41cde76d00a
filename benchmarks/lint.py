"""Lint at scale: `python -m benchmarks.lint`

Lints the 1,641 AWS managed policies of the shared corpus with every check on
(`lint_policy(..., managed=True)`: grammar, catalogue, values, security warnings, statement
overlaps; no size limit, since AWS managed policies are not bound by the customer quota),
and Parliament (`pip install parliament`, not a dependency of iamwarden) on the same
documents in the same run; the documents Parliament crashes on are reported and skipped.
Each tool runs in a child process of its own (`--tool NAME`), so that the peak resident
memory (`ru_maxrss`) is its own. Prints wall time, CPU time (the steadier figure on a shared
machine), peak memory and policies/s side by side.
Target: under 2 s and at least 5x faster than Parliament. iamwarden runs with the garbage
collector thresholds the iamwarden command sets at start. The catalogue load is outside
the timing, Parliament's
first call (its data load) too. The machine may be shared: figures vary with load.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iamwarden.policy import load_catalog
from iamwarden.policy.lint import lint_policy
from iamwarden.runtime import GC_THRESHOLDS, tune_garbage_collector

HERE = Path(__file__).resolve().parent
MANAGED_FILE = (
    HERE.parent / ".." / "shared" / "corpora" / "aws-managed-policies"
) / "aws_managed_policies_documents.json"
TARGET_SECONDS = 2.0
TARGET_SPEEDUP = 5.0


def _measure(run: Callable[[], Any]) -> tuple[float, float, float, Any]:
    """(wall seconds, CPU seconds, peak resident MiB of this process, result) of one run"""
    start, cpu = time.perf_counter(), time.process_time()
    result = run()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, result


def _iamwarden(documents: dict[str, str]) -> Counter[str]:
    catalog = load_catalog()
    classes: Counter[str] = Counter()
    for text in documents.values():
        for diagnostic in lint_policy(text, managed=True, catalog=catalog):
            classes[diagnostic.severity.finding_type] += 1
    return classes


def _parliament(documents: dict[str, str]) -> tuple[int, list[tuple[str, str]]]:
    from parliament import analyze_policy_string

    findings = 0
    crashed: list[tuple[str, str]] = []
    for name, text in documents.items():
        try:
            findings += len(analyze_policy_string(text).findings)
        except Exception as error:
            crashed.append((name, f"{type(error).__name__}: {str(error)[:80]}"))
    return findings, crashed


def _documents() -> dict[str, str]:
    data = json.loads(MANAGED_FILE.read_text(encoding="utf-8"))
    return {name: json.dumps(entry["document"]) for name, entry in data.items()}


def _child(tool: str) -> int:
    """One tool's figures as a JSON line (run in a child process)"""
    documents = _documents()
    if tool == "iamwarden":
        tune_garbage_collector()  # as the iamwarden command sets it at start
        load_catalog()  # outside the timing, as a long-running process has it
        seconds, cpu, peak, classes = _measure(lambda: _iamwarden(documents))
        print(json.dumps({"seconds": seconds, "cpu": cpu, "peak": peak, "classes": classes}))
        return 0
    _parliament(dict(list(documents.items())[:1]))  # its data load, outside the timing
    seconds, cpu, peak, (findings, crashed) = _measure(lambda: _parliament(documents))
    figures = {"seconds": seconds, "cpu": cpu, "peak": peak}
    print(json.dumps({**figures, "findings": findings, "crashed": crashed}))
    return 0


def _run_child(tool: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.lint", "--tool", tool],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main(argv: list[str]) -> int:
    if not MANAGED_FILE.exists():
        print(f"managed-policy corpus not found at {MANAGED_FILE}: skipping")
        return 0
    if argv[:1] == ["--tool"]:
        return _child(argv[1])
    count = len(_documents())
    mine = _run_child("iamwarden")
    seconds = mine["seconds"]
    print(
        f"lint of {count:,} AWS managed policies, every check on; iamwarden with the garbage "
        f"collector thresholds {GC_THRESHOLDS} the iamwarden command sets"
    )
    print(f"{'tool':12} {'time':>8} {'CPU':>8} {'peak MiB':>9} {'policies/s':>11}  findings")
    summary = ", ".join(f"{n} {k}" for k, n in sorted(mine["classes"].items()))
    print(
        f"{'iamwarden':12} {seconds:7.2f}s {mine['cpu']:7.2f}s {mine['peak']:9.1f} "
        f"{count / seconds:11,.0f}  {summary}"
    )
    try:
        import parliament  # noqa: F401
    except ImportError:
        print("parliament: not installed (pip install parliament): skipped")
        return 0
    peer = _run_child("parliament")
    crashed = peer["crashed"]
    done = count - len(crashed)
    p_seconds = peer["seconds"]
    print(
        f"{'parliament':12} {p_seconds:7.2f}s {peer['cpu']:7.2f}s {peer['peak']:9.1f} "
        f"{done / p_seconds:11,.0f}  "
        f"{peer['findings']} findings on {done:,} policies"
    )
    for name, why in crashed:
        print(f"  parliament crashed on {name} (skipped): {why}")
    print(
        f"iamwarden is {p_seconds / seconds:.1f}x faster (target >= {TARGET_SPEEDUP:.0f}x); "
        f"{seconds:.2f} s (target < {TARGET_SECONDS:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
