"""Located reading of exported JSON, and the extra input files iamwarden defines.

`JsonNode` walks decoded JSON and turns every problem into a `SnapshotFormatError` that names
the file and the JSON path (`$.UserDetailList[3].UserName`). The extra files supply what
CloudMapper does not collect: `organizations.json` (the organization path with its SCPs and
RCPs) and `compute.json` (resources that run with roles). Their layout is in the README.
Nothing here decides access or parses policies: documents are kept as AWS returned them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote

from iamwarden import fileio
from iamwarden.errors import SnapshotFormatError
from iamwarden.policy.document import PolicyKind
from iamwarden.snapshot.model import (
    ComputeKind,
    ComputeResource,
    Document,
    Organization,
    OrgLevel,
    OrgLevelKind,
    OrgPolicy,
    Tag,
)

__all__ = [
    "COMPUTE_FILE",
    "ORGANIZATIONS_FILE",
    "ORG_LEVEL_TYPES",
    "JsonNode",
    "as_utc",
    "load_json",
    "parse_compute",
    "parse_org_policy",
    "parse_organization",
    "read_bytes",
]

ORGANIZATIONS_FILE = "organizations.json"
COMPUTE_FILE = "compute.json"

ORG_LEVEL_TYPES = {
    "ROOT": OrgLevelKind.ROOT,
    "ORGANIZATIONAL_UNIT": OrgLevelKind.OU,
    "ACCOUNT": OrgLevelKind.ACCOUNT,
}
"""Organizations' target types (`ListParents`, `organizations.json`) as level kinds"""
_ORG_POLICY_KINDS = {
    "SERVICE_CONTROL_POLICY": PolicyKind.SCP,
    "RESOURCE_CONTROL_POLICY": PolicyKind.RCP,
}


def as_utc(value: datetime) -> datetime:
    """`value` in UTC; a naive time is taken as UTC"""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def read_bytes(path: Path, name: str = "") -> bytes:
    """The content of a file (gunzipped when gzip data); `name` is how errors refer to it

    Raises:
        SnapshotFormatError: the file is missing, a directory, unreadable or too large.
    """
    return fileio.read_bytes(path, name=name, error=SnapshotFormatError)


def load_json(path: Path, name: str = "") -> JsonNode:
    """Read a JSON file as the root node with the guarded reader (gzip, byte order mark,
    depth and size limits); `name` is how errors refer to the file"""
    shown = name or str(path)
    value = fileio.read_json(path, name=shown, error=SnapshotFormatError)
    return JsonNode(value, at="$", path=shown)


