"""Streaming deduplication by ``article_id``, with state that expires.

A feed keeps an item for days, so every poll sees the same stories again.
In streaming mode each story must be fetched and written once, and memory
must stay bounded over weeks: :class:`DedupFn` keeps, per ``article_id``,
what it last let through plus an expiry time, and an event-time timer
clears that state ``horizon`` seconds after the story was *last seen*
(every sighting pushes the expiry forward, so a story that stays in a feed
longer than the horizon is still not re-emitted).

Update policy (same URL, new title)
-----------------------------------
The key is the article id (sha1 of the canonical URL); the *fingerprint* is
what the feed says about the story (its title, whitespace-normalised).

* same id, same fingerprint: dropped (a repeat);
* same id, new fingerprint: **the newer version wins**. The entry passes
  again, the page is re-fetched and the row rewritten: DuckDB replaces the
  row (upsert on ``article_id``), BigQuery appends it and the
  ``stories_current`` view keeps the latest ``fetched_at``. To bound churn
  from feeds that keep editing a headline, at most ``max_updates`` updates
  per story pass within the horizon; later edits are dropped and counted;
* an id already in the warehouse when the job started (``known_ids``) counts
  as seen with the title of its first sighting in this job;
* after the horizon without a sighting the id is forgotten: if it shows up
  again it is treated as new (and upserted over the old row).

:func:`decide` is the pure policy; :class:`DedupFn` is the stateful DoFn;
:class:`DedupByKey` keys, deduplicates and unkeys.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration, Timestamp

NEW, REPEAT, UPDATE, TOO_MANY_UPDATES = "new", "repeat", "update", "too_many_updates"


@dataclass(frozen=True)
class Seen:
    """What the dedup state remembers about one article id."""

    fingerprint: str
    updates: int = 0


def decide(seen: Optional[Seen], fingerprint: str, max_updates: int = 3) -> tuple[str, Optional[Seen]]:
    """``(verdict, new_state)`` for a sighting of a story.

    ``verdict`` is NEW or UPDATE (emit the item) or REPEAT or
    TOO_MANY_UPDATES (drop it); ``new_state`` is what to remember.
    """
    if seen is None:
        return NEW, Seen(fingerprint)
    if fingerprint == seen.fingerprint:
        return REPEAT, seen
    if seen.updates >= max_updates:
        return TOO_MANY_UPDATES, seen
    return UPDATE, Seen(fingerprint, seen.updates + 1)


def title_fingerprint(title: Optional[str]) -> str:
    return " ".join((title or "").split())


def emits(verdict: str) -> bool:
    return verdict in (NEW, UPDATE)


class DedupFn(beam.DoFn):
    """``(article_id, item)`` -> ``item`` once per story (see the module policy)."""

    SEEN = ReadModifyWriteStateSpec("seen", PickleCoder())
    EXPIRY = ReadModifyWriteStateSpec("expiry", PickleCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, fingerprint: Callable[[Any], str], horizon_secs: float, max_updates: int = 3,
                 known_ids: Iterable[str] = ()):
        self.fingerprint = fingerprint
        self.horizon_secs = float(horizon_secs)
        self.max_updates = max_updates
        self.known_ids = frozenset(known_ids or ())
        self.counters = {v: Metrics.counter("dedup", v) for v in (NEW, REPEAT, UPDATE, TOO_MANY_UPDATES)}
        self.expired = Metrics.counter("dedup", "expired")

    def process(self, keyed, ts=beam.DoFn.TimestampParam,
                seen_state=beam.DoFn.StateParam(SEEN),
                expiry_state=beam.DoFn.StateParam(EXPIRY),
                timer=beam.DoFn.TimerParam(EXPIRE)):
        key, item = keyed
        fingerprint = self.fingerprint(item)
        seen = seen_state.read()
        if seen is None and key in self.known_ids:
            seen = Seen(fingerprint)       # stored before this job started: a repeat
        verdict, new = decide(seen, fingerprint, self.max_updates)
        self.counters[verdict].inc()
        seen_state.write(new)
        # Forget the story `horizon` after its latest sighting (never earlier
        # than an expiry already set, so a late sighting cannot shorten it).
        expiry = Timestamp.of(ts) + Duration(self.horizon_secs)
        previous = expiry_state.read()
        if previous is not None and previous > expiry:
            expiry = previous
        expiry_state.write(expiry)
        timer.set(expiry)
        if emits(verdict):
            yield item

    @on_timer(EXPIRE)
    def expire(self, seen_state=beam.DoFn.StateParam(SEEN), expiry_state=beam.DoFn.StateParam(EXPIRY)):
        seen_state.clear()
        expiry_state.clear()
        self.expired.inc()


class DedupByKey(beam.PTransform):
    """Deduplicate ``items`` by ``key(item)`` with :class:`DedupFn`."""

    def __init__(self, key: Callable[[Any], str], fingerprint: Callable[[Any], str],
                 horizon_secs: float, max_updates: int = 3, known_ids: Iterable[str] = ()):
        super().__init__()
        self.key = key
        self.fingerprint = fingerprint
        self.horizon_secs = horizon_secs
        self.max_updates = max_updates
        self.known_ids = known_ids

    def expand(self, items):
        return (
            items
            | "KeyById" >> beam.Map(lambda item, k=self.key: (k(item), item))
            | "Dedup" >> beam.ParDo(DedupFn(self.fingerprint, self.horizon_secs, self.max_updates,
                                            self.known_ids))
        )


def entry_article_id(entry) -> str:
    """The article id of a FeedEntry (same id the row builder gives its story)."""
    from transforms.urls import article_id, canonicalize_url

    return article_id(canonicalize_url(entry.link))


def entry_fingerprint(entry) -> str:
    return title_fingerprint(getattr(entry, "title", ""))


class DedupEntries(DedupByKey):
    """FeedEntries -> FeedEntries, each story once (updates per the module policy)."""

    def __init__(self, horizon_secs: float, max_updates: int = 3, known_ids: Iterable[str] = ()):
        super().__init__(entry_article_id, entry_fingerprint, horizon_secs, max_updates, known_ids)
