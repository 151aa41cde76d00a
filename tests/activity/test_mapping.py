"""Event → IAM action(s): the derived table, the overrides, catalogue checks and resource ARNs"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamwarden.activity.derive import DATA_FILE, derive_table, encode
from iamwarden.activity.mapping import OVERRIDES, MappingSource, load_mapper
from iamwarden.policy import load_catalog

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "sdk-iam-mapping"


def _map(source: str, name: str, params: dict[str, Any] | None = None, **kw: Any) -> Any:
    return load_mapper().map_event(
        event_source=f"{source}.amazonaws.com",
        event_name=name,
        parameters=params or {},
        region="us-east-1",
        account="111122223333",
        **kw,
    )


def _pairs(mapping: Any) -> dict[str, tuple[str, ...]]:
    return {m.action: m.resources for m in mapping.actions}


def test_the_shipped_table_is_derived_from_the_corpus() -> None:
    if not (CORPUS / "map.json").is_file():
        pytest.skip("../shared/corpora/sdk-iam-mapping is absent")
    source = json.loads((CORPUS / "map.json").read_text(encoding="utf-8"))
    assert encode(derive_table(source)) == DATA_FILE.read_bytes()


@pytest.mark.parametrize(
    ("source", "name", "params", "expected"),
    [
        (
            "s3",
            "GetObject",
            {"bucketName": "b", "key": "a/k.txt"},
            {"s3:GetObject": ("arn:aws:s3:::b/a/k.txt",)},
        ),
        ("s3", "ListObjects", {"bucketName": "b"}, {"s3:ListBucket": ("arn:aws:s3:::b",)}),
        (
            "lambda",
            "GetFunction20150331v2",
            {"functionName": "arn:aws:lambda:us-east-1:111122223333:function:f:3"},
            {"lambda:GetFunction": ("arn:aws:lambda:us-east-1:111122223333:function:f",)},
        ),
        (
            "dynamodb",
            "PutItem",
            {"tableName": "orders"},
            {"dynamodb:PutItem": ("arn:aws:dynamodb:us-east-1:111122223333:table/orders",)},
        ),
        (
            "sqs",
            "SendMessage",
            {"queueUrl": "https://sqs.us-east-1.amazonaws.com/111122223333/jobs"},
            {"sqs:SendMessage": ("arn:aws:sqs:us-east-1:111122223333:jobs",)},
        ),
        (
            "secretsmanager",
            "GetSecretValue",
            {"secretId": "prod/db"},
            {
                "secretsmanager:GetSecretValue": (
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????",
                )
            },
        ),
        (
            "iam",
            "CreateUser",
            {"userName": "u"},
            {"iam:CreateUser": ("arn:aws:iam::111122223333:user/u",)},
        ),
        (
            "sts",
            "AssumeRole",
            {"roleArn": "arn:aws:iam::111122223333:role/r", "roleSessionName": "s"},
            {"sts:AssumeRole": ("arn:aws:iam::111122223333:role/r",)},
        ),
        ("monitoring", "PutMetricData", {}, {"cloudwatch:PutMetricData": ("*",)}),
        ("ec2", "DescribeInstances", {}, {"ec2:DescribeInstances": ("*",)}),
    ],
)
def test_actions_and_resources(
    source: str, name: str, params: dict[str, Any], expected: dict[str, tuple[str, ...]]
) -> None:
    mapping = _map(source, name, params)
    assert mapping.is_mapped and not mapping.problem
    assert _pairs(mapping) == expected


def test_calls_needing_several_actions() -> None:
    copy = _pairs(_map("s3", "CopyObject", {"bucketName": "b", "key": "k"}))
    assert {"s3:GetObject", "s3:PutObject"} <= set(copy)
    reencrypt = _map("kms", "ReEncrypt", {})
    assert reencrypt.source is MappingSource.OVERRIDE
    assert set(_pairs(reencrypt)) == {"kms:ReEncryptFrom", "kms:ReEncryptTo"}
    passed = _pairs(
        _map(
            "lambda",
            "UpdateFunctionConfiguration20150331v2",
            {"functionName": "f", "role": "arn:aws:iam::111122223333:role/x"},
        )
    )
    assert passed["iam:PassRole"] == ("arn:aws:iam::111122223333:role/x",)
    # a call that passes no role needs no iam:PassRole
    assert "iam:PassRole" not in _pairs(_map("ssm", "SendCommand", {"documentName": "d"}))


def test_resources_from_the_record_when_the_request_lacks_them() -> None:
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab"
    found = _map("kms", "Decrypt", {}, resources=[{"ARN": key, "accountId": "111122223333"}])
    assert _pairs(found) == {"kms:Decrypt": (key,)}
    missing = _map("kms", "Decrypt", {})
    assert missing.actions[0].resources == ("*",)
    assert missing.actions[0].note == "the resource cannot be derived from the request"


def test_unmapped_and_not_authorized_events_are_said_so() -> None:
    unknown = _map("nothing-here", "DoIt")
    assert not unknown.is_mapped
    assert unknown.problem == "unknown event source `nothing-here.amazonaws.com`"
    nameless = _map("s3", "NoSuchOperationAnywhere")
    assert not nameless.is_mapped and nameless.problem.startswith("no action for `s3`")
    login = _map("signin", "ConsoleLogin")
    assert login.is_mapped and login.actions == ()
    same = _map("bedrock", "InvokeModel", {"modelId": "m"})
    assert same.source is MappingSource.SAME_NAME


def test_every_override_names_catalogue_actions() -> None:
    catalog = load_catalog()
    for entries in OVERRIDES.values():
        for entry in entries:
            action = entry if isinstance(entry, str) else str(entry["action"])
            assert catalog.action_exists(action), action


def test_every_table_action_is_checked_against_the_catalogue() -> None:
    mapper = load_mapper()
    table = json.loads(__import__("gzip").decompress(DATA_FILE.read_bytes()))
    unknown = {
        e["action"]
        for entries in table["operations"].values()
        for e in entries
        if not mapper.catalog.action_exists(e["action"])
    }
    assert unknown  # the data names actions the catalogue lacks (renamed, undocumented) …
    name = next(
        op
        for op, entries in table["operations"].items()
        if all(e["action"] in unknown for e in entries) and op.split(".")[0] == "S3"
    )
    # … and a call of only such actions is reported, not mapped to them
    mapping = _map("s3", name.split(".", 1)[1])
    assert not mapping.is_mapped and "the catalogue has no action" in mapping.problem
