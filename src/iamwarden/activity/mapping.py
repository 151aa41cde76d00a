"""From a CloudTrail event to the IAM actions it needed and the resources it touched

eventSource names the service (`s3.amazonaws.com` → `s3`, `monitoring` → `cloudwatch`), and
eventName the API operation (Lambda's versioned names such as `GetFunction20150331v2` lose
their date). The operation is looked up, in this order, in `OVERRIDES` (known mismatches of
the data, calls AWS documents as needing other actions), in the table derived from
iann0036/iam-dataset (`data/event_actions.json.gz`, MIT, see NOTICE), and last in the
catalogue under its own name (marked `SAME_NAME`, never silent). Every action is checked
against the catalogue; one it lacks is dropped and said. Resource ARNs are filled from the
request parameters into the catalogue's ARN formats (or the data's own ARN templates), from
the record's `resources` where those fail, else `*` with the reason. A parameter naming the
resource by an ARN of the format's service (a DynamoDB table's, an SSM parameter's) is the
resource's ARN when it fits the format, else names none.

This module maps; it reads no events and decides nothing (the engine does).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

from iamwarden.activity.derive import DATA_FILE
from iamwarden.activity.templates import (
    TemplateValues,
    escape_resource,
    fill,
    fill_all,
    parameter_keys,
    split_variables,
)
from iamwarden.policy import Catalog, load_catalog

__all__ = [
    "OVERRIDES",
    "SOURCE_NAMESPACES",
    "EventMapper",
    "EventMapping",
    "MappedAction",
    "MappingSource",
    "load_mapper",
]

SOURCE_NAMESPACES: Mapping[str, str] = {
    "monitoring": "cloudwatch",
    "email": "ses",
    "models.lex": "lex",
    "runtime.lex": "lex",
    "bedrock-runtime": "bedrock",
    "tagging": "tag",
}
"""eventSource names (without `.amazonaws.com`) that are not their service's IAM prefix"""

_S3_OBJECT = {"BucketName": "${Bucket}", "ObjectName": "${Key}"}
_COPY_SOURCE = "arn:${Partition}:s3:::%%copysource%${x-amz-copy-source}%%"
_ACL_HEADERS = (
    "x-amz-acl",
    "x-amz-grant-full-control",
    "x-amz-grant-read",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
)
_KMS_KEY = "%%regex%${{{}}}%/^(?:arn:.*:key\\/)?([^:\\/]+)$/%%"
"""a key id or key ARN's id (a multi-Region `mrk-…` id too); an alias names no key"""
_LAMBDA_NAME = "%%regex%${FunctionName}%/^(?:.*:function:)?([^:]+)/%%"
_LAMBDA_QUALIFIED = "%%regex%${FunctionName}%/^(?:.*:function:)?([^:]+(?::[^:]+)?)$/%%"

