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


def test_dynamodb_transactions_map_each_item_to_its_table() -> None:
    """Service Authorization Reference, Amazon DynamoDB: TransactWriteItems needs PutItem,
    UpdateItem, DeleteItem or ConditionCheckItem on each table its items name (CloudTrail
    logs `transactItems` as a list: `[{"put": {"tableName": …}}]`); TransactGetItems needs
    GetItem on each"""
    items = [{"put": {"tableName": "T3"}}, {"delete": {"tableName": "T4"}}]
    items += [{"put": {"tableName": "T5"}}, {"conditionCheck": {"tableName": "T6"}}]
    table = "arn:aws:dynamodb:us-east-1:111122223333:table/"
    assert _pairs(_map("dynamodb", "TransactWriteItems", {"transactItems": items})) == {
        "dynamodb:PutItem": (f"{table}T3", f"{table}T5"),
        "dynamodb:DeleteItem": (f"{table}T4",),
        "dynamodb:ConditionCheckItem": (f"{table}T6",),
    }
    got = _map("dynamodb", "TransactGetItems", {"transactItems": [{"get": {"tableName": "A"}}]})
    assert _pairs(got) == {"dynamodb:GetItem": (f"{table}A",)}


def test_an_event_whose_actions_all_fall_away_is_unmapped_never_silent() -> None:
    """A TransactWriteItems whose recorded items name no operation the data knows needs
    some action the record does not show: unmapped, with the reason, never an empty
    mapping that generation and replay would skip"""
    empty = _map("dynamodb", "TransactWriteItems", {"transactItems": [{"other": {}}]})
    assert not empty.is_mapped and empty.actions == ()
    assert "applies to the request's parameters" in empty.problem
    assert _map("signin", "ConsoleLogin").is_mapped  # an override of no action stays mapped


def test_batch_calls_name_their_tables_and_secrets() -> None:
    """DynamoDB BatchWriteItem/BatchGetItem act on each table keying `RequestItems` (API
    reference; Service Authorization Reference: resource type `table`); Secrets Manager
    BatchGetSecretValue needs GetSecretValue on each secret of `secretIdList` (Secrets
    Manager API reference, BatchGetSecretValue: "you must have GetSecretValue permission
    for each secret"), a name matching its random suffix, an ARN itself"""
    table = "arn:aws:dynamodb:us-east-1:111122223333:table/"
    writes = _map("dynamodb", "BatchWriteItem", {"requestItems": {"A": [], "B": []}})
    assert _pairs(writes) == {"dynamodb:BatchWriteItem": (f"{table}A", f"{table}B")}
    reads = _map("dynamodb", "BatchGetItem", {"requestItems": {"C": {"keys": []}}})
    assert _pairs(reads) == {"dynamodb:BatchGetItem": (f"{table}C",)}
    secret = "arn:aws:secretsmanager:us-east-1:111122223333:secret:"
    got = _map(
        "secretsmanager", "BatchGetSecretValue", {"secretIdList": ["a", f"{secret}b-AbCdEf"]}
    )
    assert _pairs(got)["secretsmanager:GetSecretValue"] == (
        f"{secret}a-??????",
        f"{secret}b-AbCdEf",
    )


def test_delete_objects_and_reencrypt_name_their_resources() -> None:
    """S3 DeleteObjects needs s3:DeleteObject on each object deleted (S3 API reference,
    DeleteObjects, Permissions); CloudTrail logs no keys (`"delete": ""`), so the bucket's
    objects. KMS ReEncrypt needs ReEncryptFrom on the source key and ReEncryptTo on the
    destination key (KMS API reference, ReEncrypt), a multi-Region `mrk-` id too"""
    logged = _map("s3", "DeleteObjects", {"bucketName": "bkt", "delete": ""})
    assert _pairs(logged) == {"s3:DeleteObject": ("arn:aws:s3:::bkt/*",)}
    keyed = {"bucketName": "bkt", "delete": {"objects": [{"key": "a"}, {"key": "b/c"}]}}
    assert _pairs(_map("s3", "DeleteObjects", keyed)) == {
        "s3:DeleteObject": ("arn:aws:s3:::bkt/a", "arn:aws:s3:::bkt/b/c")
    }
    key = "arn:aws:kms:us-east-1:111122223333:key/"
    params = {"sourceKeyId": f"{key}k1", "destinationKeyId": "mrk-1234abcd"}
    assert _pairs(_map("kms", "ReEncrypt", params)) == {
        "kms:ReEncryptFrom": (f"{key}k1",),
        "kms:ReEncryptTo": (f"{key}mrk-1234abcd",),
    }


def test_lambda_invoke_of_an_alias_is_authorized_on_the_qualified_arn() -> None:
    """Lambda developer guide, "Fine-tuning the Resources and Conditions sections of
    policies": actions on a function can be restricted by function, version or alias ARN,
    and a call naming a version or alias (`qualifier`, or `fn1:prod`) is authorized on the
    qualified ARN, which the unqualified `function:fn1` does not match"""
    arn = "arn:aws:lambda:us-east-1:111122223333:function:"
    qualified = (f"{arn}fn1:prod",)
    got = _map("lambda", "Invoke", {"functionName": "fn1", "qualifier": "prod"})
    assert _pairs(got) == {"lambda:InvokeFunction": qualified}
    assert (
        _pairs(_map("lambda", "Invoke", {"functionName": f"{arn}fn1:prod"}))[
            "lambda:InvokeFunction"
        ]
        == qualified
    )
    assert _pairs(_map("lambda", "Invoke", {"functionName": "fn1"})) == {
        "lambda:InvokeFunction": (f"{arn}fn1",)
    }


