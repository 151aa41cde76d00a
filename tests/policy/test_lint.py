"""Policy lint: one test per diagnostic code, and the moto corpus of policies IAM rejects"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamwarden.errors import PolicySyntaxError
from iamwarden.policy import (
    AccessLevel,
    ActionInfo,
    Catalog,
    Diagnostic,
    DiagnosticSeverity,
    PolicyKind,
    lint_policy,
    parse_policy,
)

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
MOTO = CORPORA / "iam-policy-validation" / "moto_iam_policy_validation_cases.json"
ERROR, WARNING = DiagnosticSeverity.ERROR, DiagnosticSeverity.WARNING


def _doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    out: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        out["Version"] = version
    return out


def _allow(action: Any = "s3:GetObject", resource: Any = "*", **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


SUGGESTION = DiagnosticSeverity.SUGGESTION


def _codes(found: tuple[Diagnostic, ...]) -> list[tuple[str, str, str]]:
    """(class, code, location) of the diagnostics, suggestions aside (most documents here
    have no Version: `version_missing`, tested on its own)"""
    return [(d.severity.value, d.code, d.location) for d in found if d.severity is not SUGGESTION]


def _serious(found: tuple[Diagnostic, ...]) -> tuple[Diagnostic, ...]:
    return tuple(d for d in found if d.severity is not SUGGESTION)


def _only(found: tuple[Diagnostic, ...], code: str) -> Diagnostic:
    matching = [d for d in found if d.code == code]
    assert len(matching) == 1, found
    return matching[0]


def test_a_clean_policy_has_no_diagnostics() -> None:
    doc = _doc(
        _allow(
            ["s3:GetObject", "s3:List*"],
            ["arn:aws:s3:::docs/${aws:username}/*", "arn:aws:s3:::docs"],
            Condition={
                "Bool": {"aws:SecureTransport": "true"},
                "StringLike": {"s3:prefix": "home/*", "aws:PrincipalTag/team": "red"},
            },
        )
    )
    assert lint_policy(doc, kind=PolicyKind.IDENTITY, managed=True) == ()


def test_version_floor_for_managed_policies_only() -> None:
    for version in (None, "2008-10-17"):
        doc = _doc(_allow(), version=version)
        assert _codes(lint_policy(doc, managed=True)) == [("error", "version_floor", "Version")]
        assert [d.code for d in lint_policy(doc)] == ["version_missing"]  # a suggestion


def test_policy_variables_are_literal_under_the_old_version() -> None:
    doc = _doc(
        _allow(
            resource="arn:aws:s3:::b/${aws:username}/*",
            Condition={"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}},
        ),
        version="2008-10-17",
    )
    assert _codes(lint_policy(doc)) == [
        ("warning", "literal_variable", "Statement[0].Resource[0]"),
        (
            "warning",
            "literal_variable",
            "Statement[0].Condition.StringEquals.aws:PrincipalTag/team",
        ),
    ]
    modern = _doc(_allow(resource="arn:aws:s3:::b/${aws:username}/*"))
    assert lint_policy(modern) == ()


def test_unknown_action_names_the_closest_known_action() -> None:
    found = _only(lint_policy(_doc(_allow("s3:GetObjekt"))), "unknown_action")
    assert (found.severity, found.location) == (ERROR, "Statement[0].Action[0]")
    assert "`s3:GetObject`" in found.message


def test_unknown_service_prefix_names_the_closest_service() -> None:
    found = _only(
        lint_policy(_doc({"Effect": "Allow", "NotAction": "s4:Get*", "Resource": "*"})),
        "unknown_service",
    )
    assert found.location == "Statement[0].NotAction[0]"
    assert found.severity is ERROR  # Access Analyzer's INVALID_SERVICE is an ERROR
    assert "retired or not in the catalogue" in found.message and "`s3`" not in found.message


def test_action_pattern_that_matches_nothing() -> None:
    found = _only(lint_policy(_doc(_allow(["s3:Get*", "s3:Gett*"]))), "action_matches_nothing")
    assert found.location == "Statement[0].Action[1]"


def test_unknown_global_condition_key() -> None:
    doc = _doc(_allow(Condition={"IpAddress": {"aws:SourceIpp": "10.0.0.0/8"}}))
    found = _only(lint_policy(doc), "unknown_global_condition_key")
    assert found.location == "Statement[0].Condition.IpAddress.aws:SourceIpp"
    assert "did you mean `aws:SourceIp`?" in found.message


def test_sns_default_topic_policy_legacy_source_owner_is_not_unknown() -> None:
    """`AWS:SourceOwner` is the legacy key SNS writes into every topic's default policy
    (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html, "aws:SourceAccount
    versus aws:SourceOwner"); `AWS:` prefixes spell the same keys (keys are case-insensitive)"""
    sns_default = {
        "Version": "2008-10-17",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["SNS:Publish", "SNS:Subscribe", "SNS:GetTopicAttributes"],
                "Resource": "arn:aws:sns:us-east-1:111122223333:alerts",
                "Condition": {"StringEquals": {"AWS:SourceOwner": "111122223333"}},
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "SNS:Publish",
                "Resource": "arn:aws:sns:us-east-1:111122223333:alerts",
                "Condition": {
                    "ArnLike": {"AWS:SourceArn": "arn:aws:s3:*:*:uploads"},
                    "StringEquals": {"AWS:SourceAccount": "111122223333"},
                },
            },
        ],
    }
    assert _serious(lint_policy(sns_default, kind=PolicyKind.RESOURCE)) == ()


