"""Streaming mode: ``python -m pipeline.run --streaming --poll-interval 600``.

The same graph as the batch mode (:func:`pipeline.graph.build` with
``cfg.streaming``), fed by a clock instead of a list:

* ``PeriodicImpulse`` fires every ``--poll-interval`` seconds. Its start is
  computed when the job starts (``RebaseMode``), not when this module is
  imported, so no catch-up burst of polls fires on start;
* each tick fans out to every feed, and the feeds are reshuffled across
  workers; the conditional-GET state (ETag, Last-Modified, content hash) of
  each feed lives in Beam state keyed by the feed URL
  (:mod:`transforms.stateful_feeds`);
* entries are deduplicated by ``article_id`` with a stateful DoFn whose state
  expires ``--dedup-horizon`` seconds after the story was last seen
  (:mod:`transforms.dedup`, which documents the update policy: a new title
  for the same URL is re-fetched and rewritten, at most 3 times);
* every output goes through :class:`WindowForWrites` (fixed windows of the
  poll interval, late data written in late panes) and then the warehouse
  sink, which batches rows per window and bundle (``BatchElements`` for DuckDB).

Locally it runs on the DirectRunner (the bundle-based one: the portable
runner the DirectRunner may otherwise pick downloads a binary) and writes to
DuckDB like the batch mode. It runs until Ctrl-C (clean cancel, summary,
exit 0) or for ``--duration`` seconds.
"""
from __future__ import annotations

import datetime as dt
import logging
import signal
import sys
import threading
import time
from typing import Iterable, Optional

import apache_beam as beam
from apache_beam.options.pipeline_options import StandardOptions
from apache_beam.transforms import trigger, window
from apache_beam.utils.timestamp import MAX_TIMESTAMP, Duration, Timestamp

log = logging.getLogger("pipeline.streaming")


class WindowForWrites(beam.PTransform):
    """Fixed event-time windows for the warehouse writes.

    The on-time pane fires when the watermark passes the end of the window;
    rows arriving later (up to ``allowed_lateness_secs``) are written in late
    panes of their own (discarding mode: a pane never repeats earlier rows).
    """

    def __init__(self, window_secs: float, allowed_lateness_secs: float):
        super().__init__()
        self.window_secs = max(1, int(window_secs))
        self.allowed_lateness_secs = int(allowed_lateness_secs)

    def expand(self, pcoll):
        return pcoll | "FixedWindows" >> beam.WindowInto(
            window.FixedWindows(self.window_secs),
            trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
            accumulation_mode=trigger.AccumulationMode.DISCARDING,
            allowed_lateness=Duration(seconds=self.allowed_lateness_secs),
        )


def window_outputs(outputs: dict, window_secs: float, allowed_lateness_secs: float) -> dict:
    """Apply the same :class:`WindowForWrites` to every sink input."""
    return {name: pcoll | f"Window{name}" >> WindowForWrites(window_secs, allowed_lateness_secs)
            for name, pcoll in outputs.items() if pcoll is not None}


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
DRAIN_GRACE_SECS = 300


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
        yield t


def _is_local(options) -> bool:
    runner = options.view_as(StandardOptions).runner
    return runner in (None, "DirectRunner", "direct", "BundleBasedDirectRunner")


def build_streaming(p: beam.Pipeline, feeds, sink, cfg, options) -> None:
    """Assemble the streaming graph on ``p`` (also used by the translation test)."""
    import dataclasses

    from pipeline.graph import build
    from pipeline.options import NewsOptions

    opts = options.view_as(NewsOptions)
    cfg = dataclasses.replace(cfg, streaming=True, dedup_horizon=opts.dedup_horizon,
                              write_window=opts.poll_interval)
    build(p, PollTicks(feeds, opts.poll_interval, opts.duration, local=_is_local(options)), sink, cfg)


def run_streaming(options, feeds, sink, cfg, warehouse) -> int:
    """Run until Ctrl-C or ``--duration``; print the summary; return 0."""
    from pipeline.options import NewsOptions
    from pipeline.summary import print_summary

    opts = options.view_as(NewsOptions)
    options.view_as(StandardOptions).streaming = True
    started = dt.datetime.now(dt.timezone.utc)
    if not _is_local(options):
        # Dataflow & co: the job runs on the service; a launcher (Flex Template)
        # must return right after submission. --duration stops the impulse there.
        p = beam.Pipeline(options=options)
        build_streaming(p, feeds, sink, cfg, options)
        result = p.run()
        job = getattr(result, "job_id", lambda: None)()
        print(f"streaming job submitted{f' (job id {job})' if job else ''}: "
              f"polling {len(feeds)} feed(s) every {opts.poll_interval:g}s", flush=True)
        return 0
    from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner

    with _sigint_event() as interrupted:
        p = beam.Pipeline(runner=BundleBasedDirectRunner(), options=options)
        build_streaming(p, feeds, sink, cfg, options)
        result = p.run()
        print(f"streaming: polling {len(feeds)} feed(s) every {opts.poll_interval:g}s"
              + (f" for {opts.duration:g}s" if opts.duration else " until Ctrl-C"), flush=True)
        stopped_by = _wait(result, opts.duration, interrupted)
    print(f"streaming stopped ({stopped_by})", flush=True)
    print_summary(result, warehouse, cfg.run_id, started, out=sys.stdout)
    return 0


class _sigint_event:
    """Context manager: SIGINT (Ctrl-C) sets an Event instead of raising."""

    def __enter__(self) -> threading.Event:
        self.event = threading.Event()
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, lambda *_: self.event.set())
        return self.event

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _wait(result, duration: Optional[float], interrupted: threading.Event) -> str:
    """Block until the job ends, ``duration`` (plus a grace period to drain)
    passes or SIGINT; cancel cleanly in the last two cases."""
    done = threading.Event()

    def waiter():
        try:
            result.wait_until_finish()
        except Exception as exc:  # the job failed: report, do not hang
            log.error("streaming job failed: %s", exc)
        finally:
            done.set()

    threading.Thread(target=waiter, name="wait-streaming", daemon=True).start()
    deadline = time.monotonic() + duration + DRAIN_GRACE_SECS if duration else None
    while not done.is_set() and not interrupted.is_set():
        if deadline and time.monotonic() > deadline:
            break
        done.wait(0.2)
    if done.is_set():
        return "duration reached" if duration else "job ended"
    try:
        result.cancel()
    except Exception as exc:  # cancelling a finished job
        log.warning("cancel: %s", exc)
    done.wait(2)      # the bundle-based runner's wait does not always return after a cancel
    return "interrupted" if interrupted.is_set() else "deadline"
