"""The CloudTrail records of local files, one at a time with their position, for matching in
Python (rules, watch): the files `activity.sources.find_files` finds, in the layouts
`activity.sources.sniff_layout` tells apart (`{"Records": [...]}`, a JSON array, JSON lines;
gzip or not), read through `fileio`'s guarded reader

A file that is not JSON, or a record that is not an object, is an `InputError` naming the
file and the record (`Records[3]`, `line 12`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iamwarden.activity.sources import Layout, find_files, sniff_layout
from iamwarden.errors import InputError
from iamwarden.fileio import parse_json, read_text

__all__ = ["FileRecord", "read_records"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FileRecord:
    """One CloudTrail record and where it was: `source` the file, `index` its 0-based
    position in the file (its index in `Records`, the array, or among the lines)"""

    source: str
    index: int
    record: Mapping[str, Any]


def _file_records(path: Path, shown: str) -> Iterator[FileRecord]:
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
            value = parse_json(line, path=shown)
            if not isinstance(value, dict):
                raise InputError(
                    "a record is not a JSON object", path=shown, location=f"line {number}"
                )
            yield FileRecord(source=shown, index=index, record=value)
            index += 1
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


def read_records(paths: Sequence[Path]) -> Iterator[FileRecord]:
    """Every record of the CloudTrail files under `paths` (files, or folders walked as
    `find_files` does), file by file in order

    Raises:
        InputError: a path that does not exist, a file that is not CloudTrail JSON, or a
            record that is not an object (file and location named).
    """
    for found in find_files(list(paths)):
        yield from _file_records(found.local, found.name)
