"""Parsing, validation with located problems, normalisation and serialisation"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from iamwarden.errors import PolicySyntaxError
from iamwarden.policy import Effect, PolicyKind, lint_policy, parse_policy

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
MANAGED = CORPORA / "aws-managed-policies" / "aws_managed_policies_documents.json"
MOTO = CORPORA / "iam-policy-validation" / "moto_iam_policy_validation_cases.json"

SIMPLE = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def test_parse_normalises_single_values_to_tuples() -> None:
    policy = parse_policy(SIMPLE, name="p")
    statement = policy.statements[0]
    assert statement.action == ("s3:GetObject",)
    assert statement.resource == ("*",)
    assert statement.effect is Effect.ALLOW
    assert statement.sid == "A"
    assert statement.pointer == "Statement[0]"
    assert policy.version == "2012-10-17"


def test_statement_object_is_a_list_of_one() -> None:
    doc = {"Version": "2012-10-17", "Statement": SIMPLE["Statement"][0]}
    assert parse_policy(doc).statements == parse_policy(SIMPLE).statements


def test_text_and_mapping_give_equal_policies() -> None:
    assert parse_policy(json.dumps(SIMPLE), name="p") == parse_policy(SIMPLE, name="p")


def test_parse_is_cached_by_text_name_and_kind() -> None:
    text = json.dumps(SIMPLE)
    assert parse_policy(text, name="x") is parse_policy(text, name="x")
    assert parse_policy(SIMPLE, name="x") is parse_policy(dict(SIMPLE), name="x")
    assert parse_policy(text, name="x") is not parse_policy(text, name="y")


def test_round_trip_and_digest() -> None:
    doc = {
        "Version": "2012-10-17",
        "Id": "id1",
        "Statement": [
            {
                "Effect": "Deny",
                "NotAction": ["iam:*"],
                "NotResource": "arn:aws:s3:::b",
                "Condition": {
                    "Bool": {"aws:SecureTransport": False},
                    "NumericLessThan": {"s3:max-keys": 10},
                },
            },
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*"},
            {"Effect": "Allow", "NotPrincipal": {"AWS": ["111122223333"]}, "Action": "s3:*"},
        ],
    }
    policy = parse_policy(doc, name="r", kind=PolicyKind.RESOURCE)
    again = parse_policy(policy.to_json(), name="r", kind=PolicyKind.RESOURCE)
    assert again == policy
    assert again.digest == policy.digest
    assert policy.statements[0].conditions[0].values == ("false",)
    assert policy.statements[0].conditions[1].values == ("10",)
    assert policy.to_json()["Statement"][1]["Principal"] == "*"


def test_missing_version_defaults_to_2008() -> None:
    policy = parse_policy({"Statement": SIMPLE["Statement"]})
    assert policy.version == "2008-10-17"


def _problems(doc: Any, kind: PolicyKind = PolicyKind.IDENTITY) -> list[str]:
    with pytest.raises(PolicySyntaxError) as info:
        parse_policy(doc, kind=kind)
    return [str(p) for p in info.value.problems]


def test_all_problems_are_reported_with_locations() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "allow", "Action": "s3", "Resource": "bucket"},
            {
                "Effect": "Allow",
                "Action": "s3:x",
                "Resource": "*",
                "Condition": {"DateGreaterThan": {"aws:CurrentTime": "soon"}},
            },
        ],
    }
    problems = _problems(doc)
    assert any(p.startswith("Statement[1].Effect:") for p in problems)
    assert any(p.startswith("Statement[1].Action[0]:") for p in problems)
    assert any(p.startswith("Statement[1].Resource[0]:") for p in problems)
    assert any(
        p.startswith("Statement[2].Condition.DateGreaterThan.aws:CurrentTime") for p in problems
    )
    assert len(problems) == 4


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({"Version": "2012-10-17"}, "statement"),
        ({"Version": "2012-10-17", "Statement": []}, "non-empty"),
        ({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Resource": "*"}}, "actions"),
        (
            {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*"}},
            "resources",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "s3:a:b", "Resource": "*"},
            },
            "one colon",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "a a:b", "Resource": "*"},
            },
            "vendor",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:oops:s3:::b"},
            },
            "partition",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Principal": "*",
                },
            },
            "not allowed",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "a", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                    {"Sid": "a", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                ],
            },
            "duplicate sid",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"ForAnyValue::StringEquals": {"a:b": "c"}},
                },
            },
            "malformed",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "NotAction": "s3:x",
                    "Resource": "*",
                },
            },
            "both",
        ),
        (
            {
                "Version": "2012-10-17",
                "Bogus": 1,
                "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            },
            "unknown element",
        ),
        (
            {
                "Version": "2013-10-17",
                "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            },
            "version",
        ),
        (
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Action": "iam:*",
                    "Resource": "arn:aws:iam:us-east-1::user/x",
                },
            },
            "region",
        ),
    ],
)
def test_grammar_errors(doc: Any, fragment: str) -> None:
    assert any(fragment in p for p in _problems(doc))


def test_not_json_is_a_syntax_error() -> None:
    with pytest.raises(PolicySyntaxError, match="not valid json"):
        parse_policy("This is not a json document")


def test_text_nested_beyond_the_decoders_bound_is_a_syntax_error_not_a_crash() -> None:
    """The library entry points (`parse_policy`, `lint_policy`) see text no command checked
    for depth first: 100,000 open brackets are a syntax error, not a RecursionError"""
    with pytest.raises(PolicySyntaxError, match="nested too deeply"):
        parse_policy("[" * 100_000)
    (diagnostic,) = lint_policy("[" * 100_000)
    assert (diagnostic.code, diagnostic.message) == (
        "syntax",
        "policy is not valid json: nested too deeply",
    )


def test_resource_policies_may_omit_resource_and_name_principals() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "ec2.amazonaws.com"},
        },
    }
    policy = parse_policy(doc, kind=PolicyKind.RESOURCE)
    assert policy.statements[0].principal == (("Service", ("ec2.amazonaws.com",)),)
    assert policy.statements[0].resource is None


def test_unknown_but_well_formed_operator_is_accepted_for_the_engine_to_report() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEqualz": {"a:b": "c"}},
        },
    }
    assert parse_policy(doc).statements[0].conditions[0].operator == "StringEqualz"


def test_every_aws_managed_policy_parses() -> None:
    if not MANAGED.exists():
        pytest.skip("shared corpus aws-managed-policies is absent")
    data = json.loads(MANAGED.read_text())
    assert len(data) == 1641
    for name, entry in data.items():
        policy = parse_policy(entry["document"], name=name)
        assert policy.statements, name


# Invalid moto cases that this parser deliberately accepts: they need IAM-side semantics
# rather than the grammar (CreatePolicy's version floor; service-specific resource rules;
# unknown operators, which the engine reports as an evaluation issue instead of rejecting).
# `lint_policy` reports each of them as an error (tests/policy/test_lint.py).
DELIBERATELY_ACCEPTED = (
    "Policy document must be version 2012-10-17 or greater.",
    "can not contain region information.",  # s3 resources
)


def _moto() -> dict[str, Any]:
    if not MOTO.exists():
        pytest.skip("shared corpus iam-policy-validation is absent")
    return json.loads(MOTO.read_text())


def test_moto_valid_documents_parse() -> None:
    for doc in _moto()["valid_policy_documents"]:
        parse_policy(doc)


def test_moto_invalid_documents_raise_unless_deliberately_accepted() -> None:
    rejected = accepted = 0
    for case in _moto()["invalid_policy_document_test_cases"]:
        message = case["error_message"]
        doc = case["document"]
        statement = doc.get("Statement") if isinstance(doc, dict) else None
        condition = statement.get("Condition") if isinstance(statement, dict) else None
        unknown_operator = isinstance(condition, dict) and any(
            op in ("a", "x") and isinstance(block, dict) and block
            for op, block in condition.items()
        )
        if any(m in message for m in DELIBERATELY_ACCEPTED) or unknown_operator:
            accepted += 1
            continue
        with pytest.raises(PolicySyntaxError):
            parse_policy(doc)
        rejected += 1
    assert rejected >= 71
    assert accepted <= 7


@pytest.mark.parametrize(
    "resource", ["arn:aws:medialive:*", "arn:aws:medialive:us-east-1:*", "arn:aws:fdsasf"]
)
def test_short_arn_iam_accepts_parses(resource: str) -> None:
    """IAM fills the missing segments of an ARN with four or five segments with `*`"""
    doc = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "medialive:*", "Resource": resource},
    }
    assert parse_policy(doc).statements[0].resource is not None


@pytest.mark.parametrize("resource", ["arn:aws:s3::bucket", "arn:aws::x", "arn:aws"])
def test_short_arn_with_an_empty_segment_is_rejected(resource: str) -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": resource},
    }
    with pytest.raises(PolicySyntaxError):
        parse_policy(doc)


def test_short_arn_is_read_with_its_missing_segments_as_wildcards() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": "*",
            "Resource": ["arn:aws:medialive:*", "arn:aws:mediaconnect:us-east-1"],
        },
    }
    statement = parse_policy(doc).statements[0]
    assert statement.resource == ("arn:aws:medialive:*", "arn:aws:mediaconnect:us-east-1:*:*")


def _stdlib_outcome(data: Any) -> Any:
    try:
        text = json.dumps(data, sort_keys=True, default=lambda d: d.isoformat())
    except (TypeError, ValueError):
        return "not json data"
    try:
        return parse_policy(text)
    except PolicySyntaxError as error:
        return str(error)


@pytest.mark.parametrize(
    "condition_value",
    [
        date(2012, 10, 17),  # a YAML date, written back as it was written
        datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        float("nan"),  # orjson would write null: the standard encoder's NaN is kept
        2**70,  # beyond orjson's 64 bits
        "nullable",
        None,
        {1: "an integer key"},
    ],
)
def test_decoded_data_is_read_as_the_standard_encoder_writes_it(condition_value: Any) -> None:
    """`parse_policy` of decoded data (a YAML or JSON reader's value) gives what the JSON text
    of the standard library's encoder gives, whichever encoder wrote the cache key"""
    data = {
        "Version": date(2012, 10, 17),
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": condition_value}},
            }
        ],
    }
    try:
        got: Any = parse_policy(data)
    except PolicySyntaxError as error:
        got = "not json data" if "not json data" in str(error) else str(error)
    assert got == _stdlib_outcome(data)
