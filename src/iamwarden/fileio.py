"""Guarded reading and atomic writing of every file iamwarden is given or writes.

Reading: gzip is recognised by its content (magic bytes), never by the file's name; a UTF-8
byte order mark is accepted; size, nesting depth and YAML alias expansion are bounded before
any recursive code sees the document, so hostile input is one `InputError` (file, line:col,
problem) and never a `RecursionError`, a memory blow-up or a traceback. Writing: the
destination is checked before the work that produces it starts (`check_writable`,
`check_directory`), and `write_atomically` writes a temporary file beside the destination,
syncs it and renames it into place, so a failed write leaves the previous file untouched.
Duplicate keys in an object are last-one-wins, as `json` and YAML decode them, unless the
caller asks for them (`duplicates=[]`, for files people write): only then are they collected,
so the default path of `read_json` costs nothing more.

This module imports nothing of iamwarden's but `errors`; `policy/` does not use it (it gets
text), every other package and the CLI read and write through it.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import stat
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from iamwarden.errors import InputError

__all__ = [
    "MAX_ALIAS_EXPANSION",
    "MAX_BYTES",
    "MAX_DEPTH",
    "DuplicateKey",
    "append_lines",
    "check_directory",
    "check_json_depth",
    "check_writable",
    "compose_yaml",
    "parse_json",
    "parse_yaml",
    "read_bytes",
    "read_json",
    "read_stream",
    "read_text",
    "read_yaml",
    "write_atomically",
]

MAX_BYTES = 512 * 1024 * 1024
"""Largest content read from one file, after gzip decompression"""
MAX_DEPTH = 256
"""Deepest nesting of lists and objects accepted in a JSON or YAML document"""
MAX_ALIAS_EXPANSION = 100_000
"""Most nodes that YAML aliases may add to a document when expanded (billion laughs)"""

_GZIP_MAGIC = b"\x1f\x8b"
_SEPARATORS = tuple(sep for sep in (os.sep, os.altsep) if sep)
_BRACKET_DELTA = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_QUOTED = re.compile(rb'"[^"]*"?')

try:
    _YamlLoader: Any = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _YamlLoader = yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    """A key written more than once in one object (the decoded value keeps the last)

    `path` is the JSON path of the object (`Statement[0]`, empty at the top level), `line`
    the `line L:C` of the repeated key where the reader knows it (YAML).
    """

    path: str
    key: str
    line: str = ""

    @property
    def pointer(self) -> str:
        """The JSON path of the key itself (`Statement[0].Effect`)"""
        return f"{self.path}.{self.key}" if self.path else self.key


def _child(path: str, step: str | int) -> str:
    if isinstance(step, int):
        return f"{path}[{step}]"
    return f"{path}.{step}" if path else step


def _reason(error: OSError, default: str) -> str:
    """A person's words for an `OSError` (lowercase, no Python type names)"""
    if isinstance(error, FileNotFoundError):
        return "file not found"
    if isinstance(error, IsADirectoryError):
        return "is a directory"
    return (error.strerror or default).lower()


def _size(value: int) -> str:
    return f"{value // (1024 * 1024)} MiB" if value >= 1024 * 1024 else f"{value} bytes"


# -- reading ------------------------------------------------------------------------------


def _gunzip(raw: bytes, *, limit: int, path: str, error: type[InputError]) -> bytes:
    """Every member of gzip data, stopping as soon as the output passes `limit`"""
    parts: list[bytes] = []
    total = 0
    data = raw
    try:
        while data:
            inflater = zlib.decompressobj(wbits=31)
            part = inflater.decompress(data, limit + 1 - total)
            total += len(part)
            parts.append(part)
            if total > limit or inflater.unconsumed_tail:
                raise error(f"gzip content larger than {_size(limit)}", path=path)
            if not inflater.eof:
                raise error("truncated gzip data", path=path)
            data = inflater.unused_data.lstrip(b"\0")
            if data and not data.startswith(_GZIP_MAGIC):
                raise error("trailing data after gzip content", path=path)
    except zlib.error:
        raise error("not valid gzip data", path=path) from None
    return b"".join(parts)


