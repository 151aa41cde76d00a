"""The activity store: opening it when another process holds its lock"""

from __future__ import annotations

import duckdb
import pytest

from iamwarden.activity.store import in_use_error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            # DuckDB 1.x/2.x on connect, the file held by another process
            duckdb.IOException(
                'IO Error: Could not set lock on file "/t/x.duckdb": Conflicting lock is held '
                "in /usr/bin/python3.11 (PID 4242). See also "
                "https://duckdb.org/docs/current/connect/concurrency"
            ),
            "x.duckdb: the store is in use by another process (PID 4242)",
        ),
        (
            # two processes creating one store at once: the checkpoint fails on the WAL's lock
            duckdb.FatalException(
                "FATAL Error: Failed to create checkpoint because of error: Could not set lock "
                'on file "/t/x.duckdb.wal": Resource temporarily unavailable'
            ),
            "x.duckdb: the store is in use by another process",
        ),
    ],
)
def test_a_lock_held_elsewhere_is_the_store_in_use(error: duckdb.Error, expected: str) -> None:
    found = in_use_error(error, "x.duckdb")
    assert found is not None and str(found) == expected


def test_other_errors_are_not_a_lock() -> None:
    assert in_use_error(duckdb.IOException("IO Error: Cannot open file"), "x.duckdb") is None
