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


def build(p: beam.Pipeline, source: beam.PTransform, sink: beam.PTransform, cfg: GraphConfig):
    """feeds -> entries -> pages -> articles -> clean -> language -> classify -> rows -> sink."""
    feeds = p | "Feeds" >> source
    polled = feeds | "ReadFeeds" >> ReadFeeds(cfg.http)
    known = p | "KnownIds" >> beam.Create(cfg.known_ids)
    entries = polled.main | "NewEntries" >> NewEntries(beam.pvalue.AsList(known))
    pages = entries | "FetchPages" >> FetchPages(cfg.http)
    extracted = pages.main | "Extract" >> ExtractArticles()
    learned = extracted.main | "LearnBoilerplate" >> LearnSourceBoilerplate(cfg.line_history)
    cleaned = extracted.main | "Clean" >> CleanArticles(cfg.clean_rules, beam.pvalue.AsSingleton(learned.learned))
    tagged = cleaned.main | "Language" >> DetectLanguage()
    classified = tagged.main | "Classify" >> ClassifyStories(model_path=cfg.model_path)
    rows = classified.main | "BuildRows" >> BuildRows(cfg.run_id)
    errors = [polled.errors, pages.errors, extracted.errors, cleaned.errors, tagged.errors,
              classified.errors, rows.errors] | "AllErrors" >> beam.Flatten()
    return {"stories": rows.main, "errors": errors, "feed_status": polled.feed_status,
            "source_lines": learned.rows} | "Warehouse" >> sink
