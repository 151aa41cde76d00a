"""Benchmark the escalation graph: `python -m benchmarks.escalation [--sizes 500,2000,10000]`

Generates accounts of N principals (30% users, 70% roles; 50 teams; customer managed
policies of realistic shapes: service read/write, team-scoped Lambda, PassRole and
AssumeRole, self-service keys, a few wildcard IAM and admin) and 0.2 N compute resources
(Lambda functions and EC2 instances) running as the roles, then builds the graph
(`build_graph`) and asks every principal's shortest path to admin (`paths_to`). Each size
runs in a child process so its peak memory (ru_maxrss) is its own. Prints build time, query
time, peak memory, edges, principals with a path, and the time ratio between sizes.
Targets (issue 8): 10,000 principals and 2,000 compute resources under 30 s and 2 GB, cost
close to linear in principals, at least 10x faster than Cloudsplaining's `scan`, which runs
(from `benchmarks/.venv-peers`, as in `benchmarks.assess`; `--no-peers` skips it) on the
same authorization details beside `iamwarden paths --input` (whole process); `--dense
1000,5000` does the same on the denser accounts `benchmarks.assess` generates (N roles and
N/5 users). Figures vary with machine load.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.assess import (
    PEER_RATIO,
    PEERS,
    _cloudsplaining,
    _cloudsplaining_version,
    _run_measured,
    build_details,
)
from iamwarden.analysis.escalation import build_graph
from iamwarden.policy import load_catalog
from iamwarden.snapshot import (
    Account,
    ComputeKind,
    ComputeResource,
    DataSet,
    Document,
    ManagedPolicy,
    PolicyVersion,
    Role,
    Snapshot,
    User,
)

ACCOUNT = "123456789012"
_WHEN = "2026-10-01T00:00:00Z"
IAM = f"arn:aws:iam::{ACCOUNT}"
TEAMS = 50


def _doc(*statements: dict[str, Any]) -> Document:
    return Document.from_obj({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(actions: Any, resources: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def _policy(name: str, document: Document) -> ManagedPolicy:
    return ManagedPolicy(
        name=name,
        arn=f"{IAM}:policy/{name}",
        versions=(PolicyVersion(id="v1", document=document, is_default=True),),
    )


def _policies() -> dict[str, list[ManagedPolicy]]:
    shapes: dict[str, list[ManagedPolicy]] = {"common": [], "team": [], "risky": []}
    for service in ("s3", "dynamodb", "sqs", "sns", "logs", "cloudwatch", "kinesis", "ecr"):
        shapes["common"].append(
            _policy(f"{service}-read", _doc(_allow([f"{service}:Get*", f"{service}:List*"])))
        )
        shapes["common"].append(_policy(f"{service}-write", _doc(_allow(f"{service}:*"))))
    for team in range(TEAMS):
        fn = f"arn:aws:lambda:*:{ACCOUNT}:function:team{team}-*"
        shapes["team"].append(
            _policy(
                f"team{team}-dev",
                _doc(
                    _allow(
                        [
                            "lambda:CreateFunction",
                            "lambda:UpdateFunctionCode",
                            "lambda:InvokeFunction",
                        ],
                        fn,
                    ),
                    _allow(
                        "iam:PassRole",
                        f"{IAM}:role/team{team}-*",
                        Condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
                    ),
                    _allow("sts:AssumeRole", f"{IAM}:role/team{team}-*"),
                ),
            )
        )
    shapes["risky"] += [
        _policy("self-keys", _doc(_allow("iam:CreateAccessKey", f"{IAM}:user/${{aws:username}}"))),
        _policy(
            "ops-iam", _doc(_allow(["iam:PassRole", "iam:CreateAccessKey", "ec2:RunInstances"]))
        ),
        _policy("admin", _doc(_allow("*"))),
    ]
    return shapes


def generate(size: int, seed: int = 8) -> Snapshot:
    """An account of `size` principals and `size // 5` compute resources"""
    rng = random.Random(seed)
    pools = _policies()
    users: list[User] = []
    roles: list[Role] = []
    for n in range(size):
        team = rng.randrange(TEAMS)
        attached = [rng.choice(pools["common"]).arn]
        if rng.random() < 0.5:
            attached.append(pools["team"][team].arn)
        draw = rng.random()
        if draw < 0.01:
            attached.append(pools["risky"][2].arn)
        elif draw < 0.03:
            attached.append(pools["risky"][1].arn)
        elif draw < 0.10:
            attached.append(pools["risky"][0].arn)
        if n % 10 < 3:
            name = f"team{team}-user{n}"
            users.append(
                User(
                    name=name,
                    arn=f"{IAM}:user/{name}",
                    id=f"AIDA{n:012d}",
                    attached_policies=tuple(attached),
                )
            )
        else:
            name = f"team{team}-role{n}"
            service = rng.choice(["lambda.amazonaws.com", "ec2.amazonaws.com", None])
            principal = {"Service": service} if service else {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
            trust = _doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})
            roles.append(
                Role(
                    name=name,
                    arn=f"{IAM}:role/{name}",
                    trust_policy=trust,
                    attached_policies=tuple(attached),
                )
            )
    compute = []
    for n in range(size // 5):
        role = rng.choice(roles)
        team = role.name.split("-")[0]
        if rng.random() < 0.6:
            arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{team}-fn{n}"
            kind = ComputeKind.LAMBDA_FUNCTION
        else:
            arn = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-{n:017x}"
            kind = ComputeKind.EC2_INSTANCE
        compute.append(ComputeResource(arn=arn, kind=kind, region="us-east-1", role_arn=role.arn))
    return Snapshot(
        account=Account(id=ACCOUNT),
        source="benchmark",
        collected=frozenset(DataSet),
        users=tuple(users),
        roles=tuple(roles),
        policies=tuple(p for pool in pools.values() for p in pool),
        compute=tuple(compute),
    )


def details(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot's users, roles and policies as GetAccountAuthorizationDetails (the file
    Cloudsplaining scans and `iamwarden --input` imports); compute is not part of it"""

    def attached(arns: tuple[str, ...]) -> list[dict[str, str]]:
        return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns]

    users = [
        {
            "Path": "/",
            "UserName": u.name,
            "UserId": f"AIDA{i:017d}",
            "Arn": u.arn,
            "CreateDate": _WHEN,
            "UserPolicyList": [],
            "GroupList": [],
            "AttachedManagedPolicies": attached(u.attached_policies),
            "Tags": [],
        }
        for i, u in enumerate(snapshot.users)
    ]
    roles = [
        {
            "Path": "/",
            "RoleName": r.name,
            "RoleId": f"AROA{i:017d}",
            "Arn": r.arn,
            "CreateDate": _WHEN,
            "AssumeRolePolicyDocument": r.trust_policy.obj(),
            "InstanceProfileList": [],
            "RolePolicyList": [],
            "AttachedManagedPolicies": attached(r.attached_policies),
            "Tags": [],
            "RoleLastUsed": {},
        }
        for i, r in enumerate(snapshot.roles)
    ]
    policies = [
        {
            "PolicyName": p.name,
            "PolicyId": f"ANPA{i:017d}",
            "Arn": p.arn,
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": 1,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": _WHEN,
            "UpdateDate": _WHEN,
            "PolicyVersionList": [
                {
                    "Document": p.versions[0].document.obj(),
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                    "CreateDate": _WHEN,
                }
            ],
        }
        for i, p in enumerate(snapshot.policies)
    ]
    return {
        "UserDetailList": users,
        "GroupDetailList": [],
        "RoleDetailList": roles,
        "Policies": policies,
    }


