"""The cyclic garbage collector paused around work that builds many objects and no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No collection inside (for every thread of the process); afterwards the collector is
    enabled again if it was before, so a caller that turned it off keeps it off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# The young generation's threshold in a process that takes records in bulk (gala_spider's
# consumer): a polled batch is thousands of decoded records, all freed once joined; at CPython's
# 700, collections ran several times in each poll and walked them (a tenth of the ingest time,
# bench_topology.py). Other threads' dropped cycles wait for this many allocations at most.
BULK_YOUNG = 50_000


def for_bulk() -> None:
    """Collect the young generation every BULK_YOUNG allocations (for the whole process)."""
    young, older, oldest = gc.get_threshold()
    gc.set_threshold(max(BULK_YOUNG, young), older, oldest)
