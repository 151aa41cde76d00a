"""Every lint code: a document that raises it and one that does not (issue 14 §2)

Each case names the AWS source of the behaviour it checks: the IAM User Guide's policy
grammar and element pages, its condition-operator and global-key pages, "IAM and AWS STS
quotas", and IAM Access Analyzer's policy check reference (finding classes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamwarden.policy import PolicyKind
from iamwarden.policy.lint import CODES, SIZE_LIMITS, DiagnosticSeverity, lint_policy, policy_size

MANAGED = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "corpora"
    / "aws-managed-policies"
    / "aws_managed_policies_documents.json"
)


def _doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    doc: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        doc["Version"] = version
    return doc


def _allow(action: Any = "s3:GetObject", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


TRUST = {"Effect": "Allow", "Action": "sts:AssumeRole"}

# code -> (positive document, negative document, keyword arguments of lint_policy, source)
CASES: dict[str, tuple[Any, Any, dict[str, Any], str]] = {
    "syntax": ('{"Statement": ', _doc(_allow()), {}, "grammar of the IAM JSON policy language"),
    "duplicate_key": (
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Effect": "Deny", '
        '"Action": "s3:GetObject", "Resource": "*"}}',
        json.dumps(_doc(_allow())),
        {},
        "policy grammar notes: no repeated keys",
    ),
    "version_floor": (_doc(_allow(), version=None), _doc(_allow()), {"managed": True}, "Version"),
    "sid_invalid": (_doc(_allow(Sid="read-all")), _doc(_allow(Sid="Read_All1")), {}, "Sid"),
    "duplicate_sid": (
        _doc(_allow(Sid="A"), _allow("s3:PutObject", Sid="A")),
        _doc(_allow(Sid="A"), _allow("s3:PutObject", Sid="B")),
        {},
        "Sid: unique within a policy",
    ),
    "invalid_arn": (_doc(_allow(resource="bucket")), _doc(_allow()), {}, "Resource: ARN or *"),
    "policy_too_large": (
        _doc(_allow(resource=[f"arn:aws:s3:::bucket-{i}/*" for i in range(400)])),
        _doc(_allow()),
        {"size_limit": SIZE_LIMITS["user"]},
        "IAM and AWS STS quotas: user inline 2,048",
    ),
    "principal_not_allowed": (
        _doc(_allow(Principal="*")),
        _doc(_allow()),
        {},
        "Principal: not in identity policies",
    ),
    "principal_missing": (
        _doc(_allow()),
        _doc(_allow(Principal={"AWS": "arn:aws:iam::111122223333:role/app"})),
        {"kind": PolicyKind.RESOURCE},
        "resource-based policies name a Principal",
    ),
    "principal_wildcard": (
        _doc(_allow(Principal={"AWS": "arn:aws:iam::111122223333:role/app-*"})),
        _doc(_allow(Principal={"AWS": "arn:aws:iam::111122223333:role/app"})),
        {"kind": PolicyKind.RESOURCE},
        "Principal: no wildcard to match part of a principal name or ARN",
    ),
    "resource_missing": (
        _doc({"Effect": "Allow", "Action": "s3:GetObject"}),
        _doc(_allow()),
        {},
        "identity statements need Resource",
    ),
    "rcp_principal_not_star": (
        _doc({**_allow(), "Effect": "Deny", "Principal": {"AWS": "111122223333"}}),
        _doc({**_allow(), "Effect": "Deny", "Principal": "*"}),
        {"kind": PolicyKind.RCP},
        "Organizations: RCP syntax, Principal *",
    ),
    "rcp_allow": (
        _doc({**_allow(), "Principal": "*"}),
        _doc({**_allow(), "Effect": "Deny", "Principal": "*"}),
        {"kind": PolicyKind.RCP},
        "Organizations: RCPFullAWSAccess",
    ),
    "unknown_operator": (
        _doc(_allow(Condition={"StringEqualz": {"aws:SourceVpc": "vpc-1"}})),
        _doc(_allow(Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}})),
        {},
        "condition operators",
    ),
    "unknown_service": (
        _doc(_allow("iotevents:DescribeInput")),
        _doc(_allow()),
        {},
        "Access Analyzer: Error - Invalid service",
    ),
    "unknown_action": (
        _doc(_allow("s3:GetObjekt")),
        _doc(_allow()),
        {},
        "Access Analyzer: Error - Invalid action",
    ),
    "action_matches_nothing": (
        _doc(_allow("s3:Zzz*")),
        _doc(_allow("s3:Get*")),
        {},
        "Access Analyzer: wildcard matching no action",
    ),
    "resource_region": (
        _doc(_allow(resource="arn:aws:s3:us-east-1::bucket/*")),
        _doc(_allow(resource="arn:aws:s3:::bucket/*")),
        {},
        "S3 ARNs have no region",
    ),
    "not_principal_with_allow": (
        _doc(_allow(NotPrincipal={"AWS": "arn:aws:iam::111122223333:root"})),
        _doc(_allow(Principal={"AWS": "arn:aws:iam::111122223333:root"})),
        {"kind": PolicyKind.RESOURCE},
        "NotPrincipal: not with Allow",
    ),
    "pass_role_star": (
        _doc(_allow("iam:PassRole")),
        _doc(_allow("iam:PassRole", "arn:aws:iam::111122223333:role/app")),
        {},
        "Access Analyzer: Security Warning - Pass role with star in resource",
    ),
    "not_action_allow": (
        _doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
        _doc({"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}),
        {},
        "NotAction with Allow",
    ),
    "sensitive_action_star": (
        _doc(_allow("iam:CreateAccessKey")),
        _doc(_allow("iam:CreateAccessKey", "arn:aws:iam::111122223333:user/${aws:username}")),
        {},
        "Access Analyzer: credentials exposure / permissions management",
    ),
    "mfa_bool_deny": (
        _doc(
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
            }
        ),
        _doc(
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            }
        ),
        {},
        "aws:MultiFactorAuthPresent: absent for long-term keys",
    ),
    "for_all_values_single_valued": (
        _doc(_allow(Condition={"ForAllValues:StringEquals": {"aws:SourceVpc": "vpc-1"}})),
        _doc(_allow(Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}})),
        {},
        "single-valued vs multivalued context keys",
    ),
    "for_all_values_without_null": (
        _doc(_allow(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": "team"}})),
        _doc(
            _allow(
                Condition={
                    "ForAllValues:StringEquals": {"aws:TagKeys": "team"},
                    "Null": {"aws:TagKeys": "false"},
                }
            )
        ),
        {},
        "ForAllValues: true for an absent key",
    ),
    "trust_open": (
        _doc({**TRUST, "Principal": {"AWS": "111122223333"}}),
        _doc(
            {
                **TRUST,
                "Principal": {"AWS": "111122223333"},
                "Condition": {"StringEquals": {"sts:ExternalId": "x"}},
            }
        ),
        {"kind": PolicyKind.RESOURCE, "is_trust": True},
        "role trust policies: a whole account",
    ),
    "for_any_value_if_exists": (
        _doc(_allow(Condition={"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "a"}})),
        _doc(_allow(Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}})),
        {},
        "set operators",
    ),
    "arn_condition_value_partial": (
        _doc(_allow(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:sns:*"}})),
        _doc(_allow(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}})),
        {},
        "ARN condition operators: each of the six colon-delimited components checked",
    ),
    "multivalued_key_without_set_operator": (
        _doc(_allow(Condition={"StringEquals": {"aws:TagKeys": "a"}})),
        _doc(_allow(Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}})),
        {},
        "multivalued context keys",
    ),
    "invalid_condition_value": (
        _doc(_allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.300/8"}})),
        _doc(_allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        {},
        "IP address condition operators",
    ),
    "operator_type_mismatch": (
        _doc(_allow(Condition={"DateGreaterThan": {"aws:SourceIp": "2020-01-01"}})),
        _doc(_allow(Condition={"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}})),
        {},
        "condition operators: a Date operator on an IP key",
    ),
    "resource_type_mismatch": (
        _doc(_allow("s3:GetObject", "arn:aws:s3:::bucket")),
        _doc(_allow("s3:GetObject", "arn:aws:s3:::bucket/*")),
        {},
        "Service Authorization Reference: resource types",
    ),
    "unknown_global_condition_key": (
        _doc(_allow(Condition={"StringEquals": {"aws:SourceVcp": "vpc-1"}})),
        _doc(_allow(Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}})),
        {},
        "global condition context keys",
    ),
    "unknown_condition_key": (
        _doc(_allow(Condition={"StringEquals": {"s3:prefixx": "a"}})),
        _doc(_allow("s3:ListBucket", Condition={"StringEquals": {"s3:prefix": "a"}})),
        {},
        "Service Authorization Reference: condition keys",
    ),
    "condition_key_not_applicable": (
        _doc(_allow("s3:GetObject", Condition={"StringEquals": {"s3:prefix": "a"}})),
        _doc(_allow("s3:ListBucket", Condition={"StringEquals": {"s3:prefix": "a"}})),
        {},
        "Service Authorization Reference: condition keys per action",
    ),
    "literal_variable": (
        _doc(_allow(resource="arn:aws:s3:::b/${aws:username}/*"), version="2008-10-17"),
        _doc(_allow(resource="arn:aws:s3:::b/${aws:username}/*")),
        {},
        "policy variables need Version 2012-10-17",
    ),
    "redundant_statement": (
        _doc(_allow("s3:Get*"), _allow("s3:GetObject", "arn:aws:s3:::b/*")),
        _doc(_allow("s3:GetObject"), _allow("s3:PutObject")),
        {},
        "the engine's coverage of patterns",
    ),
    "shadowed_statement": (
        _doc(_allow("s3:GetObject"), {**_allow("s3:*"), "Effect": "Deny"}),
        _doc(
            _allow("s3:GetObject"),
            {
                **_allow("s3:*"),
                "Effect": "Deny",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ),
        {},
        "explicit deny overrides (policy evaluation logic)",
    ),
    "value_known_at_deploy": (
        _doc(_allow(["{{Actions}}", "s3:GetObject"])),
        _doc(_allow(["s3:GetObject"])),
        {},
        "a CloudFormation !Ref placeholder",
    ),
    "empty_sid": (_doc(_allow(Sid="")), _doc(_allow(Sid="Read")), {}, "Sid"),
    "version_missing": (_doc(_allow(), version=None), _doc(_allow()), {}, "Version"),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_code_fires_on_its_document_and_not_on_the_fixed_one(code: str) -> None:
    positive, negative, kwargs, _source = CASES[code]
    found = lint_policy(positive, **kwargs)
    mine = [d for d in found if d.code == code]
    assert mine, found
    assert all(
        d.severity is CODES[code].severity or code == "invalid_condition_value" for d in mine
    )
    assert code not in {d.code for d in lint_policy(negative, **kwargs)}


def test_every_code_of_the_table_has_a_case_except_the_cli_ones() -> None:
    # tested in tests/cli and tests/policy/test_lint_activity.py
    assert set(CODES) - set(CASES) == {"policy_not_known", "activity_only_reads"}


def test_classes_are_access_analyzers_four() -> None:
    assert [s.finding_type for s in DiagnosticSeverity] == [
        "ERROR",
        "SECURITY_WARNING",
        "WARNING",
        "SUGGESTION",
    ]
    assert DiagnosticSeverity.WARNING.at_least(DiagnosticSeverity.WARNING)
    assert not DiagnosticSeverity.SUGGESTION.at_least(DiagnosticSeverity.WARNING)


def test_a_broken_document_reports_everything_in_one_run() -> None:
    """The issue's example: a stray Principal no longer hides the other problems"""
    doc = _doc(
        _allow(
            ["s3:GetObjekt", "iam:PassRole"],
            Sid="a-b",
            Principal="*",
            Condition={
                "Null": {"s3:x": "maybe"},
                "IpAddress": {"aws:SourceIp": "10.0.0.300/8"},
                "NumericLessThan": {"s3:max-keys": "ten"},
                "ArnLike": {"aws:SourceArn": "not-an-arn"},
                "BinaryEquals": {"aws:userid": "!!"},
                "DateGreaterThan": {"aws:CurrentTime": "yesterday"},
            },
        )
    )
    found = lint_policy(doc)
    codes = {d.code for d in found}
    assert {
        "principal_not_allowed",
        "sid_invalid",
        "unknown_action",
        "pass_role_star",
        "invalid_condition_value",
    } <= codes
    values = {d.location.rsplit(".", 2)[-2] for d in found if d.code == "invalid_condition_value"}
    assert values == {
        "Null",
        "IpAddress",
        "NumericLessThan",
        "ArnLike",
        "BinaryEquals",
        "DateGreaterThan",
    }
    date = next(d for d in found if d.location.endswith("DateGreaterThan.aws:CurrentTime"))
    assert date.code == "invalid_condition_value" and date.severity is DiagnosticSeverity.ERROR
    assert date.iam_message == "The policy failed legacy parsing"


