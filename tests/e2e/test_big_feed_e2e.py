"""Big feeds are safe (issue 13, item 3): every entry of a 50,000-entry feed is accounted for
(here: one errors row each, since every link points at the cloud metadata address that the
SSRF guard refuses), memory stays under a stated bound, and the summary's counts add up.

The runs go through ``python -m pipeline.run`` in a child process, on the default local
runner, with the feed served on 127.0.0.1. Peak memory is the child's own peak RSS
(``ru_maxrss`` of a wrapper process that only waits for it). Nothing here is timed.

The full-size check of 100,000 entries over four feeds runs with
``MOROCCO_NEWS_BIG_TESTS=1 python -m pytest -q tests/e2e/test_big_feed_e2e.py`` (about two
minutes on 2 cores); CI runs the 50,000-entry feed and the entry-cap case.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import REPO, query

MEMORY_BOUND_MB = 1500          # stated in the README ("Big feeds"); measured ~700 MB for 50,000 entries
REFUSED = "http://169.254.169.254"    # link-local: refused by the guard even with --allow-private-hosts


class _BigFeeds(BaseHTTPRequestHandler):
    """``/feed/<name>?count=N``: an RSS feed of N entries, each linking to a refused address."""

    protocol_version = "HTTP/1.1"
    cache: dict = {}

    def log_message(self, *args):
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path == "/robots.txt":
            body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
        else:
            name = parts.path.rsplit("/", 1)[-1]
            count = int(parse_qs(parts.query).get("count", ["0"])[0])
            key = (name, count)
            if key not in self.cache:
                items = "".join(f"<item><title>{name} {i}</title><link>{REFUSED}/{name}/{i}</link>"
                                f"<guid>{name}-{i}</guid></item>" for i in range(count))
                self.cache[key] = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                                   f"<title>{name}</title><link>http://example.invalid/</link>"
                                   f"<description>d</description>{items}</channel></rss>").encode("utf-8")
            body, ctype = self.cache[key], "application/rss+xml"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _BigFeeds)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    srv.server_close()


_WRAPPER = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"code": done.returncode, "out": done.stdout, "err": done.stderr,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def _run(tmp_path, server, feeds: dict, cap: int) -> dict:
    """Run the pipeline on ``feeds`` ({name: entries}); returns code, output and peak RSS (MB)."""
    config = tmp_path / "big.yaml"
    config.write_text(
        f"run: {{max_entries_per_feed: {cap}}}\n"
        "http: {max_bytes: 100000000, max_decompressed_bytes: 100000000, per_host_min_delay: 0, retries: 0}\n"
        "feeds:\n" + "".join(f"  - {{url: '{server}/feed/{name}?count={n}', name: {name}, source: {name}}}\n"
                             for name, n in feeds.items()), encoding="utf-8")
    db = tmp_path / "big.duckdb"
    cmd = [sys.executable, "-m", "pipeline.run", "--config", str(config), "--allow-private-hosts",
           "--warehouse", f"duckdb://{db}", "--run-id", "big"]
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], cwd=REPO, capture_output=True, text=True,
                          timeout=1800, env={**os.environ, "PYTHONPATH": str(REPO)})
    result = json.loads(done.stdout)
    result["db"] = db
    return result


def _summary(out: str) -> dict:
    figures = {}
    for line in out.splitlines():
        label, _, value = line.strip().rpartition("  ")
        if label and value.split(" ")[0].isdigit():
            figures[label.strip()] = int(value.split(" ")[0])
    return figures


def _check_every_entry_accounted_for(result: dict, total: int, over_cap: int = 0) -> None:
    assert result["code"] == 0, result["err"][-3000:]
    assert "Traceback" not in result["err"]
    db = result["db"]
    rows = dict(query(db, "SELECT error_type, count(*) FROM errors WHERE run_id = 'big' GROUP BY ALL"))
    distinct = query(db, "SELECT count(DISTINCT url) FROM errors WHERE run_id = 'big'")[0][0]
    assert rows == {k: v for k, v in {"blocked_private_address": total - over_cap,
                                      "over_entry_cap": over_cap}.items() if v}, rows
    assert distinct == total                                   # one row per entry, none twice
    assert query(db, "SELECT count(*) FROM stories")[0][0] == 0
    s = _summary(result["out"])
    assert s["feed entries"] == total
    assert s["over the per-feed cap (skipped)"] == over_cap and s["new, to fetch"] == total - over_cap
    assert s["errors"] == total
    print(f"\n{total:,} entries: peak RSS {result['peak_mb']:.0f} MB (bound {MEMORY_BOUND_MB} MB)")  # pytest -s shows it
    assert result["peak_mb"] < MEMORY_BOUND_MB, result["peak_mb"]


def test_a_50000_entry_feed_is_all_accounted_for_in_bounded_memory(tmp_path, server):
    result = _run(tmp_path, server, {"big": 50_000}, cap=50_000)
    _check_every_entry_accounted_for(result, 50_000)


def test_entries_over_the_cap_are_recorded_one_by_one(tmp_path, server):
    result = _run(tmp_path, server, {"capped": 5_000, "small": 300}, cap=1_000)
    _check_every_entry_accounted_for(result, 5_300, over_cap=4_000)
    skipped = query(result["db"], "SELECT min(url), count(*) FROM errors WHERE error_type = 'over_entry_cap'")[0]
    assert skipped[1] == 4_000 and "/capped/" in skipped[0]


@pytest.mark.skipif(not os.environ.get("MOROCCO_NEWS_BIG_TESTS"), reason="full-size check: set MOROCCO_NEWS_BIG_TESTS=1")
def test_100000_entries_over_four_feeds_are_all_accounted_for(tmp_path, server):
    result = _run(tmp_path, server, {f"f{i}": 25_000 for i in range(4)}, cap=25_000)
    _check_every_entry_accounted_for(result, 100_000)
