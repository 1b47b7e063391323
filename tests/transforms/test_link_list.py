"""Link lists are not articles (transforms/link_list.py, through extract_article).

The rule's figures are checked here on the project's own pages: every article
fixture and every sample-site article keeps a paragraph-like line well above
PARAGRAPH_MIN_WORDS, so none of them becomes ``not_article``.
"""
from __future__ import annotations

import html as htmllib

import pytest
from helpers import HTML_FIXTURES, SAMPLE_SITE, SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st
from trafilatura.utils import load_html

from transforms.core.records import FeedEntry
from transforms.extract import ExtractionError, extract_article, make_trafilatura_config
from transforms.link_list import MIN_LINK_LINES, PARAGRAPH_MIN_WORDS, Line, link_list_reason, page_lines

CONFIG = make_trafilatura_config()
URL = "https://news.example.ma/dossiers/amn-at-turuq.html"
ARTICLES = sorted(p for p in HTML_FIXTURES.glob("*.html") if not p.name.startswith("bad_"))
SAMPLE_PAGES = sorted(SAMPLE_SITE.rglob("*.html"))
HEADLINES = ["مصرع سائق دراجة نارية في اصطدام بشاحنة قرب سطات", "حملة مراقبة للسرعة على الطريق السيار",
             "توقيف سائق في حالة سكر بعد مطاردة في شوارع فاس", "Saisie de cannabis au port de Tanger Med",
             "Road safety campaign ahead of the holidays", "إصلاح مقطع طرقي خطير بإقليم الحوز"]


def entry(summary: str = "") -> FeedEntry:
    return FeedEntry(feed_url="https://news.example.ma/feed", source="example", link=URL, summary=summary)


def lines_of(html: str) -> list[Line]:
    return page_lines(load_html(html))


def longest_plain_line(html: str) -> int:
    return max((ln.words for ln in lines_of(html) if not ln.furniture and not ln.mostly_link), default=0)


def test_a_section_page_of_links_is_not_an_article_even_with_a_feed_summary():
    html = (HTML_FIXTURES / "bad_section_links.html").read_text(encoding="utf-8")
    for e in (entry(), entry("ملخص طويل من الخلاصة عن أخبار حوادث السير في المغرب " * 5)):
        with pytest.raises(ExtractionError) as ei:
            extract_article(html, URL, e, config=CONFIG)
        assert ei.value.error_type == "not_article" and "link list" in ei.value.message


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_no_article_fixture_is_a_link_list(path):
    html = path.read_text(encoding="utf-8")
    assert link_list_reason(lines_of(html)) is None
    assert longest_plain_line(html) >= 29 > PARAGRAPH_MIN_WORDS        # the figure in the module docstring


def test_no_sample_site_page_is_a_link_list():
    measured = {}
    for path in SAMPLE_PAGES:
        html = path.read_text(encoding="utf-8")
        assert link_list_reason(lines_of(html)) is None, path
        measured[path.name] = longest_plain_line(html)
    articles = [n for n in measured.values() if n]            # one sample page is JavaScript only
    assert len(articles) == len(SAMPLE_PAGES) - 1 and min(articles) >= 35 > PARAGRAPH_MIN_WORDS


def test_no_seed_is_a_link_list_when_laid_out_as_a_page_with_a_menu():
    seeds = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not seeds:
        pytest.skip("../shared/seeds is absent")
    menu = "".join(f'<div class="x"><a href="/c/{i}">قسم {i}</a></div>' for i in range(12))   # not marked furniture
    for path in seeds:
        paras = "".join(f"<p>{htmllib.escape(ln)}</p>" for ln in path.read_text(encoding="utf-8").splitlines())
        assert link_list_reason(lines_of(f"<html><body>{menu}<h1>عنوان</h1>{paras}</body></html>")) is None, path


