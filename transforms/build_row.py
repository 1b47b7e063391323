"""Stage 6: turn an (Article, Classification) pair into one warehouse row.

The row follows :data:`transforms.core.schema.STORIES` exactly and is validated
against it, so a row that would be refused by BigQuery becomes a dead letter
here instead of stalling the writer.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms import dates
from transforms.core import schema
from transforms.core.deadletter import ERRORS, dead_letter
from transforms.core.records import Article, Classification
from transforms.urls import article_id, canonicalize_url


def build_row(article: Article, cls: Classification, run_id: str) -> dict:
    """The ``stories`` row for one story. Text over MAX_TEXT_CHARS is cut and flagged."""
    canonical = canonicalize_url(article.canonical_url or article.url)
    text = article.text or ""
    truncated = len(text) > schema.MAX_TEXT_CHARS
    rules = [f"{name}:{count}" for name, count in sorted(article.removed.items()) if count]
    categories = list(cls.categories)
    return {
        "article_id": article_id(canonical),
        "url": article.url,
        "canonical_url": canonical,
        "source": article.source,
        "feed_url": article.feed_url or None,
        "title": article.title or None,
        "author": article.author or None,
        "published_at": article.published_at,
        "published_date": _published_date(article),
        "fetched_at": article.fetched_at,
        "language": article.language or None,
        "text": text[: schema.MAX_TEXT_CHARS],
        "text_chars": len(text),
        "text_truncated": truncated,
        "title_source": article.field_sources.get("title") or None,
        "date_source": article.field_sources.get("published_at") or None,
        "date_rejected": article.field_sources.get("published_at_rejected") or None,
        "dateline": article.field_sources.get("dateline") or None,
        "boilerplate_lines_removed": sum(article.removed.values()),
        "boilerplate_rules": rules,
        "doubtful_lines_kept": sum(article.kept_doubtful.values()),
        "is_security": cls.is_security,
        "is_accident": cls.is_accident,
        "security_score": None if cls.security_score is None else float(cls.security_score),
        "categories": categories,
        "primary_category": categories[0] if categories else None,
        "matched_terms": list(cls.matched_terms),
        "places": list(cls.places),
        "primary_place": cls.primary_place,
        "classifier_version": cls.classifier_version or None,
        "run_id": run_id,
    }


def _published_date(article: Article):
    """The calendar day the page states (``Article.published_date``), else the day of
    ``published_at`` in its own zone (:func:`transforms.dates.stated_day`), else None."""
    if article.published_date is not None:
        return article.published_date
    return dates.stated_day(article.published_at) if article.published_at is not None else None


class BuildRowFn(beam.DoFn):
    def __init__(self, run_id: str):
        self.run_id = run_id
        self.built = Metrics.counter("build_row", "rows")
        self.security = Metrics.counter("build_row", "security")
        self.truncated = Metrics.counter("build_row", "truncated")

    def process(self, pair):
        article, cls = pair
        try:
            row = build_row(article, cls, self.run_id)
            schema.validate_row("stories", row)
        except Exception as exc:  # a row that does not fit is a dead letter
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter("build_row", article, exc, message=str(exc),
                                                               run_id=self.run_id))
            return
        self.built.inc()
        if row["is_security"]:
            self.security.inc()
        if row["text_truncated"]:
            self.truncated.inc()
        yield row


class BuildRows(beam.PTransform):
    def __init__(self, run_id: str):
        super().__init__()
        self.run_id = run_id

    def expand(self, pairs):
        return pairs | "Build" >> beam.ParDo(BuildRowFn(self.run_id)).with_outputs("errors", main="main")
