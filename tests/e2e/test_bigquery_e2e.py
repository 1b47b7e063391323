"""End to end on a BigQuery emulator: the sample job into ``bigquery:PROJECT.DATASET``,
compared field by field with the DuckDB run of the same sample.

Both warehouses get the same two runs (same sample port, so the same story
URLs and ids): ``python -m pipeline.warehouse init``, ``pipeline.run --sample``
and a rerun. The BigQuery rows go through the project's sink
(``transforms/write_bigquery.py``: Beam's ``WriteToBigQuery`` with streaming
inserts, its ``test_client`` pointed at the emulator) and are read back with
google-cloud-bigquery. Then ``feeds status``, ``report`` and ``reclassify`` run
against the emulator, and every analyst view is compared with DuckDB's.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid

import duckdb
import pytest
import yaml
from bq_emulator import PROJECT, BigQueryTarget, bq_emulator  # noqa: F401  (fixture)
from helpers import SAMPLE_SITE, free_port

from pipeline.report.data import Filters, bigquery_runner, duckdb_runner, fetch
from pipeline.run import run
from pipeline.tools import feed_status, reclassify
from pipeline.warehouse import cli as warehouse_cli
from pipeline.warehouse.views import view_names
from transforms.core import schema

RUN_SPECIFIC = {"run_id", "fetched_at"}          # differ between any two runs by design
TIMESTAMPS = {f.name for f in schema.FEED_STATE if f.type == "TIMESTAMP"}


@pytest.fixture(scope="module")
def runs(bq_emulator, tmp_path_factory):  # noqa: F811
    """(BigQuery target, DuckDB path): both after a first run and a rerun of the sample."""
    port = str(free_port())
    duck = tmp_path_factory.mktemp("bq_e2e") / "sample.duckdb"
    target = BigQueryTarget(bq_emulator.host, PROJECT, f"e2e_{uuid.uuid4().hex[:8]}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BIGQUERY_EMULATOR_HOST", bq_emulator.host)
        assert warehouse_cli.main(["init", "--warehouse", target.uri]) == 0
        for run_id in ("first", "second"):
            assert run(["--sample", "--sample-port", port, "--warehouse", target.uri, "--run-id", run_id]) == 0
        mp.delenv("BIGQUERY_EMULATOR_HOST")
        for run_id in ("first", "second"):
            assert run(["--sample", "--sample-port", port, "--warehouse", f"duckdb:///{duck}",
                        "--run-id", run_id]) == 0
    return target, duck


@pytest.fixture
def emulator_env(bq_emulator, monkeypatch):  # noqa: F811
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", bq_emulator.host)


def duck_rows(path, sql: str) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]
    finally:
        con.close()


def norm(value):
    """One comparable form for both warehouses' Python values."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc)
    if isinstance(value, (list, tuple)):
        return tuple(norm(v) for v in value)
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):   # numpy / Decimal-like scalars
        return norm(value.item())
    return value


def norm_rows(rows: list[dict], drop=()) -> list[tuple]:
    return sorted((tuple((k, norm(v)) for k, v in sorted(r.items()) if k not in drop) for r in rows), key=repr)


def test_stories_are_the_duckdb_rows_field_by_field(runs):
    target, duck = runs
    manifest = yaml.safe_load((SAMPLE_SITE / "manifest.yaml").read_text(encoding="utf-8"))
    cols = ", ".join(f"`{c}`" for c in schema.column_names("stories"))
    bq = target.rows(f"SELECT {cols} FROM `{{p}}.{{d}}.stories`")
    dk = duck_rows(duck, "SELECT * FROM stories")
    assert len(bq) == len(dk) == manifest["expected_story_count"]
    assert all(r["fetched_at"] is not None and r["run_id"] == "first" for r in bq)
    by_id = {r["article_id"]: r for r in dk}
    assert sorted(by_id) == sorted(r["article_id"] for r in bq)
    for row in bq:
        other = by_id[row["article_id"]]
        for col in schema.column_names("stories"):
            if col not in RUN_SPECIFIC:
                assert norm(row[col]) == norm(other[col]), (row["url"], col)


def test_rerun_adds_no_rows_and_no_duplicates(runs):
    target, _ = runs
    assert target.rows("SELECT COUNT(*) AS n FROM `{p}.{d}.stories` WHERE run_id = 'second'") == [{"n": 0}]
    dupes = target.rows("SELECT article_id, COUNT(*) AS n FROM `{p}.{d}.stories` GROUP BY article_id HAVING n > 1")
    assert dupes == []
    assert target.rows("SELECT COUNT(*) AS n FROM `{p}.{d}.stories_current`") == \
        target.rows("SELECT COUNT(*) AS n FROM `{p}.{d}.stories`")


def test_errors_of_each_run_are_the_duckdb_errors(runs):
    target, duck = runs
    cols = [c for c in schema.column_names("errors") if c not in ("run_id", "at")]
    select = ", ".join(f"`{c}`" for c in cols)
    for run_id in ("first", "second"):
        bq = target.rows(f"SELECT {select} FROM `{{p}}.{{d}}.errors` WHERE run_id = @r", r=run_id)
        dk = duck_rows(duck, f"SELECT {select.replace('`', '')} FROM errors WHERE run_id = '{run_id}'")
        assert bq and norm_rows(bq) == norm_rows(dk), run_id


def test_feed_state_is_the_duckdb_feed_state(runs):
    target, duck = runs
    bq = target.rows("SELECT * FROM `{p}.{d}.feed_state_current`")
    dk = duck_rows(duck, "SELECT * FROM feed_state")
    assert len(bq) == len(dk) > 0
    # Poll times differ between the runs; whether each is set must not.
    def comparable(rows):
        return norm_rows([{k: (v is not None if k in TIMESTAMPS else v) for k, v in r.items()} for r in rows])
    assert comparable(bq) == comparable(dk)
    # The failing sample feed keeps its streak across runs (folded, not reset per poll).
    assert max(r["consecutive_failures"] for r in bq) == 2


