"""Lint defects from the newcomer review of issue 14 (§2, §4): template placeholders are
never fatal, partial wildcards in principals and non-finite JSON numbers are ERRORs"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from iamwarden.errors import PolicySyntaxError
from iamwarden.policy import PolicyKind, parse_policy
from iamwarden.policy.lint import SIZE_LIMITS, DiagnosticSeverity, lint_policy, policy_size


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _codes(found: Any) -> list[tuple[str, str]]:
    return [(d.code, d.location) for d in found]


TYPO = {"Effect": "Allow", "Action": "s3:PutObjct", "Resource": "*"}


@pytest.mark.parametrize(
    ("element", "value"),
    [("NotAction", "{{Acts}}"), ("Action", "s3:{{Name}}"), ("Action", ["{{Fn.Split}}"])],
)
def test_placeholders_in_actions_are_suggestions_and_hide_nothing(element: str, value: Any) -> None:
    """CloudFormation intrinsics (`!Ref` of a CommaDelimitedList, `!Sub`, `!Split`) are
    resolved at deploy (CloudFormation User Guide, intrinsic function reference)"""
    statement = {"Effect": "Allow", element: value, "Resource": "*", "Principal": "*"}
    found = lint_policy(_doc(statement, {**TYPO, "Principal": "*"}), kind=PolicyKind.RESOURCE)
    deploy = [d for d in found if d.code == "value_known_at_deploy"]
    assert deploy and all(d.severity is DiagnosticSeverity.SUGGESTION for d in deploy)
    assert deploy[0].location.startswith(f"Statement[0].{element}")
    assert ("unknown_action", "Statement[1].Action[0]") in _codes(found)
    assert not [d for d in found if d.code == "syntax"]


def test_placeholder_effect_is_a_suggestion_not_a_syntax_error() -> None:
    statement = {"Effect": "{{Effect}}", "Action": "s3:GetObject", "Resource": "*"}
    found = lint_policy(_doc(statement, TYPO))
    assert ("value_known_at_deploy", "Statement[0].Effect") in _codes(found)
    assert ("unknown_action", "Statement[1].Action[0]") in _codes(found)
    assert "syntax" not in {d.code for d in found}


@pytest.mark.parametrize(
    ("is_trust", "principal"),
    [
        (True, {"AWS": "arn:aws:iam::111111111111:user/user-*"}),
        (False, {"AWS": "arn:aws:iam::*:root"}),
        (False, {"AWS": ["arn:aws:iam::111111111111:role/r?"]}),
    ],
)
def test_partial_wildcard_principal_is_an_error(is_trust: bool, principal: Any) -> None:
    """IAM User Guide, AWS JSON policy elements: Principal: "You cannot use a wildcard to
    match part of a principal name or ARN" (IAM: "Invalid principal in policy")"""
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if not is_trust:
        statement = {**statement, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    found = lint_policy(_doc(statement), kind=PolicyKind.RESOURCE, is_trust=is_trust)
    found = tuple(d for d in found if d.code == "principal_wildcard")
    assert [d.location for d in found] == ["Statement[0].Principal.AWS[0]"]
    assert found[0].severity is DiagnosticSeverity.ERROR
    assert found[0].iam_message == "Invalid principal in policy"


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": "111111111111"}])
def test_star_alone_and_plain_principals_are_not_wildcard_errors(principal: Any) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
    }
    found = lint_policy(_doc(statement), kind=PolicyKind.RESOURCE)
    assert "principal_wildcard" not in {d.code for d in found}


