import datetime as dt
import json

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from helpers import HTML_FIXTURES

from transforms.clean import CleanArticles, clean_article, load_rules
from transforms.core.records import FeedEntry, Page
from transforms.extract import (
    ExtractArticles,
    ExtractionError,
    extract_article,
    guarded_extract,
    make_trafilatura_config,
    page_extractor,
)
from transforms.guarded_process import GuardedProcess

FIX = HTML_FIXTURES
CONFIG = make_trafilatura_config()
RULES = load_rules()
URL = "https://news.example.ma/2023/04/story-4812.html"
ARTICLES = sorted(p.stem for p in FIX.glob("*.html") if not p.name.startswith("bad_"))


def entry(**kw):
    base = dict(feed_url="https://news.example.ma/feed", source="example", link=URL)
    base.update(kw)
    return FeedEntry(**base)


def full_path(name, e=None):
    html = (FIX / f"{name}.html").read_text(encoding="utf-8")
    art = extract_article(html, URL, e or entry(), config=CONFIG)
    lang = name[:2] if name[:2] in ("fr", "en") else "ar"
    return art, clean_article(art.replace(language=lang), RULES)


def test_there_are_fixtures():
    assert len(ARTICLES) >= 20


@pytest.mark.parametrize("name", ARTICLES)
def test_html_to_clean_text_matches_expected(name):
    _, art = full_path(name)
    expected = (FIX / f"{name}.expected.txt").read_text(encoding="utf-8").strip()
    assert art.text == expected


