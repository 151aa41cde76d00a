"""Scenario files: the public format, its error locations, and evaluation of each request"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iamwarden.analysis.simulation import (
    SimulationResult,
    Verdict,
    load_scenarios,
    results_to_json,
    run_scenarios,
    simulate_principal,
)
from iamwarden.errors import InputError, ScenarioError
from iamwarden.policy import Decision, PolicyKind, PolicySet, Request, evaluate, parse_policy
from iamwarden.snapshot import demo_snapshot

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios.yaml"

ALLOW_GET = (
    '{"Version": "2012-10-17", '
    '"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
)


def _one(body: str) -> str:
    return f"""
scenarios:
  - name: s1
    principal: arn:aws:iam::111122223333:user/alice
    identity_policies: [{ALLOW_GET}]
{body}"""


def test_example_file_meets_every_expectation() -> None:
    results = run_scenarios(load_scenarios(EXAMPLE.read_text()))
    assert len(results) == 12
    assert all(r.is_expected for r in results), [
        (r.scenario, r.request.action, r.evaluation.decision) for r in results if not r.is_expected
    ]


def test_request_fields_override_scenario_fields_and_contexts_merge() -> None:
    (scenario,) = load_scenarios(
        _one("""    context: {"aws:SourceIp": "10.0.0.1", "aws:TagKeys": [a, b]}
    requests:
      - action: s3:GetObject
        principal: arn:aws:iam::111122223333:user/bob
        context: {"aws:SecureTransport": true}
""")
    )
    (item,) = scenario.requests
    assert item.request.principal.endswith("user/bob")
    assert dict(item.request.context) == {
        "aws:SourceIp": "10.0.0.1",
        "aws:TagKeys": ("a", "b"),
        "aws:SecureTransport": "true",
    }
    assert item.request.resource == "*"
    assert item.request.resource_account is None  # the engine's: the principal's account


def test_scp_levels_keep_their_order_and_kind() -> None:
    (scenario,) = load_scenarios(
        _one(f"""    scps: [[{ALLOW_GET}], [{ALLOW_GET}, {ALLOW_GET}]]
    requests: [{{action: s3:GetObject}}]
