"""Which date element a page is dated by, and which calendar day (issue 15's bug shapes).

Pages here are small, written for these tests; the realistic full pages are
the fixtures in tests/transforms/fixtures/html (test_extract.py).
"""
import datetime as dt

import pytest
from lxml import html as lxml_html

from transforms.extract import extract_article, make_trafilatura_config
from transforms.page_dates import find_publication_date

NOW = dt.datetime(2025, 11, 1, 12, 0, tzinfo=dt.timezone.utc)
URL = "https://news.example.ma/story-1.html"
PARA = ("<p>أوقفت عناصر الشرطة بمدينة مكناس شخصين يشتبه في تورطهما في سرقة الهواتف المحمولة من المارة "
        "باستعمال دراجة نارية، وذلك بعد شكايات متعددة من سكان الأحياء المجاورة للمحطة الطرقية.</p>")


def page(head="", top="", meta_line="", after="", body=PARA * 3):
    return (f"<html><head>{head}</head><body>{top}<main><article class='post'>"
            f"<h1>عنوان الخبر عن توقيف شخصين بمكناس</h1>{meta_line}<div class='content'>{body}</div>"
            f"</article>{after}</main></body></html>")


def choose(doc, url=URL):
    tree = lxml_html.fromstring(doc)
    metas = {}
    for m in tree.xpath("//meta[@content]"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").lower()
        metas.setdefault(key, m.get("content"))
    return find_publication_date(tree, url, metas, now=NOW)


def test_site_header_today_date_never_wins():
    got = choose(page(top="<div class='top-bar'><span class='date'>الخميس 14 مارس 2024</span></div>",
                      meta_line="<div class='post-date'>الثلاثاء 12 مارس 2024 - 21:05</div>"))
    assert got.day == dt.date(2024, 3, 12) and got.how == "byline"
    assert dt.date(2024, 3, 14) in got.forbidden_days


def test_header_element_without_the_headline_is_furniture():
    got = choose(page(top="<header><time datetime='2024-03-14'>14 mars 2024</time></header>",
                      meta_line="<p class='meta'>Publié le 10 mars 2024</p>"))
    assert got.day == dt.date(2024, 3, 10)


def test_comment_timestamp_never_wins():
    comments = ("<section id='comments'><div class='comment'><span class='date'>13 مارس 2024 - 08:20</span>"
                "<p>تعليق</p></div></section>")
    got = choose(page(after=comments, meta_line="<span>نشر بتاريخ 12 مارس 2024</span>"))
    assert got.day == dt.date(2024, 3, 12)
    only_comments = choose(page(after=comments))
    assert only_comments.at is None and dt.date(2024, 3, 13) in only_comments.forbidden_days


def test_updated_date_placed_before_the_published_one():
    got = choose(page(meta_line="<div class='meta'>آخر تحديث: 12 جوان 2023 - 10:15 | نشر في: 10 جوان 2023 - 18:30</div>"))
    assert got.at == dt.datetime(2023, 6, 10, 17, 30, tzinfo=dt.timezone.utc)
    assert got.day == dt.date(2023, 6, 10) and got.updated.date() == dt.date(2023, 6, 12)


def test_updated_time_element_before_the_published_one():
    line = ("<div class='entry-meta'>Mis à jour <time class='updated' datetime='2021-07-06T16:20:00+01:00'>6 juillet"
            "</time> Publié le <time class='entry-date published' datetime='2021-07-04T09:00:00+01:00'>4 juillet"
            "</time></div>")
    got = choose(page(meta_line=line))
    assert got.how == "time" and got.day == dt.date(2021, 7, 4)


def test_modified_meta_is_never_the_publication_date():
    got = choose(page(head="<meta property='article:modified_time' content='2024-05-01T10:00:00+01:00'>"))
    assert got.at is None and got.updated is not None


def test_json_ld_article_node_beats_webpage_node():
    ld = ('<script type="application/ld+json">{"@graph":[{"@type":"WebPage","datePublished":"2020-01-01T00:00:00Z"},'
          '{"@type":"NewsArticle","datePublished":"2024-02-08T23:40:00+01:00"}]}</script>')
    got = choose(page(head=ld))
    assert got.how == "json-ld" and got.at.isoformat() == "2024-02-08T23:40:00+01:00"
    assert got.day == dt.date(2024, 2, 8)


def test_utc_stamp_takes_the_day_the_byline_prints():
    # the Tunisian shape: the CMS stamps local time as Z; the page prints the 8th
    ld = '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2024-02-08T23:15:00Z"}</script>'
    got = choose(page(head=ld, meta_line="<div class='post-date'>Publié le 08/02/2024 à 23:15</div>"))
    assert got.at == dt.datetime(2024, 2, 8, 23, 15, tzinfo=dt.timezone.utc)
    assert got.day == dt.date(2024, 2, 8)
    # without a byline, a UTC stamp's day is the Moroccan one
    alone = choose(page(head=ld))
    assert alone.day == dt.date(2024, 2, 9)


def test_naive_byline_time_takes_the_pages_own_offset():
    head = "<meta property='article:modified_time' content='2023-11-04T09:05:00+02:00'>"
    got = choose(page(head=head, meta_line="<span class='date'>3 تشرين الثاني 2023 | 14:20</span>"))
    assert got.at.isoformat() == "2023-11-03T14:20:00+02:00"


def test_levantine_date_with_gmt_offset_and_update_time():
    got = choose(page(meta_line="<div class='news-info'>الأحد، 04 آب/اغسطس 2013، آخر تحديث 02:21 (GMT+0400)</div>"))
    assert got.day == dt.date(2013, 8, 4) and got.at.utcoffset() == dt.timedelta(hours=4)


def test_related_and_most_read_dates_are_furniture():
    after = ("<div class='related-posts'><ul><li>خبر آخر <span class='date'>02 مارس 2024</span></li></ul></div>"
             "<aside><ul><li>خبر <span>01 مارس 2024</span></li></ul></aside>")
    got = choose(page(after=after))
    assert got.at is None and {dt.date(2024, 3, 2), dt.date(2024, 3, 1)} <= got.forbidden_days


def test_url_date_is_a_last_page_resort():
    got = choose(page(), url="https://news.example.ma/2024/03/12/story.html")
    assert got.how == "url" and got.day == dt.date(2024, 3, 12)


def test_future_structured_date_is_rejected_with_reason():
    got = choose(page(head="<meta property='article:published_time' content='2099-01-01T10:00:00+01:00'>",
                      meta_line="<span>نشر في 12 مارس 2024</span>"))
    assert got.day == dt.date(2024, 3, 12) and any("future" in r for r in got.rejected)


@pytest.mark.parametrize("guess_day, accepted", [("2024-03-14", False), ("2024-03-10", True)])
def test_htmldate_guess_is_checked_against_furniture(guess_day, accepted):
    got = choose(page(top="<div class='top-bar'><span class='today'>الخميس 14 مارس 2024</span></div>"))
    assert got.accepts_guess(dt.date.fromisoformat(guess_day)) is accepted


def test_extract_refuses_a_header_today_guess_and_falls_back_to_the_feed():
    from transforms.core.records import FeedEntry
    doc = page(top="<div class='top-bar'><span class='today'>Thursday 14 March 2024</span></div>")
    pub = dt.datetime(2024, 3, 12, 8, 0, tzinfo=dt.timezone.utc)
    entry = FeedEntry(feed_url="https://news.example.ma/feed", source="x", link=URL, published=pub)
    art = extract_article(doc, URL, entry, config=make_trafilatura_config(), now=NOW)
    assert art.published_at == pub and art.field_sources["published_at"] == "feed"
    assert art.published_date == dt.date(2024, 3, 12)


def test_odd_markup_never_raises():
    for doc in ("<html><body><p>x</p></body></html>", "<html><head><script type='application/ld+json'>{bad"
                "</script></head><body><h1>t</h1></body></html>", page(head="<meta name='date' content='garbage'>")):
        got = choose(doc)
        assert got.at is None or got.at.tzinfo is not None


def test_a_logo_h1_in_the_site_header_is_not_the_headline():
    doc = ("<html><body><header><h1 class='brand-name'>جريدة المساء الجديد</h1>"
           "<span class='d'>الخميس 14 مارس 2024</span></header><div class='wrap'><h1>عنوان الخبر عن توقيف شخصين</h1>"
           "<div class='meta'>الثلاثاء 12 مارس 2024</div><div>" + PARA * 3 + "</div></div></body></html>")
    got = choose(doc)
    assert got.day == dt.date(2024, 3, 12)
