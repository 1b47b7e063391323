"""The author without the site's name (issue 19, item 5), on the byline shapes seen."""
import datetime as dt

import pytest
import yaml
from helpers import SAMPLE_SITE
from lxml import html as lxml_html

from transforms.extract import extract_article, make_trafilatura_config
from transforms.page_authors import clean_author, find_author

CONFIG = make_trafilatura_config()


@pytest.mark.parametrize("raw, site, want", [
    ("الأطلس اليوم محمد الإدريسي", "الأطلس اليوم", "محمد الإدريسي"),       # the sample outlet's shape
    ("الوطن 24 - عبد الله المرابط", "الوطن 24", "عبد الله المرابط"),
    ("Youssef Amrani | L'Observateur du Nord", "L'Observateur du Nord", "Youssef Amrani"),
    ("Par Samir Kaci — 10/06/2024", "", "Samir Kaci"),
    ("بقلم: هشام الوزاني", "", "هشام الوزاني"),
    ("كتب: محمود عبد الرحمن | الخميس ١٤ رجب ١٤٤٥ هـ", "", "محمود عبد الرحمن"),
    ("Par Claire Benali (Dakhla, envoyée spéciale)", "Le Quotidien du Soir", "Claire Benali"),
    ("«المراقب المغربي»", "المراقب المغربي", ""),                            # the site alone is no author
    ("Le Courrier de l'Atlas", "Le Courrier de l'Atlas", ""),
    ("https://example.ma/author/x", "", ""),
    ("admin", "", ""),
    ("Fatima-Zahra Idrissi", "Souss Actu", "Fatima-Zahra Idrissi"),
    ("Yann Le Goff", "", "Yann Le Goff"),
    ("Le Quotidien du Soir avec AFP", "Le Quotidien du Soir", "AFP"),
    ("", "x", ""),
])
def test_clean_author(raw, site, want):
    assert clean_author(raw, site) == want


def _find(doc, site=""):
    tree = lxml_html.fromstring(doc)
    metas = {(m.get("name") or m.get("property") or "").lower(): m.get("content")
             for m in tree.xpath("//meta[@content]")}
    return find_author(tree, metas, site)


def test_byline_with_the_site_name_then_the_author_element():
    doc = ("<html><body><article><h1>عنوان طويل للخبر</h1><div class='entry-meta'><span class='byline'>"
           "الأطلس اليوم <span class='author vcard'>سعيد أوبلا</span></span></div><p>نص</p></article></body></html>")
    assert _find(doc, "الأطلس اليوم") == "سعيد أوبلا"


def test_json_ld_organization_is_not_an_author_but_a_person_is():
    org = ('<html><head><script type="application/ld+json">{"@type":"NewsArticle","author":'
           '{"@type":"Organization","name":"Tunis Hebdo Info"}}</script></head><body><h1>Un titre</h1></body></html>')
    assert _find(org, "Tunis Hebdo Info") == ""
    person = org.replace('"@type":"Organization","name":"Tunis Hebdo Info"', '"@type":"Person","name":"Amel Trabelsi"')
    assert _find(person, "Tunis Hebdo Info") == "Amel Trabelsi"


def test_comment_author_is_never_the_author():
    doc = ("<html><body><article><h1>عنوان طويل للخبر</h1><p>نص</p></article><div id='comments'>"
           "<span class='comment-author'>مواطن غيور</span></div></body></html>")
    assert _find(doc) == ""


def _sample_articles():
    manifest = yaml.safe_load((SAMPLE_SITE / "manifest.yaml").read_text(encoding="utf-8"))
    return [a for a in manifest["articles"] if a.get("author")]


@pytest.mark.parametrize("art", _sample_articles(), ids=lambda a: a["id"])
def test_every_sample_story_gets_the_author_without_the_site_name(art):
    html = (SAMPLE_SITE / art["path"].lstrip("/")).read_text(encoding="utf-8").replace("{{BASE}}", "http://127.0.0.1:1")
    got = extract_article(html, "http://127.0.0.1:1" + art["path"], config=CONFIG,
                          now=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
    assert got.author == art["author"]
    assert got.published_at == dt.datetime.fromisoformat(art["published"])
    assert got.published_date == dt.datetime.fromisoformat(art["published"]).date()
