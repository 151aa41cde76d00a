"""A rule pack as infrastructure, so that its rules also run natively in AWS: EventBridge rules
with an SNS topic as target (CloudFormation, Terraform JSON, or the raw patterns), and for the
CIS section 4 controls the CloudWatch Logs metric filter and alarm the benchmark prescribes

Conditions cannot be written as EventBridge patterns: an exported rule with conditions fires
on every match of its pattern and says which conditions were left out in its description.

An EventBridge rule sees only the events of its own Region ("Events from AWS services",
EventBridge User Guide): the events of the global services IAM, Organizations and Account
Management reach EventBridge in us-east-1 only, while every other service's (EC2, Lambda,
CloudTrail, S3, ..., and STS and sign-in called at a Regional endpoint) stay in the Region
where they happen. So a pack is exported in two scopes (`Scope`): the global rules, deployed
once in us-east-1, and the regional rules, deployed in every Region in use (a StackSet) or in
one Region that the others forward their events to (cross-Region event bus targets).

The documents are built as data and serialised by `json` (Terraform's JSON syntax, raw
patterns) and PyYAML (CloudFormation); this module writes no file.
"""

from __future__ import annotations

import hashlib
import json
from enum import Enum
from typing import Any

import yaml

from iamwarden.activity.rules.model import Rule, RuleError, RulePack
from iamwarden.activity.rules.pattern import exact_values

__all__ = [
    "GLOBAL_SOURCES",
    "ExportFormat",
    "Scope",
    "export_pack",
    "is_global",
    "metric_name",
    "rule_name",
]

GLOBAL_SOURCES = frozenset({"aws.iam", "aws.organizations", "aws.account"})
"""Event sources whose CloudTrail events reach EventBridge in us-east-1 only (EventBridge User
Guide, "Events from AWS services"; AWS re:Post "Why does my EventBridge rule for IAM events only
trigger in the us-east-1 Region?"). STS and sign-in are not among them: called at a Regional
endpoint, their events stay in that Region."""
_NAME_LIMIT = 64  # PutRule Name: 1-64 characters of [.-_A-Za-z0-9]

NAMESPACE = "iamwarden"
"""CloudWatch namespace of the CIS metric filters' metrics"""
_DESCRIPTION_LIMIT = 512  # AWS::Events::Rule Description and alarm descriptions
_TOPIC = "AlertTopicArn"
_LOG_GROUP = "CloudTrailLogGroupName"


class ExportFormat(Enum):
    """What `export_pack` writes"""

    CLOUDFORMATION = "cloudformation"
    """a CloudFormation template (YAML) with `AlertTopicArn` and `CloudTrailLogGroupName`
    parameters"""
    TERRAFORM = "terraform"
    """a Terraform JSON configuration (`*.tf.json`) with `alert_topic_arn` and
    `cloudtrail_log_group_name` variables"""
    EVENTBRIDGE = "eventbridge"
    """a JSON list of `{Name, Description, EventPattern, State}`, the shape of the PutRule
    API (EventPattern is a JSON string), plus the metric filters of the CIS rules"""


class Scope(Enum):
    """Which rules `export_pack` writes"""

    ALL = "all"
    """every rule and the CIS metric filters: enough in one Region only for the events of that
    Region (and, in us-east-1, of the global services)"""
    GLOBAL = "global"
    """the rules whose every event source is global (`GLOBAL_SOURCES`), and every CIS metric
    filter and alarm (they read the trail's log group, whatever Region an event came from):
    deploy once, in us-east-1"""
    REGIONAL = "regional"
    """the other rules, without metric filters (CloudFormation, Terraform): deploy in every
    Region in use (us-east-1 included), or forward the other Regions' events to one. The raw
    EventBridge list keeps each CIS rule's `MetricFilter` in every scope (it deploys nothing)"""


def is_global(rule: Rule) -> bool:
    """Whether every event the rule can match comes from a global service (its pattern
    confines `source` to `GLOBAL_SOURCES`), so that it only ever fires in us-east-1"""
    sources = exact_values(rule.pattern.pattern, "source")
    return sources is not None and sources <= GLOBAL_SOURCES


