"""The pipeline graph, in the order of the design card.

    feeds -> entries -> pages -> articles -> clean -> language -> classify -> rows -> one per article_id -> clusters -> sink
                                 \_______ one page worker per core ________/
              (every stage's dead letters -> errors)

The per-story CPU stages (extraction, cleaning, language, classification,
the row and its near-duplicate signature, and the page's candidate lines for
learned boilerplate) run fused in one worker process per core
(:mod:`transforms.process_page`, behind the per-page time limit); the Beam
process keeps HTTP, bookkeeping and writing. Each stage is still its own
module and pure function, and its failures are still dead letters naming it.

Source and sink are arguments: the launcher passes the configured feeds (or
the streaming clock) and the warehouse writer; tests pass ``beam.Create`` /
``TestStream`` and capture transforms. Everything configurable arrives in one
:class:`GraphConfig`, built once when the pipeline is built (configs already
loaded: no DoFn reads a file).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import apache_beam as beam

from transforms.canonical_dedup import DedupCanonical
from transforms.clean_rules import CleanRules
from transforms.cluster_stories import ClusterStories
from transforms.feed_state import CountNewEntries, HoldValidators
from transforms.fetch_pages import FetchPages, NewEntries
from transforms.http_client import HttpSettings
from transforms.lexicon import Lexicon
from transforms.places import Gazetteer
from transforms.process_page import PageWork
from transforms.process_pages import ProcessPages
from transforms.read_feeds import ReadFeeds
from transforms.source_boilerplate import CountLineKeys, learned_lines

FOURTEEN_DAYS_S = 14 * 24 * 3600.0


@dataclass(frozen=True)
class GraphConfig:
    """Everything the graph needs, loaded once at launch.

    ``known_ids``: article ids already stored (not fetched again);
    ``line_history``: ``(source, line_hash) -> articles`` from ``source_lines``;
    ``model_path``: the classifier artefact (None: the shipped one);
    ``signatures``: StorySignatures of the stories fetched in the last
    ``cluster_window`` seconds (the near-duplicate clustering's window,
    from ``story_signatures``).
    Streaming only (seconds): ``dedup_horizon`` (how long an article id is
    remembered), ``allowed_lateness`` (how long after a write window closes
    late rows are still written) and ``write_window`` (the window length, one
    poll interval).
    """

    http: HttpSettings
    clean_rules: CleanRules
    run_id: str
    lexicon: Optional[Lexicon] = None        # None: the shipped configs/lexicon.yaml
    gazetteer: Optional[Gazetteer] = None    # None: the shipped configs/gazetteer.yaml
    model_path: Optional[str] = None
    known_ids: list = field(default_factory=list)
    line_history: dict = field(default_factory=dict)
    signatures: list = field(default_factory=list)
    cluster_window: float = FOURTEEN_DAYS_S
    extract_timeout_s: float = 15.0
    streaming: bool = False
    dedup_horizon: float = FOURTEEN_DAYS_S
    allowed_lateness: float = FOURTEEN_DAYS_S
    write_window: float = 600.0


def build(p: beam.Pipeline, source: beam.PTransform, sink: beam.PTransform, cfg: GraphConfig):
    """feeds -> entries -> pages -> articles -> clean -> language -> classify -> rows -> one per article_id
    -> clusters -> sink.

    Rows that share an ``article_id`` (pages declaring one ``rel=canonical``) keep one
    winner before clustering; the others are ``duplicate_canonical`` dead letters
    (:mod:`transforms.canonical_dedup`; streaming: per ``write_window``).

    Every stage guards each element: an exception in one item becomes one
    ``errors`` row (its stage, URL and reason), never a failed run.
    The sink receives a dict of PCollections: ``stories`` (rows), ``errors``
    (ErrorRecords), ``feed_status`` (FeedStatuses), ``source_lines`` (rows;
    None when streaming) and ``signatures`` (``story_signatures`` rows). In
    batch it is applied twice, ``feed_status`` alone the second time, after
    the first application's writes (see :func:`_write_feed_state_last`), so a
    sink must accept a dict with any of the keys missing. Returns what the sink
    returns (batch: a list of both results).
    """
    feeds = p | "Feeds" >> source
    polled, entries, feed_status, entry_errors = _poll(p, feeds, cfg)
    pages = entries | "FetchPages" >> FetchPages(cfg.http)
    # articles -> clean -> language -> classify -> rows (signed), in one page worker per core
    rows = pages.main | "ProcessPages" >> ProcessPages(page_work(cfg), cfg.extract_timeout_s)
    source_lines = None if cfg.streaming else (
        rows.line_keys | "LearnBoilerplate" >> CountLineKeys(cfg.line_history))
    # one story per article_id: pages declaring the same rel=canonical -> one row, the others errors rows
    unique = rows.main | "DedupCanonical" >> DedupCanonical(cfg.streaming, cfg.write_window, cfg.allowed_lateness)
    clustered = unique.main | "Clusters" >> ClusterStories(cfg.signatures, cfg.run_id, cfg.cluster_window,
                                                         streaming=cfg.streaming, signed=True)
    errors = [e for e in (polled.errors, entry_errors, pages.errors, rows.errors, unique.errors, clustered.errors)
              if e is not None] | "AllErrors" >> beam.Flatten()
    _ = errors | "TallyErrors" >> beam.Map(_tally_error)       # the progress line's "errors", every stage
    if not cfg.streaming:     # a feed with entries left to retry keeps no validators: the next run reads it again
        feed_status = feed_status | "HoldValidators" >> HoldValidators(errors)
    outputs = {"stories": clustered.main, "errors": errors, "feed_status": feed_status,
               "source_lines": source_lines, "signatures": clustered.signatures}
    if cfg.streaming:
        from transforms.windowing import window_outputs

        outputs = window_outputs(outputs, cfg.write_window, cfg.allowed_lateness)
        return outputs | "Warehouse" >> sink
    return _write_feed_state_last(outputs, sink)


def _tally_error(_error) -> None:
    """Count one dead letter in this process's live tally (:mod:`transforms.core.tally`)."""
    from transforms.core import tally

    tally.add("errors")


