"""The fused page worker (issue 17): one page in, the finished row (or dead letters naming
their stage) out; the same outcome in-process and in a guarded child; a late page is
named by the step it was in."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.clean_rules import load_rules
from transforms.core.records import FeedEntry, Page
from transforms.guarded_process import GuardCrashed, GuardedPool, GuardedProcess, GuardTimeout
from transforms.process_page import PageWork, PageWorker, failed_outcome, page_worker
from transforms.process_pages import ProcessPages

FIXTURES = Path(__file__).parent / "fixtures" / "html"
URL = "https://news.example.ma/2023/04/story-4812.html"
WORK = PageWork(clean_rules=load_rules(), run_id="fused")


def _page(name: str = "ar_wp_court", url: str = URL) -> Page:
    entry = FeedEntry(feed_url="https://news.example.ma/feed", source="fixture", link=url, title="")
    return Page(entry=entry, url=url, final_url=url, status=200,
                html=(FIXTURES / f"{name}.html").read_text(encoding="utf-8"),
                fetched_at=dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc))


@pytest.fixture(scope="module")
def worker():
    return PageWorker(WORK)


def test_a_page_becomes_a_signed_row_with_line_keys_and_counters(worker):
    out = worker(_page())
    assert out.errors == []
    assert out.row["url"] == URL and out.row["run_id"] == "fused" and out.row["language"] == "ar"
    assert out.row["text"] and out.signature.article_id == out.row["article_id"]
    assert out.signature.signature is not None
    assert out.line_items and all(key[0] == "fixture" for key, _ in out.line_items)
    for key in (("extract", "articles"), ("clean", "articles_cleaned"), ("language", "arabic"),
                ("classify", "classified"), ("build_row", "rows"), ("cluster", "signed")):
        assert out.counters[key] == 1, key


def test_not_an_article_is_one_extract_dead_letter(worker):
    page = _page()
    page = Page(entry=page.entry, url=URL, final_url=URL, status=200, html="<html><body></body></html>")
    out = worker(page)
    assert out.row is None and out.line_items == []
    assert [(e.stage, e.error_type, e.url) for e in out.errors] == [("extract", "empty_page", URL)]
    assert out.counters[("extract", "error_empty_page")] == 1


def test_line_keys_are_left_out_when_not_learning():
    out = PageWorker(PageWork(clean_rules=load_rules(), run_id="s", line_keys=False))(_page())
    assert out.row is not None and out.line_items == []


def test_the_guarded_child_gives_the_same_outcome(worker):
    guard = GuardedProcess(page_worker(WORK), timeout_s=60)
    try:
        there = guard.call(_page())
    finally:
        guard.close()
    here = worker(_page())
    assert there.row == here.row and there.signature == here.signature
    assert there.line_items == here.line_items and there.counters == here.counters


@pytest.mark.parametrize("step, stage, error_type", [
    ("extract", "extract", "timeout"), ("", "extract", "timeout"), ("classify", "classify", "timeout"),
    ("clean", "clean", "timeout")])
def test_a_late_page_is_named_by_the_step_it_was_in(step, stage, error_type):
    out = failed_outcome(_page(), GuardTimeout("late", note=step), step, 15.0)
    assert [(e.stage, e.error_type, e.url) for e in out.errors] == [(stage, error_type, URL)]
    assert "15s" in out.errors[0].message


def test_a_crashed_worker_is_a_dead_letter_of_its_step():
    out = failed_outcome(_page(), GuardCrashed("gone"), "language", 15.0)
    assert [(e.stage, e.error_type) for e in out.errors] == [("language", "worker_crashed")]
    out = failed_outcome(_page(), GuardCrashed("gone"), "extract", 15.0)
    assert [(e.stage, e.error_type) for e in out.errors] == [("extract", "worker_crashed")]


def test_a_worker_that_dies_once_is_replaced_and_the_call_tried_again(monkeypatch, tmp_path):
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))      # tests/guard_steps.py
    import guard_steps

    pool = GuardedPool(guard_steps.crasher, size=1, timeout_s=30)
    try:
        assert pool.submit(f"die-once:{tmp_path / 'marker'}").result() == "done"
        with pytest.raises(GuardCrashed) as dead:
            pool.submit("die").result()
        assert dead.value.tries == 2
        assert pool.submit("fine").result() == "done"          # and the pool still serves
    finally:
        pool.close()


def test_the_guard_reports_the_step_a_late_call_was_in(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))      # tests/guard_steps.py
    import guard_steps

    guard = GuardedProcess(guard_steps.stepper, timeout_s=2)
    try:
        assert guard.call("none") == "done"
        with pytest.raises(GuardTimeout) as late:
            guard.call("b")
        assert late.value.note == "step-b"
        assert guard.call("none") == "done"                 # a fresh child took over
    finally:
        guard.close()


def test_a_pool_runs_calls_in_parallel_children_and_keeps_their_order_of_results(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    import guard_steps

    pool = GuardedPool(guard_steps.stepper, size=2, timeout_s=2)
    try:
        futures = [pool.submit("none") for _ in range(4)] + [pool.submit("b")]
        assert [f.result() for f in futures[:4]] == ["done"] * 4
        with pytest.raises(GuardTimeout) as late:
            futures[4].result()
        assert late.value.note == "step-b"
    finally:
        pool.close()


def test_the_beam_stage_in_children_and_in_process_gives_the_same_rows():
    pages = [_page("ar_wp_court", URL), _page("fr_wp_theft", URL.replace("4812", "4813")),
             _page("ar_wp_court", URL.replace("4812", "4814"))]
    bad = Page(entry=pages[0].entry, url=URL + "?empty", final_url=URL + "?empty", status=200, html=" ")
    expected = {(o.row["url"], o.row["title"], o.row["language"])
                for o in (PageWorker(WORK)(p) for p in pages)}
    for timeout in (None, 60.0):
        with TestPipeline() as p:
            out = p | beam.Create(pages + [bad]) | ProcessPages(WORK, timeout, workers=2)
            assert_that(out.main | beam.Map(lambda pair: (pair[0]["url"], pair[0]["title"], pair[0]["language"])),
                        equal_to(sorted(expected)), label="rows")
            assert_that(out.errors | beam.Map(lambda e: (e.stage, e.error_type)),
                        equal_to([("extract", "empty_page")]), label="errors")
