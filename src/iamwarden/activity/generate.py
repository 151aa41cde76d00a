"""Least-privilege policy generation from recorded calls, verified by the engine

The policy allows exactly the actions the principal's successful calls needed, grouped by
service, on the resources derived from the requests: S3 objects of one bucket collapse to a
path-level wildcard when there are more than `object_limit`, any other resource list to a
wildcard after the prefix its ARNs share (`table/prod-*`) when longer than
`resource_limit`; `*` (with the reason) where no resource could be derived. The engine then
decides every recorded request against the generated policy (`Verification`) in the
context its calls had, and every one must be allowed; calls no action was found for are
not verified.

This module generates and verifies; it never prints (the CLI renders).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from iamwarden.activity.calls import RecordedCall, UnmappedEvent, unmapped_of
from iamwarden.activity.requests import CallRequest, call_requests, decide
from iamwarden.policy import Evaluation, PolicySet, parse_policy

__all__ = [
    "GenerateOptions",
    "GeneratedPolicy",
    "Verification",
    "generate_policy",
    "generated_policy_set",
    "verify",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateOptions:
    """Limits of resource lists before they collapse to a wildcard"""

    object_limit: int = 3
    resource_limit: int = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class Verification:
    """The engine's check of a generated (or proposed) policy against recorded requests:
    how many distinct requests and calls were allowed, each denied one and each allowed
    only if an undecided key holds (uncertain) with its answer, and the calls no action was
    found for (not verified)"""

    requests: int
    calls: int
    allowed_requests: int
    allowed_calls: int
    denied: tuple[tuple[CallRequest, Evaluation], ...]
    delegated: int
    """requests decided with a resource policy delegating to IAM (KMS keys, roles)"""
    uncertain: tuple[tuple[CallRequest, Evaluation], ...] = ()
    """requests allowed only if the undecided keys of the answer hold: not verified"""
    unmapped: tuple[UnmappedEvent, ...] = ()
    """recorded calls no IAM action was found for: not verified"""

    @property
    def unmapped_calls(self) -> int:
        """How many recorded calls no action was found for"""
        return sum(u.count for u in self.unmapped)

    @property
    def holds(self) -> bool:
        """Whether every recorded call was verified allowed (none denied, uncertain or
        unmapped)"""
        return not (self.denied or self.uncertain or self.unmapped)


@dataclass(frozen=True, slots=True, kw_only=True)
class GeneratedPolicy:
    """A generated policy: its document (JSON text), the requests it was built from, the
    wildcards it had to use and why, and the events no action was found for"""

    principal_arn: str
    document: str | None
    """the policy's JSON text; None when no recorded call needed an action"""
    requests: tuple[CallRequest, ...]
    wildcards: tuple[tuple[str, str], ...]
    """(action, reason) of each action granted on `*` for want of a resource"""
    unmapped: tuple[UnmappedEvent, ...]
    calls: int

    @property
    def actions(self) -> tuple[str, ...]:
        """The actions granted, sorted"""
        return tuple(sorted({r.action for r in self.requests}))


def _sid(service: str, index: int) -> str:
    words = re.split(r"[^A-Za-z0-9]+", service)
    base = "".join(w[:1].upper() + w[1:] for w in words if w)
    return base if index == 0 else f"{base}Group{index + 1}"


def _common_prefix(texts: Sequence[str]) -> str:
    """The longest prefix every text shares, character by character (ARNs are not paths)"""
    first, last = min(texts), max(texts)
    size = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), None)
    return first[: len(first) if size is None else size]


def _whole_escapes(prefix: str) -> str:
    """`prefix` without a trailing part of an IAM escape (`${*}` cut after `${`)"""
    start = prefix.rfind("${")
    return prefix[:start] if start > prefix.rfind("}") else prefix


