"""The one-source options every account-reading command takes: --demo, --input, --snapshot"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from iamwarden.errors import InputError
from iamwarden.snapshot import Snapshot, read_snapshot

__all__ = ["ensure_dir", "load_source", "source_options"]

F = TypeVar("F", bound=Callable[..., Any])


def source_options(command: F) -> F:
    """Add --demo, --input DIR and --snapshot FILE to a command"""
    command = click.option(
        "--snapshot", "snapshot_file", type=click.Path(dir_okay=False, path_type=Path),
        help="A snapshot file (.json or .json.gz) written by `iamwarden snapshot` or `collect`.",
    )(command)
    command = click.option(
        "--input", "input_dir", type=click.Path(file_okay=False, path_type=Path),
        help="A directory of exported data (CloudMapper's collect layout).",
    )(command)
    command = click.option("--demo", is_flag=True, help="Use the bundled demo account.")(command)
    return command


def load_source(*, demo: bool, input_dir: Path | None, snapshot_file: Path | None) -> Snapshot:
    """The snapshot named by exactly one of the source options"""
    chosen = [name for name, value in (("--demo", demo), ("--input", input_dir),
                                        ("--snapshot", snapshot_file)) if value]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one source: --demo, --input DIR or --snapshot FILE")
    if demo:
        from iamwarden.snapshot.demo import demo_snapshot

        return demo_snapshot()
    if input_dir is not None:
        from iamwarden.snapshot.cloudmapper import import_cloudmapper

        return import_cloudmapper(input_dir)
    assert snapshot_file is not None
    return read_snapshot(snapshot_file)


def ensure_dir(path: Path) -> Path:
    """`path` if it is a directory, else an input error"""
    if not path.is_dir():
        raise InputError("not a directory", path=str(path))
    return path
