"""The clustering stage in Beam (transforms/cluster_stories.py): batch through TestPipeline,
streaming through TestStream; and the row conversions (transforms/cluster_rows.py)."""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream as Stream  # alias: pytest must not collect it
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import window
from test_clusters import FIRE, OTHER_SEIZURE, SEIZURE

from transforms.cluster_rows import from_signature_row, signature_of_row, signature_row, with_cluster
from transforms.cluster_stories import ClusterStories, SignStoriesFn, assign_all
from transforms.core import schema
from transforms.core.records import StorySignature

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
T0 = dt.datetime(2026, 11, 16, 9, tzinfo=UTC)


def row(aid: str, paragraphs: list[str], hours: float = 0.0, fetched: dt.datetime | None = None) -> dict:
    when = T0 + dt.timedelta(hours=hours)
    return {"article_id": aid, "source": aid.split("-")[0], "text": "\n".join(paragraphs),
            "published_at": when, "fetched_at": fetched or when + dt.timedelta(minutes=5), "url": f"http://x.invalid/{aid}"}


def pairs(rows):
    return [(r["article_id"], r["cluster_id"]) for r in rows]


def test_row_conversions_round_trip():
    r = row("atlas-1", SEIZURE)
    s = signature_of_row(r)
    assert s.signature is not None and s.story_time == r["published_at"] and s.fetched_at == r["fetched_at"]
    assigned = assign_all([s], [])[0]
    table_row = signature_row(assigned, "run-1")
    schema.validate_row("story_signatures", table_row)
    assert from_signature_row(table_row) == assigned
    out = with_cluster(r, assigned)
    assert (out["cluster_id"], out["cluster_first_seen"], out["cluster_similarity"]) == ("atlas-1", T0, None)
    alone = with_cluster(dict(r, published_at=None), None)
    assert alone["cluster_id"] == "atlas-1" and alone["cluster_first_seen"] == r["fetched_at"]


def test_a_row_that_cannot_be_signed_is_a_dead_letter_and_still_written():
    bad = dict(row("atlas-1", SEIZURE), text=12345)        # not a string
    out = list(SignStoriesFn().process(bad))
    errors = [o for o in out if isinstance(o, beam.pvalue.TaggedOutput)]
    kept = [o for o in out if not isinstance(o, beam.pvalue.TaggedOutput)]
    assert len(errors) == 1 and errors[0].value.stage == "cluster"
    assert len(kept) == 1 and kept[0][0] is bad and kept[0][1].signature is None


def test_batch_assigns_the_run_against_the_stored_window():
    stored = assign_all([signature_of_row(row("rif-1", FIRE, -48))], [])
    rows = [row("sada-1", ["تارودانت – متابعة: " + SEIZURE[0]] + SEIZURE[1:], 2), row("atlas-1", SEIZURE, 0),
            row("nabd-1", [SEIZURE[0], SEIZURE[2], SEIZURE[1]], 5), row("nabd-2", OTHER_SEIZURE, 3),
            row("atlas-2", FIRE, 1), dict(row("atlas-3", SEIZURE), text=None)]
    with TestPipeline() as p:
        out = p | beam.Create(rows) | ClusterStories(stored, "run-1")
        assert_that(out.main | "Pairs" >> beam.Map(lambda r: (r["article_id"], r["cluster_id"])),
                    equal_to([("atlas-1", "atlas-1"), ("sada-1", "atlas-1"), ("nabd-1", "atlas-1"),
                              ("nabd-2", "nabd-2"), ("atlas-2", "rif-1"), ("atlas-3", "atlas-3")]),
                    label="clusters")
        assert_that(out.signatures | beam.Map(lambda r: (r["article_id"], r["signature"] is None)),
                    equal_to([("atlas-1", False), ("sada-1", False), ("nabd-1", False), ("nabd-2", False),
                              ("atlas-2", False), ("atlas-3", True)]), label="signature rows")
        assert_that(out.errors, equal_to([]), label="no errors")


def _at(seconds: float) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=seconds)


def streaming_pipeline() -> TestPipeline:
    opts = PipelineOptions(["--runner=DirectRunner"])
    opts.view_as(StandardOptions).streaming = True
    return TestPipeline(options=opts)


def test_streaming_joins_across_polls_seeds_from_the_launch_window_and_expires():
    def undated(aid, paragraphs, t):          # story_time = fetched_at = the element's event time
        return dict(row(aid, paragraphs, fetched=_at(t)), published_at=None)

    stored = assign_all([signature_of_row(undated("rif-1", FIRE, 5))], [])
    poll = [(10, undated("atlas-1", SEIZURE, 10)),
            (20, undated("sada-1", SEIZURE[:3], 20)),             # joins atlas-1 (in state)
            (30, undated("nabd-2", FIRE, 30)),                    # joins rif-1 (the launch window)
            (2100, undated("nabd-1", SEIZURE[1:], 2100))]         # atlas-1 and sada-1 have expired
    s = Stream()
    for t, r in poll[:3]:
        s = s.add_elements([window.TimestampedValue(r, t)]).advance_watermark_to(t)
    s = s.advance_watermark_to(2000)
    s = s.add_elements([window.TimestampedValue(poll[3][1], 2100)]).advance_watermark_to_infinity()
    with streaming_pipeline() as p:
        out = p | s | ClusterStories(stored, "run-s", window_s=1000, streaming=True)
        assert_that(out.main | beam.Map(lambda r: (r["article_id"], r["cluster_id"])),
                    equal_to([("atlas-1", "atlas-1"), ("sada-1", "atlas-1"), ("nabd-2", "rif-1"),
                              ("nabd-1", "nabd-1")]), label="clusters")
        assert_that(out.signatures | beam.Map(lambda r: r["run_id"]), equal_to(["run-s"] * 4), label="rows")


def test_stored_signature_of_another_length_is_refused():
    s = assign_all([signature_of_row(row("atlas-1", SEIZURE))], [])[0]
    short = s._replace(signature=s.signature[:64])
    from transforms.clusters import ClusterIndex

    with pytest.raises(ValueError):
        ClusterIndex([short])


def test_signature_of_row_needs_the_key_columns():
    with pytest.raises(KeyError):
        signature_of_row({"text": "نص"})
    assert isinstance(signature_of_row(row("a-1", ["نص قصير"])), StorySignature)
