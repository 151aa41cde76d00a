"""Policy generation, verified by the engine on real recorded events"""

from __future__ import annotations

import json
from pathlib import Path

from iamwarden.activity import find_files, ingest_files, list_principals, open_store
from iamwarden.activity.calls import recorded_calls, unmapped_events
from iamwarden.activity.generate import (
    GenerateOptions,
    generate_policy,
    generated_policy_set,
    verify,
)
from iamwarden.activity.mapping import load_mapper
from iamwarden.policy import PolicySet, parse_policy
from tests.activity.conftest import record, write_records


def test_the_generated_policy_allows_every_recorded_stratus_call(stratus: Path) -> None:
    """Issue 10 §4: the engine evaluates every successful recorded call of each principal
    against its generated policy and must allow it"""
    mapper = load_mapper()
    with open_store(None) as store:
        ingest_files(store, find_files([stratus]))
        assert unmapped_events(store, mapper) == ()
        checked = 0
        for principal in list_principals(store):
            calls = recorded_calls(store, principal.principal_arn, mapper)
            generated = generate_policy(principal.principal_arn, calls)
            verdict = verify(
                principal.principal_arn, generated.requests, generated_policy_set(generated)
            )
            assert verdict.holds, (principal.principal_arn, verdict.denied)
            assert verdict.allowed_requests == verdict.requests == len(generated.requests)
            checked += verdict.requests
    assert checked > 100


def test_a_policy_that_drops_a_used_action_fails_verification(stratus: Path) -> None:
    mapper = load_mapper()
    principal = "arn:aws:iam::903144391865:user/christophe"
    with open_store(None) as store:
        ingest_files(store, find_files([stratus]))
        generated = generate_policy(principal, recorded_calls(store, principal, mapper))
    assert generated.actions == ("secretsmanager:GetSecretValue", "secretsmanager:ListSecrets")
    narrower = json.loads(generated.document or "")
    narrower["Statement"] = [
        s for s in narrower["Statement"] if "secretsmanager:ListSecrets" not in s["Action"]
    ]
    policies = PolicySet(identity=(parse_policy(json.dumps(narrower), name="proposed"),))
    verdict = verify(principal, generated.requests, policies)
    assert not verdict.holds
    assert {r.action for r, _ in verdict.denied} == {"secretsmanager:ListSecrets"}


def test_statements_by_service_and_path_level_wildcards(tmp_path: Path) -> None:
    keys = [f"logs/2026/{n}.gz" for n in range(5)]
    records = [record(params={"bucketName": "data", "key": k}) for k in keys]
    records += [record("GetObject", params={"bucketName": "one", "key": "only.txt"})]
    records += [record("PutItem", source="dynamodb.amazonaws.com", params={"tableName": "t"})]
    records += [
        record("DeleteObject", params={"bucketName": "x", "key": "y"}, error="AccessDenied")
    ]
    write_records(tmp_path / "a.json", records)
    principal = "arn:aws:iam::111122223333:role/dev"
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path]))
        calls = recorded_calls(store, principal, load_mapper())
    generated = generate_policy(principal, calls, options=GenerateOptions(object_limit=3))
    document = json.loads(generated.document or "")
    assert document["Statement"] == [
        {
            "Sid": "Dynamodb",
            "Effect": "Allow",
            "Action": ["dynamodb:PutItem"],
            "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/t",
        },
        {
            "Sid": "S3",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": ["arn:aws:s3:::data/logs/2026/*", "arn:aws:s3:::one/only.txt"],
        },
    ]
    # the denied DeleteObject was not a successful call
    assert "s3:DeleteObject" not in generated.actions
    assert generated.calls == 7
