"""Export of the pack: a CloudFormation template that cfn-lint (AWS's resource schemas) finds
no error or warning in, a Terraform JSON configuration, the raw EventBridge rules; CIS section
4 controls with their metric filters and alarms; read-only rules in the state that receives
read-only management events ("Receiving read-only management events from AWS services",
EventBridge User Guide)"""

from __future__ import annotations

import json

import yaml
from cfnlint.api import lint_all

from iamwarden.activity.rules import (
    ExportFormat,
    export_pack,
    load_builtin_pack,
    metric_name,
    rule_name,
)

PACK = load_builtin_pack()
ALL_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"


def test_the_cloudformation_template_passes_cfn_lint() -> None:
    text = export_pack(PACK, ExportFormat.CLOUDFORMATION)
    problems = [m for m in lint_all(text) if m.rule.id[0] in "EW"]
    assert problems == []


def test_cfn_lint_would_catch_a_broken_template() -> None:
    """The check above can fail: a rule state AWS does not accept is an error"""
    text = export_pack(PACK, ExportFormat.CLOUDFORMATION).replace(
        "State: ENABLED\n", "State: ON\n", 1
    )
    assert any(m.rule.id == "E3030" for m in lint_all(text))


def test_the_template_holds_one_rule_per_rule_and_the_cis_alarms() -> None:
    template = yaml.safe_load(export_pack(PACK, ExportFormat.CLOUDFORMATION))
    resources = template["Resources"]
    rules = {
        r["Properties"]["Name"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Events::Rule"
    }
    assert set(rules) == {rule_name(r) for r in PACK.rules}
    for rule in PACK.rules:
        exported = rules[rule_name(rule)]
        assert exported["EventPattern"] == rule.pattern.pattern
        assert exported["Targets"] == [{"Arn": {"Ref": "AlertTopicArn"}, "Id": "alert-topic"}]
        assert exported["State"] == (ALL_EVENTS if rule.read_only_events else "ENABLED")
        assert len(exported["Description"]) <= 512
    filters = [
        r["Properties"] for r in resources.values() if r["Type"] == "AWS::Logs::MetricFilter"
    ]
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    cis = [r for r in PACK.rules if r.metric_filter]
    assert sorted(f["FilterPattern"] for f in filters) == sorted(r.metric_filter for r in cis)
    assert sorted(a["AlarmName"] for a in alarms) == sorted(metric_name(r) for r in cis)
    assert "cis-4.3-root-account-usage" in {a["AlarmName"] for a in alarms}


def test_exported_rules_with_conditions_say_they_are_broader() -> None:
    raw = json.loads(export_pack(PACK, ExportFormat.EVENTBRIDGE))
    by_name = {r["Name"]: r for r in raw}
    other = by_name["iamwarden-access-key-created-for-other-user"]
    assert "conditions not exported (target_is_other_user)" in other["Description"]
    assert "conditions not exported" not in by_name["iamwarden-mfa-deactivated"]["Description"]


def test_the_raw_rules_are_putrule_shaped_with_metric_filters_for_cis() -> None:
    raw = json.loads(export_pack(PACK, ExportFormat.EVENTBRIDGE))
    assert [r["Name"] for r in raw] == [rule_name(r) for r in PACK.rules]
    for entry, rule in zip(raw, PACK.rules, strict=True):
        assert json.loads(entry["EventPattern"]) == rule.pattern.pattern
        assert len(entry["Name"]) <= 64
        assert ("MetricFilter" in entry) == bool(rule.metric_filter)


def test_the_terraform_configuration_targets_the_topic_variable() -> None:
    config = json.loads(export_pack(PACK, ExportFormat.TERRAFORM))
    resources = config["resource"]
    assert set(config["variable"]) == {"alert_topic_arn", "cloudtrail_log_group_name"}
    for rule in PACK.rules:
        exported = resources["aws_cloudwatch_event_rule"][rule.id]
        assert json.loads(exported["event_pattern"]) == rule.pattern.pattern
        target = resources["aws_cloudwatch_event_target"][rule.id]
        assert target["rule"] == f"${{aws_cloudwatch_event_rule.{rule.id}.name}}"
        assert target["arn"] == "${var.alert_topic_arn}"
    cis = {r.id for r in PACK.rules if r.metric_filter}
    assert set(resources["aws_cloudwatch_log_metric_filter"]) == cis
    assert set(resources["aws_cloudwatch_metric_alarm"]) == cis


def test_an_export_is_deterministic() -> None:
    for fmt in ExportFormat:
        assert export_pack(PACK, fmt) == export_pack(load_builtin_pack(), fmt)


def test_rules_on_read_only_calls_ask_for_read_only_events() -> None:
    """A rule whose positive example is a Describe/Get/List call, or that is indexed by no
    event name, must be in the state that receives read-only management events"""
    for rule in PACK.rules:
        names = {str(e.get("eventName", "")) for e in rule.positives}
        reads = any(n.startswith(("Describe", "Get", "List")) for n in names) and not names <= {
            "GetFederationToken",
            "GetSessionToken",
        }
        if reads:
            assert rule.read_only_events, rule.id
