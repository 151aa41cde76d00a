"""A throwaway PostgreSQL server for the history store's tests, one per test session

The binaries are `$IAMWARDEN_PG_BIN`, else the `initdb` on PATH, else the newest
`/usr/lib/postgresql/*/bin` (Debian's `postgresql` package, which `.ci/run` installs). The
cluster lives in a temporary directory, listens on a free port of 127.0.0.1 only, trusts
local connections and runs with fsync off. initdb refuses root, so under root the server
runs as the `postgres` user (else `nobody`), which owns the directory. Without binaries the
tests skip, except under CI (env `CI`), where a missing server fails.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

__all__ = ["fresh_database", "pg_bin", "postgres_server"]

_names = count()


def pg_bin() -> Path | None:
    """The directory holding initdb and pg_ctl, or None"""
    named = os.environ.get("IAMWARDEN_PG_BIN")
    if named:
        return Path(named)
    found = shutil.which("initdb")
    if found and (Path(found).parent / "pg_ctl").exists():
        return Path(found).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return versions[-1].parent if versions else None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI needs PostgreSQL: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_as() -> tuple[int, int] | None:
    """The (uid, gid) to run the server as when we are root; None otherwise"""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    pytest.fail("running as root with neither a `postgres` nor a `nobody` user")
    return None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """`postgresql://iamwarden@127.0.0.1:PORT` of a server started for this session"""
    binaries = pg_bin()
    if binaries is None or not (binaries / "pg_ctl").exists():
        _unavailable("no PostgreSQL binaries found (apt-get install postgresql)")
        return
    base = Path(tempfile.mkdtemp(prefix="iamwarden-pg-"))
    owner = _run_as()
    as_user = {}
    if owner is not None:
        os.chown(base, *owner)
        as_user = {"user": owner[0], "group": owner[1], "extra_groups": []}
    data, port = base / "data", _free_port()

    def run(*command: str) -> None:
        done = subprocess.run(
            command, cwd=base, capture_output=True, text=True, check=False, **as_user
        )
        if done.returncode != 0:
            pytest.fail(f"{command[0]} failed: {done.stderr or done.stdout}")

    run(
        str(binaries / "initdb"),
        "-D",
        str(data),
        "-A",
        "trust",
        "-U",
        "iamwarden",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        str(binaries / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(base / "log"),
        "-w",
        "start",
    )
    try:
        yield f"postgresql://iamwarden@127.0.0.1:{port}"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(server: str) -> str:
    """The URL of a new, empty database on `server`"""
    import psycopg

    name = f"t{os.getpid()}_{next(_names)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"