def read_bytes(
    path: Path,
    *,
    name: str = "",
    error: type[InputError] = InputError,
    max_bytes: int = MAX_BYTES,
) -> bytes:
    """The content of a file, gunzipped when it is gzip data (by content, whatever its name)

    `name` is how errors refer to the file (default: the path).

    Raises:
        InputError: (or `error`) the file is missing, a directory, unreadable, larger than
            `max_bytes` (before or after decompression) or broken gzip data.
    """
    shown = name or str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as failure:
        raise error(_reason(failure, "cannot be read"), path=shown) from None
    return _unpacked(raw, shown=shown, error=error, max_bytes=max_bytes)


def read_stream(
    stream: BinaryIO,
    *,
    name: str = "<stdin>",
    error: type[InputError] = InputError,
    max_bytes: int = MAX_BYTES,
) -> str:
    """The UTF-8 text of an open binary stream (standard input), with the limits of `read_text`"""
    try:
        raw = stream.read(max_bytes + 1)
    except OSError as failure:
        raise error(_reason(failure, "cannot be read"), path=name) from None
    return _decode(
        _unpacked(raw, shown=name, error=error, max_bytes=max_bytes), path=name, error=error
    )


def _unpacked(raw: bytes, *, shown: str, error: type[InputError], max_bytes: int) -> bytes:
    """`raw` (at most `max_bytes` + 1 bytes read), bounded and gunzipped when it is gzip data"""
    if len(raw) > max_bytes:
        raise error(f"file larger than {_size(max_bytes)}", path=shown)
    if raw.startswith(_GZIP_MAGIC):
        return _gunzip(raw, limit=max_bytes, path=shown, error=error)
    return raw


def _decode(raw: bytes, *, path: str, error: type[InputError]) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:  # as PowerShell's `Out-File` writes: the byte order mark says UTF-16
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise error("not UTF-16 text", path=path, location="line 1") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as failure:
        line = raw[: failure.start].count(b"\n") + 1
        raise error("not UTF-8 text", path=path, location=f"line {line}") from None


def read_text(
    path: Path,
    *,
    name: str = "",
    error: type[InputError] = InputError,
    max_bytes: int = MAX_BYTES,
) -> str:
    """The UTF-8 text of a file (a byte order mark dropped, gzip content decompressed); a
    file that starts with a UTF-16 byte order mark is read as UTF-16"""
    shown = name or str(path)
    raw = read_bytes(path, name=shown, error=error, max_bytes=max_bytes)
    return _decode(raw, path=shown, error=error)


def _value_problem(failure: Exception) -> str:
    text = str(failure)
    return "number too large" if "digits" in text else f"bad value: {text}".lower()


def _line_col(text: str, offset: int) -> str:
    """`line L:C` of a character offset, both counted from 1"""
    line = text.count("\n", 0, offset) + 1
    column = offset - text.rfind("\n", 0, offset)
    return f"line {line}:{column}"


def _too_deep_at(text: str, max_depth: int) -> int:
    """Offset of the first bracket nested deeper than `max_depth` (outside strings), or -1"""
    depth = 0
    in_string = escaped = False
    for offset, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return offset
        elif char in "]}":
            depth -= 1
    return -1


def check_json_depth(
    text: str, *, path: str = "", error: type[InputError] = InputError, max_depth: int = MAX_DEPTH
) -> None:
    """Refuse JSON text nested deeper than `max_depth`, without recursion and before parsing

    Raises:
        InputError: (or `error`) located at the first bracket too deep.
    """
    # INVARIANT: linear and iterative; brackets inside strings do not count. Escaped
    # backslashes and quotes go first; then only quotes and brackets are kept (C-speed
    # byte operations), empty strings are dropped, and what strings remain are removed.
    if text.count("[") + text.count("{") <= max_depth:
        return
    raw = text.encode("utf-8", "surrogatepass")
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    structure = raw.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in structure:
        structure = _QUOTED.sub(b"", structure)
    if max(accumulate(map(_BRACKET_DELTA.__getitem__, structure)), default=0) <= max_depth:
        return
    offset = _too_deep_at(text, max_depth)
    if offset >= 0:
        raise error(
            f"JSON nested too deeply (more than {max_depth} levels)",
            path=path,
            location=_line_col(text, offset),
        )


