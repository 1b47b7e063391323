"""Entries left to retry are not lost (feed validators are held back).

A feed's ETag / Last-Modified / content hash are what make the next poll a
304 or "unchanged". If they were stored after a run in which one of the
feed's pages answered 503 (or entries were over the per-feed cap), the next
run would never read those entries again. Real runs (in-process, the default
local runner, a real DuckDB file) against a small news site on 127.0.0.1
whose pages can be switched to 503 between runs.
"""
from __future__ import annotations

import datetime as dt
import threading
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from helpers import query
from hostile_server import article_html, rss

from pipeline.run import run
from transforms.robots import HostGate

ETAG = '"v1"'
NOW = dt.datetime.now(dt.timezone.utc)


class _Site(ThreadingHTTPServer):
    """``/feed.xml`` (with an ETag; 304 to ``If-None-Match``) listing ``/articles/1..n``,
    newest first; paths in ``down`` answer 503, in ``gone`` 404. Records every request."""

    daemon_threads = True

    def __init__(self, n: int):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.n, self.down, self.gone, self.requests = n, set(), set(), []
        self.base = f"http://127.0.0.1:{self.server_port}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

    def feed(self) -> str:
        return rss([{"title": f"story {i}", "link": f"{self.base}/articles/{i}",
                     "pubDate": format_datetime(NOW - dt.timedelta(hours=i))} for i in range(1, self.n + 1)])

    def taken(self, prefix: str) -> list:
        out = [(p, h) for p, h in self.requests if p.startswith(prefix)]
        self.requests.clear()
        return out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Site

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes, headers: dict) -> None:
        self.send_response(status)
        for k, v in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get("If-None-Match")))
        if self.path == "/robots.txt":
            return self._send(404, b"", {})
        if self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == ETAG:
                return self._send(304, b"", {"ETag": ETAG})
            return self._send(200, self.server.feed().encode(), {"ETag": ETAG,
                                                                  "Content-Type": "application/rss+xml"})
        if self.path in self.server.down:
            return self._send(503, b"down for maintenance", {"Content-Type": "text/plain"})
        if self.path in self.server.gone:
            return self._send(404, b"no such story", {"Content-Type": "text/plain"})
        if self.path.startswith("/articles/"):
            return self._send(200, article_html(int(self.path.rsplit("/", 1)[-1])).encode(),
                              {"Content-Type": "text/html; charset=utf-8"})
        return self._send(404, b"", {})


def _run(tmp_path, site: _Site, run_id: str, cap: int = 1000) -> int:
    HostGate.reset_all()
    config = tmp_path / "fast.yaml"
    config.write_text(f"run: {{max_entries_per_feed: {cap}}}\n"
                      "http: {connect_timeout: 1, read_timeout: 1, total_deadline: 3, retries: 0, "
                      "per_host_min_delay: 0}\nfeeds: ['http://unused.invalid/feed']\n", encoding="utf-8")
    return run(["--feed", f"{site.base}/feed.xml", "--config", str(config), "--allow-private-hosts",
                "--warehouse", f"duckdb://{tmp_path / 'w.duckdb'}", "--run-id", run_id])


def _stored(tmp_path) -> list:
    return sorted(int(u.rsplit("/", 1)[-1]) for (u,) in query(tmp_path / "w.duckdb", "SELECT url FROM stories"))


def _validators(tmp_path) -> tuple:
    return query(tmp_path / "w.duckdb", "SELECT etag, content_hash, last_status FROM feed_state")[0]


def test_a_page_that_answered_503_is_fetched_on_the_next_run(tmp_path, capsys):
    with _Site(2) as site:
        site.down.add("/articles/2")
        assert _run(tmp_path, site, "r1") == 0
        assert _stored(tmp_path) == [1]
        errors = query(tmp_path / "w.duckdb", "SELECT stage, error_type, http_status, url FROM errors")
        assert errors == [("fetch_page", "http_5xx", 503, f"{site.base}/articles/2")]
        assert _validators(tmp_path) == (None, None, "ok")     # held back: story 2 is still to fetch
        site.taken("/")

        site.down.clear()                                      # the site is back
        assert _run(tmp_path, site, "r2") == 0
        feed_gets = site.taken("/feed.xml")
        assert _stored(tmp_path) == [1, 2]
        assert feed_gets and all(inm is None for _, inm in feed_gets)      # unconditional GETs only
        etag, content_hash, status = _validators(tmp_path)
        assert (etag, status) == (ETAG, "ok") and content_hash
        out = capsys.readouterr().out
        assert "nothing new" not in out                        # the quick rerun did not skip the feed

        assert _run(tmp_path, site, "r3") == 0                 # now nothing is left: a 304, no Beam
        assert "nothing new: 1 feed(s) answered 304 Not Modified" in capsys.readouterr().out
        assert [p for p, _ in site.taken("/articles/")] == []
        assert _stored(tmp_path) == [1, 2]


def test_entries_over_the_cap_are_taken_on_later_runs(tmp_path, capsys):
    with _Site(3) as site:
        for run_id, stored, etag in (("r1", [1], None), ("r2", [1, 2], None), ("r3", [1, 2, 3], ETAG)):
            assert _run(tmp_path, site, run_id, cap=1) == 0
            assert _stored(tmp_path) == stored, run_id
            assert _validators(tmp_path)[0] == etag, run_id
            over_cap = query(tmp_path / "w.duckdb", "SELECT count(*) FROM errors WHERE run_id = ? "
                             "AND error_type = 'over_entry_cap'", [run_id])[0][0]
            assert over_cap == 3 - len(stored), run_id
            pages = [p for p, _ in site.taken("/articles/")]
            assert pages == [f"/articles/{stored[-1]}"], run_id        # one new page a run, none twice
        capsys.readouterr()
        assert _run(tmp_path, site, "r4", cap=1) == 0
        assert "nothing new" in capsys.readouterr().out


def test_a_page_that_answered_404_does_not_hold_the_feed(tmp_path):
    """A 404 would fail again: the errors row is kept and the feed's validators are stored."""
    with _Site(2) as site:
        site.gone.add("/articles/2")
        assert _run(tmp_path, site, "r1") == 0
        assert query(tmp_path / "w.duckdb", "SELECT error_type FROM errors") == [("http_404",)]
        assert _validators(tmp_path)[0] == ETAG
