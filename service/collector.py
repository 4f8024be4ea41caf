"""The cyclic garbage collector, told to run less often while a large batch job runs.

An import or a catch-up keeps hundreds of thousands of objects alive (a sheet's rows and plans,
a batch of aggregates, a projector's caches), which every full collection walks again. With
CPython's default first threshold (700 allocations) the collector took about a quarter of a
term's import (10,000 cases into PostgreSQL: 4,607–5,012 events/s with the default, 6,437 with
10,000, 6,757 with 50,000) and a fifth of its read models' catch-up on SQLite (4,000 cases:
20.8 s with the default, 16.9 s with 50,000); see docs/import.md.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

#: The collector's first threshold while a batch job runs (CPython's default: 700).
GC_THRESHOLD = 50_000

_lock = threading.Lock()
_users = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often inside the block: the first block to start (in any
    thread) raises the first threshold for the process, the last to end puts the thresholds
    back as they were."""
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(GC_THRESHOLD, _saved[0]), *_saved[1:])
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                gc.set_threshold(*_saved)
