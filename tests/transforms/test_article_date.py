"""Choosing an article's publication date (transforms/article_date.py): the feed's date keeps the
feed stage's tolerance (3 h ahead: sites stamp Morocco time as UTC), and every refused candidate
is named with its reason instead of being dropped silently."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from hypothesis import given, strategies as st

from transforms import dates
from transforms.article_date import choose_publication
from transforms.core.records import FeedEntry
from transforms.extract import extract_article, make_trafilatura_config
from transforms.extract_meta import PageInfo
from transforms.feed_fields import FUTURE_TOLERANCE

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.timezone.utc)
URL = "https://news.example.ma/2026/11/story-77.html"


def entry(published) -> FeedEntry:
    return FeedEntry(feed_url="https://news.example.ma/feed", source="example", link=URL, published=published)


def choose(published, doc_date=None):
    return choose_publication(PageInfo(), SimpleNamespace(date=doc_date), entry(published), NOW)


def test_a_feed_date_an_hour_ahead_is_kept():
    when = NOW + dt.timedelta(hours=1)                      # a Moroccan clock stamped as UTC
    assert choose(when) == (when, when.date(), "feed", "feed", [])


def test_a_feed_date_too_far_ahead_is_refused_with_its_reason():
    when = NOW + dt.timedelta(hours=5)
    published, day, source, how, rejected = choose(when)
    assert (published, day, source, how) == (None, None, "none", "")
    assert len(rejected) == 1 and rejected[0].startswith("feed: future: 2026-11-20T17:00:00+00:00")


def test_an_htmldate_guess_ahead_is_refused_with_its_reason_and_the_feed_date_wins():
    feed = NOW - dt.timedelta(hours=2)
    published, _, source, how, rejected = choose(feed, doc_date="2026-12-25")
    assert (published, source, how) == (feed, "feed", "feed")
    assert rejected and rejected[0].startswith("htmldate: future:")


@given(st.integers(min_value=-20 * 365 * 24 * 60, max_value=24 * 60))
def test_feed_dates_are_kept_up_to_the_feed_tolerance_and_refused_with_a_reason_after(minutes):
    when = NOW + dt.timedelta(minutes=minutes)
    published, _, source, _, rejected = choose(when)
    if when <= NOW + FUTURE_TOLERANCE:
        assert (published, source, rejected) == (when, "feed", [])
    else:
        assert published is None and source == "none"
        assert [r.split(":")[:2] for r in rejected] == [["feed", " future"]]


@given(st.integers(min_value=-60, max_value=6 * 60))
def test_page_dates_keep_the_short_clock_skew(minutes):
    when = NOW + dt.timedelta(minutes=minutes)
    ok, why = dates.check_plausible(when, now=NOW)
    assert (ok is not None) == (when <= NOW + dates.CLOCK_SKEW) and (why is None) == (ok is not None)
    ok, why = dates.check_plausible(when, now=NOW, skew=FUTURE_TOLERANCE)
    assert (ok is not None) == (when <= NOW + FUTURE_TOLERANCE)


def _undated_page() -> str:
    body = "".join(f"<p>{'خبر كتب للاختبار عن انقطاع الماء في حي من أحياء مكناس طيلة يوم كامل. ' * 3}</p>"
                   for _ in range(3))
    return (f"<html><head><title>انقطاع الماء في مكناس</title></head><body class='single'>"
            f"<article><h1>انقطاع الماء في مكناس</h1>{body}</article></body></html>")


def test_extraction_keeps_a_feed_date_two_hours_ahead_and_names_one_refused():
    config = make_trafilatura_config()
    ahead = NOW + dt.timedelta(hours=2)
    art = extract_article(_undated_page(), URL, entry(ahead), config=config, now=NOW)
    assert art.published_at == ahead and art.field_sources["published_at"] == "feed"
    assert "published_at_rejected" not in art.field_sources
    far = NOW + dt.timedelta(hours=4)
    art = extract_article(_undated_page(), URL, entry(far), config=config, now=NOW)
    assert art.published_at is None and art.field_sources["published_at"] == "none"
    assert art.field_sources["published_at_rejected"].startswith("feed: future: 2026-11-20T16:00:00+00:00")
