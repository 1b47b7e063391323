"""One story per article_id (transforms/canonical_dedup.py): the winner rule, the dead
letters, and the Beam stage in batch (TestPipeline) and streaming (TestStream, per window)."""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream as Stream  # alias: pytest must not collect it
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import window
from hypothesis import given
from hypothesis import strategies as st

from transforms.canonical_dedup import (ERROR_TYPE, STAGE, DedupCanonical, duplicate_letter, pick_winner,
                                        winner_key)
from transforms.cluster_rows import unsigned

T0 = dt.datetime(2026, 11, 16, 9, tzinfo=dt.timezone.utc)
CANON = "https://atlas.test/2026/11/casa-chira.html"


def row(url: str, text_chars: int, aid: str = "a1", canonical: str = CANON, source: str = "atlas") -> dict:
    return {"article_id": aid, "url": url, "canonical_url": canonical, "text": "ن" * text_chars,
            "text_chars": text_chars, "source": source, "feed_url": "https://atlas.test/feed", "run_id": "r1",
            "fetched_at": T0, "published_at": T0}


def test_the_page_at_the_canonical_url_wins_even_when_shorter():
    at_canonical, longer = row(CANON, 500), row("https://atlas.test/?p=17", 900)
    winner, losers = pick_winner([longer, at_canonical])
    assert winner is at_canonical and losers == [longer]


def test_else_the_longest_text_then_the_smallest_url():
    a, b, c = row("https://atlas.test/b", 500), row("https://atlas.test/c", 900), row("https://atlas.test/a", 500)
    winner, losers = pick_winner([a, b, c])
    assert winner is b and losers == [c, a]           # then by url: /a before /b


def test_no_rows_is_an_error():
    with pytest.raises(ValueError):
        pick_winner([])


@given(st.lists(st.tuples(st.sampled_from([CANON, "https://atlas.test/x", "https://atlas.test/y", ""]),
                          st.integers(0, 3)), min_size=1, max_size=6, unique=True))
def test_the_winner_does_not_depend_on_the_order(specs):
    rows = [row(url, n) for url, n in specs]
    first, _ = pick_winner(rows)
    again, losers = pick_winner(list(reversed(rows)))
    assert first is again and len(losers) == len(rows) - 1
    assert all(winner_key(first) <= winner_key(x) for x in rows)


def test_the_dead_letter_names_the_winner():
    winner, loser = row(CANON, 500), row("https://atlas.test/?p=17", 900)
    err = duplicate_letter(loser, dict(winner, article_id="a1"))
    assert (err.stage, err.error_type, err.url, err.source, err.run_id) == (
        STAGE, ERROR_TYPE, "https://atlas.test/?p=17", "atlas", "r1")
    assert CANON in err.message and "a1" in err.message


def _pairs(rows):
    return [(r, unsigned(r)) for r in rows]


def test_batch_keeps_one_row_per_article_id_and_dead_letters_the_rest():
    rows = [row("https://atlas.test/?p=17", 900), row(CANON, 500), row("https://atlas.test/amp/17", 100),
            row("https://sada.test/x", 700, aid="b2", canonical="https://sada.test/x", source="sada")]
    with TestPipeline() as p:
        out = p | beam.Create(_pairs(rows)) | DedupCanonical()
        assert_that(out.main | "Kept" >> beam.Map(lambda pair: (pair[0]["article_id"], pair[0]["url"],
                                                                 pair[1].article_id)),
                    equal_to([("a1", CANON, "a1"), ("b2", "https://sada.test/x", "b2")]), label="kept")
        assert_that(out.errors | "Err" >> beam.Map(lambda e: (e.stage, e.error_type, e.url, CANON in e.message)),
                    equal_to([(STAGE, ERROR_TYPE, "https://atlas.test/?p=17", True),
                              (STAGE, ERROR_TYPE, "https://atlas.test/amp/17", True)]), label="errors")


def _streaming_pipeline() -> TestPipeline:
    opts = PipelineOptions(["--runner=DirectRunner"])
    opts.view_as(StandardOptions).streaming = True
    return TestPipeline(options=opts)


def test_streaming_compares_copies_within_one_window():
    first = [row("https://atlas.test/?p=17", 900), row(CANON, 500)]        # one poll: same window
    later = row("https://atlas.test/amp/17", 1000)                          # a poll in a later window
    s = Stream()
    for r in first:
        s = s.add_elements([window.TimestampedValue((r, unsigned(r)), 10)])
    s = s.advance_watermark_to(700).add_elements([window.TimestampedValue((later, unsigned(later)), 700)])
    s = s.advance_watermark_to_infinity()
    with _streaming_pipeline() as p:
        out = p | s | DedupCanonical(streaming=True, window_s=600, allowed_lateness_s=60)
        assert_that(out.main | "Kept" >> beam.Map(lambda pair: pair[0]["url"]),
                    equal_to([CANON, "https://atlas.test/amp/17"]), label="kept")
        assert_that(out.errors | "Err" >> beam.Map(lambda e: e.url), equal_to(["https://atlas.test/?p=17"]),
                    label="errors")
