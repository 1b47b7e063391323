"""Stage 2: keep only entries not seen before, then fetch their pages.

``NewEntries`` folds every entry onto the article id of its canonical link:
the same story in two section feeds (or with different tracking parameters)
is processed once, and stories already in the warehouse are not fetched
again. Among duplicates the earliest-published entry wins (undated ones
last), ties broken by feed URL and link, so the choice is deterministic.
"""
from __future__ import annotations

from typing import Iterable, Optional

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import AsSideInput, PCollection

from transforms.core.deadletter import ERRORS, dead_letter
from transforms.core.records import FeedEntry, Page
from transforms.http_client import FetchError, HttpClient, HttpSettings
from transforms.urls import article_id, canonicalize_url

_FAR_FUTURE = "9999"


def entry_key(entry: FeedEntry) -> str:
    return article_id(canonicalize_url(entry.link))


def _rank(entry: FeedEntry) -> tuple:
    when = entry.published.isoformat() if entry.published else _FAR_FUTURE
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


class FetchPagesFn(beam.DoFn):
    """FeedEntry -> Page; tagged output ``errors`` (stage fetch_page)."""

    def __init__(self, http_settings: HttpSettings):
        self.settings = http_settings
        self.client: Optional[HttpClient] = None
        self.fetched = Metrics.counter("fetch_page", "fetched")
        self.failed = Metrics.counter("fetch_page", "failed")
        self.blocked = Metrics.counter("fetch_page", "blocked_by_guard")

    def setup(self):
        self.client = HttpClient(self.settings)

    def teardown(self):
        if self.client is not None:
            self.client.close()

    def process(self, entry: FeedEntry):
        try:
            page = fetch_page(entry, self.client)
        except Exception as exc:  # FetchError (BlockedURL included) or anything else: one page, one dead letter
            self.failed.inc()
            self.blocked.inc(isinstance(exc, FetchError) and exc.error_type.startswith("blocked_"))
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter("fetch_page", entry, exc, error_type="unexpected"))
            return
        self.fetched.inc()
        yield page


class FetchPages(beam.PTransform):
    """PCollection[FeedEntry] -> outputs main (Page) and errors."""

    def __init__(self, http_settings: HttpSettings):
        super().__init__()
        self.settings = http_settings

    def expand(self, entries):
        return (entries
                | "SpreadByHost" >> beam.Reshuffle()
                | "Fetch" >> beam.ParDo(FetchPagesFn(self.settings)).with_outputs("errors", main="main"))


class _DropKnown(beam.DoFn):
    def __init__(self):
        self.known_skipped = Metrics.counter("new_entries", "already_stored")
        self.duplicates = Metrics.counter("new_entries", "duplicates_in_run")
        self.kept = Metrics.counter("new_entries", "kept")
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
        self.duplicates.inc(len(entries) - 1)
        if key in self._known(known):
            self.known_skipped.inc(len(entries))
            return
        self.kept.inc()
        yield pick_entry(entries)


class NewEntries(beam.PTransform):
    """Drop entries already stored (``known_ids``) and duplicates within the run.

    ``known_ids``: a frozenset/set of article ids, a PCollection of them, or
    a side input (``beam.pvalue.AsList(pcoll)`` / ``AsIter``).
    """

    def __init__(self, known_ids=frozenset()):
        super().__init__()
        self.known_ids = known_ids

    def expand(self, entries):
        grouped = (entries
                   | "KeyByStory" >> beam.Map(lambda e: (entry_key(e), e))
                   | "GroupStory" >> beam.GroupByKey())
        known = self.known_ids
        if isinstance(known, PCollection):
            known = beam.pvalue.AsList(known)
        if isinstance(known, AsSideInput):
            return grouped | "DropKnown" >> beam.ParDo(_DropKnown(), known)
        return grouped | "DropKnown" >> beam.ParDo(_DropKnown(), frozenset(known or ()))
