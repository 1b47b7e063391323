"""Stage 1: poll each configured feed and emit its entries.

``poll_feed`` does a conditional GET (If-None-Match / If-Modified-Since from
the feed's stored state). A 304, or a 200 whose entries hash to the stored
``content_hash``, yields no entries at all, so nothing is processed again.
The hash covers the entries (link, guid, title, date), not the raw bytes, so
a feed that only bumps ``lastBuildDate`` still counts as unchanged.

``parse_feed`` (feedparser) decides, in this order: HTML served as a feed
-> ``not_a_feed``; unparsable XML with no entries -> ``bad_xml``; a real feed
with no items -> ``empty_feed``. The bytes are decoded by
:func:`transforms.encoding.decode_body` (the same rules as pages). Each entry
is then read on its own (:mod:`transforms.feed_fields`: link, date, text),
inside its own guard: an entry without a usable link, with a link that
cannot be parsed, or that fails in any other way becomes one problem
(``entry_without_link``, ``bad_link``, ``bad_entry``) in ``.problems``, which
``ReadFeedsFn`` turns into one ``errors`` row with the entry's URL, and every
other entry of the feed is kept. Relative links resolve against the feed's
final URL after redirects. Dates are tz-aware UTC or None with the reason in
``FeedEntry.published_rejected`` (future dates are counted in
``.future_dates``). The feed's URL is stored without ``user:password@``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Optional

import apache_beam as beam
import feedparser
from apache_beam.metrics import Metrics

from transforms.core.deadletter import ERRORS, dead_letter
from transforms.core.records import FeedEntry, FeedSpec, FeedStatus, utcnow
from transforms.core.text import redact_credentials, safe_text
from transforms.encoding import decode_body
from transforms.feed_fields import FUTURE_TOLERANCE, entry_date, entry_link, entry_text
from transforms.http_client import HttpClient, HttpSettings
from transforms.urls import article_id, host_of

__all__ = ["FUTURE_TOLERANCE", "FeedParseError", "EntryProblem", "ParsedEntries", "parse_feed", "poll_feed",
           "ReadFeedsFn", "ReadFeeds"]

_XML_DECL_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)["'][^"']*["']""", re.I)
_HTML_HINT = re.compile(r"<!doctype\s+html|<html[\s>]", re.I)
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


class FeedParseError(Exception):
    def __init__(self, error_type: str, message: str, *, http_status: Optional[int] = None,
                 attempts: Optional[int] = None):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.http_status = http_status
        self.attempts = attempts


@dataclass(frozen=True)
class EntryProblem:
    """One entry that could not be used: ``error_type`` is ``entry_without_link``,
    ``bad_link`` or ``bad_entry``; ``link`` is its (credential-free) link when it had one."""

    error_type: str
    message: str
    guid: str = ""
    title: str = ""
    link: str = ""


class ParsedEntries(list):
    """A list of FeedEntry plus what was wrong with the rest of the feed."""

    def __init__(self, entries=(), problems=(), future_dates: int = 0, content_hash: str = ""):
        super().__init__(entries)
        self.problems: list[EntryProblem] = list(problems)
        self.future_dates = future_dates
        self.content_hash = content_hash


def _safe_char_ref(m: re.Match) -> str:
    """A character reference to a lone surrogate or out of range becomes U+FFFD, to a
    control character nothing (feedparser raises UnicodeEncodeError on ``&#xD800;``)."""
    try:
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    except ValueError:
        return "&#xFFFD;"
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF or code == 0:
        return "&#xFFFD;"
    if code < 0x20 and code not in (0x9, 0xA, 0xD) or 0x7F <= code <= 0x9F or code == 0x1B:
        return ""
    return m.group(0)


def _to_utf8_xml(body: bytes, content_type: str) -> bytes:
    """Decode with our charset rules (feedparser guesses windows-1256 badly), defuse
    character references no text may hold, and hand feedparser UTF-8 bytes whose
    declaration says so."""
    text, _ = decode_body(body, content_type)
    text = _CHAR_REF.sub(_safe_char_ref, text) if "&#" in text else text
    return _XML_DECL_ENCODING.sub(r'\1"utf-8"', text, count=1).encode("utf-8", "replace")