def test_null_true_on_a_key_the_action_lacks_always_matches() -> None:
    """IAM User Guide, condition operators: Null true is true when the key is absent"""
    doc = _doc(_allow("s3:GetObject", Condition={"Null": {"s3:prefix": "true"}}))
    found = next(d for d in lint_policy(doc) if d.code == "condition_key_not_applicable")
    assert "always matches" in found.message and "never" not in found.message
    doc = _doc(_allow("s3:GetObject", Condition={"StringEquals": {"s3:prefix": "a"}}))
    found = next(d for d in lint_policy(doc) if d.code == "condition_key_not_applicable")
    assert "never matches" in found.message


def test_size_is_counted_without_whitespace() -> None:
    """IAM and AWS STS quotas: "IAM doesn't count white space when calculating the size" """
    compact = json.dumps(_doc(_allow()), separators=(",", ":"))
    spaced = json.dumps(_doc(_allow()), indent=8)
    assert policy_size(spaced) == policy_size(compact) == len(compact)
    assert SIZE_LIMITS == {
        "managed": 6_144,
        "user": 2_048,
        "role": 10_240,
        "group": 5_120,
        "trust": 2_048,
        "scp": 5_120,
        "rcp": 5_120,
        "session": 2_048,
    }


def test_a_megabyte_policy_of_10001_statements_is_too_large_and_linted() -> None:
    doc = _doc(*(_allow("s3:GetObject", f"arn:aws:s3:::b/{i}", Sid=f"S{i}") for i in range(10_001)))
    found = lint_policy(doc, size_limit=SIZE_LIMITS["managed"], managed=True)
    assert found[0].code == "policy_too_large"
    assert found[0].iam_message == "Cannot exceed quota for PolicySize."


def test_unknown_service_says_retired_without_guessing() -> None:
    found = lint_policy(_doc(_allow("iotevents:DescribeInput")))
    (diagnostic,) = [d for d in found if d.code == "unknown_service"]
    assert diagnostic.message.endswith("retired or not in the catalogue")
    assert "did you mean" not in diagnostic.message


def test_no_aws_managed_policy_gets_an_error_but_for_retired_actions() -> None:
    """AWS deployed them: an ERROR is our bug, unless the action's service or the action is
    retired or missing from the catalogue, which the message says. AWS managed policies are
    not bound by the customer-managed size quota, so no size limit is given"""
    if not MANAGED.exists():
        pytest.skip("shared corpus aws-managed-policies is absent")
    data = json.loads(MANAGED.read_text())
    assert len(data) == 1_641
    bad = []
    for name, entry in data.items():
        for d in lint_policy(json.dumps(entry["document"]), managed=True):
            if d.severity is DiagnosticSeverity.ERROR and not (
                d.code in ("unknown_service", "unknown_action") and "retired" in d.message
            ):
                bad.append((name, str(d)))
    assert bad == []
