"""Policies in CloudFormation templates (YAML or JSON), typed by the property they sit in.

Intrinsic functions are kept as placeholders, never evaluated and never fatal: a short-form
tag (`!Sub`, `!Ref`, `!GetAtt`, `!Join`, ...) becomes its long form (`{"Fn::Sub": ...}`), and
`render` turns each into text a policy can hold. A reference becomes `{{Name}}` (`::` written
`.`, so that an ARN keeps its six fields and no placeholder reads as an IAM policy variable):
`Ref` is `{{Name}}`, `Fn::GetAtt` `{{Name.Attribute}}`, `Fn::Sub` has each `${Name}` replaced
so (`${!Literal}` becomes `${Literal}`, the IAM policy variable), `Fn::Join` joins its rendered
parts, `Fn::If` takes the branch its condition's assumed value picks (`{{Fn.If}}` when no
value is assumed), `AWS::NoValue` drops the element, and the other functions become
`{{Fn.Name}}`. A policy whose resource uses `Fn::If` is found once per combination of its
conditions' values that changes it (each a variant with its `conditions`), so that every
branch is checked: conditions are taken as independent (some variants may be impossible),
and a resource with more than `MAX_CONDITIONS` of them is known only at deploy time.
`AWS::Partition` is `aws` and `AWS::URLSuffix` `amazonaws.com`. A placeholder that stands for
a whole `Resource` entry is given an ARN's shape (`arn:aws:s3:::{{Bucket.Arn}}`), with the
service of the resource type it names.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from iamwarden.errors import InputError
from iamwarden.policy.lint.linter import SIZE_LIMITS
from iamwarden.policy.sources.model import FoundPolicy, Located, child_path

__all__ = [
    "MAX_CONDITIONS",
    "cloudformation_policies",
    "condition_names",
    "intrinsic_tag",
    "is_cloudformation",
    "render",
]

MAX_CONDITIONS = 6
"""The most template conditions (`Fn::If`) one resource's policies are enumerated for: 2**6
variants each"""

_NO_VALUE = object()
_SUB_REFERENCE = re.compile(r"\$\{(!?)([^}]*)\}")
_PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
_SHORT_TAGS = {"!Ref": "Ref", "!Condition": "Condition"}
_RESOURCE_ELEMENTS = ("Resource", "NotResource")
_ARN_SERVICES = {"stepfunctions": "states", "elasticloadbalancingv2": "elasticloadbalancing"}
_ORGANIZATIONS_TYPES = {"SERVICE_CONTROL_POLICY": "scp", "RESOURCE_CONTROL_POLICY": "rcp"}

# (resource type) -> (property path, usage, managed); a `[]` step is every item of a list
_DOCUMENTS: Mapping[str, tuple[tuple[str, str, bool], ...]] = {
    "AWS::IAM::Policy": (("PolicyDocument", "identity", False),),
    "AWS::IAM::ManagedPolicy": (("PolicyDocument", "identity", True),),
    "AWS::IAM::Role": (
        ("AssumeRolePolicyDocument", "trust", False),
        ("Policies[].PolicyDocument", "identity", False),
    ),
    "AWS::IAM::User": (("Policies[].PolicyDocument", "identity", False),),
    "AWS::IAM::Group": (("Policies[].PolicyDocument", "identity", False),),
    "AWS::IAM::RolePolicy": (("PolicyDocument", "identity", False),),
    "AWS::IAM::UserPolicy": (("PolicyDocument", "identity", False),),
    "AWS::IAM::GroupPolicy": (("PolicyDocument", "identity", False),),
    "AWS::S3::BucketPolicy": (("PolicyDocument", "resource", False),),
    "AWS::SQS::QueuePolicy": (("PolicyDocument", "resource", False),),
    "AWS::SNS::TopicPolicy": (("PolicyDocument", "resource", False),),
    "AWS::KMS::Key": (("KeyPolicy", "resource", False),),
    "AWS::SecretsManager::ResourcePolicy": (("ResourcePolicy", "resource", False),),
}


def intrinsic_tag(tag: str, value: Any) -> Any:
    """The long form of a short-form intrinsic function tag (`!GetAtt A.B` ->
    `{"Fn::GetAtt": "A.B"}`), for `located_yaml`"""
    return {_SHORT_TAGS.get(tag, f"Fn::{tag[1:]}"): value}


def is_cloudformation(value: Any) -> bool:
    """Whether decoded data is a CloudFormation template: `AWSTemplateFormatVersion`, or
    `Resources` holding at least one entry with an `AWS::` type"""
    if not isinstance(value, dict):
        return False
    if "AWSTemplateFormatVersion" in value:
        return True
    resources = value.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::")
        for r in resources.values()
    )


def _intrinsic(value: Any) -> tuple[str, Any] | None:
    if isinstance(value, dict) and len(value) == 1:
        name, argument = next(iter(value.items()))
        if name == "Ref" or name == "Condition" or str(name).startswith("Fn::"):
            return str(name), argument
    return None


def render(value: Any, conditions: Mapping[str, bool] | None = None) -> Any:
    """`value` with every intrinsic function replaced by its placeholder (see the module),
    each `Fn::If` by the branch `conditions` (template condition name -> assumed value)
    picks, else by `{{Fn.If}}`"""
    rendered = _render(value, conditions or {})
    return None if rendered is _NO_VALUE else rendered


def condition_names(value: Any) -> list[str]:
    """The template conditions `Fn::If` functions in `value` name, sorted"""
    names: set[str] = set()

    def visit(item: Any) -> None:
        found = _intrinsic(item)
        if found is not None and found[0] == "Fn::If":
            argument = found[1]
            if isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str):
                names.add(argument[0])
        if isinstance(item, dict):
            for child in item.values():
                visit(child)
        elif isinstance(item, list):
            for child in item:
                visit(child)

    visit(value)
    return sorted(names)


def _text(value: Any, conditions: Mapping[str, bool]) -> str:
    rendered = _render(value, conditions)
    if isinstance(rendered, str):
        return rendered
    if isinstance(rendered, bool):
        return str(rendered).lower()
    if isinstance(rendered, int | float):
        return str(rendered)
    return _placeholder("value")


def _render(value: Any, conditions: Mapping[str, bool]) -> Any:
    found = _intrinsic(value)
    if found is not None:
        return _function(*found, conditions)
    if isinstance(value, dict):
        kept = {k: _render(v, conditions) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not _NO_VALUE}
    if isinstance(value, list):
        rendered = (_render(item, conditions) for item in value)
        return [r for r in rendered if r is not _NO_VALUE]
    return value


def _function(name: str, argument: Any, conditions: Mapping[str, bool]) -> Any:
    if name == "Ref":
        reference = str(argument)
        if reference == "AWS::NoValue":
            return _NO_VALUE
        return _PSEUDO.get(reference) or _placeholder(reference)
    if name == "Fn::GetAtt":
        if isinstance(argument, list):
            return _placeholder(".".join(_text(a, conditions) for a in argument))
        return _placeholder(str(argument))
    if name == "Fn::Sub":
        template, names = (
            (argument[0], argument[1])
            if isinstance(argument, list) and len(argument) == 2
            else (argument, {})
        )
        if not isinstance(template, str):
            return _placeholder(name)
        given = names if isinstance(names, dict) else {}

        def substitute(match: re.Match[str]) -> str:
            if match.group(1):
                return "${" + match.group(2) + "}"
            reference = match.group(2)
            if reference in given:
                return _text(given[reference], conditions)
            return _PSEUDO.get(reference) or _placeholder(reference)

        return _SUB_REFERENCE.sub(substitute, template)
    if name == "Fn::Join":
        if (
            isinstance(argument, list)
            and len(argument) == 2
            and isinstance(argument[0], str)
            and isinstance(argument[1], list)
        ):
            parts = [_render(p, conditions) for p in argument[1]]
            return argument[0].join(_text(p, conditions) for p in parts if p is not _NO_VALUE)
        return _placeholder(name)
    if name == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
        assumed = conditions.get(argument[0]) if isinstance(argument[0], str) else None
        if assumed is not None:
            return _render(argument[1] if assumed else argument[2], conditions)
    return _placeholder(name)
    return _placeholder(name)


def _placeholder(reference: str) -> str:
    """`{{Name}}` for a reference (`AWS::Region` -> `{{AWS.Region}}`)"""
    return "{{" + reference.replace("::", ".") + "}}"


def _arn_shaped(entry: Any, services: Mapping[str, str]) -> Any:
    """A rendered `Resource` entry that is a bare placeholder, as an ARN of its service"""
    if not isinstance(entry, str) or not entry.startswith("{{"):
        return entry
    name = entry[2:].split("}", 1)[0].split(".", 1)[0]
    service = services.get(name, "*")
    return f"arn:aws:{service}:::{entry}"  # no region or account: what they are is unknown


def _with_arn_shapes(document: Any, services: Mapping[str, str]) -> Any:
    if not isinstance(document, dict):
        return document
    statements = document.get("Statement")
    items = statements if isinstance(statements, list) else [statements]
    for statement in items:
        if not isinstance(statement, dict):
            continue
        for element in _RESOURCE_ELEMENTS:
            entries = statement.get(element)
            if isinstance(entries, list):
                statement[element] = [_arn_shaped(e, services) for e in entries]
            elif entries is not None:
                statement[element] = _arn_shaped(entries, services)
    return document


def _service(resource_type: str) -> str:
    parts = resource_type.split("::")
    service = parts[1].lower() if len(parts) == 3 else "*"
    return _ARN_SERVICES.get(service, service)


def cloudformation_policies(template: Located) -> Iterator[FoundPolicy]:
    """Every policy of a CloudFormation template, in the order of its resources

    Raises:
        InputError: `Resources` or a resource is not a mapping, or a resource
            has no `Type` text, located by line where known, else by JSON path.
    """
    value = template.value
    resources = value.get("Resources") if isinstance(value, dict) else None

    def shape_error(problem: str, where: str) -> InputError:
        return InputError(problem, location=_location(template, where))

    if resources is None:
        return
    if not isinstance(resources, dict):
        raise shape_error("`Resources` must be a mapping of logical ids to resources", "Resources")
    services = {
        name: _service(r["Type"])
        for name, r in resources.items()
        if isinstance(r, dict) and isinstance(r.get("Type"), str)
    }
    for name, resource in resources.items():
        at = child_path("Resources", name)
        if not isinstance(resource, dict):
            raise shape_error(f"resource `{name}` must be a mapping", at)
        resource_type = resource.get("Type")
        if not isinstance(resource_type, str):
            raise shape_error(f"resource `{name}` must have a `Type` (text)", at)
        ignored = _ignored(resource.get("Metadata"), template, child_path(at, "Metadata"))
        raw = resource.get("Properties", {})
        names = condition_names(raw)
        if len(names) > MAX_CONDITIONS:
            problem = (
                f"the policies of `{name}` depend on {len(names)} template conditions "
                f"(`Fn::If`, more than {MAX_CONDITIONS}): known only when the stack is deployed"
            )
            for found in _policies_of(template, name, resource_type, raw, {}, at, services):
                yield replace(found, problem=problem, suppressed=ignored)
            continue
        variants: dict[str, list[FoundPolicy]] = {}
        for values in itertools.product((True, False), repeat=len(names)):
            assumed = dict(zip(names, values, strict=True))
            for found in _policies_of(template, name, resource_type, raw, assumed, at, services):
                variants.setdefault(found.pointer, []).append(found)
        for found_variants in variants.values():
            for found in _distinct(found_variants, names):
                yield replace(found, suppressed=ignored)


def _policies_of(
    template: Located,
    name: str,
    resource_type: str,
    raw: Any,
    conditions: Mapping[str, bool],
    at: str,
    services: Mapping[str, str],
) -> Iterator[FoundPolicy]:
    """The policies of one resource's `Properties` with its `Fn::If` conditions assumed"""
    properties = render(raw, conditions)
    if properties is None:
        return
    if not isinstance(properties, dict):
        raise InputError(
            f"`Properties` of `{name}` must be a mapping",
            location=_location(template, child_path(at, "Properties")),
        )
    for found in _resource_policies(
        template, name, resource_type, properties, child_path(at, "Properties"), services
    ):
        yield replace(
            found,
            size_limit=_size_limit(resource_type, found, properties),
            conditions=MappingProxyType(dict(conditions)),
        )


