"""One story per ``article_id`` in a run: pages that declare the same canonical URL.

Two feed links (``/a?id=1`` and ``/2024/05/a.html``, say) can lead to two pages
whose ``rel=canonical`` names the same story: both get the same ``article_id``
(the sha1 of the story key, :mod:`transforms.build_row`). Written as they come,
DuckDB's upsert would keep whichever row landed last and BigQuery would get
both. This stage groups the finished ``(stories row, StorySignature)`` pairs by
``article_id`` before clustering and the sink, keeps one winner and turns every
other page into an ``errors`` row (stage :data:`STAGE`, error type
:data:`ERROR_TYPE`, the winner's URL in the message): nothing is lost silently.

The winner (:func:`winner_key`, deterministic whatever order the runner gives):

1. the page whose fetched URL (``url``, the feed's link canonicalised) *is*
   the canonical URL: the site's own address for the story;
2. else the longest clean text (``text_chars``): the fullest copy;
3. else the smallest ``url`` (a total order, so reruns agree).

Batch: one ``GroupByKey`` over the run (the clustering after it already waits
for the whole run). Streaming: per write window (the same fixed windows as the
writes, :class:`transforms.windowing.WindowForWrites`), then back to the global
window for the stateful clustering; two copies fetched in different windows, or
a copy arriving late after its window's pane has fired (the late trigger fires
once per late element and discards what it fired before), are not compared here (the stored story is upserted in DuckDB and ``stories_current``
keeps one row in BigQuery).
"""
from __future__ import annotations

from typing import Iterable, NamedTuple

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms import window

from transforms.core.deadletter import ERRORS, dead_letter

STAGE = "canonical_dedup"
ERROR_TYPE = "duplicate_canonical"


def winner_key(row: dict) -> tuple:
    """Sort key of a ``stories`` row among rows with its ``article_id``: the smallest wins
    (rules 1-3 of the module docstring). Never raises on a row with missing fields."""
    url = str(row.get("url") or "")
    canonical = str(row.get("canonical_url") or "")
    chars = row.get("text_chars")
    if not isinstance(chars, int):
        chars = len(row.get("text") or "")
    return (0 if url and url == canonical else 1, -chars, url)


def pick_winner(rows: Iterable[dict]) -> tuple[dict, list[dict]]:
    """``(winner, losers)`` of rows that share one ``article_id``; losers in
    :func:`winner_key` order. Raises ``ValueError`` on no rows."""
    ordered = sorted(rows, key=winner_key)
    if not ordered:
        raise ValueError("no rows to choose from")
    return ordered[0], ordered[1:]


def duplicate_letter(loser: dict, winner: dict, run_id: str = ""):
    """The ErrorRecord of a page dropped for ``winner``: stage :data:`STAGE`, error type
    :data:`ERROR_TYPE`, the loser's url, feed and source, and a message naming the
    canonical URL and the winner's URL."""
    message = (f"same canonical URL as {winner.get('url')} (canonical {winner.get('canonical_url')}, "
               f"article_id {winner.get('article_id')}); that page's row was kept")
    return dead_letter(STAGE, loser, error_type=ERROR_TYPE, message=message,
                       run_id=run_id or str(loser.get("run_id") or ""))


class PickCanonicalFn(beam.DoFn):
    """``(article_id, [(row, StorySignature), ...])`` -> the winner's pair; tagged
    ``errors``: one :func:`duplicate_letter` per other pair. Counts
    ``canonical_dedup/duplicates`` (pages dropped) and ``canonical_dedup/stories``.
    A group that cannot be ordered (a bug) lets every pair through and writes one
    dead letter, so no story is lost."""

    def __init__(self):
        self.duplicates = Metrics.counter(STAGE, "duplicates")
        self.stories = Metrics.counter(STAGE, "stories")

    def process(self, keyed):
        _, pairs = keyed
        pairs = list(pairs)
        if len(pairs) == 1:
            self.stories.inc()
            yield pairs[0]
            return
        try:
            by_row = {id(row): (row, sig) for row, sig in pairs}
            winner, losers = pick_winner(row for row, _ in pairs)
        except Exception as exc:  # noqa: BLE001 - keep every row rather than lose one
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter(STAGE, pairs[0][0], exc))
            for pair in pairs:
                self.stories.inc()
                yield pair
            return
        self.stories.inc()
        self.duplicates.inc(len(losers))
        yield by_row[id(winner)]
        for loser in losers:
            yield beam.pvalue.TaggedOutput(ERRORS, duplicate_letter(loser, winner))


class Deduplicated(NamedTuple):
    main: object      # PCollection of (stories row, StorySignature), one per article_id
    errors: object    # PCollection of ErrorRecords (duplicate_canonical)


class DedupCanonical(beam.PTransform):
    """PCollection[(stories row, StorySignature)] -> :class:`Deduplicated`.

    ``streaming``: group per fixed window of ``window_s`` seconds (late panes up to
    ``allowed_lateness_s``), then return the winners to the global window."""

    def __init__(self, streaming: bool = False, window_s: float = 600.0, allowed_lateness_s: float = 0.0):
        super().__init__()
        self.streaming = streaming
        self.window_s = window_s
        self.allowed_lateness_s = allowed_lateness_s

    def expand(self, pairs):
        if self.streaming:
            from transforms.windowing import WindowForWrites

            pairs = pairs | "PerWindow" >> WindowForWrites(self.window_s, self.allowed_lateness_s)
        out = (pairs
               | "ByArticleId" >> beam.Map(lambda pair: (pair[0]["article_id"], pair))
               | "Group" >> beam.GroupByKey()
               | "PickWinner" >> beam.ParDo(PickCanonicalFn()).with_outputs(ERRORS, main="main"))
        main, errors = out.main, out[ERRORS]
        if self.streaming:
            main = main | "BackToGlobal" >> beam.WindowInto(window.GlobalWindows())
            errors = errors | "ErrorsToGlobal" >> beam.WindowInto(window.GlobalWindows())
        return Deduplicated(main, errors)
