"""The exported rule pack deployed on the AWS API emulator (moto server on 127.0.0.1): the
CloudFormation stack creates every EventBridge rule with its pattern and SNS target; the raw
rules are accepted by PutRule and the CIS metric filters by PutMetricFilter"""

from __future__ import annotations

import json

import boto3

from iamwarden.activity.rules import (
    ExportFormat,
    export_pack,
    load_builtin_pack,
    metric_name,
    rule_name,
)

PACK = load_builtin_pack()


def test_the_cloudformation_stack_deploys_every_rule(emulator: str) -> None:
    sns = boto3.client("sns", region_name="us-east-1")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    boto3.client("logs", region_name="us-east-1").create_log_group(logGroupName="trail")
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack(
        StackName="iamwarden-rules",
        TemplateBody=export_pack(PACK, ExportFormat.CLOUDFORMATION),
        Parameters=[
            {"ParameterKey": "AlertTopicArn", "ParameterValue": topic},
            {"ParameterKey": "CloudTrailLogGroupName", "ParameterValue": "trail"},
        ],
    )
    stack = cloudformation.describe_stacks(StackName="iamwarden-rules")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    events = boto3.client("events", region_name="us-east-1")
    deployed = {
        r["Name"]: r
        for page in events.get_paginator("list_rules").paginate(NamePrefix="iamwarden-")
        for r in page["Rules"]
    }
    assert set(deployed) == {rule_name(r) for r in PACK.rules}
    for rule in PACK.rules:
        assert json.loads(deployed[rule_name(rule)]["EventPattern"]) == rule.pattern.pattern
    targets = events.list_targets_by_rule(Rule="iamwarden-mfa-deactivated")["Targets"]
    assert [t["Arn"] for t in targets] == [topic]
    # moto 5.2.1's CloudFormation skips AWS::Logs::MetricFilter and AWS::CloudWatch::Alarm:
    # the stack names them; their properties are checked by cfn-lint (test_export) and
    # the filters are put through the Logs API below


def test_the_raw_rules_are_accepted_by_putrule(emulator: str) -> None:
    events = boto3.client("events", region_name="us-east-1")
    for entry in json.loads(export_pack(PACK, ExportFormat.EVENTBRIDGE)):
        events.put_rule(
            Name=entry["Name"],
            EventPattern=entry["EventPattern"],
            State=entry["State"],
            Description=entry["Description"],
        )
    assert len(events.list_rules(NamePrefix="iamwarden-")["Rules"]) == len(PACK)


def test_the_cis_metric_filters_are_accepted_by_the_logs_api(emulator: str) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName="trail")
    raw = json.loads(export_pack(PACK, ExportFormat.EVENTBRIDGE))
    for entry in raw:
        if "MetricFilter" in entry:
            logs.put_metric_filter(logGroupName="trail", **entry["MetricFilter"])
    stored = logs.describe_metric_filters(logGroupName="trail")["metricFilters"]
    assert sorted(f["filterName"] for f in stored) == sorted(
        metric_name(r) for r in PACK.rules if r.metric_filter
    )