def _distinct(variants: list[FoundPolicy], names: list[str]) -> list[FoundPolicy]:
    """One policy's distinct variants, each with only the conditions that change it: a
    condition matters when flipping it alone changes the document (or whether there is one)"""
    documents = {
        tuple(v.conditions[n] for n in names): json.dumps(v.document, sort_keys=True, default=str)
        for v in variants
    }
    relevant = [
        n
        for i, n in enumerate(names)
        if any(
            documents.get((*key[:i], not key[i], *key[i + 1 :])) != document
            for key, document in documents.items()
        )
    ]
    distinct: dict[tuple[bool, ...], FoundPolicy] = {}
    for variant in variants:
        key = tuple(variant.conditions[n] for n in relevant)
        if key not in distinct:
            kept = {n: variant.conditions[n] for n in relevant}
            distinct[key] = replace(variant, conditions=MappingProxyType(kept))
    return list(distinct.values())


def _ignored(metadata: Any, template: Located, at: str) -> Mapping[str, str]:
    """The lint codes a resource's `Metadata` suppresses, with their reasons:
    `Metadata: {iamwarden: {ignore: {pass_role_star: "CI role, SEC-12"}}}`

    Raises:
        InputError: `ignore` is not a mapping of codes to non-empty reasons.
    """
    settings = metadata.get("iamwarden") if isinstance(metadata, dict) else None
    if settings is None:
        return MappingProxyType({})
    ignore = settings.get("ignore") if isinstance(settings, dict) else None
    where = f"{at}.iamwarden.ignore"
    if not isinstance(ignore, dict):
        raise InputError(
            "`Metadata.iamwarden.ignore` must map lint codes to reasons (non-empty text)",
            location=_location(template, where),
        )
    for code, reason in ignore.items():
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(
                f"`Metadata.iamwarden.ignore.{code}`: a reason is required (non-empty text)",
                location=_location(template, f"{where}.{code}"),
            )
    return MappingProxyType({str(code): reason.strip() for code, reason in ignore.items()})


