"""The pipeline graph, in the order of the design card.

Source and sink are arguments: ``run`` passes the configured feeds and the
warehouse writer; tests pass ``beam.Create``/``TestStream`` and capture
transforms. Everything configurable arrives in ``GraphConfig``, loaded once
when the pipeline is built.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import apache_beam as beam

from transforms.build_row import BuildRows
from transforms.classify import ClassifyStories
from transforms.clean import CleanArticles
from transforms.extract import ExtractArticles
from transforms.feed_state import CountNewEntries
from transforms.fetch_pages import FetchPages, NewEntries
from transforms.language import DetectLanguage
from transforms.read_feeds import ReadFeeds
from transforms.source_boilerplate import LearnSourceBoilerplate


@dataclass
class GraphConfig:
    http: Any                                # transforms.http_client.HttpSettings
    clean_rules: Any                         # transforms.clean.CleanRules
    run_id: str
    known_ids: list = field(default_factory=list)       # article ids already stored
    line_history: dict = field(default_factory=dict)    # per-source line counts
    model_path: Optional[str] = None
    # Streaming (set by pipeline.streaming): dedup by article_id with expiring
    # state instead of NewEntries, static learned boilerplate, windowed writes.
    streaming: bool = False
    dedup_horizon: float = 14 * 24 * 3600.0
    write_window: float = 600.0


def build(p: beam.Pipeline, source: beam.PTransform, sink: beam.PTransform, cfg: GraphConfig):
    """feeds -> entries -> pages -> articles -> clean -> language -> classify -> rows -> sink."""
    feeds = p | "Feeds" >> source
    polled, entries, feed_status = _poll(p, feeds, cfg)
    pages = entries | "FetchPages" >> FetchPages(cfg.http)
    extracted = pages.main | "Extract" >> ExtractArticles()
    learned = _learn_boilerplate(p, extracted.main, cfg)
    cleaned = extracted.main | "Clean" >> CleanArticles(cfg.clean_rules, learned.learned)
    tagged = cleaned.main | "Language" >> DetectLanguage()
    classified = tagged.main | "Classify" >> ClassifyStories(model_path=cfg.model_path)
    rows = classified.main | "BuildRows" >> BuildRows(cfg.run_id)
    errors = [polled.errors, pages.errors, extracted.errors, cleaned.errors, tagged.errors,
              classified.errors, rows.errors] | "AllErrors" >> beam.Flatten()
    outputs = {"stories": rows.main, "errors": errors, "feed_status": feed_status,
               "source_lines": learned.rows}
    if cfg.streaming:
        from pipeline.streaming import window_outputs

        outputs = window_outputs(outputs, cfg.write_window, cfg.dedup_horizon)
    return outputs | "Warehouse" >> sink


def _poll(p, feeds, cfg: GraphConfig):
    """Poll the feeds and keep the entries worth fetching.

    Batch: conditional-GET state comes in the FeedSpecs (from ``feed_state``),
    stored and duplicate entries are dropped, and each feed's status counts the
    stories new to the warehouse. Streaming: the conditional-GET state lives in
    Beam state keyed by feed, and article ids are deduplicated with state that
    expires after ``dedup_horizon``.
    """
    if cfg.streaming:
        from transforms.dedup import DedupEntries
        from transforms.stateful_feeds import StatefulReadFeeds

        polled = feeds | "ReadFeeds" >> StatefulReadFeeds(cfg.http)
        entries = polled.main | "DedupEntries" >> DedupEntries(cfg.dedup_horizon, known_ids=cfg.known_ids)
        return polled, entries, polled.feed_status
    polled = feeds | "ReadFeeds" >> ReadFeeds(cfg.http)
    known = p | "KnownIds" >> beam.Create(cfg.known_ids)
    entries = polled.main | "NewEntries" >> NewEntries(beam.pvalue.AsList(known))
    return polled, entries, polled.feed_status | "CountNewEntries" >> CountNewEntries(entries)


def _learn_boilerplate(p, articles, cfg: GraphConfig):
    """Per-source boilerplate lines, learned from the warehouse's ``source_lines``
    (read at launch) and handed to the cleaner as a side input that is ready at
    once, so cleaning streams along with extraction instead of waiting for the
    whole run. Batch runs also count this run's lines and write them back for
    the next run; streaming writes none (a run-wide count never completes on
    an unbounded input)."""
    from transforms.source_boilerplate import LearnedOutputs, learned_lines

    learned = p | "LearnedLines" >> beam.Create([learned_lines(dict(cfg.line_history))])
    rows = None if cfg.streaming else (
        articles | "LearnBoilerplate" >> LearnSourceBoilerplate(cfg.line_history)).rows
    return LearnedOutputs(learned=learned, rows=rows)
