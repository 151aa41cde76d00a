"""Focused unit tests: ARNs, catalogue, condition operators, variables, engine API"""

from __future__ import annotations

import pytest

import iamwarden.policy as policy_pkg
from iamwarden.errors import InputError
from iamwarden.policy import (
    AccessLevel,
    Decision,
    PolicyKind,
    PolicySet,
    Request,
    arn_matches,
    evaluate,
    evaluate_many,
    load_catalog,
    parse_arn,
    parse_policy,
)
from iamwarden.policy.arn import arn_like
from iamwarden.policy.conditions import (
    Missing,
    SetQualifier,
    apply_operator,
    parse_date,
    parse_operator,
    parse_template,
    render,
    value_matcher,
)

USER = "arn:aws:iam::111122223333:user/alice"


def test_public_surface_matches_all() -> None:
    exported = {name for name in dir(policy_pkg) if not name.startswith("_")}
    modules = {
        "arn",
        "catalog",
        "conditions",
        "document",
        "engine",
        "federation",
        "keys",
        "lint",
        "sources",
    }
    assert exported - modules == set(policy_pkg.__all__)
    for name in (
        "Policy",
        "Statement",
        "PolicyKind",
        "parse_policy",
        "Effect",
        "Request",
        "PolicySet",
        "evaluate",
        "evaluate_many",
        "Evaluation",
        "Decision",
        "StatementRef",
        "ConditionRef",
        "Catalog",
        "load_catalog",
        "AccessLevel",
        "arn_matches",
        "parse_arn",
        "Arn",
        "lint_policy",
        "Diagnostic",
        "DiagnosticSeverity",
    ):
        assert name in policy_pkg.__all__


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_parse_arn_partitions(partition: str) -> None:
    arn = parse_arn(f"arn:{partition}:iam::111122223333:role/path/name")
    assert (arn.partition, arn.service, arn.account) == (partition, "iam", "111122223333")
    assert arn.resource == "role/path/name"
    assert arn.resource_type == "role"
    assert str(arn) == f"arn:{partition}:iam::111122223333:role/path/name"


def test_parse_arn_keeps_colons_in_resource_and_rejects_junk() -> None:
    assert parse_arn("arn:aws:logs:us-east-1:1:log-group:g:*").resource == "log-group:g:*"
    with pytest.raises(InputError):
        parse_arn("not-an-arn")
    with pytest.raises(InputError):
        parse_arn("arn:nope:s3:::b")


def test_resource_glob_is_case_sensitive_and_spans_colons() -> None:
    assert arn_matches("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y")
    assert not arn_matches("arn:aws:s3:::B/*", "arn:aws:s3:::b/x")
    assert arn_matches("arn:aws:*", "arn:aws:sqs:us-east-1:1:q")
    assert arn_matches("arn:aws:s3:::b?", "arn:aws:s3:::b1")
    assert not arn_matches("arn:aws:s3:::b?", "arn:aws:s3:::b12")


def test_arn_like_is_per_segment() -> None:
    assert arn_like("arn:aws:sns:*:1:t", "arn:aws:sns:us-east-1:1:t")
    assert not arn_like("arn:aws:sns:*", "arn:aws:sns:us-east-1:1:t")
    assert arn_like("arn:aws:logs:*:*:log-group:*", "arn:aws:logs:r:1:log-group:g:x")


def test_catalog_expansion_levels_and_keys() -> None:
    catalog = load_catalog()
    assert catalog is load_catalog()
    assert "s3:GetObject" in catalog.expand("S3:get*")
    assert catalog.expand("s3:GetObject") == frozenset({"s3:GetObject"})
    assert catalog.expand("nosuch:*") == frozenset()
    assert len(catalog.all_actions) > 10_000
    assert catalog.access_levels("iam:PutUserPolicy") == frozenset(
        {AccessLevel.PERMISSIONS_MANAGEMENT, AccessLevel.WRITE}
    )
    assert "iam:PutUserPolicy" in catalog.actions_at(AccessLevel.PERMISSIONS_MANAGEMENT)
    assert catalog.action_exists("S3:GETOBJECT")
    assert not catalog.action_exists("s3:Nope")
    assert any(
        "s3:::" in f for rt in catalog.resource_types("s3:GetObject") for f in rt.arn_formats
    )
    assert "s3:ResourceAccount" in catalog.condition_keys("s3:GetObject")
    assert catalog.is_global_condition_key("aws:PrincipalTag/team")
    assert catalog.is_global_condition_key("AWS:SourceIp")
    assert not catalog.is_global_condition_key("s3:prefix")
    assert "s3" in catalog.rcp_services and "ec2" not in catalog.rcp_services
    assert "iam" in catalog.services


def test_operator_parsing() -> None:
    spec = parse_operator("ForAnyValue:StringLikeIfExists")
    assert (spec.base, spec.qualifier, spec.if_exists) == (
        "StringLike",
        SetQualifier.FOR_ANY_VALUE,
        True,
    )
    assert parse_operator("StringNotEquals").is_negated
    assert not parse_operator("Bogus").is_known
    assert not parse_operator("NullIfExists").is_known


