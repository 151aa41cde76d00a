"""Policies in Terraform plans (`terraform show -json PLAN`), typed by the attribute they sit in.

Resources are read from `planned_values` (every module, nested ones included) and data sources
from `prior_state` too, where Terraform records the ones it read while planning. A policy
attribute Terraform knows only after apply (`after_unknown` in `resource_changes`) cannot be
checked: it is a `FoundPolicy` with that problem. An `aws_iam_policy_document` data source is
checked as the kind of the attribute that references it in `configuration` (a role's
`assume_role_policy`: trust), else as a resource policy when a statement names principals,
else as an identity policy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from iamwarden.errors import InputError
from iamwarden.policy.sources.model import FoundPolicy, child_path

__all__ = ["is_terraform_plan", "terraform_policies"]

# resource type -> ((attribute, usage, managed), ...); `inline_policy[].policy` is every item
_ATTRIBUTES: Mapping[str, tuple[tuple[str, str, bool], ...]] = {
    "aws_iam_policy": (("policy", "identity", True),),
    "aws_iam_role": (
        ("assume_role_policy", "trust", False),
        ("inline_policy[].policy", "identity", False),
    ),
    "aws_iam_role_policy": (("policy", "identity", False),),
    "aws_iam_user_policy": (("policy", "identity", False),),
    "aws_iam_group_policy": (("policy", "identity", False),),
    "aws_s3_bucket_policy": (("policy", "resource", False),),
    "aws_kms_key": (("policy", "resource", False),),
    "aws_sqs_queue_policy": (("policy", "resource", False),),
    "aws_sqs_queue": (("policy", "resource", False),),
    "aws_sns_topic_policy": (("policy", "resource", False),),
    "aws_sns_topic": (("policy", "resource", False),),
    "aws_secretsmanager_secret_policy": (("policy", "resource", False),),
    "aws_organizations_policy": (("content", "scp", False),),
}
_ORGANIZATIONS_TYPES = {"SERVICE_CONTROL_POLICY": "scp", "RESOURCE_CONTROL_POLICY": "rcp"}
_DOCUMENT_SOURCE = "aws_iam_policy_document"


def is_terraform_plan(value: Any) -> bool:
    """Whether decoded JSON is Terraform's JSON plan (or state) output"""
    return (
        isinstance(value, dict)
        and "format_version" in value
        and any(k in value for k in ("planned_values", "terraform_version", "values"))
    )


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError("must be an object in a Terraform plan", location=where)
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError("must be a list in a Terraform plan", location=where)
    return value


