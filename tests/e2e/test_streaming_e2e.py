"""End to end in streaming mode: ``python -m pipeline.run --streaming --sample``
on the DirectRunner against the local sample site for a few polls, into DuckDB.

Runs ``pipeline.run.run`` in-process (so the loopback-only network guard of
conftest applies) with a 2-second poll interval for 9 seconds (5 polls),
then once more into the same warehouse, as a restarted job would.
"""
from __future__ import annotations

import pytest
import yaml
from helpers import REPO, SAMPLE_SITE, free_port, query

from pipeline.run import run

MANIFEST = SAMPLE_SITE / "manifest.yaml"
POLLS = 5
INTERVAL = 2


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    path = tmp_path_factory.mktemp("stream") / "stream.duckdb"
    port = free_port()
    args = ["--streaming", "--sample", "--sample-port", str(port), "--poll-interval", str(INTERVAL),
            "--duration", str(INTERVAL * (POLLS - 1) + 1), "--warehouse", f"duckdb:///{path}"]
    assert run(args + ["--run-id", "stream-1"]) == 0
    first = {"stories": query(path, "SELECT count(*) FROM stories")[0][0]}
    assert run(args + ["--run-id", "stream-2"]) == 0
    return path, first


def test_every_sample_story_is_written_once(streamed):
    path, first = streamed
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert first["stories"] == manifest["expected_story_count"]
    rows = query(path, "SELECT article_id, canonical_url FROM stories")
    assert len(rows) == len({r[0] for r in rows}) == len({r[1] for r in rows}) == manifest["expected_story_count"]
    stored = {r[1].split("/", 3)[3] for r in rows}
    assert stored == {a["path"].lstrip("/") for a in manifest["articles"]}


def test_feeds_were_polled_every_interval_with_conditional_get(streamed):
    path, _ = streamed
    state = dict(query(path, "SELECT feed_url, last_status FROM feed_state"))
    failures = dict(query(path, "SELECT feed_url, consecutive_failures FROM feed_state"))
    healthy = [u for u, s in state.items() if not s.startswith("error")]
    broken = [u for u, s in state.items() if s.startswith("error")]
    assert len(healthy) >= 4
    # after the first poll the validators kept in Beam state make the server answer 304
    assert all(state[u] in ("not_modified", "unchanged") for u in healthy)
    # the sample's broken feed failed on every poll of both runs: the ticks really fired
    assert broken and all(failures[u] >= 2 * POLLS - 2 for u in broken)


def test_each_failing_page_was_tried_once_not_once_per_poll(streamed):
    path, _ = streamed
    rows = query(path, "SELECT url, count(*) FROM errors WHERE stage = 'fetch_page' GROUP BY url")
    assert rows and all(n == 1 for _, n in rows)


def test_restarted_job_writes_no_duplicates(streamed):
    path, first = streamed
    assert query(path, "SELECT count(*) FROM stories")[0][0] == first["stories"]
    assert query(path, "SELECT count(*) FROM stories WHERE run_id = 'stream-2'")[0][0] == 0
    dup = query(path, "SELECT article_id FROM stories GROUP BY article_id HAVING count(*) > 1")
    assert dup == []


def test_ctrl_c_stops_cleanly_with_a_summary_and_exit_0(tmp_path):
    """``python -m pipeline.run --streaming`` without --duration, then SIGINT."""
    import signal
    import subprocess
    import sys
    import time

    path = tmp_path / "ctrlc.duckdb"
    repo = REPO
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.run", "--streaming", "--sample", "--sample-port", str(free_port()),
         "--poll-interval", "2", "--warehouse", f"duckdb:///{path}", "--run-id", "ctrl-c"],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # a few polls; the first one's stories are written by then (they wait for the end of their
        # write window, where pages sharing a canonical URL are compared: about one 2-second poll)
        time.sleep(22)
        assert proc.poll() is None, "a run without --duration must keep running"
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-2000:]
    assert "streaming stopped (interrupted)" in out and "Traceback" not in out
    assert "rows in warehouse" in out
    n, distinct = query(path, "SELECT count(*), count(DISTINCT article_id) FROM stories")[0]
    assert n == distinct and n > 0