def rule_name(rule: Rule) -> str:
    """The EventBridge rule name of a rule: `iamwarden-<id with dashes>`; one longer than 64
    characters (PutRule's limit) is cut and ends in `-` and 8 hex digits of the id's SHA-256,
    so that two long ids sharing a prefix keep distinct names"""
    name = f"iamwarden-{rule.id.replace('_', '-')}"
    if len(name) <= _NAME_LIMIT:
        return name
    digest = hashlib.sha256(rule.id.encode()).hexdigest()[:8]
    return f"{name[: _NAME_LIMIT - 9]}-{digest}"


def metric_name(rule: Rule) -> str:
    """The CloudWatch metric and alarm name of a CIS rule (`cis-4.3-root-account-usage`)"""
    return f"cis-{rule.cis[0]}-{rule.id.removeprefix('cis_').replace('_', '-')}"


def _logical(rule: Rule, kind: str) -> str:
    return kind + "".join(part.capitalize() for part in rule.id.split("_"))


def _description(rule: Rule) -> str:
    text = f"[{rule.severity.value}] {rule.title}. MITRE ATT&CK {', '.join(rule.mitre)}."
    if rule.cis:
        text += f" CIS AWS Foundations v3.0.0 {', '.join(rule.cis)}."
    if rule.conditions:
        left_out = ", ".join(c.value for c in rule.conditions)
        text += f" Broader than iamwarden's rule: conditions not exported ({left_out})."
    return text[:_DESCRIPTION_LIMIT]


def _state(rule: Rule) -> str:
    return "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" if rule.read_only_events else "ENABLED"


def _pattern(rule: Rule) -> Any:
    return rule.pattern.pattern


_WHERE = {
    Scope.ALL: "deploy in us-east-1 for the global services' events (IAM, Organizations, "
    "Account Management); the other rules then see that Region's events only: export "
    "--scope global and --scope regional to cover every Region",
    Scope.GLOBAL: "the global services' rules: deploy once, in us-east-1, where IAM, "
    "Organizations and Account Management events arrive",
    Scope.REGIONAL: "the regional services' rules: deploy in every Region in use, us-east-1 "
    "included (a StackSet), with an SNS topic of that Region",
}


def _cloudformation(rules: tuple[Rule, ...], metric_rules: tuple[Rule, ...], scope: Scope) -> str:
    resources: dict[str, Any] = {}
    for rule in rules:
        resources[_logical(rule, "Rule")] = {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "Name": rule_name(rule),
                "Description": _description(rule),
                "EventPattern": _pattern(rule),
                "State": _state(rule),
                "Targets": [{"Arn": {"Ref": _TOPIC}, "Id": "alert-topic"}],
            },
        }
    for rule in metric_rules:
        resources[_logical(rule, "MetricFilter")] = {
            "Type": "AWS::Logs::MetricFilter",
            "Properties": {
                "LogGroupName": {"Ref": _LOG_GROUP},
                "FilterPattern": rule.metric_filter,
                "MetricTransformations": [
                    {
                        "MetricNamespace": NAMESPACE,
                        "MetricName": metric_name(rule),
                        "MetricValue": "1",
                    }
                ],
            },
        }
        resources[_logical(rule, "Alarm")] = {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": metric_name(rule),
                "AlarmDescription": _description(rule),
                "Namespace": NAMESPACE,
                "MetricName": metric_name(rule),
                "Statistic": "Sum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": [{"Ref": _TOPIC}],
            },
        }
    parameters: dict[str, Any] = {
        _TOPIC: {
            "Type": "String",
            "Description": "ARN of the SNS topic that receives alerts, in the stack's Region "
            "(its policy must let events.amazonaws.com and cloudwatch.amazonaws.com publish)",
        },
    }
    metrics = bool(metric_rules)
    if metrics:
        parameters[_LOG_GROUP] = {
            "Type": "String",
            "Description": "CloudWatch Logs log group the CloudTrail trail delivers to, in the "
            "stack's Region",
        }
    description = f"iamwarden detection rules ({_WHERE[scope]})"
    if metrics:
        description += " and the CIS AWS Foundations v3.0.0 section 4 metric filters and alarms"
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description[:1024],
        "Parameters": parameters,
        "Resources": resources,
    }
    dumped: str = yaml.safe_dump(template, sort_keys=False, width=100, allow_unicode=True)
    return dumped


