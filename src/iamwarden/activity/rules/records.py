"""The CloudTrail records of local files, one at a time with their position, for matching in
Python (rules, watch): the files `activity.sources.find_files` finds, in the layouts
`activity.sources.sniff_layout` tells apart (`{"Records": [...]}`, a JSON array, JSON lines;
gzip or not), read through `fileio`'s guarded reader

A file that is not JSON, or a record that is not an object, is an `InputError` naming the
file and the record (`Records[3]`, `line 12`). A record nested deeper than `fileio.MAX_DEPTH`
is also one, unless the caller passes `on_skip`: then only that record is left out (handed to
`on_skip` with its location) and the file's other records are read, as `activity ingest` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iamwarden.activity.sources import Layout, find_files, sniff_layout
from iamwarden.errors import InputError
from iamwarden.fileio import check_json_depth, parse_json, read_text

__all__ = ["FileRecord", "array_items", "read_records"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FileRecord:
    """One CloudTrail record and where it was: `source` the file, `index` its 0-based
    position in the file (its index in `Records`, the array, or among the lines)"""

    source: str
    index: int
    record: Mapping[str, Any]


Skip = Callable[[InputError], None]


def array_items(text: str, key: str) -> Iterator[str]:
    """The texts of the items of the document's array (`key` empty) or of the array under
    the top-level object's `key`, split without parsing them (iterative, brackets inside
    strings ignored), so that a record nested too deeply can be left out alone"""
    depth = 0
    inside = in_string = escaped = False
    start = start_string = -1
    last = ""  # the last string at depth 1: a key when a `[` follows it
    level = 1 if not key else 2  # the depth of the array's items
    for offset, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                if depth == 1:
                    last = text[start_string + 1 : offset]
            continue
        at_item = inside and depth == level
        if char == '"':
            in_string, start_string = True, offset
            if at_item and start < 0:
                start = offset
        elif char in "[{":
            if at_item and start < 0:
                start = offset
            depth += 1
            if not inside and char == "[" and depth == level and (not key or last == key):
                inside = True
        elif char in "]}":
            depth -= 1
            if inside and depth == level - 1:
                if start >= 0:
                    yield text[start:offset]
                return
        elif char == "," and at_item:
            yield text[start:offset]
            start = -1
        elif at_item and start < 0 and not char.isspace():
            start = offset


def _parse_record(text: str, shown: str, location: str, on_skip: Skip | None) -> Any:
    """A record's JSON value; None when it is nested too deeply and `on_skip` took it"""
    try:
        return parse_json(text, path=shown)
    except InputError as error:
        if on_skip is None or "nested too deeply" not in error.problem:
            raise
        on_skip(InputError(error.problem, path=shown, location=location))
        return None


def _file_records(path: Path, shown: str, on_skip: Skip | None) -> Iterator[FileRecord]:
    try:
        layout, _ = sniff_layout(path)
    except OSError as failure:
        raise InputError(f"cannot read: {failure.strerror or failure}", path=shown) from None
    text = read_text(path, name=shown)
    if layout is Layout.LINES:
        index = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            value = _parse_record(line, shown, f"line {number}", on_skip)
            if value is None:
                index += 1
                continue
            if not isinstance(value, dict):
                raise InputError(
                    "a record is not a JSON object", path=shown, location=f"line {number}"
                )
            yield FileRecord(source=shown, index=index, record=value)
            index += 1
        return
    where = "Records" if layout is Layout.RECORDS else ""
    if on_skip is not None:
        try:
            check_json_depth(text, path=shown)
        except InputError:
            for index, item in enumerate(array_items(text, where)):
                value = _parse_record(item, shown, f"{where}[{index}]", on_skip)
                if value is None:
                    continue
                if not isinstance(value, dict):
                    raise InputError(
                        "a record is not a JSON object", path=shown, location=f"{where}[{index}]"
                    ) from None
                yield FileRecord(source=shown, index=index, record=value)
            return
    data = parse_json(text, path=shown)
    where = "Records"
    if layout is Layout.RECORDS:
        records = data.get("Records") if isinstance(data, dict) else None
    else:
        records, where = data, ""
    if not isinstance(records, list):
        raise InputError("`Records` is not a list", path=shown, location=where)
    for index, value in enumerate(records):
        if not isinstance(value, dict):
            raise InputError(
                "a record is not a JSON object", path=shown, location=f"{where}[{index}]"
            )
        yield FileRecord(source=shown, index=index, record=value)


def read_records(paths: Sequence[Path], *, on_skip: Skip | None = None) -> Iterator[FileRecord]:
    """Every record of the CloudTrail files under `paths` (files, or folders walked as
    `find_files` does), file by file in order; with `on_skip`, a record nested too deeply
    is handed to it (an `InputError` with its file and location) and left out

    Raises:
        InputError: a path that does not exist, a file that is not CloudTrail JSON, or a
            record that is not an object (file and location named).
    """
    for found in find_files(list(paths)):
        yield from _file_records(found.local, found.name, on_skip)
