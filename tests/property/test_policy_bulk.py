"""The bulk query never changes a decision (hypothesis)

`evaluate_resources` decides one resource per class of resources alike for the policy set;
each entry's answer must equal `evaluate` and a fresh, uncached evaluation of the request on
that entry.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamwarden.policy import (
    PolicySet,
    Request,
    ResourceList,
    evaluate,
    evaluate_resources,
    shared_key,
)
from iamwarden.policy.engine.authorizer import evaluate_uncached
from tests.property.test_policy_memo import HOME, OTHER, PRINCIPALS, _answer, policy_sets

ACTIONS = (
    "s3:GetObject",
    "s3:ListBucket",
    "iam:CreateUser",
    "iam:GetUser",
    "iam:PutRolePolicy",
    "iam:CreatePolicyVersion",
    "sts:AssumeRole",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "sqs:SendMessage",
    "s3:Get*",
)
RESOURCES = (
    "arn:aws:s3:::docs/a.txt",
    "arn:aws:s3:::logs/b.txt",
    "arn:aws:s3:::docs",
    f"arn:aws:iam::{HOME}:user/alice",
    f"arn:aws:iam::{HOME}:user/bob",
    f"arn:aws:iam::{OTHER}:user/carol",
    f"arn:aws:iam::{HOME}:role/app",
    f"arn:aws:iam::{HOME}:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
    f"arn:aws:iam::{HOME}:policy/p",
    "arn:aws:iam::aws:policy/AdministratorAccess",
    f"arn:aws:kms:us-east-1:{HOME}:key/k1",
    f"arn:aws:kms:us-east-1:{HOME}:alias/aws/s3",
    f"arn:aws:kms:us-east-1:{HOME}:alias/app",
    f"arn:aws:sqs:us-east-1:{HOME}:queue",
    f"arn:aws:sqs:us-east-1:{OTHER}:queue",
    "arn:aws:s3:::docs/*",
)

templates = st.builds(
    lambda principal, action, tls, tag, unknown: Request(
        principal=principal,
        action=action,
        context={"aws:SecureTransport": tls},
        principal_tags={"team": tag},
        unknown_keys=frozenset({"aws:SecureTransport"}) if unknown else frozenset(),
    ),
    st.sampled_from(PRINCIPALS),
    st.sampled_from(ACTIONS),
    st.sampled_from(["true", "false"]),
    st.sampled_from(["red", "blue"]),
    st.booleans(),
)


@given(
    policy_sets(),
    st.lists(templates, min_size=1, max_size=4),
    st.lists(st.sampled_from(RESOURCES), min_size=0, max_size=12),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_bulk_decisions_equal_one_by_one(
    policies: PolicySet, requests: list[Request], resources: list[str]
) -> None:
    listed = ResourceList(resources)  # one list reused by every request, as analyses do
    for request in requests:
        answers: dict[int, object] = {}
        for found in evaluate_resources(request, policies, listed):
            for i in found.indexes():
                assert i not in answers
                answers[i] = _answer(found.evaluation)
        assert sorted(answers) == list(range(len(resources)))
        for i, resource in enumerate(resources):
            asked = replace(request, resource=resource)
            assert answers[i] == _answer(evaluate_uncached(asked, policies)), asked
            assert answers[i] == _answer(evaluate(asked, policies)), asked


@given(
    policy_sets(),
    st.lists(templates, min_size=2, max_size=6),
    st.sampled_from(RESOURCES),
    st.booleans(),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_equal_shared_keys_mean_equal_decisions(
    policies: PolicySet, requests: list[Request], resource: str, drop_resource_policy: bool
) -> None:
    if drop_resource_policy:
        policies = replace(policies, resource=None)
    seen: dict[object, tuple[object, ...]] = {}
    for request in requests:
        asked = replace(request, resource=resource)
        key = shared_key(asked, policies)
        answer = _answer(evaluate_uncached(asked, policies))
        if key is not None:
            assert seen.setdefault(key, answer) == answer, asked
