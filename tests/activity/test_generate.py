"""Policy generation, verified by the engine on real recorded events"""

from __future__ import annotations

import json
from pathlib import Path

from iamwarden.activity import find_files, ingest_files, list_principals, open_store
from iamwarden.activity.calls import calls_by_principal, recorded_calls, unmapped_events
from iamwarden.activity.generate import (
    GenerateOptions,
    generate_policy,
    generated_policy_set,
    verify,
)
from iamwarden.activity.mapping import load_mapper
from iamwarden.activity.requests import call_requests, decide
from iamwarden.policy import PolicySet, Request, evaluate, parse_policy
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


def test_calls_group_by_the_parameters_the_mapping_reads(tmp_path: Path) -> None:
    """A DynamoDB GetItem's item key names no ARN (the table does: Service Authorization
    Reference, Amazon DynamoDB resource types), so two items of one table are one call; two
    S3 objects are two (the object ARN names the key)"""
    role = "arn:aws:iam::111122223333:role/dev"
    user = "arn:aws:iam::111122223333:user/bob"
    items = [
        record("GetItem", source="dynamodb.amazonaws.com", params={"tableName": "t", "key": k})
        for k in ({"id": {"S": "1"}}, {"id": {"S": "2"}})
    ]
    objects = [record(params={"bucketName": "b", "key": k}) for k in ("x", "y")]
    other = record(arn=user, issuer=None)
    write_records(tmp_path / "a.json", [*items, *objects, other])
    mapper = load_mapper()
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path]))
        every = calls_by_principal(store, mapper)
        one = recorded_calls(store, role, mapper)
    assert sorted(every) == [role, user]
    assert every[role] == one
    names = [(c.event_name, c.count) for c in one]
    assert names == [("GetItem", 2), ("GetObject", 1), ("GetObject", 1)]
    resources = {r for c in one for a in c.mapping.actions for r in a.resources}
    assert resources == {
        "arn:aws:dynamodb:us-east-1:111122223333:table/t",
        "arn:aws:s3:::b/x",
        "arn:aws:s3:::b/y",
    }


def test_bulk_decisions_are_the_engines_one_by_one(stratus: Path, tmp_path: Path) -> None:
    """`decide` groups requests by action for the engine's bulk path; each answer must be
    the one `evaluate` gives alone (IAM User Guide, "Policy evaluation logic")"""
    with open_store(None) as store:
        ingest_files(store, find_files([stratus]))
        calls = calls_by_principal(store, load_mapper())
    policy = parse_policy(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["s3:*", "iam:Get*", "kms:*"], "Resource": "*"},
                    {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/a*"},
                ],
            }
        )
    )
    checked = 0
    for principal, principal_calls in calls.items():
        requests = call_requests(principal_calls)
        for request, answer in decide(principal, requests, PolicySet(identity=(policy,))):
            if request.needs_resource_grant:
                continue
            asked = Request(principal=principal, action=request.action, resource=request.resource)
            alone = evaluate(asked, PolicySet(identity=(policy,)))
            assert (answer.decision, answer.is_allowed) == (alone.decision, alone.is_allowed)
            checked += 1
    assert checked > 20


def test_a_long_resource_list_collapses_after_its_common_prefix(tmp_path: Path) -> None:
    """Twelve tables prod-0 … prod-10, prod-99 (more than `resource_limit`) become
    `table/prod-*`, the wildcard after the prefix they share, not `table/*`"""
    names = [f"prod-{n}" for n in (*range(11), 99)]
    records = [
        record("GetItem", source="dynamodb.amazonaws.com", params={"tableName": n}) for n in names
    ]
    write_records(tmp_path / "a.json", records)
    principal = "arn:aws:iam::111122223333:role/dev"
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path]))
        calls = recorded_calls(store, principal, load_mapper())
    generated = generate_policy(principal, calls)
    document = json.loads(generated.document or "")
    assert document["Statement"][0]["Resource"] == (
        "arn:aws:dynamodb:us-east-1:111122223333:table/prod-*"
    )
    assert verify(principal, generated.requests, generated_policy_set(generated)).holds


def test_a_key_with_wildcard_characters_is_granted_alone(tmp_path: Path) -> None:
    """IAM User Guide, policy variables, special characters: the generated Resource spells a
    literal `*` as `${*}`, so it allows the recorded object and not its look-alikes"""
    write_records(tmp_path / "a.json", [record(params={"bucketName": "b", "key": "a*b?c"})])
    principal = "arn:aws:iam::111122223333:role/dev"
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path]))
        calls = recorded_calls(store, principal, load_mapper())
    generated = generate_policy(principal, calls)
    document = json.loads(generated.document or "")
    assert document["Statement"][0]["Resource"] == "arn:aws:s3:::b/a${*}b${?}c"
    policies = generated_policy_set(generated)
    assert verify(principal, generated.requests, policies).holds
    for key, allowed in (("a*b?c", True), ("aXXbYc", False)):
        asked = Request(
            principal=principal, action="s3:GetObject", resource=f"arn:aws:s3:::b/{key}"
        )
        assert evaluate(asked, policies).is_allowed is allowed


def test_an_unmapped_call_is_counted_and_not_verified(tmp_path: Path) -> None:
    """A TransactWriteItems whose items the mapping cannot read is listed unmapped and
    makes the verification fail: it is never dropped from the count"""
    items = {"transactItems": [{"other": {"tableName": "T"}}]}
    records = [record("TransactWriteItems", source="dynamodb.amazonaws.com", params=items)]
    records.append(record(params={"bucketName": "b", "key": "k"}))
    write_records(tmp_path / "a.json", records)
    principal = "arn:aws:iam::111122223333:role/dev"
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path]))
        calls = recorded_calls(store, principal, load_mapper())
    generated = generate_policy(principal, calls)
    assert [(u.event_name, u.count) for u in generated.unmapped] == [("TransactWriteItems", 1)]
    verdict = verify(
        principal,
        generated.requests,
        generated_policy_set(generated),
        unmapped=generated.unmapped,
    )
    assert verdict.allowed_calls == 1 and verdict.unmapped_calls == 1
    assert not verdict.holds
