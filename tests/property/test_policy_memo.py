"""The engine's memo never changes a decision (hypothesis)

`evaluate_many` reuses compiled policy sets, per-action plans and, for condition-free
plans, remembered answers per (principal, resource account, matching statements); each
answer must equal a fresh, uncached evaluation of the same request.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamwarden.policy import (
    Evaluation,
    PolicyKind,
    PolicySet,
    Request,
    evaluate,
    evaluate_actions,
    evaluate_many,
    load_catalog,
    parse_policy,
)
from iamwarden.policy.engine.authorizer import evaluate_uncached

HOME, OTHER = "111122223333", "444455556666"
PRINCIPALS = (
    f"arn:aws:iam::{HOME}:user/alice",
    f"arn:aws:iam::{HOME}:user/bob",
    f"arn:aws:iam::{OTHER}:user/carol",
    f"arn:aws:iam::{HOME}:role/app",
    f"arn:aws:sts::{HOME}:assumed-role/app/s1",
    f"arn:aws:sts::{OTHER}:assumed-role/ops/s2",
    HOME,
    "lambda.amazonaws.com",
)
ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "iam:CreateUser",
    "iam:GetUser",
    "sqs:SendMessage",
    "s3:Get*",
    "iam:*",
)
RESOURCES = (
    "*",
    "arn:aws:s3:::docs/a.txt",
    "arn:aws:s3:::logs/b.txt",
    "arn:aws:s3:::docs",
    f"arn:aws:iam::{HOME}:user/bob",
    f"arn:aws:iam::{OTHER}:user/carol",
    f"arn:aws:sqs:us-east-1:{HOME}:queue",
    f"arn:aws:sqs:us-east-1:{OTHER}:queue",
)
PATTERNS = ("*", "s3:*", "s3:Get*", "s3:GetObject", "iam:*", "iam:Get*", "iam:CreateUser", "sqs:*")
RESOURCE_PATTERNS = (
    "*",
    "arn:aws:s3:::docs/*",
    "arn:aws:s3:::docs",
    "arn:aws:s3:::*/b.txt",
    f"arn:aws:iam::{HOME}:user/*",
    "arn:aws:sqs:*:*:queue",
    "arn:aws:iam::*:user/${aws:username}",
)
PRINCIPAL_VALUES = (
    "*",
    HOME,
    OTHER,
    f"arn:aws:iam::{HOME}:user/alice",
    f"arn:aws:iam::{HOME}:role/app",
    f"arn:aws:iam::{OTHER}:root",
)
CONDITIONS = (
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"aws:PrincipalTag/team": "red"}},
    {"StringEquals": {"aws:PrincipalAccount": HOME}},
)


@st.composite
def statements(draw: st.DrawFn, *, principal: bool) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Action" if draw(st.integers(0, 4)) else "NotAction": draw(
            st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=2, unique=True)
        ),
        "Resource" if draw(st.integers(0, 4)) else "NotResource": draw(
            st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2, unique=True)
        ),
    }
    if principal:
        statement["Principal"] = {
            "AWS": draw(st.lists(st.sampled_from(PRINCIPAL_VALUES), min_size=1, max_size=2))
        }
    if draw(st.integers(0, 5)) == 0:
        statement["Condition"] = draw(st.sampled_from(CONDITIONS))
    return statement


def _doc(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": items}


@st.composite
def policy_sets(draw: st.DrawFn) -> PolicySet:
    def policies(kind: PolicyKind, name: str, count: int) -> tuple[Any, ...]:
        return tuple(
            parse_policy(
                _doc(
                    draw(
                        st.lists(
                            statements(principal=kind is PolicyKind.RESOURCE),
                            min_size=1,
                            max_size=3,
                        )
                    )
                ),
                name=f"{name}{i}",
                kind=kind,
            )
            for i in range(count)
        )

    boundary = policies(PolicyKind.PERMISSIONS_BOUNDARY, "boundary", draw(st.integers(0, 1)))
    resource = policies(PolicyKind.RESOURCE, "resource", draw(st.integers(0, 1)))
    scps = tuple(
        policies(PolicyKind.SCP, f"scp{level}.", draw(st.integers(1, 2)))
        for level in range(draw(st.integers(0, 2)))
    )
    return PolicySet(
        identity=policies(PolicyKind.IDENTITY, "identity", draw(st.integers(0, 3))),
        permissions_boundary=boundary[0] if boundary else None,
        resource=resource[0] if resource else None,
        scps=scps or None,
        session=policies(PolicyKind.SESSION, "session", 1) if draw(st.booleans()) else None,
    )


requests = st.builds(
    lambda principal, action, resource, tls, tag, unknown: Request(
        principal=principal,
        action=action,
        resource=resource,
        context={"aws:SecureTransport": tls},
        principal_tags={"team": tag},
        unknown_keys=frozenset({"aws:SecureTransport"}) if unknown else frozenset(),
    ),
    st.sampled_from(PRINCIPALS),
    st.sampled_from(ACTIONS),
    st.sampled_from(RESOURCES),
    st.sampled_from(["true", "false"]),
    st.sampled_from(["red", "blue"]),
    st.booleans(),
)


def _answer(result: Evaluation) -> tuple[object, ...]:
    return (result.decision, result.reasons, result.undecided, result.errors, result.deciding_kind)


@given(policy_sets(), st.lists(requests, min_size=1, max_size=30))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_memoised_decisions_equal_fresh_evaluations(
    policies: PolicySet, batch: list[Request]
) -> None:
    # each request twice, so that the second is answered from the memo
    doubled = batch + batch
    remembered = evaluate_many(doubled, policies)
    one_by_one = [evaluate(request, policies) for request in doubled]
    # an equal set built afresh shares the compilation (plans and memo) by content
    copies = [evaluate(request, dataclasses.replace(policies)) for request in doubled]
    for request, cached, single, copied in zip(
        doubled, remembered, one_by_one, copies, strict=True
    ):
        fresh = evaluate_uncached(request, policies)
        assert _answer(cached) == _answer(fresh), request
        assert _answer(single) == _answer(fresh), request
        assert _answer(copied) == _answer(fresh), request


CATALOGUE_ACTIONS = (
    "s3:GetObject",
    "s3:GetObjectAcl",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteBucket",
    "iam:CreateUser",
    "iam:GetUser",
    "iam:CreateAccessKey",
    "sqs:SendMessage",
    "kms:Decrypt",
    "sts:AssumeRole",
    "sts:GetCallerIdentity",
    "ec2:RunInstances",
)


@given(policy_sets(), requests)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_actions_decided_by_class_equal_each_decided_alone(
    policies: PolicySet, request: Request
) -> None:
    """`evaluate_actions` decides one action per class of actions the set treats alike; each
    answer must equal that action's own fresh evaluation"""
    catalog = load_catalog()
    by_class = evaluate_actions(request, policies, CATALOGUE_ACTIONS, catalog=catalog)
    assert set(by_class) == set(CATALOGUE_ACTIONS)
    for action in CATALOGUE_ACTIONS:
        fresh = evaluate_uncached(dataclasses.replace(request, action=action), policies)
        assert _answer(by_class[action]) == _answer(fresh), action
