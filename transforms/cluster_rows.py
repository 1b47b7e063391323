"""Between warehouse rows and the clustering: a story row's signature, its cluster
columns, and the ``story_signatures`` table's rows.

* :func:`signature_of_row`: ``stories`` row -> :class:`StorySignature` (the
  CPU work: normalising, shingling and sketching the text; pure, so it can
  run in any worker process);
* :func:`with_cluster`: ``stories`` row + assigned StorySignature -> the row
  with ``cluster_id``, ``cluster_first_seen`` and ``cluster_similarity``;
* :func:`signature_row` / :func:`from_signature_row`: StorySignature <->
  ``story_signatures`` row (the window read at launch).
"""
from __future__ import annotations

import base64
import datetime as dt
from typing import Optional

from transforms.core.records import StorySignature
from transforms.signatures import DEFAULT_SCHEME, Signature, SignatureScheme, story_signature

CLUSTER_COLUMNS = ("cluster_id", "cluster_first_seen", "cluster_similarity")


def story_time(row: dict) -> dt.datetime:
    """``COALESCE(published_at, fetched_at)`` of a stories row (tz-aware UTC)."""
    return row.get("published_at") or row["fetched_at"]


def signature_of_row(row: dict, scheme: SignatureScheme = DEFAULT_SCHEME) -> StorySignature:
    """The unassigned StorySignature of a ``stories`` row (signature None for a short text).

    Raises KeyError when the row has no ``article_id`` or ``fetched_at``.
    """
    sig = story_signature(row.get("text") or "", scheme)
    return StorySignature(article_id=row["article_id"], source=row.get("source") or "",
                          story_time=story_time(row), fetched_at=row["fetched_at"],
                          signature=None if sig is None else sig.values,
                          shingles=0 if sig is None else sig.shingles,
                          numbers=None if sig is None else sig.numbers)


def unsigned(row: dict) -> StorySignature:
    """A row's StorySignature without a signature (when signing failed): a cluster of its own."""
    return StorySignature(article_id=row["article_id"], source=row.get("source") or "",
                          story_time=story_time(row), fetched_at=row["fetched_at"])


def with_cluster(row: dict, assigned: Optional[StorySignature]) -> dict:
    """``row`` with its cluster columns; a story without an assignment is its own cluster."""
    out = dict(row)
    if assigned is None or not assigned.cluster_id:
        out.update(cluster_id=row["article_id"], cluster_first_seen=story_time(row), cluster_similarity=None)
    else:
        out.update(cluster_id=assigned.cluster_id, cluster_first_seen=assigned.cluster_first_seen,
                   cluster_similarity=assigned.similarity)
    return out


def signature_row(s: StorySignature, run_id: str, scheme: SignatureScheme = DEFAULT_SCHEME) -> dict:
    """The ``story_signatures`` row of an assigned story."""
    return {
        "article_id": s.article_id,
        "cluster_id": s.cluster_id or s.article_id,
        "source": s.source or None,
        "story_time": s.story_time,
        "fetched_at": s.fetched_at,
        "cluster_first_seen": s.cluster_first_seen,
        "similarity": s.similarity,
        "scheme": scheme.name,
        "shingles": s.shingles,
        "signature": None if s.signature is None else Signature(s.signature, s.shingles).encode(),
        "numbers": None if s.numbers is None else base64.b64encode(s.numbers).decode("ascii"),
        "run_id": run_id,
    }


def from_signature_row(row: dict) -> StorySignature:
    """The StorySignature of a ``story_signatures`` row (a dict with its columns).

    Raises ValueError on a malformed signature, KeyError on a missing column.
    """
    text = row.get("signature")
    shingles = int(row.get("shingles") or 0)
    sig = Signature.decode(text, shingles) if text else None
    return StorySignature(article_id=row["article_id"], source=row.get("source") or "",
                          story_time=row["story_time"], fetched_at=row["fetched_at"],
                          signature=None if sig is None else sig.values, shingles=shingles,
                          cluster_id=row["cluster_id"],
                          cluster_first_seen=row.get("cluster_first_seen") or row["story_time"],
                          similarity=row.get("similarity"),
                          numbers=None if row.get("numbers") is None else base64.b64decode(row["numbers"],
                                                                                            validate=True))