""")
    )
    scps = scenario.requests[0].policies.scps
    assert scps is not None and [len(level) for level in scps] == [1, 2]
    assert scps[1][0].kind is PolicyKind.SCP


def test_wrong_expectation_fails_the_request() -> None:
    (result,) = run_scenarios(
        load_scenarios(_one("    requests: [{action: s3:GetObject, expect: explicitDeny}]\n"))
    )
    assert result.evaluation.decision is Decision.ALLOWED
    assert not result.is_expected
    assert results_to_json([result])["failed"] == 1


@pytest.mark.parametrize(
    ("body", "location"),
    [
        (
            "    requests: [{action: s3:GetObject, expect: maybe}]\n",
            "scenarios[0] (s1).requests[0].expect",
        ),
        ("    requests: [{resource: 'arn:aws:s3:::b'}]\n", "scenarios[0] (s1).requests[0].action"),
        (
            "    requests: [{action: s3:GetObject, colour: blue}]\n",
            "scenarios[0] (s1).requests[0].colour",
        ),
        ("    requests: []\n", "scenarios[0] (s1).requests"),
        (
            "    requests: [{action: s3:GetObject, context: {k: {nested: 1}}}]\n",
            "scenarios[0] (s1).requests[0].context.k",
        ),
        (
            "    requests: [{action: s3:GetObject, scps: [{Statement: []}]}]\n",
            "scenarios[0] (s1).requests[0].scps[0]",
        ),
    ],
)
def test_malformed_field_is_located(body: str, location: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(_one(body))
    assert raised.value.location == location


def test_policy_error_is_located_inside_the_document() -> None:
    bad = (
        '{"Version": "2012-10-17", '
        '"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}'
    )
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(
            _one(f"    requests: [{{action: s3:GetObject, identity_policies: [{bad}]}}]\n")
        )
    assert raised.value.location.startswith("scenarios[0] (s1).requests[0].identity_policies[0].")
    assert "Effect" in raised.value.location


def test_missing_name_and_bad_yaml_are_located() -> None:
    with pytest.raises(ScenarioError) as raised:
        load_scenarios("scenarios:\n  - principal: x\n")
    assert raised.value.location == "scenarios[0].name"
    with pytest.raises(ScenarioError) as raised:
        load_scenarios("scenarios: [\n  {name: a,\n")
    assert raised.value.location.startswith("line ")


def _requests(*lines: str) -> str:
    return "    requests:\n" + "".join(f"      - {line}\n" for line in lines)


@pytest.mark.parametrize(
    ("request_line", "field", "problem"),
    [
        ("{action: s3GetObject}", "action", "`s3GetObject` is not an action"),
        ("{action: 's3:Get:Object'}", "action", "one `:`"),
        ("{action: 's3:'}", "action", "is not an action"),
        ("{action: s3:GetObject, resource: b/k}", "resource", "`b/k` is not an ARN"),
        ("{action: s3:GetObject, resource: 'arn:aws:s3'}", "resource", "is not an ARN"),
        ("{action: s3:GetObject, resource: 'arn:aws::::x'}", "resource", "service segment"),
        ("{action: s3:GetObject, resource: 'arn:aes:s3:::b'}", "resource", "partition `aes`"),
    ],
)
def test_malformed_request_action_or_resource_is_an_error_not_an_implicit_deny(
    request_line: str, field: str, problem: str
) -> None:
    """A request AWS could never receive would be decided implicitDeny and silently meet
    `expect: implicitDeny`; it is a malformed field instead, located like every other"""
    body = _requests("{action: s3:GetObject}", "{action: 's3:Get*'}", request_line)
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(_one(body))
    assert raised.value.location == f"scenarios[0] (s1).requests[2].{field}"
    assert problem in str(raised.value)


def test_wildcard_actions_and_arn_globs_remain_valid_requests() -> None:
    (scenario,) = load_scenarios(
        _one(
            _requests(
                "{action: '*'}",
                "{action: 's3:Get*', resource: 'arn:aws:s3:::b/*'}",
                "{action: 's3:GetObject', resource: 'arn:*:s3:::b/k'}",
                "{action: 's3:GetObject', resource: 'arn:aws-cn:s3:::b/k'}",
            )
        )
    )
    assert [r.request.resource for r in scenario.requests] == [
        "*",
        "arn:aws:s3:::b/*",
        "arn:*:s3:::b/k",
        "arn:aws-cn:s3:::b/k",
    ]


def test_action_unknown_to_the_catalogue_warns_and_never_meets_an_expectation() -> None:
    (result,) = run_scenarios(
        load_scenarios(_one(_requests("{action: s3:GetObjekt, expect: implicitDeny}")))
    )
    assert result.evaluation.decision is Decision.IMPLICIT_DENY
    assert result.verdict is Verdict.UNVERIFIED and not result.is_expected
    (warning,) = result.warnings
    assert "`s3:GetObjekt` is not in the action catalogue" in warning
    assert "did you mean `s3:GetObject`?" in warning
    (row,) = results_to_json([result])["results"]
    assert (row["passed"], row["verdict"], row["warnings"]) == (False, "unverified", [warning])


def test_action_of_an_unknown_service_warns_without_an_expectation() -> None:
    (result,) = run_scenarios(load_scenarios(_one(_requests("{action: 'nosuchsvc:Get'}"))))
    assert "service prefix `nosuchsvc`" in result.warnings[0]
    assert result.verdict is None and result.is_expected


def test_uncertain_decision_never_meets_an_expectation() -> None:
    """An evaluation error (an unknown operator, which AWS itself would reject) leaves the
    decision uncertain: "allowed (uncertain)" does not meet `expect: allowed`"""
    typo = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
        '"Resource": "*", "Condition": {"StringEqualz": {"aws:SourceVpc": "vpc-1"}}}]}'
    )
    text = _one(_requests("{action: s3:GetObject, expect: allowed}")).replace(ALLOW_GET, typo)
    (result,) = run_scenarios(load_scenarios(text))
    assert result.evaluation.decision is Decision.ALLOWED and result.evaluation.is_uncertain
    assert result.verdict is Verdict.UNCERTAIN and not result.is_expected
    assert results_to_json([result])["failed"] == 1


@pytest.mark.parametrize(
    ("condition", "decision"),
    [
        # the region SCP of many organizations: no aws:RequestedRegion in the request
        ({"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}, Decision.EXPLICIT_DENY),
        # "deny without TLS": aws:SecureTransport absent, so the Deny does not apply
        ({"Bool": {"aws:SecureTransport": "false"}}, Decision.ALLOWED),
    ],
)
def test_a_decision_resting_on_an_absent_always_present_key_is_uncertain(
    condition: dict[str, Any], decision: Decision
) -> None:
    """Every real request carries these keys (IAM User Guide, reference_policies_condition-
    keys.md): a decision made without one tests no request AWS would see"""
    deny = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition},
            ],
        }
    )
    request = Request(principal="arn:aws:iam::111122223333:user/alice", action="s3:GetObject")
    result = SimulationResult(
        scenario="s",
        request=request,
        evaluation=evaluate(request, PolicySet(identity=(deny,))),
        expect=decision,
    )
    assert result.evaluation.decision is decision and result.evaluation.missing_context
    assert result.verdict is Verdict.UNCERTAIN and not result.is_expected


def test_conditional_decision_never_meets_an_expectation() -> None:
    """A decision that holds only if undecided clauses resolve is not the expected decision"""
    policy = parse_policy(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", '
        '"Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}'
    )
    request = Request(
        principal="arn:aws:iam::111122223333:user/alice",
        action="s3:GetObject",
        unknown_keys=frozenset({"aws:MultiFactorAuthPresent"}),
    )
    result = SimulationResult(
        scenario="s",
        request=request,
        evaluation=evaluate(request, PolicySet(identity=(policy,))),
        expect=Decision.ALLOWED,
    )
    assert result.evaluation.decision is Decision.ALLOWED and result.evaluation.is_conditional
    assert result.verdict is Verdict.UNCERTAIN and not result.is_expected


DEPLOY_BOT = "arn:aws:iam::210987654321:user/deploy-bot"


def test_simulate_principal_region_is_the_requested_region_unless_the_context_gives_one() -> None:
    """aws:RequestedRegion is the region the request is made to
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-requestedregion);
    the demo's SCP denies every region but its allowed ones"""
    snapshot = demo_snapshot()
    (no_region,) = simulate_principal(snapshot, DEPLOY_BOT, ["s3:GetObject"])
    (in_region,) = simulate_principal(snapshot, DEPLOY_BOT, ["s3:GetObject"], region="us-east-1")
    (given,) = simulate_principal(
        snapshot,
        DEPLOY_BOT,
        ["s3:GetObject"],
        context={"AWS:RequestedRegion": "ap-south-1"},
        region="us-east-1",
    )
    assert no_region.evaluation.decision is Decision.EXPLICIT_DENY
    assert in_region.evaluation.decision is Decision.ALLOWED
    assert dict(in_region.request.context) == {"aws:RequestedRegion": "us-east-1"}
    assert given.evaluation.decision is Decision.EXPLICIT_DENY
    assert dict(given.request.context) == {"AWS:RequestedRegion": "ap-south-1"}


