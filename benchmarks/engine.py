"""Throughput of the policy engine: `python -m benchmarks.engine [--quick]`

(i)  every AWS managed policy (shared corpus) x a fixed random sample of catalogue
     actions, Resource "*", each policy alone as an identity policy;
(ii) a mixed workload: principals (users and role sessions) with 3 identity policies, a
     permissions boundary and two SCP levels, against random (action, resource) pairs over
     a pool of actions and resources; once without conditions and once with conditions
     (SecureTransport / region / tag conditions, request context given);
(iii) "is this full admin?": every managed policy with a `*` action request (the request
     is split into classes of actions that the same statements cover).
Figures are for one core, pure Python; time covers evaluation only (policies are parsed
and requests built beforehand; compilation is included).
"""

from __future__ import annotations

import json
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from iamwarden.policy import (
    PolicyKind,
    PolicySet,
    Request,
    evaluate_many,
    load_catalog,
    parse_policy,
)
from iamwarden.policy.document import Policy

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora"
MANAGED = CORPUS / "aws-managed-policies" / "aws_managed_policies_documents.json"
ACCOUNT = "111122223333"


def _measure(label: str, run: Callable[[], int]) -> dict[str, Any]:
    tracemalloc.start()
    start = time.perf_counter()
    count = run()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # tracemalloc slows allocation; time again without it for the throughput figure
    start = time.perf_counter()
    run()
    clean = time.perf_counter() - start
    return {
        "workload": label,
        "decisions": count,
        "seconds": clean,
        "seconds_traced": elapsed,
        "peak_mib": peak / 2**20,
        "per_second": count / clean if clean else float("inf"),
    }


def managed_workload(sample: int, seed: int = 7) -> Callable[[], int] | None:
    if not MANAGED.exists():
        return None
    data = json.loads(MANAGED.read_text())
    policies = [
        parse_policy(entry["document"], name=name, kind=PolicyKind.IDENTITY)
        for name, entry in sorted(data.items())
    ]
    catalog = load_catalog()
    actions = random.Random(seed).sample(sorted(catalog.all_actions), sample)
    principal = f"arn:aws:iam::{ACCOUNT}:user/bench"
    requests = [Request(principal=principal, action=a, resource="*") for a in actions]
    sets = [PolicySet(identity=(p,)) for p in policies]

    def run() -> int:
        _reset_caches()
        total = 0
        for policy_set in sets:
            total += len(evaluate_many(requests, policy_set, catalog=catalog))
        return total

    return run


