"""Readers and the writer share the DuckDB warehouse (issue 19, item 2).

Real processes on one real file: two sample runs started a second apart while a
reader keeps querying, and a run that starts while an analyst holds a read-only
connection. No traceback anywhere, every run's rows land, no lock file stays.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from helpers import REPO, free_port, query

from transforms.core.duckdb_lock import duckdb_reader


def _start_run(db, run_id: str, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.run", "--sample", "--sample-port", str(free_port()),
         "--warehouse", f"duckdb://{db}", "--run-id", run_id],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **env})


def test_two_runs_at_once_and_a_reader_during_them(tmp_path):
    db = tmp_path / "shared.duckdb"
    reads, failures, stop = [], [], threading.Event()

    def reader():                      # an analyst's short read-only queries, over and over
        while not stop.is_set():
            if db.exists():
                try:
                    with duckdb_reader(db, timeout=60) as con:
                        reads.append(con.execute("SELECT count(*) FROM stories").fetchall()[0][0])
                except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                    if "Catalog Error" not in str(exc):       # the tables are being created
                        failures.append(exc)
            time.sleep(0.2)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    first = _start_run(db, "first")
    time.sleep(1)
    second = _start_run(db, "second")
    out_first, _ = first.communicate(timeout=600)
    out_second, _ = second.communicate(timeout=600)
    stop.set()
    thread.join(timeout=60)
    for proc, out in ((first, out_first), (second, out_second)):
        assert "Traceback" not in out, out[-3000:]
        assert proc.returncode == 0, out[-3000:]
        assert "rows written this run" in out
    per_run = dict(query(db, "SELECT run_id, count(*) FROM stories GROUP BY run_id"))
    assert per_run["first"] == per_run["second"] > 0          # different sample ports: distinct stories
    assert not failures, failures
    assert len(reads) > 5 and reads == sorted(reads)           # the reader kept reading, rows only grew
    assert not list(tmp_path.glob("*.lock"))


def test_a_run_waits_for_an_analysts_read_only_connection(tmp_path):
    db = tmp_path / "held.duckdb"
    from pipeline.warehouse.duckdb_setup import ensure_duckdb

    ensure_duckdb(str(db))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
                               "print('ready', flush=True); time.sleep(8); c.close()", str(db)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    started = time.monotonic()
    run = _start_run(db, "after-analyst", MOROCCO_NEWS_LOCK_WAIT="120")
    out, _ = run.communicate(timeout=600)
    holder.wait(timeout=60)
    assert run.returncode == 0 and "Traceback" not in out, out[-3000:]
    assert "waiting up to 120s" in out                          # it said why it waited
    assert time.monotonic() - started > 5
    assert query(db, "SELECT count(*) FROM stories WHERE run_id = 'after-analyst'")[0][0] > 0
    assert not list(tmp_path.glob("*.lock"))
