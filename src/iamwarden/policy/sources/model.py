"""What the source readers share: a policy found in a file, and YAML nodes as located values.

A reader is a pure function of decoded data (and, for YAML, the node tree `fileio.compose_yaml`
built): it never reads files, prints or decides. A container that is not the expected shape
is an `InputError` located by line or JSON path; a policy document that cannot be read is
still a `FoundPolicy` (`lint_policy` reports why, as errors at its location), and one known
only at deploy time carries its `problem`, so the other policies are still checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import yaml

from iamwarden.errors import InputError
from iamwarden.policy.document import PolicyKind

__all__ = [
    "USAGES",
    "FoundPolicy",
    "Located",
    "child_path",
    "kind_of_usage",
    "located_yaml",
    "policy_variants",
]

USAGES: Mapping[str, PolicyKind] = MappingProxyType(
    {
        "identity": PolicyKind.IDENTITY,
        "resource": PolicyKind.RESOURCE,
        "trust": PolicyKind.RESOURCE,
        "scp": PolicyKind.SCP,
        "rcp": PolicyKind.RCP,
        "boundary": PolicyKind.PERMISSIONS_BOUNDARY,
        "session": PolicyKind.SESSION,
    }
)
"""Where a policy sits (`lint --type`), and the policy kind it is checked as: a role's trust
policy is the resource policy of the role"""

_LAST_STEP = re.compile(r"(\[\d+\]|\.[^.\[]*)$")
_FIRST_ITEM = re.compile(r"\[0\]")


def kind_of_usage(usage: str) -> PolicyKind:
    """The policy kind of a usage word (`trust` -> RESOURCE)"""
    return USAGES[usage]


def policy_variants(found: Iterable[FoundPolicy]) -> list[tuple[FoundPolicy, ...]]:
    """Found policies grouped by policy (`pointer`), in file order: each group holds the
    values one policy may have when deployed (its `Fn::If` variants; one when it has none)"""
    groups: dict[str, list[FoundPolicy]] = {}
    for policy in found:
        groups.setdefault(policy.pointer, []).append(policy)
    return [tuple(group) for group in groups.values()]


def child_path(path: str, step: str | int) -> str:
    """The JSON path of an object's key or a list's index below `path` (`a.b[0]`)"""
    if isinstance(step, int):
        return f"{path}[{step}]"
    return f"{path}.{step}" if path else step


@dataclass(frozen=True, slots=True, kw_only=True)
class Located:
    """A decoded document with the line of each value, by JSON path (YAML sources only), and
    the (object path, key) of each key repeated in one mapping (the value keeps the last)"""

    value: Any
    lines: Mapping[str, int] = field(default_factory=dict)
    duplicates: tuple[tuple[str, str], ...] = ()
    columns: Mapping[str, int] = field(default_factory=dict)

    def line(self, path: str) -> int | None:
        """The line of the value at `path`, else of its nearest enclosing value"""
        return self.position(path)[0]

    def position(self, path: str) -> tuple[int | None, int | None]:
        """(line, column) of the value at `path`, both 1-based, else of its nearest
        enclosing value; a lone statement or a lone string stands for its list's first
        item (`Statement[0].Action[0]` finds `"Statement": {"Action": "s3:*"}`)"""
        while True:
            for candidate in (path, _FIRST_ITEM.sub("", path)):
                found = self.lines.get(candidate)
                if found is not None:
                    return found, self.columns.get(candidate)
            if not path:
                return None, None
            parent = _LAST_STEP.sub("", path)
            path = parent if parent != path else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundPolicy:
    """One policy document found in a template or plan

    `usage` is where it sits (a key of `USAGES`), `pointer` its JSON path in the file,
    `line` its first line where the reader knows it (YAML), `name` the resource that holds
    it (a logical id, a Terraform address). `document` is decoded data or JSON text, given
    as is to `lint_policy`; `lines` maps JSON paths inside the document to lines and
    `duplicates` holds the keys repeated in it (object path, key). `problem`
    says why the document is not known before deploy (a template parameter, a value Terraform
    knows only after apply), else empty: such a policy cannot be checked. `conditions` are
    the template conditions (`Fn::If`) assumed for this variant of the policy, by name: the
    variants of one policy share its `pointer` (`policy_variants`), and each is one value
    the policy may have when deployed; empty when the policy has one value.
    """

    usage: str
    document: Any
    pointer: str
    name: str
    line: int | None = None
    managed: bool = False
    lines: Mapping[str, int] = field(default_factory=dict)
    problem: str = ""
    duplicates: tuple[tuple[str, str], ...] = ()
    columns: Mapping[str, int] = field(default_factory=dict)
    size_limit: int | None = None
    suppressed: Mapping[str, str] = field(default_factory=dict)
    conditions: Mapping[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.usage not in USAGES:
            raise ValueError(f"unknown policy usage `{self.usage}`")

    @property
    def kind(self) -> PolicyKind:
        """The policy kind the document is checked as"""
        return USAGES[self.usage]

    def line_of(self, location: str) -> int | None:
        """The line of a location inside the document (`Statement[0].Action[1]`), else of
        its nearest enclosing element, else the document's"""
        return self.position_of(location)[0]

    def position_of(self, location: str) -> tuple[int | None, int | None]:
        """(line, column) of a location inside the document, else of its nearest enclosing
        element, else the document's line"""
        found = Located(value=None, lines=self.lines, columns=self.columns).position(location)
        return found if found[0] is not None else (self.line, None)


