import datetime as dt

from transforms.core.records import FeedStatus
from transforms.core.schema import validate_row
from transforms.feed_state import merge_feed_state

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