_INLINE_HOLDERS = {
    "AWS::IAM::User": "user",
    "AWS::IAM::UserPolicy": "user",
    "AWS::IAM::Group": "group",
    "AWS::IAM::GroupPolicy": "group",
    "AWS::IAM::Role": "role",
    "AWS::IAM::RolePolicy": "role",
}
_POLICY_HOLDERS = {"Users": "user", "Groups": "group", "Roles": "role"}


def _size_limit(
    resource_type: str, found: FoundPolicy, properties: Mapping[str, Any]
) -> int | None:
    """IAM's size quota for a policy found in a template (`lint.SIZE_LIMITS`), None where
    IAM sets none (resource policies have their services' own limits)"""
    if found.managed:
        return SIZE_LIMITS["managed"]
    if found.usage in ("trust", "scp", "rcp"):
        return SIZE_LIMITS[found.usage]
    if found.usage != "identity":
        return None
    if resource_type == "AWS::IAM::Policy":  # inline in every holder named: the smallest
        holders = [h for key, h in _POLICY_HOLDERS.items() if properties.get(key)]
        return min((SIZE_LIMITS[h] for h in holders), default=None)
    holder = _INLINE_HOLDERS.get(resource_type)
    return SIZE_LIMITS[holder] if holder else None


def _resource_policies(
    template: Located,
    name: str,
    resource_type: str,
    properties: dict[str, Any],
    at: str,
    services: Mapping[str, str],
) -> Iterator[FoundPolicy]:
    if resource_type == "AWS::Lambda::Permission":
        yield _lambda_permission(template, name, properties, at)
        return
    if resource_type == "AWS::Organizations::Policy":
        usage = _ORGANIZATIONS_TYPES.get(str(properties.get("Type", "")))
        if usage is not None and "Content" in properties:
            yield _found(template, name, usage, properties["Content"], f"{at}.Content", services)
        return
    for prop, usage, managed in _DOCUMENTS.get(resource_type, ()):
        head, _, tail = prop.partition("[].")
        if not tail:
            if head in properties:
                yield _found(
                    template, name, usage, properties[head], f"{at}.{head}", services, managed
                )
            continue
        items = properties.get(head)
        if items is None:
            continue
        if not isinstance(items, list):
            raise InputError(
                f"`{head}` of `{name}` must be a list",
                location=_location(template, f"{at}.{head}"),
            )
        for i, item in enumerate(items):
            where = f"{at}.{head}[{i}]"
            if not isinstance(item, dict):
                raise InputError(
                    f"`{head}[{i}]` of `{name}` must be a mapping",
                    location=_location(template, where),
                )
            if tail in item:
                yield _found(template, name, usage, item[tail], f"{where}.{tail}", services)


