"""The offline sample site: its ground-truth manifest, its files and its server.

The pipeline's end-to-end tests trust ``pipeline/sample_site/manifest.yaml``;
these tests check that the manifest tells the truth about the files and that
``pipeline.sample.server.SampleServer`` serves them the way a news site would.
"""
from __future__ import annotations

import collections
import datetime as dt
import email.utils
import http.client
import json
import re
import socket
import threading
import urllib.error
import urllib.request
import zoneinfo
from html.parser import HTMLParser
from urllib.parse import urlsplit

import feedparser
import pytest
import trafilatura
import yaml
from helpers import SAMPLE_SITE, SHARED

from pipeline.sample.server import SITE_DIR, SampleServer
from transforms.core.records import FeedSpec

TZ = zoneinfo.ZoneInfo("Africa/Casablanca")
CATEGORIES = {"violent_crime", "property_crime", "drugs", "trafficking_smuggling", "terrorism_extremism",
              "fraud_cyber_financial", "policing_governance", "public_order"}
AR_MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر",
             "نونبر", "دجنبر"]
BODY_CLASSES = {"entry-content", "article-body", "story-body"}


@pytest.fixture(scope="module")
def manifest():
    return yaml.safe_load((SITE_DIR / "manifest.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def feeds_config():
    return yaml.safe_load((SITE_DIR / "feeds.yaml").read_text(encoding="utf-8"))["feeds"]


@pytest.fixture(scope="module")
def server():
    with SampleServer() as srv:
        yield srv


def get(url, headers=None, method="GET"):
    """(status, headers, body) without raising on 4xx/3xx."""
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def raw_get(srv, path):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def published(article) -> dt.datetime:
    return dt.datetime.fromisoformat(article["published"])


class _BodyText(HTMLParser):
    """Paragraph/heading text inside the article body container."""

    def __init__(self):
        super().__init__()
        self.depth = 0          # >0 while inside the body container
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "div" and (self.depth or set((dict(attrs).get("class") or "").split()) & BODY_CLASSES):
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth and tag == "div":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.chunks.append(data)


def body_text(html: str) -> str:
    parser = _BodyText()
    parser.feed(html)
    return " ".join(parser.chunks)


def page_html(article) -> str:
    return (SITE_DIR / article["path"].lstrip("/")).read_text(encoding="utf-8")


# -- the manifest against the files ---------------------------------------------------------

def test_manifest_articles_exist_and_are_unique(manifest):
    articles = manifest["articles"]
    assert manifest["expected_story_count"] == len(articles)
    assert len({a["path"] for a in articles}) == len({a["id"] for a in articles}) == len(articles)
    for a in articles:
        assert (SITE_DIR / a["path"].lstrip("/")).is_file(), a["path"]
        assert a["language"] in {"ar", "fr", "en"}
        assert a["title"] and a["source"]


def test_labels_are_well_formed(manifest):
    for a in manifest["articles"]:
        assert set(a["categories"]) <= CATEGORIES, a["id"]
        if a["language"] == "ar":
            assert isinstance(a["is_security"], bool), a["id"]
            if a["is_security"]:
                assert a["categories"] and not a["accident"], a["id"]
            else:
                assert a["categories"] == [], a["id"]
        else:
            assert a["is_security"] is None, a["id"]
        assert a["places"], a["id"]


def test_mix_of_stories(manifest):
    arts = manifest["articles"]
    ar = [a for a in arts if a["language"] == "ar"]
    security = [a for a in ar if a["is_security"]]
    accidents = [a for a in ar if a["accident"]]
    other = [a for a in ar if not a["is_security"] and not a["accident"]]
    assert len(ar) >= 12 and len(security) >= 7 and len(accidents) >= 1 and len(other) >= 4
    assert {c for a in security for c in a["categories"]} == CATEGORIES
    assert all(not a["is_security"] for a in accidents)
    fr = [a for a in arts if a["language"] == "fr"]
    en = [a for a in arts if a["language"] == "en"]
    assert len(fr) >= 3 and len(en) >= 2
    assert any(a["categories"] for a in fr), "one French security story"
    sources = {a["source"] for a in arts}
    assert len(sources) == 3


def test_dates_in_range_with_a_coverage_gap(manifest):
    start = dt.date.fromisoformat(manifest["date_range"]["start"])
    end = dt.date.fromisoformat(manifest["date_range"]["end"])
    gap = manifest["coverage_gap"]
    gap_day = dt.date.fromisoformat(gap["date"])
    days_by_source = collections.defaultdict(set)
    for a in manifest["articles"]:
        when = published(a)
        assert when.utcoffset() == when.astimezone(TZ).utcoffset(), a["id"]
        day = when.astimezone(TZ).date()
        assert start <= day <= end, a["id"]
        days_by_source[a["source"]].add(day)
    all_days = {start + dt.timedelta(days=i) for i in range((end - start).days + 1)}
    assert days_by_source[gap["source"]] == all_days - {gap_day}
    assert all_days == set().union(*days_by_source.values()), "every day has some story"
    for err in manifest["expected_errors"]:
        if "published" in err:
            assert dt.datetime.fromisoformat(err["published"]).astimezone(TZ).date() != gap_day


def test_arabic_bodies_are_long_enough(manifest):
    for a in manifest["articles"]:
        if a["language"] == "ar":
            assert 250 <= len(body_text(page_html(a)).split()) <= 650, a["id"]   # + the leaked byline/separator


def test_pages_look_like_news_pages(manifest):
    for a in manifest["articles"]:
        html = page_html(a)
        size = len(html.encode("utf-8"))
        assert 8_000 <= size <= 40_000, (a["id"], size)
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
        assert h1.replace("&quot;", '"').replace("&#x27;", "'").strip() == a["title"], a["id"]
        assert ('rel="canonical"' in html) == a["has_canonical"], a["id"]
        meta = re.search(r'property="article:published_time" content="([^"]+)"', html)
        assert bool(meta) == a["meta_published"], a["id"]
        if meta:
            assert dt.datetime.fromisoformat(meta.group(1)) == published(a)
        if a["language"] == "ar":
            d = published(a)
            assert re.search(rf"\b0?{d.day} {AR_MONTHS[d.month - 1]} {d.year}\b", html), a["id"]
            text = body_text(html)
            for place in a["places"]:   # as a word, maybe with a clitic: بطنجة، وفاس، لمراكش
                assert re.search(rf"(?<!\w)[وفبلك]{{0,2}}{place}(?!\w)", text), (a["id"], place)


def test_pages_carry_the_boilerplate_the_cleaner_must_remove(manifest):
    """The shapes seen in real pages leak into what trafilatura returns."""
    leaked = collections.Counter()
    for a in manifest["articles"]:
        if a["source"] != "alatlas":
            continue
        text = trafilatura.extract(page_html(a).replace("{{BASE}}", "http://127.0.0.1:1")) or ""
        for marker in ("اترك تعليقاً", "------", "الأطلس اليوم"):
            leaked[marker] += marker in text
    assert all(n > 0 for n in leaked.values()), leaked
    html = page_html(manifest["articles"][0])
    for shape in ("لن يتم نشر عنوان بريدك الإلكتروني", "swiss replica watches", "مقالات ذات صلة",
                  "Get real time updates directly on you device, subscribe now.", "زر الذهاب إلى الأعلى",
                  "جميع الحقوق محفوظة", 'src=""'):
        assert shape in html, shape


# Boilerplate the brief asks the sample pages to reproduce verbatim (a push prompt seen on real sites).
ALLOWED_SHARED_LINES = ("Get real time updates directly on you device, subscribe now.",)


def _shingles(text, n=9):
    words = re.findall(r"\w+", text)
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


def _third_party_texts():
    seeds = SHARED / "seeds"
    for path in sorted(seeds.glob("*.txt")):
        yield path.read_text(encoding="utf-8")
    for path in sorted((SHARED / "data" / "hespress").glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                for value in json.loads(line).values():
                    if isinstance(value, str):
                        yield value


def test_sample_text_is_not_copied_from_third_party_text():
    """No run of 9 words of the sample site appears in the seeds or the hespress data."""
    if not (SHARED / "seeds").is_dir():
        pytest.skip("../shared is absent: cannot check the sample text against the third-party text")
    ours = set()
    for path in SITE_DIR.rglob("*"):
        if path.is_file():
            ours |= _shingles(path.read_text(encoding="utf-8"))
    allowed = set().union(*(_shingles(line) for line in ALLOWED_SHARED_LINES))
    copied = set()
    for text in _third_party_texts():
        copied |= (_shingles(text) & ours) - allowed
    assert not copied, sorted(copied)[:5]


# -- feeds, served -------------------------------------------------------------------------

def _feed(server, path):
    status, headers, body = get(server.url(path))
    assert status == 200, path
    return headers, feedparser.parse(body)


def test_feed_specs_come_from_feeds_yaml(server, feeds_config):
    specs = server.feed_specs()
    assert all(isinstance(s, FeedSpec) for s in specs)
    assert [s.url for s in specs] == [server.base_url + f["url"] for f in feeds_config]
    assert [(s.name, s.language, s.source) for s in specs] == [
        (f["name"], f["language"], f["source"]) for f in feeds_config]
    for spec in specs:
        assert spec.url.startswith("http://127.0.0.1:")


def test_good_feeds_parse_and_point_at_the_manifest(server, manifest, feeds_config):
    by_path = {a["path"]: a for a in manifest["articles"]}
    errors = {e["url_path"]: e for e in manifest["expected_errors"]}
    seen = collections.defaultdict(list)
    bad = {e["url_path"] for e in manifest["expected_errors"] if e["stage"] == "read_feeds"}
    for feed in feeds_config:
        headers, parsed = _feed(server, feed["url"])
        assert "charset=utf-8" in headers["Content-Type"]
        assert len(parsed.entries) == manifest["feed_entries"][feed["url"]], feed["url"]
        if feed["url"] in bad:
            assert parsed.bozo and not parsed.entries
            continue
        assert not parsed.bozo, (feed["url"], parsed.get("bozo_exception"))
        for entry in parsed.entries:
            link = urlsplit(entry.link)
            assert f"{link.scheme}://{link.netloc}" == server.base_url
            assert link.path in by_path or link.path in errors, entry.link
            when = dt.datetime(*entry.published_parsed[:6], tzinfo=dt.timezone.utc)
            truth = by_path.get(link.path) or errors[link.path]
            assert when == dt.datetime.fromisoformat(truth["published"]), entry.link
            assert entry.title == truth["title"]
            if link.path in by_path:
                seen[link.path].append((feed["url"], link.query))
    assert set(seen) == set(by_path), "every article is listed in some feed"
    for path, hits in seen.items():
        assert [f for f, _ in hits] == by_path[path]["feeds"], path
    repeated = [p for p, hits in seen.items() if len(hits) > 1]
    assert len(repeated) == 1
    assert {q for _, q in seen[repeated[0]]} == {"", "utm_source=rss"}


def test_broken_pages_are_broken(server, manifest):
    kinds = {e["error_type"]: e for e in manifest["expected_errors"]}
    assert set(kinds) == {"bad_xml", "http_404", "empty_extraction"}
    status, _, _ = get(server.url(kinds["http_404"]["url_path"]))
    assert status == 404
    status, headers, body = get(server.url(kinds["empty_extraction"]["url_path"]))
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert trafilatura.extract(body.decode("utf-8")) is None


def test_every_article_is_served_with_the_base_substituted(server, manifest):
    for a in manifest["articles"]:
        status, headers, body = get(server.url(a["path"]))
        assert status == 200, a["path"]
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        text = body.decode("utf-8")
        assert "{{BASE}}" not in text and server.base_url in text
        if a["has_canonical"]:
            assert f'rel="canonical" href="{server.base_url}{a["path"]}"' in text


# -- server behaviour ----------------------------------------------------------------------

def test_unknown_paths_yaml_and_traversal_are_refused(server):
    assert get(server.url("/nothing/here.html"))[0] == 404
    assert get(server.url("/manifest.yaml"))[0] == 404
    assert get(server.url("/feeds.yaml"))[0] == 404
    assert get(server.url("/"))[0] == 404
    for path in ("/../sample_server.py", "/alatlas/../../sample_server.py", "/%2e%2e/sample_server.py",
                 "/alatlas/%2E%2E/%2E%2E/records.py", "/..%2fsample_server.py"):
        status, body = raw_get(server, path)
        assert status in (400, 404), path
        assert b"SampleServer" not in body


def test_robots_txt_allows_crawling(server):
    status, headers, body = get(server.url("/robots.txt"))
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert b"User-agent: *" in body


def test_conditional_get(server):
    url = server.url("/alatlas/feed.xml")
    status, headers, body = get(url)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and etag.startswith('"') and etag.endswith('"')
    assert email.utils.parsedate_to_datetime(last_modified)
    assert get(url, {"If-None-Match": etag})[0] == 304
    assert get(url, {"If-None-Match": f'"nope", {etag}'})[0] == 304
    assert get(url, {"If-None-Match": '"stale"'})[0] == 200
    assert get(url, {"If-Modified-Since": last_modified})[0] == 304
    old = email.utils.formatdate(email.utils.parsedate_to_datetime(last_modified).timestamp() - 86400,
                                 usegmt=True)
    assert get(url, {"If-Modified-Since": old})[0] == 200
    # If-None-Match wins over If-Modified-Since.
    assert get(url, {"If-None-Match": '"stale"', "If-Modified-Since": last_modified})[0] == 200
    # feedparser sends the validators itself and reports the 304.
    again = feedparser.parse(url, etag=etag)
    assert again.status == 304 and not again.entries
    # A different body means a different ETag.
    assert get(server.url("/sahil/atom.xml"))[1]["ETag"] != etag


def test_head_has_headers_and_no_body(server):
    status, headers, body = get(server.url("/sahil/atom.xml"), method="HEAD")
    assert status == 200 and body == b""
    assert headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert int(headers["Content-Length"]) > 1000


def test_counters_count(manifest):
    with SampleServer() as srv:
        article = manifest["articles"][0]["path"]
        get(srv.url("/alatlas/feed.xml"))
        get(srv.url("/robots.txt"))
        get(srv.url(article + "?utm_source=rss"))
        get(srv.url(article))
        assert srv.requests["/alatlas/feed.xml"] == 1
        assert srv.requests[article] == 2            # query string dropped
        assert srv.article_requests() == 2 and srv.feed_requests() == 1
        snapshot = srv.requests
        snapshot["/x"] = 99                          # a copy, not the live counter
        assert "/x" not in srv.requests
        srv.reset_counters()
        assert srv.article_requests() == 0 and not srv.requests

        def hammer():
            for _ in range(10):
                assert get(srv.url(article))[0] == 200
        threads = [threading.Thread(target=hammer) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert srv.requests[article] == 80 == srv.article_requests()


def test_site_dir_serves_another_tree_and_close_frees_the_port(tmp_path):
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "x.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>a</title><link>{{BASE}}/p/1.html</link></item></channel></rss>", encoding="utf-8")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "1.html").write_text("<html><body><p>{{BASE}}</p></body></html>", encoding="utf-8")
    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - {url: /feeds/x.xml, name: X, language: ar, source: x}\n", encoding="utf-8")
    srv = SampleServer(site_dir=tmp_path)
    with srv:
        [spec] = srv.feed_specs()
        parsed = feedparser.parse(get(spec.url)[2])
        assert parsed.entries[0].link == srv.base_url + "/p/1.html"
        assert get(parsed.entries[0].link)[2].decode() == f"<html><body><p>{srv.base_url}</p></body></html>"
        assert srv.article_requests() == 1 and srv.feed_requests() == 1
        port = srv.port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_missing_site_dir_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        SampleServer(site_dir=tmp_path / "absent")
    assert SITE_DIR == SAMPLE_SITE


def test_default_port_is_stable_across_runs_and_falls_back_when_taken(monkeypatch):
    import pipeline.sample.server as sample_server

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    free = probe.getsockname()[1]
    probe.close()
    monkeypatch.setattr(sample_server, "STABLE_PORT", free)
    with SampleServer() as first:
        assert first.port == free
        etag = get(first.url("/alatlas/feed.xml"))[1]["ETag"]
    with SampleServer() as second:                 # a second run: same URLs, same validators
        assert second.base_url == f"http://127.0.0.1:{free}"
        assert get(second.url("/alatlas/feed.xml"), {"If-None-Match": etag})[0] == 304
        with SampleServer() as third:              # taken: an ephemeral port instead
            assert third.port != free
            assert get(third.url("/alatlas/feed.xml"), {"If-None-Match": etag})[0] == 200
        with pytest.raises(OSError):
            SampleServer(port=free)
    with SampleServer(port=0) as ephemeral:
        assert ephemeral.port != 0
