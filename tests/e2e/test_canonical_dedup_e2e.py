"""Two URLs, one story; and a page of links: through ``pipeline.run`` into a DuckDB file.

A fictional outlet on 127.0.0.1 (``pipeline.sample.server.SampleServer`` serving a
site written here) lists three links in its feed: the story at its own address,
the same story under an ``/amp/`` address whose page declares the first as its
``rel=canonical`` (longer text: a "read also" paragraph), and a "dossier" page
that is only a list of links (``og:type=article``, a feed summary of its own).
Expected: one ``stories`` row (the page at the canonical URL), one
``duplicate_canonical`` errors row naming it, one ``not_article`` errors row.
"""
from __future__ import annotations

import contextlib
import io
import re
from html import escape

import pytest
from helpers import free_port, query

from pipeline.run import run
from pipeline.sample.server import SampleServer

STORY = "/atlas/2026/11/settat-crash.html"
AMP = "/atlas/amp/settat-crash.html"
DOSSIER = "/atlas/dossiers/road-safety.html"
PARAS = [
    "لقي سائق دراجة نارية مصرعه، مساء الأحد، في حادثة سير وقعت على الطريق الوطنية رقم واحد قرب مدينة سطات، "
    "بعد اصطدام عنيف بشاحنة لنقل البضائع كانت متجهة نحو الدار البيضاء.",
    "وأفادت مصادر محلية أن عناصر الوقاية المدنية نقلت جثة الضحية إلى مستودع الأموات بالمستشفى الإقليمي، "
    "فيما فتحت مصالح الدرك الملكي بحثا لتحديد ظروف وملابسات الحادثة.",
    "وتعرف هذه المقطع الطرقي حوادث متكررة، حسب شهادات السكان الذين طالبوا بإحداث ممرات آمنة وتشديد المراقبة.",
]
HEADLINES = ["مصرع سائق دراجة نارية في اصطدام بشاحنة قرب سطات", "حملة مراقبة للسرعة على الطريق السيار",
             "انقلاب حافلة لنقل العمال بضواحي أكادير", "توقيف سائق في حالة سكر بعد مطاردة في فاس",
             "ارتفاع عدد ضحايا حوادث السير خلال الأسبوع", "إصلاح مقطع طرقي خطير بإقليم الحوز"]


def _page(title: str, body: str, og_type: str = "article") -> str:
    return f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>{escape(title)}</title>
<link rel="canonical" href="{{{{BASE}}}}{STORY if og_type == 'article' and 'dossier' not in title else DOSSIER}">
<meta property="og:type" content="{og_type}">
<meta property="article:published_time" content="2026-11-15T19:00:00+01:00"></head>
<body><nav><a href="/">الرئيسية</a> <a href="/atlas/">حوادث</a></nav>
<div class="content"><h1>{escape(title)}</h1>{body}</div><footer>أطلس نيوز © 2026</footer></body></html>"""


def write_site(root) -> None:
    story = "".join(f"<p>{escape(p)}</p>" for p in PARAS)
    amp = story + "<p>" + escape("اقرأ أيضا في الموقع نفسه تقارير أخرى عن حوادث السير على الطرق الوطنية "
                                 "والطرق السيارة خلال هذا الشهر بعدد من الجهات") + "</p>"
    links = "".join(f'<p><a href="/atlas/{i}.html">{escape(h)}</a> <span>1{i} نونبر 2026</span></p>'
                    for i, h in enumerate(HEADLINES))
    pages = {STORY: _page("مصرع سائق دراجة نارية قرب سطات", story),
             AMP: _page("مصرع سائق دراجة نارية قرب سطات", amp),
             DOSSIER: _page("ملف dossier: السلامة الطرقية", links)}
    for path, html in pages.items():
        (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / path.lstrip("/")).write_text(html, encoding="utf-8")
    summary = escape("ملف شامل عن السلامة الطرقية في المغرب يجمع أخبار الحوادث وحملات المراقبة " * 3)
    items = "".join(f"<item><title>خبر</title><link>{{{{BASE}}}}{p}</link><guid>{p}</guid>"
                    f"<description>{summary if p == DOSSIER else ''}</description>"
                    f"<pubDate>Sun, 15 Nov 2026 18:00:00 GMT</pubDate></item>" for p in (AMP, STORY, DOSSIER))
    (root / "atlas" / "feed.xml").write_text(
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>أطلس</title>{items}'
        f"</channel></rss>", encoding="utf-8")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("canonical")
    site, db, config = root / "site", root / "w.duckdb", root / "feeds.yaml"
    write_site(site)
    out = io.StringIO()
    with SampleServer(site_dir=site, port=free_port()) as server, contextlib.redirect_stdout(out):
        config.write_text("http: {per_host_min_delay: 0, retries: 0, respect_robots: false}\nfeeds:\n"
                          f"  - {{url: '{server.base_url}/atlas/feed.xml', source: atlas, language: ar}}\n",
                          encoding="utf-8")
        assert run(["--config", str(config), "--warehouse", f"duckdb:///{db}", "--allow-private-hosts",
                    "--run-id", "canon-1"]) == 0
        base = server.base_url
    return db, base, out.getvalue()


def test_one_story_row_the_page_at_the_canonical_url(warehouse):
    db, base, _ = warehouse
    rows = query(db, "SELECT url, canonical_url FROM stories")
    assert rows == [(base + STORY, base + STORY)]


def test_the_other_copy_is_a_duplicate_canonical_errors_row_naming_the_winner(warehouse):
    db, base, _ = warehouse
    rows = query(db, "SELECT stage, url, message, source FROM errors WHERE error_type = 'duplicate_canonical'")
    assert len(rows) == 1
    stage, url, message, source = rows[0]
    assert (stage, url, source) == ("canonical_dedup", base + AMP, "atlas") and base + STORY in message


def test_the_page_of_links_is_not_article(warehouse):
    db, base, _ = warehouse
    rows = query(db, "SELECT stage, error_type, message FROM errors WHERE url = ?", [base + DOSSIER])
    assert len(rows) == 1 and rows[0][:2] == ("extract", "not_article") and "link list" in rows[0][2]


def test_the_summary_counts_the_duplicate(warehouse):
    _, _, printed = warehouse
    assert re.search(r"same canonical URL \(errors rows\) +1\n", printed)
    assert re.search(r"rows built +2\n", printed) and re.search(r"rows written this run +1\n", printed)
    assert "canonical_dedup: 1" in printed and "extract: 1" in printed
