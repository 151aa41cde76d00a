"""The built-in rule pack: every rule's own examples behave as written; every technique of the
Stratus Red Team corpus raises its alert; benign read-only events raise none"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from iamwarden.activity.rules import Rule, alerts_for, envelope, load_builtin_pack
from iamwarden.findings import Severity

ROOT = Path(__file__).resolve().parents[3]
STRATUS = ROOT.parent / "shared" / "corpora" / "cloudtrail-stratus"
BENIGN = Path(__file__).parent / "data" / "benign_read_only.json"

PACK = load_builtin_pack()

# Each Stratus Red Team technique (one recorded detonation per file) and the rules that must
# detect it: https://stratus-red-team.cloud/attack-techniques/AWS/
TECHNIQUES: dict[str, set[str]] = {
    "aws.credential-access.ec2-get-password-data": {"ec2_password_data_read"},
    "aws.credential-access.ec2-steal-instance-credentials": {"ssm_command_sent"},
    "aws.credential-access.secretsmanager-batch-retrieve-secrets": {"secrets_batch_retrieved"},
    "aws.credential-access.secretsmanager-retrieve-secrets": {"secret_read_by_user"},
    "aws.credential-access.ssm-retrieve-securestring-parameters": {
        "ssm_secure_parameters_read_by_user"
    },
    "aws.defense-evasion.cloudtrail-delete": {
        "cloudtrail_stopped_or_deleted",
        "cis_cloudtrail_changes",
    },
    "aws.defense-evasion.cloudtrail-event-selectors": {"cloudtrail_event_selectors_changed"},
    "aws.defense-evasion.cloudtrail-stop": {
        "cloudtrail_stopped_or_deleted",
        "cis_cloudtrail_changes",
    },
    "aws.defense-evasion.dns-delete-logs": {"dns_query_logging_deleted"},
    "aws.defense-evasion.organizations-leave": {
        "account_left_organization",
        "cis_organizations_changes",
    },
    "aws.defense-evasion.vpc-remove-flow-logs": {"vpc_flow_logs_deleted"},
    "aws.discovery.ec2-download-user-data": {"ec2_user_data_read"},
    "aws.execution.ec2-launch-unusual-instances": {"ec2_unusual_instance_launch"},
    "aws.execution.ec2-user-data": {"ec2_user_data_modified"},
    "aws.execution.ssm-send-command": {"ssm_command_sent"},
    "aws.execution.ssm-start-session": {"ssm_session_started"},
    "aws.exfiltration.ec2-security-group-open-port-22-ingress": {"security_group_open_to_internet"},
    "aws.exfiltration.ec2-share-ami": {"ami_shared"},
    "aws.exfiltration.ec2-share-ebs-snapshot": {"ebs_snapshot_shared"},
    "aws.exfiltration.rds-share-snapshot": {"rds_snapshot_shared"},
    "aws.impact.bedrock-invoke-model": {"bedrock_model_access_enabled"},
    "aws.initial-access.console-login-without-mfa": {"cis_console_login_without_mfa"},
    "aws.lateral-movement.ec2-instance-connect": {"ec2_ssh_key_pushed"},
    "aws.lateral-movement.ec2-serial-console-send-ssh-public-key": {
        "ec2_serial_console_enabled",
        "ec2_ssh_key_pushed",
    },
    "aws.persistence.iam-backdoor-role": {"role_trust_opened_outside_account"},
    "aws.persistence.iam-backdoor-user": {"access_key_created_for_other_user"},
    "aws.persistence.iam-create-admin-user": {
        "iam_user_created",
        "admin_policy_attached",
        "access_key_created_for_other_user",
        "cis_iam_policy_changes",
    },
    "aws.persistence.iam-create-backdoor-role": {
        "admin_policy_attached",
        "role_trust_opened_outside_account",
    },
    "aws.persistence.iam-create-user-login-profile": {"login_profile_created_for_other_user"},
    "aws.persistence.lambda-backdoor-function": {"lambda_function_made_public"},
    "aws.persistence.lambda-layer-extension": {"lambda_layer_added"},
    "aws.persistence.lambda-overwrite-code": {"lambda_code_updated"},
    "aws.persistence.rolesanywhere-create-trust-anchor": {"roles_anywhere_trust_changed"},
    "aws.persistence.sts-federation-token": {"federation_token_requested"},
    "aws.privilege-escalation.iam-update-user-login-profile": {
        "login_profile_created_for_other_user"
    },
}


def _records(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    records: list[dict[str, Any]] = data["Records"] if isinstance(data, dict) else data
    return records


@pytest.mark.parametrize("rule", PACK.rules, ids=[r.id for r in PACK.rules])
def test_every_rule_has_its_metadata_and_examples(rule: Rule) -> None:
    assert rule.title and rule.description and rule.runbook
    assert rule.mitre and all(m.startswith("T") for m in rule.mitre)
    assert rule.positives and rule.negatives
    assert rule.source.startswith("iamwarden/activity/rules/data/") and rule.line > 0


def test_every_example_of_every_rule_behaves_as_written() -> None:
    assert [str(f) for f in PACK.check_examples()] == []


def test_a_broken_example_is_reported() -> None:
    """The example check itself can fail: a rule given another rule's positive"""
    rule = PACK.get("root_access_key_created")
    other = PACK.get("mfa_deactivated")
    assert rule is not None and other is not None
    assert rule not in PACK.match(other.positives[0])
    assert other in PACK.match(other.positives[0])


