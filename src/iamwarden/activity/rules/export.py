"""A rule pack as infrastructure, so that its rules also run natively in AWS: EventBridge rules
with an SNS topic as target (CloudFormation, Terraform JSON, or the raw patterns), and for the
CIS section 4 controls the CloudWatch Logs metric filter and alarm the benchmark prescribes

Conditions cannot be written as EventBridge patterns: an exported rule with conditions fires
on every match of its pattern and says which conditions were left out in its description.
Events of global services (IAM, STS, Organizations, sign-in) reach EventBridge in us-east-1
only ("Events from AWS services", EventBridge User Guide), so the rules are deployed there.

The documents are built as data and serialised by `json` (Terraform's JSON syntax, raw
patterns) and PyYAML (CloudFormation); this module writes no file.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

import yaml

from iamwarden.activity.rules.model import Rule, RulePack

__all__ = ["ExportFormat", "export_pack", "metric_name", "rule_name"]

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


def rule_name(rule: Rule) -> str:
    """The EventBridge rule name of a rule (`iamwarden-<id with dashes>`, at most 64 characters
    of `[.-_A-Za-z0-9]`)"""
    return f"iamwarden-{rule.id.replace('_', '-')}"[:64]


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


def _cloudformation(pack: RulePack) -> str:
    resources: dict[str, Any] = {}
    for rule in pack.rules:
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
        if rule.metric_filter:
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
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            "iamwarden detection rules: EventBridge rules (deploy in us-east-1, where IAM, STS "
            "and sign-in events arrive) and the CIS AWS Foundations v3.0.0 section 4 metric "
            "filters and alarms"
        ),
        "Parameters": {
            _TOPIC: {
                "Type": "String",
                "Description": "ARN of the SNS topic that receives alerts (its policy must let "
                "events.amazonaws.com and cloudwatch.amazonaws.com publish)",
            },
            _LOG_GROUP: {
                "Type": "String",
                "Description": "CloudWatch Logs log group the CloudTrail trail delivers to",
            },
        },
        "Resources": resources,
    }
    dumped: str = yaml.safe_dump(template, sort_keys=False, width=100, allow_unicode=True)
    return dumped


def _terraform(pack: RulePack) -> str:
    rules: dict[str, Any] = {}
    targets: dict[str, Any] = {}
    filters: dict[str, Any] = {}
    alarms: dict[str, Any] = {}
    for rule in pack.rules:
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
        if rule.metric_filter:
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
    config = {
        "variable": {
            "alert_topic_arn": {
                "type": "string",
                "description": "ARN of the SNS topic that receives alerts",
            },
            "cloudtrail_log_group_name": {
                "type": "string",
                "description": "CloudWatch Logs log group the CloudTrail trail delivers to",
            },
        },
        "resource": {
            "aws_cloudwatch_event_rule": rules,
            "aws_cloudwatch_event_target": targets,
            "aws_cloudwatch_log_metric_filter": filters,
            "aws_cloudwatch_metric_alarm": alarms,
        },
    }
    return json.dumps(config, indent=2) + "\n"


def _eventbridge(pack: RulePack) -> str:
    found: list[dict[str, Any]] = []
    for rule in pack.rules:
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


def export_pack(pack: RulePack, fmt: ExportFormat) -> str:
    """The text of a rule pack in `fmt`; the same pack gives the same bytes"""
    if fmt is ExportFormat.CLOUDFORMATION:
        return _cloudformation(pack)
    if fmt is ExportFormat.TERRAFORM:
        return _terraform(pack)
    return _eventbridge(pack)
