"""Choosing one policy of a template or plan by name: a resource (`AppRole`, a Terraform
address), the resource and the attribute path of the policy in it
(`AppRole.Policies[0].PolicyDocument`, `aws_iam_role.app.assume_role_policy`), or the JSON
path of the policy in the file as `iamwarden lint` prints it. This module only matches names.
"""

from __future__ import annotations

from collections.abc import Iterable

from iamwarden.policy.sources.model import FoundPolicy

__all__ = ["policy_selector", "select_policies"]

_ATTRIBUTES = (".Properties", ".values")
"""Where a CloudFormation resource's and a Terraform resource's attributes start in a path"""


def policy_selector(found: FoundPolicy) -> str:
    """The short name of a found policy: its resource and the path of the policy inside the
    resource's attributes (`AppRole.AssumeRolePolicyDocument`,
    `aws_iam_role.app.inline_policy[0].policy`); the resource alone when the policy is the
    resource's attributes themselves (`AWS::Lambda::Permission`)"""
    pointer = found.pointer
    for marker in _ATTRIBUTES:
        at = pointer.rfind(marker + ".")
        if at >= 0:
            return f"{found.name}.{pointer[at + len(marker) + 1 :]}"
        if pointer.endswith(marker):
            return found.name
    return pointer


def select_policies(found: Iterable[FoundPolicy], selector: str) -> list[FoundPolicy]:
    """The found policies `selector` names, in file order: the one whose JSON path in the
    file or short name (`policy_selector`) is `selector`; else the one holding the location
    `selector` names (a location lint prints: `Resources.AppRole.Properties.Policies[0].
    PolicyDocument.Statement[0].Action[1]`); else every policy whose short name starts with
    it followed by `.` or `[` (`AppRole` names all of AppRole's policies, `AppRole.Policies[0]`
    its first inline policy). More than one means `selector` is ambiguous; none, that it
    names no policy."""
    policies = list(found)
    exact = [f for f in policies if selector in (f.pointer, policy_selector(f))]
    if exact:
        return exact
    inside = [
        f
        for f in policies
        if selector.startswith((f"{f.pointer}.", f"{policy_selector(f)}.Statement"))
    ]
    if inside:
        return inside
    return [
        f
        for f in policies
        if policy_selector(f).startswith((f"{selector}.", f"{selector}["))
        or f.pointer.startswith((f"{selector}.", f"{selector}["))
    ]