def _with_xml_base(data: bytes, base_url: str, parsed):
    """feedparser's parse with the document's base URL, for feeds that use ``xml:base``.

    feedparser resolves ``xml:base`` chains only from an absolute document
    base, and then resolves ids too (a guid ``12345`` would look like a URL).
    So feeds are parsed without a base (ids as written, links resolved by us
    against the final URL), and only a feed that uses ``xml:base`` is parsed a
    second time with it, for its links. None when not needed or not aligned.
    """
    if b"xml:base" not in data:
        return None
    based = feedparser.parse(data, response_headers={"content-type": "application/xml; charset=utf-8",
                                                     "content-location": base_url})
    return based if len(based.entries) == len(parsed.entries) else None


def _links_from(raw, based):
    """The entry as written, with the links of its ``xml:base``-resolved twin."""
    entry = feedparser.FeedParserDict(raw)
    entry["links"] = based.get("links") or []
    return entry


def _read_entry(e, *, feed_url: str, base_url: str, source: str, feed_language: str, now: dt.datetime):
    """``(FeedEntry or None, EntryProblem or None, digest row, future?)`` for one feedparser entry."""
    fields = entry_text(e)
    title, guid = fields["title"], fields["guid"]
    link, problem = entry_link(e, base_url)
    published, rejected = entry_date(e, now=now)
    digest = [link, guid, title, published.isoformat() if published else ""]
    name = f"{title or guid or '(untitled)'!r:.120}"
    if problem == "entry_without_link":
        return None, EntryProblem("entry_without_link", f"entry {name} has no link", guid=guid, title=title), \
            digest, False
    if problem:
        return None, EntryProblem("bad_link", f"entry {name}: {problem.removeprefix('bad_link: ')}: {link!r:.300}",
                                  guid=guid, title=title, link=link), digest, False
    future = bool(rejected and "future:" in rejected)
    return FeedEntry(feed_url=feed_url, source=source, link=link, title=title, summary=fields["summary"],
                     published=published, guid=guid, content=fields["content"], feed_language=feed_language,
                     author=fields["author"], published_rejected=rejected or ""), None, digest, future


def parse_feed(body: bytes, *, feed_url: str, source: str, language: str, now: Optional[dt.datetime] = None,
               content_type: str = "", base_url: Optional[str] = None) -> ParsedEntries:
    """Entries of an RSS/Atom document; raises FeedParseError for a bad feed.

    ``base_url``: the URL the feed was finally read from (after redirects),
    against which relative links and ``xml:base`` resolve; default ``feed_url``.
    One bad entry never raises: it becomes a problem (module docstring).
    """
    now = now or utcnow()
    feed_url = redact_credentials(feed_url)
    base_url = base_url or feed_url
    if not body or not body.strip():
        raise FeedParseError("empty_feed", "the response body is empty", http_status=200)
    text_head = body[:4096].decode("utf-8", "replace")
    try:
        data = _to_utf8_xml(body, content_type)
        parsed = feedparser.parse(data, response_headers={"content-type": "application/xml; charset=utf-8"})
        based = _with_xml_base(data, base_url, parsed)
    except Exception as exc:  # noqa: BLE001 - feedparser is meant not to raise; if it does, the feed is bad XML
        raise FeedParseError("bad_xml", f"feedparser failed: {type(exc).__name__}: {exc}"[:300],
                             http_status=200) from None
    if not parsed.entries:
        if _HTML_HINT.search(text_head) and not parsed.get("version"):
            raise FeedParseError("not_a_feed", "got an HTML page, not RSS/Atom", http_status=200)
        if parsed.bozo and not isinstance(parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride):
            raise FeedParseError("bad_xml", safe_text(f"unparsable feed: {parsed.get('bozo_exception')}")[:300],
                                 http_status=200)
        if not parsed.get("version"):
            raise FeedParseError("not_a_feed", "no RSS/Atom structure found", http_status=200)
        raise FeedParseError("empty_feed", f"{parsed.get('version')} feed with no entries", http_status=200)
    feed_language = safe_text((parsed.feed.get("language") or language or "")).split("-")[0].lower()[:12]
    entries, problems, future, digest = [], [], 0, []
    for i, e in enumerate(parsed.entries):
        try:
            if based is not None:
                e = _links_from(e, based.entries[i])
            entry, problem, row, is_future = _read_entry(e, feed_url=feed_url, base_url=base_url, source=source,
                                                         feed_language=feed_language, now=now)
        except Exception as exc:  # noqa: BLE001 - one entry, one problem; the rest of the feed lands
            problems.append(EntryProblem("bad_entry", safe_text(f"entry {i}: {type(exc).__name__}: {exc}")[:300]))
            continue
        digest.append(row)
        future += is_future
        if problem is not None:
            problems.append(problem)
        else:
            entries.append(entry)
    content_hash = hashlib.sha256(json.dumps(digest, ensure_ascii=False).encode("utf-8", "replace")).hexdigest()
    return ParsedEntries(entries, problems, future, content_hash)


