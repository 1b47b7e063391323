"""Stage 2: keep only entries not seen before, then fetch their pages.

``NewEntries`` folds every entry onto the article id of its canonical link:
the same story in two section feeds (or with different tracking parameters)
is processed once, and stories already in the warehouse are not fetched
again. Among duplicates the earliest-published entry wins (undated ones
last), ties broken by feed URL and link, so the choice is deterministic.
Keying and choosing are guarded per item: an entry whose key cannot be
computed becomes one ``errors`` row (stage ``new_entries``), never a failed
run. The key is :func:`transforms.urls.article_id` of the link, the same id
the row builder gives the story.
"""
from __future__ import annotations

import collections
import datetime as dt
from typing import Iterable, NamedTuple, Optional

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import AsSideInput, PCollection
from apache_beam.utils.windowed_value import WindowedValue

from transforms.core import tally
from transforms.core.deadletter import ERRORS, dead_letter
from transforms.core.records import FeedEntry, Page
from transforms.http_client import FetchError, HttpClient, HttpSettings
from transforms.urls import article_id, canonicalize_url

_FAR_FUTURE = "9999"


def entry_key(entry: FeedEntry) -> str:
    """The article id of the entry's link (:func:`transforms.urls.article_id`); never raises on a bad link."""
    return article_id(entry.link)


def _rank(entry: FeedEntry) -> tuple:
    # compare instants: feed dates keep the zone each feed states
    when = entry.published.astimezone(dt.timezone.utc).isoformat() if entry.published else _FAR_FUTURE
    return (when, entry.feed_url, entry.link)


def pick_entry(entries: Iterable[FeedEntry]) -> FeedEntry:
    """The one entry kept among entries of the same story."""
    return min(entries, key=_rank)


def fetch_page(entry: FeedEntry, client: HttpClient) -> Page:
    """Fetch the page of ``entry``; raises FetchError (BlockedURL included)."""
    url = canonicalize_url(entry.link)
    resp = client.get(url, kind="page", respect_robots=None if entry.respect_robots else False)
    return Page(entry=entry, url=url, final_url=resp.final_url, status=resp.status, html=resp.text,
                content_type=resp.content_type, encoding=resp.encoding)


IN_FLIGHT = 8        # page requests a FetchPagesFn keeps in flight (the per-host gate still limits each host)


class FetchPagesFn(beam.DoFn):
    """FeedEntry -> Page; tagged output ``errors`` (stage fetch_page).

    Up to ``in_flight`` requests run at once on a small thread pool (the waits
    are network waits, so the interpreter lock is free meanwhile; politeness
    still holds, since every request passes its host's gate). Each page is
    emitted with its own entry's timestamp and window, and a bundle ends only
    when all of its pages are fetched. ``in_flight=1`` fetches one at a time
    in the runner's thread.
    """

    def __init__(self, http_settings: HttpSettings, in_flight: int = IN_FLIGHT):
        self.settings = http_settings
        self.in_flight = max(1, in_flight)
        self.client: Optional[HttpClient] = None
        self.fetched = Metrics.counter("fetch_page", "fetched")
        self.failed = Metrics.counter("fetch_page", "failed")
        self.blocked = Metrics.counter("fetch_page", "blocked_by_guard")

    def setup(self):
        self.client = HttpClient(self.settings)
        self._pool = None
        self._pending: collections.deque = collections.deque()
        if self.in_flight > 1:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(self.in_flight, thread_name_prefix="fetch-pages")

    def teardown(self):
        # After a normal bundle every fetch is done and the pool is idle. After a failed one
        # (Ctrl-C raised inside the runner) queued fetches are cancelled and those under way
        # are cut by client.close(): waiting for them kept a Ctrl-C'd run alive for minutes.
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self.client is not None:
            self.client.close()

    def _fetch(self, entry: FeedEntry):
        try:
            return fetch_page(entry, self.client), None
        except Exception as exc:  # FetchError (BlockedURL included) or anything else: one page, one dead letter
            return None, exc

    def _outputs(self, entry: FeedEntry, page, exc):
        if exc is not None:
            self.failed.inc()
            self.blocked.inc(isinstance(exc, FetchError) and exc.error_type.startswith("blocked_"))
            tally.add("fetch_failed")
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter("fetch_page", entry, exc, error_type="unexpected"))
            return
        self.fetched.inc()
        tally.add("fetched")
        yield page

    def _finish_oldest(self):
        future, entry, ts, window = self._pending.popleft()
        page, exc = future.result()
        for out in self._outputs(entry, page, exc):
            if isinstance(out, beam.pvalue.TaggedOutput):
                yield beam.pvalue.TaggedOutput(out.tag, WindowedValue(out.value, ts, (window,)))
            else:
                yield WindowedValue(out, ts, (window,))

    def process(self, entry: FeedEntry, ts=beam.DoFn.TimestampParam, window=beam.DoFn.WindowParam):
        if self._pool is None:
            yield from self._outputs(entry, *self._fetch(entry))
            return
        self._pending.append((self._pool.submit(self._fetch, entry), entry, ts, window))
        while len(self._pending) > self.in_flight:
            yield from self._finish_oldest()

    def finish_bundle(self):
        while self._pending:
            yield from self._finish_oldest()