@pytest.mark.parametrize(
    "number", ["NaN", "Infinity", "-Infinity", "1e999", "1E+400", "9" * 400 + ".0"]
)
def test_non_finite_numbers_are_syntax_errors(number: str) -> None:
    """RFC 8259 §6: "Numeric values that cannot be represented ... (such as Infinity and
    NaN) are not permitted"; IAM rejects such a document"""
    text = json.dumps(
        _doc(
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"s3:max-keys": 10}},
            }
        )
    ).replace("10}", f"{number}}}")
    found = [d for d in lint_policy(text) if d.code == "syntax"]
    assert [d.severity for d in found] == [DiagnosticSeverity.ERROR]
    assert f"`{number}`" in found[0].message
    assert found[0].location == "Statement[0].Condition.NumericLessThan.s3:max-keys"


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_in_decoded_data_break_the_grammar(number: float) -> None:
    """One place decides it, the grammar: `parse_policy` refuses a YAML `.nan` as IAM
    refuses `NaN`, and lint reports it once, where it is written"""
    condition = {"NumericLessThan": {"s3:max-keys": [1, number]}}
    document = _doc(
        {"Effect": "Deny", "Action": "s3:ListBucket", "Resource": "*", "Condition": condition}
    )
    with pytest.raises(PolicySyntaxError) as raised:
        parse_policy(document)
    assert raised.value.location == "Statement[0].Condition.NumericLessThan.s3:max-keys"
    assert "is not a JSON number: IAM rejects the document" in raised.value.problem
    found = [d for d in lint_policy(document) if d.code == "syntax"]
    assert [d.location for d in found] == [raised.value.location]


def test_finite_numbers_are_not_syntax_errors() -> None:
    text = json.dumps(
        _doc(
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"s3:max-keys": 1e300}},
            }
        )
    )
    assert "syntax" not in {d.code for d in lint_policy(text)}


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (PolicyKind.IDENTITY, "an identity policy"),
        (PolicyKind.SCP, "an SCP"),
        (PolicyKind.SESSION, "a session policy"),
    ],
)
def test_principal_not_allowed_message_reads_as_english(kind: PolicyKind, words: str) -> None:
    """IAM User Guide, AWS JSON policy elements: Principal (not in identity-based policies)"""
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    found = [d for d in lint_policy(_doc(statement), kind=kind) if d.location.endswith("Principal")]
    assert any(d.message == f"`Principal` is not allowed in {words}" for d in found), found


def test_size_limits_are_the_documented_quotas() -> None:
    """IAM User Guide, "IAM and AWS STS quotas": a managed policy cannot exceed 6,144
    characters; the aggregate inline policies of an entity: user 2,048, role 10,240, group
    5,120 ("IAM does not count white space"); "Role trust policy length": 2,048 characters
    by default (adjustable). Organizations User Guide, "Quotas for AWS Organizations",
    maximum size of a policy document: service control policies 5,120 characters, resource
    control policies 5,120 characters."""
    assert dict(SIZE_LIMITS) == {
        "managed": 6_144,
        "user": 2_048,
        "role": 10_240,
        "group": 5_120,
        "trust": 2_048,
        "scp": 5_120,
        "rcp": 5_120,
        "session": 2_048,
    }