def test_apply_operator_absent_key_rules() -> None:
    match = value_matcher("StringEquals", ["a"])
    assert apply_operator(parse_operator("StringEquals"), match, None) is False
    assert apply_operator(parse_operator("StringNotEquals"), match, None) is True
    assert apply_operator(parse_operator("StringEqualsIfExists"), match, None) is True
    assert apply_operator(parse_operator("ForAllValues:StringEquals"), match, None) is True
    assert apply_operator(parse_operator("ForAnyValue:StringEquals"), match, None) is False


def test_dates_and_bad_values() -> None:
    assert parse_date("1970-01-01T00:01:00Z") == 60.0
    assert parse_date("60") == 60.0
    assert parse_date("soon") is None
    with pytest.raises(ValueError, match="not a number"):
        value_matcher("NumericEquals", ["x"])
    with pytest.raises(ValueError, match="cidr"):
        value_matcher("IpAddress", ["1.2.3.4/99"])


def test_templates_render_with_defaults_and_specials() -> None:
    template = parse_template("home/${aws:username}/${aws:PrincipalTag/x, 'd'}/${*}")
    assert template is not None
    got = render(template, lambda k: "alice" if k == "aws:username" else Missing.ABSENT)
    assert got == (
        ("home/", False),
        ("alice", True),
        ("/", False),
        ("d", True),
        ("/", False),
        ("*", True),
    )
    assert render(template, lambda k: Missing.UNKNOWN) is Missing.UNKNOWN
    assert parse_template("plain") is None


def _set(*docs: dict[str, object]) -> PolicySet:
    return PolicySet(identity=tuple(parse_policy(d, name=f"p{i}") for i, d in enumerate(docs)))


ALLOW_S3 = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


def test_explain_names_statements_and_trace_is_opt_in() -> None:
    quiet = evaluate(Request(principal=USER, action="s3:GetObject"), _set(ALLOW_S3))
    assert quiet.trace == ()
    traced = evaluate(Request(principal=USER, action="s3:GetObject"), _set(ALLOW_S3), trace=True)
    assert traced.trace
    text = traced.explain()
    assert "allowed" in text and "`p0` Statement[0] (S3)" in text
    assert traced.reasons[0].kind is PolicyKind.IDENTITY


def test_evaluate_many_matches_evaluate() -> None:
    policies = _set(ALLOW_S3)
    requests = [Request(principal=USER, action=a) for a in ("s3:GetObject", "ec2:RunInstances")]
    bulk = evaluate_many(requests, policies)
    assert [e.decision for e in bulk] == [Decision.ALLOWED, Decision.IMPLICIT_DENY]
    assert bulk == [evaluate(r, policies) for r in requests]


def test_bad_principal_is_an_input_error() -> None:
    with pytest.raises(InputError):
        evaluate(Request(principal="arn:aws:s3:::bucket", action="s3:GetObject"), _set())


def test_conditional_allow_says_what_must_hold() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    result = evaluate(
        Request(
            principal=USER,
            action="iam:CreateUser",
            unknown_keys=frozenset({"aws:MultiFactorAuthPresent"}),
        ),
        _set(doc),
    )
    assert result.decision is Decision.ALLOWED and result.is_conditional
    (clause,) = result.undecided
    assert (clause.key, clause.values, clause.must_hold) == (
        "aws:MultiFactorAuthPresent",
        ("true",),
        True,
    )
    assert "only if" in result.explain()


def test_catalog_covered_is_the_expansion_or_its_complement() -> None:
    catalog = load_catalog()
    assert catalog.covered(["s3:GetObject", "iam:Get*"]) == (
        catalog.expand("s3:GetObject") | catalog.expand("iam:Get*")
    )
    assert catalog.covered(["s3:*"], negated=True) == catalog.all_actions - catalog.expand("s3:*")


@pytest.mark.parametrize(
    ("pattern", "resource", "allowed"),
    [
        ("arn:aws:medialive:*", "arn:aws:medialive:us-east-1:111122223333:channel:1", True),
        ("arn:aws:medialive:*", "arn:aws:mediaconnect:us-east-1:111122223333:flow:1", False),
        ("arn:aws:medialive:us-east-1", "arn:aws:medialive:us-east-1:111122223333:input:7", True),
        ("arn:aws:medialive:us-east-1", "arn:aws:medialive:eu-west-1:111122223333:input:7", False),
    ],
)
def test_short_resource_arn_matches_with_missing_segments_as_wildcards(
    pattern: str, resource: str, allowed: bool
) -> None:
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "medialive:*", "Resource": pattern},
        }
    )
    request = Request(principal=USER, action="medialive:DescribeChannel", resource=resource)
    decision = evaluate(request, PolicySet(identity=(policy,))).decision
    assert (decision is Decision.ALLOWED) is allowed
    assert arn_matches(pattern, resource) is (allowed and pattern.endswith("*"))