def _resources(module: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(JSON path, resource) of a module and its child modules, depth first"""
    pending = [(module, where)]
    while pending:
        current, at = pending.pop(0)
        current = _mapping(current, at)
        resources = _list(current.get("resources", []), f"{at}.resources")
        for i, resource in enumerate(resources):
            path = f"{at}.resources[{i}]"
            yield path, _mapping(resource, path)
        children = _list(current.get("child_modules", []), f"{at}.child_modules")
        pending.extend((c, f"{at}.child_modules[{i}]") for i, c in enumerate(children))


def _unknown(plan: dict[str, Any]) -> dict[str, Any]:
    """address -> `after_unknown` of each resource change"""
    found: dict[str, Any] = {}
    changes = plan.get("resource_changes", [])
    for i, change in enumerate(_list(changes, "resource_changes")):
        change = _mapping(change, f"resource_changes[{i}]")
        detail = change.get("change")
        if isinstance(detail, dict) and isinstance(change.get("address"), str):
            found[change["address"]] = detail.get("after_unknown") or {}
    return found


def _references(plan: dict[str, Any]) -> dict[str, str]:
    """data source address (`data.aws_iam_policy_document.x`) -> usage of the attribute that
    references it in `configuration` (every module, addresses relative to their module)"""
    usages: dict[str, str] = {}
    configuration = plan.get("configuration")
    if not isinstance(configuration, dict):
        return usages
    pending = [configuration.get("root_module")]
    while pending:
        module = pending.pop()
        if not isinstance(module, dict):
            continue
        for resource in (
            module.get("resources", []) if isinstance(module.get("resources"), list) else []
        ):
            if not isinstance(resource, dict):
                continue
            attributes = _ATTRIBUTES.get(str(resource.get("type")), ())
            expressions = resource.get("expressions")
            if not isinstance(expressions, dict):
                continue
            for attribute, usage, _ in attributes:
                usage = _organizations_usage(resource.get("expressions"), usage)
                expression = expressions.get(attribute.split("[]", 1)[0])
                for reference in _reference_list(expression):
                    if reference.startswith(f"data.{_DOCUMENT_SOURCE}."):
                        usages.setdefault(reference.removesuffix(".json"), usage)
        calls = module.get("module_calls")
        if isinstance(calls, dict):
            pending.extend(c.get("module") for c in calls.values() if isinstance(c, dict))
    return usages


def _organizations_usage(values: Any, usage: str) -> str:
    if usage != "scp" or not isinstance(values, dict):
        return usage
    kind = values.get("type")
    if isinstance(kind, dict):  # an expression in `configuration`
        kind = kind.get("constant_value")
    return _ORGANIZATIONS_TYPES.get(str(kind), "scp") if kind is not None else "scp"


def _reference_list(expression: Any) -> Iterator[str]:
    pending = [expression]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            references = item.get("references")
            if isinstance(references, list):
                yield from (r for r in references if isinstance(r, str))
            pending.extend(v for k, v in item.items() if k != "references")
        elif isinstance(item, list):
            pending.extend(item)


def _names_principals(document: Any) -> bool:
    if not isinstance(document, str):
        return False
    return '"Principal"' in document or '"NotPrincipal"' in document


def terraform_policies(plan: Any) -> Iterator[FoundPolicy]:
    """Every policy of a Terraform JSON plan, resources first, then data sources

    Raises:
        InputError: a part of the plan that is not the shape Terraform writes, located by
            its JSON path.
    """
    plan = _mapping(plan, "")
    unknown = _unknown(plan)
    references = _references(plan)
    seen: set[str] = set()
    roots = [
        (plan.get("planned_values"), "planned_values.root_module"),
        (plan.get("prior_state"), "prior_state.values.root_module"),
        (plan.get("values"), "values.root_module"),  # `terraform show -json` of a state
    ]
    for container, at in roots:
        if container is None:
            continue
        if at.startswith("prior_state"):
            container = _mapping(container, "prior_state").get("values")
            if container is None:
                continue
            container = _mapping(container, "prior_state.values")
        module = _mapping(container, at.rsplit(".", 1)[0]).get("root_module")
        if module is None:
            continue
        for where, resource in _resources(module, at):
            address = resource.get("address")
            if not isinstance(address, str) or address in seen:
                continue
            seen.add(address)
            yield from _policies_of(resource, where, address, unknown.get(address, {}), references)


def _policies_of(
    resource: dict[str, Any],
    where: str,
    address: str,
    unknown: Any,
    references: Mapping[str, str],
) -> Iterator[FoundPolicy]:
    kind = resource.get("type")
    if kind != _DOCUMENT_SOURCE and str(kind) not in _ATTRIBUTES:
        return
    values = _mapping(resource.get("values", {}), f"{where}.values")
    at = f"{where}.values"
    if resource.get("mode") == "data":
        if kind == _DOCUMENT_SOURCE and "json" in values:
            document = values["json"]
            relative = _module_relative(address)
            usage = references.get(relative) or (
                "resource" if _names_principals(document) else "identity"
            )
            yield _found(usage, document, f"{at}.json", address)
        return
    for attribute, usage, managed in _ATTRIBUTES.get(str(kind), ()):
        usage = _organizations_usage(values, usage)
        head, _, tail = attribute.partition("[].")
        if not tail:
            if values.get(head) not in (None, ""):
                yield _found(usage, values[head], child_path(at, head), address, managed)
            elif isinstance(unknown, dict) and unknown.get(head) is True:
                yield _found(
                    usage,
                    None,
                    child_path(at, head),
                    address,
                    managed,
                    problem=f"`{head}` is known only after apply: it cannot be checked "
                    "from this plan",
                )
            continue
        items = values.get(head) or []
        for i, item in enumerate(_list(items, child_path(at, head))):
            item = _mapping(item, f"{at}.{head}[{i}]")
            if item.get(tail) not in (None, ""):
                yield _found(usage, item[tail], f"{at}.{head}[{i}].{tail}", address)


def _module_relative(address: str) -> str:
    """`module.a.data.x.y` -> `data.x.y` (configuration references are module-relative)"""
    index = address.find("data.")
    return address[index:] if index >= 0 else address


def _found(
    usage: str,
    document: Any,
    pointer: str,
    address: str,
    managed: bool = False,
    *,
    problem: str = "",
) -> FoundPolicy:
    return FoundPolicy(
        usage=usage,
        document=document,
        pointer=pointer,
        name=address,
        managed=managed,
        problem=problem,
    )