@pytest.mark.parametrize(
    ("actions", "resources", "location"),
    [(["s3GetObject"], ["*"], "--action"), (["s3:GetObject"], ["b/k"], "--resource")],
)
def test_simulate_principal_rejects_malformed_actions_and_resources(
    actions: list[str], resources: list[str], location: str
) -> None:
    with pytest.raises(InputError) as raised:
        simulate_principal(demo_snapshot(), DEPLOY_BOT, actions, resources)
    assert raised.value.location == location


def test_policy_locations_name_where_each_document_is_defined() -> None:
    doc = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'
    text = """
scenarios:
  - name: one
    principal: arn:aws:iam::111122223333:user/alice
    identity_policies: ['DOC']
    scps: [['DOC']]
    requests:
      - {action: s3:GetObject}
      - action: s3:GetObject
        scps: [['DOC'], ['DOC']]
""".replace("DOC", doc)
    (scenario,) = load_scenarios(text, path="t.yaml")
    first, second = scenario.requests
    assert first.policy_locations == {
        "identity_policies[0]": "t.yaml: scenarios[0].identity_policies[0]",
        "scps[0][0]": "t.yaml: scenarios[0].scps[0][0]",
    }
    assert second.policy_locations["scps[1][0]"] == "t.yaml: scenarios[0].requests[1].scps[1][0]"
    assert second.policy_locations["identity_policies[0]"] == (
        "t.yaml: scenarios[0].identity_policies[0]"
    )


# -- scenario-level fields are located in the scenario, not in its first request ------------

