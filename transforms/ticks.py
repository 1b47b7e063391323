"""Streaming: the clock that drives polling (every feed once per tick).

On Dataflow, ``PeriodicImpulse`` fires every ``interval`` seconds, rebased to
the moment the job starts (no catch-up burst). Locally, Beam 2.77's
bundle-based DirectRunner cannot run ``PeriodicImpulse``'s splittable DoFn,
so :class:`LocalTicks` replays the same schedule (see there).
"""
from __future__ import annotations

import time
from typing import Iterable, Optional

import apache_beam as beam
from apache_beam.transforms import window
from apache_beam.utils.timestamp import MAX_TIMESTAMP, Duration, Timestamp

from transforms.core import tally


class PollTicks(beam.PTransform):
    """feeds -> FeedSpec, every feed once per tick, every ``interval`` seconds.

    ``PeriodicImpulse`` is rebased to the moment the job starts (no catch-up
    burst); with ``duration`` it stops (exclusive) ``duration`` seconds later.
    ``local=True`` (the bundle-based DirectRunner) replays the same schedule
    with :class:`LocalTicks` instead, see there why.
    """

    def __init__(self, feeds: Iterable, interval: float, duration: Optional[float] = None, local: bool = False):
        super().__init__()
        self.feeds = list(feeds)
        self.interval = float(interval)
        self.duration = duration
        self.local = local

    def expand(self, pbegin):
        from apache_beam.transforms.periodicsequence import PeriodicImpulse, RebaseMode

        now = Timestamp.now()
        if self.local:
            ticks = pbegin | "Impulse" >> LocalTicks(self.interval, self.duration)
        elif self.duration:
            ticks = pbegin | "Impulse" >> PeriodicImpulse(
                start_timestamp=now, stop_timestamp=now + Duration(self.duration),
                fire_interval=self.interval, rebase=RebaseMode.REBASE_ALL)
        else:
            ticks = pbegin | "Impulse" >> PeriodicImpulse(
                start_timestamp=now, stop_timestamp=MAX_TIMESTAMP,
                fire_interval=self.interval, rebase=RebaseMode.REBASE_START)
        return (
            ticks
            | "FanOutFeeds" >> beam.FlatMap(lambda _tick, feeds: list(feeds), self.feeds)
            | "ReshuffleFeeds" >> beam.Reshuffle()
        )


LOCAL_MAX_TICKS = 10_000     # ~70 days at the default 600 s interval


def tick_times(start: float, interval: float, duration: Optional[float]) -> list[float]:
    """Wall-clock tick times (ms precision) in ``[start, start + duration)``."""
    n = LOCAL_MAX_TICKS if not duration else max(1, int(-(-duration // interval)))
    return [round(start + i * interval, 3) for i in range(min(n, LOCAL_MAX_TICKS))]


class LocalTicks(beam.PTransform):
    """The PeriodicImpulse schedule for the bundle-based DirectRunner.

    That runner cannot execute PeriodicImpulse's splittable DoFn in Beam 2.77
    ("OffsetRestrictionTracker is not done": it checks the restriction before
    running the DoFn), and the DirectRunner's other backends need a binary
    download. So, locally only, the same ticks (start computed now, same
    interval and stop) are a replayed event stream whose watermark follows the
    ticks, and each tick waits for its wall-clock time before it is emitted.
    The runner's single executor thread then interleaves one poll's work with
    the wait for the next tick. Without ``duration`` it stops after
    ``LOCAL_MAX_TICKS`` ticks, or on Ctrl-C.
    """

    def __init__(self, interval: float, duration: Optional[float]):
        super().__init__()
        self.interval = interval
        self.duration = duration

    def expand(self, pbegin):
        from apache_beam.coders import FloatCoder
        from apache_beam.testing.test_stream import TestStream

        stream = TestStream(coder=FloatCoder())
        for t in tick_times(time.time(), self.interval, self.duration):
            stream = (stream.add_elements([window.TimestampedValue(t, t)])
                      .advance_watermark_to(t)
                      .advance_processing_time(self.interval))
        stream = stream.advance_watermark_to_infinity()
        return pbegin | "Schedule" >> stream | "WaitForTick" >> beam.ParDo(_WaitUntil())


class _WaitUntil(beam.DoFn):
    def process(self, t):
        delay = t - time.time()
        if delay > 0:
            time.sleep(delay)
        tally.add("polls")            # the streaming progress log (pipeline/progress.py): one line per poll
        yield t
