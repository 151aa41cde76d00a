"""Scenario-file input defects from the newcomer review of issue 7: values located where they
are written, numbers JSON has not, keys written twice, request resources AWS never receives"""

from __future__ import annotations

import json

import pytest

from iamwarden.analysis.simulation import load_scenarios
from iamwarden.errors import ScenarioError

PRINCIPAL = "arn:aws:iam::111122223333:user/alice"
ALLOW = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}


def _error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as raised:
        load_scenarios(text)
    assert "\n" not in str(raised.value)
    return raised.value


def _yaml(request: str, *, policy: str = json.dumps({"Statement": [ALLOW]})) -> str:
    return f"""\
scenarios:
  - name: s
    principal: {PRINCIPAL}
    identity_policies: [{policy}]
    requests:
      - {{action: s3:GetObject}}
      - {request}
"""


def _deny_above(number: str) -> str:
    """A policy as JSON text whose Deny compares `s3:max-keys` with `number` as written"""
    deny = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"NumericGreaterThan": {"s3:max-keys": 0}},
    }
    text = json.dumps({"Version": "2012-10-17", "Statement": [deny, ALLOW]})
    return text.replace('"s3:max-keys": 0', f'"s3:max-keys": {number}')


# -- values located where they are written ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2026-13-01", "`2026-13-01` is not a valid !!timestamp: month must be in 1..12"),
        ("2026-02-30", "`2026-02-30` is not a valid !!timestamp: day is out of range for month"),
        ("!!int abc", "`abc` is not a valid !!int"),
    ],
)
def test_a_yaml_value_that_cannot_be_built_is_located_at_it(value: str, problem: str) -> None:
    error = _error(_yaml(f'{{action: s3:GetObject, context: {{"aws:CurrentTime": {value}}}}}'))
    assert error.location == "line 7:61"
    assert error.problem == f"invalid YAML: {problem}"


def test_a_request_principal_that_makes_no_request_is_located_at_its_field() -> None:
    error = _error(_yaml("{action: s3:GetObject, principal: 'arn:aws:iam::111122223333:group/x'}"))
    assert error.location == "scenarios[0] (s).requests[1].principal"
    assert error.problem == (
        "principal `arn:aws:iam::111122223333:group/x` is not a user, role, session, account "
        "or service"
    )


# -- numbers JSON has not (RFC 8259, section 6; IAM rejects the document) ----------------------


@pytest.mark.parametrize(
    ("number", "shown"),
    [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("1e999", "Infinity")],
)
def test_a_non_finite_number_in_a_json_scenario_policy_is_a_malformed_field(
    number: str, shown: str
) -> None:
    """nanpol.json: the Deny never applied and `expect: allowed` was met silently"""
    policy = json.loads(_deny_above("0"))
    text = json.dumps(
        {
            "scenarios": [
                {
                    "name": "s",
                    "principal": PRINCIPAL,
                    "identity_policies": [policy],
                    "requests": [{"action": "s3:ListBucket", "expect": "allowed"}],
                }
            ]
        }
    ).replace('"s3:max-keys": 0', f'"s3:max-keys": {number}')
    error = _error(text)
    condition = "Statement[0].Condition.NumericGreaterThan.s3:max-keys"
    assert error.location == f"scenarios[0] (s).identity_policies[0].{condition}"
    assert error.problem == f"`{shown}` is not a JSON number: IAM rejects the document"


@pytest.mark.parametrize(("written", "shown"), [(".nan", "NaN"), (".inf", "Infinity")])
def test_a_non_finite_yaml_number_in_a_policy_is_a_malformed_field(
    written: str, shown: str
) -> None:
    policy = (
        "{Statement: [{Effect: Deny, Action: 's3:*', Resource: '*', "
        f"Condition: {{NumericGreaterThan: {{'s3:max-keys': {written}}}}}}}]}}"
    )
    error = _error(_yaml("{action: s3:ListBucket}", policy=policy))
    assert error.location.endswith("Statement[0].Condition.NumericGreaterThan.s3:max-keys")
    assert error.problem == f"`{shown}` is not a JSON number: IAM rejects the document"