def test_acl_headers_and_copy_sources() -> None:
    """S3 API reference: PutObject with an ACL header (`x-amz-acl`, `x-amz-grant-*`) also
    needs s3:PutObjectAcl; CopyObject reads the copy source (`x-amz-copy-source`,
    URL-encoded, `?versionId=` for a version: s3:GetObjectVersion) and writes the
    destination"""
    acl = {"bucketName": "b", "key": "k", "x-amz-acl": "bucket-owner-full-control"}
    assert _pairs(_map("s3", "PutObject", acl)) == {
        "s3:PutObject": ("arn:aws:s3:::b/k",),
        "s3:PutObjectAcl": ("arn:aws:s3:::b/k",),
    }
    assert set(_pairs(_map("s3", "PutObject", {"bucketName": "b", "key": "k"}))) == {"s3:PutObject"}
    copy = {"bucketName": "dst", "key": "k2", "x-amz-copy-source": "src/a%20b?versionId=3"}
    pairs = _pairs(_map("s3", "CopyObject", copy))
    assert pairs["s3:GetObject"] == pairs["s3:GetObjectVersion"] == ("arn:aws:s3:::src/a b",)
    assert pairs["s3:PutObject"] == ("arn:aws:s3:::dst/k2",)
    assert "s3:PutObjectAcl" not in pairs


def test_wildcard_characters_of_a_name_are_escaped() -> None:
    """IAM User Guide, "IAM policy elements: Variables and tags", special characters:
    `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$` in a Resource, so an
    object key `a*b?c$` matches only itself, not `aXbYc$`"""
    got = _pairs(_map("s3", "GetObject", {"bucketName": "b", "key": "a*b?c$"}))
    assert got == {"s3:GetObject": ("arn:aws:s3:::b/a${*}b${?}c${$}",)}


def test_a_many_of_two_lists_reads_the_first_list_the_request_gives() -> None:
    """ElastiCache ModifyUserGroup: the data names the users by
    `%%many%${UserIdsToAdd[]}%${UserIdsToRemove[]}%%`, iam-dataset's first given list; each
    of its users is a resource of the call (the request as CloudTrail records it)"""
    user = "arn:aws:elasticache:us-east-1:111122223333:user:"

    def users(params: dict[str, Any]) -> set[str]:
        got = _pairs(_map("elasticache", "ModifyUserGroup", {"userGroupId": "ops", **params}))
        return {r for r in got["elasticache:ModifyUserGroup"] if r.startswith(user)}

    assert users({"userIdsToAdd": ["alice", "bob"]}) == {f"{user}alice", f"{user}bob"}
    both = {"userIdsToAdd": ["alice", "bob"], "userIdsToRemove": ["carol"]}
    assert users(both) == {f"{user}alice", f"{user}bob"}
    assert users({"userIdsToRemove": ["carol"]}) == {f"{user}carol"}


def test_an_escaped_name_through_a_function_stays_a_resource() -> None:
    """CloudWatch DescribeAlarms names its alarms by `%%many%${AlarmNames[]}%…%%`: a name
    with `*` goes into the ARN escaped (`${*}`), never read as a variable and dropped"""
    alarm = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:"
    got = _pairs(_map("cloudwatch", "DescribeAlarms", {"alarmNames": ["cpu*high", "disk"]}))
    assert got == {"cloudwatch:DescribeAlarms": (f"{alarm}cpu${{*}}high", f"{alarm}disk")}


def test_an_empty_else_adds_no_resource() -> None:
    """The data's `%%iftruthy%${IamInstanceProfile.Name}%*%%%` is `*` with an instance
    profile, else nothing: RunInstances without one passes no role and names no `%`"""
    plain = _pairs(_map("ec2", "RunInstances", {"imageId": "ami-1", "instanceType": "t3.micro"}))
    assert "iam:PassRole" not in plain
    assert not any("%" in r for resources in plain.values() for r in resources)
    profile = {"imageId": "ami-1", "iamInstanceProfile": {"name": "web"}}
    assert _pairs(_map("ec2", "RunInstances", profile))["iam:PassRole"] == ("*",)


def test_redshift_cluster_roles_act_on_the_cluster() -> None:
    """Service Authorization Reference, Amazon Redshift: ModifyClusterIamRoles acts on the
    cluster (`ClusterIdentifier`); the roles it adds or removes are not clusters"""
    roles = {"clusterIdentifier": "dw", "addIamRoles": ["arn:aws:iam::111122223333:role/r"]}
    assert _pairs(_map("redshift", "ModifyClusterIamRoles", roles)) == {
        "redshift:ModifyClusterIamRoles": ("arn:aws:redshift:us-east-1:111122223333:cluster:dw",)
    }
