"""Streaming mode: ``python -m pipeline.run --streaming --poll-interval 600``.

The same graph as the batch mode (:func:`pipeline.graph.build` with
``cfg.streaming``), fed by a clock (:mod:`transforms.ticks`) instead of a list:

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
* every output goes through :class:`transforms.windowing.WindowForWrites` (fixed windows of the
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
import threading
import time
from typing import Optional

import apache_beam as beam
from apache_beam.options.pipeline_options import StandardOptions

from pipeline.graph import build
from transforms.ticks import PollTicks

log = logging.getLogger("pipeline.streaming")
DRAIN_GRACE_SECS = 300     # after --duration, time left for the last windows to be written


def _is_local(options) -> bool:
    runner = options.view_as(StandardOptions).runner
    return runner in (None, "DirectRunner", "direct", "BundleBasedDirectRunner")


def build_streaming(p: beam.Pipeline, feeds, sink, cfg, options) -> None:
    """Assemble the streaming graph on ``p``: ``cfg`` (with ``streaming=True``)
    fed by :class:`transforms.ticks.PollTicks` built from ``--poll-interval`` and
    ``--duration``. Also used by the Dataflow translation test."""
    from pipeline.options import NewsOptions

    opts = options.view_as(NewsOptions)
    if not cfg.streaming:
        raise ValueError("build_streaming needs a GraphConfig with streaming=True")
    build(p, PollTicks(feeds, opts.poll_interval, opts.duration, local=_is_local(options)), sink, cfg)


def launch_streaming(job) -> int:
    """Run a prepared :class:`pipeline.launch.Job` until Ctrl-C or ``--duration``;
    print the summary; return the exit code (:func:`pipeline.summary.exit_code`:
    0 unless the feeds failed or ``--fail-on-errors`` saw errors rows). On
    Dataflow, return 0 once the job is submitted."""
    from pipeline.launch import finish
    from pipeline.options import NewsOptions

    options, feeds, sink, cfg = job.options, job.feeds, job.sink, job.cfg
    opts = options.view_as(NewsOptions)
    options.view_as(StandardOptions).streaming = True
    started = dt.datetime.now(dt.timezone.utc)
    if not _is_local(options):
        # Dataflow & co: the job runs on the service; a launcher (Flex Template)
        # must return right after submission. --duration stops the impulse there.
        p = beam.Pipeline(options=options)
        build_streaming(p, feeds, sink, cfg, options)
        result = p.run()
        job_id = getattr(result, "job_id", lambda: None)()
        print(f"streaming job submitted{f' (job id {job_id})' if job_id else ''}: "
              f"polling {len(feeds)} feed(s) every {opts.poll_interval:g}s", flush=True)
        return 0
    from apache_beam.runners.direct.direct_runner import BundleBasedDirectRunner

    with _sigint_event() as interrupted:
        from pipeline.progress import PollLog
        from transforms.core import tally

        p = beam.Pipeline(runner=BundleBasedDirectRunner(), options=options)
        build_streaming(p, feeds, sink, cfg, options)
        tally.reset()
        polls = PollLog(len(feeds))       # one log line per poll
        result = p.run()
        print(f"streaming: polling {len(feeds)} feed(s) every {opts.poll_interval:g}s"
              + (f" for {opts.duration:g}s" if opts.duration else " until Ctrl-C"), flush=True)
        stopped_by = _wait(result, opts.duration, interrupted, polls)
        polls.close()
    print(f"streaming stopped ({stopped_by})", flush=True)
    return finish(job, result, started, streaming=True)


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


def _wait(result, duration: Optional[float], interrupted: threading.Event, polls=None) -> str:
    """Block until the job ends, ``duration`` (plus a grace period to drain)
    passes or SIGINT; cancel cleanly in the last two cases. ``polls``: a
    :class:`pipeline.progress.PollLog`, checked as the wait goes (one line per poll)."""
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
        if polls is not None:
            polls.check()
    if done.is_set():
        return "duration reached" if duration else "job ended"
    try:
        result.cancel()
    except Exception as exc:  # cancelling a finished job
        log.warning("cancel: %s", exc)
    done.wait(2)      # the bundle-based runner's wait does not always return after a cancel
    return "interrupted" if interrupted.is_set() else "deadline"