OVERRIDES: Mapping[tuple[str, str], tuple[str | Mapping[str, Any], ...]] = {
    # not calls that IAM authorizes
    ("signin", "ConsoleLogin"): (),
    ("signin", "CheckMfa"): (),
    ("signin", "SwitchRole"): (),
    ("sts", "GetCallerIdentity"): (),
    # newer than the data, or named other than the API
    ("secretsmanager", "BatchGetSecretValue"): tuple(
        {
            "action": action,
            "override": "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:"
            "%%regex%${SecretIdList[]}%/(?:arn.*:)?(.+)/g%%",
        }
        for action in ("secretsmanager:BatchGetSecretValue", "secretsmanager:GetSecretValue")
    ),
    ("s3", "ListObjects"): ("s3:ListBucket",),
    ("s3", "ListObjectsV2"): ("s3:ListBucket",),
    ("s3", "ListObjectVersions"): ("s3:ListBucketVersions",),
    ("s3", "HeadBucket"): ("s3:ListBucket",),
    ("s3", "GetBucketLocation"): ("s3:GetBucketLocation",),
    ("kms", "ReEncrypt"): (
        {"action": "kms:ReEncryptFrom", "vars": {"KeyId": _KMS_KEY.format("SourceKeyId")}},
        {"action": "kms:ReEncryptTo", "vars": {"KeyId": _KMS_KEY.format("DestinationKeyId")}},
    ),
    ("ec2-instance-connect", "SendSerialConsoleSSHPublicKey"): (
        "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
    ),
    # the data puts these on `*` or on the wrong resource
    ("redshift", "ModifyClusterIamRoles"): (
        {
            "action": "redshift:ModifyClusterIamRoles",
            "vars": {"ClusterName": "${ClusterIdentifier}"},
        },
    ),
    ("dynamodb", "BatchWriteItem"): (
        {"action": "dynamodb:BatchWriteItem", "vars": {"TableName": "%%keys%${RequestItems}%%"}},
    ),
    ("dynamodb", "BatchGetItem"): (
        {"action": "dynamodb:BatchGetItem", "vars": {"TableName": "%%keys%${RequestItems}%%"}},
    ),
    ("s3", "DeleteObjects"): (
        {
            "action": "s3:DeleteObject",
            "vars": {"BucketName": "${Bucket}", "ObjectName": "${Delete.Objects[].Key}"},
            "when": {"lhs": "Delete.Objects[].Key", "op": "Exists"},
        },
        {
            "action": "s3:DeleteObject",
            "vars": {"BucketName": "${Bucket}", "ObjectName": "*"},
            "when": {"lhs": "Delete.Objects[].Key", "op": "NotExists"},
        },
        {
            "action": "s3:DeleteObjectVersion",
            "vars": {"BucketName": "${Bucket}", "ObjectName": "${Delete.Objects[].Key}"},
            "when": {"lhs": "Delete.Objects[].VersionId", "op": "Exists"},
        },
    ),
    ("s3", "PutObject"): (
        {"action": "s3:PutObject", "vars": _S3_OBJECT},
        *(
            {"action": "s3:PutObjectAcl", "vars": _S3_OBJECT, "when": {"lhs": h, "op": "Exists"}}
            for h in _ACL_HEADERS
        ),
    ),
    ("s3", "CopyObject"): (
        {"action": "s3:GetObject", "override": _COPY_SOURCE},
        {
            "action": "s3:GetObjectVersion",
            "override": _COPY_SOURCE,
            "when": {"lhs": "x-amz-copy-source", "op": "IContains", "rhs": "versionId="},
        },
        {
            "action": "s3:GetObjectTagging",
            "override": _COPY_SOURCE,
            "when": {"lhs": "x-amz-tagging-directive", "op": "NotEquals", "rhs": "REPLACE"},
        },
        {"action": "s3:PutObject", "vars": _S3_OBJECT},
        {"action": "s3:PutObjectTagging", "vars": _S3_OBJECT},
        *(
            {"action": "s3:PutObjectAcl", "vars": _S3_OBJECT, "when": {"lhs": h, "op": "Exists"}}
            for h in _ACL_HEADERS
        ),
    ),
    ("lambda", "Invoke"): (
        {
            "action": "lambda:InvokeFunction",
            "vars": {"FunctionName": f"{_LAMBDA_NAME}:${{Qualifier}}"},
            "when": {"lhs": "Qualifier", "op": "Exists"},
        },
        {
            "action": "lambda:InvokeFunction",
            "vars": {"FunctionName": _LAMBDA_QUALIFIED},
            "when": {"lhs": "Qualifier", "op": "NotExists"},
        },
    ),
}
"""(service prefix, eventName) → the IAM actions the call needs, where the data is wrong or
silent: an action name (with the data's resource templates for it, if any) or an entry in
the data's own form (`action`, `vars`, `override`, `when`; see `templates`); an empty tuple:
the event is not an authorized API call (sign-in, permissionless)

Sources, from the Service Authorization Reference and the API references: Redshift's
ModifyClusterIamRoles acts on the cluster `ClusterIdentifier` names (the data names the
roles added or removed as the cluster); DynamoDB's BatchWriteItem/BatchGetItem act on each
table named by `RequestItems`; S3 DeleteObjects needs s3:DeleteObject on each key
(CloudTrail logs no keys: the bucket's objects), PutObject and CopyObject need
s3:PutObjectAcl with an ACL header, CopyObject reads the copy source (`x-amz-copy-source`)
and writes the destination; Lambda authorizes an alias or version call on the qualified
function ARN."""