def _collapse(resources: Sequence[str], options: GenerateOptions) -> list[str]:
    if "*" in resources:
        return ["*"]
    objects: dict[str, list[str]] = {}
    others: list[str] = []
    for arn in resources:
        if arn.startswith("arn:") and ":s3:::" in arn and "/" in arn:
            objects.setdefault(arn.split("/", 1)[0], []).append(arn)
        else:
            others.append(arn)
    out: list[str] = []
    for bucket, arns in objects.items():
        if len(arns) > options.object_limit:
            prefix = _common_prefix(arns)
            prefix = prefix[: prefix.rfind("/") + 1] if "/" in prefix else bucket + "/"
            out.append(prefix + "*")
        else:
            out.extend(arns)
    if len(others) > options.resource_limit:
        cut = _whole_escapes(_common_prefix(others))
        others = [cut + "*"] if cut.startswith("arn:") else ["*"]
    return sorted({*out, *others})


def generate_policy(
    principal_arn: str,
    calls: Sequence[RecordedCall],
    *,
    options: GenerateOptions | None = None,
) -> GeneratedPolicy:
    """The least-privilege policy of `calls` (the principal's successful recorded calls);
    the requests are in their calls' contexts (`RecordedCall.origins`)"""
    options = options or GenerateOptions()
    requests = call_requests(calls)
    by_action: dict[str, list[str]] = {}
    for request in requests:
        by_action.setdefault(request.action, []).append(request.resource)
    wildcards = sorted(
        {
            (mapped.action, mapped.note)
            for call in calls
            for mapped in call.mapping.actions
            if mapped.note and "*" in mapped.resources
        }
    )
    by_service: dict[str, dict[tuple[str, ...], list[str]]] = {}
    for action, resources in sorted(by_action.items()):
        service = action.split(":", 1)[0]
        collapsed = tuple(_collapse(resources, options))
        by_service.setdefault(service, {}).setdefault(collapsed, []).append(action)
    statements = []
    for service, groups in sorted(by_service.items()):
        for index, (targets, actions) in enumerate(sorted(groups.items())):
            statements.append(
                {
                    "Sid": _sid(service, index),
                    "Effect": "Allow",
                    "Action": sorted(actions),
                    "Resource": targets[0] if len(targets) == 1 else list(targets),
                }
            )
    document = (
        json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
        if statements
        else None
    )
    return GeneratedPolicy(
        principal_arn=principal_arn,
        document=document,
        requests=requests,
        wildcards=tuple(wildcards),
        unmapped=unmapped_of(calls),
        calls=sum(c.count for c in calls if c.mapping.actions),
    )


def verify(
    principal_arn: str,
    requests: Sequence[CallRequest],
    policies: PolicySet,
    *,
    unmapped: Sequence[UnmappedEvent] = (),
) -> Verification:
    """Every request decided by the engine under `policies` (see `requests.decide`); a
    conditional allow is uncertain, and `unmapped` calls (`GeneratedPolicy.unmapped`) are
    counted as not verified"""
    denied = []
    uncertain = []
    allowed_requests = allowed_calls = delegated = 0
    for request, answer in decide(principal_arn, requests, policies):
        delegated += request.needs_resource_grant and policies.resource is None
        if answer.is_allowed and not answer.is_conditional:
            allowed_requests += 1
            allowed_calls += request.count
        elif answer.is_allowed:
            uncertain.append((request, answer))
        else:
            denied.append((request, answer))
    return Verification(
        requests=len(requests),
        calls=sum(r.count for r in requests),
        allowed_requests=allowed_requests,
        allowed_calls=allowed_calls,
        denied=tuple(denied),
        delegated=delegated,
        uncertain=tuple(uncertain),
        unmapped=tuple(unmapped),
    )


def generated_policy_set(generated: GeneratedPolicy) -> PolicySet:
    """The generated policy as the only identity policy of a policy set (none when empty)"""
    if generated.document is None:
        return PolicySet()
    return PolicySet(identity=(parse_policy(generated.document, name="generated policy"),))
