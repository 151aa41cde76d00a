"""The files a command is given or writes: the guarded reader and the atomic writer of
`iamwarden.fileio`, with every failure an `InputError` (one line, exit 2)

Outputs are checked with `check_writable` / `check_directory` before the work that produces
them starts, then written with `write_text` (temporary file beside the destination, synced,
renamed into place). `OUTPUT_FILE` is the click type of a file option (`-o`): it checks the
destination as the command line is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from iamwarden.errors import InputError
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
    "OUTPUT_FILE",
    "check_directory",
    "check_json_depth",
    "check_writable",
    "parse_yaml",
    "read_stream",
    "read_text",
    "write_text",
]


class _OutputFile(click.ParamType[Path]):
    """A file to write: `check_writable` runs on the text as given (`newdir/` names a
    directory, which `Path` would forget), so a bad destination is one line, exit 2, before
    any work"""

    name = "file"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        if isinstance(value, Path):
            return value
        if not str(value):  # `Path("")` is `.`, the working directory: say what was given
            raise InputError("empty path", path=param.opts[0] if param is not None else "")
        check_writable(str(value))
        return Path(value)


OUTPUT_FILE = _OutputFile()