_VERSIONED = re.compile(r"^(.+?)(?:\d{4}_\d{2}_\d{2}|\d{8})(?:v\d+)?$")


class MappingSource(Enum):
    """Where an event's actions came from"""

    OVERRIDE = "override"
    TABLE = "iam-dataset"
    SAME_NAME = "same name in the catalogue"
    NONE = "unmapped"


@dataclass(frozen=True, slots=True, kw_only=True)
class MappedAction:
    """One IAM action a call needed, on `resources` (ARNs, or `*` with `note` saying why)"""

    action: str
    resources: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EventMapping:
    """The actions of one event; `problem` says why there are none (unmapped) or what was
    dropped (an action the catalogue lacks)"""

    service: str | None
    operation: str
    actions: tuple[MappedAction, ...]
    source: MappingSource
    problem: str = ""

    @property
    def is_mapped(self) -> bool:
        """Whether the event was understood (an empty `actions` may be: a sign-in)"""
        return self.source is not MappingSource.NONE


def _holds(condition: Mapping[str, Any], values: TemplateValues) -> bool:
    """Whether a data entry's condition on the request holds (unknown operators: it does)"""
    name = str(condition.get("lhs", ""))
    op = str(condition.get("op", ""))
    rhs = str(condition.get("rhs", ""))
    if op == "Exists":
        result = bool(values.raw(name))
    elif op == "NotExists":
        result = not values.raw(name)
    elif op == "NotEquals":
        result = values.get(name) != rhs
    elif op == "IContains":
        found = values.get(name)
        result = found is not None and rhs.lower() in found.lower()
    elif op == "INotContains":
        found = values.get(name)
        result = found is None or rhs.lower() not in found.lower()
    else:
        result = True
    also = condition.get("andCondition")
    return result and (not isinstance(also, Mapping) or _holds(also, values))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Entry:
    """One entry of the data (or of `OVERRIDES`) read once: its action as the catalogue
    spells it (None when the catalogue lacks it) and its templates as text"""

    name: str
    action: str | None
    when: Mapping[str, Any] | None
    override: str
    arns: tuple[str, ...]
    variables: tuple[tuple[str, str], ...]
    is_described: bool
    """whether the entry names a resource (`vars`, `arns` or `override`)"""
    has_types: bool
    """whether the action applies to a resource type"""
    formats: tuple[tuple[str, frozenset[str]], ...]
    """the ARN formats of the action's resource types, in the catalogue's order, each with
    its variables but partition, region and account"""
    passes: tuple[str, ...] | None
    """iam:PassRole's templates (the role it passes); None for any other action"""


