"""The clustering window read at launch (pipeline/warehouse/state.py, duckdb_setup.py)."""
from __future__ import annotations

import datetime as dt

import duckdb
from bq_emulator import bq_emulator, bq_env  # noqa: F401  (fixtures)

from pipeline.warehouse.duckdb_setup import ensure_duckdb, read_duckdb_state
from pipeline.warehouse.state import window_signatures
from transforms.cluster_rows import signature_of_row, signature_row
from transforms.cluster_stories import assign_all
from transforms.core.duckdb_lock import duckdb_writer
from transforms.write_duckdb import upsert_rows

UTC = dt.timezone.utc
TEXT = ("حجزت عناصر الدرك الملكي بإقليم تارودانت كمية من مخدر الشيرا كانت على متن سيارة رباعية الدفع، "
        "وأوقفت السائق الذي حاول الإفلات من حاجز للمراقبة على الطريق الوطنية.")


def sig_row(aid: str, fetched: dt.datetime, **changes) -> dict:
    story = {"article_id": aid, "source": "atlas", "text": TEXT, "published_at": fetched, "fetched_at": fetched}
    return {**signature_row(assign_all([signature_of_row(story)], [])[0], "run-1"), **changes}


def test_only_recent_signatures_of_the_current_scheme_are_read(tmp_path):
    path = str(tmp_path / "w.duckdb")
    ensure_duckdb(path)
    now = dt.datetime.now(UTC)
    rows = [sig_row("recent", now - dt.timedelta(days=2)),
            sig_row("old", now - dt.timedelta(days=20)),
            sig_row("other-scheme", now - dt.timedelta(days=1), scheme="minhash-a32-p64-w5-s1"),
            sig_row("broken", now - dt.timedelta(days=1), signature="not base64!"),
            sig_row("short", now - dt.timedelta(days=1), signature=None, shingles=3)]
    with duckdb_writer(path) as con:
        upsert_rows(con, "story_signatures", rows)
    state = read_duckdb_state(path, 14 * 86400)
    assert sorted(s.article_id for s in state.signatures) == ["recent", "short"]
    recent = next(s for s in state.signatures if s.article_id == "recent")
    assert recent.signature is not None and recent.cluster_id == "recent"
    assert [s.article_id for s in read_duckdb_state(path, 30 * 86400).signatures if s.article_id == "old"] == ["old"]


def test_a_file_made_before_clustering_reads_an_empty_window(tmp_path):
    path = str(tmp_path / "old.duckdb")
    ensure_duckdb(path)
    con = duckdb.connect(path)
    con.execute("DROP TABLE story_signatures")
    con.close()
    assert read_duckdb_state(path).signatures == []


def test_the_latest_row_of_an_article_wins():
    now = dt.datetime.now(UTC)
    a = sig_row("a", now - dt.timedelta(days=3), cluster_id="x")
    b = sig_row("a", now - dt.timedelta(days=1), cluster_id="y")
    assert [s.cluster_id for s in window_signatures([b, a])] == ["y"]


def test_signatures_written_by_the_bigquery_sink_are_read_back_at_launch(bq_env):
    """story_signatures rows through Beam's WriteToBigQuery into the emulator, then read_bigquery_state."""
    import apache_beam as beam
    from apache_beam.testing.test_pipeline import TestPipeline

    from pipeline.warehouse.bigquery_setup import init_bigquery, read_bigquery_state
    from transforms.write_bigquery import WriteToBigQueryWarehouse

    init_bigquery(bq_env.project, bq_env.dataset, client=bq_env.client())
    now = dt.datetime.now(UTC)
    rows = [sig_row("a1", now - dt.timedelta(hours=1)), sig_row("a2", now - dt.timedelta(days=30))]
    with TestPipeline() as p:
        _ = {"signatures": p | beam.Create(rows)} | WriteToBigQueryWarehouse(bq_env.project, bq_env.dataset, "r1")
    state = read_bigquery_state(bq_env.project, bq_env.dataset, client=bq_env.client(), cluster_window_s=14 * 86400)
    assert [s.article_id for s in state.signatures] == ["a1"]
    assert state.signatures[0] == read_duckdb_like(rows[0])


def read_duckdb_like(row: dict):
    from transforms.cluster_rows import from_signature_row

    return from_signature_row(row)
