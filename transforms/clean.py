"""The cleaning stage: strip the boilerplate trafilatura leaves in article text.

Works on any extracted text: trafilatura output, RSS ``content:encoded`` or a
naive scrape such as the seeds. Line by line, in this order:

1. **Generic rules** (``configs/boilerplate.yaml``): comment forms, subscribe
   and notification prompts, share/follow lines, copyright, related-articles
   headers (and the short list under them: ``related_list``), back-to-top,
   breadcrumbs, separators, empty image/markdown lines, tags, ads, widgets,
   Latin spam. Contains-rules only fire on short lines (``max_words``).
2. **Metadata lines** are routed, not kept: a date-only line (``meta_date``),
   a byline (``meta_byline`` -> author) and a dateline such as "<outlet> من
   <city>" (``meta_dateline``). Bylines/datelines are only looked for at the
   head or tail of the story, never between body paragraphs.
3. **Title**: when no title is given, the headline is found among the short
   lines that precede the first paragraph (``meta_title``); lines that repeat
   the title, or the title plus a site name or caption, go (``title_repeat``);
   short labels above the headline are navigation (``header_nav``).
4. **Per-source learned boilerplate** (``learned_source_line``): lines whose
   key is in ``learned`` (see :mod:`transforms.source_boilerplate`), at the
   head or tail only.
5. **Foreign lines**: in an Arabic story a short Latin-only line at the head
   or tail goes (``foreign_line``); one between paragraphs is kept and
   counted in ``suspect``.

Safety: no rule removes a line of more than ``max_words`` words, and the
structural rules never touch a line of 25+ words, so a real paragraph is never
cut; doubtful lines are kept and counted in ``CleanResult.suspect``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics

from transforms.core.deadletter import ERRORS, dead_letter
from transforms.core.records import Article
from transforms import dates
from transforms.clean_rules import (CleanRules, core, has_arabic, has_latin, load_rules,
                                    normalize, words)
from transforms.language import arabic_share
from transforms.source_boilerplate import LEARN_MAX_WORDS, line_key

__all__ = ["CleanResult", "CleanRules", "load_rules", "clean_text", "clean_article",
           "CleanFn", "CleanArticles"]

PARAGRAPH_WORDS = 25        # a line this long is body text, never touched by structural rules
TITLE_MAX_WORDS = 30
TITLE_SUFFIX_MAX_WORDS = 20  # "title – site name" / "title + caption"
HEADER_NAV_MAX_WORDS = 4
META_MAX_WORDS = 8
FOREIGN_MAX_WORDS = 8
_SENTENCE_END = re.compile(r"[.!?؟…]\s*[\"'»”)]?$")


@dataclass
class CleanResult:
    text: str
    removed: dict = field(default_factory=dict)     # rule -> lines removed
    author: str | None = None
    dateline: str | None = None
    date: dt.datetime | None = None
    title: str | None = None
    suspect: dict = field(default_factory=dict)     # kept but doubtful: reason -> lines
    decisions: list = field(default_factory=list)   # per input line: rule name, or None (kept/blank)


def _is_paragraph(line: str) -> bool:
    n = words(line)
    return n >= PARAGRAPH_WORDS or (n >= 8 and bool(_SENTENCE_END.search(line.strip())))


def _date_line(line: str, rules: CleanRules, now) -> dt.datetime | None:
    """The date when ``line`` is nothing but a date (plus labels such as 'نشر في')."""
    if words(line) > 12:
        return None
    d = dates.parse_date(line, now=now)
    if d is None:
        return None
    norm = normalize(dates.to_ascii_digits(line))
    rest = re.sub(r"\d{1,4}(?:\s*[/.:\-]\s*\d{1,4})*", " ", norm)
    rest = re.sub(dates._MONTH_ALT, " ", rest, flags=re.IGNORECASE)
    rest = re.sub(r"[\W_]+", " ", rest).strip()
    if rest and (rules.date_labels is None or not rules.date_labels.match(rest)):
        return None
    d, _why = dates.check_plausible(d, now=now)
    return d


def _title_like(line: str) -> bool:
    n = words(line)
    return 3 <= n <= TITLE_MAX_WORDS and not _SENTENCE_END.search(line.strip().rstrip("»\"”'"))


def _repeats_title(line_core: str, title_core: str, site_core: str) -> bool:
    if not title_core or not line_core:
        return False
    if line_core == title_core:
        return True
    if site_core and line_core in (site_core + " " + title_core, title_core + " " + site_core):
        return True
    for rest in (line_core[len(title_core):] if line_core.startswith(title_core) else None,
                 line_core[:-len(title_core)] if line_core.endswith(title_core) else None):
        if rest is not None and words(rest) <= TITLE_SUFFIX_MAX_WORDS:
            return True
    return False


def _bump(d: dict, key: str, n: int = 1) -> None:
    d[key] = d.get(key, 0) + n


def clean_text(text: str, *, title: str = "", site_name: str = "", language: str = "ar",
               rules: CleanRules, learned: frozenset = frozenset(),
               now: dt.datetime | None = None) -> CleanResult:
    """Remove boilerplate lines from ``text``; route date/byline/title lines to fields."""
    lines = [ln.strip() for ln in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    dec: list = [None] * len(lines)
    res = CleanResult(text="")
    live = [i for i, ln in enumerate(lines) if ln]

    # 1. generic rules (+ the short list under a block header, once the story has begun)
    first_para = next((i for i in live if _is_paragraph(lines[i])), len(lines))
    in_block = False
    for i in live:
        rule = rules.match(lines[i])
        if rule is not None:
            dec[i] = rule.name
            in_block = rule.starts_block and i > first_para
        elif in_block and words(lines[i]) <= 15 and not _SENTENCE_END.search(lines[i]):
            dec[i] = "related_list"
        else:
            in_block = False

    def remaining() -> list[int]:
        return [i for i in live if dec[i] is None]

    # exact repeats of a paragraph (extraction artefacts), before the head/tail
    # zones are drawn, so that a second pass draws the same zones (idempotence);
    # other long repeated lines go at the end (step 6), they draw no zone
    seen: set = set()
    for i in remaining():
        c = core(lines[i])
        if _is_paragraph(lines[i]) and c in seen:
            dec[i] = "duplicate_line"
        seen.add(c)

    def zones() -> tuple[set, set]:
        rem = remaining()
        paras = [i for i in rem if _is_paragraph(lines[i])]
        if not paras:
            return set(rem), set()
        return {i for i in rem if i < paras[0]}, {i for i in rem if i > paras[-1]}

    # 2. metadata lines: date-only lines anywhere; bylines/datelines at head or tail
    head, tail = zones()
    for i in remaining():
        ln = lines[i]
        if words(ln) > 12:
            continue
        d = _date_line(ln, rules, now)
        if d is not None:
            dec[i] = "meta_date"
            res.date = res.date or d
            continue
        if (i in head or i in tail) and words(ln) <= META_MAX_WORDS:
            by = rules.byline(ln)
            if by:
                dec[i] = "meta_byline"
                res.author = res.author or by[0]
                continue
            if i in head and rules.dateline(ln):
                dec[i] = "meta_dateline"
                res.dateline = res.dateline or ln
                continue

    # 3. title: given, or found among the short lines above the first paragraph
    head, tail = zones()
    title_core = core(title)
    site_core = core(site_name)
    title_idx = None
    if not title_core:
        cands = [i for i in sorted(head) if _title_like(lines[i])]
        for i in cands:
            ci = core(lines[i])
            if any(j != i and core(lines[j]).startswith(ci) for j in cands):
                title_idx = i
                break
        if title_idx is None and cands:
            title_idx = cands[0]
        if title_idx is not None:
            res.title = lines[title_idx]
            title_core = core(lines[title_idx])
            dec[title_idx] = "meta_title"
    for i in remaining():
        if words(lines[i]) < PARAGRAPH_WORDS + TITLE_SUFFIX_MAX_WORDS and _repeats_title(core(lines[i]), title_core, site_core):
            dec[i] = "title_repeat"
            if title_idx is None:
                title_idx = i
        elif site_core and core(lines[i]) == site_core:
            dec[i] = "site_name"
    if title_idx is not None:
        for i in remaining():
            if i < title_idx and i in head and words(lines[i]) <= HEADER_NAV_MAX_WORDS:
                dec[i] = "header_nav"

    # 4. per-source learned boilerplate, head or tail only
    head, tail = zones()
    if learned:
        for i in remaining():
            if (i in head or i in tail) and words(lines[i]) <= LEARN_MAX_WORDS and line_key(lines[i]) in learned:
                dec[i] = "learned_source_line"

    # 5. foreign (Latin-only) short lines in an Arabic story
    if language == "ar":
        head, tail = zones()
        for i in remaining():
            ln = lines[i]
            if has_latin(ln) and not has_arabic(ln) and words(ln) <= FOREIGN_MAX_WORDS:
                if i in head or i in tail:
                    dec[i] = "foreign_line"
                else:
                    _bump(res.suspect, "latin_line_kept")

    # 6. other exact repeats of a long line
    seen = set()
    for i in remaining():
        c = core(lines[i])
        if words(lines[i]) >= 8 and c in seen:
            dec[i] = "duplicate_line"
        seen.add(c)

    for i in live:
        if dec[i] is not None:
            _bump(res.removed, dec[i])
    res.text = "\n".join(lines[i] for i in live if dec[i] is None)
    res.decisions = dec
    return res


def clean_article(article: Article, rules: CleanRules, learned: frozenset = frozenset(),
                  *, now: dt.datetime | None = None) -> Article:
    """Apply :func:`clean_text` and route what it found into the article's fields."""
    # Cleaning runs before language detection: judge by script, so that the
    # Arabic-only rules (short Latin lines are spam) never touch a French story.
    lang = article.language or ("ar" if arabic_share(article.text) > 0.5 else "latin")
    res = clean_text(article.text, title=article.title, site_name=article.site_name,
                     language=lang, rules=rules, learned=learned, now=now)
    fs = dict(article.field_sources)
    changes: dict = {"text": res.text}
    if not article.title and res.title:
        changes["title"] = res.title
        fs["title"] = "text"
    if not article.author and res.author:
        changes["author"] = res.author
        fs["author"] = "text"
    if res.date is not None:
        src = fs.get("published_at", "none" if article.published_at is None else "page")
        feed_day = dates.stated_day(article.published_at) if article.published_at is not None else None
        # no date yet, or the text prints another day than the feed claims: believe the text
        if article.published_at is None or src == "none" or (src == "feed" and feed_day != dates.stated_day(res.date)):
            changes["published_at"], fs["published_at"] = res.date, "text"
            changes["published_date"] = dates.stated_day(res.date)
            fs["published_at_how"] = "text"
    if res.dateline:
        fs["dateline"] = res.dateline
    removed = dict(article.removed)
    for k, v in res.removed.items():
        removed[k] = removed.get(k, 0) + v
    changes["removed"] = removed
    kept = dict(article.kept_doubtful)
    for k, v in res.suspect.items():
        kept[k] = kept.get(k, 0) + v
    changes["kept_doubtful"] = kept
    changes["field_sources"] = fs
    return article.replace(**changes)


