"""Ctrl-C during a local batch run: exit 130 with one line, no worker left behind.

With the ``in_memory`` runner the DoFns run on the main thread, so SIGINT
raises KeyboardInterrupt inside a DoFn and Beam re-raises it as a
RuntimeError; that once ended in exit 1 and "(a bug ...)", with the page
workers' own KeyboardInterrupt tracebacks. Here a real run (feed and pages on
127.0.0.1, three pages quick, the rest slow) gets SIGINT in its process group,
as a terminal's Ctrl-C does, once its page workers (in their own group) are
running; they must end with it.
"""
from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import REPO, serve
from hostile_server import article_html, rss


class _Site(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):  # noqa: N802 - http.server's name
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/feed.xml":
            body = rss([{"title": f"t{i}", "link": f"{base}/a/{i}"} for i in range(1, 11)]).encode("utf-8")
        elif self.path.startswith("/a/"):
            n = int(self.path.rsplit("/", 1)[1])
            if n > 3:
                time.sleep(20)                       # still being fetched when Ctrl-C comes
            body = article_html(n).encode("utf-8")
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml" if self.path == "/feed.xml" else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def site():
    with serve(_Site) as url:
        yield url


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout
    return bool(state.strip()) and not state.strip().startswith("Z")       # a zombie has ended


def _worker_pids(parent: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=,ppid=,args=", "-e"], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines()
            if "transforms.guarded_process" in line and int(line.split()[1]) == parent]


def test_ctrl_c_mid_run_exits_130_in_one_line_and_leaves_no_worker(tmp_path, site):
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.run", "--feed", f"{site}/feed.xml", "--allow-private-hosts",
         "--warehouse", f"duckdb:///{tmp_path / 'w.duckdb'}", "--run-id", "ctrl-c"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _worker_pids(proc.pid) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)                           # the quick pages reach the page workers
        assert _worker_pids(proc.pid), "the page workers never started"
        time.sleep(1.0)
        workers = _worker_pids(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)           # the terminal's Ctrl-C: the run's process group
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, (out[-1500:], err[-3000:])
    assert err.strip().splitlines()[-1].startswith("error: interrupted;"), err[-3000:]
    assert "Traceback" not in err and "a bug" not in err, err[-3000:]
    deadline = time.monotonic() + 10
    while (_group_alive(proc.pid) or any(_alive(w) for w in workers)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _group_alive(proc.pid)
    assert not [w for w in workers if _alive(w)], "a page worker outlived its run"
