"""Smoke test of the benchmark command, as CI runs it: ``python -m benchmarks.run --articles 50``.

It checks that the table is produced and that the counts are right (one
warehouse row per article, every article fetched once on the first run and
never on the rerun). Timings are recorded, never asserted.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import REPO

from benchmarks import corpus, templates

ROOT = REPO
N = 50

needs_shared = pytest.mark.skipif(
    not (corpus.shared_dir() / corpus.DEV_RELATIVE).is_file(),
    reason=f"benchmark corpus source {corpus.shared_dir() / corpus.DEV_RELATIVE} is absent "
           "(put the shared data folder beside the checkout)")


def test_paragraph_split_and_dates_use_our_own_text():
    text = "جملة أولى طويلة بما يكفي لتكون فقرة كاملة هنا.جملة ثانية طويلة أيضا بما يكفي لتكون فقرة."
    assert corpus.split_paragraphs(text) == (
        "جملة أولى طويلة بما يكفي لتكون فقرة كاملة هنا.", "جملة ثانية طويلة أيضا بما يكفي لتكون فقرة.")
    fallback = corpus.dt.datetime(2000, 1, 1, tzinfo=corpus.dt.timezone.utc)
    when = corpus.parse_date("الاثنين 07 شتنبر 2020 - 11:20", fallback)
    assert (when.year, when.month, when.day, when.hour) == (2020, 9, 7, 11)
    assert corpus.parse_date("no date here", fallback) is fallback


@pytest.mark.parametrize("site", sorted(templates.SITES))
def test_templates_reach_the_target_size_and_keep_the_story(site):
    story = templates.Story(id="abc123def456", title="عنوان تجريبي للمقال",
                            paragraphs=("فقرة أولى كتبت للاختبار فقط.", "فقرة ثانية كتبت للاختبار فقط."),
                            author="هيئة التحرير", date_text="الاثنين 07 شتنبر 2020 - 11:20",
                            iso_date="2020-09-07T11:20:00+01:00", topic="societe")
    related = [(f"عنوان مرتبط رقم {i}", f"{{{{BASE}}}}/x/{i}.html", "2020") for i in range(20)]
    page = templates.PageContext(url="{{BASE}}/x/abc.html", section="societe", related=related,
                                 target_bytes=80_000, seed=3)
    html = templates.render(site, story, page)
    size = len(html.encode("utf-8"))
    assert 78_000 <= size <= 80_000
    assert "فقرة ثانية كتبت للاختبار فقط." in html and "<!--CSS-->" not in html and "<!--JS-->" not in html
    assert html.count("عنوان مرتبط رقم") >= 10          # related/most-read boilerplate is there


def test_missing_shared_data_fails_with_a_clear_message(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--articles", "5", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "SHARED_DIR": str(tmp_path / "nowhere")})
    assert proc.returncode == 2
    assert "dev.jsonl" in proc.stderr and "not found" in proc.stderr


@needs_shared
def test_benchmark_command_produces_the_table_and_right_counts(tmp_path):
    out = tmp_path / "bench_out"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--articles", str(N), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "| pipeline, first run" in proc.stdout and "pipeline ÷ bare loop" in proc.stdout

    r = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert r["articles"] == N and len(r["templates"]) >= 3
    assert 60 <= r["page_kb_min"] and r["page_kb_max"] <= 120
    assert r["table"] in proc.stdout
    # every page went through the bare loop and trafilatura's CLI
    assert r["bare"]["pages"] == N and r["bare"]["stories"] + sum(r["bare"]["errors"].values()) == N
    assert r["trafilatura"]["returncode"] == 0 and r["trafilatura"]["pages"] == N
    # first run: each article fetched once and stored once
    first = r["pipeline"]
    assert first["returncode"] == 0
    assert first["article_requests"] == N
    assert first["rows_this_run"] + sum(first["errors"].values()) >= N
    assert first["rows_total"] == N
    # rerun over unchanged feeds: no article fetched, nothing new written
    rerun = r["rerun"]
    assert rerun["returncode"] == 0
    assert rerun["article_requests"] == 0 and rerun["feed_requests"] >= r["feeds"]
    assert rerun["rows_this_run"] == 0 and rerun["rows_total"] == N
    assert r["classify"]["stories"] >= N
    assert first["peak_rss_bytes"] > 0
    for key in ("pipeline_vs_bare", "pipeline_vs_trafilatura", "rerun_vs_first"):
        assert r["summary"]["ratios"][key] is not None
