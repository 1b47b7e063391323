"""Stage 6b: near-duplicate clusters for story rows (batch and streaming).

``rows`` (``stories`` rows from :mod:`transforms.build_row`) -> the same rows
with ``cluster_id``, ``cluster_first_seen`` and ``cluster_similarity``
(:mod:`transforms.clusters` says how a story is assigned), plus one
``story_signatures`` row per story (the window the next run reads at launch)
and dead letters for stories whose text could not be signed (they are still
written, as clusters of their own: nothing is lost).

* **Signing** (:class:`SignStoriesFn`) is per story and parallel: the pure
  :func:`transforms.cluster_rows.signature_of_row`.
* **Batch**: one global step sees every signature of the run (a few hundred
  bytes each, never the texts) plus the stored window read at launch, and
  assigns them in ``(story_time, article_id)`` order; the rows get their
  assignment through a side input. So the clusters do not depend on how the
  runner split the work, and rerunning the same input gives the same clusters.
* **Streaming**: :class:`ClusterStateFn`, a stateful DoFn on one key (news
  volume is small: a few thousand stories a day), keeps the window in a
  ``BagState`` seeded with the launch window, assigns stories as they arrive
  and forgets a story ``window_s`` after it was fetched (an event-time
  timer, rounded up to the hour so that the bag is rewritten at most hourly). An in-memory index mirrors the bag, rebuilt whenever the bag's
  generation token shows that another worker changed it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
import uuid
from typing import NamedTuple, Optional

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration, Timestamp

from transforms.cluster_rows import signature_of_row, signature_row, unsigned, with_cluster
from transforms.clusters import DEFAULT_RULE, FOURTEEN_DAYS_S, ClusterIndex, ClusterRule
from transforms.core.deadletter import ERRORS, dead_letter
from transforms.core.records import StorySignature
from transforms.signatures import DEFAULT_SCHEME, SignatureScheme

SIGNATURES = "signatures"          # the tag of the story_signatures rows
_KEY = "clusters"


class ClusterOutputs(NamedTuple):
    main: beam.PCollection          # stories rows with cluster columns
    signatures: beam.PCollection    # story_signatures rows
    errors: Optional[beam.PCollection]   # ErrorRecords (None when the input came signed)


class SignStoriesFn(beam.DoFn):
    """row -> ``(row, StorySignature)``; a text that cannot be signed gives a dead letter
    and an unsigned StorySignature (the row still goes on)."""

    def __init__(self, scheme: SignatureScheme = DEFAULT_SCHEME):
        self.scheme = scheme
        self.signed = Metrics.counter("cluster", "signed")
        self.too_short = Metrics.counter("cluster", "too_short")
        self.failed = Metrics.counter("cluster", "sign_failed")

    def process(self, row):
        try:
            sig = signature_of_row(row, self.scheme)
        except Exception as exc:  # a bad row must not stop the run: dead letter, own cluster
            self.failed.inc()
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter("cluster", row, exc))
            sig = unsigned(row)
        else:
            (self.signed if sig.signature is not None else self.too_short).inc()
        yield row, sig


def assign_all(signatures: list, stored: list, rule: ClusterRule = DEFAULT_RULE,
               scheme: SignatureScheme = DEFAULT_SCHEME) -> list[StorySignature]:
    """The batch's global step: ``signatures`` of this run assigned against the ``stored`` window."""
    return ClusterIndex(stored, scheme=scheme, rule=rule).assign(signatures)


