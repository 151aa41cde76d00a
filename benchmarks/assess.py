"""Benchmark assessments of large accounts: `python -m benchmarks.assess [--quick]`

(1) In memory: a generated snapshot of 5,000 roles, 1,000 users and 2,000 customer managed
    policies (service-scoped, wildcard, sensitive, conditional, NotAction and admin shapes;
    inline policies; groups; a credential report; service last accessed), `assess` timed.
    Target: under 10 s and 1.5 GB.
(2) Import + assess at scale: accounts of 5,000, 20,000 and 100,000 roles (users a fifth,
    customer policies two fifths of the roles) whose principals attach AWS managed policies
    from the shared corpus as well as customer managed and inline policies, written as the
    CloudMapper layout's `iam-get-account-authorization-details.json` (the importer's
    format). Each size runs in a child process (`iamwarden assess --input DIR --quiet`
    equivalent: import, then assess), timed with its peak memory (ru_maxrss of the child).
    Cloudsplaining's `scan` runs on the same file (from a separate virtual environment,
    `benchmarks/.venv-peers`, created with pip on first use; skipped cleanly when it cannot
    be), up to `--peer-max` roles (default 5,000: its scan takes minutes at that size).
    Targets: >= 10x faster than Cloudsplaining at 5,000 roles; 20,000 roles under 8 s;
    100,000 under 45 s and 3 GB; cost growing linearly.
`--quick` runs (2) at 1,000 and 5,000 roles. Figures vary with machine load: CPU time (import
+ assess, one core) is printed beside the wall time.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from iamwarden.analysis import assess
from iamwarden.policy import load_catalog
from iamwarden.snapshot import (
    AccessAnalyzer,
    Account,
    CredentialReport,
    CredentialReportRow,
    DataSet,
    Document,
    Group,
    InlinePolicy,
    ManagedPolicy,
    PasswordPolicy,
    PolicyVersion,
    Role,
    ServiceAccess,
    ServiceLastAccessed,
    Snapshot,
    User,
)

ROLES = 5_000
USERS = 1_000
POLICIES = 2_000
GROUPS = 50
TARGET_SECONDS = 10.0
TARGET_BYTES = 1.5 * 1024**3
ACCOUNT = "123456789012"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
SERVICES = (
    "s3",
    "dynamodb",
    "lambda",
    "sqs",
    "sns",
    "logs",
    "ec2",
    "kms",
    "secretsmanager",
    "ssm",
    "cloudwatch",
    "ecr",
    "ecs",
    "rds",
    "kinesis",
)
TRUST = Document.from_obj(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _doc(*statements: dict[str, object]) -> Document:
    return Document.from_obj({"Version": "2012-10-17", "Statement": list(statements)})


def _customer_document(index: int, rng: random.Random) -> Document:
    """One of several realistic shapes, made distinct by its resource names"""
    service = SERVICES[index % len(SERVICES)]
    name = f"app-{index}"
    shape = index % 20
    if shape < 9:  # scoped to the team's resources
        return _doc(
            {
                "Effect": "Allow",
                "Action": [f"{service}:Get*", f"{service}:List*", f"{service}:Put*"],
                "Resource": [f"arn:aws:{service}:us-east-1:{ACCOUNT}:{name}/*"],
            }
        )
    if shape < 13:  # service-wide on every resource
        return _doc(
            {"Effect": "Allow", "Action": f"{service}:*", "Resource": "*", "Sid": f"Svc{index}"}
        )
    if shape < 15:  # deploy policy with sensitive actions on *
        return _doc(
            {"Effect": "Allow", "Action": [f"{service}:*", "iam:PassRole"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["iam:CreateAccessKey", "sts:AssumeRole"],
                "Resource": f"arn:aws:iam::{ACCOUNT}:user/{name}",
            },
        )
    if shape < 17:  # conditional access
        return _doc(
            {
                "Effect": "Allow",
                "Action": f"{service}:*",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
                    "Bool": {"aws:MultiFactorAuthPresent": "true"},
                },
            }
        )
    if shape < 18:  # everything but IAM
        return _doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})
    if shape < 19:  # read-only with a deny
        return _doc(
            {
                "Effect": "Allow",
                "Action": [f"{s}:Describe*" for s in rng.sample(SERVICES, 4)],
                "Resource": "*",
            },
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        )
    return _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})  # legacy admin


def _aws_managed() -> tuple[ManagedPolicy, ...]:
    docs = {
        "AdministratorAccess": _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        "ReadOnlyAccess": _doc(
            {"Effect": "Allow", "Action": ["*:Get*", "*:List*", "*:Describe*"], "Resource": "*"}
        ),
        "AmazonS3FullAccess": _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
        "AWSLambdaBasicExecutionRole": _doc(
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "*",
            }
        ),
        "AWSSupportAccess": _doc({"Effect": "Allow", "Action": "support:*", "Resource": "*"}),
    }
    return tuple(
        ManagedPolicy(
            name=name,
            arn=f"arn:aws:iam::aws:policy/{name}",
            versions=(PolicyVersion(id="v1", document=doc, is_default=True),),
            attachment_count=1,
        )
        for name, doc in docs.items()
    )


def build_snapshot(seed: int = 7) -> Snapshot:
    """The benchmark account (deterministic for a seed)"""
    rng = random.Random(seed)
    aws = _aws_managed()
    customer = tuple(
        ManagedPolicy(
            name=f"policy-{i:04d}",
            arn=f"arn:aws:iam::{ACCOUNT}:policy/policy-{i:04d}",
            versions=(
                PolicyVersion(id="v1", document=_customer_document(i, rng), is_default=True),
            ),
            attachment_count=1,
        )
        for i in range(POLICIES)
    )
    arns = [p.arn for p in customer]
    groups = tuple(
        Group(
            name=f"team-{g:02d}",
            arn=f"arn:aws:iam::{ACCOUNT}:group/team-{g:02d}",
            attached_policies=tuple(rng.sample(arns, 2)),
        )
        for g in range(GROUPS)
    )
    roles = []
    for i in range(ROLES):
        attached = list(rng.sample(arns, rng.randint(1, 3)))
        if i % 20 == 0:
            attached.append("arn:aws:iam::aws:policy/AdministratorAccess")
        elif i % 3 == 0:
            attached.append("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole")
        inline: tuple[InlinePolicy, ...] = ()
        if i % 5 == 0:
            inline = (InlinePolicy(name="inline", document=_customer_document(i * 7 + 3, rng)),)
        roles.append(
            Role(
                name=f"role-{i:05d}",
                arn=f"arn:aws:iam::{ACCOUNT}:role/role-{i:05d}",
                trust_policy=TRUST,
                attached_policies=tuple(attached),
                inline_policies=inline,
                created=NOW - timedelta(days=rng.randint(1, 900)),
                last_used=NOW - timedelta(days=rng.randint(0, 400)) if i % 4 else None,
            )
        )
    users = []
    rows = []
    for i in range(USERS):
        name = f"user-{i:04d}"
        arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
        direct: tuple[str, ...] = (rng.choice(arns),) if i % 4 == 0 else ()
        if i % 100 == 0:
            direct += ("arn:aws:iam::aws:policy/AdministratorAccess",)
        created = NOW - timedelta(days=rng.randint(30, 1500))
        users.append(
            User(
                name=name,
                arn=arn,
                created=created,
                attached_policies=direct,
                groups=(groups[i % GROUPS].name,),
            )
        )
        key_age = rng.randint(1, 700)
        rows.append(
            CredentialReportRow(
                user=name,
                arn=arn,
                user_creation_time=created,
                password_enabled=i % 3 == 0,
                password_last_used=NOW - timedelta(days=rng.randint(0, 200)),
                mfa_active=i % 7 != 0,
                access_key_1_active=i % 2 == 0,
                access_key_1_last_rotated=NOW - timedelta(days=key_age),
                access_key_1_last_used_date=NOW - timedelta(days=rng.randint(0, key_age))
                if i % 9
                else None,
                access_key_2_active=i % 25 == 0,
                access_key_2_last_rotated=NOW - timedelta(days=10) if i % 25 == 0 else None,
            )
        )
    rows.append(
        CredentialReportRow(
            user="<root_account>", arn=f"arn:aws:iam::{ACCOUNT}:root", mfa_active=True
        )
    )
    used = tuple(
        ServiceLastAccessed(
            principal_arn=r.arn,
            services=(ServiceAccess(namespace="s3", last_authenticated=NOW - timedelta(days=3)),),
        )
        for r in roles[::10]
    )
    return Snapshot(
        account=Account(id=ACCOUNT),
        source="benchmark",
        collected_at=NOW,
        collected=frozenset(DataSet) - {DataSet.COMPUTE},
        regions=("eu-west-1", "us-east-1"),
        users=tuple(users),
        groups=groups,
        roles=tuple(roles),
        policies=aws + customer,
        credential_report=CredentialReport(rows=tuple(rows), generated=NOW),
        password_policy=PasswordPolicy(minimum_length=14, reuse_prevention=24),
        access_analyzers=(
            AccessAnalyzer(
                arn=f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/default",
                name="default",
                region="us-east-1",
            ),
        ),
        service_last_accessed=used,
    )


def main_in_memory() -> None:
    """(1): build the account, assess it once and print the figures beside the target"""
    started = time.perf_counter()
    snapshot = build_snapshot()
    load_catalog()
    prepared = time.perf_counter()
    assessment = assess(snapshot)
    finished = time.perf_counter()
    elapsed = finished - prepared
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = rss if sys.platform == "darwin" else rss * 1024
    findings = len(assessment.findings)
    print(
        f"(1) in memory: {len(snapshot.roles)} roles, {len(snapshot.users)} users, "
        f"{POLICIES} customer policies (generated + catalogue in "
        f"{prepared - started:.1f} s)"
    )
    print(
        f"    assessment time: {elapsed:.2f} s (target < {TARGET_SECONDS:.0f} s) "
        f"{'OK' if elapsed < TARGET_SECONDS else 'OVER'}; "
        f"peak memory (ru_maxrss): {peak / 1024**2:.0f} MiB "
        f"(target < {TARGET_BYTES / 1024**3:.1f} GiB) "
        f"{'OK' if peak < TARGET_BYTES else 'OVER'}; "
        f"findings: {findings} ({len(assessment.failures)} FAIL), "
        f"{findings / elapsed:,.0f} findings/s"
    )


# -- (2) import + assess at scale, beside Cloudsplaining ----------------------------------

HERE = Path(__file__).resolve().parent
MANAGED_FILE = (
    HERE.parent / ".." / "shared" / "corpora" / "aws-managed-policies"
) / "aws_managed_policies_documents.json"
PEERS = HERE / ".venv-peers"
SIZES = (5_000, 20_000, 100_000)
QUICK_SIZES = (1_000, 5_000)
TARGETS = {20_000: 8.0, 100_000: 45.0}
TARGET_100K_BYTES = 3 * 1024**3
PEER_RATIO = 10.0
_WHEN = "2026-10-01T00:00:00Z"


def _managed_corpus() -> list[tuple[str, str, Any]]:
    """(name, ARN, document) of the corpus's AWS managed policies; none without the corpus"""
    if not MANAGED_FILE.exists():
        return []
    data = json.loads(MANAGED_FILE.read_text())
    return [
        (name, entry.get("arn") or f"arn:aws:iam::aws:policy/{name}", entry["document"])
        for name, entry in sorted(data.items())
    ]