def _location(template: Located, where: str) -> str:
    line = template.line(where)
    return f"line {line}" if line is not None else where


def _found(
    template: Located,
    name: str,
    usage: str,
    document: Any,
    pointer: str,
    services: Mapping[str, str],
    managed: bool = False,
) -> FoundPolicy:
    prefix = pointer + "."
    lines = {
        key[len(prefix) :]: line for key, line in template.lines.items() if key.startswith(prefix)
    }
    duplicates = tuple(
        (where[len(prefix) :] if where != pointer else "", key)
        for where, key in template.duplicates
        if where == pointer or where.startswith(prefix)
    )
    problem = ""
    if isinstance(document, str) and document.startswith("{{") and document.endswith("}}"):
        problem = f"the policy document is `{document}`, known only when the stack is deployed"
    return FoundPolicy(
        usage=usage,
        document=_with_arn_shapes(document, services),
        pointer=pointer,
        name=name,
        line=template.lines.get(pointer),
        managed=managed,
        lines=lines,
        columns={
            key[len(prefix) :]: column
            for key, column in template.columns.items()
            if key.startswith(prefix)
        },
        problem=problem,
        duplicates=duplicates,
    )


def _function_arn(function: Any) -> Any:
    """A function's ARN from `FunctionName` (a name, an ARN, a partial ARN or a placeholder)"""
    if not isinstance(function, str):
        return function
    if function.startswith("arn:"):
        return function
    if function.startswith("{{"):
        return f"arn:aws:lambda:::{function}"
    return f"arn:aws:lambda:{{{{AWS.Region}}}}:{{{{AWS.AccountId}}}}:function:{function}"


