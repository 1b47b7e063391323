"""The HTTP client against the hostile server on 127.0.0.1: one exact outcome per case."""
from __future__ import annotations

import time

import pytest
from hostile_server import ARABIC_STORY

from transforms.http_client import BlockedURL, FetchError, HttpClient, HttpSettings
from transforms.robots import HostGate

FAST = dict(connect_timeout=1, read_timeout=1, total_deadline=1.5, retries=2, backoff_base=0.01,
            backoff_max=0.02, retry_after_max=2, per_host_min_delay=0, per_host_concurrency=4)


@pytest.fixture
def client(srv):
    HostGate.reset_all()
    srv.reset()
    c = HttpClient(HttpSettings(allow_private_hosts=True, **FAST))
    yield c
    c.close()


def fails(client, url, kind="page"):
    with pytest.raises(FetchError) as err:
        client.get(url, kind=kind)
    return err.value


def test_good_page_identifies_the_project(client, srv):
    r = client.get(srv.url("/articles/1"))
    assert r.status == 200 and ARABIC_STORY in r.text and r.attempts == 1
    agent = dict(srv.requests[-1][1])["User-Agent"]
    assert "morocco-news-security" in agent and "+https://" in agent


@pytest.mark.parametrize("path,encoding", [("/pages/cp1256", "cp1256"), ("/pages/meta-cp1256", "cp1256"),
                                           ("/pages/iso-8859-6", "iso8859-6")])
def test_arabic_legacy_charsets(client, srv, path, encoding):
    r = client.get(srv.url(path))
    assert r.encoding == encoding and ARABIC_STORY in r.text


def test_invalid_utf8_bytes_are_replaced_not_fatal(client, srv):
    r = client.get(srv.url("/pages/bad-utf8"))
    assert r.encoding == "utf-8+replace" and "\ufffd" in r.text and ARABIC_STORY in r.text


def test_gzip_is_decoded_and_a_bomb_is_stopped(client, srv):
    assert ARABIC_STORY in client.get(srv.url("/gzip-ok")).text
    err = fails(client, srv.url("/bomb"))
    assert (err.error_type, err.http_status, err.attempts) == ("decompression_bomb", 200, 1)


def test_ten_megabyte_feed_is_cut_off(client, srv):
    err = fails(client, srv.url("/feeds/huge.xml"), kind="feed")
    assert err.error_type == "too_large" and err.attempts == 1


@pytest.mark.parametrize("path,error_type,status", [("/status/404", "http_404", 404), ("/status/410", "http_410", 410),
                                                    ("/status/403", "http_403", 403)])
def test_client_errors_are_not_retried(client, srv, path, error_type, status):
    err = fails(client, srv.url(path))
    assert (err.error_type, err.http_status, err.attempts) == (error_type, status, 1)
    assert srv.hits[path] == 1


def test_500_then_success_is_retried(client, srv):
    r = client.get(srv.url("/flaky/a"))
    assert r.status == 200 and r.attempts == 2 and srv.hits["/flaky/a"] == 2


def test_5xx_retries_run_out(client, srv):
    err = fails(client, srv.url("/always500"))
    assert (err.error_type, err.http_status, err.attempts) == ("http_5xx", 503, 3)
    assert srv.hits["/always500"] == 3


def test_429_retry_after_is_honoured(client, srv):
    start = time.monotonic()
    r = client.get(srv.url("/limited/a"))
    assert r.status == 200 and r.attempts == 2
    assert time.monotonic() - start >= 0.9          # waited the server's Retry-After: 1


def test_slow_drip_body_and_headers_hit_the_deadline(client, srv):
    for path in ("/drip", "/drip-headers"):
        start = time.monotonic()
        err = fails(client, srv.url(path))
        assert err.error_type == "deadline", path
        assert time.monotonic() - start < 1.5 + 1 + 0.5     # deadline + one read timeout + slack
        assert srv.hits[path] == 1                             # a deadline is not retried