class EventMapper:
    """Maps events to actions with the shipped table, checked against `catalog`"""

    def __init__(self, catalog: Catalog, table: Mapping[str, Any]) -> None:
        self.catalog = catalog
        self._operations: Mapping[str, list[dict[str, Any]]] = table["operations"]
        self._namespaces: Mapping[str, list[str]] = table["namespaces"]
        self._permissionless = frozenset(table["permissionless"])
        self.source_note: str = table["source"]
        self._plans: dict[tuple[str, str], tuple[MappingSource, tuple[_Entry, ...] | None]] = {}

    def service(self, event_source: str) -> str | None:
        """The IAM service prefix of an eventSource, None when no service has it"""
        label = event_source.removesuffix(".amazonaws.com")
        label = SOURCE_NAMESPACES.get(label, label)
        if label in self.catalog.services or label in self._namespaces:
            return label
        last = label.rsplit(".", 1)[-1]
        return last if last in self.catalog.services else None

    def _entries(self, service: str, operation: str) -> list[dict[str, Any]] | None:
        for sdk in self._namespaces.get(service, ()):
            entries = self._operations.get(f"{sdk}.{operation}")
            if entries is not None:
                return entries
        return None

    def _is_permissionless(self, service: str, operation: str) -> bool:
        return any(
            f"{sdk}.{operation}" in self._permissionless
            for sdk in self._namespaces.get(service, ())
        )

    def _entry(self, entry: Mapping[str, Any]) -> _Entry:
        name = entry["action"]
        action = self.catalog.canonical(name) if self.catalog.action_exists(name) else None
        when = entry.get("when")
        override = str(entry["override"]) if entry.get("override") else ""
        arns = tuple(str(t) for t in dict(entry.get("arns", {})).values())
        variables = tuple((k, str(t)) for k, t in dict(entry.get("vars", {})).items())
        types = self.catalog.resource_types(action) if action else ()
        passes = None
        if str(name).lower() == "iam:passrole":
            given = (str(entry.get("override", "")), *arns, *(t for _, t in variables))
            passes = tuple(t for t in given if t)
        return _Entry(
            name=name,
            action=action,
            when=when if isinstance(when, Mapping) else None,
            override=override,
            arns=arns,
            variables=variables,
            is_described=any(entry.get(k) for k in ("vars", "arns", "override")),
            has_types=bool(types),
            formats=tuple((f, _needs(f)) for kind in types for f in kind.arn_formats),
            passes=passes,
        )

    def _plan(
        self, service: str, operation: str
    ) -> tuple[MappingSource, tuple[_Entry, ...] | None]:
        """Where the operation's actions come from and its entries, read once per operation
        (None: a permissionless call when the source is the table, else unmapped)"""
        key = (service, operation)
        planned = self._plans.get(key)
        if planned is not None:
            return planned
        overridden = OVERRIDES.get(key)
        entries: Sequence[Mapping[str, Any]] | None
        if overridden is not None:
            source = MappingSource.OVERRIDE
            table = {e["action"].lower(): e for e in self._entries(service, operation) or ()}
            entries = [
                a if isinstance(a, Mapping) else table.get(a.lower(), {"action": a})
                for a in overridden
            ]
        elif (found := self._entries(service, operation)) is not None:
            source, entries = MappingSource.TABLE, found
        elif self._is_permissionless(service, operation):
            source, entries = MappingSource.TABLE, None
        elif self.catalog.action_exists(f"{service}:{operation}"):
            source, entries = MappingSource.SAME_NAME, [{"action": f"{service}:{operation}"}]
        else:
            source, entries = MappingSource.NONE, None
        planned = (source, None if entries is None else tuple(map(self._entry, entries)))
        self._plans[key] = planned
        return planned

    def map_event(
        self,
        *,
        event_source: str,
        event_name: str,
        parameters: Mapping[str, Any] | None = None,
        resources: Sequence[Any] = (),
        region: str = "",
        account: str = "",
        partition: str = "aws",
    ) -> EventMapping:
        """The actions and resources of one event (see the module's docstring for the order)"""
        service = self.service(event_source)
        versioned = _VERSIONED.match(event_name)
        operation = versioned.group(1) if versioned else event_name
        if service is None:
            return EventMapping(
                service=None,
                operation=operation,
                actions=(),
                source=MappingSource.NONE,
                problem=f"unknown event source `{event_source}`",
            )
        source, entries = self._plan(service, operation)
        if entries is None:
            return EventMapping(
                service=service,
                operation=operation,
                actions=(),
                source=source,
                problem=""
                if source is MappingSource.TABLE
                else f"no action for `{service}` `{operation}`",
            )
        values = TemplateValues(
            parameters or {}, partition=partition, region=region, account=account
        )
        actions: dict[str, MappedAction] = {}
        unknown: list[str] = []
        for entry in entries:
            if entry.action is None:
                unknown.append(entry.name)
                continue
            if entry.when is not None and not _holds(entry.when, values):
                continue
            if entry.passes is not None and _passes_nothing(entry.passes, values):
                continue
            action = entry.action
            mapped = self._resources(action, entry, values, resources)
            if action in actions:
                merged = tuple(dict.fromkeys((*actions[action].resources, *mapped.resources)))
                mapped = MappedAction(action=action, resources=merged, note=mapped.note)
            actions[action] = mapped
        problem = (
            f"the catalogue has no action {', '.join(f'`{u}`' for u in unknown)}" if unknown else ""
        )
        if not actions and unknown:
            source = MappingSource.NONE
        elif not actions and entries:
            # INVARIANT: an event whose actions all fall away is unmapped, never silent
            source = MappingSource.NONE
            problem = (
                f"no action of `{service}` `{operation}` applies to the request's parameters "
                "as recorded"
            )
        return EventMapping(
            service=service,
            operation=operation,
            actions=tuple(actions.values()),
            source=source,
            problem=problem,
        )

    def parameter_names(self, event_source: str, event_name: str) -> frozenset[str]:
        """The request parameters `map_event` may read for this event: top-level names,
        lowercased (CloudTrail's spellings included), so calls differing only in other
        parameters map alike and can be grouped before mapping"""
        service = self.service(event_source)
        if service is None:
            return frozenset()
        versioned = _VERSIONED.match(event_name)
        operation = versioned.group(1) if versioned else event_name
        entries = [
            *(self._entries(service, operation) or ()),
            *(e for e in OVERRIDES.get((service, operation), ()) if isinstance(e, Mapping)),
        ]
        names: set[str] = {"secretid", "secretidlist"} if service == "secretsmanager" else set()
        for entry in entries:
            templates = [str(entry.get("override", ""))]
            templates += [str(t) for t in dict(entry.get("arns", {})).values()]
            templates += [str(t) for t in dict(entry.get("vars", {})).values()]
            found = [v for t in templates for v in split_variables(t)[1::2]]
            when = entry.get("when")
            while isinstance(when, Mapping):
                found.append(str(when.get("lhs", "")))
                when = when.get("andCondition")
            for variable in found:
                names |= parameter_keys(variable)
        return frozenset(names)

    @staticmethod
    def _resources(
        action: str, entry: _Entry, values: TemplateValues, record_resources: Sequence[Any]
    ) -> MappedAction:
        if not entry.has_types:
            return MappedAction(action=action, resources=("*",))
        if not (entry.is_described or record_resources):
            return MappedAction(
                action=action, resources=("*",), note="the data names no resource for this call"
            )
        escaped = values.escaped()
        found: list[str] = []
        if entry.override:
            found.extend(fill_all(entry.override, escaped))
        for template in entry.arns:
            arns = [a for a in fill_all(template, escaped) if a.startswith("arn:")]
            if arns and not found:
                found.extend(arns)
        misfit = ""
        if not found:
            found, misfit = _formatted(entry, values)
        if not found:
            prefix = f":{action.split(':', 1)[0]}:"
            found = [
                escape_resource(str(item.get("ARN") or item.get("arn")))
                for item in record_resources
                if isinstance(item, Mapping)
                and prefix in str(item.get("ARN") or item.get("arn") or "")
            ]
        if not found:
            return MappedAction(
                action=action,
                resources=("*",),
                note=f"the request names the resource by `{misfit}`, which fills none of the "
                "action's ARN formats"
                if misfit
                else "the resource cannot be derived from the request",
            )
        if action.startswith("secretsmanager:"):
            # a name, or an ARN without the random suffix (a partial ARN), matches its
            # secret's full ARN only with the suffix's place left open
            given = {
                escape_resource(v)
                for v in (*values.texts("SecretId"), *values.texts("SecretIdList[]"))
                if v.startswith("arn:") and _SECRET_SUFFIX.search(v)
            }
            found = [
                f"{arn}-??????" if ":secret:" in arn and arn not in given else arn for arn in found
            ]
        return MappedAction(action=action, resources=tuple(dict.fromkeys(found)))


