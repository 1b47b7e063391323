"""Per-source learned boilerplate: lines that recur across many stories of one outlet.

A site's own furniture (its slogan, "follow our WhatsApp channel", an author
box) survives the generic rules but repeats in story after story of that
source. We count, per source, in how many *distinct* articles each short line
occurs; a line seen in at least ``min_articles`` articles that also make up at
least ``min_share`` of the source's articles is learned. The cleaner removes
learned lines only at the head or tail of a story and only when they have at
most ``LEARN_MAX_WORDS`` words, so a real paragraph is never cut; every
removal is counted under the rule name ``learned_source_line``.

Statistics live in the warehouse table ``source_lines`` (batch: read at
launch and passed as ``history``; the run's counts are added and written
back). The per-source article total is stored in the same table as the row
whose ``line_hash`` is ``TOTAL_KEY``. In streaming, the same transform runs
per window and its output is a side input (or the dict is kept as state).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Iterable, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms.core.deadletter import ERRORS, dead_letter
from transforms.core.records import Article
from transforms.clean_rules import core, words

LEARN_MAX_WORDS = 20          # longer lines are never learned nor removed
TOTAL_KEY = "*"               # (source, TOTAL_KEY) -> number of articles of the source
DEFAULT_MIN_ARTICLES = 5
DEFAULT_MIN_SHARE = 0.3


def line_key(line: str) -> str:
    """sha1 of the normalised line (case, diacritics, edge punctuation ignored)."""
    return hashlib.sha1(core(line).encode("utf-8")).hexdigest()


def candidate_lines(text: str) -> dict[str, str]:
    """key -> sample for every learnable (short, non-empty) distinct line of ``text``."""
    out: dict[str, str] = {}
    for ln in (text or "").split("\n"):
        ln = ln.strip()
        if ln and words(ln) <= LEARN_MAX_WORDS and core(ln):
            out.setdefault(line_key(ln), ln[:200])
    return out


def count_lines(articles: Iterable[Article]) -> dict[tuple[str, str], int]:
    """(source, line key) -> distinct articles containing it; (source, TOTAL_KEY) -> articles."""
    counts: dict[tuple[str, str], int] = {}
    seen: set = set()
    for a in articles:
        ident = (a.source, a.canonical_url or a.url)
        if ident in seen:
            continue
        seen.add(ident)
        counts[(a.source, TOTAL_KEY)] = counts.get((a.source, TOTAL_KEY), 0) + 1
        for key in candidate_lines(a.text):
            counts[(a.source, key)] = counts.get((a.source, key), 0) + 1
    return counts


def merge_counts(*parts: dict | None) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for p in parts:
        for k, v in (p or {}).items():
            out[k] = out.get(k, 0) + int(v)
    return out


def learned_lines(counts: dict[tuple[str, str], int], min_articles: int = DEFAULT_MIN_ARTICLES,
                  min_share: float = DEFAULT_MIN_SHARE) -> dict[str, frozenset]:
    """source -> frozenset of line keys that are that source's boilerplate."""
    totals = {s: n for (s, k), n in counts.items() if k == TOTAL_KEY}
    out: dict[str, set] = {}
    for (source, key), n in counts.items():
        if key == TOTAL_KEY:
            continue
        total = totals.get(source, n)
        if n >= min_articles and n >= min_share * max(total, 1):
            out.setdefault(source, set()).add(key)
    return {s: frozenset(keys) for s, keys in out.items()}


def history_from_rows(rows: Iterable[dict]) -> dict[tuple[str, str], int]:
    """Counts from ``source_lines`` warehouse rows (what the launcher passes as history)."""
    return {(r["source"], r["line_hash"]): int(r["articles"]) for r in rows}


class _CountCombine(beam.CombineFn):
    """(count, sample, last_seen) summed per (source, key)."""

    def create_accumulator(self):
        return (0, "", None)

    def add_input(self, acc, value):
        return self.merge_accumulators([acc, value])

    def merge_accumulators(self, accs):
        n, sample, last = 0, "", None
        for c, s, t in accs:
            n += c
            sample = sample or s
            if t is not None and (last is None or t > last):
                last = t
        return (n, sample, last)

    def extract_output(self, acc):
        return acc


