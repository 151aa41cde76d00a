"""Lint defects from the newcomer review of issue 14 (§2, §4): template placeholders are
never fatal, partial wildcards in principals and non-finite JSON numbers are ERRORs"""

from __future__ import annotations

import json
from typing import Any

import pytest

from iamwarden.policy import PolicyKind
from iamwarden.policy.lint import DiagnosticSeverity, lint_policy


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


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
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
