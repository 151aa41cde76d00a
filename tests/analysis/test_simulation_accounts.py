"""Simulated decisions the engine's review found wrong: which account a resource belongs to
(the scenario loader, the simulate command's library call and who-can agree with the
engine), and when a decision is uncertain"""

from __future__ import annotations

import pytest

from iamwarden.analysis.escalation.who_can import who_can
from iamwarden.analysis.simulation import (
    Verdict,
    load_scenarios,
    results_to_json,
    run_scenarios,
    simulate_principal,
)
from iamwarden.policy import Decision
from iamwarden.policy.catalog import load_catalog
from iamwarden.snapshot import demo_snapshot

DEPLOY_BOT = "arn:aws:iam::210987654321:user/deploy-bot"
MANAGED = "arn:aws:iam::aws:policy/AdministratorAccess"


def _admin_scenario(action: str, resource: str) -> str:
    return f"""
scenarios:
  - name: admin
    principal: arn:aws:iam::111122223333:user/alice
    identity_policies:
      - {{Version: "2012-10-17", Statement: [{{Effect: Allow, Action: "*", Resource: "*"}}]}}
    requests:
      - {{action: "{action}", resource: "{resource}"}}
"""


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        # an AWS managed policy: the account field `aws` names no account, and IAM
        # policies have no resource policy (IAM User Guide,
        # reference_policies_evaluation-logic-cross-account.md: only a request to another
        # account's resource needs that account's resource policy)
        ("iam:GetPolicy", MANAGED),
        ("iam:GetPolicyVersion", MANAGED),
        # a wildcard account field asks about some resource it matches, the principal's
        # own account among them (access_policies_testing-policies.md)
        ("ec2:DescribeInstances", "arn:aws:ec2:*:*:instance/*"),
        ("iam:GetRole", "arn:aws:iam::*:role/*"),
        ("ec2:TerminateInstances", "arn:aws:ec2:us-east-1:1111222233??:instance/*"),
        # some customer managed policy of the account: not every one is AWS managed
        ("iam:CreatePolicyVersion", "arn:aws:iam::*:policy/*"),
    ],
)
def test_scenario_resource_of_aws_or_a_wildcard_account_is_not_another_account(
    action: str, resource: str
) -> None:
    (result,) = run_scenarios(load_scenarios(_admin_scenario(action, resource)))
    assert result.evaluation.decision is Decision.ALLOWED, result.explain()


def test_scenario_resource_in_an_account_the_pattern_excludes_is_cross_account() -> None:
    text = _admin_scenario("ec2:TerminateInstances", "arn:aws:ec2:us-east-1:4444*:instance/*")
    (result,) = run_scenarios(load_scenarios(text))
    assert result.evaluation.decision is Decision.IMPLICIT_DENY
    assert result.evaluation.deciding_kind is not None
    assert result.evaluation.deciding_kind.value == "resource"


def test_simulate_principal_and_who_can_agree_on_an_aws_managed_policy() -> None:
    """`iamwarden simulate --demo` and `who-can --demo` ask the same question"""
    snapshot = demo_snapshot()
    (result,) = simulate_principal(
        snapshot, DEPLOY_BOT, ["iam:GetPolicy"], [MANAGED], region="us-east-1"
    )
    assert result.evaluation.decision is Decision.ALLOWED, result.explain()
    answer = who_can(snapshot, "iam:GetPolicy", MANAGED, catalog=load_catalog())
    assert DEPLOY_BOT in {arn for arn, _ in answer.direct}


def test_simulate_principal_with_a_wildcard_account_resource_is_allowed_for_an_admin() -> None:
    (result,) = simulate_principal(
        demo_snapshot(),
        DEPLOY_BOT,
        ["ec2:DescribeInstances"],
        ["arn:aws:ec2:*:*:instance/*"],
        region="us-east-1",
    )
    assert result.evaluation.decision is Decision.ALLOWED, result.explain()


def test_a_decision_resting_on_an_absent_always_present_key_is_flagged_uncertain() -> None:
    """`aws:SecureTransport` and `aws:CurrentTime` are in every request (IAM User Guide,
    reference_policies_condition-keys.md, their "Availability" lines): a decision made
    without them is uncertain in the JSON's `uncertain` field and in `--explain`, not only
    in its verdict"""
    text = """
scenarios:
  - name: s
    principal: arn:aws:iam::111122223333:user/a
    identity_policies:
      - Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: "s3:*", Resource: "*"}
          - Effect: Deny
            Action: "s3:*"
            Resource: "*"
            Condition: {BoolIfExists: {"aws:SecureTransport": "false"}}
    requests:
      - {action: s3:GetObject, resource: "arn:aws:s3:::b/k", expect: explicitDeny}
      - action: s3:GetObject
        resource: "arn:aws:s3:::b/k"
        context: {"aws:SecureTransport": "true"}
"""
    absent, given = run_scenarios(load_scenarios(text))
    assert absent.is_uncertain and not absent.evaluation.is_uncertain
    assert absent.verdict is Verdict.UNCERTAIN
    assert "uncertain: decided without aws:SecureTransport" in absent.explain()
    first, second = results_to_json([absent, given])["results"]
    assert first["uncertain"] is True and first["verdict"] == "uncertain"
    assert second["uncertain"] is False and "uncertain" not in given.explain()
