"""Resource ARNs from names and ARNs as requests give them: SSM parameter names without
their leading `/`, a request parameter that is already an ARN used as the ARN"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamwarden.activity import find_files, ingest_files, open_store
from iamwarden.activity.calls import recorded_calls
from iamwarden.activity.mapping import load_mapper
from iamwarden.activity.requests import call_requests, decide
from iamwarden.policy import PolicySet, load_catalog, parse_policy
from tests.activity.conftest import record, write_records

_ACCOUNT = "111122223333"
_PARAMETER = f"arn:aws:ssm:us-east-1:{_ACCOUNT}:parameter/"
_TABLE = f"arn:aws:dynamodb:us-east-1:{_ACCOUNT}:table/"


def _pairs(source: str, name: str, params: dict[str, Any], **kw: Any) -> dict[str, Any]:
    mapping = load_mapper().map_event(
        event_source=f"{source}.amazonaws.com",
        event_name=name,
        parameters=params,
        region="us-east-1",
        account=_ACCOUNT,
        **kw,
    )
    assert mapping.is_mapped, mapping.problem
    return {m.action: (m.resources, m.note) for m in mapping.actions}


def _records(folder: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found += data["Records"] if isinstance(data, dict) else data
    return found


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("GetParameter", {"name": "/prod/db/password"}, (f"{_PARAMETER}prod/db/password",)),
        ("GetParameter", {"name": "plain"}, (f"{_PARAMETER}plain",)),
        ("PutParameter", {"name": "/a/b", "type": "String"}, (f"{_PARAMETER}a/b",)),
        ("DeleteParameter", {"name": "/a/b"}, (f"{_PARAMETER}a/b",)),
        ("GetParameterHistory", {"name": "/a/b"}, (f"{_PARAMETER}a/b",)),
        ("LabelParameterVersion", {"name": "/a/b", "labels": ["l"]}, (f"{_PARAMETER}a/b",)),
        ("GetParameters", {"names": ["/a/b", "c"]}, (f"{_PARAMETER}a/b", f"{_PARAMETER}c")),
        ("DeleteParameters", {"names": ["/a/b"]}, (f"{_PARAMETER}a/b",)),
        ("GetParametersByPath", {"path": "/prod/"}, (f"{_PARAMETER}prod/*",)),
    ],
)
def test_ssm_parameter_names_lose_their_leading_slash(
    name: str, params: dict[str, Any], expected: tuple[str, ...]
) -> None:
    """Service Authorization Reference, AWS Systems Manager, resource type `parameter`:
    `arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}`;
    the parameter `/prod/db/password` is `parameter/prod/db/password`, never
    `parameter//prod/db/password`, which no policy written for it matches"""
    assert _pairs("ssm", name, params)[f"ssm:{name}"] == (expected, "")


def test_the_real_ssm_records_map_to_the_parameters_they_name(stratus: Path) -> None:
    """Stratus Red Team's ssm-retrieve-securestring-parameters: GetParameters of
    `/credentials/stratus-red-team/…` names; CloudTrail's own `resources` of each record
    list the parameters' ARNs, which the mapping gives exactly"""
    records = [
        r
        for r in _records(stratus)
        if r["eventSource"] == "ssm.amazonaws.com" and (r.get("requestParameters") or {})
        if r.get("resources")
    ]
    assert any(r["eventName"] == "GetParameters" for r in records)
    mapper = load_mapper()
    for event in records:
        mapping = mapper.map_event(
            event_source=event["eventSource"],
            event_name=event["eventName"],
            parameters=event["requestParameters"],
            region=event["awsRegion"],
            account=event["recipientAccountId"],
        )
        expected = sorted(r["ARN"] for r in event["resources"])
        assert [sorted(a.resources) for a in mapping.actions] == [expected]


def test_no_real_record_maps_to_an_arn_inside_an_arn_or_a_double_slash(stratus: Path) -> None:
    """Every mapped ARN of the 310 real Stratus records is one ARN with no empty path
    segment (the SSM parameters gave `parameter//credentials/…`)"""
    mapper = load_mapper()
    seen = 0
    for event in _records(stratus):
        mapping = mapper.map_event(
            event_source=event["eventSource"],
            event_name=event["eventName"],
            parameters=event.get("requestParameters") or {},
            resources=event.get("resources") or (),
            region=event.get("awsRegion", ""),
            account=event.get("recipientAccountId", ""),
        )
        for arn in (r for a in mapping.actions for r in a.resources if r != "*"):
            seen += 1
            assert "//" not in arn and "arn:" not in arn[4:], (event["eventName"], arn)
    assert seen > 100


