"""Issue 17, item 4: a rerun over unchanged feeds does no extraction work and starts no Beam graph.

Three fictional outlets (tests/syndication_site.py) on 127.0.0.1, served with
ETag / Last-Modified. Run 1 stores every story; run 2 over the same site gets
304 for every feed: it prints "nothing new", fetches no article, records the
polls in feed_state (status not_modified, a later last_polled_at) and never
imports the graph, the page worker, trafilatura or the model. Run 3, after one
outlet published a new story, goes through the pipeline again and stores it.
"""
from __future__ import annotations

import subprocess
import sys

import pytest
import syndication_site as site
from helpers import REPO, free_port, query

from pipeline.sample.server import SampleServer

# Run in a child interpreter, so that sys.modules tells what the run imported.
_CHILD = """
import sys
from pipeline.run import run
code = run(sys.argv[1:])
heavy = sorted(m for m in ("pipeline.graph", "transforms.process_page", "transforms.process_pages",
                           "trafilatura", "transforms.security_model", "datasketch") if m in sys.modules)
print("IMPORTED", ",".join(heavy))
sys.exit(code)
"""


def _run(site_dir, db, port, config, run_id):
    with SampleServer(site_dir=site_dir, port=port) as server:
        site.write_config(config, server.base_url)
        argv = ["--config", str(config), "--warehouse", f"duckdb:///{db}", "--allow-private-hosts",
                "--run-id", run_id]
        proc = subprocess.run([sys.executable, "-c", _CHILD, *argv], cwd=REPO, capture_output=True, text=True,
                              timeout=600)
        return proc, server.article_requests()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("quick_rerun")
    port = free_port()
    db, config = root / "w.duckdb", root / "feeds.yaml"
    site.write_site(root / "site", 1)
    out = {"run1": _run(root / "site", db, port, config, "run1")}
    out["state1"] = dict(query(db, "SELECT feed_url, last_polled_at FROM feed_state"))
    out["run2"] = _run(root / "site", db, port, config, "run2")
    out["state2"] = {r[0]: r[1:] for r in query(db, "SELECT feed_url, last_polled_at, last_status FROM feed_state")}
    site.write_site(root / "site", 2)
    out["run3"] = _run(root / "site", db, port, config, "run3")
    return out, db


def test_first_run_goes_through_the_pipeline(runs):
    out, db = runs
    proc, fetched = out["run1"]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "nothing new" not in proc.stdout
    assert fetched == query(db, "SELECT count(*) FROM stories WHERE run_id = 'run1'")[0][0] > 0
    assert "pipeline.graph" in proc.stdout.split("IMPORTED")[-1]


def test_rerun_over_unchanged_feeds_skips_the_pipeline(runs):
    out, db = runs
    proc, fetched = out["run2"]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert fetched == 0
    assert "nothing new: 3 feed(s) answered 304 Not Modified" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "IMPORTED"          # no graph, no worker, no model
    assert "3: 0 ok, 3 not modified (304)" in proc.stdout                # the summary, from feed_state
    for url, (polled, status) in out["state2"].items():
        assert status == "not_modified"
        assert polled > out["state1"][url]
    assert query(db, "SELECT count(*) FROM stories WHERE run_id = 'run2'")[0][0] == 0
    assert query(db, "SELECT count(*) FROM errors WHERE run_id = 'run2'")[0][0] == 0


def test_a_changed_feed_runs_the_pipeline_and_stores_the_new_stories(runs):
    out, db = runs
    proc, fetched = out["run3"]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "nothing new" not in proc.stdout
    new = query(db, "SELECT count(*) FROM stories WHERE run_id = 'run3'")[0][0]
    assert new == len(site.expected(2)) - len(site.expected(1)) > 0
    assert fetched == new
