"""TestStream tests of streaming deduplication and windowed writes.

Fixture entries are made-up text; URLs point to a made-up host.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import (
    TestStream as Stream,  # alias: pytest must not collect it
)
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import window

from transforms.core.records import FeedEntry
from transforms.dedup import (
    NEW,
    REPEAT,
    TOO_MANY_UPDATES,
    UPDATE,
    DedupEntries,
    Seen,
    decide,
    entry_article_id,
)

HORIZON = 100.0


def entry(path: str, title: str) -> FeedEntry:
    return FeedEntry(feed_url="http://news.invalid/rss", source="news", link=f"http://news.invalid/{path}",
                     title=title)


def streaming_pipeline() -> TestPipeline:
    opts = PipelineOptions(["--runner=DirectRunner"])
    opts.view_as(StandardOptions).streaming = True
    return TestPipeline(options=opts)


# --- the pure policy --------------------------------------------------------------

def test_decide_policy():
    verdict, state = decide(None, "a")
    assert (verdict, state) == (NEW, Seen("a", 0))
    assert decide(state, "a") == (REPEAT, state)
    verdict, state = decide(state, "b", max_updates=1)
    assert (verdict, state) == (UPDATE, Seen("b", 1))
    assert decide(state, "c", max_updates=1) == (TOO_MANY_UPDATES, state)


def test_entry_article_id_ignores_tracking_parameters():
    a = entry("x/1", "t")
    b = FeedEntry(feed_url=a.feed_url, source="news", link=a.link + "?utm_source=rss", title="t")
    assert entry_article_id(a) == entry_article_id(b)


# --- TestStream -------------------------------------------------------------------

def _poll(stream: Stream, at: float, entries) -> Stream:
    """One poll: entries stamped with the poll time, then the watermark moves to it."""
    return (stream.add_elements([window.TimestampedValue(e, at) for e in entries])
            .advance_watermark_to(at))


def test_same_story_in_three_polls_is_emitted_once():
    s = Stream()
    for t in (10, 20, 30):
        s = _poll(s, t, [entry("a", "Title A"), entry(f"other{t}", "Other")])
    s = s.advance_watermark_to_infinity()
    with streaming_pipeline() as p:
        out = p | s | DedupEntries(HORIZON) | beam.Map(lambda e: e.link.rsplit("/", 1)[1])
        assert_that(out, equal_to(["a", "other10", "other20", "other30"]))


def test_updated_title_passes_once_then_repeats_are_dropped():
    s = Stream()
    s = _poll(s, 10, [entry("a", "First title")])
    s = _poll(s, 20, [entry("a", "First  title ")])        # whitespace only: a repeat
    s = _poll(s, 30, [entry("a", "Corrected title")])      # new title: an update
    s = _poll(s, 40, [entry("a", "Corrected title")])      # repeat of the update
    s = s.advance_watermark_to_infinity()
    with streaming_pipeline() as p:
        out = p | s | DedupEntries(HORIZON) | beam.Map(lambda e: e.title)
        assert_that(out, equal_to(["First title", "Corrected title"]))


def test_update_budget_is_bounded():
    s = Stream()
    for i, t in enumerate((10, 20, 30, 40)):
        s = _poll(s, t, [entry("a", f"Title v{i}")])
    s = s.advance_watermark_to_infinity()
    with streaming_pipeline() as p:
        out = p | s | DedupEntries(HORIZON, max_updates=1) | beam.Map(lambda e: e.title)
        assert_that(out, equal_to(["Title v0", "Title v1"]))


def test_state_expires_after_the_horizon_since_last_sighting():
    s = Stream()
    s = _poll(s, 10, [entry("a", "A"), entry("b", "B")])
    s = _poll(s, 90, [entry("b", "B")])                 # b seen again: its expiry moves to 190
    s = s.advance_watermark_to(150)                      # a (expiry 110) is forgotten, b is not
    s = _poll(s, 160, [entry("a", "A"), entry("b", "B")])
    s = s.advance_watermark_to_infinity()
    with streaming_pipeline() as p:
        out = p | s | DedupEntries(HORIZON) | beam.Map(lambda e: e.link.rsplit("/", 1)[1])
        # a comes back after expiry and passes again; b never expired
        assert_that(out, equal_to(["a", "b", "a"]))


def test_without_expiry_nothing_passes_twice():
    # Control for the test above: same stream, a horizon longer than the gap.
    s = Stream()
    s = _poll(s, 10, [entry("a", "A")])
    s = s.advance_watermark_to(150)
    s = _poll(s, 160, [entry("a", "A")])
    s = s.advance_watermark_to_infinity()
    with streaming_pipeline() as p:
        out = p | s | DedupEntries(1000.0) | beam.Map(lambda e: e.link.rsplit("/", 1)[1])
        assert_that(out, equal_to(["a"]))


def test_late_duplicate_is_still_dropped():
    s = Stream()
    s = _poll(s, 50, [entry("a", "A")])
    s = s.advance_watermark_to(80)
    s = s.add_elements([window.TimestampedValue(entry("a", "A"), 5)])    # late, behind the watermark
    s = s.advance_watermark_to_infinity()
    with streaming_pipeline() as p:
        out = p | s | DedupEntries(HORIZON) | beam.Map(lambda e: e.link.rsplit("/", 1)[1])
        assert_that(out, equal_to(["a"]))


def test_late_rows_are_written_in_a_late_pane_without_repeating_the_on_time_pane():
    from transforms.windowing import WindowForWrites

    s = Stream()
    s = s.add_elements([window.TimestampedValue({"article_id": "a"}, 10),
                        window.TimestampedValue({"article_id": "b"}, 20)])
    s = s.advance_watermark_to(200)                                  # window [0, 60) closes
    s = s.add_elements([window.TimestampedValue({"article_id": "late"}, 30)])   # late for [0, 60)
    s = s.add_elements([window.TimestampedValue({"article_id": "c"}, 210)])
    s = s.advance_watermark_to_infinity()
    with streaming_pipeline() as p:
        rows = p | s | WindowForWrites(window_secs=60, allowed_lateness_secs=3600)
        panes = (rows
                 | beam.Map(lambda r: (None, r["article_id"]))
                 | beam.GroupByKey()
                 | beam.ParDo(_PaneFn()))
        assert_that(panes, equal_to([(0, "ON_TIME", ("a", "b")), (0, "LATE", ("late",)),
                                     (180, "ON_TIME", ("c",))]))


class _PaneFn(beam.DoFn):
    def process(self, kv, w=beam.DoFn.WindowParam, pane=beam.DoFn.PaneInfoParam):
        yield int(w.start), pane.timing_name if hasattr(pane, "timing_name") else _timing(pane), tuple(sorted(kv[1]))


def _timing(pane) -> str:
    from apache_beam.utils.windowed_value import PaneInfoTiming

    return PaneInfoTiming.to_string(pane.timing)


def test_late_rows_survive_the_batching_sink_step(tmp_path):
    """Rows within the allowed lateness reach the write batches (GroupIntoBatches, as in the sinks)."""
    from transforms.windowing import WindowForWrites

    s = Stream()
    s = s.add_elements([window.TimestampedValue({"article_id": "a"}, 10)])
    s = s.advance_watermark_to(500)
    s = s.add_elements([window.TimestampedValue({"article_id": "late"}, 20)])
    s = s.add_elements([window.TimestampedValue({"article_id": "b"}, 510)])
    s = s.advance_watermark_to_infinity()
    out = tmp_path / "batches.txt"
    with streaming_pipeline() as p:
        (p | s | WindowForWrites(window_secs=60, allowed_lateness_secs=3600)
         | beam.Map(lambda r: ("stories", r))
         | beam.GroupIntoBatches(10)
         | beam.Map(_append_line, str(out)))
    # one batch per window pane: the late row is its own batch, nothing repeats
    assert sorted(out.read_text().split()) == ["a", "b", "late"]


def _append_line(kv, path: str) -> None:
    with open(path, "a") as f:
        f.write(",".join(sorted(r["article_id"] for r in kv[1])) + "\n")


def test_ids_stored_before_the_job_started_are_repeats():
    known = [entry_article_id(entry("old", "Old"))]
    s = Stream()
    s = _poll(s, 10, [entry("old", "Old"), entry("new", "New")])
    s = _poll(s, 20, [entry("old", "Old, edited")])          # an edit of a stored story is an update
    s = s.advance_watermark_to_infinity()
    with streaming_pipeline() as p:
        out = p | s | DedupEntries(HORIZON, known_ids=known) | beam.Map(lambda e: e.title)
        assert_that(out, equal_to(["New", "Old, edited"]))
