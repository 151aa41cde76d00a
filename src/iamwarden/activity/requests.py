"""Engine requests from recorded calls: one per (action, resource) a call needed, with the
resource's own policy taken as delegating to IAM where AWS requires one (a KMS key's default
key policy, a role's trust policy naming the caller's account)

This module builds requests and asks the engine; it generates and renders nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from iamwarden.activity.calls import RecordedCall
from iamwarden.policy import (
    Evaluation,
    Policy,
    PolicyKind,
    PolicySet,
    Request,
    ResourceList,
    evaluate_resources,
    parse_policy,
    try_parse_arn,
)

__all__ = ["CallRequest", "call_requests", "decide"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRequest:
    """One action on one resource that recorded calls needed: how often and when last (UTC)"""

    action: str
    resource: str
    count: int
    last_seen: datetime
    event_names: tuple[str, ...]

    @property
    def needs_resource_grant(self) -> bool:
        """Whether AWS also requires the resource's own policy to allow the call (a KMS key,
        a role to assume)"""
        return (self.action.startswith("kms:") and ":key/" in self.resource) or (
            self.action.lower().startswith("sts:assumerole") and ":role/" in self.resource
        )


def call_requests(calls: Sequence[RecordedCall]) -> tuple[CallRequest, ...]:
    """The distinct (action, resource) pairs of `calls`, sorted, with counts summed"""
    merged: dict[tuple[str, str], tuple[int, datetime, set[str]]] = {}
    for call in calls:
        for mapped in call.mapping.actions:
            for resource in mapped.resources:
                key = (mapped.action, resource)
                count, last, names = merged.get(key, (0, call.last_seen, set()))
                names.add(call.event_name)
                merged[key] = (count + call.count, max(last, call.last_seen), names)
    return tuple(
        CallRequest(
            action=action,
            resource=resource,
            count=count,
            last_seen=last,
            event_names=tuple(sorted(names)),
        )
        for (action, resource), (count, last, names) in sorted(merged.items())
    )


def _delegating(principal_arn: str) -> Policy:
    """A resource policy that leaves the decision to IAM in the caller's account, as a KMS
    key's default key policy and a trust policy naming the account do"""
    parsed = try_parse_arn(principal_arn)
    partition = parsed.partition if parsed else "aws"
    account = parsed.account if parsed else "*"
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                    "Action": "*",
                    "Resource": "*",
                }
            ],
        }
    )
    return parse_policy(text, name="resource policy delegating to IAM", kind=PolicyKind.RESOURCE)


def decide(
    principal_arn: str, requests: Sequence[CallRequest], policies: PolicySet
) -> Iterator[tuple[CallRequest, Evaluation]]:
    """Each request decided by the engine under `policies`, in the order given; a request
    that needs a resource grant is decided with a resource policy delegating to IAM unless
    `policies` has one

    The requests of one action are decided together by the engine's bulk path
    (`evaluate_resources`: resources alike for the policy set get one decision, the
    Evaluation `evaluate` gives each of them).

    Raises:
        InputError: `principal_arn` is not an ARN, an account id or a service.
    """
    delegating = PolicySet(
        identity=policies.identity,
        permissions_boundary=policies.permissions_boundary,
        session=policies.session,
        resource=policies.resource or _delegating(principal_arn),
        scps=policies.scps,
        rcps=policies.rcps,
        is_management_account=policies.is_management_account,
    )
    groups: dict[tuple[str, bool], list[int]] = {}
    for index, request in enumerate(requests):
        groups.setdefault((request.action, request.needs_resource_grant), []).append(index)
    answers: list[Evaluation | None] = [None] * len(requests)
    for (action, grant), indexes in groups.items():
        listed = ResourceList(requests[i].resource for i in indexes)
        asked = Request(principal=principal_arn, action=action, resource=listed.arns[0])
        for found in evaluate_resources(asked, delegating if grant else policies, listed):
            for position in found.indexes():
                answers[indexes[position]] = found.evaluation
    for request, answer in zip(requests, answers, strict=True):
        assert answer is not None
        yield request, answer
