"""Rule files: loading, validation with every problem located (file, line, JSON path), and
the EventBridge shape of a CloudTrail record ("AWS service events delivered via AWS
CloudTrail", EventBridge User Guide eb-service-event-cloudtrail.md)"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamwarden.activity.rules import (
    ConditionKind,
    RuleError,
    RulePack,
    envelope,
    load_builtin_pack,
    load_rules,
    parse_rules,
)
from iamwarden.errors import InputError
from iamwarden.findings import Severity

GOOD = """\
rules:
  - id: key_created
    title: Access key created
    severity: high
    description: An access key was created.
    runbook: Deactivate it.
    mitre: [T1098.001]
    conditions: [target_is_other_user]
    pattern:
      source: [aws.iam]
      detail:
        eventName: [CreateAccessKey]
    examples:
      match:
        - {eventSource: iam.amazonaws.com, eventName: CreateAccessKey,
           requestParameters: {userName: bob}, userIdentity: {type: IAMUser, userName: eve}}
      no_match:
        - {eventSource: iam.amazonaws.com, eventName: DeleteAccessKey}
"""


def test_a_rule_file_loads_with_its_metadata(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD, encoding="utf-8")
    pack = load_rules([tmp_path])
    (rule,) = pack.rules
    assert rule.id == "key_created" and rule.severity is Severity.HIGH
    assert rule.mitre == ("T1098.001",)
    assert rule.conditions == (ConditionKind.TARGET_IS_OTHER_USER,)
    assert rule.source == str(path) and rule.line == 2
    assert pack.check_examples() == []


def _error(text: str) -> RuleError:
    with pytest.raises(RuleError) as raised:
        parse_rules(text, path="bad.yaml")
    return raised.value


def test_a_bad_severity_is_located_by_line_and_path() -> None:
    error = _error(GOOD.replace("severity: high", "severity: urgent"))
    assert str(error).startswith("bad.yaml: line 4 rules[0].severity: severity `urgent`")


def test_a_bad_pattern_is_located_inside_the_pattern() -> None:
    error = _error(GOOD.replace("eventName: [CreateAccessKey]", "eventName: CreateAccessKey"))
    assert error.problems[0].location == "line 12 rules[0].pattern.detail.eventName"
    assert "a leaf is an array" in error.problems[0].problem


def test_every_problem_of_a_file_is_collected() -> None:
    text = GOOD.replace("mitre: [T1098.001]", "mitre: [lateral]").replace(
        "conditions: [target_is_other_user]", "conditions: [is_friday]"
    )
    error = _error(text.replace("    runbook: Deactivate it.\n", "    colour: red\n"))
    problems = [str(p) for p in error.problems]
    assert any("unknown field `colour`" in p for p in problems)
    assert any("`runbook` must be a non-empty string" in p for p in problems)
    assert any("`lateral` is not a valid mitre id" in p for p in problems)
    assert any("unknown condition `is_friday`" in p for p in problems)
    assert "(and 3 more)" in str(error)


def test_examples_are_required_on_both_sides() -> None:
    text = GOOD[: GOOD.index("      no_match:")]
    assert "`examples.no_match` must be a non-empty list" in str(_error(text))


def test_a_metric_filter_needs_a_cis_id() -> None:
    text = GOOD.replace("    mitre:", "    metric_filter: '{ $.eventName = X }'\n    mitre:")
    assert "belongs to a CIS control" in str(_error(text))
    assert "not a valid cis id" in str(
        _error(text.replace("    mitre:", "    cis: ['1.4']\n    mitre:"))
    )


def test_duplicate_ids_are_refused_in_a_file_and_across_files(tmp_path: Path) -> None:
    rule = GOOD[GOOD.index("  - id:") :]
    assert "is also rules[0]" in str(_error(GOOD + rule))
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(RuleError, match="also defined in"):
        load_rules([tmp_path])


def test_not_a_rule_file() -> None:
    assert "non-empty `rules` list" in str(_error("rules: []\n"))
    assert "invalid YAML" in str(_error("rules: [\n"))


def test_a_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_rules([tmp_path / "nope.yaml"])


@settings(max_examples=60)
@given(st.text(max_size=200))
def test_any_text_loads_or_raises_one_located_rule_error(text: str) -> None:
    """Fuzz: a rule file is a pack or a RuleError, never another exception"""
    try:
        parse_rules(text, path="fuzz.yaml")
    except RuleError as error:
        assert str(error).startswith("fuzz.yaml")


@settings(max_examples=60)
@given(
    st.sampled_from(["severity", "mitre", "pattern", "examples", "id", "title"]),
    st.one_of(st.none(), st.integers(), st.text(max_size=8), st.lists(st.integers(), max_size=2)),
)
def test_any_field_value_loads_or_raises_a_rule_error(field: str, value: object) -> None:
    import yaml

    data = yaml.safe_load(GOOD)
    data["rules"][0][field] = value
    try:
        parse_rules(yaml.safe_dump(data), path="fuzz.yaml")
    except RuleError as error:
        assert error.problems


def test_the_envelope_of_a_cloudtrail_record() -> None:
    record = {
        "eventSource": "iam.amazonaws.com",
        "eventType": "AwsApiCall",
        "eventID": "e1",
        "recipientAccountId": "111122223333",
        "awsRegion": "us-east-1",
        "eventTime": "2024-01-01T00:00:00Z",
    }
    event = envelope(record)
    assert event["source"] == "aws.iam"
    assert event["detail-type"] == "AWS API Call via CloudTrail"
    assert (event["account"], event["region"], event["id"]) == ("111122223333", "us-east-1", "e1")
    assert event["detail"] is record
    signin = envelope({"eventSource": "signin.amazonaws.com", "eventType": "AwsConsoleSignIn"})
    assert (signin["source"], signin["detail-type"]) == (
        "aws.signin",
        "AWS Console Sign In via CloudTrail",
    )
    assert envelope({"eventSource": "monitoring.amazonaws.com"})["source"] == "aws.cloudwatch"
    assert envelope(event) is event  # already in the EventBridge shape


def test_match_accepts_records_and_eventbridge_events() -> None:
    pack = load_builtin_pack()
    record = {"eventSource": "iam.amazonaws.com", "eventName": "DeactivateMFADevice"}
    assert [r.id for r in pack.match(record)] == ["mfa_deactivated"]
    assert [r.id for r in pack.match(envelope(record))] == ["mfa_deactivated"]


def test_an_empty_pack_matches_nothing() -> None:
    assert RulePack([]).match({"eventName": "StopLogging"}) == []


def test_odd_field_types_fall_back_to_every_rule() -> None:
    """An event name or source that is an array is matched element by element, as
    EventBridge does, so the index cannot skip rules for it"""
    pack = load_builtin_pack()
    odd = {"eventSource": "iam.amazonaws.com", "eventName": ["ListUsers", "DeactivateMFADevice"]}
    assert [r.id for r in pack.match(odd)] == ["mfa_deactivated"]
    wrapped = {
        "source": ["aws.iam"],
        "detail-type": "x",
        "detail": {"eventName": "DeactivateMFADevice"},
    }
    assert [r.id for r in pack.match(wrapped)] == ["mfa_deactivated"]
    assert pack.match({"eventSource": 3, "eventName": {"a": 1}}) == []


def test_ids_are_matched_whole() -> None:
    """A technique id with a trailing newline or suffix is not an ATT&CK id"""
    assert "is not a valid mitre id" in str(_error(GOOD.replace("[T1098.001]", '["T1098\\n"]')))
    assert "must be snake_case" in str(_error(GOOD.replace("id: key_created", "id: key_created-2")))
