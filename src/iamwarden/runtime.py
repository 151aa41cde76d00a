"""Process-wide settings the command line applies once, at start

CPython's cyclic garbage collector runs a young-generation pass every 700 net allocations
and, every tenth of those, an older pass. Policy evaluation allocates many short-lived,
acyclic objects (plans, contexts, decisions) beside a large long-lived heap (the action
catalogue, compiled policies), so at the default thresholds about a third of a simulate run
is spent collecting, and collecting nothing. A larger first threshold keeps the same
guarantees (cycles are still reclaimed) at a few percent of the cost; peak memory is
unchanged in `benchmarks.simulate`.
"""

from __future__ import annotations

import gc

__all__ = ["GC_THRESHOLDS", "tune_garbage_collector"]

GC_THRESHOLDS = (50_000, 20, 20)
"""`gc.set_threshold` arguments: net allocations before a young collection, and young
(then middle) collections before the next older one"""


def tune_garbage_collector() -> None:
    """Set the collector's thresholds to `GC_THRESHOLDS` (idempotent; the CLI calls it
    at start, and `benchmarks.simulate` before measuring, so both run as the CLI does)"""
    gc.set_threshold(*GC_THRESHOLDS)