def _lambda_permission(
    template: Located, name: str, properties: dict[str, Any], at: str
) -> FoundPolicy:
    """The statement Lambda adds to a function's resource policy for an
    `AWS::Lambda::Permission` (AWS Lambda Developer Guide, resource-based policies)"""
    principal = properties.get("Principal")
    if principal == "*":
        principals: Any = "*"
    elif isinstance(principal, str) and principal.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        principals = {"Service": principal}
    else:
        principals = {"AWS": principal}
    statement: dict[str, Any] = {
        "Sid": name,
        "Effect": "Allow",
        "Principal": principals,
        "Action": properties.get("Action"),
        "Resource": _function_arn(properties.get("FunctionName")),
    }
    condition: dict[str, dict[str, Any]] = {}
    if "SourceArn" in properties:
        condition.setdefault("ArnLike", {})["AWS:SourceArn"] = properties["SourceArn"]
    if "SourceAccount" in properties:
        condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = properties["SourceAccount"]
    if "PrincipalOrgID" in properties:
        condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = properties[
            "PrincipalOrgID"
        ]
    if condition:
        statement["Condition"] = condition
    line = template.lines.get(at)
    lines: dict[str, int] = {"Statement[0]": line} if line is not None else {}
    columns: dict[str, int] = {}
    for element, prop in _PERMISSION_ELEMENTS.items():
        where = f"{at}.{prop}"
        if where in template.lines:
            lines[f"Statement[0].{element}"] = template.lines[where]
            if where in template.columns:
                columns[f"Statement[0].{element}"] = template.columns[where]
    return FoundPolicy(
        usage="resource",
        document={"Version": "2012-10-17", "Statement": [statement]},
        pointer=at,
        name=name,
        line=line,
        lines=lines,
        columns=columns,
    )


_PERMISSION_ELEMENTS = {
    "Principal": "Principal",
    "Action": "Action",
    "Resource": "FunctionName",
    "Condition.ArnLike.AWS:SourceArn": "SourceArn",
    "Condition.StringEquals.AWS:SourceAccount": "SourceAccount",
    "Condition.StringEquals.aws:PrincipalOrgID": "PrincipalOrgID",
}
"""The statement element an `AWS::Lambda::Permission` property becomes (for its line)"""