def _attached(arns: list[str]) -> list[dict[str, str]]:
    return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns]


def build_details(roles: int, seed: int = 13) -> dict[str, Any]:
    """GetAccountAuthorizationDetails of a generated account of `roles` roles

    Users are a fifth of the roles, customer managed policies two fifths; every role
    attaches 1-3 customer policies and 0-2 of 300 AWS managed policies from the corpus (an
    administrator policy on one in fifty), a fifth have an inline policy; users are in
    groups and attach policies too.
    """
    rng = random.Random(seed)
    corpus = _managed_corpus()
    aws = rng.sample(corpus, min(300, len(corpus)))
    admin = next((c for c in corpus if c[0] == "AdministratorAccess"), None)
    if admin is not None and admin not in aws:
        aws.append(admin)
    aws_arns = [arn for _, arn, _ in aws]
    customer = [
        (f"policy-{i:06d}", f"arn:aws:iam::{ACCOUNT}:policy/policy-{i:06d}")
        for i in range(max(1, roles * 2 // 5))
    ]
    customer_arns = [arn for _, arn in customer]
    counts: dict[str, int] = {}

    def attach(arns: list[str]) -> list[dict[str, str]]:
        for arn in arns:
            counts[arn] = counts.get(arn, 0) + 1
        return _attached(arns)

    groups = []
    for g in range(50):
        name = f"team-{g:02d}"
        groups.append(
            {
                "Path": "/",
                "GroupName": name,
                "GroupId": f"AGPA{g:017d}",
                "Arn": f"arn:aws:iam::{ACCOUNT}:group/{name}",
                "CreateDate": _WHEN,
                "GroupPolicyList": [],
                "AttachedManagedPolicies": attach(
                    rng.sample(customer_arns, min(2, len(customer_arns))) + rng.sample(aws_arns, 1)
                ),
            }
        )
    users = []
    for i in range(max(1, roles // 5)):
        name = f"user-{i:06d}"
        direct = rng.sample(customer_arns, 1) if i % 4 == 0 else []
        if i % 3 == 0:
            direct += rng.sample(aws_arns, 1)
        users.append(
            {
                "Path": "/",
                "UserName": name,
                "UserId": f"AIDA{i:017d}",
                "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
                "CreateDate": _WHEN,
                "UserPolicyList": (
                    [
                        {
                            "PolicyName": "inline",
                            "PolicyDocument": _customer_document(i * 11 + 5, rng).obj(),
                        }
                    ]
                    if i % 10 == 0
                    else []
                ),
                "GroupList": [groups[i % len(groups)]["GroupName"]],
                "AttachedManagedPolicies": attach(direct),
                "Tags": [],
            }
        )
    trust = TRUST.obj()
    role_list = []
    for i in range(roles):
        name = f"role-{i:06d}"
        arns = rng.sample(customer_arns, min(len(customer_arns), rng.randint(1, 3)))
        arns += rng.sample(aws_arns, rng.randint(0, 2))
        if admin is not None and i % 50 == 0:
            arns.append(admin[1])
        role: dict[str, Any] = {
            "Path": "/",
            "RoleName": name,
            "RoleId": f"AROA{i:017d}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
            "CreateDate": _WHEN,
            "AssumeRolePolicyDocument": trust,
            "InstanceProfileList": [],
            "RolePolicyList": (
                [
                    {
                        "PolicyName": "inline",
                        "PolicyDocument": _customer_document(i * 7 + 3, rng).obj(),
                    }
                ]
                if i % 5 == 0
                else []
            ),
            "AttachedManagedPolicies": attach(sorted(set(arns))),
            "Tags": [],
            "RoleLastUsed": {"LastUsedDate": "2026-09-01T00:00:00Z", "Region": "us-east-1"}
            if i % 4
            else {},
        }
        role_list.append(role)

    def managed(name: str, arn: str, document: Any, path: str) -> dict[str, Any]:
        return {
            "PolicyName": name,
            "PolicyId": f"ANPA{abs(hash(arn)) % 10**17:017d}",
            "Arn": arn,
            "Path": path,
            "DefaultVersionId": "v1",
            "AttachmentCount": counts.get(arn, 0),
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True,
            "CreateDate": _WHEN,
            "UpdateDate": _WHEN,
            "PolicyVersionList": [
                {
                    "Document": document,
                    "VersionId": "v1",
                    "IsDefaultVersion": True,
                    "CreateDate": _WHEN,
                }
            ],
        }

    policies = [
        managed(name, arn, _customer_document(i, rng).obj(), "/")
        for i, (name, arn) in enumerate(customer)
    ]
    policies += [managed(name, arn, doc, "/") for name, arn, doc in aws if counts.get(arn)]
    return {
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": role_list,
        "Policies": policies,
    }


def _child(folder: str) -> None:
    """Import and assess `folder` as `iamwarden assess --input` does (the cyclic garbage
    collector paused), print figures as JSON"""
    from iamwarden.analysis import AssessOptions
    from iamwarden.cli.assess_gc import collector_paused
    from iamwarden.snapshot import import_cloudmapper

    started = time.perf_counter()
    load_catalog()
    ready = time.perf_counter()
    cpu = time.process_time()
    with collector_paused():
        snapshot = import_cloudmapper(Path(folder))
        imported = time.perf_counter()
        result = assess(snapshot, AssessOptions(now=NOW))
        done = time.perf_counter()
    cpu = time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "catalog": ready - started,
                "import": imported - ready,
                "assess": done - imported,
                "cpu": cpu,
                "findings": len(result.findings),
                "failures": len(result.failures),
                "maxrss": rss if sys.platform == "darwin" else rss * 1024,
            }
        )
    )


def _run_measured(command: list[str], **kwargs: Any) -> tuple[float, int, str, int]:
    """Wall seconds, peak memory (bytes, ru_maxrss of the child), stdout and exit code"""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, **kwargs)
    assert child.stdout is not None
    out = child.stdout.read()
    child.stdout.close()
    _, status, usage = os.wait4(child.pid, 0)  # the child's own rusage, not all children's
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return elapsed, peak, out, child.returncode