def test_a_non_finite_number_in_a_policy_written_as_json_text_is_a_malformed_field() -> None:
    error = _error(_yaml("{action: s3:ListBucket}", policy=f"'{_deny_above('1e999')}'"))
    assert error.problem == "`1e999` is not a JSON number: IAM rejects the document"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (".nan", "`nan` is not a number a request carries"),
        ("-.inf", "`-inf` is not a number a request carries"),
        ('"1e999"', "`1e999` is not valid for `aws:MultiFactorAuthAge`: expected a number"),
        ('"NaN"', "`NaN` is not valid for `aws:MultiFactorAuthAge`: expected a number"),
    ],
)
def test_a_non_finite_context_value_of_a_numeric_key_is_an_error(value: str, problem: str) -> None:
    error = _error(
        _yaml(f'{{action: s3:GetObject, context: {{"aws:MultiFactorAuthAge": {value}}}}}')
    )
    assert error.location == "scenarios[0] (s).requests[1].context.aws:MultiFactorAuthAge"
    assert error.problem == problem


# -- keys written twice ----------------------------------------------------------------------


def test_a_policy_written_as_json_text_with_a_repeated_key_is_an_error() -> None:
    """dup3.json: `"Effect": "Allow", "Effect": "Deny"` was read last-one-wins"""
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Effect": "Deny", '
    policy += '"Action": "*", "Resource": "*"}]}'
    text = json.dumps(
        {
            "scenarios": [
                {
                    "name": "s",
                    "principal": PRINCIPAL,
                    "identity_policies": [policy],
                    "requests": [{"action": "s3:GetObject"}],
                }
            ]
        }
    )
    error = _error(text)
    assert error.location == "scenarios[0] (s).identity_policies[0].Statement[0].Effect"
    assert error.problem == "duplicate key `Effect`: the last one would silently win"


def test_policy_json_text_that_is_not_json_is_located_in_it() -> None:
    error = _error(_yaml("{action: s3:ListBucket}", policy="'{\"Statement\": [}'"))
    assert error.location == "scenarios[0] (s).identity_policies[0] line 1:16"
    assert error.problem == "invalid JSON: expecting value"


def test_context_keys_equal_but_for_case_are_a_duplicate_key() -> None:
    """IAM User Guide, IAM JSON policy elements: Condition: "Context key names are not
    case-sensitive. For example, including the aws:SourceIP context key is equivalent to
    testing for AWS:SourceIp." Both values were merged silently."""
    error = _error(
        _yaml(
            "{action: s3:GetObject, "
            'context: {"AWS:SECURETRANSPORT": "true", "aws:SecureTransport": "false"}}'
        )
    )
    assert error.location == "scenarios[0] (s).requests[1].context.aws:SecureTransport"
    assert error.problem == (
        "duplicate key `aws:SecureTransport`: `AWS:SECURETRANSPORT` names the same condition "
        "key (key names are not case-sensitive)"
    )


def test_a_request_context_key_overrides_the_scenarios_whatever_its_case() -> None:
    text = _yaml('{action: s3:GetObject, context: {"aws:securetransport": "false"}}').replace(
        "    requests:", '    context: {"AWS:SecureTransport": "true"}\n    requests:'
    )
    (scenario,) = load_scenarios(text)
    first, second = (dict(item.request.context) for item in scenario.requests)
    assert first == {"AWS:SecureTransport": "true"}
    assert second == {"aws:securetransport": "false"}


# -- request resources AWS never receives ----------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "problem"),
    [
        ("arn:aws:s3:::", "`arn:aws:s3:::` is not an ARN: the resource segment is empty"),
        ("arn:aws:s3:::b/k ", "`arn:aws:s3:::b/k ` has whitespace before or after it: no ARN does"),
        (" arn:aws:s3:::b", "` arn:aws:s3:::b` has whitespace before or after it: no ARN does"),
    ],
)
def test_a_resource_with_no_resource_part_or_with_outer_whitespace_is_malformed(
    resource: str, problem: str
) -> None:
    """Both were decided (`arn:aws:s3:::` allowed) as if AWS could receive them"""
    error = _error(_yaml(f"{{action: s3:GetObject, resource: '{resource}'}}"))
    assert error.location == "scenarios[0] (s).requests[1].resource"
    assert error.problem == problem


@pytest.mark.parametrize(
    ("value", "tag"), [("!!set {a: null}", "!!set"), ("!!binary aGk=", "!!binary")]
)
def test_a_tagged_yaml_value_with_no_json_form_in_a_policy_is_named_by_its_tag(
    value: str, tag: str
) -> None:
    policy = f"{{Statement: [{{Effect: Allow, Action: 's3:*', Resource: {value}}}]}}"
    error = _error(_yaml("{action: s3:GetObject}", policy=policy))
    assert error.location == "scenarios[0] (s).identity_policies[0]"
    assert error.problem == f"policy is not json data: a {tag} value has no JSON form"