def test_redirects(client, srv):
    err = fails(client, srv.url("/loop/a"))
    assert err.error_type == "redirect_loop"
    err = fails(client, srv.url("/chain/9"))
    assert err.error_type == "too_many_redirects" and srv.hits["/chain/3"] == 0
    r = client.get(srv.url("/chain/3"))
    assert r.final_url == srv.url("/chain/0") and r.url == srv.url("/chain/3")


@pytest.mark.parametrize("target,error_type", [("http://169.254.169.254/latest/meta-data/", "blocked_private_address"),
                                               ("file:///etc/passwd", "blocked_scheme")])
def test_redirect_hops_are_guarded(client, srv, target, error_type):
    err = fails(client, srv.url(f"/redirect?to={target}"))
    assert isinstance(err, BlockedURL) and err.error_type == error_type


def test_redirect_to_loopback_with_the_guard_on(srv):
    """First hop: a name the stub resolver maps to 127.0.0.1 and that is allow-listed;
    the redirect to 127.0.0.1 itself must be refused, and never reach the server."""
    HostGate.reset_all()
    srv.reset()
    resolve = lambda host, port: ["127.0.0.1"] if host == "news.test" else (_ for _ in ()).throw(OSError(host))
    c = HttpClient(HttpSettings(private_allowlist=("news.test",), respect_robots=False, **FAST), resolve=resolve)
    assert c.get(f"http://news.test:{srv.port}/articles/5").status == 200
    with pytest.raises(BlockedURL) as err:
        c.get(f"http://news.test:{srv.port}/redirect?to={srv.url('/articles/77')}")
    assert err.value.error_type == "blocked_private_address"
    assert srv.hits["/articles/77"] == 0


def test_guard_is_on_by_default(srv):
    srv.reset()
    c = HttpClient(HttpSettings(**FAST))
    with pytest.raises(BlockedURL) as err:
        c.get(srv.url("/articles/1"))
    assert err.value.error_type == "blocked_private_address" and sum(srv.hits.values()) == 0


@pytest.mark.parametrize("path", ["/doc.pdf", "/img.png", "/sneaky-pdf"])
def test_non_html_content_is_refused(client, srv, path):
    err = fails(client, srv.url(path))
    assert (err.error_type, err.http_status) == ("unsupported_content_type", 200)


def test_robots_txt(client, srv):
    err = fails(client, srv.url("/private/secret"))
    assert err.error_type == "robots_disallowed" and srv.hits["/private/secret"] == 0
    assert client.get(srv.url("/private/secret"), respect_robots=False).status == 200
    client.get(srv.url("/articles/1"))
    assert srv.hits["/robots.txt"] == 1                # cached per host


def test_conditional_get_returns_304_as_a_response(client, srv):
    r = client.get(srv.url("/feeds/good.xml"), kind="feed")
    etag = r.headers["etag"]
    r2 = client.get(srv.url("/feeds/good.xml"), kind="feed", headers={"If-None-Match": etag})
    assert r2.status == 304 and r2.body == b""


def test_per_host_min_delay_spaces_requests(srv):
    HostGate.reset_all()
    c = HttpClient(HttpSettings(allow_private_hosts=True, respect_robots=False,
                                **{**FAST, "per_host_min_delay": 0.3}))
    start = time.monotonic()
    for _ in range(3):
        c.get(srv.url("/articles/1"))
    assert time.monotonic() - start >= 0.6


def test_settings_from_config():
    s = HttpSettings.from_config({"max_bytes": 1000, "retries": "2", "respect_robots": False,
                                  "contact_url": "https://example.org/contact"})
    assert (s.max_bytes, s.retries, s.respect_robots) == (1000, 2, False)
    assert "https://example.org/contact" in s.user_agent
    with pytest.raises(ValueError, match="unknown HTTP setting 'max_byte'"):
        HttpSettings.from_config({"max_byte": 3})
    with pytest.raises(ValueError, match="must be a int"):
        HttpSettings.from_config({"retries": "many"})
    with pytest.raises(ValueError, match="must be > 0"):
        HttpSettings.from_config({"total_deadline": 0})
