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
from functools import lru_cache

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


_VARIABLE = re.compile(r"\\\$\\\{[^}]*\\\}")


@lru_cache(maxsize=4096)
def _format(pattern: str) -> re.Pattern[str]:
    return re.compile(_VARIABLE.sub(".+", re.escape(pattern)), re.IGNORECASE)


def _applies(catalog: Catalog, action: str, resource: str, kind: str) -> bool:
    if kind in ("s3:bucket", "s3:object"):
        wanted = kind.split(":")[1]
        return any(ref.name == wanted for ref in catalog.resource_types(action))
    return any(
        _format(fmt).fullmatch(resource)
        for ref in catalog.resource_types(action)
        for fmt in ref.arn_formats
    )


def _named(catalog: Catalog, statement: Statement) -> frozenset[str]:
    if statement.action is not None:
        return catalog.covered(statement.action)
    return catalog.covered(statement.not_action or (), negated=True)


_CLASSES: dict[tuple[object, ...], tuple[ActionClass, ...]] = {}


def action_classes(catalog: Catalog, policy: Policy, resource_arn: str) -> tuple[ActionClass, ...]:
    """The classes of actions to ask about `resource_arn` under `policy`, sorted"""
    shape = tuple((s.effect, s.action, s.not_action) for s in policy.statements)
    key = (id(catalog), shape, resource_arn)
    found = _CLASSES.get(key)
    if found is not None:
        return found
    named = [_named(catalog, s) for s in policy.statements]
    prefix = governed_prefix(resource_arn) + ":"
    allowed = frozenset(
        action
        for s, n in zip(policy.statements, named, strict=True)
        if s.effect.value == "Allow"
        for action in n
        if action.lower().startswith(prefix)
    )
    classes: list[ActionClass] = []
    for resource, kind in resource_patterns(resource_arn):
        groups: dict[tuple[int, ...], list[str]] = {}
        for action in allowed:
            if not _applies_cached(catalog, action, resource, kind):
                continue
            signature = tuple(i for i, n in enumerate(named) if action in n)
            groups.setdefault(signature, []).append(action)
        for actions in groups.values():
            ordered = tuple(sorted(actions))
            classes.append(
                ActionClass(resource=resource, representative=ordered[0], actions=ordered)
            )
    result = tuple(sorted(classes, key=lambda c: (c.resource, c.representative)))
    if len(_CLASSES) < 65_536:
        _CLASSES[key] = result
    return result


_APPLIES: dict[tuple[int, str, str], bool] = {}


def _applies_cached(catalog: Catalog, action: str, resource: str, kind: str) -> bool:
    arn = try_parse_arn(resource)
    # INVARIANT: whether an action applies depends on the resource's kind, except for kinds
    # whose ARN formats differ in shape (a layer and its versions): those key by the ARN
    # with its name part reduced to its separators
    shape = kind
    if arn is not None:
        shape = f"{kind}|{re.sub(r'[^:/]+', 'x', arn.resource)}"
    key = (id(catalog), action, shape)
    found = _APPLIES.get(key)
    if found is None:
        found = _applies(catalog, action, resource, kind)
        _APPLIES[key] = found
    return found
