"""Typed records that flow between the stages of the pipeline.

Every stage takes one of these and returns the next one; the last stage turns
an ``Article`` plus its ``Classification`` into a warehouse row whose shape is
defined once in :mod:`transforms.core.schema`.

The records are plain frozen dataclasses so that Beam can pickle them and
tests can build them by hand.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple, Optional


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class FeedSpec:
    """One configured feed (an entry of ``configs/feeds.yaml``)."""

    url: str
    name: str
    language: str = "ar"
    source: str = ""            # outlet id, e.g. "hespress"; defaults to the host
    respect_robots: bool = True
    max_entries: Optional[int] = None   # entries taken per poll, newest first (None: all); see read_feeds.cap_entries
    # Conditional-GET state carried from the warehouse's feed_state table.
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    content_hash: Optional[str] = None


@dataclass(frozen=True)
class FeedEntry:
    """One item of a parsed RSS/Atom feed."""

    feed_url: str
    source: str
    link: str
    title: str = ""
    summary: str = ""
    published: Optional[dt.datetime] = None   # tz-aware, in the zone the feed states (Morocco when none), or None
    guid: str = ""
    content: str = ""                          # content:encoded, when given
    feed_language: str = ""
    respect_robots: bool = True                # the feed's setting, applied to its pages too
    author: str = ""                           # the entry's author (dc:creator), made safe
    published_rejected: str = ""               # why the feed's date was not believed (published is then None)


@dataclass(frozen=True)
class Page:
    """An article page fetched over HTTP."""

    entry: FeedEntry
    url: str                  # the URL that was asked for (canonicalised link)
    final_url: str            # after redirects
    status: int
    html: str
    content_type: str = ""
    encoding: str = ""
    fetched_at: dt.datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class Article:
    """An extracted (and later cleaned, language-tagged) story.

    ``field_sources`` says where each metadata field came from, e.g.
    ``{"title": "page", "published_at": "feed"}``.
    ``removed`` maps a cleaning rule name to the number of lines it removed;
    ``kept_doubtful`` counts lines the cleaner doubted but kept (reason -> lines).
    """

    url: str
    canonical_url: str
    source: str
    feed_url: str
    title: str = ""
    author: str = ""
    published_at: Optional[dt.datetime] = None   # tz-aware, in the zone the page states
    fetched_at: dt.datetime = field(default_factory=utcnow)
    text: str = ""
    site_name: str = ""
    description: str = ""
    language: str = ""
    field_sources: dict = field(default_factory=dict)
    removed: dict = field(default_factory=dict)
    kept_doubtful: dict = field(default_factory=dict)
    # The calendar day the page states for published_at (its own zone; see
    # transforms/page_dates.py); None: derive it with transforms.dates.stated_day.
    published_date: Optional[dt.date] = None

    def replace(self, **changes) -> "Article":
        return dataclasses.replace(self, **changes)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n") if p.strip()]


@dataclass(frozen=True)
class Classification:
    """What the security classifier says about one story.

    For non-Arabic stories ``is_security`` and ``is_accident`` are ``None``:
    the classifier makes no guess.
    """

    is_security: Optional[bool]
    security_score: Optional[float]
    categories: tuple = ()           # ranked, best first
    matched_terms: tuple = ()        # evidence a reader can check
    places: tuple = ()               # canonical place names, most salient first
    primary_place: Optional[str] = None
    is_accident: Optional[bool] = None
    classifier_version: str = ""


@dataclass(frozen=True)
class ErrorRecord:
    """A dead letter: one item that failed at one stage.

    Written to the ``errors`` table; nothing is dropped silently.
    """

    stage: str               # read_feeds, fetch_page, extract, clean, language, classify, write
    url: str
    error_type: str          # short machine-readable kind, e.g. http_404, bad_xml, empty_extraction
    message: str
    run_id: str = ""
    at: dt.datetime = field(default_factory=utcnow)
    http_status: Optional[int] = None
    attempts: Optional[int] = None
    feed_url: str = ""
    source: str = ""


@dataclass(frozen=True)
class FeedStatus:
    """The outcome of polling one feed; folded into the feed_state table."""

    feed_url: str
    polled_at: dt.datetime
    status: str                 # ok, not_modified, unchanged, error
    http_status: Optional[int] = None
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    content_hash: Optional[str] = None
    entries: int = 0
    new_entries: int = 0
    error: str = ""             # a failed poll's error_type (not_a_feed, http_404, timeout, ...)
    # Entries of this poll left to retry: pages that failed with a retryable error, entries over
    # the per-feed cap. When > 0 the feed's validators are not stored (transforms/feed_state.py).
    retry_entries: int = 0


class StorySignature(NamedTuple):
    """A story as near-duplicate clustering sees it (one ``story_signatures`` row).

    ``story_time``: ``COALESCE(published_at, fetched_at)``, tz-aware UTC, the
    order in which stories found clusters; ``fetched_at`` (UTC) decides how
    long the signature is kept (the clustering window). ``signature``: the
    MinHash values (``transforms.signatures.Signature.values``, little-endian
    uint32) or None when the text is too short to compare; ``shingles``: the
    size of the shingle set it sketches; ``numbers``: hashes of the numbers
    it states (two stories whose numbers disagree are never one story).
    ``cluster_id`` is ``""`` until the
    story is assigned; then the article id of the story its cluster is named
    after, ``cluster_first_seen`` that story's ``story_time`` and
    ``similarity`` the estimated Jaccard similarity to the story it matched
    (None when it founded its cluster).

    A NamedTuple: it pickles small, and the clustering index keeps the
    window as plain tuples of these fields (``tuple(s)``), which Python's
    garbage collector stops tracking. Change one with ``s._replace(...)``.
    """

    article_id: str
    source: str
    story_time: dt.datetime
    fetched_at: dt.datetime
    signature: Optional[bytes] = None
    shingles: int = 0
    cluster_id: str = ""
    cluster_first_seen: Optional[dt.datetime] = None
    similarity: Optional[float] = None
    numbers: Optional[bytes] = None          # transforms.signatures.number_hashes; None: not recorded
