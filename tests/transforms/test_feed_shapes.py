"""Every feed shape of tests/feed_shapes.py through poll_feed (links, dates, text), plus
feed parsing of arbitrary bytes (hypothesis): one bad entry never costs the others."""
from __future__ import annotations

import datetime as dt

import pytest
from feed_shapes import BY_ID, SHAPES, T
from hostile_server import HostileServer
from hypothesis import HealthCheck, given, settings, strategies as st

from transforms.core.records import FeedSpec
from transforms.feed_fields import read_date
from transforms.http_client import HttpClient, HttpSettings
from transforms.read_feeds import FeedParseError, parse_feed, poll_feed
from transforms.robots import HostGate

SETTINGS = HttpSettings(allow_private_hosts=True, connect_timeout=1, read_timeout=2, total_deadline=5, retries=0,
                        per_host_min_delay=0, per_host_concurrency=4)
NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def sites():
    with HostileServer() as a, HostileServer(bind="127.0.0.2") as b:
        a.peer, b.peer = b.base, a.base
        yield a, b


def poll(sites, shape):
    a, b = sites
    HostGate.reset_all()
    client = HttpClient(SETTINGS)
    try:
        return poll_feed(FeedSpec(url=a.url(shape.feed), name=shape.id, source="s"), client, now=NOW)
    finally:
        client.close()


def path_of(link, sites):
    for srv in sites:
        if link.startswith(srv.base):
            return link[len(srv.base):]
    return link


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.id)
def test_shape_gives_the_right_links_and_problems(sites, shape):
    from urllib.parse import unquote

    status, entries = poll(sites, shape)
    assert status.status == "ok"
    got = [unquote(path_of(e.link, sites)).split("?")[0].split("#")[0] for e in entries]
    if shape.id == "same-story-uri":           # the link keeps the feed's spelling (scheme case, trailing dot)
        got = ["/" + g.split("/", 3)[-1] for g in got]
    assert got == list(shape.links)
    kinds = sorted((p.error_type, p.link) for p in entries.problems)
    assert [k for k, _ in kinds] == sorted(k for k, _ in shape.errors)
    for kind, fragment in shape.errors:
        assert any(k == kind and fragment in link for k, link in kinds)
    for e in entries:
        assert "s3cret" not in e.link and e.link.startswith("http")


@pytest.mark.parametrize("shape", [s for s in SHAPES if s.dates], ids=lambda s: s.id)
def test_feed_dates_are_right_or_none_with_a_reason(sites, shape):
    _, entries = poll(sites, shape)
    for e in entries:
        want = shape.dates[path_of(e.link, sites)]
        if want.startswith("NULL:"):
            assert e.published is None and want[5:] in e.published_rejected
        else:
            assert e.published == dt.datetime.fromisoformat(want) and not e.published_rejected


def test_charset_shapes_give_readable_feed_titles(sites):
    for sid, key in [("charset-lie-feed", "lie-feed"), ("charset-reverse", "rev-feed"),
                     ("charset-latin1-header", "l1-feed"), ("charset-bom", "bom-feed"), ("charset-xml-iso6", "iso6-feed")]:
        _, entries = poll(sites, BY_ID[sid])
        assert [e.title for e in entries] == [T[key]], sid


def test_bad_text_titles_are_clean_and_capped(sites):
    _, entries = poll(sites, BY_ID["bad-text"])
    titles = [e.title for e in entries]
    assert titles[:4] == ["خبر \ufffd عاجل من فاس", "خبر فيه أصفار", "خبر ملون", "خبر مقلوب"]
    assert len(titles[4]) == 10_000
    for t in titles:
        t.encode("utf-8")


@pytest.mark.parametrize("raw,want", [
    ("2026/11/28 15:07:41", "2026-11-28T14:07:41"), ("Sat, 28 Nov 2026 15:07:41 GMT", "2026-11-28T15:07:41"),
    ("28 Nov 2026 15:07:41 -0500", "2026-11-28T20:07:41"), ("2026-11-28T15:07:41Z", "2026-11-28T15:07:41"),
    ("2026-11-28T15:07:41+01:00", "2026-11-28T14:07:41"), ("الجمعة 27 نونبر 2026 - 10:15", "2026-11-27T09:15:00"),
    ("27 كانون الأول 2025 10:15 GMT+2", "2025-12-27T08:15:00"), ("٠٣/٠٢/٢٠٢٦", "2026-02-03T11:00:00"),
    ("03 فيفري 2026", "2026-02-03T11:00:00"), ("2026-11", None), ("hier", None), ("", None),
])
def test_read_date(raw, want):
    got = read_date(raw, now=NOW)
    assert (got.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat() if got else None) == want


def test_a_feed_where_every_entry_is_bad_still_returns_its_problems():
    xml = ('<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
           + "".join(f"<item><title>{i}</title><link>http://127.0.0.1:{p}/x</link></item>"
                     for i, p in enumerate(["99999", "abc", "-1"]))
           + "<item><title>v6</title><link>http://[::1/x</link></item></channel></rss>")
    got = parse_feed(xml.encode(), feed_url="http://f.test/feed", source="s", language="ar", now=NOW)
    assert list(got) == [] and [p.error_type for p in got.problems] == ["bad_link"] * 4


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.binary(max_size=2000),
    st.builds(lambda head, items, tail: (head + items + tail).encode("utf-8", "surrogatepass"),
              st.sampled_from(['<?xml version="1.0"?><rss version="2.0"><channel>',
                               '<feed xmlns="http://www.w3.org/2005/Atom">', "<rss><channel>", ""]),
              st.text(max_size=600).map(lambda t: f"<item><title>{t}</title><link>{t}</link>"
                                                  f"<pubDate>{t}</pubDate><guid>{t}</guid></item>"),
              st.sampled_from(["</channel></rss>", "</feed>", ""])),
))
def test_feed_parsing_of_arbitrary_bytes_never_crashes(body):
    try:
        got = parse_feed(body, feed_url="http://f.test/feed", source="s", language="ar", now=NOW,
                         content_type="application/rss+xml")
    except FeedParseError as exc:
        assert exc.error_type in ("empty_feed", "bad_xml", "not_a_feed")
        return
    for e in got:
        assert e.link.startswith(("http://", "https://", "HTTP")) or ":" in e.link
        for text in (e.title, e.summary, e.content, e.guid, e.link):
            text.encode("utf-8")


def test_docs_table_lists_every_shape():
    from helpers import REPO

    doc = (REPO / "docs" / "feed-shapes.md").read_text(encoding="utf-8")
    for shape in SHAPES:
        assert f"| `{shape.id}` |" in doc and shape.feed in doc, shape.id