def _loads_noting_duplicates(text: str, duplicates: list[DuplicateKey]) -> Any:
    """`json.loads`, adding every repeated key of an object to `duplicates`"""
    repeated: dict[int, list[str]] = {}  # id of an object -> its repeated keys

    def build(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        built = dict(pairs)
        if len(built) != len(pairs):
            seen: set[str] = set()
            keys = repeated.setdefault(id(built), [])
            for key, _ in pairs:
                if key in seen:
                    keys.append(key)
                seen.add(key)
        return built

    value = json.loads(text, object_pairs_hook=build)
    if repeated:  # INVARIANT: every object is alive in `value`, so ids are unique
        pending: list[tuple[str, Any]] = [("", value)]
        while pending:
            where, item = pending.pop()
            if isinstance(item, dict):
                duplicates.extend(DuplicateKey(where, key) for key in repeated.get(id(item), ()))
                pending.extend((_child(where, k), v) for k, v in item.items())
            elif isinstance(item, list):
                pending.extend((_child(where, i), v) for i, v in enumerate(item))
        duplicates.sort(key=lambda d: d.pointer)
    return value


def parse_json(
    text: str,
    *,
    path: str = "",
    error: type[InputError] = InputError,
    duplicates: list[DuplicateKey] | None = None,
) -> Any:
    """Decode JSON text, depth-checked first; syntax errors located as `line L:C`

    With `duplicates` (a list), every key repeated in an object is added to it.
    """
    text = text.removeprefix("\ufeff")
    check_json_depth(text, path=path, error=error)
    try:
        if duplicates is not None:
            return _loads_noting_duplicates(text, duplicates)
        return json.loads(text)
    except json.JSONDecodeError as failure:
        raise error(
            f"invalid JSON: {failure.msg.lower()}",
            path=path,
            location=f"line {failure.lineno}:{failure.colno}",
        ) from None
    except ValueError as failure:  # a number beyond Python's digit limit
        raise error(f"invalid JSON: {_value_problem(failure)}", path=path) from None
    except RecursionError:  # INVARIANT: unreachable after the depth check; kept as a guard
        raise error("JSON nested too deeply", path=path) from None


def read_json(
    path: Path,
    *,
    name: str = "",
    error: type[InputError] = InputError,
    duplicates: list[DuplicateKey] | None = None,
) -> Any:
    """The decoded JSON value of a file (gzip, byte order mark and limits as `read_text`;
    `duplicates` as `parse_json`)"""
    shown = name or str(path)
    text = read_text(path, name=shown, error=error)
    return parse_json(text, path=shown, error=error, duplicates=duplicates)


def _events(text: str) -> Iterator[Event]:
    loader = _YamlLoader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


def _yaml_location(mark: Any) -> str:
    return f"line {mark.line + 1}:{mark.column + 1}" if mark is not None else ""


def _refused_character(text: str, failure: yaml.reader.ReaderError) -> str:
    """`line L:C` of the character YAML's reader refused (its first occurrence)"""
    refused = failure.character
    offset = text.find(chr(refused)) if isinstance(refused, int) else -1
    return _line_col(text, offset) if offset >= 0 else ""


def _check_yaml_events(
    text: str, *, path: str, error: type[InputError], max_depth: int, max_expansion: int
) -> None:
    """Refuse YAML nested too deeply or whose aliases would expand too far, from the event
    stream alone (iterative: nothing is composed or constructed yet)"""
    depth = 0
    nodes = 0  # nodes of the document with every alias expanded
    added = 0  # nodes added by alias expansion
    # for each open collection: its anchor, the node count and depth when it started
    open_nodes: list[tuple[str | None, int, int]] = []
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (expanded size, depth below it)
    deepest_below: list[int] = []

    def too_deep(event: Event) -> InputError:
        return error(
            f"YAML nested too deeply (more than {max_depth} levels)",
            path=path,
            location=_yaml_location(event.start_mark),
        )

    for event in _events(text):
        if isinstance(event, AliasEvent):
            anchor = event.anchor or ""
            if anchor not in anchors:
                problem = (
                    "YAML alias refers to a node that contains it"
                    if any(a == anchor for a, _, _ in open_nodes)
                    else f"undefined YAML alias `{anchor}`"
                )
                raise error(problem, path=path, location=_yaml_location(event.start_mark))
            size, below = anchors[anchor]
            nodes += size
            added += size
            if added > max_expansion:
                raise error(
                    f"YAML aliases expand to more than {max_expansion} nodes",
                    path=path,
                    location=_yaml_location(event.start_mark),
                )
            if depth + below > max_depth:
                raise too_deep(event)
            if deepest_below:
                deepest_below[-1] = max(deepest_below[-1], below)
        elif isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                raise too_deep(event)
            nodes += 1
            open_nodes.append((event.anchor, nodes - 1, depth))
            deepest_below.append(0)
        elif isinstance(event, CollectionEndEvent):
            anchor, start, _ = open_nodes.pop()
            below = deepest_below.pop() + 1
            if deepest_below:
                deepest_below[-1] = max(deepest_below[-1], below)
            if anchor is not None:
                anchors[anchor] = (nodes - start, below)
            depth -= 1
        elif isinstance(event, ScalarEvent):
            nodes += 1
            if event.anchor is not None:
                anchors[event.anchor] = (1, 0)


# -- YAML construction from events ----------------------------------------------------------
# PyYAML's C loader scans and parses in C but resolves every scalar and builds every object in
# Python, one node at a time: a 4.5 MB file takes seconds. The common shape of our inputs
# (plain or quoted scalars, mappings and lists, one document, no tags, aliases or merge keys)
# is built here straight from the event stream, with PyYAML's own implicit resolvers and
# scalar constructors, so the value is the one `yaml.load` returns; anything else is left to
# `yaml.load`.

_STR_TAG = "tag:yaml.org,2002:str"
_UNSUPPORTED_TAGS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
_WILDCARD_RESOLVERS = tuple(_IMPLICIT.get(None, ()))


class _Unsupported(Exception):
    """A YAML feature the event builder leaves to `yaml.load`"""


# What PyYAML's safe constructors raise, besides `YAMLError`, on a value they cannot build:
# `!!timestamp foo` (AttributeError), `!!bool maybe` (KeyError), `!!int ""` (IndexError)
_CONSTRUCTION_FAILURES = (ValueError, TypeError, LookupError, AttributeError, OverflowError)


def _bad_value(node: yaml.Node, failure: Exception) -> yaml.constructor.ConstructorError:
    """A value the constructor could not build, as a YAML error located at its node"""
    detail = str(failure)
    tag = str(node.tag).removeprefix("tag:yaml.org,2002:")
    if isinstance(failure, ValueError) and "digits" in detail:
        problem = "number too large"
    else:
        text = str(node.value)
        shown = f"`{text[:60]}`" if text else "an empty value"
        problem = f"{shown} is not a valid !!{tag}"
        if tag == "timestamp" and isinstance(failure, ValueError):
            problem += f": {detail.lower()}"  # month must be in 1..12
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


class _LocatingLoader(_YamlLoader):  # type: ignore[misc]
    """The safe loader, whose constructor failures are YAML errors located at their node"""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except _CONSTRUCTION_FAILURES as failure:
            raise _bad_value(node, failure) from None


def _scalar_value(
    event: ScalarEvent, constructor: yaml.constructor.SafeConstructor, resolved: dict[str, Any]
) -> Any:
    """The value of a scalar event; `resolved` holds the plain scalars' values met so far
    (a file repeats its actions, effects and ARNs: each is resolved once)"""
    value = event.value
    tag = event.tag
    if tag is not None and tag != "!":  # `!` is resolved as no tag is (PyYAML's composer)
        raise _Unsupported
    if not event.implicit[0]:
        return value  # quoted: a string
    if value in resolved:
        return resolved[value]
    resolved[value] = built = _plain_value(event, constructor)
    return built


def _plain_value(event: ScalarEvent, constructor: yaml.constructor.SafeConstructor) -> Any:
    value = event.value
    # INVARIANT: the resolution `yaml.resolver.Resolver.resolve` makes for a plain scalar
    for candidate, regexp in (*_IMPLICIT.get(value[0] if value else "", ()), *_WILDCARD_RESOLVERS):
        if regexp.match(value):
            tag = candidate
            break
    else:
        return value
    if tag in _UNSUPPORTED_TAGS:
        raise _Unsupported
    node = yaml.ScalarNode(tag, value, event.start_mark, event.end_mark)
    try:
        return constructor.yaml_constructors[tag](constructor, node)
    except _CONSTRUCTION_FAILURES as failure:  # a date that does not exist: `2026-13-01`
        raise _bad_value(node, failure) from None


def _stack_path(stack: list[list[Any]]) -> str:
    """The JSON path of the innermost open collection of `_build_from_events`"""
    where = ""
    for container, key, _, _ in stack[:-1]:
        where = _child(where, len(container) if type(container) is list else str(key))
    return where


def _build_from_events(
    text: str, max_depth: int, duplicates: list[DuplicateKey] | None = None
) -> Any:
    """The value of a one-document YAML text as `yaml.load` with the safe loader builds it;
    with `duplicates`, every key repeated in a mapping is added to it

    Raises:
        _Unsupported: the text uses tags, aliases, merge keys, complex keys or several
            documents, or nests deeper than `max_depth` (the checked path locates that).
    """
    constructor = yaml.constructor.SafeConstructor()
    resolved: dict[str, Any] = {}
    # open collections: [container, pending mapping key, whether a key is pending, the
    # pending key's event (kept only when duplicates are wanted)]
    stack: list[list[Any]] = []
    root: Any = None
    documents = 0
    loader = _YamlLoader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            kind = type(event)
            if kind is ScalarEvent:
                value = _scalar_value(event, constructor, resolved)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.tag not in (None, "!") or len(stack) >= max_depth:
                    raise _Unsupported
                stack.append([{} if kind is MappingStartEvent else [], None, False, None])
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                value = stack.pop()[0]
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _Unsupported
                continue
            elif kind is AliasEvent:
                raise _Unsupported
            else:
                continue
            if not stack:
                root = value
                continue
            top = stack[-1]
            parent = top[0]
            if type(parent) is list:
                parent.append(value)
            elif top[2]:
                if duplicates is not None and top[1] in parent:
                    line = _yaml_location(top[3].start_mark)
                    duplicates.append(DuplicateKey(_stack_path(stack), str(top[1]), line))
                parent[top[1]] = value
                top[2] = False
            else:
                if isinstance(value, list | dict):
                    raise _Unsupported  # a complex key: yaml.load's error or value
                top[1] = value
                top[2] = True
                if duplicates is not None:
                    top[3] = event
    finally:
        loader.dispose()
    return root


class _DuplicateNotingLoader(_LocatingLoader):
    """The safe loader, adding every key repeated in a mapping (merge keys aside) to
    `duplicates`; used where the event builder is not (aliases, tags, merge keys)"""

    duplicates: list[DuplicateKey]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        if not isinstance(node, yaml.MappingNode):  # `!!set [a]`: the constructor reports it
            return super().construct_mapping(node, deep=deep)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                if key in seen:
                    line = _yaml_location(key_node.start_mark)
                    self.duplicates.append(DuplicateKey("", str(key), line))
                seen.add(key)
            except TypeError:  # an unhashable key: the constructor reports it
                pass
        return super().construct_mapping(node, deep=deep)


def _load_noting_duplicates(text: str, duplicates: list[DuplicateKey]) -> Any:
    loader = _DuplicateNotingLoader(text)
    loader.duplicates = duplicates
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def parse_yaml(
    text: str,
    *,
    path: str = "",
    error: type[InputError] = InputError,
    max_depth: int = MAX_DEPTH,
    max_expansion: int = MAX_ALIAS_EXPANSION,
    duplicates: list[DuplicateKey] | None = None,
) -> Any:
    """Decode YAML (or JSON) text with the safe loader, after bounding depth and aliases

    With `duplicates` (a list), every key repeated in a mapping is added to it, with its
    line (and its path, where aliases, tags and merge keys do not stand in the way).

    Raises:
        InputError: (or `error`) a syntax error or a value the safe constructor cannot build
            (`!!timestamp foo`, `!!set [a]`, `2026-13-01`) located as `line L:C`, nesting
            deeper than `max_depth`, or aliases that would add more than `max_expansion` nodes.
    """
    text = text.removeprefix("\ufeff")
    try:
        try:
            # one pass over the events in the common case: no alias (so no expansion) and
            # the depth bounded as the value is built
            return _build_from_events(text, max_depth, duplicates)
        except _Unsupported:
            if duplicates is not None:
                del duplicates[:]  # the full loader notes them again
        _check_yaml_events(
            text, path=path, error=error, max_depth=max_depth, max_expansion=max_expansion
        )
        if duplicates is not None:
            return _load_noting_duplicates(text, duplicates)
        return yaml.load(text, Loader=_LocatingLoader)  # a safe loader (C or Python)
    except yaml.MarkedYAMLError as failure:
        problem = f"invalid YAML: {failure.problem or failure.context or 'syntax error'}"
        if "nesting depth" in problem:  # libyaml's own limit, met while scanning ahead
            problem = f"YAML nested too deeply (more than {max_depth} levels)"
        raise error(
            problem,
            path=path,
            location=_yaml_location(failure.problem_mark or failure.context_mark),
        ) from None
    except yaml.reader.ReaderError as failure:  # a control character
        raise error(
            f"invalid YAML: {failure}".splitlines()[0],
            path=path,
            location=_refused_character(text, failure),
        ) from None
    except yaml.YAMLError as failure:
        raise error(f"invalid YAML: {failure}".splitlines()[0], path=path) from None
    except _CONSTRUCTION_FAILURES as failure:  # a guard: the loaders locate these
        raise error(f"invalid YAML: {_value_problem(failure)}", path=path) from None
    except RecursionError:  # INVARIANT: unreachable after the depth check; kept as a guard
        raise error("YAML nested too deeply", path=path) from None


def compose_yaml(
    text: str,
    *,
    path: str = "",
    error: type[InputError] = InputError,
    max_depth: int = MAX_DEPTH,
    max_expansion: int = MAX_ALIAS_EXPANSION,
) -> yaml.Node | None:
    """The node tree of a one-document YAML (or JSON) text, with the limits of `parse_yaml`

    Nothing is constructed: every node keeps its tag (`!Ref`, `!Sub`, ... stay as they are
    written) and its marks (line and column), for readers of files that carry locations and
    application tags (CloudFormation templates). None for an empty document.

    Raises:
        InputError: (or `error`) a syntax error located as `line L:C`, several documents,
            nesting deeper than `max_depth`, or aliases that would add more than
            `max_expansion` nodes.
    """
    text = text.removeprefix("\ufeff")
    try:
        _check_yaml_events(
            text, path=path, error=error, max_depth=max_depth, max_expansion=max_expansion
        )
        node: yaml.Node | None = yaml.compose(text, Loader=_YamlLoader)
        return node
    except yaml.MarkedYAMLError as failure:
        problem = f"invalid YAML: {failure.problem or failure.context or 'syntax error'}"
        if "nesting depth" in problem:
            problem = f"YAML nested too deeply (more than {max_depth} levels)"
        raise error(
            problem,
            path=path,
            location=_yaml_location(failure.problem_mark or failure.context_mark),
        ) from None
    except yaml.reader.ReaderError as failure:  # a control character
        raise error(
            f"invalid YAML: {failure}".splitlines()[0],
            path=path,
            location=_refused_character(text, failure),
        ) from None
    except yaml.YAMLError as failure:
        raise error(f"invalid YAML: {failure}".splitlines()[0], path=path) from None


def read_yaml(
    path: Path,
    *,
    name: str = "",
    error: type[InputError] = InputError,
    duplicates: list[DuplicateKey] | None = None,
) -> Any:
    """The decoded YAML (or JSON) value of a file, with the limits (and `duplicates`) of
    `parse_yaml`"""
    shown = name or str(path)
    text = read_text(path, name=shown, error=error)
    return parse_yaml(text, path=shown, error=error, duplicates=duplicates)


# -- writing ------------------------------------------------------------------------------


def _probe(directory: Path, shown: str) -> None:
    """Create and remove a file in `directory`: the only honest test of writability (root
    ignores permission bits, read-only mounts and pseudo file systems do not)"""
    try:
        fd, probe = tempfile.mkstemp(dir=directory, prefix=".iamwarden-", suffix=".probe")
    except OSError as failure:
        if failure.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT):
            problem = "is read-only" if failure.errno == errno.EROFS else "is not writable"
            raise InputError(f"directory `{directory}` {problem}", path=shown) from None
        raise InputError(
            f"directory `{directory}`: {_reason(failure, 'cannot be written')}", path=shown
        ) from None
    os.close(fd)
    os.unlink(probe)


