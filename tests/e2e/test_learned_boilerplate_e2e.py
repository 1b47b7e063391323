"""Per-source learned boilerplate through the warehouse.

A site repeats one short house line ("أخبار المدينة الآن – الخبر كما هو") at
the end of every story: no generic rule knows it. The first batch run counts
it into ``source_lines``; the next run reads those counts at launch and the
cleaner drops the line (rule ``learned_source_line``), while real paragraphs
stay.
"""
from __future__ import annotations

import duckdb
from helpers import free_port

from pipeline.run import run
from pipeline.sample.server import SampleServer

HOUSE_LINE = "أخبار المدينة الآن – الخبر كما هو"
PARAS = [
    "عقد المجلس الجماعي للمدينة دورته العادية لمناقشة برنامج تهيئة الأحياء الناقصة التجهيز وتوسيع شبكة الإنارة العمومية.",
    "وأوضح رئيس المجلس أن الأشغال ستنطلق خلال الأسابيع المقبلة بعد استكمال دراسات الجدوى وإبرام الصفقات مع المقاولات.",
    "وطالب عدد من المستشارين بإعطاء الأولوية للطرق المؤدية إلى المدارس والمراكز الصحية في الأحياء الطرفية للمدينة.",
]


def page(i: int) -> str:
    body = "".join(f"<p>{p} (تقرير رقم {i})</p>" for p in PARAS)
    return f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>مجلس المدينة يناقش تهيئة الأحياء {i}</title></head><body>
<article><h1>مجلس المدينة يناقش تهيئة الأحياء {i}</h1>{body}<p>{HOUSE_LINE}</p></article></body></html>"""


def feed(items: range) -> str:
    entries = "".join(
        f"<item><title>مجلس المدينة يناقش تهيئة الأحياء {i}</title><link>{{{{BASE}}}}/p/{i}.html</link>"
        f"<guid>{i}</guid><pubDate>Mon, 0{1 + i % 8} Nov 2026 10:00:00 +0100</pubDate></item>" for i in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'


def write_site(root, items: range):
    (root / "p").mkdir(parents=True, exist_ok=True)
    for i in items:
        (root / "p" / f"{i}.html").write_text(page(i), encoding="utf-8")
    (root / "feed.xml").write_text(feed(items), encoding="utf-8")
    (root / "feeds.yaml").write_text("feeds:\n  - {url: /feed.xml, name: City, language: ar}\n")


def test_a_line_learned_in_one_run_is_removed_in_the_next(tmp_path):
    site, db = tmp_path / "site", tmp_path / "w.duckdb"
    port = free_port()
    fast = tmp_path / "feeds.yaml"
    fast.write_text("http: {per_host_min_delay: 0, retries: 0}\nfeeds:\n  - url: http://127.0.0.1/unused\n")
    for run_id, items in (("first", range(0, 8)), ("second", range(0, 10))):
        write_site(site, items)
        with SampleServer(site_dir=site, port=port) as server:
            argv = ["--config", str(fast), "--warehouse", f"duckdb:///{db}", "--allow-private-hosts",
                    "--run-id", run_id]
            for spec in server.feed_specs():
                argv += ["--feed", spec.url]
            assert run(argv) == 0
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT run_id, text, boilerplate_rules FROM stories ORDER BY run_id").fetchall()
    first = [r for r in rows if r[0] == "first"]
    second = [r for r in rows if r[0] == "second"]
    assert len(first) == 8 and len(second) == 2          # the rerun fetched only the two new pages
    assert all(HOUSE_LINE in text for _, text, _ in first)
    for _, text, rules in second:
        assert HOUSE_LINE not in text
        assert "learned_source_line:1" in rules
        assert all(p[:40] in text for p in PARAS)        # real paragraphs are kept
    learned = con.execute("SELECT articles FROM source_lines WHERE source = '127.0.0.1' AND line_sample = ?",
                          [HOUSE_LINE]).fetchall()
    assert learned and learned[0][0] == 10   # 8 articles, then 2 more: counts carry over runs
