"""What a batch run reads from earlier runs before it starts (:class:`RunState`).

Both warehouses fill the same record: :func:`pipeline.warehouse.duckdb_setup.read_duckdb_state`
and :func:`pipeline.warehouse.bigquery_setup.read_bigquery_state`.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Iterable, Optional

from transforms.cluster_rows import from_signature_row
from transforms.signatures import DEFAULT_SCHEME
from transforms.urls import article_id

log = logging.getLogger("pipeline.warehouse.state")


def known_story_ids(rows: Iterable[tuple[str, Optional[str]]]) -> list[str]:
    """Ids a run must not fetch again, sorted, from ``(article_id, url)`` pairs.

    Both the stored id (sha1 of the page's canonical URL) and the id of the
    link the story was fetched from are included: they differ when a page
    names another canonical URL.
    """
    known = set()
    for aid, url in rows:
        known.add(aid)
        if url:
            known.add(article_id(url))
    return sorted(known)


@dataclass
class RunState:
    """What a batch run needs to know about earlier runs.

    ``known_ids``: article ids already stored (see :func:`known_story_ids`);
    ``feed_state``: feed URL -> its ``feed_state`` row (conditional-GET validators);
    ``line_history``: ``(source, line_hash)`` -> distinct articles, from ``source_lines``;
    ``signatures``: StorySignatures of the clustering window (:func:`window_signatures`).
    """

    known_ids: list = field(default_factory=list)
    feed_state: dict = field(default_factory=dict)
    line_history: dict = field(default_factory=dict)
    signatures: list = field(default_factory=list)


def window_start(window_s: float, now: Optional[dt.datetime] = None) -> dt.datetime:
    """The first fetch time (UTC) inside a clustering window of ``window_s`` seconds ending ``now``."""
    return (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(seconds=window_s)


def window_signatures(rows: Iterable[dict]) -> list:
    """StorySignatures from ``story_signatures`` rows of the current scheme (the caller
    selects the window), one per article id (the latest fetch). A malformed
    signature is logged and skipped: that story can no longer be matched, nothing else changes."""
    latest: dict = {}
    for row in rows:
        if row.get("scheme") != DEFAULT_SCHEME.name:
            continue
        try:
            s = from_signature_row(row)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("story_signatures row %s skipped: %s", row.get("article_id"), exc)
            continue
        if s.article_id not in latest or latest[s.article_id].fetched_at <= s.fetched_at:
            latest[s.article_id] = s
    return sorted(latest.values(), key=lambda s: (s.story_time, s.article_id))
