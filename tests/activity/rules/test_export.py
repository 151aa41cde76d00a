"""Export of the pack: a CloudFormation template that cfn-lint (AWS's resource schemas) finds
no error or warning in, a Terraform JSON configuration, the raw EventBridge rules; CIS section
4 controls with their metric filters and alarms; read-only rules in the state that receives
read-only management events ("Receiving read-only management events from AWS services",
EventBridge User Guide)"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
import yaml
from cfnlint.api import lint_all

from iamwarden.activity.rules import (
    ExportFormat,
    Rule,
    RuleError,
    RulePack,
    Scope,
    exact_values,
    export_pack,
    is_global,
    load_builtin_pack,
    metric_name,
    parse_rules,
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


def _ids(text: str, fmt: ExportFormat) -> set[str]:
    if fmt is ExportFormat.EVENTBRIDGE:
        return {r["Name"] for r in json.loads(text)}
    return set(json.loads(text)["resource"]["aws_cloudwatch_event_rule"])


def test_global_and_regional_scopes_split_the_pack_by_where_events_arrive() -> None:
    """EventBridge User Guide, "Events from AWS services": a rule sees its own Region's
    events; IAM, Organizations and Account Management events arrive in us-east-1 only, the
    other services' (STS and sign-in at Regional endpoints too) stay in their Region"""
    glob = {r.id for r in PACK.rules if is_global(r)}
    regional = {r.id for r in PACK.rules} - glob
    assert "iam_user_created" in glob
    assert {"cloudtrail_stopped_or_deleted", "security_group_open_to_internet"} <= regional
    assert not any(
        (exact_values(r.pattern.pattern, "source") or {"?"}) & {"aws.sts", "aws.ec2"}
        for r in PACK.rules
        if r.id in glob
    )
    fmt = ExportFormat.TERRAFORM
    assert _ids(export_pack(PACK, fmt, Scope.GLOBAL), fmt) == glob
    assert _ids(export_pack(PACK, fmt, Scope.REGIONAL), fmt) == regional
    assert _ids(export_pack(PACK, fmt, Scope.ALL), fmt) == glob | regional


def test_the_regional_scope_has_no_metric_filters_and_the_global_one_all_of_them() -> None:
    """The CIS alarms read the trail's log group, whatever Region an event came from: all of
    them belong to the stack deployed once (CIS AWS Foundations v3.0.0 section 4)"""
    regional = json.loads(export_pack(PACK, ExportFormat.TERRAFORM, Scope.REGIONAL))
    assert "aws_cloudwatch_log_metric_filter" not in regional["resource"]
    assert set(regional["variable"]) == {"alert_topic_arn"}
    glob = json.loads(export_pack(PACK, ExportFormat.TERRAFORM, Scope.GLOBAL))
    cis = {r.id for r in PACK.rules if r.metric_filter}
    assert set(glob["resource"]["aws_cloudwatch_log_metric_filter"]) == cis
    cfn = yaml.safe_load(export_pack(PACK, ExportFormat.CLOUDFORMATION, Scope.GLOBAL))
    alarms = [r for r in cfn["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert len(alarms) == len(cis)


def test_every_scope_passes_cfn_lint_and_says_where_to_deploy() -> None:
    for scope in Scope:
        text = export_pack(PACK, ExportFormat.CLOUDFORMATION, scope)
        assert [m for m in lint_all(text) if m.rule.id[0] in "EW"] == []
        description = yaml.safe_load(text)["Description"]
        assert ("us-east-1" in description) and (
            scope is not Scope.REGIONAL or "every Region" in description
        )
    regional = yaml.safe_load(export_pack(PACK, ExportFormat.CLOUDFORMATION, Scope.REGIONAL))
    assert set(regional["Parameters"]) == {"AlertTopicArn"}


def _long_rule(rule_id: str) -> Rule:
    text = yaml.safe_dump(
        {
            "rules": [
                {
                    "id": rule_id,
                    "title": "t",
                    "severity": "low",
                    "mitre": ["T1078"],
                    "description": "d",
                    "runbook": "r",
                    "pattern": {"source": ["aws.iam"], "detail": {"eventName": ["CreateUser"]}},
                    "examples": {
                        "match": [{"eventSource": "iam.amazonaws.com", "eventName": "CreateUser"}],
                        "no_match": [{"eventSource": "iam.amazonaws.com", "eventName": "GetUser"}],
                    },
                }
            ]
        }
    )
    return parse_rules(text, path="mine.yaml")[0]


def test_long_rule_ids_sharing_a_prefix_keep_distinct_names() -> None:
    """PutRule (EventBridge API Reference): Name is 1-64 characters of [.-_A-Za-z0-9]"""
    prefix = "custom_detection_for_the_payments_team_production_accounts_"
    rules = [_long_rule(prefix + "create_user"), _long_rule(prefix + "create_role")]
    names = [rule_name(r) for r in rules]
    assert len(set(names)) == 2
    assert all(len(n) <= 64 and re.fullmatch(r"[.\-_A-Za-z0-9]+", n) for n in names)
    assert rule_name(_long_rule("short_id")) == "iamwarden-short-id"
    raw = json.loads(export_pack(RulePack(rules), ExportFormat.EVENTBRIDGE))
    assert sorted(r["Name"] for r in raw) == sorted(names)


def test_two_rules_with_the_same_exported_name_are_refused() -> None:
    """A CIS metric and alarm name is `cis-<id>-<rule id without cis_>`: `cis_x` and `x` of
    the same control would share it; the export refuses rather than overwrite one"""
    clash = [
        replace(_long_rule("cis_console_burst"), cis=("4.6",), metric_filter="{ $.x = 1 }"),
        replace(_long_rule("console_burst"), cis=("4.6",), metric_filter="{ $.x = 2 }"),
    ]
    with pytest.raises(RuleError) as raised:
        export_pack(RulePack(clash), ExportFormat.CLOUDFORMATION)
    assert "cis-4.6-console-burst" in raised.value.problem
