"""The BigQuery sink: which Beam write method it picks, and a TestPipeline through
Beam's own WriteToBigQuery into a real BigQuery emulator."""
from __future__ import annotations

import datetime as dt
import pickle

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from bq_emulator import bq_emulator, bq_env  # noqa: F401  (fixtures)

from pipeline.warehouse.bigquery_setup import init_bigquery
from transforms.bigquery_client import EmulatorBeamClient
from transforms.core import schema
from transforms.core.records import ErrorRecord, FeedStatus
from transforms.write_bigquery import WriteToBigQueryWarehouse, feed_status_row

UTC = dt.timezone.utc
FEED = "http://127.0.0.1:9/rss"


def story(i: int, **over) -> dict:
    r = {f.name: ([] if f.mode == "REPEATED" else None) for f in schema.STORIES}
    r.update(article_id=f"id{i}", url=f"http://127.0.0.1:9/{i}", canonical_url=f"http://127.0.0.1:9/{i}",
             source="x", fetched_at=dt.datetime(2026, 11, 3, 9, tzinfo=UTC), run_id="r1",
             title="عنوان", published_at=dt.datetime(2026, 11, 2, 23, 30, tzinfo=UTC),
             categories=["drugs"], places=["طنجة"], security_score=0.75, is_security=True)
    r.update(over)
    return r


def test_write_method_production_and_emulator(monkeypatch):
    monkeypatch.delenv("BIGQUERY_EMULATOR_HOST", raising=False)
    assert WriteToBigQueryWarehouse("p", "d", "r").method == "FILE_LOADS"
    streaming = WriteToBigQueryWarehouse("p", "d", "r", streaming=True)
    assert streaming.method == "STREAMING_INSERTS" and streaming.test_client is None
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", "127.0.0.1:9050")
    sink = WriteToBigQueryWarehouse("p", "d", "r")
    assert sink.method == "STREAMING_INSERTS"
    client = pickle.loads(pickle.dumps(sink.test_client))
    assert isinstance(client, EmulatorBeamClient) and (client.host, client.project) == ("http://127.0.0.1:9050", "p")
    assert client._api().url == "http://127.0.0.1:9050/bigquery/v2/"


def test_feed_state_rows_fold_into_the_previous_row():
    t0 = dt.datetime(2026, 11, 2, 8, tzinfo=UTC)
    previous = feed_status_row(FeedStatus(FEED, t0, "ok", 200, etag='"v1"', new_entries=3))
    failed = feed_status_row(FeedStatus(FEED, t0 + dt.timedelta(hours=1), "error", 503), previous)
    assert failed["consecutive_failures"] == 1 and failed["etag"] == '"v1"'
    assert failed["last_new_entry_at"] == t0 and failed["entries_total"] == 3


def test_sink_writes_every_table_through_beam_into_the_emulator(bq_env):
    init_bigquery(bq_env.project, bq_env.dataset, client=bq_env.client())
    t0 = dt.datetime(2026, 11, 3, 8, tzinfo=UTC)
    previous = {FEED: feed_status_row(FeedStatus(FEED, t0 - dt.timedelta(hours=2), "error", 500))}
    bad = story(3, url=None)                         # REQUIRED url missing: refused before the write
    statuses = [FeedStatus(FEED, t0, "error", 503), FeedStatus(FEED, t0 + dt.timedelta(minutes=10), "error", 503)]
    with TestPipeline() as p:
        sink = WriteToBigQueryWarehouse(bq_env.project, bq_env.dataset, "r1", batch_size=2, feed_state=previous)
        _ = {
            "stories": p | "S" >> beam.Create([story(1), story(2), bad]),
            "errors": p | "E" >> beam.Create([ErrorRecord("fetch_page", "http://127.0.0.1:9/x", "http_404", "404",
                                                          http_status=404, feed_url=FEED, source="x")]),
            "feed_status": p | "F" >> beam.Create(statuses),
            "source_lines": p | "L" >> beam.Create([{"source": "x", "line_hash": "h", "line_sample": "سطر",
                                                     "articles": 4, "last_seen": t0}]),
        } | sink
    stories = bq_env.rows("SELECT article_id, published_at, categories, security_score FROM `{p}.{d}.stories` "
                          "ORDER BY article_id")
    assert [s["article_id"] for s in stories] == ["id1", "id2"]
    assert stories[0]["published_at"] == dt.datetime(2026, 11, 2, 23, 30, tzinfo=UTC)
    assert stories[0]["categories"] == ["drugs"] and stories[0]["security_score"] == 0.75
    errors = bq_env.rows("SELECT stage, url, error_type, run_id FROM `{p}.{d}.errors` ORDER BY stage")
    assert [(e["stage"], e["error_type"], e["run_id"]) for e in errors] == [
        ("fetch_page", "http_404", "r1"), ("write", "bq_RowError", "r1")]
    assert errors[1]["url"] is None
    rows = bq_env.rows("SELECT consecutive_failures, last_status FROM `{p}.{d}.feed_state` "
                       "ORDER BY consecutive_failures")
    assert rows == [{"consecutive_failures": 2, "last_status": "error:503"},
                    {"consecutive_failures": 3, "last_status": "error:503"}]
    current = bq_env.rows("SELECT consecutive_failures, last_polled_at FROM `{p}.{d}.feed_state_current`")
    assert current == [{"consecutive_failures": 3, "last_polled_at": t0 + dt.timedelta(minutes=10)}]
    assert bq_env.rows("SELECT line_sample, articles FROM `{p}.{d}.source_lines`") == [
        {"line_sample": "سطر", "articles": 4}]


def test_rows_written_twice_count_once_in_the_views(bq_env):
    """The emulator keeps both copies of a retried insert (no insert-id dedup);
    stories_current and the analyst views must count the story once."""
    init_bigquery(bq_env.project, bq_env.dataset, client=bq_env.client())
    client = bq_env.client()
    table = f"{bq_env.project}.{bq_env.dataset}.stories"
    row = schema.to_json_row(story(7, language="ar"))
    for _ in range(2):
        assert client.insert_rows_json(table, [row], row_ids=["same-insert-id"]) == []
    assert bq_env.rows("SELECT COUNT(*) AS n FROM `{p}.{d}.stories`") == [{"n": 2}]
    assert bq_env.rows("SELECT COUNT(*) AS n FROM `{p}.{d}.stories_current`") == [{"n": 1}]
    daily = bq_env.rows("SELECT `date`, security_stories, arabic_stories FROM `{p}.{d}.security_daily` "
                        "WHERE category = 'ALL'")
    # 23:30 UTC on 2 November is 00:30 on the 3rd in Casablanca (UTC+1).
    assert daily == [{"date": dt.date(2026, 11, 3), "security_stories": 1, "arabic_stories": 1}]
