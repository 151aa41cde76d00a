"""Parallel vs sequential live collection against a local AWS emulator.

Seeds moto (its own process, on 127.0.0.1) with 200 roles, 100 users and resources in 10
regions, then collects the account twice: parallel (16 workers, per-service limits) and
sequential (1 worker). The emulator answers in about a millisecond, so every call gets a fixed
20 ms of latency (a botocore `before-send` hook, and the same delay in the recorded responses
that stand in for calls moto lacks) to model AWS's real round trip.

Run: python -m benchmarks.collect [--latency-ms 20]
Target: parallel at least 4x faster than sequential, no throttling gaps left after retries.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

from tests.integration.emulator import (
    FAKE_ENV,
    EmulatorHooks,
    seed_iam,
    seed_region,
    session,
    start_server,
    stop_server,
)

from iamwarden.aws import AccountAccess, Collection, CollectOptions, collect_account

REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-central-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
)
TARGET_SPEEDUP = 4.0


def _collect(workers: int, latency: float) -> tuple[Collection, EmulatorHooks, float]:
    hooks = EmulatorHooks(latency=latency)
    options = CollectOptions(regions=REGIONS, max_workers=workers, poll_interval=0.5)
    began = time.perf_counter()
    collection = collect_account(AccountAccess(session=session(hooks)), options=options)
    return collection, hooks, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--roles", type=int, default=200)
    args = parser.parse_args()
    os.environ.update(FAKE_ENV)
    server, url = start_server()
    os.environ["AWS_ENDPOINT_URL"] = url
    try:
        began = time.perf_counter()
        seeder = session()
        users, roles = seed_iam(seeder, users=args.users, roles=args.roles)
        account = seeder.client("sts").get_caller_identity()["Account"]
        for region in REGIONS:
            seed_region(seeder, region, role_arn=f"arn:aws:iam::{account}:role/{roles[1]}")
        print(
            f"seeded {len(users)} users, {len(roles)} roles, resources in {len(REGIONS)} "
            f"regions in {time.perf_counter() - began:.1f}s; per-call latency "
            f"{args.latency_ms:.0f} ms (modelled, see the module docstring)"
        )
        latency = args.latency_ms / 1000
        results = {}
        for label, workers in (("parallel", 16), ("sequential", 1)):
            collection, hooks, seconds = _collect(workers, latency)
            results[label] = seconds
            stats, snap = collection.stats, collection.snapshot
            throttled = [g for g in snap.gaps if g.reason.startswith("throttled")]
            print(
                f"{label:>10}: {seconds:6.1f}s wall, {len(hooks.calls):5d} API calls "
                f"({len(hooks.calls) / seconds:6.1f}/s), {stats.retries} retries, "
                f"{len(snap.gaps)} gaps ({len(throttled)} throttling), "
                f"{len(snap.roles)} roles, {len(snap.users)} users, "
                f"{len(snap.resource_policies)} resource policies"
            )
        speedup = results["sequential"] / results["parallel"]
        verdict = "meets" if speedup >= TARGET_SPEEDUP else "MISSES"
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"speedup: {speedup:.1f}x (target >= {TARGET_SPEEDUP:.0f}x: {verdict}); "
            f"peak memory {peak:.0f} MiB"
        )
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