@dataclass(frozen=True, slots=True)
class JsonNode:
    """A decoded JSON value with its file and JSON path, for located errors

    The member readers (`text_of`, `str_of`, `int_of`, …) read the decoded value directly
    and make a located child node only to report a problem: an import reads millions of
    members and fails at most once.
    """

    value: Any
    at: str
    path: str

    def fail(self, problem: str) -> NoReturn:
        """Raise a `SnapshotFormatError` at this node"""
        raise SnapshotFormatError(problem, path=self.path, location=self.at)

    def _child(self, value: Any, step: str) -> JsonNode:
        return JsonNode(value, at=f"{self.at}{step}", path=self.path)

    def _member(self, key: str) -> Any:
        """The member `key` of this object (`None` when absent or null)"""
        value = self.value
        if not isinstance(value, dict):
            self.fail("expected an object")
        return value.get(key)

    def obj(self) -> JsonNode:
        """This node, checked to be an object"""
        if not isinstance(self.value, dict):
            self.fail("expected an object")
        return self

    def has(self, key: str) -> bool:
        """Whether this object has `key` with a non-null value"""
        return self._member(key) is not None

    def key(self, key: str) -> JsonNode:
        """The required member `key`"""
        value = self._member(key)
        if value is None:
            self.fail(f"missing field `{key}`")
        return self._child(value, f".{key}")

    def opt(self, key: str) -> JsonNode | None:
        """The member `key`, or `None` when it is absent or null"""
        value = self._member(key)
        return None if value is None else self._child(value, f".{key}")

    def items(self, key: str | None = None) -> Iterator[JsonNode]:
        """The elements of this list (or of member `key`, absent meaning empty)"""
        if key is None:
            values, at = self.value, self.at
        else:
            values, at = self._member(key), f"{self.at}.{key}"
            if values is None:
                return
        if not isinstance(values, list):
            JsonNode(values, at=at, path=self.path).fail("expected a list")
        path = self.path
        for index, value in enumerate(values):
            yield JsonNode(value, at=f"{at}[{index}]", path=path)

    def entries(self) -> Iterator[tuple[str, JsonNode]]:
        """The members of this object"""
        for name, value in self.obj().value.items():
            yield name, self._child(value, f".{name}")

    def text(self) -> str:
        """This node as a string"""
        if not isinstance(self.value, str):
            self.fail("expected a string")
        return self.value

    def integer(self) -> int:
        """This node as an integer"""
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            self.fail("expected an integer")
        return self.value

    def flag(self) -> bool:
        """This node as a boolean"""
        if not isinstance(self.value, bool):
            self.fail("expected a boolean")
        return self.value

    def when(self) -> datetime:
        """This node as a date-time in UTC (naive times are taken as UTC)"""
        value = self.value
        if not isinstance(value, datetime):
            if not isinstance(value, str):
                self.fail("expected a date-time string")
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                self.fail(f"bad date-time `{value}`")
        try:
            return as_utc(value)
        except (OverflowError, ValueError):
            self.fail(f"date-time `{value}` out of range")

    def text_of(self, key: str) -> str:
        """The required string member `key`"""
        value = self._member(key)
        if isinstance(value, str):
            return value
        return self.key(key).text()  # raises: missing, or not a string

    def str_of(self, key: str, default: str = "") -> str:
        """The optional string member `key`"""
        value = self._member(key)
        if value is None:
            return default
        return value if isinstance(value, str) else self._child(value, f".{key}").text()

    def int_of(self, key: str, default: int) -> int:
        """The optional integer member `key`"""
        value = self._member(key)
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return self._child(value, f".{key}").integer()

    def flag_of(self, key: str, default: bool = False) -> bool:
        """The optional boolean member `key`"""
        value = self._member(key)
        if value is None:
            return default
        return value if isinstance(value, bool) else self._child(value, f".{key}").flag()

    def when_of(self, key: str) -> datetime | None:
        """The optional date-time member `key`"""
        value = self._member(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return as_utc(datetime.fromisoformat(value))
            except (OverflowError, ValueError):
                pass  # the located node says what is wrong
        return self._child(value, f".{key}").when()

    def tags(self, key: str = "Tags") -> tuple[Tag, ...]:
        """AWS `[{"Key": …, "Value": …}]` tags in member `key`"""
        return tuple(Tag(key=t.text_of("Key"), value=t.str_of("Value")) for t in self.items(key))

    def document(self) -> Document:
        """This node as a policy document: an object, JSON text or URL-encoded JSON text

        A document iamwarden cannot read (text that is not JSON, JSON that is not an object,
        a grammar it rejects) is kept as it is: AWS accepted it, so it is a gap for that one
        policy (`snapshot.policies.with_policy_gaps`), not a broken file. Only a value that is
        neither an object nor text is a format error.
        """
        value = self.value
        if isinstance(value, str):
            text = value.strip()
            if not text.startswith("{"):
                text = unquote(text)
            try:
                value = json.loads(text)
            except (ValueError, RecursionError):
                return Document.from_obj(self.value)
        elif not isinstance(value, dict):
            self.fail("expected a policy document (an object or JSON text)")
        try:
            return Document.from_obj(value)
        except RecursionError:
            self.fail("policy document nested too deeply")


def parse_organization(root: JsonNode, account_id: str) -> Organization | None:
    """The account's organization path from `organizations.json`; `None` if not in one

    The file holds `Organization` (describe-organization's object, or null for an account
    outside any organization) and `Path`: the levels from the root to the account, each with
    `Id`, `Type` (ROOT, ORGANIZATIONAL_UNIT, ACCOUNT), `Name` and `Policies` (describe-policy
    `Policy` objects: `PolicySummary` and `Content`).
    """
    root.obj()
    organization = root.opt("Organization")
    if organization is None:
        return None
    org_id = organization.key("Id").text()
    management = organization.opt("MasterAccountId") or organization.key("ManagementAccountId")
    path_node = root.key("Path")
    levels = tuple(_org_level(level) for level in path_node.items())
    try:
        result = Organization(id=org_id, management_account_id=management.text(), path=levels)
    except ValueError as error:
        path_node.fail(str(error))
    if account_id and result.path[-1].id != account_id:
        path_node.fail(f"the path ends at `{result.path[-1].id}`, not at account `{account_id}`")
    return result


def _org_level(level: JsonNode) -> OrgLevel:
    kind_node = level.key("Type")
    kind = ORG_LEVEL_TYPES.get(kind_node.text())
    if kind is None:
        kind_node.fail(
            f"unknown level type `{kind_node.value}` (expected one of {', '.join(ORG_LEVEL_TYPES)})"
        )
    scps: list[OrgPolicy] = []
    rcps: list[OrgPolicy] = []
    for entry in level.items("Policies"):
        policy_kind, policy = parse_org_policy(entry)
        (scps if policy_kind is PolicyKind.SCP else rcps).append(policy)
    return OrgLevel(
        id=level.key("Id").text(),
        kind=kind,
        name=level.str_of("Name"),
        scps=tuple(scps),
        rcps=tuple(rcps),
    )


def parse_org_policy(entry: JsonNode) -> tuple[PolicyKind, OrgPolicy]:
    """An SCP or RCP from a DescribePolicy response or its `Policy`, with its kind"""
    item = entry.opt("Policy") or entry
    summary = item.key("PolicySummary")
    type_node = summary.key("Type")
    kind = _ORG_POLICY_KINDS.get(type_node.text())
    if kind is None:
        type_node.fail(f"unsupported policy type `{type_node.value}`")
    policy = OrgPolicy(
        id=summary.key("Id").text(),
        name=summary.str_of("Name"),
        arn=summary.str_of("Arn"),
        document=item.key("Content").document(),
    )
    return kind, policy


def parse_compute(root: JsonNode) -> tuple[ComputeResource, ...]:
    """Resources that run with roles, from `compute.json`

    The file holds `Resources`: objects with `Arn`, `Type` (a `ComputeKind` value such as
    `lambda_function`), and optional `Name`, `Region`, `RoleArn`, `InstanceProfileArn` and
    `ExecutionRoleArn` (ECS task definitions).
    """
    resources = []
    for item in root.obj().items("Resources"):
        type_node = item.key("Type")
        try:
            kind = ComputeKind(type_node.text())
        except ValueError:
            type_node.fail(
                f"unknown resource type `{type_node.value}` (expected one of "
                f"{', '.join(k.value for k in ComputeKind)})"
            )
        role = item.opt("RoleArn")
        profile = item.opt("InstanceProfileArn")
        execution = item.opt("ExecutionRoleArn")
        resources.append(
            ComputeResource(
                arn=item.key("Arn").text(),
                kind=kind,
                name=item.str_of("Name"),
                region=item.str_of("Region"),
                role_arn=None if role is None else role.text(),
                instance_profile_arn=None if profile is None else profile.text(),
                execution_role_arn=None if execution is None else execution.text(),
            )
        )
    return tuple(resources)
