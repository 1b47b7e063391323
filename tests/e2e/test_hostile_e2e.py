"""End to end: the whole pipeline against the hostile server, twice.

Good items land in DuckDB, each hostile case gives its `errors` row, and a
second run over the unchanged feeds makes zero article requests.
"""
from __future__ import annotations

import duckdb
import pytest
from hostile_server import HostileServer

from transforms.robots import HostGate

run_mod = pytest.importorskip("pipeline.run")

FEEDS = ["good", "section", "nolink", "dates", "traps", "malformed", "html", "empty", "huge"]


FAST_CONFIG = """
project: {contact_url: "https://example.org/tests"}
http: {connect_timeout: 1, read_timeout: 1, total_deadline: 2, retries: 1, backoff_base: 0.01, backoff_max: 0.02,
       per_host_min_delay: 0, per_host_concurrency: 4}
feeds: [{url: "http://unused.invalid/feed"}]
"""


def _run(srv, db):
    HostGate.reset_all()
    cfg = db.parent / "fast.yaml"
    cfg.write_text(FAST_CONFIG, encoding="utf-8")
    argv = [a for f in FEEDS for a in ("--feed", srv.url(f"/feeds/{f}.xml"))]
    argv += ["--config", str(cfg), "--warehouse", f"duckdb://{db}", "--allow-private-hosts"]
    assert run_mod.run(argv) == 0


def test_hostile_feeds_end_to_end(tmp_path):
    db = tmp_path / "w.duckdb"
    with HostileServer() as srv:
        _run(srv, db)
        con = duckdb.connect(str(db), read_only=True)
        stories = {r[0].rsplit("/", 1)[-1] for r in con.execute("SELECT canonical_url FROM stories").fetchall()}
        errors = {(r[0], r[1], (r[2] or "").rsplit("/", 1)[-1])
                  for r in con.execute("SELECT stage, error_type, url FROM errors").fetchall()}
        con.close()
        assert {"1", "2", "3", "4", "6", "7", "8", "9", "10"} <= stories
        assert srv.hits["/articles/2"] == 1
        for expected in [("read_feeds", "bad_xml", "malformed.xml"), ("read_feeds", "not_a_feed", "html.xml"),
                         ("read_feeds", "empty_feed", "empty.xml"), ("read_feeds", "too_large", "huge.xml"),
                         ("read_feeds", "entry_without_link", "nolink.xml"),
                         ("fetch_page", "blocked_private_address", ""), ("fetch_page", "blocked_scheme", "passwd")]:
            assert expected in errors, (expected, sorted(errors))
        srv.reset()
        _run(srv, db)
        assert srv.article_hits() == 0
