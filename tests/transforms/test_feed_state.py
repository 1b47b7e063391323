import datetime as dt

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.core.records import ErrorRecord, FeedStatus
from transforms.core.schema import validate_row
from transforms.feed_state import HoldValidators, is_retryable, merge_feed_state

T = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
H = dt.timedelta(hours=1)
URL = "http://f.test/feed"


def st(status, at, **kw):
    return FeedStatus(feed_url=URL, polled_at=at, status=status, **kw)


def test_first_success_fills_the_row():
    row = merge_feed_state(None, st("ok", T, http_status=200, etag='"e1"', last_modified="lm", content_hash="h1",
                                    entries=3, new_entries=3))
    validate_row("feed_state", row)
    assert row == {"feed_url": URL, "etag": '"e1"', "last_modified": "lm", "content_hash": "h1", "last_polled_at": T,
                   "last_status": "ok", "last_ok_at": T, "last_new_entry_at": T, "consecutive_failures": 0,
                   "entries_total": 3}


def test_failures_count_up_keep_validators_and_reset_on_success():
    row = merge_feed_state(None, st("ok", T, http_status=200, etag='"e1"', content_hash="h1", new_entries=2))
    row = merge_feed_state(row, st("error", T + H, http_status=503))
    row = merge_feed_state(row, st("error", T + 2 * H))
    assert (row["consecutive_failures"], row["last_status"], row["etag"], row["content_hash"]) == (2, "error", '"e1"', "h1")
    assert row["last_ok_at"] == T and row["last_polled_at"] == T + 2 * H
    row = merge_feed_state(row, st("not_modified", T + 3 * H, http_status=304, etag=None))
    assert (row["consecutive_failures"], row["last_ok_at"], row["etag"]) == (0, T + 3 * H, '"e1"')
    assert row["last_new_entry_at"] == T and row["entries_total"] == 2


def test_error_status_text_carries_the_http_code():
    row = merge_feed_state(None, st("error", T, http_status=404))
    assert row["last_status"] == "error:404" and row["consecutive_failures"] == 1 and row["last_ok_at"] is None


def test_unchanged_200_updates_validators_and_totals_accumulate():
    row = merge_feed_state(None, st("ok", T, etag='"a"', content_hash="h", new_entries=5))
    row = merge_feed_state(row, st("unchanged", T + H, etag='"b"', content_hash="h"))
    row = merge_feed_state(row, st("ok", T + 2 * H, etag='"c"', content_hash="h2", new_entries=1))
    assert (row["etag"], row["entries_total"], row["last_new_entry_at"]) == ('"c"', 6, T + 2 * H)


def test_an_older_status_never_rolls_the_row_back():
    row = merge_feed_state(None, st("ok", T + H, etag='"new"'))
    row = merge_feed_state(row, st("error", T))
    assert (row["last_polled_at"], row["consecutive_failures"], row["etag"]) == (T + H, 0, '"new"')


def test_count_new_entries_sets_new_entries_from_surviving_entries():
    import apache_beam as beam
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to

    from transforms.core.records import FeedEntry
    from transforms.feed_state import CountNewEntries

    t = dt.datetime(2026, 11, 3, tzinfo=dt.timezone.utc)
    statuses = [FeedStatus(feed_url=f, polled_at=t, status="ok", entries=5, new_entries=5) for f in ("a", "b", "c")]
    new = [FeedEntry(feed_url="a", source="s", link=f"https://x.ma/{i}") for i in range(2)] + \
          [FeedEntry(feed_url="b", source="s", link="https://x.ma/9")]
    with TestPipeline() as p:
        entries = p | "E" >> beam.Create(new)
        out = p | "S" >> beam.Create(statuses) | CountNewEntries(entries)
        assert_that(out | beam.Map(lambda s: (s.feed_url, s.entries, s.new_entries)),
                    equal_to([("a", 5, 2), ("b", 5, 1), ("c", 5, 0)]))


# --- entries left to retry (retryable page failures, entries over the cap) -------------------------

def test_a_poll_with_entries_to_retry_clears_the_validators_instead_of_storing_them():
    row = merge_feed_state(None, st("ok", T, http_status=200, etag='"e1"', last_modified="lm1", content_hash="h1"))
    row = merge_feed_state(row, st("ok", T + H, http_status=200, etag='"e2"', last_modified="lm2",
                                   content_hash="h2", new_entries=2, retry_entries=1))
    assert (row["etag"], row["last_modified"], row["content_hash"]) == (None, None, None)
    assert (row["last_status"], row["last_ok_at"], row["entries_total"]) == ("ok", T + H, 2)
    row = merge_feed_state(row, st("ok", T + 2 * H, http_status=200, etag='"e3"', content_hash="h3"))
    assert (row["etag"], row["content_hash"]) == ('"e3"', "h3")          # nothing left: stored again


def test_retry_entries_on_a_304_or_a_late_status_change_nothing_else():
    row = merge_feed_state(None, st("ok", T, http_status=200, etag='"e1"', content_hash="h1"))
    assert merge_feed_state(row, st("not_modified", T + H, http_status=304, retry_entries=3))["etag"] == '"e1"'
    late = merge_feed_state(row, st("ok", T - H, http_status=200, etag='"old"', retry_entries=1))
    assert late["etag"] == '"e1"' and late["last_polled_at"] == T


@pytest.mark.parametrize("stage, error_type, retry", [
    ("fetch_page", "http_5xx", True), ("fetch_page", "http_429", True), ("fetch_page", "timeout", True),
    ("fetch_page", "connection_error", True), ("fetch_page", "dns_error", True), ("fetch_page", "deadline", True),
    ("fetch_page", "robots_unavailable", True), ("read_feeds", "over_entry_cap", True),
    ("fetch_page", "http_404", False), ("fetch_page", "blocked_private", False), ("fetch_page", "tls_error", False),
    ("fetch_page", "robots_disallowed", False), ("read_feeds", "timeout", False),
    ("read_feeds", "entry_without_link", False), ("extract", "timeout", False), ("new_entries", "bad_link", False),
])
def test_which_errors_rows_are_retried(stage, error_type, retry):
    err = ErrorRecord(stage=stage, url="http://f.test/a", error_type=error_type, message="m", feed_url=URL)
    assert is_retryable(err) is retry
    assert is_retryable({"stage": stage, "error_type": error_type}) is retry


def test_hold_validators_counts_retryable_errors_per_feed():
    other = "http://g.test/feed"
    statuses = [st("ok", T, etag='"e"'), FeedStatus(feed_url=other, polled_at=T, status="ok", etag='"g"'),
                FeedStatus(feed_url="http://h.test/feed", polled_at=T, status="error", error="http_500")]

    def err(stage, kind, feed=URL):
        return ErrorRecord(stage=stage, url=f"{feed}/a", error_type=kind, message="m", feed_url=feed)

    errors = [err("fetch_page", "http_5xx"), err("read_feeds", "over_entry_cap"), err("fetch_page", "http_404"),
              err("fetch_page", "http_404", other), err("read_feeds", "http_5xx", "http://h.test/feed")]
    with TestPipeline() as p:
        out = p | "S" >> beam.Create(statuses) | HoldValidators(p | "E" >> beam.Create(errors))
        assert_that(out | beam.Map(lambda s: (s.feed_url, s.retry_entries)),
                    equal_to([(URL, 2), (other, 0), ("http://h.test/feed", 0)]))