_BAD_POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:*"}]}'


@pytest.mark.parametrize(
    ("scenario_line", "location"),
    [
        ("    resource_account: 111122223333\n", "scenarios[0] (s1).resource_account"),
        ("    management_account: maybe\n", "scenarios[0] (s1).management_account"),
        ("    session_policies: [5]\n", "scenarios[0] (s1).session_policies[0]"),
        (f"    permissions_boundary: {_BAD_POLICY}\n", "scenarios[0] (s1).permissions_boundary."),
        ("    scps: [[{Statement: []}]]\n", "scenarios[0] (s1).scps[0][0]"),
    ],
)
def test_a_malformed_scenario_field_is_located_in_the_scenario(
    scenario_line: str, location: str
) -> None:
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(_one(scenario_line + _requests("{action: s3:GetObject}")))
    assert raised.value.location.startswith(location), raised.value.location
    assert "requests" not in raised.value.location


def test_a_request_overriding_a_field_is_located_in_the_request() -> None:
    body = "    management_account: false\n" + _requests(
        "{action: s3:GetObject}", "{action: s3:GetObject, management_account: maybe}"
    )
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(_one(body))
    assert raised.value.location == "scenarios[0] (s1).requests[1].management_account"


# -- YAML reads unquoted account ids as numbers and yes/no as booleans -----------------------


@pytest.mark.parametrize(
    ("text", "location", "problem"),
    [
        (
            "scenarios:\n  - name: s1\n    principal: 123456789012\n"
            "    requests: [{action: s3:GetObject}]\n",
            "scenarios[0] (s1).principal",
            "must be a string, not the number `123456789012`: quote it",
        ),
        (
            "scenarios:\n  - name: 2024\n    requests: [{action: s3:GetObject}]\n",
            "scenarios[0].name",
            "must be a string, not the number `2024`: quote it",
        ),
        (
            _one("    resource_account: 000011112222\n" + _requests("{action: s3:GetObject}")),
            "scenarios[0] (s1).resource_account",
            "must be a string, not the number `2397330`: quote it",  # YAML 1.1 octal
        ),
        (
            _one(_requests("{action: s3:GetObject, resource: yes}")),
            "scenarios[0] (s1).requests[0].resource",
            "must be a string, not the boolean `true`: quote it",
        ),
        (
            _one(_requests('{action: s3:GetObject, context: {"aws:SourceAccount": 000011112222}}')),
            "scenarios[0] (s1).requests[0].context.aws:SourceAccount",
            "must be a string, not the number `2397330`: quote it",
        ),
        (
            _one(_requests('{action: s3:GetObject, context: {"aws:ResourceTag/env": no}}')),
            "scenarios[0] (s1).requests[0].context.aws:ResourceTag/env",
            "must be a string, not the boolean `false`: quote it",
        ),
    ],
)
def test_a_number_or_boolean_where_a_string_belongs_says_to_quote_it(
    text: str, location: str, problem: str
) -> None:
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(text)
    assert (raised.value.location, raised.value.problem) == (location, problem)


def test_numbers_booleans_and_dates_stay_fine_for_keys_of_those_types() -> None:
    context = (
        '{"aws:MultiFactorAuthAge": 300, "aws:SecureTransport": true, '
        '"aws:CurrentTime": 2026-01-31T12:00:00Z, "aws:EpochTime": 1769860800, '
        '"s3:max-keys": 10}'
    )
    (scenario,) = load_scenarios(_one(_requests(f"{{action: s3:ListBucket, context: {context}}}")))
    assert dict(scenario.requests[0].request.context) == {
        "aws:MultiFactorAuthAge": "300",
        "aws:SecureTransport": "true",
        "aws:CurrentTime": "2026-01-31T12:00:00+00:00",
        "aws:EpochTime": "1769860800",
        "s3:max-keys": "10",
    }