def poll_feed(spec: FeedSpec, client: HttpClient, *, now: Optional[dt.datetime] = None
              ) -> tuple[FeedStatus, ParsedEntries]:
    """Conditional GET of one feed. Raises FetchError / FeedParseError on failure.

    The FeedStatus and the entries carry the feed's URL without credentials;
    relative links resolve against the URL the feed was read from after redirects.
    """
    headers = {}
    if spec.etag:
        headers["If-None-Match"] = spec.etag
    if spec.last_modified:
        headers["If-Modified-Since"] = spec.last_modified
    resp = client.get(spec.url, headers=headers, kind="feed", respect_robots=spec.respect_robots)
    polled = now or utcnow()
    public_url = redact_credentials(spec.url)
    if resp.status == 304 and not (spec.etag or spec.last_modified):
        # a 304 to a request that was not conditional: nothing was read, nothing can be "unchanged"
        raise FeedParseError("unexpected_not_modified", "HTTP 304 to a request without If-None-Match "
                             "or If-Modified-Since: the server never sent the feed", http_status=304)
    if resp.status == 304:
        return FeedStatus(public_url, polled, "not_modified", http_status=304, etag=spec.etag,
                          last_modified=spec.last_modified, content_hash=spec.content_hash), ParsedEntries()
    source = spec.source or host_of(spec.url).removeprefix("www.")
    try:
        entries = parse_feed(resp.body, feed_url=spec.url, source=source, language=spec.language, now=polled,
                             content_type=resp.content_type, base_url=resp.final_url or spec.url)
    except FeedParseError as exc:
        exc.http_status, exc.attempts = resp.status, resp.attempts
        raise
    etag, modified = resp.headers.get("etag"), resp.headers.get("last-modified")
    if spec.content_hash and entries.content_hash == spec.content_hash:
        return FeedStatus(public_url, polled, "unchanged", http_status=resp.status, etag=etag, last_modified=modified,
                          content_hash=entries.content_hash, entries=len(entries)), ParsedEntries()
    if not spec.respect_robots:
        entries = ParsedEntries([dataclasses.replace(e, respect_robots=False) for e in entries],
                                entries.problems, entries.future_dates, entries.content_hash)
    # Which entries are new to the warehouse is NewEntries' call (batch runs
    # correct the count with CountNewEntries); here a changed feed counts its entries.
    return FeedStatus(public_url, polled, "ok", http_status=resp.status, etag=etag, last_modified=modified,
                      content_hash=entries.content_hash, entries=len(entries), new_entries=len(entries)), entries


def cap_entries(entries: list, limit: Optional[int], known=frozenset()) -> tuple[list, list]:
    """``(kept, skipped)``: the ``limit`` newest entries of one poll not yet stored, and the rest.

    Newest by ``published`` (undated entries count as oldest); the feed's own
    order breaks ties, and both lists keep it. ``known``: article ids already
    in the warehouse (:func:`transforms.urls.article_id` of the link); those
    entries are always kept (``NewEntries`` skips them without work) and do not
    count towards ``limit``, so each run takes the next ``limit`` stories and a
    backlog drains over runs. ``limit`` None or at least ``len(entries)`` keeps
    everything. This bounds the work one poll can cause (a feed of 50,000
    items); the caller records every skipped entry.
    """
    if limit is None or len(entries) <= limit:
        return list(entries), []
    stored = {i for i, e in enumerate(entries) if known and article_id(e.link) in known}
    def newest_first(i: int) -> tuple:
        published = entries[i].published
        return (0, -published.timestamp(), i) if published else (1, 0.0, i)

    fresh = [i for i in range(len(entries)) if i not in stored]
    keep = stored | set(sorted(fresh, key=newest_first)[:limit])
    return ([e for i, e in enumerate(entries) if i in keep],
            [e for i, e in enumerate(entries) if i not in keep])