def admin_workload() -> Callable[[], int] | None:
    if not MANAGED.exists():
        return None
    data = json.loads(MANAGED.read_text())
    sets = [
        PolicySet(identity=(parse_policy(entry["document"], name=name),))
        for name, entry in sorted(data.items())
    ]
    catalog = load_catalog()
    request = Request(principal=f"arn:aws:iam::{ACCOUNT}:user/bench", action="*")

    def run() -> int:
        _reset_caches()
        total = 0
        for policy_set in sets:
            total += len(evaluate_many([request], policy_set, catalog=catalog))
        return total

    return run


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def mixed_workload(
    *, conditions: bool, principals: int, per_principal: int, seed: int = 11
) -> Callable[[], int]:
    rng = random.Random(seed)
    catalog = load_catalog()
    services = [
        "s3",
        "ec2",
        "iam",
        "dynamodb",
        "lambda",
        "sqs",
        "sns",
        "kms",
        "logs",
        "cloudwatch",
        "sts",
        "secretsmanager",
        "ssm",
        "rds",
        "ecr",
    ]
    pool = sorted(a for s in services for a in catalog.expand(f"{s}:*"))
    actions = rng.sample(pool, 600)
    resources = (
        [f"arn:aws:s3:::bucket-{i}/key" for i in range(10)]
        + [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{i}" for i in range(10)]
        + ["*"]
    )

    def condition(kind: str) -> dict[str, Any]:
        if not conditions:
            return {}
        return {
            "secure": {"Condition": {"Bool": {"aws:SecureTransport": "true"}}},
            "region": {
                "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}
            },
            "tag": {"Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}},
        }[kind]

    scp_root = parse_policy(
        _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        name="FullAWSAccess",
        kind=PolicyKind.SCP,
    )
    scp_ou = parse_policy(
        _doc(
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": [
                    "iam:CreateUser",
                    "iam:DeleteRole*",
                    "kms:ScheduleKeyDeletion",
                    "organizations:*",
                    "s3:DeleteBucket",
                ],
                "Resource": "*",
            },
            {
                "Effect": "Deny",
                "NotAction": ["iam:*", "sts:*", "cloudwatch:*"],
                "Resource": "*",
                **(
                    {
                        "Condition": {
                            "StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}
                        }
                    }
                    if conditions
                    else {}
                ),
            },
        ),
        name="OU-guardrails",
        kind=PolicyKind.SCP,
    )
    sets: list[tuple[PolicySet, list[Request]]] = []
    for index in range(principals):
        chosen = rng.sample(services, 5)
        identity: list[Policy] = []
        for j in range(3):
            svc = chosen[j]
            statements = [
                {
                    "Effect": "Allow",
                    "Action": [f"{svc}:Get*", f"{svc}:List*", f"{svc}:Describe*"],
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Action": [f"{chosen[j + 1]}:*"],
                    "Resource": [f"arn:aws:*:*:{ACCOUNT}:*", "arn:aws:s3:::bucket-*"],
                    **condition("region"),
                },
                {
                    "Effect": "Deny",
                    "Action": f"{svc}:Delete*",
                    "Resource": "*",
                    **condition("secure"),
                },
            ]
            identity.append(parse_policy(_doc(*statements), name=f"p{index}-{j}"))
        boundary = parse_policy(
            _doc(
                {
                    "Effect": "Allow",
                    "Action": [f"{s}:*" for s in chosen[:4]],
                    "Resource": "*",
                    **condition("tag"),
                },
                {"Effect": "Deny", "Action": "iam:*AccessKey*", "Resource": "*"},
            ),
            name=f"boundary{index}",
            kind=PolicyKind.PERMISSIONS_BOUNDARY,
        )
        policy_set = PolicySet(
            identity=tuple(identity),
            permissions_boundary=boundary,
            scps=((scp_root,), (scp_root, scp_ou)),
        )
        if index % 2:
            principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/role{index}/session"
        else:
            principal = f"arn:aws:iam::{ACCOUNT}:user/user{index}"
        context: dict[str, Any] = (
            {
                "aws:SecureTransport": rng.choice(["true", "false"]),
                "aws:RequestedRegion": rng.choice(["us-east-1", "eu-west-1", "ap-south-1"]),
                "aws:PrincipalTag/team": f"user{index}",
            }
            if conditions
            else {}
        )
        requests = [
            Request(
                principal=principal,
                action=rng.choice(actions),
                resource=rng.choice(resources),
                context=context,
            )
            for _ in range(per_principal)
        ]
        sets.append((policy_set, requests))

    def run() -> int:
        _reset_caches()
        total = 0
        for policy_set, requests in sets:
            total += len(evaluate_many(requests, policy_set, catalog=catalog))
        return total

    return run


def _reset_caches() -> None:
    from iamwarden.policy.engine.plans import clear_caches

    clear_caches()


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    rows = []
    managed = managed_workload(sample=50 if quick else 200)
    if managed is None:
        print(f"managed-policy corpus not found at {MANAGED}: skipping workload (i)")
    else:
        rows.append(
            _measure(f"(i) 1,641 managed policies x {50 if quick else 200} actions", managed)
        )
    size = (10, 2_000) if quick else (40, 10_000)
    rows.append(
        _measure(
            f"(ii) mixed, {size[0]} principals x {size[1]} requests, no conditions",
            mixed_workload(conditions=False, principals=size[0], per_principal=size[1]),
        )
    )
    rows.append(
        _measure(
            f"(ii) mixed, {size[0]} principals x {size[1]} requests, with conditions",
            mixed_workload(conditions=True, principals=size[0], per_principal=size[1]),
        )
    )
    targets: list[int | None] = [200_000, 50_000]
    if managed is not None:
        targets.insert(0, None)
    admin = admin_workload()
    if admin is not None:
        rows.append(_measure("(iii) 1,641 managed policies x `*` (full admin?)", admin))
        targets.append(None)
    print(
        f"{'workload':62} {'decisions':>10} {'seconds':>8} {'peak MiB':>9} "
        f"{'decisions/s':>12} {'target/s':>10}"
    )
    for row, target in zip(rows, targets, strict=True):
        print(
            f"{row['workload']:62} {row['decisions']:>10,} {row['seconds']:>8.2f} "
            f"{row['peak_mib']:>9.1f} {row['per_second']:>12,.0f} "
            f"{(f'{target:,}' if target else '-'):>10}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
