"""Engine requests from recorded calls: one per (action, resource) a call needed, with the
resource's own policy taken as delegating to IAM where AWS requires one (a KMS key's default
key policy, a role's trust policy naming the caller's account), decided in the request
context each call had (`activity.origins`: Region, source IP address, via a service, user
agent; the keys every request carries that the record does not give are undecided, so a
condition on them makes the answer conditional, never a plain allow)

This module builds requests and asks the engine; it generates and renders nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from iamwarden.activity.calls import RecordedCall
from iamwarden.activity.origins import CallOrigin
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

__all__ = ["CallRequest", "call_requests", "condition_keys", "decide"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRequest:
    """One action on one resource that recorded calls needed: how often and when last (UTC)"""

    action: str
    resource: str
    count: int
    last_seen: datetime
    event_names: tuple[str, ...]
    origins: tuple[CallOrigin, ...] = ()
    """where the calls came from; none known: every request key but the Region undecided"""

    @property
    def needs_resource_grant(self) -> bool:
        """Whether AWS also requires the resource's own policy to allow the call (a KMS key,
        a role to assume)"""
        return (self.action.startswith("kms:") and ":key/" in self.resource) or (
            self.action.lower().startswith("sts:assumerole") and ":role/" in self.resource
        )


def _origin_order(origin: CallOrigin) -> tuple[str, str, str]:
    return origin.region, origin.source, origin.user_agent


def call_requests(calls: Sequence[RecordedCall]) -> tuple[CallRequest, ...]:
    """The distinct (action, resource) pairs of `calls`, sorted, with counts summed and the
    origins of their calls (`RecordedCall.origins`; a call without them: its Region only)

    `resource` is the policy's spelling (IAM's `${*}` escapes, wildcards the mapping chose).
    """
    merged: dict[tuple[str, str], tuple[int, datetime, set[str], set[CallOrigin]]] = {}
    regions: dict[str, tuple[CallOrigin, ...]] = {}
    for call in calls:
        known = call.origins
        if not known:
            known = regions.get(call.region) or regions.setdefault(
                call.region, (CallOrigin(region=call.region, source=""),)
            )
        for mapped in call.mapping.actions:
            for resource in mapped.resources:
                key = (mapped.action, resource)
                found = merged.get(key)
                if found is None:
                    merged[key] = (call.count, call.last_seen, {call.event_name}, set(known))
                    continue
                count, last, names, seen = found
                names.add(call.event_name)
                seen.update(known)
                merged[key] = (count + call.count, max(last, call.last_seen), names, seen)
    return tuple(
        CallRequest(
            action=action,
            resource=resource,
            count=count,
            last_seen=last,
            event_names=tuple(sorted(names)) if len(names) > 1 else tuple(names),
            origins=tuple(sorted(seen, key=_origin_order)) if len(seen) > 1 else tuple(seen),
        )
        for (action, resource), (count, last, names, seen) in sorted(merged.items())
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


def condition_keys(policies: PolicySet) -> frozenset[str]:
    """Every condition key (lowercased) a statement of `policies` names"""
    every: list[Policy] = [*policies.identity, *(policies.session or ())]
    every += [p for p in (policies.permissions_boundary, policies.resource) if p is not None]
    every += [p for level in (*(policies.scps or ()), *(policies.rcps or ())) for p in level]
    return frozenset(c.key.lower() for p in every for s in p.statements for c in s.conditions)


_Context = tuple[tuple[tuple[str, str], ...], frozenset[str]]


@lru_cache(maxsize=4096)
def _context(origin: CallOrigin, used: frozenset[str]) -> _Context:
    """The context of an origin, keys no condition names (`used`) left out"""
    given, undecided = origin.context()
    kept = tuple(sorted((k, v) for k, v in given.items() if k.lower() in used))
    return kept, undecided & used


_NOWHERE = (CallOrigin(region="", source=""),)


def _contexts(request: CallRequest, used: frozenset[str]) -> tuple[_Context, ...]:
    """The distinct contexts of the request's origins, keys no condition names left out"""
    return tuple(dict.fromkeys(_context(o, used) for o in request.origins or _NOWHERE))


def _request_resource(pattern: str) -> str:
    """The resource a policy's `pattern` names as a request asks for it (`${*}` is `*`)"""
    if "${" not in pattern:
        return pattern
    return pattern.replace("${*}", "*").replace("${?}", "?").replace("${$}", "$")


def _rank(answer: Evaluation) -> int:
    return 0 if answer.is_allowed and not answer.is_conditional else 1 if answer.is_allowed else 2


def decide(
    principal_arn: str, requests: Sequence[CallRequest], policies: PolicySet
) -> Iterator[tuple[CallRequest, Evaluation]]:
    """Each request decided by the engine under `policies`, in the order given; a request
    that needs a resource grant is decided with a resource policy delegating to IAM unless
    `policies` has one

    A request is decided in the context of each of its origins (only the keys a condition
    of `policies` names tell them apart) and answered with the worst answer: not allowed
    before conditionally allowed (an undecided key) before allowed. The requests of one
    action and context are decided together by the engine's bulk path
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
    used = condition_keys(delegating)
    groups: dict[tuple[str, bool, _Context], list[int]] = {}
    for index, request in enumerate(requests):
        for context in _contexts(request, used):
            key = (request.action, request.needs_resource_grant, context)
            groups.setdefault(key, []).append(index)
    answers: list[Evaluation | None] = [None] * len(requests)
    for (action, grant, (given, undecided)), indexes in groups.items():
        listed = ResourceList(_request_resource(requests[i].resource) for i in indexes)
        asked = Request(
            principal=principal_arn,
            action=action,
            resource=listed.arns[0],
            context=dict(given),
            unknown_keys=undecided,
        )
        for found in evaluate_resources(asked, delegating if grant else policies, listed):
            for position in found.indexes():
                index = indexes[position]
                known = answers[index]
                if known is None or _rank(found.evaluation) > _rank(known):
                    answers[index] = found.evaluation
    for request, answer in zip(requests, answers, strict=True):
        assert answer is not None
        yield request, answer