class ReadFeedsFn(beam.DoFn):
    """FeedSpec -> FeedEntry; tagged outputs ``errors`` and ``feed_status``.

    ``process`` takes an optional side input ``known`` (article ids already
    stored, a list or set) for the per-feed cap (:func:`cap_entries`).
    Counters (namespace ``read_feeds``): ``entries`` every entry the feed
    lists, ``unusable_entries`` those that became an errors row (no link, a
    bad link, a bad entry; ``entries_without_link`` the first kind only),
    ``entries_over_cap``, ``polled``, ``failed``, ``not_modified``,
    ``unchanged``, ``future_dates_dropped``.
    """

    def __init__(self, http_settings: HttpSettings):
        self.settings = http_settings
        self.client: Optional[HttpClient] = None
        self.polled = Metrics.counter("read_feeds", "polled")
        self.not_modified = Metrics.counter("read_feeds", "not_modified")
        self.unchanged = Metrics.counter("read_feeds", "unchanged")
        self.failed = Metrics.counter("read_feeds", "failed")
        self.entries = Metrics.counter("read_feeds", "entries")
        self.no_link = Metrics.counter("read_feeds", "entries_without_link")
        self.unusable = Metrics.counter("read_feeds", "unusable_entries")
        self.future = Metrics.counter("read_feeds", "future_dates_dropped")
        self.over_cap = Metrics.counter("read_feeds", "entries_over_cap")

    def setup(self):
        self.client = HttpClient(self.settings)
        self._known_id, self._known = None, frozenset()

    def _known_ids(self, known) -> frozenset:
        if not known:
            return frozenset()
        if isinstance(known, (set, frozenset)):
            return known
        if self._known_id != id(known):        # a side input list: build the set once per list
            self._known_id, self._known = id(known), frozenset(known)
        return self._known

    def teardown(self):
        if self.client is not None:
            self.client.close()

    def process(self, spec: FeedSpec, known=None):
        self.polled.inc()
        spec = dataclasses.replace(spec, source=spec.source or host_of(spec.url).removeprefix("www."))
        try:
            status, entries = poll_feed(spec, self.client)
        except Exception as exc:  # FetchError, FeedParseError or anything else: never crash the run
            self.failed.inc()
            err = dead_letter("read_feeds", spec, exc, error_type="unexpected")
            yield beam.pvalue.TaggedOutput(ERRORS, err)
            yield beam.pvalue.TaggedOutput("feed_status", FeedStatus(redact_credentials(spec.url), utcnow(), "error",
                                                                     http_status=err.http_status,
                                                                     error=err.error_type))
            return
        self.not_modified.inc(status.status == "not_modified")
        self.unchanged.inc(status.status == "unchanged")
        self.entries.inc(len(entries) + len(entries.problems))
        self.unusable.inc(len(entries.problems))
        self.future.inc(entries.future_dates)
        yield beam.pvalue.TaggedOutput("feed_status", status)
        for problem in entries.problems:
            self.no_link.inc(problem.error_type == "entry_without_link")
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter(
                "read_feeds", spec, error_type=problem.error_type, message=problem.message,
                http_status=status.http_status, url=problem.link or None))
        kept, skipped = cap_entries(entries, spec.max_entries, self._known_ids(known))
        self.over_cap.inc(len(skipped))
        for entry in skipped:
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter(
                "read_feeds", entry, error_type="over_entry_cap",
                message=f"the feed lists {len(entries)} entries; the {spec.max_entries} newest not yet stored are "
                        f"taken per poll, the rest on later runs (raise run.max_entries_per_feed or the feed's "
                        f"max_entries to take more at once)",
                http_status=status.http_status))
        yield from kept


class ReadFeeds(beam.PTransform):
    """PCollection[FeedSpec] -> outputs main (FeedEntry), errors, feed_status.

    ``known_ids``: optional side input (``beam.pvalue.AsList``) of the article
    ids already stored, so that the per-feed cap takes stories not yet stored."""

    def __init__(self, http_settings: HttpSettings, known_ids=None):
        super().__init__()
        self.settings = http_settings
        self.known_ids = known_ids

    def expand(self, specs):
        side = () if self.known_ids is None else (self.known_ids,)
        return (specs
                | "SpreadFeeds" >> beam.Reshuffle()
                | "Poll" >> beam.ParDo(ReadFeedsFn(self.settings), *side).with_outputs(
                    "errors", "feed_status", main="main"))
