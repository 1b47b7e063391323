"""The extraction stage: one fetched page -> one Article (title, paragraphs, metadata).

``extract_article`` is pure: (html, url, feed entry) in, ``Article`` out, or an
``ExtractionError`` whose ``error_type`` is one of ``empty_page``, ``js_only``,
``not_article``, ``too_large``, ``empty_extraction``, ``timeout``,
``parse_error``. It never returns an empty Article.

trafilatura settings, measured on the 7 article fixtures of
``tests/fixtures/html`` (token precision/recall/F1 against ``*.expected.txt``,
averaged; "raw" is trafilatura alone, "cleaned" adds :mod:`transforms.clean`):

======================  ==================  ==================
setting                 raw P / R / F1      cleaned P / R / F1
======================  ==================  ==================
balanced (default)      0.909 / 1.00 / 0.952  1.00 / 1.00 / 1.00
favor_precision         0.909 / 1.00 / 0.952  1.00 / 1.00 / 1.00
favor_recall            0.909 / 1.00 / 0.952  1.00 / 1.00 / 1.00
include_tables=False    0.885 / 0.985 / 0.932  1.00 / 0.985 / 0.992
======================  ==================  ==================

The three focus modes tie on these pages. Issue 17 measured them again, with
``fast`` (no readability/justext fallback comparison) and trafilatura's own
metadata pass off, on the 20 fixtures, 300 benchmark pages whose text is known
and the 25 sample pages (``python -m benchmarks.extraction_settings``; the table
is in BENCHMARKS.md, "Cheaper extraction"): ``favor_precision`` with ``fast``
is the fastest setting that loses nothing measured (extraction 8.8 -> 6.8-7.4
ms/page, fixtures F1 1.000 and 20/20 dates, titles and authors as before,
benchmark-page F1 0.9994 -> 1.0000, the sample's Articles identical), so it is
the default. Turning trafilatura's metadata off changed titles on 6 of the 25
sample pages: kept on.
``include_comments=False`` (reader comments are
never the story), ``include_tables=True`` (seizure tallies come in tables;
turning it off loses recall, above), ``deduplicate=False``: trafilatura's
deduplication keeps a process-wide LRU cache, so a page's output depends on
the pages the worker saw before it (measured: the second pass over the same
fixtures came back empty); repeated site furniture is removed
deterministically by the per-source learned lines of the cleaning stage.
Date extraction by htmldate runs with ``extensive_search=False``: with it,
htmldate dated a fixture by its ``/uploads/2023/04/`` image path.

Time cap. trafilatura has no timeout and ``signal.alarm`` does not work on
Beam's worker threads, so two layers:

1. a size cap before parsing: pages over ``MAX_HTML_CHARS`` are stripped of
   ``<script>``/``<style>``/``<svg>``/comments (cheap regexes); still over
   ``MAX_STRIPPED_CHARS`` -> ``too_large``. trafilatura's ``MAX_TREE_SIZE``
   bounds the element count as well.
2. a hard wall-clock guard in ``ExtractFn``: extraction runs in a long-lived
   child process per DoFn instance (:mod:`transforms.guarded_process`), killed
   and replaced when a page takes longer than ``timeout_s``.

Measured here (7 fixture pages, warm): 13.4 ms/page in-process, 15.0 ms/page
through the guard (about +1.5 ms, the pickling); starting the child costs
about 2-3 s once per DoFn instance (``setup``); a killed child is replaced in
about 2.5 s. A 1.05 M-character page of listing markup took 6 s (page_info
0.24 s, trafilatura 2.2 s, the rest parsing), hence the 1 M cap.

Choosing the date element, the author and the lede (issue 15) costs about
8 ms/page: 9.8 -> 18.3 ms/page in-process over the 20 fixtures and 25 sample
pages, most of it in the one pass over the page's short dated lines. Issue 17
made that pass cheaper without changing an answer (same PageInfo and Article
on the 20 fixtures, the 25 sample pages and 300 benchmark pages): each element
is judged once, elements without a digit never build their text, whitespace is
counted with ``str.split``; ``page_info`` 5.4 -> 3.8 ms/page on the benchmark pages.

Metadata: the title, date and author come from the page, then from the feed
entry; ``field_sources`` records which ("page", "feed", "none") and, for the
date, the element (``published_at_how``: json-ld, meta:<name>, itemprop, time,
byline, url, htmldate, feed, updated; see :mod:`transforms.page_dates`). The
date keeps the offset the page states and ``Article.published_date`` is the
calendar day the page states. The author comes from
:mod:`transforms.page_authors` (no site name), the lede that trafilatura
leaves out from :mod:`transforms.page_lede`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics

from transforms.core.deadletter import ERRORS, dead_letter
from transforms.core.records import Article, FeedEntry, Page, utcnow
from transforms.extract_meta import listing_reason, page_info
from transforms.article_date import choose_publication
from transforms.page_authors import clean_author
from transforms.page_lede import find_lede, with_lede

from transforms.core.text import safe_author, safe_title
from transforms.urls import canonicalize_url

ERROR_TYPES = ("empty_page", "js_only", "not_article", "too_large", "empty_extraction",
               "timeout", "parse_error", "worker_crashed")
MAX_HTML_CHARS = 600_000          # above this, strip scripts/styles/svg/comments before parsing
MAX_STRIPPED_CHARS = 1_000_000    # above this after stripping: too_large (about 6 s of work)
MAX_TREE_SIZE = 60_000            # trafilatura's own element-count cap
MIN_TEXT_CHARS = 150              # less extracted text than this is not an article
JS_ONLY_MAX_CHARS = 200

_STRIP_RE = re.compile(r"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<svg\b.*?</svg\s*>|<!--.*?-->",
                       re.IGNORECASE | re.DOTALL)
_JS_HINT = re.compile(r"javascript|JavaScript|جافا ?سكريبت|activer", re.IGNORECASE)
_TITLE_SEP = re.compile(r"\s+[|–—\-:»]\s+")


class ExtractionError(Exception):
    def __init__(self, error_type: str, message: str = ""):
        if error_type not in ERROR_TYPES:
            raise ValueError(f"unknown error_type {error_type}")
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message

    def __reduce__(self):
        return (ExtractionError, (self.error_type, self.message))


@dataclass(frozen=True)
class ExtractConfig:
    trafilatura: object               # configparser.ConfigParser
    favor_precision: bool = True
    favor_recall: bool = False
    include_tables: bool = True
    include_comments: bool = False
    deduplicate: bool = False
    fast: bool = True                 # trafilatura's fast mode: no readability/justext fallback comparison
    with_metadata: bool = True        # trafilatura's own metadata pass (title, site name, author, htmldate)


def make_trafilatura_config(favor_precision: bool = True, favor_recall: bool = False,
                            include_tables: bool = True, fast: bool = True,
                            with_metadata: bool = True) -> ExtractConfig:
    """Build the trafilatura settings once per worker (never per page).

    The defaults are the measured choice (module docstring; the trade-off table
    is in BENCHMARKS.md, "Cheaper extraction"); the other values are there to be
    measured (``python -m benchmarks.extraction_settings``)."""
    from trafilatura.settings import use_config

    cfg = use_config()
    cfg.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")     # its signal-based timeout is main-thread only
    cfg.set("DEFAULT", "MIN_EXTRACTED_SIZE", "200")
    cfg.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    cfg.set("DEFAULT", "MAX_FILE_SIZE", str(MAX_STRIPPED_CHARS * 4))
    cfg.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))
    return ExtractConfig(cfg, favor_precision=favor_precision, favor_recall=favor_recall,
                         include_tables=include_tables, fast=fast, with_metadata=with_metadata)


def _parse(html: str):
    from trafilatura.utils import load_html

    try:
        tree = load_html(html)
    except Exception as exc:  # noqa: BLE001
        raise ExtractionError("parse_error", f"{type(exc).__name__}: {exc}"[:300]) from exc
    if tree is None:
        raise ExtractionError("parse_error", "lxml could not parse the page")
    return tree


def _strip_title(title: str, site_name: str, h1: list) -> str:
    title = re.sub(r"\s+", " ", title or "").strip()
    if len(title) < 10 and len(h1) == 1 and len(h1[0]) >= 10:
        return h1[0]
    for h in h1:
        if h and len(h) >= 10 and h in title and len(h) < len(title):
            return h
    if site_name:
        parts = _TITLE_SEP.split(title)
        if len(parts) > 1 and site_name.strip().lower() in (parts[-1].strip().lower(), parts[0].strip().lower()):
            parts = parts[:-1] if parts[-1].strip().lower() == site_name.strip().lower() else parts[1:]
            return " - ".join(parts).strip()
    return title


def _feed_text(entry: FeedEntry | None) -> str:
    """Paragraph text of the feed's content:encoded (or summary), for pages that yield none."""
    raw = (entry.content or entry.summary) if entry else ""
    if not raw or len(raw) < MIN_TEXT_CHARS:
        return ""
    if "<" not in raw:
        return raw.strip()
    import lxml.html

    try:
        frag = lxml.html.fromstring(f"<div>{raw}</div>")
    except Exception:  # noqa: BLE001
        return ""
    paras = [re.sub(r"\s+", " ", p.text_content()).strip() for p in frag.xpath("//p|//li|//h2|//h3")]
    text = "\n".join(p for p in paras if p) or re.sub(r"\s+", " ", frag.text_content()).strip()
    return text


