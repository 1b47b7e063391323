"""The per-feed entry cap: the newest N entries per poll are taken, every other one is an
``over_entry_cap`` errors row (issue 13, item 3)."""
from __future__ import annotations

import datetime as dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from hypothesis import given, strategies as st

from transforms.core.records import FeedEntry, FeedSpec
from transforms.http_client import HttpSettings
from transforms.read_feeds import ReadFeeds, cap_entries
from transforms.robots import HostGate

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
SETTINGS = HttpSettings(allow_private_hosts=True, connect_timeout=1, read_timeout=1, total_deadline=2, retries=0,
                        per_host_min_delay=0)


def entry(i: int, hours) -> FeedEntry:
    published = None if hours is None else T0 + dt.timedelta(hours=hours)
    return FeedEntry(feed_url="http://f.test/feed", source="s", link=f"http://f.test/a/{i}", published=published)


@given(st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), max_size=40), st.integers(1, 50))
def test_cap_keeps_the_newest_and_skips_the_rest_in_feed_order(hours, limit):
    entries = [entry(i, h) for i, h in enumerate(hours)]
    kept, skipped = cap_entries(entries, limit)
    assert len(kept) == min(limit, len(entries))
    assert sorted(e.link for e in kept + skipped) == sorted(e.link for e in entries)     # nothing lost
    order = {e.link: i for i, e in enumerate(entries)}
    assert [order[e.link] for e in kept] == sorted(order[e.link] for e in kept)          # feed order kept
    if kept and skipped:
        newest_skipped = max((e.published for e in skipped if e.published), default=None)
        oldest_kept = min((e.published for e in kept if e.published), default=None)
        if newest_skipped is not None:
            assert oldest_kept is not None and oldest_kept >= newest_skipped
            assert all(e.published for e in kept)       # undated entries go first
        assert not (any(e.published is None for e in kept) and any(e.published for e in skipped))


def test_no_cap_keeps_everything():
    entries = [entry(i, i) for i in range(5)]
    assert cap_entries(entries, None) == (entries, [])
    assert cap_entries(entries, 5) == (entries, [])


def test_read_feeds_records_every_entry_over_the_cap(srv):
    HostGate.reset_all()
    good = FeedSpec(url=srv.url("/feeds/good.xml"), name="good", source="hostile", max_entries=2)
    with TestPipeline() as p:
        out = p | beam.Create([good]) | ReadFeeds(SETTINGS)
        assert_that(out.main | "kept" >> beam.Map(lambda e: e.link.rsplit("/", 1)[-1].split("?")[0]),
                    equal_to(["1", "2"]), label="kept")       # articles 1 and 2 are the newest
        assert_that(out.errors | "skipped" >> beam.Map(lambda e: (e.stage, e.error_type, e.url.rsplit("/", 1)[-1])),
                    equal_to([("read_feeds", "over_entry_cap", "3#comments")]), label="skipped")


@given(st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), max_size=30), st.integers(1, 10),
       st.sets(st.integers(0, 29)))
def test_the_cap_counts_only_stories_not_yet_stored(hours, limit, stored):
    """Stored entries are always kept (NewEntries skips them) and never use up the cap, so the
    next ``limit`` new stories are taken each run: a backlog drains instead of being skipped forever."""
    from transforms.urls import article_id

    entries = [entry(i, h) for i, h in enumerate(hours)]
    known = frozenset(article_id(e.link) for i, e in enumerate(entries) if i in stored)
    kept, skipped = cap_entries(entries, limit, known)
    assert sorted(e.link for e in kept + skipped) == sorted(e.link for e in entries)     # nothing lost
    if len(entries) <= limit:
        assert (kept, skipped) == (entries, [])
        return
    fresh = [e for e in entries if article_id(e.link) not in known]
    assert [e for e in kept if article_id(e.link) in known] == [e for e in entries if article_id(e.link) in known]
    assert ([e for e in kept if article_id(e.link) not in known], skipped) == cap_entries(fresh, limit)


def test_read_feeds_caps_over_the_stories_not_yet_stored(srv):
    """good.xml lists articles 1, 2 and 3; with 1 and 2 stored, a cap of 2 takes 3 (and keeps 1 and 2
    for NewEntries to skip): nothing is over the cap."""
    from transforms.urls import article_id

    HostGate.reset_all()
    good = FeedSpec(url=srv.url("/feeds/good.xml"), name="good", source="hostile", max_entries=2)
    with TestPipeline() as p:
        first = p | "first" >> beam.Create([good]) | "r1" >> ReadFeeds(SETTINGS)
        ids = first.main | beam.Map(lambda e: article_id(e.link))      # what the first poll took: 1 and 2
        second = p | "second" >> beam.Create([good]) | "r2" >> ReadFeeds(SETTINGS, beam.pvalue.AsList(ids))
        assert_that(second.main | "kept" >> beam.Map(lambda e: e.link.rsplit("/", 1)[-1].split("?")[0]),
                    equal_to(["1", "2", "3#comments"]), label="kept")
        assert_that(second.errors, equal_to([]), label="none over the cap")