@pytest.mark.parametrize(
    "key", ["aws:IsMcpServiceAction", "aws:ViaAWSMCPService", "AWS:CalledViaAWSMCP"]
)
def test_mcp_global_condition_keys_are_known(key: str) -> None:
    """The MCP keys of the global condition keys page
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html) and
    of the AWS MCP Server policy examples
    (https://docs.aws.amazon.com/agent-toolkit/latest/userguide/security_iam_id-based-policy-examples.html)"""
    doc = _doc({**_allow("*"), "Effect": "Deny", "Condition": {"Bool": {key: "true"}}})
    assert lint_policy(doc, kind=PolicyKind.SCP) == ()


@pytest.mark.parametrize(
    "key",
    [
        "aws:SignInSessionArn",
        "ec2:SourceInstanceArn",
        "ec2:RoleDelivery",
        "glue:RoleAssumedBy",
        "glue:CredentialIssuingService",
        "codebuild:BuildArn",
        "lambda:SourceFunctionArn",
        "ssm:SourceInstanceArn",
        "identitystore:UserId",
    ],
)
def test_cross_service_and_session_keys_go_with_any_action(key: str) -> None:
    """Cross-service condition keys "are a type of global condition key", available across
    services (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html,
    "Properties of a role session"): neither unknown nor inapplicable to `s3:GetObject`"""
    doc = _doc(_allow("s3:GetObject", Condition={"StringEquals": {key: "x"}}))
    assert lint_policy(doc) == ()


def test_global_keys_the_catalogue_lists_are_known_without_the_hand_list() -> None:
    """An `aws:` key that reaches the catalogue data is known with it, as AWS spells it"""
    catalog = Catalog(
        [
            ActionInfo(
                name="s3:GetObject",
                access_levels=frozenset({AccessLevel.READ}),
                resource_types=(),
                condition_keys=("aws:BrandNewKey", "aws:Widget/${Name}"),
            )
        ]
    )
    assert catalog.is_global_condition_key("AWS:brandnewkey")
    assert catalog.is_global_condition_key("aws:widget/x")
    assert "aws:BrandNewKey" in catalog.global_condition_keys
    assert "aws:SourceOwner" in catalog.global_condition_keys
    doc = _doc(_allow(Condition={"StringEquals": {"aws:BrandNewKey": "1", "aws:BrandNewKee": "1"}}))
    found = _only(lint_policy(doc, catalog=catalog), "unknown_global_condition_key")
    assert found.message.endswith("did you mean `aws:BrandNewKey`?")


def test_unknown_service_condition_key() -> None:
    doc = _doc(_allow("ec2:RunInstances", Condition={"StringEquals": {"ec2:Regionn": "x"}}))
    found = _only(lint_policy(doc), "unknown_condition_key")
    assert "`ec2:Region`" in found.message


def test_condition_key_that_no_action_of_the_statement_supports() -> None:
    doc = _doc(
        _allow("s3:GetObject", Condition={"StringLike": {"s3:prefix": "home/*"}}),
        _allow(["s3:GetObject", "s3:ListBucket"], Condition={"StringLike": {"s3:prefix": "h"}}),
        _allow("s3:GetObject", Condition={"StringEquals": {"s3:ExistingObjectTag/team": "r"}}),
        _allow(
            "sts:AssumeRoleWithWebIdentity",
            Condition={"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"}},
        ),
    )
    assert _codes(lint_policy(doc)) == [
        ("warning", "condition_key_not_applicable", "Statement[0].Condition.StringLike.s3:prefix")
    ]