def test_one_plain_paragraph_of_twelve_words_saves_a_page_of_links():
    links = "".join(f'<p><a href="/{i}">{htmllib.escape(h)}</a></p>' for i, h in enumerate(HEADLINES))
    short = " ".join(["كلمة"] * (PARAGRAPH_MIN_WORDS - 1))
    assert link_list_reason(lines_of(f"<html><body>{links}<p>{short}</p></body></html>"))
    assert link_list_reason(lines_of(f"<html><body>{links}<p>{short} أخرى</p></body></html>")) is None


def test_a_vocalised_word_counts_once():
    # harakat are combining marks: \\w alone split "الصَّحَفِيُّ" into four words
    vocalised = " ".join(["كَتَبَ الصَّحَفِيُّ"] * 3)          # six words, not twenty
    assert lines_of(f"<html><body><p>{vocalised}</p></body></html>")[0].words == 6
    assert lines_of("<html><body><p>cafe\u0301 de\u0301ja\u0300 vu</p></body></html>")[0].words == 3   # decomposed accents


def test_lines_split_at_breaks_and_blocks_and_furniture_is_left_out():
    html = ('<html><body><nav><p>' + " ".join(["قائمة"] * 30) + '</p></nav>'
            '<div><a href="/a">عنوان أول</a><br><a href="/b">عنوان ثان</a> أمس<div>نص</div>ذيل</div></body></html>')
    got = lines_of(html)
    assert got == [Line(30, 0, True), Line(2, 2, False), Line(3, 2, False), Line(1, 0, False), Line(1, 0, False)]


def test_the_headline_wrapper_is_not_furniture_but_the_site_header_is():
    lede = " ".join(["نص"] * 20)
    html = (f'<html><body><header><p>{lede}</p></header><article><header><h1>عنوان الخبر هنا</h1><p>{lede}</p>'
            f'</header></article></body></html>')
    assert [ln.furniture for ln in lines_of(html) if ln.paragraph_like] == [True, False]


def test_deep_markup_does_not_hit_the_recursion_limit():
    from lxml import etree

    root = top = etree.Element("body")
    for _ in range(5000):                      # deeper than Python's recursion limit (lxml's parser stops at 255)
        top = etree.SubElement(top, "div")
    top.text = "نص"
    assert page_lines(root) == [Line(1, 0, False)]


_TAGS = st.sampled_from(["p", "div", "li", "span", "a", "h2", "nav", "footer", "td", "br", "script", "b"])
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@st.composite
def markup(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3))
        if kind == 0 or depth > 3:
            parts.append(htmllib.escape(draw(_TEXT)))
        elif kind == 1:
            parts.append(draw(st.sampled_from(["<br>", "<!-- c -->", "<?pi x?>", "</p>", "<p", "&#0;", "<a>"])))
        else:
            tag = draw(_TAGS)
            attrs = draw(st.sampled_from(["", ' href="/x"', ' class="menu"', ' id="sidebar"', ' class="post"']))
            parts.append(f"<{tag}{attrs}>{draw(markup(depth + 1))}</{tag}>")
    return "".join(parts)


@settings(max_examples=200, deadline=None)
@given(markup(), st.booleans())
def test_random_markup_never_raises(body, wrap):
    html = f"<html><body>{body}</body></html>" if wrap else body
    tree = load_html(html) if html.strip() else None
    if tree is None:
        return
    lines = page_lines(tree)
    assert all(ln.words >= ln.link_words >= 0 for ln in lines)
    reason = link_list_reason(lines)
    assert reason is None or "link list" in reason


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), st.booleans()), max_size=30))
def test_the_rule_on_random_lines(specs):
    lines = [Line(w, min(lw, w), f) for w, lw, f in specs]
    reason = link_list_reason(lines)
    content = [ln for ln in lines if ln.words and not ln.furniture]
    if any(ln.paragraph_like for ln in content):
        assert reason is None
    links = sum(ln.mostly_link for ln in content)
    assert (reason is not None) == (not any(ln.paragraph_like for ln in content)
                                    and links >= MIN_LINK_LINES and 2 * links >= len(content))