class ClusterStateFn(beam.DoFn):
    """``(key, (row, StorySignature))`` -> clustered row; tagged ``signatures`` rows.

    ``stored``: the window read at launch (seeds the state on the first
    story); ``window_s``: seconds after its fetch that a story is forgotten.
    """

    WINDOW = BagStateSpec("window", PickleCoder())
    GENERATION = ReadModifyWriteStateSpec("generation", PickleCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, stored: list, window_s: float, run_id: str, rule: ClusterRule = DEFAULT_RULE,
                 scheme: SignatureScheme = DEFAULT_SCHEME):
        self.stored = list(stored)
        self.window_s = float(window_s)
        self.run_id = run_id
        self.rule = rule
        self.scheme = scheme
        self.joined = Metrics.counter("cluster", "joined")
        self.founded = Metrics.counter("cluster", "founded")
        self.expired = Metrics.counter("cluster", "expired")

    def setup(self):
        self._index: Optional[ClusterIndex] = None
        self._generation: Optional[str] = None

    def _index_for(self, bag, generation) -> ClusterIndex:
        current = generation.read()
        if current is not None and self._index is not None and current == self._generation:
            return self._index
        if current is None:                      # the job's first story: seed with the launch window
            entries = self.stored
            for s in entries:
                bag.add(s)
        else:
            entries = list(bag.read())
        self._index = ClusterIndex(entries, scheme=self.scheme, rule=self.rule)
        self._touch(generation)
        return self._index

    def _touch(self, generation) -> None:
        self._generation = uuid.uuid4().hex
        generation.write(self._generation)

    def _next_expiry(self, index: ClusterIndex, floor: Timestamp) -> Optional[Timestamp]:
        """When the oldest story leaves the window, rounded up to a whole ``expiry_step``:
        the bag is rewritten at most once a step (hourly for a 14-day window), not once a story."""
        oldest = index.oldest_fetch()
        if oldest is None:
            return None
        secs = Timestamp.from_utc_datetime(oldest.astimezone(dt.timezone.utc)).seconds() + self.window_s
        step = min(3600.0, self.window_s / 10)
        return max(Timestamp.of(math.ceil(secs / step) * step), floor)

    def process(self, keyed, ts=beam.DoFn.TimestampParam, bag=beam.DoFn.StateParam(WINDOW),
                generation=beam.DoFn.StateParam(GENERATION), timer=beam.DoFn.TimerParam(EXPIRE)):
        _, (row, sig) = keyed
        index = self._index_for(bag, generation)
        assigned = index.assign_one(sig)
        bag.add(assigned)
        self._touch(generation)
        (self.founded if assigned.cluster_id == assigned.article_id else self.joined).inc()
        expiry = self._next_expiry(index, Timestamp.of(ts))
        if expiry is not None:
            timer.set(expiry)
        yield with_cluster(row, assigned)
        yield beam.pvalue.TaggedOutput(SIGNATURES, signature_row(assigned, self.run_id, self.scheme))

    @on_timer(EXPIRE)
    def expire(self, fired=beam.DoFn.TimestampParam, bag=beam.DoFn.StateParam(WINDOW),
               generation=beam.DoFn.StateParam(GENERATION), timer=beam.DoFn.TimerParam(EXPIRE)):
        index = self._index_for(bag, generation)
        cutoff = (Timestamp.of(fired) - Duration(self.window_s)).to_utc_datetime(has_tz=True)
        gone = index.expire(cutoff)
        self.expired.inc(len(gone))
        bag.clear()
        for s in index.stories():
            bag.add(s)
        self._touch(generation)
        expiry = self._next_expiry(index, Timestamp.of(fired) + Duration(1))
        if expiry is not None:
            timer.set(expiry)


class ClusterStories(beam.PTransform):
    """``stories`` rows -> :class:`ClusterOutputs` (main, signatures, errors).

    ``stored``: StorySignatures of the window read at launch; ``window_s``:
    how long (seconds after the fetch) a story is remembered, and the largest
    publication gap between two copies; ``streaming``: stateful path;
    ``signed``: the input is already ``(row, StorySignature)`` pairs (signed where
    the row was built, e.g. :mod:`transforms.process_page`), so no signing step runs
    and ``errors`` is None.
    """

    def __init__(self, stored: list, run_id: str, window_s: float = FOURTEEN_DAYS_S, streaming: bool = False,
                 rule: ClusterRule = DEFAULT_RULE, scheme: SignatureScheme = DEFAULT_SCHEME, signed: bool = False):
        super().__init__()
        self.signed = signed
        self.stored = list(stored)
        self.run_id = run_id
        self.window_s = window_s
        self.streaming = streaming
        self.rule = dataclasses.replace(rule, max_gap_s=window_s)
        self.scheme = scheme

    def expand(self, rows):
        if self.signed:
            pairs, errors = rows, None
        else:
            signed = rows | "Sign" >> beam.ParDo(SignStoriesFn(self.scheme)).with_outputs(ERRORS, main="main")
            pairs, errors = signed.main, signed[ERRORS]
        if self.streaming:
            out = (pairs
                   | "OneKey" >> beam.Map(lambda pair: (_KEY, pair))
                   | "Assign" >> beam.ParDo(ClusterStateFn(self.stored, self.window_s, self.run_id, self.rule,
                                                           self.scheme)).with_outputs(SIGNATURES, main="main"))
            return ClusterOutputs(out.main, out[SIGNATURES], errors)
        p = rows.pipeline
        stored = p | "StoredWindow" >> beam.Create(self.stored)
        assigned = (pairs
                    | "Signatures" >> beam.Map(lambda pair: pair[1])
                    | "AllSignatures" >> beam.combiners.ToList()
                    | "AssignAll" >> beam.FlatMap(assign_all, beam.pvalue.AsList(stored), self.rule, self.scheme))
        by_id = assigned | "ById" >> beam.Map(lambda s: (s.article_id, s))
        clustered = pairs | "WithCluster" >> beam.Map(
            lambda pair, found: with_cluster(pair[0], found.get(pair[0]["article_id"])),
            beam.pvalue.AsDict(by_id))
        run_id, scheme = self.run_id, self.scheme
        sig_rows = assigned | "SignatureRows" >> beam.Map(lambda s: signature_row(s, run_id, scheme))
        return ClusterOutputs(clustered, sig_rows, errors)