def test_principal_in_an_identity_policy_is_an_error() -> None:
    resource_policy = parse_policy(
        _doc(_allow(Principal={"AWS": "111122223333"})), kind=PolicyKind.RESOURCE
    )
    assert lint_policy(resource_policy) == ()
    found = lint_policy(resource_policy, kind=PolicyKind.IDENTITY)
    assert _codes(found) == [("error", "principal_not_allowed", "Statement[0].Principal")]
    from_source = lint_policy(resource_policy.to_json(), kind=PolicyKind.IDENTITY)
    assert _codes(from_source) == [("error", "principal_not_allowed", "Statement[0].Principal")]


def test_a_stray_principal_hides_no_other_diagnostic() -> None:
    doc = _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "111122223333"},
            "Action": ["s3:GetObjcet", "iotevents:ListInputs"],
            "Condition": {"StringEqualz": {"aws:SourceAccount": "111122223333"}},
        }
    )
    for kind in (PolicyKind.IDENTITY, PolicyKind.SESSION, PolicyKind.PERMISSIONS_BOUNDARY):
        codes = {d.code for d in lint_policy(doc, kind=kind)}
        assert {
            "principal_not_allowed",
            "resource_missing",
            "unknown_operator",
            "unknown_action",
        } <= codes, kind
        assert "syntax" not in codes
    scp = {d.code for d in lint_policy(json.dumps(doc), kind=PolicyKind.SCP)}
    assert {"principal_not_allowed", "unknown_operator", "unknown_action"} <= scp
    assert "syntax" not in scp


def test_kind_problems_keep_their_codes_beside_other_grammar_errors() -> None:
    doc = _doc({"Effect": "Maybe", "Principal": "*", "Action": "s3:GetObject"})
    found = {(d.code, d.location) for d in lint_policy(doc)}
    assert found == {
        ("syntax", "Statement[0].Effect"),
        ("principal_not_allowed", "Statement[0].Principal"),
        ("resource_missing", "Statement[0]"),
    }


def test_identity_statement_without_resource_is_an_error() -> None:
    policy = parse_policy(
        _doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}),
        kind=PolicyKind.RESOURCE,
    )
    codes = [d.code for d in lint_policy(policy, kind=PolicyKind.SESSION)]
    assert codes == ["principal_not_allowed", "resource_missing"]


def test_principal_missing_in_a_resource_policy() -> None:
    found = lint_policy(parse_policy(_doc(_allow())), kind=PolicyKind.RESOURCE)
    assert _codes(found) == [("error", "principal_missing", "Statement[0]")]


def test_rcp_principal_must_be_star() -> None:
    doc = _doc(
        {**_allow(), "Effect": "Deny", "Principal": "*"},
        {**_allow(), "Effect": "Deny", "Principal": {"AWS": "111122223333"}},
    )
    assert _codes(lint_policy(doc, kind=PolicyKind.RCP)) == [
        ("error", "rcp_principal_not_star", "Statement[1].Principal")
    ]