def check_writable(path: Path | str) -> None:
    """Check, before any work, that a file can be written at `path`

    The folder must exist, be a directory and accept a new file; `path` must not be a
    directory, nor text ending with `/` (which names one, existing or not).

    Raises:
        InputError: naming `path` and the problem.
    """
    shown = str(path)
    if isinstance(path, str):
        if path.endswith(_SEPARATORS):
            raise InputError("names a directory (ends with `/`): give a file name", path=shown)
        path = Path(path)
    if path.is_dir():
        raise InputError("is a directory", path=shown)
    if _is_device(path):
        if not os.access(path, os.W_OK):
            raise InputError("is not writable", path=shown)
        return
    directory = _target(path).parent
    if not directory.exists():
        raise InputError(f"directory `{directory}` does not exist", path=shown)
    if not directory.is_dir():
        raise InputError(f"`{directory}` is not a directory", path=shown)
    _probe(directory, shown)


def check_directory(path: Path, *, create: bool = False) -> None:
    """Check, before any work, that files can be written into directory `path`: it exists
    and accepts a new file, or it can be created (and is, with `create`)

    Raises:
        InputError: naming `path` and the problem.
    """
    shown = str(path)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        problem = "not a directory" if existing == path else f"`{existing}` is not a directory"
        raise InputError(problem, path=shown)
    if existing != path and create:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as failure:
            raise InputError(
                f"cannot create directory: {_reason(failure, 'failed')}", path=shown
            ) from None
        existing = path
    _probe(existing, shown)