# -- context values are checked against their key's data type --------------------------------


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("aws:SourceIp", "not-an-ip", "expected an IP address"),
        ("aws:CurrentTime", "yesterday", "expected an ISO 8601 date-time"),
        ("aws:EpochTime", "soon", "expected an ISO 8601 date-time"),
        ("aws:MultiFactorAuthPresent", "maybe", "expected `true` or `false`"),
        ("aws:SecureTransport", "1", "expected `true` or `false`"),
        ("aws:MultiFactorAuthAge", "an hour", "expected a number"),
        ("aws:PrincipalArn", "alice", "expected an ARN"),
    ],
)
def test_a_context_value_invalid_for_its_key_type_is_an_input_error(
    key: str, value: str, expected: str
) -> None:
    """Decided silently, `aws:SourceIp: not-an-ip` would match no IpAddress condition and
    every NotIpAddress one"""
    body = _requests(f'{{action: s3:GetObject, context: {{"{key}": "{value}"}}}}')
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(_one(body))
    assert raised.value.location == f"scenarios[0] (s1).requests[0].context.{key}"
    assert (
        raised.value.problem
        == f"`{value}` is not valid for `{key}`: " + (raised.value.problem.split(": ", 1)[1])
    )
    assert expected in raised.value.problem
    shared = f'    context: {{"{key}": ["{value}"]}}\n' + _requests("{action: s3:GetObject}")
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(_one(shared))
    assert raised.value.location == f"scenarios[0] (s1).context.{key}"


def test_simulate_principal_checks_context_values() -> None:
    with pytest.raises(InputError) as raised:
        simulate_principal(
            demo_snapshot(),
            "arn:aws:iam::210987654321:user/deploy-bot",
            ["s3:GetObject"],
            context={"aws:SourceIp": ("10.0.0.1", "ten")},
        )
    assert str(raised.value) == (
        "--context: `ten` is not valid for `aws:SourceIp`: expected an IP address (`203.0.113.7`)"
    )


# -- a key written twice is an error, not last-one-wins --------------------------------------


def test_duplicate_key_in_a_yaml_scenario_file_is_located_by_line() -> None:
    text = _one("    requests:\n      - action: s3:GetObject\n        action: s3:PutObject\n")
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(text)
    assert raised.value.location == "line 8:9"
    assert raised.value.problem == (
        "duplicate key `action` in `scenarios[0].requests[0]`: the last one would silently win"
    )


def test_duplicate_key_in_a_json_scenario_file_is_located_by_path() -> None:
    text = (
        '{"scenarios": [{"name": "s1", "principal": "arn:aws:iam::111122223333:user/a", '
        '"requests": [{"action": "s3:GetObject", "expect": "allowed", "expect": "implicitDeny"}]}]}'
    )
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(text)
    assert raised.value.location == "scenarios[0].requests[0].expect"
    assert raised.value.problem == "duplicate key `expect`: the last one would silently win"


def test_duplicate_key_inside_a_policy_of_a_scenario_file_is_an_error() -> None:
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Effect": "Deny"}]}'
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(_one(_requests("{action: s3:GetObject}")).replace(ALLOW_GET, policy))
    assert raised.value.problem.startswith(
        "duplicate key `Effect` in `scenarios[0].identity_policies[0].Statement[0]`"
    )


def test_an_unquoted_yaml_version_date_is_the_version_it_was_written_as() -> None:
    """YAML reads `Version: 2012-10-17` as a date; the policy means the text (newcomer review:
    it was exit 2 with "Object of type date is not JSON serializable")"""
    text = """
scenarios:
  - name: s1
    principal: arn:aws:iam::111122223333:user/alice
    identity_policies:
      - Version: 2012-10-17
        Statement:
          - {Effect: Allow, Action: s3:GetObject, Resource: "*"}
    requests:
      - {action: s3:GetObject, resource: arn:aws:s3:::b/k, expect: allowed}
"""
    (result,) = run_scenarios(load_scenarios(text))
    assert result.evaluation.decision is Decision.ALLOWED and result.is_expected


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("us-east-1", True),
        ("us-gov-west-1", True),
        ("eusc-de-east-1", True),
        ("moon-1", False),
        ("US-EAST-1", False),
        ("us-east", False),
    ],
)
def test_a_requested_region_must_be_shaped_as_a_region(value: str, valid: bool):
    # IAM User Guide, reference_policies_condition-keys (aws:RequestedRegion): the Region
    # the request was made to, a Region name such as us-east-1
    from iamwarden.analysis.simulation import context_problem

    problem = context_problem("aws:RequestedRegion", value)
    assert (problem is None) is valid
    if not valid:
        assert problem == (
            f"`{value}` is not valid for `aws:RequestedRegion`: expected a Region name "
            "(`us-east-1`)"
        )