class CleanFn(beam.DoFn):
    """Article -> cleaned Article; ``empty_after_cleaning`` and crashes go to ``errors``.

    ``rules`` is the loaded :class:`CleanRules` (read when the pipeline is
    built; the DoFn never reads a file). The optional side input ``learned``
    maps a source to the frozenset of its learned boilerplate line keys.
    """

    def __init__(self, rules: CleanRules):
        self._rules = rules
        self.cleaned = Metrics.counter("clean", "articles_cleaned")
        self.lines_removed = Metrics.counter("clean", "lines_removed")
        self.empty = Metrics.counter("clean", "empty_after_cleaning")
        self.failed = Metrics.counter("clean", "errors")

    def process(self, article: Article, learned=None):
        keys = frozenset()
        if learned:
            keys = learned.get(article.source, frozenset()) if isinstance(learned, dict) else frozenset(learned)
        try:
            out = clean_article(article, self._rules, keys)
        except Exception as exc:  # a dead letter, never a crashed bundle
            self.failed.inc()
            yield pvalue.TaggedOutput(ERRORS, dead_letter("clean", article, exc, error_type="clean_error"))
            return
        n = sum(out.removed.values()) - sum(article.removed.values())
        self.lines_removed.inc(n)
        if not out.text.strip():
            self.empty.inc()
            yield pvalue.TaggedOutput(ERRORS, dead_letter("clean", article, error_type="empty_after_cleaning",
                                                          message=f"all lines removed: {out.removed}"))
            return
        self.cleaned.inc()
        yield out


class CleanArticles(beam.PTransform):
    """PCollection[Article] -> ``.main`` cleaned Articles, ``.errors`` dead letters.

    ``rules``: the loaded :class:`CleanRules` (None: the shipped
    ``configs/boilerplate.yaml``, loaded here at construction).
    ``learned_side_input``: an optional PCollection holding one dict
    source -> frozenset of line keys (:class:`LearnSourceBoilerplate`'s ``learned``),
    or a side input built from one.
    """

    def __init__(self, rules: CleanRules | None = None, learned_side_input=None):
        super().__init__()
        self._rules = rules if rules is not None else load_rules()
        self._learned = learned_side_input

    def expand(self, articles):
        fn = CleanFn(self._rules)
        if self._learned is not None:
            side = self._learned
            if not isinstance(side, beam.pvalue.AsSideInput):
                side = beam.pvalue.AsSingleton(side)
            return articles | "Clean" >> beam.ParDo(fn, learned=side).with_outputs(ERRORS, main="main")
        return articles | "Clean" >> beam.ParDo(fn).with_outputs(ERRORS, main="main")