def _is_device(path: Path) -> bool:
    """Whether `path` is (or links to) something other than a file or folder: `/dev/null`,
    `/dev/stdout`, a named pipe. Those are written in place; renaming over them is wrong."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _target(path: Path) -> Path:
    """The file a symbolic link points to (the link is kept), else `path`"""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _write_device(path: Path, payload: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            _write_all(fd, payload)
        finally:
            os.close(fd)
    except OSError as failure:
        raise InputError(_reason(failure, "cannot be written"), path=str(path)) from None


def _mode_of(path: Path) -> int:
    """The permission bits the written file gets: the replaced file's, else rw-r--r--"""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o644


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write `data` (text as UTF-8) to a temporary file beside `path`, sync it, then rename it
    into place: an interrupted or failed write leaves the previous file as it was

    Raises:
        InputError: naming `path` and the problem (full disk, read-only folder, ...).
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if _is_device(path):
        _write_device(path, payload)
        return
    shown, path = str(path), _target(path)
    directory = path.parent
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as failure:
        raise InputError(_reason(failure, "cannot be written"), path=shown) from None
    try:
        try:
            os.fchmod(fd, _mode_of(path))
            _write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as failure:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(_reason(failure, "cannot be written"), path=shown) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_directory(directory)


def append_lines(path: Path, lines: Sequence[str]) -> None:
    """Append lines of text (each given a newline) to `path`, created if missing, and sync it:
    a log that is only ever added to (`iamwarden watch`'s JSON lines sink). The lines go in
    one `write` of an `O_APPEND` descriptor, so a crash leaves whole lines or a torn last
    line, never a change to earlier lines.

    Raises:
        InputError: naming `path` and the problem (full disk, read-only folder, ...).
    """
    if not lines:
        return
    payload = "".join(line.rstrip("\n") + "\n" for line in lines).encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as failure:
        raise InputError(_reason(failure, "cannot be written"), path=str(path)) from None
    try:
        _write_all(fd, payload)
        if not _is_device(path):
            os.fsync(fd)
    except OSError as failure:
        raise InputError(_reason(failure, "cannot be written"), path=str(path)) from None
    finally:
        os.close(fd)


def _sync_directory(directory: Path) -> None:
    """Make the rename durable; a file system that cannot sync a directory is not an error"""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