def _formatted(entry: _Entry, values: TemplateValues) -> tuple[list[str], str]:
    """The catalogue's ARN formats filled from the entry's variables (each value of a
    variable naming a list, `fill_all`), values escaped; the first format they fill wins.
    A value that is an ARN of the format's service is the resource's ARN (`_named_by_arn`);
    one fitting no format is returned beside the ARNs found (else `""`)"""
    escaped = values.escaped()
    choices: dict[str, tuple[str, ...]] = {}
    for name, template in entry.variables:
        filled = fill_all(template, escaped)
        if name.endswith(_NO_LEADING_SLASH):
            filled = tuple(v.removeprefix("/") for v in filled)
        if filled := tuple(v for v in filled if v):
            choices[name] = filled
    if not choices:
        return [], ""  # no format is named by nothing
    combos: list[dict[str, str]] = [{}]
    for name, options in choices.items():
        combos = [{**c, name: o} for c in combos for o in options][:_COMBINATIONS]
    # a format filled only from literal `*` templates (or from nothing) says nothing of the
    # resource the call touched
    starred = {name for name, options in choices.items() if all(o == "*" for o in options)}
    found: list[str] = []
    misfit = ""
    for arn_format, needed in entry.formats:
        if not needed.issubset(choices) or needed.issubset(starred):
            continue
        for variables in combos:
            is_arn = any(v.startswith("arn:") for v in variables.values())
            given = _named_by_arn(arn_format, variables) if is_arn else variables
            if given is None:
                misfit = variables[_resource_start(arn_format)[0]]
                continue
            arn = fill(arn_format, values.with_values(given))
            if arn:
                found.append(arn)
        if found:
            break
    return found, misfit