def extract_article(html: str, url: str, entry: FeedEntry | None = None, *, config: ExtractConfig | None = None,
                    fetched_at: dt.datetime | None = None, now: dt.datetime | None = None) -> Article:
    """Extract one article; raise ``ExtractionError`` for anything that is not one."""
    import trafilatura

    config = config or make_trafilatura_config()
    if html is None or not html.strip():
        raise ExtractionError("empty_page", "the page body is empty")
    if len(html) > MAX_HTML_CHARS:
        html = _STRIP_RE.sub(" ", html)
        if len(html) > MAX_STRIPPED_CHARS:
            raise ExtractionError("too_large", f"{len(html)} characters of HTML after stripping scripts")
    tree = _parse(html)
    info = page_info(tree, url, now=now)
    if info.visible_chars == 0 and info.scripts == 0:
        raise ExtractionError("empty_page", "the page has no visible text")
    if info.visible_chars < JS_ONLY_MAX_CHARS and (info.scripts > 0 or _JS_HINT.search(info.noscript_text)):
        raise ExtractionError("js_only", f"{info.visible_chars} visible characters, {info.scripts} scripts")
    why = listing_reason(info, url)
    if why:
        raise ExtractionError("not_article", why)
    lede = find_lede(tree)            # before trafilatura, which may prune the tree

    try:
        doc = trafilatura.bare_extraction(
            tree, url=url, favor_precision=config.favor_precision, favor_recall=config.favor_recall,
            include_comments=config.include_comments, include_tables=config.include_tables,
            deduplicate=config.deduplicate, with_metadata=config.with_metadata, fast=config.fast,
            config=config.trafilatura,
            date_extraction_params={"extensive_search": False, "original_date": True,
                                    "outputformat": "%Y-%m-%d"})
    except Exception as exc:  # noqa: BLE001
        raise ExtractionError("parse_error", f"trafilatura: {type(exc).__name__}: {exc}"[:300]) from exc

    fs: dict = {}
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    fs["text"] = "page"
    text, added = with_lede(text, lede, info.h1[0] if info.h1 else "") if text else (text, False)
    if added:
        fs["lede"] = "page"
    if len(text) < MIN_TEXT_CHARS:
        text = _feed_text(entry)
        fs["text"] = "feed"
        if len(text) < MIN_TEXT_CHARS:
            raise ExtractionError("empty_extraction", f"{len(text)} characters of text extracted")

    site_name = (getattr(doc, "sitename", None) or info.site_name or "").strip()
    title = safe_title(_strip_title(getattr(doc, "title", None) or "", site_name, info.h1))
    if title:
        fs["title"] = "page"
    elif entry is not None and entry.title.strip():
        title, fs["title"] = entry.title.strip(), "feed"
    else:
        fs["title"] = "none"

    published, day, fs["published_at"], how, refused = choose_publication(info, doc, entry, now)
    if how:
        fs["published_at_how"] = how
    if info.date_rejected or refused:
        fs["published_at_rejected"] = "; ".join([*info.date_rejected, *refused])[:300]
    if published is None and entry is not None and entry.published_rejected:
        fs["published_at_rejected"] = "; ".join(
            x for x in (fs.get("published_at_rejected"), f"feed {entry.published_rejected}") if x)[:300]
    if info.canonical_rejected:
        fs["canonical_rejected"] = info.canonical_rejected

    author = safe_author(info.author or clean_author(getattr(doc, "author", None) or "", site_name))
    fs["author"] = "page" if author else "none"

    return Article(
        url=url,
        canonical_url=canonicalize_url(info.canonical or url),
        source=entry.source if entry else "",
        feed_url=entry.feed_url if entry else "",
        title=title,
        author=author,
        published_at=published,
        published_date=day,
        fetched_at=fetched_at or utcnow(),
        text=text,
        site_name=site_name,
        description=(getattr(doc, "description", None) or info.description or "").strip(),
        field_sources=fs,
    )


