"""Reading and writing the files a command is given, with failures as one-line input errors"""

from __future__ import annotations

from pathlib import Path

from iamwarden.errors import InputError

__all__ = ["read_text", "write_text"]


def read_text(path: Path) -> str:
    """The UTF-8 text of `path`; an `InputError` naming it when it cannot be read"""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path=str(path)) from None
    except OSError as error:
        raise InputError((error.strerror or "cannot be read").lower(), path=str(path)) from None


def write_text(path: Path, text: str) -> None:
    """Write `text` to `path` as UTF-8; an `InputError` naming it when it cannot be written"""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise InputError((error.strerror or "cannot be written").lower(), path=str(path)) from None