class FetchPages(beam.PTransform):
    """PCollection[FeedEntry] -> outputs main (Page) and errors."""

    def __init__(self, http_settings: HttpSettings):
        super().__init__()
        self.settings = http_settings

    def expand(self, entries):
        return (entries
                | "SpreadByHost" >> beam.Reshuffle()
                | "Fetch" >> beam.ParDo(FetchPagesFn(self.settings)).with_outputs("errors", main="main"))


class _KeyByStory(beam.DoFn):
    """FeedEntry -> ``(article id, entry)``; a failure is a dead letter (stage ``new_entries``)."""

    def __init__(self):
        self.failed = Metrics.counter("new_entries", "errors")

    def process(self, entry: FeedEntry):
        try:
            yield entry_key(entry), entry
        except Exception as exc:  # noqa: BLE001 - one entry, one errors row
            self.failed.inc()
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter("new_entries", entry, exc, error_type="bad_link"))


class _DropKnown(beam.DoFn):
    def __init__(self):
        self.known_skipped = Metrics.counter("new_entries", "already_stored")
        self.duplicates = Metrics.counter("new_entries", "duplicates_in_run")
        self.kept = Metrics.counter("new_entries", "kept")
        self.failed = Metrics.counter("new_entries", "errors")     # entries, like _KeyByStory's
        self._cache_id = None
        self._cache: frozenset = frozenset()

    def _known(self, known) -> frozenset:
        if known is None:
            return frozenset()
        if isinstance(known, (set, frozenset)):
            return known
        if self._cache_id != id(known):        # side input list: build the set once per bundle/list
            self._cache_id, self._cache = id(known), frozenset(known)
        return self._cache

    def process(self, item, known=None):
        key, entries = item
        entries = list(entries)
        try:
            if key in self._known(known):
                self.known_skipped.inc(len(entries))
                return
            chosen = pick_entry(entries)
        except Exception as exc:  # noqa: BLE001 - the story's entries become one errors row
            self.failed.inc(len(entries))
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter("new_entries", entries[0] if entries else None, exc))
            return
        self.duplicates.inc(len(entries) - 1)
        self.kept.inc()
        yield chosen


class NewEntriesOutputs(NamedTuple):
    main: PCollection      # FeedEntry, one per new story
    errors: PCollection    # ErrorRecord (stage new_entries)


class NewEntries(beam.PTransform):
    """Drop entries already stored (``known_ids``) and duplicates within the run.

    ``known_ids``: a frozenset/set of article ids, a PCollection of them, or
    a side input (``beam.pvalue.AsList(pcoll)`` / ``AsIter``). Returns
    :class:`NewEntriesOutputs` (``.main`` entries, ``.errors`` dead letters).
    """

    def __init__(self, known_ids=frozenset()):
        super().__init__()
        self.known_ids = known_ids

    def expand(self, entries):
        keyed = entries | "KeyByStory" >> beam.ParDo(_KeyByStory()).with_outputs(ERRORS, main="main")
        grouped = keyed.main | "GroupStory" >> beam.GroupByKey()
        known = self.known_ids
        if isinstance(known, PCollection):
            known = beam.pvalue.AsList(known)
        if not isinstance(known, AsSideInput):
            known = frozenset(known or ())
        kept = grouped | "DropKnown" >> beam.ParDo(_DropKnown(), known).with_outputs(ERRORS, main="main")
        errors = (keyed[ERRORS], kept[ERRORS]) | "NewEntryErrors" >> beam.Flatten()
        return NewEntriesOutputs(kept.main, errors)