def test_source_lines_are_the_duckdb_source_lines(runs):
    target, duck = runs
    bq = target.rows("SELECT source, line_hash, MAX(articles) AS articles FROM `{p}.{d}.source_lines` "
                     "GROUP BY source, line_hash")
    dk = duck_rows(duck, "SELECT source, line_hash, articles FROM source_lines")
    assert len(bq) > 0 and norm_rows(bq) == norm_rows(dk)


@pytest.mark.parametrize("view", view_names())
def test_analyst_views_give_the_duckdb_numbers(runs, view):
    target, duck = runs
    bq = target.rows(f"SELECT * FROM `{{p}}.{{d}}.{view}`")
    dk = duck_rows(duck, f"SELECT * FROM {view}")
    drop = RUN_SPECIFIC if view == "stories_current" else ()
    assert len(bq) == len(dk) > 0
    assert norm_rows(bq, drop) == norm_rows(dk, drop)


def test_feeds_status_on_bigquery_prints_what_duckdb_prints(runs, emulator_env, capsys):
    target, duck = runs
    assert feed_status.main(["status", "--warehouse", target.uri]) == 0
    bq = capsys.readouterr().out
    assert feed_status.main(["status", "--warehouse", f"duckdb:///{duck}"]) == 0
    dk = capsys.readouterr().out
    ages = re.compile(r"\d+[mhd] ago")
    assert "127.0.0.1" in bq and ages.sub("N ago", bq) == ages.sub("N ago", dk)


def test_report_on_bigquery_has_the_duckdb_numbers(runs, emulator_env, tmp_path):
    from pipeline.report import cli as report_cli

    target, duck = runs
    bq = fetch(bigquery_runner(target.project, target.dataset), "bigquery", Filters())
    con = duckdb.connect(str(duck), read_only=True)
    try:
        dk = fetch(duckdb_runner(con), "duckdb", Filters())
    finally:
        con.close()
    for part in ("arabic_daily", "category_daily", "places", "known_places", "coverage", "latest"):
        assert norm_rows(getattr(bq, part)) == norm_rows(getattr(dk, part)), part
    assert {k: norm(v) for k, v in bq.totals.items()} == {k: norm(v) for k, v in dk.totals.items()}
    out = tmp_path / "report.html"
    assert report_cli.main(["--warehouse", target.uri, "--out", str(out)]) == 0
    assert out.stat().st_size > 10_000


def test_reclassify_on_bigquery_rewrites_changed_labels_only(runs, emulator_env, capsys):
    target, _ = runs
    victim = target.rows("SELECT article_id, is_security, categories FROM `{p}.{d}.stories` "
                         "WHERE is_security ORDER BY article_id LIMIT 1")[0]
    target.client().query(
        f"UPDATE `{target.project}.{target.dataset}.stories` SET is_security = FALSE, categories = [] "
        f"WHERE article_id = '{victim['article_id']}'").result()
    assert reclassify.main(["--warehouse", target.uri]) == 0
    assert "1 rows changed" in capsys.readouterr().out
    again = target.rows("SELECT is_security, categories FROM `{p}.{d}.stories` WHERE article_id = @a",
                        a=victim["article_id"])
    assert again == [{"is_security": True, "categories": victim["categories"]}]
    assert reclassify.main(["--warehouse", target.uri]) == 0
    assert "0 rows changed" in capsys.readouterr().out


def test_a_run_killed_mid_write_then_rerun_leaves_every_story_once(bq_emulator, tmp_path):  # noqa: F811
    """SIGKILL the sample job while its rows are landing (one insert per row), rerun it:
    every sample story is there, once."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from helpers import REPO

    manifest = yaml.safe_load((SAMPLE_SITE / "manifest.yaml").read_text(encoding="utf-8"))
    total = manifest["expected_story_count"]
    target = BigQueryTarget(bq_emulator.host, PROJECT, f"killed_{uuid.uuid4().hex[:8]}")
    port = str(free_port())
    env = {**os.environ, "BIGQUERY_EMULATOR_HOST": bq_emulator.host}
    assert subprocess.run([sys.executable, "-m", "pipeline.warehouse", "init", "--warehouse", target.uri],
                          env=env, cwd=REPO, capture_output=True).returncode == 0
    argv = [sys.executable, "-m", "pipeline.run", "--sample", "--sample-port", port, "--warehouse", target.uri]
    job = subprocess.Popen(argv + ["--run-id", "killed", "--write-batch-size", "1"], env=env, cwd=REPO,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    landed = 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and job.poll() is None:
            landed = target.rows("SELECT COUNT(*) AS n FROM `{p}.{d}.stories`")[0]["n"]
            if landed:
                break
            time.sleep(0.05)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
        job.wait()
    assert job.returncode == -signal.SIGKILL, "the job ended before it could be killed"
    at_kill = target.rows("SELECT COUNT(*) AS n FROM `{p}.{d}.stories`")[0]["n"]
    assert 0 < landed <= at_kill < total, (landed, at_kill, total)
    done = subprocess.run(argv + ["--run-id", "rerun"], env=env, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = target.rows("SELECT article_id, run_id FROM `{p}.{d}.stories`")
    assert len(rows) == len({r["article_id"] for r in rows}) == total
    assert sum(r["run_id"] == "rerun" for r in rows) == total - at_kill
    assert target.rows("SELECT COUNT(*) AS n FROM `{p}.{d}.stories_current`") == [{"n": total}]
