"""An unreadable robots.txt is recorded as what happened (refused, DNS, timeout, TLS, 5xx),
never as a robots rule (issue 13, item 7)."""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from helpers import free_port

from transforms.core.records import FeedSpec
from transforms.http_client import FetchError, HttpClient, HttpSettings
from transforms.read_feeds import ReadFeeds
from transforms.robots import HostGate, RobotsCache, RobotsUnavailable
from transforms.ssrf import FetchError as SsrfFetchError

FAST = dict(connect_timeout=1, read_timeout=0.5, total_deadline=1.5, retries=0, backoff_base=0.01,
            backoff_max=0.02, per_host_min_delay=0, allow_private_hosts=True)


class _SlowRobots(BaseHTTPRequestHandler):
    """robots.txt never comes (the client times out); every other path is a page."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/robots.txt":
            time.sleep(3)
            return
        body = b"<html><body><p>page</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def slow_robots():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowRobots)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def fresh_gates():
    HostGate.reset_all()


def _closed_port() -> int:
    port = free_port()
    with socket.socket() as s:           # nothing listens there: connections are refused
        assert s.connect_ex(("127.0.0.1", port)) != 0
    return port


@pytest.mark.parametrize("exc, kind", [
    (SsrfFetchError("connection_error", "Connection refused"), "connection_error"),
    (SsrfFetchError("dns_error", "cannot resolve x.invalid"), "dns_error"),
    (SsrfFetchError("timeout", "read timed out"), "timeout"),
    (SsrfFetchError("tls_error", "certificate verify failed"), "tls_error"),
    (OSError("boom"), "OSError"),
])
def test_robots_cache_reports_why_robots_txt_could_not_be_read(exc, kind):
    calls = []

    def fetch(url):
        calls.append(url)
        raise exc

    cache = RobotsCache(fetch, "agent")
    with pytest.raises(RobotsUnavailable) as info:
        cache.allowed("https://news.example/a")
    assert info.value.error_type == kind and "robots.txt" in info.value.message
    with pytest.raises(RobotsUnavailable):          # cached: not fetched again at once
        cache.allowed("https://news.example/b")
    assert calls == ["https://news.example/robots.txt"]
    assert cache.crawl_delay("https://news.example/a") is None


def test_robots_5xx_is_unavailable_4xx_allows_everything_rules_apply():
    answers = {"https://a.example/robots.txt": (503, ""), "https://b.example/robots.txt": (404, ""),
               "https://c.example/robots.txt": (200, "User-agent: *\nDisallow: /private/\n")}
    cache = RobotsCache(lambda url: answers[url], "agent")
    with pytest.raises(RobotsUnavailable) as info:
        cache.allowed("https://a.example/x")
    assert (info.value.error_type, info.value.http_status) == ("robots_unavailable", 503)
    assert cache.allowed("https://b.example/anything")
    assert cache.allowed("https://c.example/public") and not cache.allowed("https://c.example/private/x")


def test_refused_connection_is_a_connection_error_not_a_robots_block():
    url = f"http://127.0.0.1:{_closed_port()}/articles/1"
    client = HttpClient(HttpSettings(**FAST))
    with pytest.raises(FetchError) as info:
        client.get(url)
    assert info.value.error_type == "connection_error", info.value
    assert "robots.txt" in info.value.message


def test_robots_timeout_is_a_timeout_not_a_robots_block(slow_robots):
    client = HttpClient(HttpSettings(**FAST))
    with pytest.raises(FetchError) as info:
        client.get(slow_robots + "/articles/1")
    assert info.value.error_type in ("timeout", "deadline"), info.value
    assert "robots.txt" in info.value.message


def test_tls_failure_is_a_tls_error(slow_robots):
    # An https:// URL on a port that speaks plain HTTP: the TLS handshake fails.
    client = HttpClient(HttpSettings(**FAST))
    with pytest.raises(FetchError) as info:
        client.get(slow_robots.replace("http://", "https://") + "/articles/1")
    assert info.value.error_type == "tls_error", info.value


def test_robots_disallow_is_still_a_robots_block(srv):
    client = HttpClient(HttpSettings(**FAST))
    with pytest.raises(FetchError) as info:
        client.get(srv.url("/private/secret"))
    assert info.value.error_type == "robots_disallowed"


def test_a_feed_on_an_unreachable_host_is_recorded_as_a_connection_error():
    spec = FeedSpec(url=f"http://127.0.0.1:{_closed_port()}/feed.xml", name="gone", source="gone")
    with TestPipeline() as p:
        out = p | beam.Create([spec]) | ReadFeeds(HttpSettings(**FAST))
        assert_that(out.errors | beam.Map(lambda e: (e.stage, e.error_type)),
                    equal_to([("read_feeds", "connection_error")]), label="errors")
        assert_that(out.feed_status | beam.Map(lambda s: s.status), equal_to(["error"]), label="status")