_SECRET_SUFFIX = re.compile(r":secret:.*-[A-Za-z0-9]{6}$")
"""A full secret ARN: its name and the hyphen and six random characters Secrets Manager adds
(Secrets Manager user guide, "Secret ARN"; API reference, GetSecretValue `SecretId`: a
partial ARN lacks them)"""

_NO_LEADING_SLASH = "WithoutLeadingSlash"
"""The end of a format variable's name that holds a name without its leading `/` (Service
Authorization Reference, AWS Systems Manager, resource type `parameter`:
`parameter/${ParameterNameWithoutLeadingSlash}`; a parameter `/prod/x` is `parameter/prod/x`)"""


def _named_by_arn(arn_format: str, variables: Mapping[str, str]) -> Mapping[str, str] | None:
    """`variables`, or where the format's first variable past partition, Region and account
    holds an ARN of the format's service (DynamoDB's `TableName`, SSM's `Name`: their API
    references accept a name or an ARN), with the ARN's own partition, Region, account and
    resource name; None when that ARN does not fit the format (an S3 access point's ARN
    given as a bucket)"""
    name, service, pattern, groups = _resource_start(arn_format)
    value = variables.get(name, "")
    if not value.startswith("arn:") or value.split(":", 3)[2:3] != [service]:
        return variables
    fits = pattern.fullmatch(value)
    if fits is None:
        return None
    return {**variables, **dict(zip(groups, fits.groups(), strict=True))}


@cache
def _resource_start(arn_format: str) -> tuple[str, str, re.Pattern[str], tuple[str, ...]]:
    """Of an ARN format: its first variable past partition, Region and account (`""` when
    none), its service, and a regex matching an ARN of the format up to that variable's
    end, with a group for each variable it spans (named in the tuple)"""
    parts = split_variables(arn_format)  # literal, variable, literal, …
    first = next((i for i in range(1, len(parts), 2) if parts[i] not in _PLACE), len(parts))
    pattern = [
        re.escape(part) if index % 2 == 0 else _PLACE[part]
        for index, part in enumerate(parts[:first])
    ]
    name = parts[first] if first < len(parts) else ""
    service = arn_format.split(":", 3)[2] if arn_format.count(":") >= 3 else ""
    groups = (*parts[1:first:2], name)
    return name, service, re.compile("".join(pattern) + "(.+)", re.DOTALL), groups


_PLACE = {"Partition": "([^:]+)", "Region": "([^:]*)", "Account": "([^:]*)"}
"""The groups of an ARN's partition, Region and account (empty for S3's buckets and
AWS-owned parameters)"""


_COMBINATIONS = 1000
"""ARNs one entry may yield from list-valued parameters"""


def _passes_nothing(templates: Sequence[str], values: TemplateValues) -> bool:
    """Whether iam:PassRole's `templates` name no role in the request (the data lists
    PassRole beside every call that may take a role: SSM SendCommand without
    ServiceRoleArn passes none)"""
    return all(fill(t, values) in (None, "") for t in templates)


def _needs(arn_format: str) -> frozenset[str]:
    """The variables of an ARN format but partition, region and account"""
    return frozenset(split_variables(arn_format)[1::2]) - {"Partition", "Region", "Account"}


@cache
def _table() -> Mapping[str, Any]:
    loaded: Mapping[str, Any] = json.loads(gzip.decompress(DATA_FILE.read_bytes()))
    return loaded


def load_mapper(catalog: Catalog | None = None) -> EventMapper:
    """The event mapper over the shipped table (read once) and `catalog` (default: the
    loaded catalogue)"""
    return EventMapper(catalog or load_catalog(), _table())
