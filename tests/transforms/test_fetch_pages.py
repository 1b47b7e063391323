"""Page fetching, new-entry selection and a second run over unchanged feeds (all on 127.0.0.1)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from hostile_server import ARABIC_STORY

from transforms.core.records import FeedEntry, FeedSpec
from transforms.feed_state import merge_feed_state
from transforms.fetch_pages import FetchPages, NewEntries, entry_key, fetch_page
from transforms.http_client import BlockedURL, FetchError, HttpClient, HttpSettings
from transforms.read_feeds import ReadFeeds
from transforms.robots import HostGate

SETTINGS = HttpSettings(allow_private_hosts=True, connect_timeout=1, read_timeout=1, total_deadline=2, retries=1,
                        backoff_base=0.01, backoff_max=0.02, per_host_min_delay=0, per_host_concurrency=4)
T0 = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def fresh(srv):
    HostGate.reset_all()
    srv.reset()


def entry(link, feed="http://f.test/a.xml", published=None, title="t"):
    return FeedEntry(feed_url=feed, source="s", link=link, title=title, published=published)


def test_fetch_page_canonicalises_the_link(srv):
    client = HttpClient(SETTINGS)
    page = fetch_page(entry(srv.url("/articles/2?utm_source=rss&fbclid=1#top")), client)
    assert page.url == srv.url("/articles/2") and page.status == 200 and ARABIC_STORY in page.html
    assert srv.hits["/articles/2"] == 1


def test_guarded_links_never_connect(srv):
    client = HttpClient(SETTINGS)
    for link, kind in [("http://169.254.169.254/latest/meta-data/", "blocked_private_address"),
                       ("file:///etc/passwd", "blocked_scheme")]:
        with pytest.raises(BlockedURL) as err:
            fetch_page(entry(link), client)
        assert err.value.error_type == kind


def test_new_entries_dedups_across_feeds_and_skips_known(srv):
    a1 = entry("http://x.test/story?utm_source=a", feed="http://x.test/politics.xml", published=T0)
    a2 = entry("http://X.test/story#c", feed="http://x.test/news.xml", published=T0 - dt.timedelta(hours=1))
    b = entry("http://x.test/other")
    known = entry("http://x.test/old")
    with TestPipeline() as p:
        entries = p | "e" >> beam.Create([a1, a2, b, known])
        ids = p | "ids" >> beam.Create([entry_key(known)])
        kept = (entries | "viaSideInput" >> NewEntries(beam.pvalue.AsList(ids))).main
        assert_that(kept | "k1" >> beam.Map(lambda e: (e.feed_url, e.link)),
                    equal_to([("http://x.test/news.xml", "http://X.test/story#c"),
                              ("http://f.test/a.xml", "http://x.test/other")]), label="side")
        kept2 = (entries | "viaSet" >> NewEntries(frozenset({entry_key(known)}))).main
        assert_that(kept2 | "k2" >> beam.Map(lambda e: e.link), equal_to(["http://X.test/story#c", "http://x.test/other"]),
                    label="set")


def test_fetch_pages_transform_errors_and_good_items(srv):
    cases = {
        "/articles/1": None, "/pages/cp1256": None, "/flaky/p": None,
        "/status/404": ("http_404", 404), "/status/410": ("http_410", 410), "/doc.pdf": ("unsupported_content_type", 200),
        "/img.png": ("unsupported_content_type", 200), "/bomb": ("decompression_bomb", 200),
        "/loop/a": ("redirect_loop", 302), "/always500": ("http_5xx", 503),
    }
    entries = [entry(srv.url(p)) for p in cases] + [entry("http://169.254.169.254/x"), entry("file:///etc/passwd")]
    expected_errors = [(srv.url(p), t, s) for p, v in cases.items() if v for t, s in [v]]
    expected_errors += [("http://169.254.169.254/x", "blocked_private_address", None),
                        ("file:///etc/passwd", "blocked_scheme", None)]
    with TestPipeline() as p:
        out = p | beam.Create(entries) | FetchPages(SETTINGS)
        assert_that(out.main | "ok" >> beam.Map(lambda pg: (pg.url.split("/", 3)[-1], ARABIC_STORY in pg.html)),
                    equal_to([("articles/1", True), ("pages/cp1256", True), ("flaky/p", True)]), label="pages")
        assert_that(out.errors | "errs" >> beam.Map(lambda e: (e.url, e.error_type, e.http_status)),
                    equal_to(expected_errors), label="errors")
        assert_that(out.errors | "stage" >> beam.Map(lambda e: e.stage) | beam.Distinct(), equal_to(["fetch_page"]),
                    label="stage")


class Collected:
    """DirectRunner runs in this process: a module-level store collects outputs."""
    items: dict = {}

    @staticmethod
    def add(item, key):
        Collected.items.setdefault(key, []).append(item)


def _run_once(specs, known):
    Collected.items = {"status": [], "pages": []}
    with TestPipeline() as p:
        polled = p | beam.Create(specs) | ReadFeeds(SETTINGS)
        pages = (polled.main | NewEntries(frozenset(known))).main | FetchPages(SETTINGS)
        polled.feed_status | "st" >> beam.Map(Collected.add, "status")
        pages.main | "pg" >> beam.Map(Collected.add, "pages")
    return Collected.items


def test_second_run_over_unchanged_feeds_makes_zero_article_requests(srv):
    specs = [FeedSpec(url=srv.url("/feeds/good.xml"), name="g"), FeedSpec(url=srv.url("/feeds/section.xml"), name="s"),
             FeedSpec(url=srv.url("/feeds/plain.xml"), name="p")]
    out = _run_once(specs, set())
    assert sorted(pg.url.rsplit("/", 1)[-1] for pg in out["pages"]) == ["1", "2", "3", "4", "5"]
    assert srv.hits["/articles/2"] == 1                       # same story in two section feeds: fetched once
    state = {s.feed_url: merge_feed_state(None, s) for s in out["status"]}
    known = {entry_key(entry(pg.url)) for pg in out["pages"]}
    specs2 = [dataclasses.replace(s, etag=state[s.url]["etag"], last_modified=state[s.url]["last_modified"],
                                  content_hash=state[s.url]["content_hash"]) for s in specs]
    srv.reset()
    out2 = _run_once(specs2, known)
    assert srv.article_hits() == 0 and out2["pages"] == []
    assert sorted(s.status for s in out2["status"]) == ["not_modified", "unchanged", "unchanged"]


def test_a_feed_that_opts_out_of_robots_fetches_its_disallowed_pages(srv):
    client = HttpClient(SETTINGS)            # respect_robots defaults to True
    with pytest.raises(FetchError) as err:
        fetch_page(entry(srv.url("/private/secret")), client)
    assert err.value.error_type == "robots_disallowed" and srv.hits["/private/secret"] == 0
    opted_out = dataclasses.replace(entry(srv.url("/private/secret")), respect_robots=False)
    assert fetch_page(opted_out, client).status == 200
    assert srv.hits["/private/secret"] == 1


def test_poll_feed_carries_the_feeds_robots_setting_to_its_entries(srv):
    from transforms.read_feeds import poll_feed

    client = HttpClient(SETTINGS)
    spec = FeedSpec(url=srv.url("/feeds/good.xml"), name="g", source="s", respect_robots=False)
    _, entries = poll_feed(spec, client)
    assert entries and all(e.respect_robots is False for e in entries)
    _, entries = poll_feed(dataclasses.replace(spec, respect_robots=True), client)
    assert entries and all(e.respect_robots for e in entries)
