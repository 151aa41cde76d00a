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
    evaluate,
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
    """Each request decided by the engine under `policies`; a request that needs a resource
    grant is decided with a resource policy delegating to IAM unless `policies` has one"""
    delegating = PolicySet(
        identity=policies.identity,
        permissions_boundary=policies.permissions_boundary,
        session=policies.session,
        resource=policies.resource or _delegating(principal_arn),
        scps=policies.scps,
        rcps=policies.rcps,
        is_management_account=policies.is_management_account,
    )
    for request in requests:
        chosen = delegating if request.needs_resource_grant else policies
        yield (
            request,
            evaluate(
                Request(principal=principal_arn, action=request.action, resource=request.resource),
                chosen,
            ),
        )
