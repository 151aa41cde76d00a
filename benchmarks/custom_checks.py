"""Benchmark the custom policy checks: `python -m benchmarks.custom_checks [--limit N]`

Over the AWS managed policies of `../shared/corpora/aws-managed-policies` (1,641
documents): `check_no_new_access` of each against `ReadOnlyAccess` (the kind of reference
policy Access Analyzer's samples pass as the existing policy) and against itself, and
`check_access_not_granted` of each for five sensitive actions (`iam:PassRole`,
`iam:CreateAccessKey`, `iam:Put*Policy`, `s3:DeleteBucket`, `kms:ScheduleKeyDeletion`).
Prints, per check, the wall and CPU time, checks per second and the outcomes, then the
process's peak memory. The peer is IAM Access Analyzer's API (CheckNoNewAccess,
CheckAccessNotGranted), which needs credentials and network and is billed per call: it is
named, not run. Figures vary with machine load.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from iamwarden.analysis.custom_checks import (
    CustomCheckResult,
    check_access_not_granted,
    check_no_new_access,
)
from iamwarden.errors import InputError
from iamwarden.fileio import read_json
from iamwarden.policy import Policy, load_catalog, parse_policy

CORPUS = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "corpora"
    / "aws-managed-policies"
    / "aws_managed_policies_documents.json"
)
SENSITIVE = [
    "iam:PassRole",
    "iam:CreateAccessKey",
    "iam:Put*Policy",
    "s3:DeleteBucket",
    "kms:ScheduleKeyDeletion",
]
PEER = (
    "peer: IAM Access Analyzer API (CheckNoNewAccess / CheckAccessNotGranted): online, "
    "credentials and a billed call per check; not run"
)


def _policies(limit: int | None) -> dict[str, Policy]:
    data = read_json(CORPUS)
    found: dict[str, Policy] = {}
    for name, entry in sorted(data.items()):
        try:
            found[name] = parse_policy(entry["document"], name=name)
        except InputError:
            continue  # not read by the grammar: `benchmarks.lint` reports those
    if limit is not None:
        keep = set(list(found)[:limit]) | {"ReadOnlyAccess"}
        found = {k: v for k, v in found.items() if k in keep}
    return found


def _run(label: str, count: int, body: Callable[[], list[CustomCheckResult]]) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    results = body()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    outcomes = Counter(r.outcome.value for r in results)
    shown = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    print(
        f"{label}: {count} checks in {wall:.2f} s wall, {cpu:.2f} s CPU "
        f"({count / wall:,.0f} checks/s); {shown}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="check only the first N")
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        print(f"corpus not found: {CORPUS}", file=sys.stderr)
        return 2
    catalog = load_catalog()
    policies = _policies(args.limit)
    reference = policies["ReadOnlyAccess"]
    items = sorted(policies.items())
    print(f"{len(items)} AWS managed policies, reference ReadOnlyAccess")
    _run(
        "no-new-access vs ReadOnlyAccess",
        len(items),
        lambda: [check_no_new_access(reference, p, catalog=catalog) for _, p in items],
    )
    _run(
        "no-new-access vs itself",
        len(items),
        lambda: [check_no_new_access(p, p, catalog=catalog) for _, p in items],
    )
    _run(
        "access-not-granted (5 sensitive actions)",
        len(items),
        lambda: [check_access_not_granted(p, SENSITIVE, catalog=catalog) for _, p in items],
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB")
    print(PEER)
    return 0


if __name__ == "__main__":
    sys.exit(main())
