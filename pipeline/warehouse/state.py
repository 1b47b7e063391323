"""What a batch run reads from earlier runs before it starts (:class:`RunState`).

Both warehouses fill the same record: :func:`pipeline.warehouse.duckdb_setup.read_duckdb_state`
and :func:`pipeline.warehouse.bigquery_setup.read_bigquery_state`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

from transforms.urls import article_id


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
    ``line_history``: ``(source, line_hash)`` -> distinct articles, from ``source_lines``.
    """

    known_ids: list = field(default_factory=list)
    feed_state: dict = field(default_factory=dict)
    line_history: dict = field(default_factory=dict)
