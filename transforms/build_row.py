"""Stage 6: turn an (Article, Classification) pair into one warehouse row.

The row follows :data:`transforms.core.schema.STORIES` exactly and is validated
against it, so a row that would be refused by BigQuery becomes a dead letter
here instead of stalling the writer.

Every text column goes through :mod:`transforms.core.text` once more (a
guarantee, whatever stage made the Article): no lone surrogate, control
character or ANSI escape, titles and authors on one line without bidi
controls and capped (``MAX_TITLE_CHARS``, ``MAX_AUTHOR_CHARS``), and no
``user:password@`` in ``url``, ``canonical_url`` or ``feed_url``.
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics

from transforms import dates
from transforms.core import schema
from transforms.core.deadletter import ERRORS, dead_letter
from transforms.core.records import Article, Classification
from transforms.core.text import redact_credentials, safe_author, safe_text, safe_title
from transforms.urls import article_id, canonicalize_url


def _one_line(value, cap: int = 2000):
    return safe_text(value, one_line=True, max_chars=cap) or None


def build_row(article: Article, cls: Classification, run_id: str) -> dict:
    """The ``stories`` row for one story. Text over MAX_TEXT_CHARS is cut and flagged.

    ``article_id`` is :func:`transforms.urls.article_id` of the canonical URL.
    """
    canonical = canonicalize_url(article.canonical_url or article.url)
    text = safe_text(article.text)
    truncated = len(text) > schema.MAX_TEXT_CHARS
    rules = [f"{name}:{count}" for name, count in sorted(article.removed.items()) if count]
    categories = list(cls.categories)
    return {
        "article_id": article_id(canonical),
        "url": redact_credentials(safe_text(article.url, one_line=True)) or canonical,
        "canonical_url": canonical,
        "source": safe_text(article.source, one_line=True, max_chars=200),
        "feed_url": redact_credentials(safe_text(article.feed_url, one_line=True)) or None,
        "title": safe_title(article.title) or None,
        "author": safe_author(article.author) or None,
        "published_at": article.published_at,
        "published_date": _published_date(article),
        "fetched_at": article.fetched_at,
        "language": article.language or None,
        "text": text[: schema.MAX_TEXT_CHARS],
        "text_chars": len(text),
        "text_truncated": truncated,
        "title_source": article.field_sources.get("title") or None,
        "date_source": article.field_sources.get("published_at") or None,
        "date_rejected": _one_line(article.field_sources.get("published_at_rejected")),
        "dateline": _one_line(article.field_sources.get("dateline")),
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
        "canonical_rejected": _one_line(article.field_sources.get("canonical_rejected")),
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