_YAML_TAG = "tag:yaml.org,2002:"
_COLLECTION_TAGS = {yaml.MappingNode: f"{_YAML_TAG}map", yaml.SequenceNode: f"{_YAML_TAG}seq"}
_AS_WRITTEN = frozenset({f"{_YAML_TAG}merge", f"{_YAML_TAG}value"})  # `<<` and `=`: text here


def located_yaml(node: yaml.Node | None, *, application_tag: Any = None) -> Located:
    """The value of a composed YAML node tree, with the line of every value

    A node with an application tag (`!Ref X`) is given to `application_tag(tag, value)`
    with its value built as untagged; without that function the tag is ignored.

    Raises:
        InputError: a key that is a list or a mapping (located as `line L`).
    """
    lines: dict[str, int] = {}
    columns: dict[str, int] = {}
    duplicates: list[tuple[str, str]] = []
    constructor = yaml.constructor.SafeConstructor()

    def build(item: yaml.Node, path: str) -> Any:
        lines[path] = item.start_mark.line + 1
        columns[path] = item.start_mark.column + 1
        tag = item.tag or ""
        if tag.startswith(_YAML_TAG) and _COLLECTION_TAGS.get(type(item), tag) != tag:
            _constructed(item, constructor)  # `!!set [a]`, `!!map [a]`: located errors
        if isinstance(item, yaml.MappingNode):
            value: Any = {}
            for key_node, value_node in item.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InputError(
                        "a key must be a plain value, not a list or a mapping",
                        location=f"line {key_node.start_mark.line + 1}",
                    )
                key = _scalar(key_node, constructor)
                name = key if isinstance(key, str) else str(key)
                if name in value:
                    duplicates.append((path, name))
                value[name] = build(value_node, child_path(path, name))
        elif isinstance(item, yaml.SequenceNode):
            value = [build(v, child_path(path, i)) for i, v in enumerate(item.value)]
        else:
            value = _scalar(item, constructor) if tag.startswith(_YAML_TAG) else item.value
        if tag.startswith("!") and tag != "!" and application_tag is not None:
            return application_tag(tag, value)
        return value

    if node is None:
        return Located(value=None)
    value = build(node, "")
    return Located(
        value=value,
        lines=MappingProxyType(lines),
        duplicates=tuple(duplicates),
        columns=MappingProxyType(columns),
    )


def _scalar(node: yaml.Node, constructor: yaml.constructor.SafeConstructor) -> Any:
    """A scalar node's value as the safe loader builds it (a string for an application tag)

    Raises:
        InputError: a value the safe loader cannot build (`!!timestamp foo`, `2026-13-01`).
    """
    tag = node.tag or ""
    if not tag.startswith(_YAML_TAG) or tag in _AS_WRITTEN or not isinstance(node, yaml.ScalarNode):
        return node.value
    return _constructed(node, constructor)


# What the safe constructors raise, besides `YAMLError`, on a value they cannot build:
# `!!timestamp foo` (AttributeError), `!!bool maybe` (KeyError), `!!int ""` (IndexError)
_CONSTRUCTION_FAILURES = (ValueError, TypeError, LookupError, AttributeError, OverflowError)


def _constructed(node: yaml.Node, constructor: yaml.constructor.SafeConstructor) -> Any:
    """A node's value as the safe loader builds it

    Raises:
        InputError: the value cannot be built, located as `line L:C` (the reader's words,
            as `fileio.parse_yaml` words them).
    """
    mark = node.start_mark
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as failure:
        problem = failure.problem or "syntax error"
        mark = failure.problem_mark or mark
    except _CONSTRUCTION_FAILURES as failure:
        text = str(node.value)
        tag = str(node.tag).removeprefix(_YAML_TAG)
        if isinstance(failure, ValueError) and "digits" in str(failure):
            problem = "number too large"
        else:
            problem = f"`{text[:60]}`" if text else "an empty value"
            problem += f" is not a valid !!{tag}"
            if tag == "timestamp" and isinstance(failure, ValueError):
                problem += f": {str(failure).lower()}"
    raise InputError(
        f"invalid YAML: {problem}", location=f"line {mark.line + 1}:{mark.column + 1}"
    ) from None
