"""Streaming feed polling with the conditional-GET state kept in Beam state.

In batch mode each run reads a feed's ETag / Last-Modified / content hash
from the warehouse's ``feed_state`` table and carries it in the FeedSpec. A
streaming job polls every few minutes for weeks, so the validators live in
Beam state instead, keyed by feed URL: :class:`StatefulPollFn` wraps the
batch :class:`transforms.read_feeds.ReadFeedsFn` (same outputs, same
counters, same ``poll_feed``), overriding the spec's validators with the
state before each poll and folding each poll's ``FeedStatus`` back into it
with the same rules as the warehouse (:func:`transforms.feed_state.merge_feed_state`:
a failure never wipes the validators).

The spec's own validators (from the warehouse at launch) seed the state on
the first poll, so a restarted job does not re-read unchanged feeds.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from transforms.core.records import FeedSpec, FeedStatus
from transforms.read_feeds import ReadFeedsFn

VALIDATORS = ("etag", "last_modified", "content_hash")


def spec_with_state(spec: FeedSpec, state: Optional[dict]) -> FeedSpec:
    """``spec`` with the validators from ``state`` (a feed_state-shaped row), when it has any."""
    if not state:
        return spec
    return dataclasses.replace(spec, **{k: state.get(k) for k in VALIDATORS})


def seed_state(spec: FeedSpec) -> Optional[dict]:
    if not any(getattr(spec, k) for k in VALIDATORS):
        return None
    return {k: getattr(spec, k) for k in VALIDATORS}


def fold_status(state: Optional[dict], status: FeedStatus) -> dict:
    from transforms.feed_state import merge_feed_state

    return merge_feed_state(state, status)


class StatefulPollFn(ReadFeedsFn):
    """``(feed_url, FeedSpec)`` -> FeedEntry; tagged ``errors`` and ``feed_status``."""

    FEED_STATE = ReadModifyWriteStateSpec("feed_state", PickleCoder())

    def process(self, keyed, state=beam.DoFn.StateParam(FEED_STATE)):
        _, spec = keyed
        current = state.read()
        if current is None:
            current = seed_state(spec)
        for out in super().process(spec_with_state(spec, current)):
            if isinstance(out, beam.pvalue.TaggedOutput) and out.tag == "feed_status":
                current = fold_status(current, out.value)
            yield out
        if current is not None:
            state.write(current)


class StatefulReadFeeds(beam.PTransform):
    """PCollection[FeedSpec] (one per tick) -> outputs main, errors, feed_status."""

    def __init__(self, http_settings):
        super().__init__()
        self.settings = http_settings

    def expand(self, specs):
        return (specs
                | "KeyByFeed" >> beam.Map(lambda s: (s.url, s))
                | "Poll" >> beam.ParDo(StatefulPollFn(self.settings)).with_outputs(
                    "errors", "feed_status", main="main"))
