"""Where CloudTrail files are: local paths (a file, or a directory walked in CloudTrail's
standard layout `AWSLogs/[<org id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`) and
`s3://bucket/prefix` through boto3; and how each file is laid out (gzip or not; a
`{"Records": [...]}` object, a JSON array of records, or JSON lines)

This module finds and sniffs files; it parses no JSON (DuckDB's reader does, in
`activity.ingest`).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from iamwarden.errors import InputError

__all__ = [
    "CloudTrailFile",
    "Layout",
    "find_files",
    "is_s3_url",
    "is_trail_file",
    "sniff_layout",
]

_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".gz")
_SNIFF_BYTES = 4096
_RECORDS_START = re.compile(rb'^\s*\{\s*"Records"\s*:')


class Layout(Enum):
    """How the records of one file are laid out"""

    RECORDS = "records"
    """`{"Records": [...]}`: CloudTrail's delivered files"""
    ARRAY = "array"
    """a JSON array of records"""
    LINES = "lines"
    """one record per line: CloudTrail Lake and Event history exports"""


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudTrailFile:
    """One file to ingest: `name` as recorded in the store (a path or an `s3://` URL),
    `size` in bytes as stored (compressed), `local` where it can be read"""

    name: str
    size: int
    local: Path


def is_s3_url(text: str) -> bool:
    """Whether `text` names an S3 location (`s3://bucket/prefix`)"""
    return text.startswith("s3://")


def is_trail_file(path: str) -> bool:
    """Whether a file found in a folder is one `activity ingest` reads: `path` (a local path
    or a URL, `/`-separated) ends in a name with a suffix of CloudTrail's files or its
    exports (`.json`, `.json.gz`, `.jsonl`, `.ndjson`, `.gz`, …), not hidden, and no folder
    of it is `CloudTrail-Digest` (digest files hold the log files' hashes, no event:
    CloudTrail User Guide, "CloudTrail digest file structure")"""
    parts = path.split("/")
    name = parts[-1]
    return (
        name.endswith(_SUFFIXES) and "CloudTrail-Digest" not in parts and not name.startswith(".")
    )


def find_files(paths: list[Path]) -> Iterator[CloudTrailFile]:
    """The CloudTrail files under local `paths`, sorted within each directory; digest files
    (`CloudTrail-Digest/`) and hidden files are left out; a file named directly is taken
    whatever its name

    Raises:
        InputError: a path does not exist.
    """
    for path in paths:
        if path.is_file():
            yield CloudTrailFile(name=str(path), size=path.stat().st_size, local=path)
        elif path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and is_trail_file(found.as_posix()):
                    yield CloudTrailFile(name=str(found), size=found.stat().st_size, local=found)
        else:
            raise InputError("no such file or directory", path=str(path))


def sniff_layout(path: Path) -> tuple[Layout, bool]:
    """The layout of a file and whether it is gzip-compressed (by its content, never its
    name), from its first bytes; an empty or unreadable start is read as JSON lines, whose
    reader then reports the problem

    Raises:
        OSError: the file cannot be opened.
    """
    with path.open("rb") as raw:
        magic = raw.read(2)
    compressed = magic == b"\x1f\x8b"
    start = b""
    try:
        opener: Any = gzip.open if compressed else open
        with opener(path, "rb") as stream:
            start = stream.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error):
        start = b""
    start = start.removeprefix(b"\xef\xbb\xbf").lstrip()
    if start.startswith(b"["):
        return Layout.ARRAY, compressed
    if _RECORDS_START.match(start):
        return Layout.RECORDS, compressed
    return Layout.LINES, compressed
