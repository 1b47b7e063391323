"""Folding one poll's outcome into a feed's row of the ``feed_state`` table.

Rules (pure; the warehouse sinks call this inside their write transaction):

* ``last_polled_at`` / ``last_status`` always follow the newest poll
  (``error:<error_type>`` for a failure, e.g. ``error:not_a_feed``, ``error:http_404``);
* a poll that reached the feed (``ok``, ``not_modified``, ``unchanged``)
  resets ``consecutive_failures`` and sets ``last_ok_at``; an ``error`` adds
  one to the streak and keeps the rest;
* ``etag``, ``last_modified`` and ``content_hash`` change only when a 200
  was read (``ok`` or ``unchanged``), so a failure never wipes the
  conditional-GET validators;
* except when entries of that poll are left to retry
  (``FeedStatus.retry_entries`` > 0: a page that failed with a retryable
  error, :data:`RETRYABLE_ERROR_TYPES`, or an entry over the per-feed cap).
  Then the validators are cleared, not advanced: the next run does an
  unconditional GET, reads the feed again and retries those entries (the
  stories already stored are skipped by their article ids). Storing them
  would make the next poll a 304 / ``unchanged`` and lose the entries for good;
* ``entries_total`` adds the poll's ``new_entries``, and
  ``last_new_entry_at`` moves to the poll time when there were any.

A status older than the stored ``last_polled_at`` (a late retry) only
counts towards totals: it never rolls the row back.
"""
from __future__ import annotations

from typing import Optional

import apache_beam as beam

from transforms.core.records import FeedStatus
from transforms.core.schema import column_names

REACHED = ("ok", "not_modified", "unchanged")
READ_200 = ("ok", "unchanged")

# Errors rows whose entry is worth another try on the next run: the transient
# failures (timeouts, connection and DNS errors, 429 and 5xx, which the HTTP
# client also retries within a run; the 30 s total deadline, which it does not:
# a server too slow once may not be next time), and robots.txt that could not be
# read (RobotsUnavailable: a 5xx or a network error on robots.txt). A 4xx, a
# blocked address, a TLS error or a page that is not an article would fail
# again: those entries are not retried. An entry that fails this way on every
# run keeps its feed re-read on every run (no retry limit: README, "Known
# limitations").
RETRYABLE_ERROR_TYPES = frozenset({"timeout", "connection_error", "dns_error", "deadline", "http_429",
                                   "http_5xx", "robots_unavailable"})
RETRYABLE_STAGES = frozenset({"fetch_page"})
OVER_CAP = "over_entry_cap"          # read_feeds: an entry skipped by the per-feed cap, taken on a later run


def is_retryable(err) -> bool:
    """Whether an ErrorRecord (or an ``errors`` row dict) is an entry the next run should
    try again: a page fetch that failed with a retryable error, or an entry over the cap."""
    get = err.get if isinstance(err, dict) else (lambda k: getattr(err, k, None))
    kind, stage = get("error_type") or "", get("stage") or ""
    return (stage in RETRYABLE_STAGES and kind in RETRYABLE_ERROR_TYPES) or (
        stage == "read_feeds" and kind == OVER_CAP)


def _empty(feed_url: str) -> dict:
    row = {c: None for c in column_names("feed_state")}
    row.update(feed_url=feed_url, consecutive_failures=0, entries_total=0)
    return row


def merge_feed_state(prev: Optional[dict], status: FeedStatus) -> dict:
    row = _empty(status.feed_url)
    if prev:
        row.update({k: v for k, v in prev.items() if k in row})
    row["consecutive_failures"] = row["consecutive_failures"] or 0
    row["entries_total"] = (row["entries_total"] or 0) + max(0, status.new_entries or 0)
    if status.new_entries and (row["last_new_entry_at"] is None or status.polled_at > row["last_new_entry_at"]):
        row["last_new_entry_at"] = status.polled_at
    last = row["last_polled_at"]
    if last is not None and status.polled_at < last:
        return row                                   # out of order: totals only
    row["last_polled_at"] = status.polled_at
    if status.status in REACHED:
        row["last_status"] = status.status
        row["consecutive_failures"] = 0
        row["last_ok_at"] = status.polled_at
        if status.status in READ_200 and (status.retry_entries or 0) > 0:
            row["etag"] = row["last_modified"] = row["content_hash"] = None   # read it all again next run
        elif status.status in READ_200:
            row["etag"] = status.etag
            row["last_modified"] = status.last_modified
            row["content_hash"] = status.content_hash
    else:
        row["last_status"] = (f"error:{status.error}" if status.error else
                              f"error:{status.http_status}" if status.http_status else (status.status or "error"))
        row["consecutive_failures"] += 1
    return row


def with_new_count(status: FeedStatus, new_entries: int) -> FeedStatus:
    """The poll's status with ``new_entries`` = entries not stored before."""
    import dataclasses

    return dataclasses.replace(status, new_entries=new_entries)


def with_retries(status: FeedStatus, retry_entries: int) -> FeedStatus:
    """The poll's status with ``retry_entries`` = its entries left to retry."""
    import dataclasses

    return dataclasses.replace(status, retry_entries=retry_entries) if retry_entries else status


class HoldValidators(beam.PTransform):
    """Batch: set each FeedStatus's ``retry_entries`` from this run's errors.

    ``errors``: the run's PCollection of ErrorRecords (every stage). The rows
    that :func:`is_retryable` accepts are counted per ``feed_url``, and each
    feed's status carries its count, so :func:`merge_feed_state` does not store
    the validators of a feed with entries left to retry. The statuses wait for
    the whole ``errors`` PCollection (a side input), i.e. for the page fetches.
    """

    def __init__(self, errors):
        super().__init__()
        self.errors = errors

    def expand(self, statuses):
        pending = (self.errors
                   | "RetryableOnly" >> beam.Filter(is_retryable)
                   | "FeedOfRetry" >> beam.Map(lambda e: (e.feed_url, 1))
                   | "CountRetries" >> beam.CombinePerKey(sum))
        return statuses | "SetRetries" >> beam.Map(
            lambda s, per_feed: with_retries(s, per_feed.get(s.feed_url, 0)),
            per_feed=beam.pvalue.AsDict(pending))


class CountNewEntries(beam.PTransform):
    """Batch: set each FeedStatus's ``new_entries`` from the entries that
    survived ``NewEntries`` (not already in the warehouse, first of duplicates),
    so ``entries_total`` and ``last_new_entry_at`` mean *new stories*, not
    *the feed changed*."""

    def __init__(self, new_entries):
        super().__init__()
        self.new_entries = new_entries

    def expand(self, statuses):
        counts = (self.new_entries
                  | "FeedOfEntry" >> beam.Map(lambda e: (e.feed_url, 1))
                  | "CountPerFeed" >> beam.CombinePerKey(sum))
        return statuses | "SetCounts" >> beam.Map(
            lambda s, per_feed: with_new_count(s, per_feed.get(s.feed_url, 0)),
            per_feed=beam.pvalue.AsDict(counts))