def _terraform(pack_rules: tuple[Rule, ...], metric_rules: tuple[Rule, ...]) -> str:
    rules: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    filters: dict[str, Any] = {}
    alarms: dict[str, Any] = {}
    for rule in pack_rules:
        rules[rule.id] = {
            "name": rule_name(rule),
            "description": _description(rule),
            "event_pattern": json.dumps(_pattern(rule), sort_keys=True),
            "state": _state(rule),
        }
        targets[rule.id] = {
            "rule": f"${{aws_cloudwatch_event_rule.{rule.id}.name}}",
            "target_id": "alert-topic",
            "arn": "${var.alert_topic_arn}",
        }
    for rule in metric_rules:
        filters[rule.id] = {
            "name": metric_name(rule),
            "log_group_name": "${var.cloudtrail_log_group_name}",
            "pattern": rule.metric_filter,
            "metric_transformation": {
                "name": metric_name(rule),
                "namespace": NAMESPACE,
                "value": "1",
            },
        }
        alarms[rule.id] = {
            "alarm_name": metric_name(rule),
            "alarm_description": _description(rule),
            "namespace": NAMESPACE,
            "metric_name": metric_name(rule),
            "statistic": "Sum",
            "period": 300,
            "evaluation_periods": 1,
            "threshold": 1,
            "comparison_operator": "GreaterThanOrEqualToThreshold",
            "treat_missing_data": "notBreaching",
            "alarm_actions": ["${var.alert_topic_arn}"],
        }
    variables: dict[str, Any] = {
        "alert_topic_arn": {
            "type": "string",
            "description": "ARN of the SNS topic that receives alerts (in the provider's Region)",
        },
    }
    resource: dict[str, Any] = {
        "aws_cloudwatch_event_rule": rules,
        "aws_cloudwatch_event_target": targets,
    }
    if filters:
        variables["cloudtrail_log_group_name"] = {
            "type": "string",
            "description": "CloudWatch Logs log group the CloudTrail trail delivers to",
        }
        resource["aws_cloudwatch_log_metric_filter"] = filters
        resource["aws_cloudwatch_metric_alarm"] = alarms
    config = {"variable": variables, "resource": resource}
    return json.dumps(config, indent=2) + "\n"


def _eventbridge(rules: tuple[Rule, ...]) -> str:
    found: list[dict[str, Any]] = []
    for rule in rules:
        entry: dict[str, Any] = {
            "Name": rule_name(rule),
            "Description": _description(rule),
            "EventPattern": json.dumps(_pattern(rule), sort_keys=True),
            "State": _state(rule),
        }
        if rule.metric_filter:
            entry["MetricFilter"] = {
                "filterName": metric_name(rule),
                "filterPattern": rule.metric_filter,
                "metricTransformations": [
                    {
                        "metricName": metric_name(rule),
                        "metricNamespace": NAMESPACE,
                        "metricValue": "1",
                    }
                ],
            }
        found.append(entry)
    return json.dumps(found, indent=2) + "\n"


def _check_names(rules: tuple[Rule, ...]) -> None:
    """Refuse two rules whose EventBridge (or CIS metric) names are the same"""
    seen: dict[str, Rule] = {}
    for rule in rules:
        for name in (rule_name(rule), *([metric_name(rule)] if rule.metric_filter else [])):
            other = seen.setdefault(name, rule)
            if other is not rule:
                raise RuleError(
                    f"rule `{rule.id}` would be exported as `{name}`, the name of rule "
                    f"`{other.id}` ({other.source}); rename one",
                    path=rule.source,
                    location=f"line {rule.line}",
                )


def export_pack(pack: RulePack, fmt: ExportFormat, scope: Scope = Scope.ALL) -> str:
    """The text of a rule pack's rules of `scope` in `fmt`; the same pack gives the same
    bytes

    Raises:
        RuleError: two rules would get the same EventBridge rule or metric name.
    """
    _check_names(pack.rules)
    rules = tuple(
        rule
        for rule in pack.rules
        if scope is Scope.ALL or is_global(rule) == (scope is Scope.GLOBAL)
    )
    metrics = () if scope is Scope.REGIONAL else tuple(r for r in pack.rules if r.metric_filter)
    if fmt is ExportFormat.CLOUDFORMATION:
        return _cloudformation(rules, metrics, scope)
    if fmt is ExportFormat.TERRAFORM:
        return _terraform(rules, metrics)
    return _eventbridge(rules)
