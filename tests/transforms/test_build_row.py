import datetime as dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.build_row import BuildRows, build_row
from transforms.core import schema
from transforms.core.records import Article, Classification
from transforms.urls import article_id

UTC = dt.timezone.utc


def article(**over):
    base = dict(url="https://x.ma/a?utm_source=rss", canonical_url="https://X.ma/a#top", source="x",
                feed_url="https://x.ma/feed", title="عنوان", author="كاتب",
                published_at=dt.datetime(2026, 11, 3, 9, tzinfo=UTC),
                fetched_at=dt.datetime(2026, 11, 3, 10, tzinfo=UTC), text="فقرة أولى\nفقرة ثانية",
                language="ar", field_sources={"title": "page", "published_at": "feed", "dateline": "جريدة الشرق من سلا",
                                              "published_at_rejected": "future: 2031-01-01"},
                removed={"comment_form": 2, "spam_latin": 1, "unused": 0})
    base.update(over)
    return Article(**base)


SEC = Classification(is_security=True, security_score=0.93, categories=("drugs", "policing_governance"),
                     matched_terms=("الشيرا",), places=("طنجة",), primary_place="طنجة",
                     is_accident=False, classifier_version="v1")


def test_row_fits_schema_and_carries_every_field():
    row = build_row(article(), SEC, "run-1")
    schema.validate_row("stories", row)
    assert row["article_id"] == article_id("https://x.ma/a")
    assert row["canonical_url"] == "https://x.ma/a"
    assert row["primary_category"] == "drugs"
    assert row["boilerplate_lines_removed"] == 3
    assert row["boilerplate_rules"] == ["comment_form:2", "spam_latin:1"]
    assert (row["title_source"], row["date_source"]) == ("page", "feed")
    assert (row["dateline"], row["date_rejected"]) == ("جريدة الشرق من سلا", "future: 2031-01-01")
    assert row["text_chars"] == len("فقرة أولى\nفقرة ثانية") and row["text_truncated"] is False


def test_non_arabic_row_has_null_label():
    cls = Classification(is_security=None, security_score=None, classifier_version="v1")
    row = build_row(article(language="fr", text="Bonjour"), cls, "r")
    schema.validate_row("stories", row)
    assert row["is_security"] is None and row["categories"] == [] and row["primary_category"] is None


def test_long_text_is_truncated_with_flag():
    row = build_row(article(text="ب" * (schema.MAX_TEXT_CHARS + 5)), SEC, "r")
    assert len(row["text"]) == schema.MAX_TEXT_CHARS
    assert row["text_truncated"] is True and row["text_chars"] == schema.MAX_TEXT_CHARS + 5


def test_transform_emits_rows_and_dead_letters_invalid_ones():
    naive = article(url="https://x.ma/naive", canonical_url="https://x.ma/naive",
                    fetched_at=dt.datetime(2026, 11, 3))  # naive timestamp: refused by the schema
    with TestPipeline() as p:
        out = p | beam.Create([(article(), SEC), (naive, SEC)]) | BuildRows("run-9")
        assert_that(out.main | beam.Map(lambda r: (r["canonical_url"], r["run_id"])),
                    equal_to([("https://x.ma/a", "run-9")]))
        assert_that(out.errors | beam.Map(lambda e: (e.stage, e.url, e.error_type)),
                    equal_to([("build_row", "https://x.ma/naive", "RowError")]), label="errors")


def test_published_date_is_the_day_the_page_states():
    import datetime as dt

    from transforms.build_row import build_row
    from transforms.core import schema
    from transforms.core.records import Article, Classification

    cls = Classification(is_security=False, security_score=0.1)
    tz = dt.timezone(dt.timedelta(hours=1))
    base = dict(url="https://x.example.tn/a", canonical_url="https://x.example.tn/a", source="x", feed_url="f")
    # stated offset: its own day, kept even where Morocco is already on the next day
    art = Article(**base, published_at=dt.datetime(2024, 2, 8, 23, 40, tzinfo=tz))
    row = build_row(art, cls, "r")
    schema.validate_row("stories", row)
    assert row["published_date"] == dt.date(2024, 2, 8)
    # the extractor's decision wins (a UTC stamp whose byline prints the 8th)
    utc = dt.datetime(2024, 2, 8, 23, 15, tzinfo=dt.timezone.utc)
    assert build_row(Article(**base, published_at=utc), cls, "r")["published_date"] == dt.date(2024, 2, 9)
    assert build_row(Article(**base, published_at=utc, published_date=dt.date(2024, 2, 8)), cls,
                     "r")["published_date"] == dt.date(2024, 2, 8)
    assert build_row(Article(**base), cls, "r")["published_date"] is None
    import pytest

    bad = dict(row, published_date=dt.datetime(2024, 2, 8, tzinfo=tz))
    with pytest.raises(schema.RowError):
        schema.validate_row("stories", bad)