def _write_feed_state_last(outputs: dict, sink: beam.PTransform):
    """Batch: write the feeds' conditional-GET state only after the stories are written.

    A run killed between the two would otherwise leave ETags for stories that
    never landed, and the next run would get 304s and never fetch them. The
    stories wait for the clustering's global step (the whole run), so without
    this gate the feed state could land first. Returns both sink results.
    """
    first = {k: v for k, v in outputs.items() if k != "feed_status"}
    written = first | "Warehouse" >> sink
    done = [pc for pc in _pcollections(written)]
    if not done:      # a sink that returns nothing to wait on: write as before
        return [written, {"feed_status": outputs["feed_status"]} | "WarehouseFeedState" >> sink]
    gate = done | "StoriesWritten" >> beam.Flatten() | "CountWritten" >> beam.combiners.Count.Globally()
    feed_status = outputs["feed_status"] | "AfterStories" >> beam.Map(lambda s, _: s, beam.pvalue.AsSingleton(gate))
    return [written, {"feed_status": feed_status} | "WarehouseFeedState" >> sink]


def _pcollections(result) -> list:
    """The PCollections inside what a sink returned (lists, dicts, BigQuery WriteResults)."""
    if isinstance(result, beam.pvalue.PCollection):
        return [result]
    if isinstance(result, dict):
        return [pc for v in result.values() for pc in _pcollections(v)]
    if isinstance(result, (list, tuple)):
        return [pc for v in result for pc in _pcollections(v)]
    found = []
    for attr in ("failed_rows_with_errors", "destination_load_jobid_pairs"):   # WriteToBigQuery's WriteResult
        try:
            value = getattr(result, attr)
        except Exception:  # not produced by this write method
            continue
        if isinstance(value, beam.pvalue.PCollection):
            found.append(value)
    return found


def _poll(p, feeds, cfg: GraphConfig):
    """Poll the feeds and keep the entries worth fetching.

    Batch: conditional-GET state comes in the FeedSpecs (from ``feed_state``),
    the per-feed cap counts only stories not yet stored, stored and duplicate
    entries are dropped, and each feed's status counts the stories new to the
    warehouse (``build`` then sets the entries it leaves to retry). Streaming: the conditional-GET state lives in
    Beam state keyed by feed, and article ids are deduplicated with state that
    expires after ``dedup_horizon``.
    """
    if cfg.streaming:
        from transforms.dedup import DedupEntries
        from transforms.stateful_feeds import StatefulReadFeeds

        polled = feeds | "ReadFeeds" >> StatefulReadFeeds(cfg.http)
        entries = polled.main | "DedupEntries" >> DedupEntries(cfg.dedup_horizon, known_ids=cfg.known_ids)
        return polled, entries, polled.feed_status, None
    known = p | "KnownIds" >> beam.Create(cfg.known_ids)
    polled = feeds | "ReadFeeds" >> ReadFeeds(cfg.http, beam.pvalue.AsList(known))
    new = polled.main | "NewEntries" >> NewEntries(beam.pvalue.AsList(known))
    return polled, new.main, polled.feed_status | "CountNewEntries" >> CountNewEntries(new.main), new.errors


def page_work(cfg: GraphConfig) -> PageWork:
    """What each page worker is given once: clean rules, the boilerplate lines learned
    from the warehouse's ``source_lines`` (read at launch; a line recurring in this run
    is learned for the next one), the classifier's inputs and the run id. Batch runs
    also count this run's candidate lines and write them back; streaming writes none
    (a run-wide count never completes on an unbounded input)."""
    return PageWork(clean_rules=cfg.clean_rules, run_id=cfg.run_id, learned=learned_lines(dict(cfg.line_history)),
                    lexicon=cfg.lexicon, gazetteer=cfg.gazetteer, model_path=cfg.model_path,
                    line_keys=not cfg.streaming)
