"""Scenario files: the public format, its error locations, and evaluation of each request"""

from __future__ import annotations

from pathlib import Path

import pytest

from iamwarden.analysis.simulation import load_scenarios, results_to_json, run_scenarios
from iamwarden.errors import ScenarioError
from iamwarden.policy import Decision, PolicyKind

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
    assert item.request.resource_account == "111122223333"


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