@pytest.mark.parametrize(
    ("source", "name", "params", "action", "expected"),
    [
        # DynamoDB API reference, GetItem/Query `TableName`: "the name of the table … You can
        # also provide the Amazon Resource Name (ARN) of the table"
        (
            "dynamodb",
            "GetItem",
            {"tableName": f"{_TABLE}t2"},
            "dynamodb:GetItem",
            (f"{_TABLE}t2",),
        ),
        (
            "dynamodb",
            "Query",
            {"tableName": f"{_TABLE}t2", "indexName": "byDate"},
            "dynamodb:Query",
            (f"{_TABLE}t2/index/byDate",),
        ),
        # a table shared from another account is named by its ARN: its account
        (
            "dynamodb",
            "PutItem",
            {"tableName": "arn:aws:dynamodb:us-east-1:444455556666:table/shared"},
            "dynamodb:PutItem",
            ("arn:aws:dynamodb:us-east-1:444455556666:table/shared",),
        ),
        # SSM API reference, GetParameter `Name`: "The name or Amazon Resource Name (ARN) of
        # the parameter"; a parameter shared from another account must be named by its ARN
        (
            "ssm",
            "GetParameter",
            {"name": f"{_PARAMETER}x/y"},
            "ssm:GetParameter",
            (f"{_PARAMETER}x/y",),
        ),
        (
            "ssm",
            "GetParameters",
            {"names": ["arn:aws:ssm:us-east-1:444455556666:parameter/shared", "/own"]},
            "ssm:GetParameters",
            ("arn:aws:ssm:us-east-1:444455556666:parameter/shared", f"{_PARAMETER}own"),
        ),
    ],
)
def test_a_parameter_given_as_an_arn_is_the_resource(
    source: str, name: str, params: dict[str, Any], action: str, expected: tuple[str, ...]
) -> None:
    """Service Authorization Reference: the ARN formats `table/${TableName}` and
    `parameter/${ParameterNameWithoutLeadingSlash}`; a request naming the resource by its
    ARN names that resource, partition, Region and account included, and the ARN fits the
    action's resource type"""
    resources, note = _pairs(source, name, params)[action]
    assert (resources, note) == (expected, "")
    catalog = load_catalog()
    assert all(catalog.fits_resource_type(arn, action) for arn in resources)


def test_an_arn_of_another_resource_type_names_no_resource() -> None:
    """An ARN that fits none of the action's ARN formats (an S3 access point's ARN as
    GetObject's `bucketName`, whose CloudTrail form is unconfirmed; an SSM document's ARN as
    a parameter name) is `*` with the reason, never put inside the bucket's or parameter's
    ARN"""
    point = f"arn:aws:s3:us-east-1:{_ACCOUNT}:accesspoint/ap1"
    got = _pairs("s3", "GetObject", {"bucketName": point, "key": "k1"})["s3:GetObject"]
    assert got == (
        ("*",),
        f"the request names the resource by `{point}`, which fills none of "
        "the action's ARN formats",
    )
    document = f"arn:aws:ssm:us-east-1:{_ACCOUNT}:document/d"
    resources, note = _pairs("ssm", "GetParameter", {"name": document})["ssm:GetParameter"]
    assert resources == ("*",) and document in note


def test_a_partial_secret_arn_matches_its_random_suffix() -> None:
    """Secrets Manager API reference, GetSecretValue `SecretId`: "the ARN or name of the
    secret"; a partial ARN (no hyphen and six random characters, which Secrets Manager
    appends to every secret's ARN) names the secret as its name does, so the policy's ARN
    ends in `-??????`; a full ARN is itself"""
    secret = f"arn:aws:secretsmanager:us-east-1:{_ACCOUNT}:secret:"
    action = "secretsmanager:GetSecretValue"
    partial = _pairs("secretsmanager", "GetSecretValue", {"secretId": f"{secret}db"})
    assert partial[action] == ((f"{secret}db-??????",), "")
    full = _pairs("secretsmanager", "GetSecretValue", {"secretId": f"{secret}db-AbC123"})
    assert full[action] == ((f"{secret}db-AbC123",), "")
    listed = {"secretIdList": [f"{secret}a", f"{secret}b-XyZ789"]}
    assert _pairs("secretsmanager", "BatchGetSecretValue", listed)[action] == (
        (f"{secret}a-??????", f"{secret}b-XyZ789"),
        "",
    )


def test_a_hand_written_policy_allows_the_recorded_calls(tmp_path: Path) -> None:
    """The review's case, through the store and the engine (IAM User Guide, "Policy
    evaluation logic"): a policy allowing `parameter/prod/*` and `table/t2` allows a
    GetParameter of `/prod/db/password` and a GetItem naming the table by its ARN"""
    records = [
        record("GetParameter", source="ssm.amazonaws.com", params={"name": "/prod/db/password"}),
        record("GetItem", source="dynamodb.amazonaws.com", params={"tableName": f"{_TABLE}t2"}),
    ]
    write_records(tmp_path / "arns.json", records)
    principal = f"arn:aws:iam::{_ACCOUNT}:role/dev"
    with open_store(None) as store:
        ingest_files(store, find_files([tmp_path]))
        calls = recorded_calls(store, principal, load_mapper())
    statements = [
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": f"{_PARAMETER}prod/*"},
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": f"{_TABLE}t2"},
    ]
    policy = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    answers = list(decide(principal, call_requests(calls), PolicySet(identity=(policy,))))
    assert sorted((r.action, r.resource) for r, _ in answers) == [
        ("dynamodb:GetItem", f"{_TABLE}t2"),
        ("ssm:GetParameter", f"{_PARAMETER}prod/db/password"),
    ]
    assert all(answer.is_allowed for _, answer in answers)
