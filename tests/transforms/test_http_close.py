"""HttpClient.close() and the total deadline cut attempts under way, whatever they are waiting on.

A real HTTP server on 127.0.0.1 answers slowly (or 503 with a long Retry-After).
Each case used to hang for the server's full delay: a kept-alive connection
reused from the pool was never registered for cutting, and backoff / Retry-After
waits ignored close(). The bounds are far below the server's 20 s delay: what is
checked is that the attempt was cut, not how fast.
"""
from __future__ import annotations

import http.server
import threading
import time

import pytest
from helpers import serve

from transforms.http_client import FetchError, HttpClient, HttpSettings

DELAY_S = 20


class _Slow(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"                  # keep-alive: the second request reuses the connection

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.startswith("/busy"):
            self.send_response(503)
            self.send_header("Retry-After", str(DELAY_S))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/slow"):
            time.sleep(DELAY_S)
        body = b"<html><body>hi</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture()
def base():
    with serve(_Slow) as url:
        yield url


def _client(**kw) -> HttpClient:
    return HttpClient(HttpSettings(allow_private_hosts=True, respect_robots=False, per_host_min_delay=0.0,
                                   retry_after_max=60.0, **kw))


def _get_in_thread(client, url):
    out = {}

    def go():
        try:
            client.get(url)
            out["error"] = None
        except FetchError as exc:
            out["error"] = exc.error_type

    thread = threading.Thread(target=go)
    thread.start()
    return thread, out


@pytest.mark.parametrize("reuse", [False, True], ids=["new connection", "kept-alive connection"])
def test_close_cuts_an_attempt_waiting_for_its_answer(base, reuse):
    client = _client(retries=0)
    if reuse:
        client.get(f"{base}/fast")
    thread, out = _get_in_thread(client, f"{base}/slow")
    time.sleep(0.5)
    client.close()
    thread.join(timeout=DELAY_S / 2)
    assert not thread.is_alive(), "close() did not cut the attempt"
    assert out["error"] == "cancelled"


def test_close_cuts_a_retry_after_wait(base):
    client = _client(retries=2)
    thread, out = _get_in_thread(client, f"{base}/busy")
    time.sleep(1.0)
    client.close()
    thread.join(timeout=DELAY_S / 2)
    assert not thread.is_alive() and out["error"] == "cancelled"


def test_the_deadline_cuts_a_kept_alive_connection(base):
    client = _client(retries=0, total_deadline=1.0)
    client.get(f"{base}/fast")
    thread, out = _get_in_thread(client, f"{base}/slow")
    thread.join(timeout=DELAY_S / 2)
    assert not thread.is_alive() and out["error"] == "deadline"
    client.close()
