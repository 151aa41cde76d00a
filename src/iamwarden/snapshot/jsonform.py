"""The versioned JSON form of a `Snapshot` (`.json` or `.json.gz`).

The form is derived from the model's type hints, so a field added to the model is serialised
without touching this module. Reading validates every value against its type and reports the
JSON path of the first bad one.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, Union

from iamwarden.errors import SnapshotFormatError
from iamwarden.fileio import read_json, write_atomically
from iamwarden.snapshot.model import SCHEMA_VERSION, DataSet, Document, Gap, Snapshot

__all__ = [
    "dump_snapshot",
    "read_snapshot",
    "snapshot_from_json",
    "snapshot_to_json",
]


def _encode(value: Any) -> Any:
    if isinstance(value, Document):
        return value.obj()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(_encode(v) for v in value)
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in sorted(value.items())}
    return value


def snapshot_to_json(snapshot: Snapshot) -> dict[str, Any]:
    """The JSON-ready form of a snapshot, with its schema version"""
    return {"schema_version": SCHEMA_VERSION, "snapshot": _encode(snapshot)}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp)).lower()


def _decode(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        (inner,) = (a for a in args if a is not type(None))
        return _decode(inner, value, path)
    if tp is Any:
        return value
    if tp is Document:
        return Document.from_obj(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise SnapshotFormatError("expected an object", location=path)
        hints = _hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in value:
                kwargs[f.name] = _decode(hints[f.name], value[f.name], f"{path}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise SnapshotFormatError(f"missing field `{f.name}`", location=path)
        try:
            return tp(**kwargs)
        except ValueError as error:
            raise SnapshotFormatError(str(error), location=path) from None
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            raise SnapshotFormatError(f"unknown value `{value}`", location=path) from None
    if tp is datetime:
        if not isinstance(value, str):
            raise SnapshotFormatError("expected a date-time string", location=path)
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise SnapshotFormatError(f"bad date-time `{value}`", location=path) from None
    if origin in (tuple, frozenset):
        if not isinstance(value, list):
            raise SnapshotFormatError("expected a list", location=path)
        (inner, *_) = typing.get_args(tp)
        items = (_decode(inner, v, f"{path}[{i}]") for i, v in enumerate(value))
        return origin(items)
    if origin is Mapping or origin is dict:
        if not isinstance(value, dict):
            raise SnapshotFormatError("expected an object", location=path)
        _, inner = typing.get_args(tp)
        return {k: _decode(inner, v, f"{path}.{k}") for k, v in value.items()}
    expected = {str: str, int: int, bool: bool}.get(tp)
    if expected is not None:
        if type(value) is not expected:
            raise SnapshotFormatError(f"expected {_type_name(tp)}", location=path)
        return value
    raise TypeError(f"unsupported type in snapshot model: {tp}")


def snapshot_from_json(data: Any) -> Snapshot:
    """Build a snapshot from its JSON form; raises `SnapshotFormatError` with a JSON path"""
    if not isinstance(data, dict) or "snapshot" not in data:
        raise SnapshotFormatError("not an iamwarden snapshot", location="$")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise SnapshotFormatError(
            f"unsupported schema_version `{version}` (expected {SCHEMA_VERSION})",
            location="$.schema_version",
        )
    result: Snapshot = _decode(Snapshot, data["snapshot"], "$.snapshot")
    return _without_absent_entities(result, data["snapshot"])


_ENTITY_FIELDS = ("users", "groups", "roles", "policies")
"""The snapshot's lists of the authorization details: an absent one is not known to be empty"""


def _without_absent_entities(snapshot: Snapshot, fields: dict[str, Any]) -> Snapshot:
    """`snapshot`, its authorization details not collected (with a gap naming each list the
    file lacks) when it claims them but lacks one of their lists"""
    absent = [name for name in _ENTITY_FIELDS if name not in fields]
    if not absent or not snapshot.has(DataSet.AUTHORIZATION_DETAILS):
        return snapshot
    gaps = tuple(
        Gap(
            dataset=DataSet.AUTHORIZATION_DETAILS,
            reason=f"the snapshot has no `{name}` ({name} not known)",
            account=snapshot.account.id,
        )
        for name in absent
    )
    return dataclasses.replace(
        snapshot,
        collected=snapshot.collected - {DataSet.AUTHORIZATION_DETAILS},
        gaps=snapshot.gaps + gaps,
    )


def read_snapshot(path: str | Path) -> Snapshot:
    """Read a snapshot file, gzip-compressed or not (told by its content, not its name)"""
    path = Path(path)
    data = read_json(path, error=SnapshotFormatError)
    try:
        return snapshot_from_json(data)
    except SnapshotFormatError as error:
        raise error.with_path(str(path)) from None


def dump_snapshot(snapshot: Snapshot, path: str | Path) -> None:
    """Write a snapshot atomically (`fileio.write_atomically`); gzip for a `.gz` name

    Raises:
        InputError: the file cannot be written (the previous file, if any, is left whole).
    """
    path = Path(path)
    text = json.dumps(snapshot_to_json(snapshot), indent=1, sort_keys=True) + "\n"
    data = gzip.compress(text.encode(), mtime=0) if path.suffix == ".gz" else text.encode()
    write_atomically(path, data)
