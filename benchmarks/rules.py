"""Benchmark the rule pack (`iamwarden.activity.rules`): `python -m benchmarks.rules`

Generates realistic CloudTrail records (the shapes of real records: 300 principals, users,
assumed roles and a few roots; 60 event names over S3, DynamoDB, Lambda, EC2, IAM, KMS, SQS,
STS, CloudWatch, Secrets Manager, SSM, console sign-in; 3% access-denied errors; about 0.5%
attack events such as StopLogging, AdministratorAccess attached, keys created for another
user, snapshots shared, console sign-in without MFA) in batches of 50,000 fresh records, and
times only the matching of the whole built-in pack over them (`RulePack.match`, then the
conditions in `alerts_for`), on one core. Prints events/s (wall and CPU), alerts, and peak
memory (the process's ru_maxrss, and what matching adds to the resident set on top of the
batch of records it holds).

Peer: moto's EventBridge pattern matcher (`moto.events.models.EventPattern`, the reference
implementation in the AWS emulator this project tests against), every rule tried on every
event as a straightforward matcher does, on the first `--peer-events` records; the two agree
on every event except where a pattern reaches into an array of objects, which moto does not
descend (counted and printed).

Run: python -m benchmarks.rules [--events 1000000] [--peer-events 20000]
Target (issue 11): >= 100,000 events/s on one core. Figures vary with machine load.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import sys
import time
from collections import Counter
from typing import Any, cast

from iamwarden.activity.rules import alerts_for, envelope, load_builtin_pack

ACCOUNT = "123456789012"
BATCH = 50_000
PRINCIPALS = 300
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2")

_BENIGN: list[tuple[str, str, bool]] = [
    ("s3", "GetObject", True),
    ("s3", "PutObject", False),
    ("s3", "ListObjects", True),
    ("s3", "HeadBucket", True),
    ("s3", "DeleteObject", False),
    ("s3", "GetBucketPolicy", True),
    ("dynamodb", "GetItem", True),
    ("dynamodb", "PutItem", False),
    ("dynamodb", "Query", True),
    ("dynamodb", "UpdateItem", False),
    ("dynamodb", "DescribeTable", True),
    ("lambda", "Invoke", False),
    ("lambda", "GetFunction20150331v2", True),
    ("lambda", "ListFunctions20150331", True),
    ("lambda", "UpdateFunctionCode20150331v2", False),
    ("ec2", "DescribeInstances", True),
    ("ec2", "DescribeSecurityGroups", True),
    ("ec2", "DescribeVpcs", True),
    ("ec2", "StartInstances", False),
    ("ec2", "StopInstances", False),
    ("ec2", "RunInstances", False),
    ("ec2", "CreateTags", False),
    ("ec2", "AuthorizeSecurityGroupIngress", False),
    ("iam", "GetRole", True),
    ("iam", "ListRoles", True),
    ("iam", "GetUser", True),
    ("iam", "ListAttachedRolePolicies", True),
    ("iam", "GetPolicyVersion", True),
    ("iam", "CreateAccessKey", False),
    ("iam", "TagRole", False),
    ("kms", "Decrypt", True),
    ("kms", "Encrypt", True),
    ("kms", "GenerateDataKey", True),
    ("kms", "DescribeKey", True),
    ("sqs", "SendMessage", False),
    ("sqs", "ReceiveMessage", True),
    ("sqs", "DeleteMessage", False),
    ("sts", "AssumeRole", True),
    ("sts", "GetCallerIdentity", True),
    ("monitoring", "PutMetricData", False),
    ("monitoring", "GetMetricData", True),
    ("logs", "CreateLogStream", False),
    ("logs", "PutLogEvents", False),
    ("secretsmanager", "GetSecretValue", True),
    ("ssm", "GetParameter", True),
    ("ssm", "GetParameters", True),
    ("cloudtrail", "LookupEvents", True),
    ("organizations", "DescribeOrganization", True),
    ("signin", "ConsoleLogin", False),
]

_OUTSIDE_TRUST = (
    '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},'
    ' "Action": "sts:AssumeRole"}]}'
)
_OUTSIDE_TRUST = (
    '{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},'
    ' "Action": "sts:AssumeRole"}]}'
)
_ATTACKS: list[tuple[str, str, dict[str, Any]]] = [
    ("cloudtrail", "StopLogging", {"name": "main"}),
    ("cloudtrail", "DeleteTrail", {"name": "main"}),
    (
        "iam",
        "AttachUserPolicy",
        {"userName": "x", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    ),
    ("iam", "CreateAccessKey", {"userName": "backdoor"}),
    ("iam", "CreateLoginProfile", {"userName": "backdoor"}),
    (
        "iam",
        "UpdateAssumeRolePolicy",
        {
            "roleName": "app",
            "policyDocument": _OUTSIDE_TRUST,
        },
    ),
    ("iam", "DeactivateMFADevice", {"userName": "alice"}),
    (
        "ec2",
        "ModifySnapshotAttribute",
        {
            "snapshotId": "snap-1",
            "createVolumePermission": {"add": {"items": [{"userId": "999988887777"}]}},
        },
    ),
    ("guardduty", "DeleteDetector", {"detectorId": "d"}),
    ("organizations", "LeaveOrganization", {}),
    (
        "s3",
        "PutBucketPolicy",
        {
            "bucketName": "b",
            "bucketPolicy": {
                "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]
            },
        },
    ),
]


def _identity(who: int, rng: random.Random) -> dict[str, Any]:
    if who % 97 == 0:
        return {"type": "Root", "arn": f"arn:aws:iam::{ACCOUNT}:root", "accountId": ACCOUNT}
    if who % 3 == 0:
        name = f"user-{who}"
        return {
            "type": "IAMUser",
            "principalId": f"AIDA{who:016d}",
            "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
            "accountId": ACCOUNT,
            "accessKeyId": f"AKIA{who:016d}",
            "userName": name,
        }
    role = f"role-{who}"
    return {
        "type": "AssumedRole",
        "principalId": f"AROA{who:016d}:session-{rng.randrange(5)}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/session",
        "accountId": ACCOUNT,
        "accessKeyId": f"ASIA{who:016d}",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "userName": role,
            },
            "attributes": {"creationDate": "2026-01-01T00:00:00Z", "mfaAuthenticated": "false"},
        },
    }


def _record(i: int, rng: random.Random) -> dict[str, Any]:
    who = rng.randrange(PRINCIPALS)
    attack = rng.random() < 0.005
    if attack:
        service, name, params = rng.choice(_ATTACKS)
        read_only = False
    else:
        service, name, read_only = rng.choice(_BENIGN)
        params = {"resource": f"{service}-thing-{rng.randrange(1000)}"}
        if name == "RunInstances":
            params = {"instanceType": rng.choice(("t3.micro", "m5.large", "c6g.xlarge"))}
        elif name == "AuthorizeSecurityGroupIngress":
            params = {"groupId": "sg-1", "cidrIp": "10.0.0.0/16", "fromPort": 443, "toPort": 443}
        elif name == "CreateAccessKey":
            params = {}
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": _identity(who, rng),
        "eventTime": f"2026-01-01T{i % 24:02d}:{i % 60:02d}:{i % 59:02d}Z",
        "eventSource": f"{service}.amazonaws.com",
        "eventName": name,
        "awsRegion": rng.choice(REGIONS),
        "sourceIPAddress": f"203.0.{rng.randrange(256)}.{rng.randrange(256)}",
        "userAgent": "aws-sdk-go-v2/1.30.0",
        "requestParameters": params,
        "responseElements": None,
        "requestID": f"req-{i}",
        "eventID": f"evt-{i:012d}",
        "readOnly": read_only,
        "eventType": "AwsConsoleSignIn" if name == "ConsoleLogin" else "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    if name == "ConsoleLogin":
        record["additionalEventData"] = {"MFAUsed": "Yes" if rng.random() < 0.9 else "No"}
        record["responseElements"] = {"ConsoleLogin": "Success"}
    if not attack and rng.random() < 0.03:
        record["errorCode"] = rng.choice(("AccessDenied", "Client.UnauthorizedOperation"))
        record["errorMessage"] = "not authorized"
    return record


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _peer(records: list[dict[str, Any]]) -> tuple[float, int]:
    """moto's matcher, every rule on every event: seconds, and the (rule, event) pairs on
    which it and iamwarden disagree"""
    from moto.events.models import EventPattern

    pack = load_builtin_pack()
    reference = [(rule, EventPattern(None, dict(rule.pattern.pattern))) for rule in pack.rules]
    events = [dict(envelope(r)) for r in records]
    hits: Counter[str] = Counter()
    began = time.perf_counter()
    for event in events:
        for rule, pattern in reference:
            if pattern.matches_event(cast(Any, event)):
                hits[rule.id] += 1
    seconds = time.perf_counter() - began
    ours: Counter[str] = Counter(rule.id for r in records for rule in pack.match(r))
    differ = sum(abs(ours[k] - hits[k]) for k in set(ours) | set(hits))
    return seconds, differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--peer-events", type=int, default=20_000)
    args = parser.parse_args()
    pack = load_builtin_pack()
    rng = random.Random(11)
    print(f"python {sys.version.split()[0]}; {len(pack)} rules; {args.events:,} events")
    matched = alerts = done = 0
    wall = cpu = 0.0
    by_rule: Counter[str] = Counter()
    growth = 0
    peer_sample: list[dict[str, Any]] = []
    gc.freeze()
    while done < args.events:
        size = min(BATCH, args.events - done)
        records = [_record(done + i, rng) for i in range(size)]
        if len(peer_sample) < args.peer_events:
            peer_sample.extend(records[: args.peer_events - len(peer_sample)])
        before = _rss()
        w0, c0 = time.perf_counter(), time.process_time()
        for record in records:
            if pack.match(record):
                matched += 1
        w1, c1 = time.perf_counter(), time.process_time()
        for index, record in enumerate(records):
            for alert in alerts_for(pack, record, index=index):
                alerts += 1
                by_rule[alert.rule.id] += 1
        wall += w1 - w0
        cpu += c1 - c0
        growth = max(growth, _rss() - before)
        done += size
    rate = done / wall
    print(
        f"match (RulePack.match): {done:,} events in {wall:.2f} s = {rate:,.0f} events/s "
        f"(target >= 100,000: {'OK' if rate >= 100_000 else 'NOT MET'}); "
        f"{done / cpu:,.0f} events per CPU second; {matched:,} events matched a rule"
    )
    print(
        f"alerts (match + conditions): {alerts:,} alerts from {len(by_rule)} rules; "
        f"top: {', '.join(f'{k} {v:,}' for k, v in by_rule.most_common(4))}"
    )
    print(
        f"peak memory: {_rss() / 2**20:,.0f} MiB resident (ru_maxrss: the interpreter, the "
        f"pack and a batch of {BATCH:,} generated records held at once); matching added "
        f"{growth / 2**20:,.1f} MiB to it"
    )
    seconds, differ = _peer(peer_sample)
    mine = time.perf_counter()
    for record in peer_sample:
        pack.match(record)
    mine = time.perf_counter() - mine
    print(
        f"peer moto {_moto_version()} EventPattern, every rule on every event: "
        f"{len(peer_sample):,} events in {seconds:.2f} s = {len(peer_sample) / seconds:,.0f} "
        f"events/s; iamwarden on the same events {len(peer_sample) / mine:,.0f} events/s "
        f"({seconds / mine:,.0f}x); matches differ on {differ} (rule, event) pairs "
        "(patterns into arrays of objects, which moto does not descend)"
    )


def _moto_version() -> str:
    from importlib.metadata import version

    return version("moto")


if __name__ == "__main__":
    main()
