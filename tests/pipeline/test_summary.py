"""The run summary's accounting and the exit code a scheduler sees (pipeline/summary.py)."""
from __future__ import annotations

import io

import pytest

from pipeline.summary import RunFigures, exit_code, print_summary


def figures(**counters) -> RunFigures:
    c = {("read_feeds", "entries"): 11, ("read_feeds", "entries_over_cap"): 2, ("new_entries", "errors"): 1,
         ("new_entries", "already_stored"): 3,
         ("new_entries", "duplicates_in_run"): 1, ("new_entries", "kept"): 4, ("fetch_page", "fetched"): 3,
         ("fetch_page", "failed"): 1}
    c.update({tuple(k.split("__")): v for k, v in counters.items()})
    return RunFigures(run_id="r", seconds=1.0, warehouse_name="duckdb file x", streaming=False, counters=c,
                      feeds={"ok": 3, "not_modified": 1, "failed": 1})


def test_counts_that_add_up_exit_0_and_print_every_step():
    fig = figures()
    assert fig.unaccounted() is None and exit_code(fig, max_failed_share=0.5) == (0, "")
    out = io.StringIO()
    print_summary(fig, out)
    text = out.getvalue()
    assert "5: 3 ok, 1 not modified (304), 0 unchanged, 1 failed" in text
    assert "over the per-feed cap (skipped)  2" in text and "pages fetched                      3 (failed: 1)" in text


@pytest.mark.parametrize("change, fragment", [
    ({"read_feeds__entries": 12}, "12 feed entries but 11"),
    ({"fetch_page__fetched": 2}, "4 new entries but 3 pages fetched or failed"),
])
def test_lost_entries_exit_1(change, fragment):
    code, reason = exit_code(figures(**change), max_failed_share=0.5)
    assert code == 1 and fragment in reason


def test_feed_failures_and_errors():
    fig = figures()
    fig.feeds = {"failed": 3}
    assert exit_code(fig, max_failed_share=1.0)[0] == 3               # none could be polled
    fig.feeds = {"ok": 1, "failed": 2}
    assert exit_code(fig, max_failed_share=0.5)[0] == 3
    assert exit_code(fig, max_failed_share=0.7)[0] == 0
    fig.errors_by_stage = {"fetch_page": 1}
    assert exit_code(fig, max_failed_share=0.7, fail_on_errors=True) == (4, "--fail-on-errors: this run "
                                                                           "recorded 1 errors rows")


def test_a_streaming_run_is_not_checked_against_partial_counters():
    fig = figures(read_feeds__entries=999)
    fig.streaming, fig.metrics_reliable = True, False
    assert fig.unaccounted() is None


def test_new_entries_counts_every_entry_once():
    """entries = already stored + duplicates + kept, also for a stored story listed by two feeds."""
    import apache_beam as beam
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner

    from pipeline.summary import counters
    from transforms.core.records import FeedEntry
    from transforms.fetch_pages import NewEntries, entry_key

    def e(feed, link):
        return FeedEntry(feed_url=f"http://f.test/{feed}", source="s", link=f"http://f.test/{link}")

    entries = [e("a", "stored"), e("b", "stored"), e("a", "new1"), e("b", "new1"), e("a", "new2")]
    p = beam.Pipeline(runner=FnApiRunner())
    _ = p | beam.Create(entries) | NewEntries(frozenset({entry_key(entries[0])}))     # noqa: F841
    c = counters(p.run())
    got = (c[("new_entries", "already_stored")], c[("new_entries", "duplicates_in_run")], c[("new_entries", "kept")])
    assert got == (2, 1, 2) and sum(got) == len(entries)


def test_unusable_feed_entries_are_counted_in_the_lines_that_add_up():
    """An entry without a link or with a bad link is a feed entry and an unusable one."""
    fig = figures(read_feeds__entries=14, read_feeds__unusable_entries=3)
    assert fig.unusable == 4 and fig.unaccounted() is None
    out = io.StringIO()
    print_summary(fig, out)
    assert "feed entries                       14" in out.getvalue()
    assert "  unusable (errors rows)           4" in out.getvalue()
    lost = figures(read_feeds__entries=14)            # the three unusable entries not counted: lost
    assert "14 feed entries but 11" in exit_code(lost, max_failed_share=0.5)[1]


def test_failed_polls_count_polls_not_the_feed_stage_errors_rows(tmp_path):
    """Streaming: one failed poll is one read_feeds row; rows about single entries are not polls."""
    import datetime as dt

    from pipeline.summary import _duckdb_facts
    from pipeline.warehouse.duckdb_setup import ensure_duckdb, write_warehouse
    from transforms.core.deadletter import error_row
    from transforms.core.records import ErrorRecord
    from transforms.write_duckdb import upsert_rows

    path = str(tmp_path / "w.duckdb")
    ensure_duckdb(path)
    kinds = [("read_feeds", "connection_error"), ("read_feeds", "not_a_feed"), ("read_feeds", "entry_without_link"),
             ("read_feeds", "bad_link"), ("read_feeds", "over_entry_cap"), ("read_feeds", "bad_entry"),
             ("fetch_page", "http_5xx")]
    rows = [error_row(ErrorRecord(stage=s, url=f"http://f.test/{i}", error_type=k, message="m"), "s1")
            for i, (s, k) in enumerate(kinds)]
    with write_warehouse(path) as con:
        upsert_rows(con, "errors", rows)          # as the sink writes them
    facts = _duckdb_facts(path, "s1", dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc), [])
    assert facts["failed_polls"] == 2 and facts["errors_by_stage"] == {"fetch_page": 1, "read_feeds": 6}
    fig = RunFigures(run_id="s1", seconds=1.0, warehouse_name="w", streaming=True, metrics_reliable=False,
                     warehouse=facts)
    out = io.StringIO()
    print_summary(fig, out)
    assert "failed polls                       2" in out.getvalue()
