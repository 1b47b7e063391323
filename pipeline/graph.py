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
    if cfg.streaming:
        polled, entries = _poll_streaming(feeds, cfg)
    else:
        polled = feeds | "ReadFeeds" >> ReadFeeds(cfg.http)
        known = p | "KnownIds" >> beam.Create(cfg.known_ids)
        entries = polled.main | "NewEntries" >> NewEntries(beam.pvalue.AsList(known))
    pages = entries | "FetchPages" >> FetchPages(cfg.http)
    extracted = pages.main | "Extract" >> ExtractArticles()
    if cfg.streaming:
        learned = _static_boilerplate(p, cfg)
    else:
        learned = extracted.main | "LearnBoilerplate" >> LearnSourceBoilerplate(cfg.line_history)
    cleaned = extracted.main | "Clean" >> CleanArticles(cfg.clean_rules, learned.learned)
    tagged = cleaned.main | "Language" >> DetectLanguage()
    classified = tagged.main | "Classify" >> ClassifyStories(model_path=cfg.model_path)
    rows = classified.main | "BuildRows" >> BuildRows(cfg.run_id)
    errors = [polled.errors, pages.errors, extracted.errors, cleaned.errors, tagged.errors,
              classified.errors, rows.errors] | "AllErrors" >> beam.Flatten()
    feed_status = polled.feed_status if cfg.streaming else (
        polled.feed_status | "CountNewEntries" >> CountNewEntries(entries))
    outputs = {"stories": rows.main, "errors": errors, "feed_status": feed_status,
               "source_lines": learned.rows}
    if cfg.streaming:
        from pipeline.streaming import window_outputs

        outputs = window_outputs(outputs, cfg.write_window, cfg.dedup_horizon)
    return outputs | "Warehouse" >> sink


def _poll_streaming(feeds, cfg: GraphConfig):
    """Streaming front: conditional-GET state in Beam state, dedup with expiring state."""
    from transforms.dedup import DedupEntries
    from transforms.stateful_feeds import StatefulReadFeeds

    polled = feeds | "ReadFeeds" >> StatefulReadFeeds(cfg.http)
    entries = polled.main | "DedupEntries" >> DedupEntries(cfg.dedup_horizon, known_ids=cfg.known_ids)
    return polled, entries


def _static_boilerplate(p, cfg: GraphConfig):
    """Streaming: boilerplate lines learned from the warehouse history at launch
    (a batch-wide count never completes on an unbounded input); no source_lines rows."""
    from transforms.source_boilerplate import LearnedOutputs, learned_lines

    learned = p | "LearnedLines" >> beam.Create([learned_lines(dict(cfg.line_history))])
    return LearnedOutputs(learned=learned, rows=None)