def test_the_cis_section_4_identity_controls_are_in_the_pack() -> None:
    """CIS AWS Foundations Benchmark v3.0.0 section 4: 4.1 unauthorized API calls, 4.2
    sign-in without MFA, 4.3 root usage, 4.4 IAM policy changes, 4.5 CloudTrail changes, 4.6
    console authentication failures, 4.9 Config changes, 4.15 Organizations changes"""
    by_cis = {c: r for r in PACK.rules for c in r.cis}
    assert set(by_cis) == {"4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.9", "4.15"}
    assert all(r.metric_filter.startswith("{") for r in by_cis.values())
    assert by_cis["4.3"].severity is Severity.CRITICAL


def test_the_seeds_examples_root_usage_and_new_root_key_are_critical() -> None:
    for rule_id in ("cis_root_account_usage", "root_access_key_created"):
        rule = PACK.get(rule_id)
        assert rule is not None and rule.severity is Severity.CRITICAL


def test_the_index_tries_an_event_only_on_rules_that_can_match_it() -> None:
    """Rules are indexed by their exact event names (else sources); a DescribeInstances
    event meets only the rules without either (unauthorized calls, root usage)"""
    every = {r.id for r in PACK.candidates("aws.ec2", "DescribeInstances")}
    assert every == {"cis_unauthorized_api_calls", "cis_root_account_usage"}
    lambda_rules = {r.id for r in PACK.candidates("aws.lambda", "Invoke")}
    assert "lambda_function_made_public" in lambda_rules  # indexed by source: a prefix name
    assert "lambda_function_made_public" not in every
    stop = {r.id for r in PACK.candidates("aws.cloudtrail", "StopLogging")}
    assert {"cloudtrail_stopped_or_deleted", "cis_cloudtrail_changes"} <= stop
    assert PACK.match({"eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances"}) == []


@pytest.mark.skipif(not STRATUS.is_dir(), reason="../shared/corpora/cloudtrail-stratus absent")
@pytest.mark.parametrize("technique", sorted(TECHNIQUES))
def test_every_stratus_technique_raises_its_alerts(technique: str) -> None:
    raised = {
        a.rule.id for r in _records(STRATUS / f"{technique}.json") for a in alerts_for(PACK, r)
    }
    assert TECHNIQUES[technique] <= raised


@pytest.mark.skipif(not STRATUS.is_dir(), reason="../shared/corpora/cloudtrail-stratus absent")
def test_the_technique_table_covers_the_whole_corpus() -> None:
    assert {p.name.removesuffix(".json") for p in STRATUS.glob("*.json")} == set(TECHNIQUES)


def test_benign_read_only_events_raise_nothing() -> None:
    records = _records(BENIGN)
    assert len(records) >= 40
    assert all(r["readOnly"] for r in records)
    assert [(i, a.rule.id) for i, r in enumerate(records) for a in alerts_for(PACK, r)] == []


# moto 5.2.1's `EventPattern` (a reference implementation of EventBridge matching) flattens
# objects but not arrays of objects: a pattern below `Statement[]` or `items[]` never matches
# there, though EventBridge matches it ("Arrays in Amazon EventBridge event patterns")
ARRAYS_OF_OBJECTS = {
    "ami_shared",
    "ebs_snapshot_shared",
    "s3_bucket_policy_public",
    "security_group_open_to_internet",
}


@pytest.mark.parametrize("rule", PACK.rules, ids=[r.id for r in PACK.rules])
def test_a_reference_matcher_agrees_on_every_example(rule: Rule) -> None:
    from moto.events.models import EventPattern

    reference = EventPattern(None, dict(rule.pattern.pattern))
    for record in (*rule.positives, *rule.negatives):
        event = dict(envelope(record))
        ours = rule.pattern.matches(event)
        if rule.id in ARRAYS_OF_OBJECTS and ours:
            continue  # the reference may miss it (see above)
        assert reference.matches_event(event) == ours, (rule.id, record)


def _modify_rules(*rules: dict[str, Any]) -> dict[str, Any]:
    """A ModifySecurityGroupRules record as CloudTrail logs it (EC2 API Reference,
    "ModifySecurityGroupRules": GroupId and SecurityGroupRule.N of SecurityGroupRuleId and a
    SecurityGroupRuleRequest with CidrIpv4 / CidrIpv6)"""
    listed = [
        {"SecurityGroupRuleId": f"sgr-{n}", "tag": n, "SecurityGroupRule": rule}
        for n, rule in enumerate(rules, 1)
    ]
    return {
        "eventSource": "ec2.amazonaws.com",
        "eventName": "ModifySecurityGroupRules",
        "eventType": "AwsApiCall",
        "requestParameters": {
            "ModifySecurityGroupRulesRequest": {
                "GroupId": "sg-1",
                "SecurityGroupRule": listed[0] if len(listed) == 1 else listed,
            }
        },
    }


@pytest.mark.parametrize(
    ("rules", "alerts"),
    [
        (({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "0.0.0.0/0"},), True),
        (({"IpProtocol": "-1", "CidrIpv6": "::/0"},), True),
        (({"CidrIpv4": "10.0.0.0/8"}, {"CidrIpv4": "0.0.0.0/0"}), True),
        (({"IpProtocol": "tcp", "CidrIpv4": "203.0.113.0/24"},), False),
        (({"IpProtocol": "tcp", "ReferencedGroupId": "sg-2"},), False),
    ],
)
def test_a_security_group_rule_modified_to_every_address_alerts(
    rules: tuple[dict[str, Any], ...], alerts: bool
) -> None:
    """Changing an existing rule to 0.0.0.0/0 or ::/0 opens it as an added rule does (EC2 API
    Reference, "ModifySecurityGroupRules"; Amazon VPC User Guide, "Security group rules")"""
    raised = {a.rule.id for a in alerts_for(PACK, _modify_rules(*rules))}
    assert ("security_group_open_to_internet" in raised) is alerts