def test_not_principal_with_allow_is_a_security_warning() -> None:
    doc = _doc(
        _allow(NotPrincipal={"AWS": "arn:aws:iam::111122223333:root"}),
        {**_allow(), "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}},
    )
    assert _codes(lint_policy(doc, kind=PolicyKind.RESOURCE)) == [
        ("security_warning", "not_principal_with_allow", "Statement[0].NotPrincipal")
    ]


def test_allow_in_a_resource_control_policy_is_an_error() -> None:
    """RCPs only deny: RCPFullAWSAccess is attached at every level and cannot be detached
    (Organizations User Guide, orgs_manage_policies_rcps); a custom RCP's Allow grants nothing"""
    doc = _doc(
        {**_allow(), "Principal": "*"},
        {**_allow(), "Effect": "Deny", "Principal": "*"},
    )
    assert _codes(lint_policy(doc, kind=PolicyKind.RCP)) == [
        ("error", "rcp_allow", "Statement[0].Effect"),
        ("warning", "shadowed_statement", "Statement[0]"),  # the Deny covers it too
    ]
    scp = _doc(_allow(), {**_allow(), "Effect": "Deny"})
    assert [d.code for d in _serious(lint_policy(scp, kind=PolicyKind.SCP))] == [
        "shadowed_statement"
    ]


def test_for_any_value_if_exists_is_a_warning() -> None:
    """AWS does not document `IfExists` with `ForAnyValue:` (IAM User Guide,
    reference_policies_condition-single-vs-multi-valued-context-keys); the engine evaluates an
    absent key as false, as observed, and reports the clause as uncertain"""
    doc = _doc(_allow(Condition={"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "a"}}))
    found = _only(lint_policy(doc), "for_any_value_if_exists")
    assert (found.severity, found.location) == (
        WARNING,
        "Statement[0].Condition.ForAnyValue:StringEqualsIfExists.aws:TagKeys",
    )
    plain = _doc(_allow(Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}))
    assert lint_policy(plain) == ()


@pytest.mark.parametrize(
    ("operator", "key", "expected"),
    [
        ("StringEquals", "aws:TagKeys", True),
        ("StringLikeIfExists", "aws:CalledVia", True),
        ("StringEquals", "dynamodb:Attributes", True),
        ("ForAnyValue:StringEquals", "aws:TagKeys", False),
        ("ForAllValues:StringEquals", "dynamodb:Attributes", False),
        ("Null", "aws:TagKeys", False),
        ("StringEquals", "aws:RequestedRegion", False),
        ("StringEquals", "identitystore:UserId", False),
    ],
)
def test_plain_operator_on_a_multivalued_key_is_a_warning(
    operator: str, key: str, expected: bool
) -> None:
    """Multivalued context keys require a condition set operator (IAM User Guide,
    reference_policies_condition-single-vs-multi-valued-context-keys); what AWS does without
    one is undocumented. Multivalued: `ArrayOf…` in the catalogue, or a global key the guide
    calls multivalued"""
    value = "true" if operator == "Null" else "x"
    doc = _doc(_allow("dynamodb:GetItem", Condition={operator: {key: value}}))
    codes = [d.code for d in lint_policy(doc) if d.code == "multivalued_key_without_set_operator"]
    assert codes == (["multivalued_key_without_set_operator"] if expected else [])


def test_unknown_condition_operator_is_an_error() -> None:
    doc = _doc(_allow(Condition={"StringEqualz": {"aws:username": "a"}, "Bool": {"x:y": "1"}}))
    found = _only(lint_policy(doc), "unknown_operator")
    assert (found.severity, found.location) == (ERROR, "Statement[0].Condition.StringEqualz")
    assert "`StringEquals`" in found.message
    qualified = _doc(_allow(Condition={"ForAllValues:StringLikeIfExists": {"aws:TagKeys": "a"}}))
    assert _serious(lint_policy(qualified)) == ()


def test_s3_bucket_arn_with_a_region_is_an_error_but_an_access_point_is_not() -> None:
    doc = _doc(
        _allow(
            "s3:GetObject",
            [
                "arn:aws:s3:us-east-1::docs/*",
                "arn:aws:s3:us-east-1:111122223333:accesspoint/ap/object/*",
                "arn:aws:s3:*::docs/*",
            ],
        )
    )
    # a bucket ARN with a Region fits no resource type of the action either
    assert _codes(lint_policy(doc)) == [
        ("error", "resource_region", "Statement[0].Resource[0]"),
        ("warning", "resource_type_mismatch", "Statement[0].Resource[0]"),
    ]


def test_syntax_problems_come_back_as_diagnostics() -> None:
    found = lint_policy('{"Statement": [{"Effect": "Maybe", "Action": "s3:GetObject"}]}')
    assert {d.code for d in _serious(found)} == {"syntax", "resource_missing"}
    assert all(d.severity is ERROR for d in _serious(found))
    assert {d.iam_message for d in _serious(found)} == {
        "Syntax errors in policy.",
        "Policy statement must contain resources.",
    }
    assert "Statement[0].Effect" in {d.location for d in found}


def test_every_diagnostic_is_returned_in_document_order() -> None:
    doc = _doc(
        _allow(["s3:GetObjekt", "s4:GetObject"], Condition={"Boool": {"aws:SecureTransport": "1"}}),
        _allow("iam:GetUserr"),
        version=None,
    )
    found = lint_policy(doc, managed=True)
    assert [d.location for d in found] == [
        "Version",
        "Statement[0].Condition.Boool",
        "Statement[0].Action[0]",
        "Statement[0].Action[1]",
        "Statement[1].Action[0]",
    ]
    assert str(found[0]).startswith("Version: error version_floor: ")


def _moto() -> dict[str, Any]:
    if not MOTO.exists():
        pytest.skip("shared corpus iam-policy-validation is absent")
    data: dict[str, Any] = json.loads(MOTO.read_text())
    return data


def test_every_invalid_moto_document_is_caught_by_parse_or_lint() -> None:
    linted = 0
    for case in _moto()["invalid_policy_document_test_cases"]:
        doc = case["document"]
        try:
            parse_policy(doc)
        except PolicySyntaxError:
            continue
        errors = [d for d in lint_policy(doc, managed=True) if d.severity is ERROR]
        assert errors, case["error_message"]
        linted += 1
    assert linted >= 4


CATALOGUE_CODES = {"unknown_service", "unknown_action"}
"""Access Analyzer's INVALID_SERVICE / INVALID_ACTION: ERRORs although IAM accepts them"""


def test_valid_moto_documents_have_no_lint_errors() -> None:
    """IAM accepted these 54 documents: none gets an ERROR, except Access Analyzer's own
    catalogue errors (made-up services such as `service-prefix:action-name`)"""
    for doc in _moto()["valid_policy_documents"]:
        found = lint_policy(doc, managed=True)
        errors = [d for d in found if d.severity is ERROR and d.code not in CATALOGUE_CODES]
        assert not errors, found


def test_every_invalid_moto_document_is_an_error_with_iams_message() -> None:
    """All 78 invalid documents give an ERROR; IAM's own MalformedPolicyDocument message
    is given for at least 64 of them (where our grammar rejects for the same reason)"""
    cases = _moto()["invalid_policy_document_test_cases"]
    assert len(cases) == 78
    same = 0
    for case in cases:
        errors = [d for d in lint_policy(case["document"], managed=True) if d.severity is ERROR]
        assert errors, case
        same += case["error_message"] in {d.iam_message for d in errors}
    assert same >= 64


def test_a_repeated_key_is_an_error() -> None:
    """IAM User Guide, "Grammar of the IAM JSON policy language", policy grammar notes
    (awsdocs/iam-user-guide doc_source/reference_policies_grammar.md): "Individual elements
    must not contain multiple instances of the same key. For example, you cannot include the
    `Effect` block twice in the same statement." So an error, not a warning"""
    source = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
        '"Resource": "*", "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": '
        '"true", "aws:SecureTransport": "false"}}}]}'
    )
    found = lint_policy(source)
    assert _codes(found)[:2] == [
        ("error", "duplicate_key", "Statement[0].Effect"),
        ("error", "duplicate_key", "Statement[0].Condition.Bool.aws:SecureTransport"),
    ]
    assert "IAM rejects a repeated key" in found[0].message
    assert not any(d.code == "duplicate_key" for d in lint_policy(json.loads(source)))


def test_repeated_keys_found_by_another_reader_are_reported_even_beside_syntax_errors() -> None:
    found = lint_policy({"Statement": "nonsense"}, duplicate_keys=[("", "Statement")])
    assert _codes(found)[0] == ("error", "duplicate_key", "Statement")
    assert any(d.code == "syntax" for d in found)


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"IpAddress": {"aws:SourceIp": "10.0.0.300/8"}}, "not a valid ip address or cidr"),
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "ten"}}, "`ten` is not a number"),
        ({"Bool": {"aws:SecureTransport": "maybe"}}, "`maybe` is not `true` or `false`"),
        ({"Null": {"aws:TokenIssueTime": "maybe"}}, "`maybe` is not `true` or `false`"),
        ({"ArnLike": {"aws:SourceArn": "not-an-arn"}}, "`not-an-arn` is not an ARN"),
    ],
)
def test_a_condition_value_its_operator_cannot_read_is_a_warning(
    condition: dict[str, Any], problem: str
) -> None:
    """Issue 14 §2: lint was silent on these (the engine already reports each clause as an
    evaluation error, so the statement never applies as written)"""
    found = lint_policy(_doc(_allow(Condition=condition)))
    diagnostic = _only(found, "invalid_condition_value")
    assert diagnostic.severity.value == "warning" and problem in diagnostic.message


def test_valid_condition_values_and_policy_variables_raise_no_value_warning() -> None:
    good = {
        "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
        "Bool": {"aws:SecureTransport": "True"},
        "ArnLike": {"aws:SourceArn": ["arn:aws:s3:::b", "${aws:PrincipalArn}", "*"]},
    }
    assert not [
        d for d in lint_policy(_doc(_allow(Condition=good))) if d.code == "invalid_condition_value"
    ]


def test_a_policy_variable_in_the_account_segment_is_a_valid_arn() -> None:
    """IAM accepts `${aws:PrincipalAccount}` in a `Resource` ARN: its `:` cuts no segment"""
    for resource in (
        "arn:aws:iam::${aws:PrincipalAccount}:user/x",
        "arn:${aws:PrincipalPartition}:iam::${aws:PrincipalAccount}:role/r",
    ):
        assert _serious(lint_policy(_doc(_allow("iam:GetUser", [resource])))) == ()
    wrong = lint_policy(_doc(_allow("iam:GetUser", ["arn:aws:iam::${aws:PrincipalAccount}:x/y"])))
    assert "invalid_arn" in {d.code for d in wrong}
