"""The cyclic garbage collector during one `iamwarden assess`: paused while the account is
imported, assessed and rendered

An imported account is millions of long-lived objects, and the assessment adds caches and
findings that live as long. Each full collection walks all of them to find almost no cycles:
at 100,000 roles that was a quarter of the assessment, and it grew faster than the account.
Reference counting still frees every object that is not in a cycle; the few cycles left are
collected once the collector is back on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the body with the cyclic garbage collector off, then restore it as it was"""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