def _emit(article: Article):
    seen_at = article.fetched_at
    yield (article.source, TOTAL_KEY), (1, "__articles__", seen_at)
    for key, sample in candidate_lines(article.text).items():
        yield (article.source, key), (1, sample, seen_at)


class _LineKeysFn(beam.DoFn):
    """Article -> its ``((source, key), (1, sample, seen_at))`` counts; a failure is one
    ``errors`` row (stage ``learn_boilerplate``), and the article is still cleaned downstream."""

    def __init__(self):
        self.failed = Metrics.counter("learn_boilerplate", "errors")

    def process(self, article: Article):
        try:
            items = list(_emit(article))
        except Exception as exc:  # noqa: BLE001 - one article, one dead letter
            self.failed.inc()
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter("learn_boilerplate", article, exc))
            return
        yield from items


def _to_row(kv, history: dict) -> dict:
    (source, key), (n, sample, last) = kv
    return {"source": source, "line_hash": key, "line_sample": sample[:200],
            "articles": n + int(history.get((source, key), 0)),
            "last_seen": last if isinstance(last, dt.datetime) else None}


def _to_learned(rows: list[dict], min_articles: int, min_share: float) -> dict:
    return learned_lines({(r["source"], r["line_hash"]): r["articles"] for r in rows},
                         min_articles, min_share)


class LearnedOutputs(NamedTuple):
    learned: object      # PCollection with one dict source -> frozenset(line keys)
    rows: object         # PCollection of source_lines rows
    errors: object = None  # PCollection of ErrorRecords (stage learn_boilerplate), or None


class LearnSourceBoilerplate(beam.PTransform):
    """Articles -> (``learned``: one dict source -> frozenset(keys), ``rows``: source_lines rows).

    ``history``: counts read from the warehouse at launch ((source, key) -> articles).
    Lines known only from history (not seen this run) are still learned but not rewritten.
    Articles should be de-duplicated upstream (one per canonical URL).
    """

    def __init__(self, history: dict | None = None, min_articles: int = DEFAULT_MIN_ARTICLES,
                 min_share: float = DEFAULT_MIN_SHARE):
        super().__init__()
        self._history = dict(history or {})
        self._min_articles = min_articles
        self._min_share = min_share

    def expand(self, articles):
        keyed = articles | "LineKeys" >> beam.ParDo(_LineKeysFn()).with_outputs(ERRORS, main="main")
        rows = keyed.main | "Count" >> CountLineKeys(self._history)
        hist_only = [
            {"source": s, "line_hash": k, "line_sample": "", "articles": n, "last_seen": None}
            for (s, k), n in self._history.items()
        ]
        min_a, min_s = self._min_articles, self._min_share

        def combine(run_rows, hist=hist_only):
            merged = {(r["source"], r["line_hash"]): r for r in hist}
            merged.update({(r["source"], r["line_hash"]): r for r in run_rows})
            return _to_learned(list(merged.values()), min_a, min_s)

        learned = (rows
                   | "AllRows" >> beam.combiners.ToList()
                   | "Learn" >> beam.Map(combine))
        return LearnedOutputs(learned, rows, keyed[ERRORS])


class CountLineKeys(beam.PTransform):
    """Line-count items ``((source, key), (1, sample, seen_at))`` (what :func:`_emit`
    yields per article, computed wherever the article was extracted, e.g. in the
    fused page worker of :mod:`transforms.process_page`) -> ``source_lines`` rows,
    with ``history`` (counts read at launch) added."""

    def __init__(self, history: dict | None = None):
        super().__init__()
        self._history = dict(history or {})

    def expand(self, keyed):
        return (keyed
                | "CountLines" >> beam.CombinePerKey(_CountCombine())
                | "ToRows" >> beam.Map(_to_row, self._history))