@pytest.mark.parametrize("kind", [PolicyKind.SCP, PolicyKind.RCP])
def test_an_organizations_policy_is_counted_as_saved_whitespace_included(kind: PolicyKind) -> None:
    """Organizations User Guide, "Quotas for AWS Organizations", maximum size of a policy
    document (SCPs and RCPs 5,120 characters): "If you save the policy using an SDK operation
    or the AWS CLI, then the policy is saved exactly as you provided"; only the console
    removes extra white space between JSON elements and outside quotation marks"""
    statements = [
        {"Sid": f"S{i}", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
        for i in range(70 if kind is PolicyKind.SCP else 55)
    ]
    if kind is PolicyKind.RCP:
        statements = [{**item, "Principal": "*"} for item in statements]
    compact = json.dumps(_doc(*statements), separators=(",", ":"))
    spaced = json.dumps(_doc(*statements), indent=4)
    assert policy_size(compact, kind=kind) == len(compact) < SIZE_LIMITS["scp"]
    assert policy_size(spaced, kind=kind) == len(spaced) > SIZE_LIMITS["scp"]
    assert policy_size(spaced) == len(compact)  # IAM would not count it
    assert "policy_too_large" not in {
        d.code for d in lint_policy(compact, kind=kind, size_limit=5_120)
    }
    found = [d for d in lint_policy(spaced, kind=kind, size_limit=5_120) if d.location == ""]
    assert [d.code for d in found] == ["policy_too_large"]
    assert f"{len(spaced):,} characters as the API and CLI save it" in found[0].message
    assert f"({len(compact):,} without the whitespace the console removes)" in found[0].message
    assert "POLICY_CONTENT_LIMIT_EXCEEDED" in found[0].message and not found[0].iam_message


def test_the_console_count_keeps_whitespace_inside_strings() -> None:
    """The console removes white space "between JSON elements and outside of quotation marks"
    (Quotas for AWS Organizations): spaces in a value, and an escaped quote, are kept"""
    value = 'a b \\" c' + "x" * 5_200
    text = '{ "Version" : "2012-10-17", "Statement" : [ {"Sid": "' + value + '"} ] }'
    found = next(
        d
        for d in lint_policy(text, kind=PolicyKind.SCP, size_limit=5_120)
        if d.code == "policy_too_large"
    )
    console = len(text) - text.count(" ") + value.count(" ")
    assert f"({console:,} without the whitespace the console removes)" in found.message


@pytest.mark.parametrize(("limit", "over"), [("managed", True), ("role", False)])
def test_size_is_counted_without_whitespace(limit: str, over: bool) -> None:
    """IAM User Guide, "IAM and AWS STS quotas": IAM does not count white space"""
    resources = [f"arn:aws:s3:::bucket-{i:04}/*" for i in range(300)]
    text = json.dumps(_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": resources}))
    assert 6_144 < policy_size(text) < 10_240
    spaced = text.replace(",", ",\n        ")
    found = lint_policy(spaced, size_limit=SIZE_LIMITS[limit])
    assert ("policy_too_large" in {d.code for d in found}) is over


@pytest.mark.parametrize(
    ("actions", "key"),
    [
        (["iam:PassRole", "iam:GetRole"], "iam:ResourceTag/team"),
        ("rds:DescribeDBInstances", "rds:db-tag/team"),
        ("rds:DescribeDBInstances", "rds:DatabaseEngine"),
        ("ssm:GetParameter", "ssm:resourceTag/team"),
        ("kms:Decrypt", "kms:ResourceAliases"),
    ],
)
def test_condition_keys_of_resource_types_apply_to_their_actions(actions: Any, key: str) -> None:
    """Service Authorization Reference, "Resource types" table: a resource type's condition
    keys (`role`: `iam:ResourceTag/${TagKey}`) go with every action on that type"""
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": actions,
                "Resource": "*",
                "Condition": {"ForAnyValue:StringEquals": {key: "a"}},
            }
        ],
    }
    codes = {d.code for d in lint_policy(doc)}
    assert not codes & {"condition_key_not_applicable", "unknown_condition_key"}


def test_a_key_of_no_resource_type_of_the_actions_still_never_applies() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:GetRole",
                "Resource": "*",
                "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            }
        ],
    }
    assert "condition_key_not_applicable" in {d.code for d in lint_policy(doc)}


@pytest.mark.parametrize(
    ("action", "suggestion"),
    [
        ("s3:GetObjct", "s3:GetObject"),
        ("s3:ListObjectsV2", None),  # another word, not a typo of `s3:ListJobs`
        ("securityagent:ListControls", None),
    ],
)
def test_an_unknown_action_is_given_a_suggestion_only_when_close(
    action: str, suggestion: str | None
) -> None:
    doc = _doc({"Effect": "Allow", "Action": action, "Resource": "*"})
    (found,) = [d for d in lint_policy(doc) if d.code == "unknown_action"]
    if suggestion is None:
        assert "did you mean" not in found.message
    else:
        assert found.message.endswith(f"did you mean `{suggestion}`?")


def test_the_org_management_account_key_aws_itself_uses_is_known() -> None:
    """AWS managed policy AWSSSOServiceRolePolicy conditions on aws:PrincipalOrgMasterAccountId"""
    condition = {"StringEquals": {"aws:PrincipalOrgMasterAccountId": "111122223333"}}
    doc = _doc(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": condition}
    )
    assert "unknown_global_condition_key" not in {d.code for d in lint_policy(doc)}