def _cloudsplaining() -> Path | None:
    """The `cloudsplaining` command of the peers' virtual environment, made on first use"""
    command = PEERS / "bin" / "cloudsplaining"
    if command.exists():
        return command
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True, capture_output=True)
        subprocess.run(
            [str(PEERS / "bin" / "pip"), "install", "--quiet", "cloudsplaining"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return command if command.exists() else None


def _cloudsplaining_version(command: Path) -> str:
    done = subprocess.run([str(command), "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().rsplit(" ", 1)[-1] or "?"


def main_at_scale(sizes: tuple[int, ...], peer_max: int, use_peers: bool) -> None:
    """(2): import + assess each size in a child process, Cloudsplaining beside it"""
    if not MANAGED_FILE.exists():
        print(f"(2) managed-policy corpus not found at {MANAGED_FILE}: skipping")
        return
    peer = _cloudsplaining() if use_peers else None
    if peer is None:
        print("(2) cloudsplaining: skipped (not installed and could not be installed)")
    else:
        print(f"(2) cloudsplaining {_cloudsplaining_version(peer)} from {PEERS}")
    rows: list[dict[str, Any]] = []
    for roles in sizes:
        with tempfile.TemporaryDirectory(prefix="iamwarden-assess-") as tmp:
            folder = Path(tmp) / "account"
            folder.mkdir()
            details = build_details(roles)
            path = folder / "iam-get-account-authorization-details.json"
            path.write_text(json.dumps(details))
            size = path.stat().st_size
            del details
            wall, _, out, status = _run_measured(
                [sys.executable, "-m", "benchmarks.assess", "--child", str(folder)],
                cwd=HERE.parent,
            )
            if status != 0:
                print(f"    {roles:,} roles: iamwarden failed (exit {status})")
                continue
            got = json.loads(out.strip().splitlines()[-1])
            row: dict[str, Any] = {"roles": roles, "mib": size / 2**20, "wall": wall, **got}
            work = got["import"] + got["assess"]
            target = TARGETS.get(roles)
            verdict = "" if target is None else (" OK" if work < target else " OVER")
            print(
                f"    {roles:>7,} roles ({size / 2**20:.0f} MiB): import {got['import']:.2f} s "
                f"+ assess {got['assess']:.2f} s = {work:.2f} s"
                f"{f' (target < {target:.0f} s){verdict}' if target else ''} "
                f"(CPU {got['cpu']:.2f} s); "
                f"whole process {wall:.2f} s; peak {got['maxrss'] / 2**20:,.0f} MiB; "
                f"{roles / work:,.0f} roles/s, {got['findings']:,} findings"
            )
            if peer is not None and roles <= peer_max:
                out_dir = Path(tmp) / "cloudsplaining"
                out_dir.mkdir()
                peer_wall, peer_peak, _, peer_status = _run_measured(
                    [str(peer), "scan", "-i", str(path), "-o", str(out_dir), "-s"],
                    stderr=subprocess.DEVNULL,
                )
                if peer_status == 0:
                    row["peer"] = peer_wall
                    ratio = peer_wall / wall
                    verdict = (
                        ""
                        if roles != 5_000
                        else (" OK" if ratio >= PEER_RATIO else f" UNDER {PEER_RATIO:.0f}x")
                    )
                    print(
                        f"             cloudsplaining scan: {peer_wall:.2f} s, peak "
                        f"{peer_peak / 2**20:,.0f} MiB; iamwarden (whole process) "
                        f"{ratio:.1f}x faster{verdict}"
                    )
                else:
                    print(f"             cloudsplaining scan failed (exit {peer_status})")
            rows.append(row)
    for before, after in itertools.pairwise(rows):
        scale = after["roles"] / before["roles"]
        cost = (after["import"] + after["assess"]) / (before["import"] + before["assess"])
        memory = after["maxrss"] / before["maxrss"]
        print(
            f"    {before['roles']:,} -> {after['roles']:,} roles ({scale:.0f}x): "
            f"time {cost:.1f}x, peak memory {memory:.1f}x"
        )
    big = next((r for r in rows if r["roles"] == 100_000), None)
    if big is not None:
        print(
            f"    100,000 roles peak memory {big['maxrss'] / 2**30:.2f} GiB "
            f"(target < {TARGET_100K_BYTES / 2**30:.0f} GiB) "
            f"{'OK' if big['maxrss'] < TARGET_100K_BYTES else 'OVER'}"
        )


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        _child(argv[1])
        return
    quick = "--quick" in argv
    peer_max = 5_000
    if "--peer-max" in argv:
        peer_max = int(argv[argv.index("--peer-max") + 1])
    print("figures vary with machine load (measured on a shared 2-core machine)")
    if "--scale-only" not in argv:
        main_in_memory()
    main_at_scale(QUICK_SIZES if quick else SIZES, peer_max, "--no-peers" not in argv)


if __name__ == "__main__":
    main(sys.argv[1:])
