"""Which actions to ask about for one resource policy, in classes the engine decides alike.

Candidates are the catalogue actions the policy's Allow statements name that a policy on
the resource governs (the owning service's actions; `sts:` for a role's trust policy) and
that apply to it (the catalogue's resource types and ARN formats: `s3:GetObject` applies to the
objects of a bucket, `s3:ListBucket` to the bucket, `sts:AssumeRole` to a role). Actions
named by exactly the same statements are decided alike, as the engine itself groups a
wildcard action, so one of each class is asked. Nothing here decides access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iamwarden.policy import Catalog, Policy, Statement
from iamwarden.policy.arn import try_parse_arn

__all__ = ["ActionClass", "action_classes", "governed_prefix", "resource_patterns"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionClass:
    """Actions the same statements name, asked on `resource` through `representative`"""

    resource: str
    representative: str
    actions: tuple[str, ...]


_GOVERNED = {"iam": "sts"}
"""The action prefix a resource policy governs when it differs from the ARN's service"""


def governed_prefix(resource_arn: str) -> str:
    """The service prefix of the actions a policy on `resource_arn` governs"""
    arn = try_parse_arn(resource_arn)
    service = arn.service if arn is not None else ""
    return _GOVERNED.get(service, service)


def resource_patterns(resource_arn: str) -> tuple[tuple[str, str], ...]:
    """(resource to ask, its kind) for a policy's resource: a bucket and its objects, or the
    resource itself"""
    arn = try_parse_arn(resource_arn)
    if arn is not None and arn.service == "s3" and "/" not in arn.resource:
        return ((resource_arn, "s3:bucket"), (f"{resource_arn}/*", "s3:object"))
    if arn is None:
        return ((resource_arn, ""),)
    return ((resource_arn, f"{arn.service}:{arn.resource_type}"),)


def _applies(catalog: Catalog, action: str, resource: str, kind: str) -> bool:
    if kind in ("s3:bucket", "s3:object"):
        wanted = kind.split(":")[1]
        return any(ref.name == wanted for ref in catalog.resource_types(action))
    return catalog.fits_resource_type(resource, action, ignore_case=True) is True


_COVERED: dict[tuple[int, tuple[str, ...], bool], frozenset[str]] = {}


def _named(catalog: Catalog, statement: Statement) -> frozenset[str]:
    negated = statement.action is None
    patterns = statement.not_action or () if negated else statement.action or ()
    key = (id(catalog), tuple(patterns), negated)
    found = _COVERED.get(key)
    if found is None:
        found = catalog.covered(patterns, negated=negated)
        if len(_COVERED) < 65_536:
            _COVERED[key] = found
    return found


def _shape(resource: str, kind: str) -> str:
    """What decides which actions apply to a resource: its kind, and for kinds whose ARN
    formats differ in shape (a layer and its versions) the separators of its name part"""
    arn = try_parse_arn(resource)
    if arn is None:
        return kind
    return f"{kind}|{re.sub(r'[^:/]+', 'x', arn.resource)}"


_CLASSES: dict[tuple[object, ...], tuple[tuple[int, str, tuple[str, ...]], ...]] = {}


def action_classes(catalog: Catalog, policy: Policy, resource_arn: str) -> tuple[ActionClass, ...]:
    """The classes of actions to ask about `resource_arn` under `policy`, sorted"""
    patterns = resource_patterns(resource_arn)
    shapes = tuple(_shape(resource, kind) for resource, kind in patterns)
    statements = tuple((s.effect, s.action, s.not_action) for s in policy.statements)
    key = (id(catalog), statements, governed_prefix(resource_arn), shapes)
    found = _CLASSES.get(key)
    if found is None:
        found = _classes(catalog, policy, resource_arn, patterns, shapes)
        if len(_CLASSES) < 65_536:
            _CLASSES[key] = found
    return tuple(
        ActionClass(resource=patterns[index][0], representative=actions[0], actions=actions)
        for index, _, actions in found
    )


def _classes(
    catalog: Catalog,
    policy: Policy,
    resource_arn: str,
    patterns: tuple[tuple[str, str], ...],
    shapes: tuple[str, ...],
) -> tuple[tuple[int, str, tuple[str, ...]], ...]:
    """(index of the resource pattern, the pattern, actions) of each class, sorted"""
    named = [_named(catalog, s) for s in policy.statements]
    prefix = governed_prefix(resource_arn) + ":"
    allowed = frozenset(
        action
        for s, n in zip(policy.statements, named, strict=True)
        if s.effect.value == "Allow"
        for action in n
        if action.lower().startswith(prefix)
    )
    classes: list[tuple[int, str, tuple[str, ...]]] = []
    for index, ((resource, kind), shape) in enumerate(zip(patterns, shapes, strict=True)):
        groups: dict[tuple[int, ...], list[str]] = {}
        for action in allowed:
            if not _applies_cached(catalog, action, resource, kind, shape):
                continue
            signature = tuple(i for i, n in enumerate(named) if action in n)
            groups.setdefault(signature, []).append(action)
        classes.extend((index, resource, tuple(sorted(a))) for a in groups.values())
    return tuple(sorted(classes, key=lambda c: (c[1], c[2][0])))


_APPLIES: dict[tuple[int, str, str], bool] = {}


def _applies_cached(catalog: Catalog, action: str, resource: str, kind: str, shape: str) -> bool:
    # INVARIANT: whether an action applies depends only on the resource's shape (`_shape`)
    key = (id(catalog), action, shape)
    found = _APPLIES.get(key)
    if found is None:
        found = _applies(catalog, action, resource, kind)
        _APPLIES[key] = found
    return found
