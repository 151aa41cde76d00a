"""Benchmark external access: `python -m benchmarks.exposure [--count 20000] [--seed 7]`

Generates one account holding COUNT resource policies across services (S3 buckets with and
without Block Public Access, KMS keys, Lambda functions and layers, SQS queues, SNS topics,
Secrets Manager secrets, ECR repositories, EFS file systems, OpenSearch domains) with a mix
of patterns seen in real accounts: grants to the account, to partner accounts and their
roles, public reads, `Principal: "*"` narrowed by aws:PrincipalOrgID / aws:SourceVpce /
aws:SourceIp / aws:PrincipalAccount, services with and without aws:SourceArn, Deny
statements over insecure transport, wildcard actions. Then runs `analyse_exposure` over all
of them (every answer from the engine). The run is in a child process so its peak memory
(ru_maxrss) is its own. Prints the wall and CPU time (the CPU time varies less with the load
of a shared machine), the peak memory and the exposures found.
Target (issue 9): 20,000 policies under 20 s and 1 GB. Figures vary with machine load.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from typing import Any

from iamwarden.analysis.exposure import ZoneOfTrust, analyse_exposure
from iamwarden.policy import load_catalog
from iamwarden.snapshot import (
    Account,
    DataSet,
    Document,
    Organization,
    OrgLevel,
    OrgLevelKind,
    PublicAccessBlock,
    ResourcePolicy,
    Snapshot,
)

ACCOUNT = "123456789012"
ORG = "o-bench12345"
REGION = "us-east-1"
PARTNERS = [f"{n:012d}" for n in range(200000000001, 200000000041)]


def _doc(*statements: dict[str, Any]) -> Document:
    return Document.from_obj({"Version": "2012-10-17", "Statement": list(statements)})


def _arn(service: str, n: int) -> tuple[str, str]:
    """(ARN, the resource the statements name) of resource n of a service"""
    base = f"arn:aws:{service}:{REGION}:{ACCOUNT}"
    arn = {
        "s3": f"arn:aws:s3:::bench-bucket-{n}",
        "kms": f"{base}:key/{n:08d}-0000-4000-8000-000000000000",
        "lambda": f"{base}:function:fn-{n}",
        "lambda-layer": f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:layer-{n}:1",
        "sqs": f"{base}:queue-{n}",
        "sns": f"{base}:topic-{n}",
        "secretsmanager": f"{base}:secret:secret-{n}-AbCdEf",
        "ecr": f"{base}:repository/repo-{n}",
        "elasticfilesystem": f"{base}:file-system/fs-{n:08x}",
        "es": f"{base}:domain/search-{n}",
    }[service]
    named = f"{arn}/*" if service == "s3" else arn
    return arn, named


_ACTIONS = {
    "s3": (["s3:GetObject"], ["s3:GetObject", "s3:PutObject"], ["s3:*"], ["s3:List*", "s3:Get*"]),
    "kms": (["kms:Decrypt"], ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"], ["kms:*"]),
    "lambda": (["lambda:InvokeFunction"], ["lambda:GetFunction", "lambda:InvokeFunction"]),
    "lambda-layer": (["lambda:GetLayerVersion"],),
    "sqs": (["sqs:SendMessage"], ["sqs:ReceiveMessage", "sqs:DeleteMessage"], ["sqs:*"]),
    "sns": (["sns:Publish"], ["sns:Subscribe", "sns:Receive"], ["sns:*"]),
    "secretsmanager": (["secretsmanager:GetSecretValue"], ["secretsmanager:*"]),
    "ecr": (["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], ["ecr:*"]),
    "elasticfilesystem": (["elasticfilesystem:ClientMount"], ["elasticfilesystem:Client*"]),
    "es": (["es:ESHttpGet"], ["es:ESHttp*"], ["es:*"]),
}
_SERVICES = {
    "lambda.amazonaws.com": "lambda",
    "sns.amazonaws.com": "sns",
    "events.amazonaws.com": "events",
    "cloudtrail.amazonaws.com": "cloudtrail",
}


def _statements(rng: random.Random, service: str, named: str) -> list[dict[str, Any]]:
    actions = rng.choice(_ACTIONS[service])

    def allow(principal: Any, **condition: Any) -> dict[str, Any]:
        statement = {
            "Effect": "Allow",
            "Principal": principal,
            "Action": actions,
            "Resource": named,
        }
        if condition:
            statement["Condition"] = condition
        return statement

    own = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": f"{service.split('-')[0]}:*",
        "Resource": named,
    }
    partner = rng.choice(PARTNERS)
    pattern = rng.choices(
        [
            "own",
            "partner",
            "partner_role",
            "public",
            "org",
            "vpce",
            "private_ip",
            "public_ip",
            "own_account",
            "service",
            "service_source",
            "tls",
            "like_star",
        ],
        weights=[20, 15, 8, 4, 12, 6, 4, 3, 6, 6, 8, 5, 3],
    )[0]
    found = [own]
    if pattern == "partner":
        found.append(allow({"AWS": f"arn:aws:iam::{partner}:root"}))
    elif pattern == "partner_role":
        found.append(allow({"AWS": f"arn:aws:iam::{partner}:role/reader"}))
    elif pattern == "public":
        found.append(allow("*"))
    elif pattern == "org":
        found.append(allow("*", StringEquals={"aws:PrincipalOrgID": ORG}))
    elif pattern == "vpce":
        found.append(
            allow("*", StringEquals={"aws:SourceVpce": f"vpce-{rng.randrange(16**8):08x}"})
        )
    elif pattern == "private_ip":
        found.append(allow("*", IpAddress={"aws:SourceIp": "10.0.0.0/8"}))
    elif pattern == "public_ip":
        found.append(allow("*", IpAddress={"aws:SourceIp": f"52.{rng.randrange(256)}.0.0/16"}))
    elif pattern == "own_account":
        found.append(allow({"AWS": "*"}, StringEquals={"aws:PrincipalAccount": ACCOUNT}))
    elif pattern in ("service", "service_source"):
        principal, source = rng.choice(sorted(_SERVICES.items()))
        condition = (
            {"ArnLike": {"aws:SourceArn": f"arn:aws:{source}:{REGION}:{ACCOUNT}:*"}}
            if pattern == "service_source"
            else {}
        )
        found.append(allow({"Service": principal}, **condition))
    elif pattern == "tls":
        found.append(
            allow({"AWS": f"arn:aws:iam::{partner}:root"}, Bool={"aws:SecureTransport": "true"})
        )
    elif pattern == "like_star":
        found.append(allow("*", StringLike={"aws:PrincipalOrgID": "*"}))
    if rng.random() < 0.3:
        found.append(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "*",
                "Resource": named,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        )
    return found


def build(count: int, seed: int) -> Snapshot:
    """One account with `count` resource policies"""
    rng = random.Random(seed)
    services = list(_ACTIONS)
    policies = []
    for n in range(count):
        service = services[n % len(services)]
        arn, named = _arn(service, n)
        block = None
        if service == "s3" and rng.random() < 0.5:
            block = PublicAccessBlock(
                block_public_acls=True,
                ignore_public_acls=True,
                block_public_policy=True,
                restrict_public_buckets=rng.random() < 0.5,
            )
        policies.append(
            ResourcePolicy(
                arn=arn,
                service=service.split("-")[0],
                region="" if service == "s3" else REGION,
                document=_doc(*_statements(rng, service, named)),
                public_access_block=block,
            )
        )
    return Snapshot(
        account=Account(id=ACCOUNT),
        source="benchmarks.exposure",
        collected=frozenset(DataSet),
        resource_policies=tuple(policies),
        organization=Organization(
            id=ORG,
            management_account_id="999999999999",
            path=(
                OrgLevel(id="r-ben1", kind=OrgLevelKind.ROOT),
                OrgLevel(id=ACCOUNT, kind=OrgLevelKind.ACCOUNT),
            ),
        ),
    )


def _run(count: int, seed: int) -> None:
    catalog = load_catalog()
    started = time.perf_counter()
    snapshot = build(count, seed)
    built = time.perf_counter()
    cpu = time.process_time()
    report = analyse_exposure(snapshot, ZoneOfTrust.of(snapshot), catalog)
    done = time.perf_counter()
    cpu = time.process_time() - cpu
    reaches = Counter(
        e.reach.value + (" (blocked)" if e.is_blocked else "") for e in report.exposures
    )
    print(
        json.dumps(
            {
                "policies": count,
                "generate_s": round(built - started, 2),
                "analyse_s": round(done - built, 2),
                "analyse_cpu_s": round(cpu, 2),
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                "analysed": report.analysed,
                "exposures": dict(sorted(reaches.items())),
                "within_organization": len(report.within_organization),
            }
        )
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.exposure")
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _run(args.count, args.seed)
        return
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.exposure",
            "--child",
            "--count",
            str(args.count),
            "--seed",
            str(args.seed),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    row = json.loads(out.stdout)
    print(
        f"{row['policies']} resource policies: analysed in {row['analyse_s']:.1f} s "
        f"({row['analyse_cpu_s']:.1f} s of CPU) "
        f"(generated in {row['generate_s']:.1f} s), peak {row['peak_mb']} MB; "
        f"exposures {row['exposures']}, {row['within_organization']} shared only within the "
        "Organization"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
