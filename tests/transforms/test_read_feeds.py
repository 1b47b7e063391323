"""Feed parsing and polling against the hostile server, and the ReadFeeds transform."""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from hostile_server import NOW, rss

from transforms.core.records import FeedSpec
from transforms.http_client import HttpClient, HttpSettings
from transforms.read_feeds import FeedParseError, ReadFeeds, parse_feed, poll_feed
from transforms.robots import HostGate

SETTINGS = HttpSettings(allow_private_hosts=True, connect_timeout=1, read_timeout=1, total_deadline=2, retries=1,
                        backoff_base=0.01, backoff_max=0.02, per_host_min_delay=0, per_host_concurrency=4)


@pytest.fixture
def client(srv):
    HostGate.reset_all()
    srv.reset()
    c = HttpClient(SETTINGS)
    yield c
    c.close()


def spec(srv, name, **kw):
    return FeedSpec(url=srv.url(f"/feeds/{name}.xml"), name=name, source="hostile", **kw)


def parse(xml: str, **kw):
    return parse_feed(xml.encode("utf-8") if isinstance(xml, str) else xml, feed_url="http://f.test/feed",
                      source="s", language="ar", now=NOW, **kw)


def test_good_feed(client, srv):
    status, entries = poll_feed(spec(srv, "good"), client, now=NOW)
    assert (status.status, status.http_status, status.etag, status.entries, status.new_entries) == \
        ("ok", 200, '"good-v1"', 3, 3)
    assert [e.title for e in entries] == ["one", "two", "three"]
    assert entries[0].published == dt.datetime(2024, 4, 30, 12, tzinfo=dt.timezone.utc)
    assert all(e.source == "hostile" and e.feed_language == "ar" for e in entries)


def test_etag_gives_304_and_no_entries(client, srv):
    first, _ = poll_feed(spec(srv, "good"), client, now=NOW)
    status, entries = poll_feed(spec(srv, "good", etag=first.etag), client, now=NOW)
    assert status.status == "not_modified" and status.http_status == 304 and list(entries) == []
    assert srv.requests[-1][1].get("If-None-Match") == '"good-v1"'


def test_a_304_to_a_plain_get_is_an_error_not_not_modified(client, srv):
    with pytest.raises(FeedParseError) as err:
        poll_feed(spec(srv, "always304"), client, now=NOW)
    assert err.value.error_type == "unexpected_not_modified" and err.value.http_status == 304


def test_unchanged_content_hash_gives_no_entries(client, srv):
    first, entries = poll_feed(spec(srv, "plain"), client, now=NOW)
    assert len(entries) == 1
    status, again = poll_feed(spec(srv, "plain", content_hash=first.content_hash), client, now=NOW)
    assert status.status == "unchanged" and list(again) == [] and status.new_entries == 0


@pytest.mark.parametrize("name,error_type", [("malformed", "bad_xml"), ("html", "not_a_feed"), ("empty", "empty_feed")])
def test_broken_feeds(client, srv, name, error_type):
    with pytest.raises(FeedParseError) as err:
        poll_feed(spec(srv, name), client, now=NOW)
    assert err.value.error_type == error_type and err.value.http_status == 200


def test_entry_without_link_is_reported(client, srv):
    _, entries = poll_feed(spec(srv, "nolink"), client, now=NOW)
    assert [e.title for e in entries] == ["six"]
    assert [(p.error_type, p.title) for p in entries.problems] == [("entry_without_link", "no link here")]


def test_missing_and_future_dates(client, srv):
    _, entries = poll_feed(spec(srv, "dates"), client, now=NOW)
    by_title = {e.title: e.published for e in entries}
    assert by_title["undated"] is None and by_title["from the future"] is None
    assert by_title["dated"] == NOW - dt.timedelta(days=1)
    assert entries.future_dates == 1


def test_a_date_a_little_ahead_is_kept():
    soon = "Wed, 01 May 2024 13:30:00 +0000"       # 1.5 h ahead: a site stamping local time as UTC
    entries = parse(rss([{"title": "t", "link": "http://f.test/a", "pubDate": soon}]))
    assert entries[0].published == NOW + dt.timedelta(hours=1.5)


def test_windows_1256_feed_without_declaration():
    xml = rss([{"title": "خبر عاجل من الرباط حول توقيف مشتبه به", "link": "http://f.test/a"}])
    xml = xml.replace(' encoding="utf-8"', "")
    entries = parse(xml.encode("cp1256"), content_type="application/rss+xml")
    assert entries[0].title == "خبر عاجل من الرباط حول توقيف مشتبه به"


def test_relative_links_resolve_against_the_feed():
    assert parse(rss([{"title": "t", "link": "/a/1"}]))[0].link == "http://f.test/a/1"


def test_read_feeds_transform_outputs(srv):
    HostGate.reset_all()
    specs = [spec(srv, "good"), spec(srv, "nolink"), spec(srv, "html"), FeedSpec(url=srv.url("/status/410"), name="g")]
    with TestPipeline() as p:
        out = p | beam.Create(specs) | ReadFeeds(SETTINGS)
        assert_that(out.main | "links" >> beam.Map(lambda e: e.link.rsplit("/", 1)[-1].split("?")[0].split("#")[0]),
                    equal_to(["1", "2", "3", "6"]), label="entries")
        assert_that(out.errors | "errs" >> beam.Map(lambda e: (e.stage, e.error_type, e.http_status)),
                    equal_to([("read_feeds", "entry_without_link", 200), ("read_feeds", "not_a_feed", 200),
                              ("read_feeds", "http_410", 410)]), label="errors")
        assert_that(out.feed_status | "st" >> beam.Map(lambda s: (s.feed_url.rsplit("/", 1)[-1], s.status)),
                    equal_to([("good.xml", "ok"), ("nolink.xml", "ok"), ("html.xml", "error"), ("410", "error")]),
                    label="status")