def page_extractor():
    """The guarded child's handler factory: builds the trafilatura settings once and
    returns ``extract(html, url, entry, fetched_at, now) -> Article``."""
    config = make_trafilatura_config()

    def extract(html, url, entry, fetched_at, now):
        return extract_article(html, url, entry, config=config, fetched_at=fetched_at, now=now)

    return extract


def guarded_extract(guard, html: str, url: str, entry=None, fetched_at=None, now=None) -> Article:
    """:func:`extract_article` in ``guard`` (a :class:`transforms.guarded_process.GuardedProcess`
    built on :func:`page_extractor`); a late answer is ``ExtractionError("timeout")``, a
    crashed child ``ExtractionError("parse_error")``, any other exception a ``parse_error`` too."""
    from transforms.guarded_process import GuardCrashed, GuardTimeout

    try:
        return guard.call(html, url, entry, fetched_at, now)
    except ExtractionError:
        raise
    except GuardTimeout as exc:
        raise ExtractionError("timeout", f"extraction took longer than {guard.timeout_s:.0f}s") from exc
    except GuardCrashed as exc:
        raise ExtractionError("parse_error", f"extractor process died: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - anything else the child raised
        raise ExtractionError("parse_error", f"{type(exc).__name__}: {exc}"[:500]) from exc


class ExtractFn(beam.DoFn):
    """Page -> Article; failures -> ``errors`` (ErrorRecord, stage "extract").

    ``timeout_s``: hard limit per page, enforced by a child process
    (:class:`transforms.guarded_process.GuardedProcess`); ``timeout_s=None``
    extracts in-process (size cap only), which is what small tests use.
    """

    def __init__(self, timeout_s: float | None = 15.0):
        self._timeout_s = timeout_s
        self._config = None
        self._guard = None
        self.ok = Metrics.counter("extract", "articles")
        self.failed = Metrics.counter("extract", "errors")
        self.timeouts = Metrics.counter("extract", "timeouts")
        self.from_feed = Metrics.counter("extract", "metadata_from_feed")

    def setup(self):
        if self._timeout_s:
            from transforms.guarded_process import GuardedProcess

            # Started on the first page, not here: a run with nothing new to
            # extract (an incremental rerun) never pays for the child's imports.
            self._guard = GuardedProcess(page_extractor, self._timeout_s)
        else:
            self._config = make_trafilatura_config()

    def teardown(self):
        if self._guard is not None:
            self._guard.close()

    def process(self, page: Page):
        entry = page.entry
        url = page.final_url or page.url
        try:
            if self._guard is not None:
                art = guarded_extract(self._guard, page.html, url, entry, page.fetched_at)
            else:
                art = extract_article(page.html, url, entry, config=self._config, fetched_at=page.fetched_at)
            if page.url and art.url != page.url:
                art = art.replace(url=page.url)
        except Exception as exc:  # ExtractionError, or anything unexpected: a dead letter
            self.failed.inc()
            kind = getattr(exc, "error_type", "parse_error")
            Metrics.counter("extract", f"error_{kind}").inc()
            if kind == "timeout":
                self.timeouts.inc()
            yield pvalue.TaggedOutput(ERRORS, dead_letter("extract", page, exc, error_type="parse_error",
                                                          http_status=page.status))
            return
        if "feed" in (art.field_sources.get("title"), art.field_sources.get("published_at")):
            self.from_feed.inc()
        self.ok.inc()
        yield art


class ExtractArticles(beam.PTransform):
    """PCollection[Page] -> ``.main`` Articles and ``.errors`` dead letters."""

    def __init__(self, timeout_s: float | None = 15.0):
        super().__init__()
        self._timeout_s = timeout_s

    def expand(self, pages):
        return pages | "ExtractArticle" >> beam.ParDo(ExtractFn(self._timeout_s)).with_outputs(ERRORS, main="main")
