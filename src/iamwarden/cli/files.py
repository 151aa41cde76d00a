"""The files a command is given or writes: the guarded reader and the atomic writer of
`iamwarden.fileio`, with every failure an `InputError` (one line, exit 2)

Outputs are checked with `check_writable` / `check_directory` before the work that produces
them starts, then written with `write_text` (temporary file beside the destination, synced,
renamed into place).
"""

from __future__ import annotations

from iamwarden.fileio import (
    check_directory,
    check_json_depth,
    check_writable,
    parse_yaml,
    read_stream,
    read_text,
)
from iamwarden.fileio import write_atomically as write_text

__all__ = [
    "check_directory",
    "check_json_depth",
    "check_writable",
    "parse_yaml",
    "read_stream",
    "read_text",
    "write_text",
]
