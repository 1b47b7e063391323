"""Live counts of a local run, read by the progress line while the run goes on.

Beam's metrics reach the launcher only when a bundle ends, and a local batch
run is a handful of long bundles: the counters stay at zero until the end.
So the stages that mark progress (pages fetched, articles extracted, stories
made, dead letters, rows written, polls) also add to this process-wide tally,
which :mod:`pipeline.progress` samples. It sees what runs in the launcher's own
process (the local runner's ``in_memory`` and ``multi_threading`` modes; the
page workers report through their Beam-side DoFn); a remote or
``multi_processing`` run's workers count in their own processes, invisible
here. Thread-safe; costs a lock and a dict update per call.
"""
from __future__ import annotations

import threading
import time
from collections import Counter

_COUNTS: Counter = Counter()
_FIRST: dict = {}            # name -> time.monotonic() of its first add
_LOCK = threading.Lock()


def add(name: str, n: int = 1) -> None:
    """Add ``n`` to the count ``name`` (``fetched``, ``fetch_failed``, ``extracted``,
    ``stories``, ``errors``, ``written``, ``polls`` ...)."""
    if n:
        with _LOCK:
            _COUNTS[name] += n
            _FIRST.setdefault(name, time.monotonic())


def first_added(*names: str) -> float | None:
    """The earliest ``time.monotonic()`` (seconds) at which any of ``names`` was first
    added to since the last :func:`reset`, or None if none was."""
    with _LOCK:
        times = [_FIRST[n] for n in names if n in _FIRST]
    return min(times) if times else None


def snapshot() -> dict:
    """A copy of every count so far."""
    with _LOCK:
        return dict(_COUNTS)


def reset() -> None:
    """Forget every count (a new run in the same process)."""
    with _LOCK:
        _COUNTS.clear()
        _FIRST.clear()
