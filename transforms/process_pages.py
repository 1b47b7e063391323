"""The fused per-page Beam stage: Page -> (stories row, StorySignature), in page workers.

The Beam side of :mod:`transforms.process_page`: :class:`ProcessPages` sends each
fetched page to a pool of guarded child processes (one per core, each with one
:class:`transforms.process_page.PageWorker`), keeps a few pages in flight so that
HTTP in the runner's thread overlaps the children's work, and turns each
:class:`transforms.process_page.PageOutcome` into outputs (the row and its
signature; tagged ``errors`` and ``line_keys``) and counters.
"""
from __future__ import annotations

import collections
import os
import threading
import uuid
from typing import NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.utils.windowed_value import WindowedValue

from transforms.core import tally
from transforms.core.deadletter import ERRORS
from transforms.core.records import Page
from transforms.process_page import (PageOutcome, PageWork, PageWorker, extract_failed, failed_outcome,
                                     page_worker)

LINE_KEYS = "line_keys"      # tagged output: ((source, line key), (1, sample, seen_at)) per candidate line


def page_workers() -> int:
    """Page workers per process: ``$MOROCCO_NEWS_PAGE_WORKERS`` when set (the benchmark's
    ``--workers``), else one per core."""
    try:
        n = int(os.environ.get("MOROCCO_NEWS_PAGE_WORKERS") or 0)
    except ValueError:
        n = 0
    return n if n > 0 else (os.cpu_count() or 1)


_POOLS: dict = {}                # pool token -> [GuardedPool, DoFn instances using it]
_POOLS_LOCK = threading.Lock()


def _shared_pool(token: str, work: PageWork, size: int, timeout_s: float):
    """The process-wide pool of page workers for ``token`` (one per ProcessPages
    transform): every DoFn instance of this process (one per runner thread) shares it,
    so the machine runs ``size`` page workers whatever the runner's thread count."""
    from transforms.guarded_process import GuardedPool

    with _POOLS_LOCK:
        entry = _POOLS.get(token)
        if entry is None:
            entry = _POOLS[token] = [GuardedPool(page_worker(work), size, timeout_s), 0]
        entry[1] += 1
        return entry[0]


def _release_pool(token: str) -> None:
    with _POOLS_LOCK:
        entry = _POOLS.get(token)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] > 0:
            return
        del _POOLS[token]
    entry[0].close()


class ProcessPagesFn(beam.DoFn):
    """Page -> ``(stories row, StorySignature)``; tagged ``errors`` (dead letters, each
    naming its stage) and ``line_keys`` (learned-boilerplate counts, batch).

    ``timeout_s``: the hard per-page limit, enforced by running :class:`PageWorker`
    in ``workers`` child processes (default: one per core), shared by every
    instance of this DoFn in the process (:func:`_shared_pool`) and started on the
    first page, so a run with nothing to fetch never imports trafilatura nor the
    model. Up to ``2 * workers`` pages are in flight per instance: the runner's
    thread fetches the next pages while the children work; each result is emitted
    with its own page's timestamp and window, and every page of a bundle is done
    before the bundle ends. ``timeout_s=None`` runs the worker in-process, one
    page at a time (small tests). Counters keep the separate stages' names
    (``extract/articles``, ``clean/articles_cleaned``, ``language/arabic``,
    ``classify/security``, ``build_row/rows``...).
    """

    def __init__(self, work: PageWork, timeout_s: float | None = 15.0, workers: int | None = None,
                 token: str = ""):
        self.work = work
        self.timeout_s = timeout_s
        self.workers = workers
        self.token = token or uuid.uuid4().hex
        self._pool = None
        self._worker = None
        self._pending: collections.deque = collections.deque()
        self._counters: dict = {}

    def setup(self):
        self._pending = collections.deque()
        if self.timeout_s:
            size = self.workers or page_workers()
            self._pool = _shared_pool(self.token, self.work, size, self.timeout_s)

    def teardown(self):
        if self._pool is not None:
            self._pool = None
            _release_pool(self.token)

    def _inc(self, key, n: int) -> None:
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = Metrics.counter(*key)
        counter.inc(n)

    def _emit(self, out: PageOutcome, wrap=None):
        for key, n in out.counters.items():
            self._inc(key, n)
        tally.add("extracted", out.counters.get(("extract", "articles"), 0))
        tally.add("stories", out.row is not None)
        wrap = wrap or (lambda v: v)
        for err in out.errors:
            yield beam.pvalue.TaggedOutput(ERRORS, wrap(err))
        for item in out.line_items:
            yield beam.pvalue.TaggedOutput(LINE_KEYS, wrap(item))
        if out.row is not None:
            yield wrap((out.row, out.signature))

    def _finish_oldest(self):
        future, page, ts, window = self._pending.popleft()
        from transforms.guarded_process import GuardCrashed, GuardTimeout

        try:
            out = future.result()
        except (GuardTimeout, GuardCrashed) as exc:
            out = failed_outcome(page, exc, getattr(exc, "note", ""), self.timeout_s)
        except Exception as exc:  # noqa: BLE001 - the child could not even answer: an extraction failure
            out = PageOutcome()
            extract_failed(out, page, exc)
        yield from self._emit(out, lambda v: WindowedValue(v, ts, (window,)))

    def process(self, page: Page, ts=beam.DoFn.TimestampParam, window=beam.DoFn.WindowParam):
        if self._pool is None:
            if self._worker is None:
                self._worker = PageWorker(self.work)
            yield from self._emit(self._worker(page))
            return
        self._pending.append((self._pool.submit(page), page, ts, window))
        while len(self._pending) > 2 * self._pool.size:
            yield from self._finish_oldest()

    def finish_bundle(self):
        while self._pending:
            yield from self._finish_oldest()


class ProcessedPages(NamedTuple):
    main: object          # PCollection of (stories row, StorySignature)
    line_keys: object     # PCollection of learned-boilerplate count items (empty unless work.line_keys)
    errors: object        # PCollection of ErrorRecords


class ProcessPages(beam.PTransform):
    """PCollection[Page] -> :class:`ProcessedPages` (see :class:`ProcessPagesFn`)."""

    def __init__(self, work: PageWork, timeout_s: float | None = 15.0, workers: int | None = None):
        super().__init__()
        self.work = work
        self.timeout_s = timeout_s
        self.workers = workers

    def expand(self, pages):
        fn = ProcessPagesFn(self.work, self.timeout_s, self.workers, token=uuid.uuid4().hex)
        out = pages | "ExtractCleanLanguageClassify" >> beam.ParDo(fn).with_outputs(ERRORS, LINE_KEYS, main="main")
        return ProcessedPages(out.main, out[LINE_KEYS], out[ERRORS])
