import datetime as dt
import multiprocessing as mp

import apache_beam as beam
import duckdb
from apache_beam.testing.test_pipeline import TestPipeline

from pipeline.warehouse.duckdb_setup import ensure_duckdb, read_duckdb_state
from pipeline.warehouse.uri import parse_warehouse
from transforms.core import schema
from transforms.core.duckdb_lock import duckdb_writer
from transforms.core.records import ErrorRecord
from transforms.write_duckdb import WriteToDuckDB, upsert_rows

UTC = dt.timezone.utc


def row(i, title="t", run="r1"):
    r = {f.name: ([] if f.mode == "REPEATED" else None) for f in schema.STORIES}
    r.update(article_id=f"id{i}", url=f"https://x.ma/{i}", canonical_url=f"https://x.ma/{i}", source="x",
             fetched_at=dt.datetime(2026, 11, 3, tzinfo=UTC), run_id=run, title=title,
             categories=["drugs", "policing_governance"], places=["طنجة"])
    return r


def test_parse_warehouse_uris(tmp_path):
    assert parse_warehouse("duckdb:///tmp/a.duckdb").path == "/tmp/a.duckdb"
    assert parse_warehouse("duckdb:///./w.duckdb").path.endswith("/w.duckdb")
    bq = parse_warehouse("bigquery:proj.news")
    assert (bq.kind, bq.project, bq.dataset) == ("bigquery", "proj", "news")
    import pytest

    from pipeline.warehouse.uri import WarehouseError
    for bad in ("postgres://x", "bigquery:onlyproject", "duckdb:///"):
        with pytest.raises(WarehouseError):
            parse_warehouse(bad)


def test_upsert_replaces_on_article_id(tmp_path):
    path = str(tmp_path / "w.duckdb")
    ensure_duckdb(path)
    with duckdb_writer(path) as con:
        upsert_rows(con, "stories", [row(1), row(2)])
        upsert_rows(con, "stories", [row(1, title="new"), row(1, title="newer")])
        assert con.execute("SELECT count(*) FROM stories").fetchone()[0] == 2
        assert con.execute("SELECT title, categories FROM stories WHERE article_id='id1'").fetchone() == \
            ("newer", ["drugs", "policing_governance"])


def test_sink_writes_stories_and_errors_idempotently(tmp_path):
    path = str(tmp_path / "w.duckdb")
    ensure_duckdb(path)
    errs = [ErrorRecord(stage="fetch_page", url="https://x.ma/404", error_type="http_404", message="Not Found",
                        http_status=404, attempts=1)]
    for run in ("r1", "r2"):
        with TestPipeline() as p:
            rows = p | "Rows" >> beam.Create([row(i, run=run) for i in range(7)])
            errors = p | "Errs" >> beam.Create(errs)
            {"stories": rows, "errors": errors} | WriteToDuckDB(path, run, batch_size=3)
    con = duckdb.connect(path, read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT article_id), min(run_id) FROM stories").fetchone() == (7, 7, "r2")
    assert con.execute("SELECT run_id, stage, error_type, http_status FROM errors ORDER BY run_id").fetchall() == [
        ("r1", "fetch_page", "http_404", 404), ("r2", "fetch_page", "http_404", 404)]
    state = read_duckdb_state(path)
    from transforms.urls import article_id

    assert set(state.known_ids) == {f"id{i}" for i in range(7)} | {article_id(f"https://x.ma/{i}") for i in range(7)}


def _write_from_process(path, start):
    with duckdb_writer(path) as con:
        upsert_rows(con, "stories", [row(i) for i in range(start, start + 50)])


def test_writer_lock_serialises_processes(tmp_path):
    path = str(tmp_path / "w.duckdb")
    ensure_duckdb(path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_write_from_process, args=(path, k * 50)) for k in range(4)]
    for pr in procs:
        pr.start()
    for pr in procs:
        pr.join(60)
        assert pr.exitcode == 0
    con = duckdb.connect(path, read_only=True)
    assert con.execute("SELECT count(*) FROM stories").fetchone()[0] == 200


def test_unwritable_warehouse_is_a_clear_error(tmp_path):
    import pytest

    from pipeline.warehouse.uri import WarehouseError
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WarehouseError, match="cannot write warehouse"):
        ensure_duckdb(str(blocker / "sub" / "w.duckdb"))


def test_ensure_adds_columns_new_to_the_schema(tmp_path):
    path = str(tmp_path / "old.duckdb")
    con = duckdb.connect(path)
    con.execute('CREATE TABLE stories ("article_id" VARCHAR PRIMARY KEY, "url" VARCHAR)')
    con.execute("INSERT INTO stories VALUES ('a', 'https://x.ma/a')")
    con.close()
    ensure_duckdb(path)
    con = duckdb.connect(path, read_only=True)
    cols = [r[0] for r in con.execute("DESCRIBE stories").fetchall()]
    assert set(schema.column_names("stories")) <= set(cols)
    assert con.execute("SELECT url, doubtful_lines_kept FROM stories").fetchall() == [("https://x.ma/a", None)]


def test_known_ids_include_the_fetched_link_when_the_page_names_another_canonical():
    from pipeline.warehouse.state import known_story_ids
    from transforms.urls import article_id

    pairs = [("id-canonical", "https://x.ma/?p=12"), ("id2", None)]
    assert set(known_story_ids(pairs)) == {"id-canonical", "id2", article_id("https://x.ma/?p=12")}