@pytest.mark.parametrize("name", ARTICLES)
def test_metadata_matches_expected(name):
    raw, art = full_path(name)
    meta = json.loads((FIX / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert art.title == meta["title"]
    if meta.get("date"):
        want = dt.datetime.fromisoformat(meta["date"])
        assert art.published_at == want
        assert art.published_at.utcoffset() == want.utcoffset()     # the page's own offset, not UTC
        assert art.field_sources["published_at"] == "page"
    if "published_date" in meta:                # the calendar day the page states
        got = art.published_date.isoformat() if art.published_date else None
        assert got == meta["published_date"]
        assert (raw.published_date.isoformat() if raw.published_date else None) == meta["published_date"]
    if "date_how" in meta:                      # the element the date came from
        assert raw.field_sources.get("published_at_how", "") == meta["date_how"]
    if "author" in meta:
        assert (art.author or None) == meta["author"]
    if meta.get("canonical"):
        assert art.canonical_url == meta["canonical"]   # rel=canonical, tracking params dropped
    if meta.get("dateline"):
        assert art.field_sources["dateline"] == meta["dateline"]
    assert art.source == "example" and art.feed_url == "https://news.example.ma/feed"


def test_feed_metadata_used_when_page_lacks_it():
    pub = dt.datetime(2023, 4, 1, 9, 30, tzinfo=dt.timezone.utc)
    raw, art = full_path("ar_wp_dateline", entry(published=pub, title="عنوان من الخلاصة"))
    assert art.published_at == pub and art.field_sources["published_at"] == "feed"
    assert art.field_sources["title"] == "page"   # the page has a title: feed title not used


def test_feed_future_date_is_rejected():
    pub = dt.datetime(2999, 1, 1, tzinfo=dt.timezone.utc)
    raw, _ = full_path("ar_wp_dateline", entry(published=pub))
    assert raw.published_at is None and raw.field_sources["published_at"] == "none"


def test_feed_title_when_page_has_none():
    body = "".join(f"<p>{'فقرة طويلة من نص الخبر عن حادث سير خطير بالطريق الوطنية. ' * 4}</p>" for _ in range(3))
    html = f"<html><body class='single'><div class='entry-content'>{body}</div></body></html>"
    art = extract_article(html, URL, entry(title="حادث سير بالطريق الوطنية"), config=CONFIG)
    assert art.title == "حادث سير بالطريق الوطنية" and art.field_sources["title"] == "feed"


@pytest.mark.parametrize("name, error_type", [
    ("bad_empty", "empty_page"),
    ("bad_js_only", "js_only"),
    ("bad_tag_listing", "not_article"),
    ("bad_home_listing", "not_article"),
])
def test_bad_input_raises_typed_error(name, error_type):
    html = (FIX / f"{name}.html").read_text(encoding="utf-8")
    with pytest.raises(ExtractionError) as ei:
        extract_article(html, "https://news.example.ma/", entry(), config=CONFIG)
    assert ei.value.error_type == error_type and ei.value.message


def test_huge_page_is_too_large():
    html = (FIX / "ar_wp_drugs.html").read_text(encoding="utf-8")
    huge = html.replace("</aside>", "<div>" + "<p>نص حشو</p>" * 120_000 + "</div></aside>")
    with pytest.raises(ExtractionError) as ei:
        extract_article(huge, URL, entry(), config=CONFIG)
    assert ei.value.error_type == "too_large"


def test_large_page_of_scripts_is_stripped_not_rejected():
    html = (FIX / "ar_wp_drugs.html").read_text(encoding="utf-8")
    big = html.replace("</head>", "<script>var x='" + "a" * 2_000_000 + "';</script></head>")
    art = extract_article(big, URL, entry(), config=CONFIG)
    assert art.text


def test_page_without_text_is_empty_extraction():
    with pytest.raises(ExtractionError) as ei:
        extract_article("<html><body class='single'><h1>عنوان فقط</h1><p>سطر واحد.</p></body></html>",
                        URL, entry(), config=CONFIG)
    assert ei.value.error_type == "empty_extraction"


def test_error_type_is_validated_and_pickles():
    import pickle
    with pytest.raises(ValueError):
        ExtractionError("nope", "x")
    e = pickle.loads(pickle.dumps(ExtractionError("timeout", "slow")))
    assert e.error_type == "timeout" and e.message == "slow"


def test_guard_times_out_and_recovers():
    html = (FIX / "ar_wp_drugs.html").read_text(encoding="utf-8")
    slow = html.replace("</aside>", "<ul>" + "<li><a href='/a'>عنوان</a><p>ملخص الخبر</p></li>" * 15000 + "</ul></aside>")
    g = GuardedProcess(page_extractor, timeout_s=0.05)
    try:
        with pytest.raises(ExtractionError) as ei:
            guarded_extract(g, slow, URL, entry())
        assert ei.value.error_type == "timeout" and g.restarts == 1
        g.timeout_s = 60
        art = guarded_extract(g, html, URL, entry())
        assert art.title.startswith("أمن طنجة")
        with pytest.raises(ExtractionError) as ei:
            guarded_extract(g, "", URL, entry())
        assert ei.value.error_type == "empty_page"
    finally:
        g.close()


def _page(name, url=URL):
    return Page(entry=entry(link=url), url=url, final_url=url, status=200,
                html=(FIX / f"{name}.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("timeout_s", [None, 60])
def test_beam_extract_and_clean_with_errors_output(timeout_s):
    with TestPipeline() as p:
        pages = p | beam.Create([_page("ar_wp_drugs"), _page("bad_js_only", "https://news.example.ma/app"),
                                 _page("bad_tag_listing", "https://news.example.ma/tag/x/")])
        ex = pages | ExtractArticles(timeout_s=timeout_s)
        cleaned = ex.main | CleanArticles(RULES)
        assert_that(cleaned.main | "T" >> beam.Map(lambda a: (a.url, a.text.split("\n")[0][:20])),
                    equal_to([(URL, "تمكنت عناصر الشرطة ب")]), label="main")
        assert_that(ex.errors | "E" >> beam.Map(lambda e: (e.stage, e.url, e.error_type, e.source)),
                    equal_to([("extract", "https://news.example.ma/app", "js_only", "example"),
                              ("extract", "https://news.example.ma/tag/x/", "not_article", "example")]),
                    label="errors")
        assert_that(cleaned.errors, equal_to([]), label="no_clean_errors")


def test_beam_clean_empty_after_cleaning_is_a_dead_letter():
    from transforms.core.records import Article
    junk = Article(url="u1", canonical_url="u1", source="s", feed_url="f", text="اترك تعليقاً\n------\nزر الذهاب إلى الأعلى")
    good = Article(url="u2", canonical_url="u2", source="s", feed_url="f",
                   text="أوقفت الشرطة بمدينة فاس شخصا يشتبه في تورطه في السرقة بالعنف، وذلك بعد شكايات متعددة من السكان.")
    with TestPipeline() as p:
        out = p | beam.Create([junk, good]) | CleanArticles(RULES)
        assert_that(out.main | "U" >> beam.Map(lambda a: a.url), equal_to(["u2"]), label="main")
        assert_that(out.errors | "E" >> beam.Map(lambda e: (e.stage, e.url, e.error_type)),
                    equal_to([("clean", "u1", "empty_after_cleaning")]), label="errors")
