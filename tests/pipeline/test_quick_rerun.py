"""The quick rerun's poll (pipeline/quick_rerun.py) never doubles a failing feed's requests.

A real HTTP server on 127.0.0.1 counts the requests. A feed with no stored
validators cannot answer 304, so the check must not poll at all (the pipeline
polls it, with retries); a feed that fails gets one attempt here, not the
run's retries on top of the pipeline's own.
"""
from __future__ import annotations

import http.server
from types import SimpleNamespace

import pytest
from helpers import serve

from pipeline.quick_rerun import poll_all
from transforms.core.records import FeedSpec
from transforms.http_client import HttpSettings


class _Always503(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits += 1
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def base():
    _Always503.hits = 0
    with serve(_Always503) as url:
        yield url


def _job(url: str, **validators):
    http = HttpSettings(allow_private_hosts=True, respect_robots=False, retries=3, backoff_base=0.0,
                        per_host_min_delay=0.0)
    return SimpleNamespace(http=http, feeds=[FeedSpec(url=url, name="down", source="down", **validators)])


def test_a_feed_without_validators_is_not_polled_by_the_check(base):
    url = f"{base}/feed.xml"
    assert poll_all(_job(url)) is None
    assert _Always503.hits == 0


def test_a_failing_feed_gets_one_attempt_not_the_runs_retries(base):
    url = f"{base}/feed.xml"
    assert poll_all(_job(url, etag='"v1"')) is None
    assert _Always503.hits == 1