def one(size: int) -> dict[str, Any]:
    """Build and query the graph of one generated account (run in a child process)"""
    snapshot = generate(size)
    catalog = load_catalog()
    started = time.process_time()
    start = time.perf_counter()
    graph = build_graph(snapshot, catalog)
    built = time.perf_counter() - start
    built_cpu = time.process_time() - started
    start = time.perf_counter()
    paths = graph.paths_to()
    queried = time.perf_counter() - start
    principals = set(graph.principals())
    escalating = [p for p in paths if p.source in principals and not graph.is_admin(p.source)]
    return {
        "principals": size,
        "compute": len(snapshot.compute),
        "build_s": round(built, 2),
        "build_cpu_s": round(built_cpu, 2),
        "query_s": round(queried, 3),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "edges": graph.edge_count(),
        "stored": graph.graph.number_of_edges(),
        "escalating": len(escalating),
    }


def _peers(account: dict[str, Any], peer: Path) -> str:
    """`iamwarden paths --input` (whole process: import + graph + every path) beside
    Cloudsplaining's `scan` on the same authorization details `account`"""
    with tempfile.TemporaryDirectory(prefix="iamwarden-escalation-") as tmp:
        folder = Path(tmp) / "account"
        folder.mkdir()
        path = folder / "iam-get-account-authorization-details.json"
        path.write_text(json.dumps(account))
        ours, our_peak, _, status = _run_measured(
            [
                str(Path(sys.executable).parent / "iamwarden"),
                "paths",
                "--input",
                str(folder),
                "--format",
                "json",
            ],
            stderr=subprocess.DEVNULL,
        )
        if status != 0:
            return f"iamwarden paths --input failed (exit {status})"
        out_dir = Path(tmp) / "cloudsplaining"
        out_dir.mkdir()
        theirs, their_peak, _, status = _run_measured(
            [str(peer), "scan", "-i", str(path), "-o", str(out_dir), "-s"],
            stderr=subprocess.DEVNULL,
        )
        if status != 0:
            return f"cloudsplaining scan failed (exit {status})"
        ratio = theirs / ours
        verdict = "OK" if ratio >= PEER_RATIO else f"UNDER {PEER_RATIO:.0f}x"
        return (
            f"same authorization details: iamwarden paths --input {ours:.2f} s "
            f"({our_peak / 2**20:,.0f} MiB), cloudsplaining scan {theirs:.2f} s "
            f"({their_peak / 2**20:,.0f} MiB): {ratio:.1f}x {verdict}"
        )


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(one(int(argv[1]))))
        return
    sizes = (500, 2000, 10000)
    if "--sizes" in argv:
        sizes = tuple(int(s) for s in argv[argv.index("--sizes") + 1].split(","))
    peer = None if "--no-peers" in argv else _cloudsplaining()
    print("figures vary with machine load (wall time; cpu is this process's own)")
    if peer is None:
        print("cloudsplaining: skipped (--no-peers, or not installed and could not be)")
    else:
        print(f"cloudsplaining {_cloudsplaining_version(peer)} from {PEERS}")
    previous: dict[str, Any] | None = None
    for size in sizes:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.escalation", "--one", str(size)],
            check=True,
            capture_output=True,
            text=True,
        )
        row = json.loads(out.stdout)
        ratio = ""
        if previous is not None:
            ratio = (
                f"  (x{row['principals'] / previous['principals']:.1f} principals: "
                f"x{row['build_s'] / max(previous['build_s'], 1e-9):.1f} build time, "
                f"x{row['build_cpu_s'] / max(previous['build_cpu_s'], 1e-9):.1f} cpu, "
                f"x{row['peak_mb'] / max(previous['peak_mb'], 1):.1f} memory)"
            )
        target = ""
        if row["principals"] == 10_000:
            met = row["build_s"] < 30 and row["peak_mb"] < 2048
            target = f" [target < 30 s, < 2 GB: {'OK' if met else 'OVER'}]"
        print(
            f"{row['principals']:>6} principals, {row['compute']:>5} compute: build "
            f"{row['build_s']:.2f} s (cpu {row['build_cpu_s']:.2f} s), all paths "
            f"{row['query_s']:.3f} s, peak {row['peak_mb']} MB, {row['edges']:,} edges "
            f"({row['stored']:,} stored), {row['escalating']} escalate{ratio}{target}",
            flush=True,
        )
        if peer is not None:
            print(f"        {_peers(details(generate(size)), peer)}", flush=True)
        previous = row
    if peer is not None and "--dense" in argv:
        for roles in (int(r) for r in argv[argv.index("--dense") + 1].split(",")):
            dense = build_details(roles)
            count = len(dense["UserDetailList"]) + len(dense["RoleDetailList"])
            print(f"{count:>6} principals of benchmarks.assess (dense, no compute):", flush=True)
            print(f"        {_peers(dense, peer)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
