"""Dead letters: the one way a failed item becomes an :class:`ErrorRecord`, and
the one way an ErrorRecord becomes an ``errors`` row.

Every stage catches failures per element and emits ``dead_letter(stage,
item, exc)`` on its tagged ``errors`` output (:data:`ERRORS`); the graph
flattens them and both warehouse sinks write them with :func:`error_row`.
Nothing is dropped silently.

Where a dead letter's fields come from:

* ``url``, ``feed_url``, ``source``: from the item (a FeedSpec, FeedEntry,
  Page, Article, ``(Article, Classification)`` pair, FeedStatus or a row dict);
* ``error_type``: the exception's own ``error_type`` (FetchError,
  FeedParseError, ExtractionError carry one), else the caller's
  ``error_type``, else the exception's class name;
* ``message``: the exception's ``message`` or ``"ClassName: text"``, cut to
  :data:`MAX_MESSAGE_CHARS`; ``http_status`` and ``attempts`` from the
  exception when it has them.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Optional

from transforms.core.records import Article, ErrorRecord, FeedEntry, FeedSpec, FeedStatus, Page
from transforms.core.text import redact_credentials, safe_text

ERRORS = "errors"                 # the tag of every stage's dead-letter output
MAX_MESSAGE_CHARS = 500           # in the ErrorRecord
MAX_ROW_MESSAGE_CHARS = 2000      # in the errors row


def item_location(item: Any) -> tuple[str, str, str]:
    """``(url, feed_url, source)`` of any item that flows through the graph ("" when unknown)."""
    if isinstance(item, tuple) and item and isinstance(item[0], Article):
        item = item[0]
    if isinstance(item, FeedSpec):
        return item.url, item.url, item.source
    if isinstance(item, FeedEntry):
        return item.link, item.feed_url, item.source
    if isinstance(item, Page):
        entry = item.entry
        return item.url, entry.feed_url if entry else "", entry.source if entry else ""
    if isinstance(item, Article):
        return item.url, item.feed_url, item.source
    if isinstance(item, FeedStatus):
        return item.feed_url, item.feed_url, ""
    if isinstance(item, dict):
        url = item.get("url") or item.get("feed_url") or ""
        return str(url), str(item.get("feed_url") or ""), str(item.get("source") or "")
    return "", "", ""


def dead_letter(stage: str, item: Any, exc: Optional[BaseException] = None, *,
                error_type: Optional[str] = None, message: Optional[str] = None,
                http_status: Optional[int] = None, attempts: Optional[int] = None,
                url: Optional[str] = None, run_id: str = "") -> ErrorRecord:
    """The ErrorRecord for ``item`` failing at ``stage`` (rules in the module docstring).

    ``url`` overrides the item's own URL (a feed-level problem of one entry,
    say). URLs and the message lose any ``user:password@`` and unsafe
    characters (:mod:`transforms.core.text`). Never raises, whatever ``item``
    and ``exc`` are.
    """
    item_url, feed_url, source = item_location(item)
    kind = getattr(exc, "error_type", None) or error_type or (type(exc).__name__ if exc is not None else "error")
    if message is None:
        own = getattr(exc, "message", None)
        message = own if isinstance(own, str) else (f"{type(exc).__name__}: {exc}" if exc is not None else kind)
    status = http_status if http_status is not None else getattr(exc, "http_status", None)
    tries = attempts if attempts is not None else getattr(exc, "attempts", None)
    def clean(text) -> str:
        return redact_credentials(safe_text(str(text or ""), one_line=True))

    return ErrorRecord(stage=stage, url=clean(item_url if url is None else url), error_type=clean(kind)[:100],
                       message=redact_credentials(safe_text(str(message)))[:MAX_MESSAGE_CHARS], run_id=run_id,
                       http_status=status if isinstance(status, int) else None,
                       attempts=tries if isinstance(tries, int) else None,
                       feed_url=clean(feed_url), source=clean(source))


def error_row(err: ErrorRecord, run_id: str) -> dict:
    """The ``errors`` row of a dead letter, the same for DuckDB and BigQuery.

    ``run_id`` fills a record that has none; empty ``url``, ``feed_url`` and
    ``source`` become NULL; the message is cut to :data:`MAX_ROW_MESSAGE_CHARS`.
    ``at`` stays a tz-aware UTC datetime.
    """
    row = dataclasses.asdict(err)
    row["run_id"] = row["run_id"] or run_id
    row["message"] = (row["message"] or "")[:MAX_ROW_MESSAGE_CHARS]
    for key in ("url", "feed_url", "source"):
        row[key] = row[key] or None
    return row
