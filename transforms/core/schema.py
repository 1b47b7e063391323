"""The one row schema, and the DDL/schemas every sink derives from it.

``STORIES``, ``ERRORS`` and ``FEED_STATE`` are the single source of truth.
DuckDB DDL (:func:`duckdb_ddl`) and the BigQuery table schema
(:func:`bigquery_schema`) are both generated from them, and
:func:`validate_row` checks a row against the same definition.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Iterable

# BigQuery's hard limit for one row is 10 MB (streaming inserts and the
# Storage Write API); we keep rows far below it so they never stall a write.
MAX_TEXT_CHARS = 200_000
MAX_ROW_BYTES = 1_000_000


@dataclass(frozen=True)
class Field:
    name: str
    type: str                # STRING, INTEGER, FLOAT, BOOLEAN, TIMESTAMP, DATE
    mode: str = "NULLABLE"   # NULLABLE, REQUIRED, REPEATED
    description: str = ""


STORIES: tuple[Field, ...] = (
    Field("article_id", "STRING", "REQUIRED",
          "sha1 of the story key (canonical URL, https, no leading www.); the upsert key"),
    Field("url", "STRING", "REQUIRED", "link as given by the feed"),
    Field("canonical_url", "STRING", "REQUIRED", "normalised URL (rel=canonical when the page gives one)"),
    Field("source", "STRING", "REQUIRED", "outlet id from the feed config"),
    Field("feed_url", "STRING", "NULLABLE", "feed the story was found in"),
    Field("title", "STRING"),
    Field("author", "STRING"),
    Field("published_at", "TIMESTAMP", "NULLABLE", "publication instant (stored in UTC; the page's offset is in published_date's day)"),
    Field("published_date", "DATE", "NULLABLE",
          "calendar day of publication as the page states it (its own zone; Africa/Casablanca when it gives none)"),
    Field("fetched_at", "TIMESTAMP", "REQUIRED", "when the page was fetched, UTC"),
    Field("language", "STRING", "NULLABLE", "ISO 639-1 code from langdetect"),
    Field("text", "STRING", "NULLABLE", "clean body text, paragraphs separated by newlines"),
    Field("text_chars", "INTEGER", "NULLABLE", "length of the clean text before truncation"),
    Field("text_truncated", "BOOLEAN", "NULLABLE", "text was cut to MAX_TEXT_CHARS"),
    Field("title_source", "STRING", "NULLABLE", "page, feed or none"),
    Field("date_source", "STRING", "NULLABLE", "page, text, feed or none"),
    Field("date_rejected", "STRING", "NULLABLE", "why a date found on the page was not believed (future, implausible)"),
    Field("dateline", "STRING", "NULLABLE", "dateline routed out of the body, e.g. '<outlet> من <city>'"),
    Field("boilerplate_lines_removed", "INTEGER", "NULLABLE", "lines the cleaner removed"),
    Field("boilerplate_rules", "STRING", "REPEATED", "rule:count for each cleaning rule that fired"),
    Field("doubtful_lines_kept", "INTEGER", "NULLABLE", "lines the cleaner doubted but kept (never cut a paragraph)"),
    Field("is_security", "BOOLEAN", "NULLABLE", "NULL for non-Arabic stories"),
    Field("is_accident", "BOOLEAN", "NULLABLE", "accident without a crime; NULL for non-Arabic"),
    Field("security_score", "FLOAT", "NULLABLE", "calibrated probability of a security story"),
    Field("categories", "STRING", "REPEATED", "security categories, best first"),
    Field("primary_category", "STRING", "NULLABLE", "first of categories"),
    Field("matched_terms", "STRING", "REPEATED", "lexicon evidence found in the story"),
    Field("places", "STRING", "REPEATED", "canonical Moroccan place names, most salient first"),
    Field("primary_place", "STRING", "NULLABLE"),
    Field("classifier_version", "STRING", "NULLABLE"),
    Field("run_id", "STRING", "REQUIRED", "the pipeline run that wrote the row"),
    Field("canonical_rejected", "STRING", "NULLABLE",
          "why the page's rel=canonical was ignored (another site, not http(s))"),
    # Near-duplicate clusters (transforms/clusters.py): copies of one story by
    # several outlets share a cluster_id. NULL in rows written before clustering.
    Field("cluster_id", "STRING", "NULLABLE",
          "article_id of the earliest story of this story's near-duplicate cluster (its own id when alone)"),
    Field("cluster_first_seen", "TIMESTAMP", "NULLABLE",
          "COALESCE(published_at, fetched_at) of the story the cluster is named after, UTC"),
    Field("cluster_similarity", "FLOAT", "NULLABLE",
          "estimated Jaccard similarity to the story it matched; NULL when it founded its cluster"),
)

ERRORS: tuple[Field, ...] = (
    Field("stage", "STRING", "REQUIRED"),
    Field("url", "STRING", "NULLABLE"),
    Field("error_type", "STRING", "REQUIRED"),
    Field("message", "STRING", "NULLABLE"),
    Field("run_id", "STRING", "REQUIRED"),
    Field("at", "TIMESTAMP", "REQUIRED"),
    Field("http_status", "INTEGER", "NULLABLE"),
    Field("attempts", "INTEGER", "NULLABLE"),
    Field("feed_url", "STRING", "NULLABLE"),
    Field("source", "STRING", "NULLABLE"),
)

FEED_STATE: tuple[Field, ...] = (
    Field("feed_url", "STRING", "REQUIRED"),
    Field("etag", "STRING"),
    Field("last_modified", "STRING"),
    Field("content_hash", "STRING"),
    Field("last_polled_at", "TIMESTAMP"),
    Field("last_status", "STRING"),
    Field("last_ok_at", "TIMESTAMP"),
    Field("last_new_entry_at", "TIMESTAMP"),
    Field("consecutive_failures", "INTEGER"),
    Field("entries_total", "INTEGER"),
)

# Per-source line statistics behind the learned-boilerplate cleaning rule:
# how many distinct articles of a source contained a given (normalised) line.
SOURCE_LINES: tuple[Field, ...] = (
    Field("source", "STRING", "REQUIRED"),
    Field("line_hash", "STRING", "REQUIRED", "sha1 of the normalised line"),
    Field("line_sample", "STRING", "NULLABLE", "the line itself, cut to 200 chars"),
    Field("articles", "INTEGER", "REQUIRED", "distinct articles of the source that contained it"),
    Field("last_seen", "TIMESTAMP", "NULLABLE"),
)

# Dimension table loaded from configs/gazetteer.yaml by `pipeline.warehouse init`
# and by every run, so views can give a place's region and coordinates.
PLACES: tuple[Field, ...] = (
    Field("place", "STRING", "REQUIRED", "canonical Arabic name, as in stories.places"),
    Field("name_latin", "STRING"),
    Field("kind", "STRING", "NULLABLE", "city, province or region"),
    Field("region", "STRING", "NULLABLE", "canonical Arabic name of the region"),
    Field("lat", "FLOAT"),
    Field("lon", "FLOAT"),
)

# The clustering window (transforms/cluster_stories.py): one row per story,
# read back at launch for the stories fetched in the last --cluster-window seconds.
STORY_SIGNATURES: tuple[Field, ...] = (
    Field("article_id", "STRING", "REQUIRED"),
    Field("cluster_id", "STRING", "REQUIRED", "as stories.cluster_id"),
    Field("source", "STRING", "NULLABLE"),
    Field("story_time", "TIMESTAMP", "REQUIRED", "COALESCE(published_at, fetched_at), UTC"),
    Field("fetched_at", "TIMESTAMP", "REQUIRED", "the window is counted from it"),
    Field("cluster_first_seen", "TIMESTAMP", "NULLABLE"),
    Field("similarity", "FLOAT", "NULLABLE", "as stories.cluster_similarity"),
    Field("scheme", "STRING", "REQUIRED", "how the signature was made, e.g. minhash-a32-p256-w3-s1-crc"),
    Field("shingles", "INTEGER", "NULLABLE", "distinct word shingles the signature sketches"),
    Field("signature", "STRING", "NULLABLE", "base64 of the MinHash values (uint32, little-endian); NULL: text too short"),
    Field("numbers", "STRING", "NULLABLE", "base64 of the hashes of the numbers the story states (uint32, sorted)"),
    Field("run_id", "STRING", "REQUIRED"),
)

TABLES: dict[str, tuple[Field, ...]] = {
    "stories": STORIES,
    "places": PLACES,
    "errors": ERRORS,
    "feed_state": FEED_STATE,
    "source_lines": SOURCE_LINES,
    "story_signatures": STORY_SIGNATURES,
}
# BigQuery partitioning and clustering per table, in the REST API's JSON form
# (WriteToBigQuery's additional_bq_parameters; the set-up builds the same).
TABLE_PARAMETERS = {
    "stories": {"timePartitioning": {"type": "DAY", "field": "published_at"},
                "clustering": {"fields": ["source", "primary_category"]}},
    "errors": {"timePartitioning": {"type": "DAY", "field": "at"},
               "clustering": {"fields": ["stage"]}},
    "feed_state": {"timePartitioning": {"type": "DAY", "field": "last_polled_at"},
                   "clustering": {"fields": ["feed_url"]}},
    "source_lines": {"clustering": {"fields": ["source"]}},
    "story_signatures": {"timePartitioning": {"type": "DAY", "field": "fetched_at"}},
}
# What the graph hands every warehouse sink (the keys of its output dict),
# and the table each one lands in.
SINK_INPUTS: dict[str, str] = {"stories": "stories", "errors": "errors", "feed_status": "feed_state",
                               "source_lines": "source_lines", "signatures": "story_signatures"}

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "stories": ("article_id",),
    "feed_state": ("feed_url",),
    "places": ("place",),
    "source_lines": ("source", "line_hash"),
    "story_signatures": ("article_id",),
}

_DUCK_TYPES = {
    "STRING": "VARCHAR",
    "INTEGER": "BIGINT",
    "FLOAT": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMPTZ",
    "DATE": "DATE",
}


def column_names(table: str) -> list[str]:
    return [f.name for f in TABLES[table]]


def duckdb_type(f: Field) -> str:
    base = _DUCK_TYPES[f.type]
    return base + "[]" if f.mode == "REPEATED" else base


def duckdb_ddl(table: str) -> str:
    cols = []
    for f in TABLES[table]:
        col = f'"{f.name}" {duckdb_type(f)}'
        if f.mode == "REQUIRED":
            col += " NOT NULL"
        cols.append(col)
    if table in PRIMARY_KEYS:
        cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in PRIMARY_KEYS[table]) + ")")
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  " + ",\n  ".join(cols) + "\n)"


def bigquery_schema(table: str) -> dict:
    """The table schema in the JSON form WriteToBigQuery and bq accept."""
    return {
        "fields": [
            {"name": f.name, "type": f.type, "mode": f.mode, "description": f.description}
            for f in TABLES[table]
        ]
    }


class RowError(ValueError):
    """A row does not fit the schema."""


_PY_TYPES: dict[str, tuple] = {
    "STRING": (str,),
    "INTEGER": (int,),
    "FLOAT": (float, int),
    "BOOLEAN": (bool,),
    "TIMESTAMP": (dt.datetime,),
    "DATE": (dt.date,),
}


def validate_row(table: str, row: dict[str, Any]) -> None:
    """Raise RowError unless ``row`` fits ``table``'s schema exactly."""
    fields = TABLES[table]
    names = {f.name for f in fields}
    extra = set(row) - names
    if extra:
        raise RowError(f"{table}: unknown columns {sorted(extra)}")
    for f in fields:
        value = row.get(f.name)
        if f.mode == "REPEATED":
            if not isinstance(value, (list, tuple)):
                raise RowError(f"{table}.{f.name}: REPEATED needs a list, got {type(value).__name__}")
            values: Iterable = value
        elif value is None:
            if f.mode == "REQUIRED":
                raise RowError(f"{table}.{f.name}: REQUIRED but missing")
            continue
        else:
            values = (value,)
        for v in values:
            ok = _PY_TYPES[f.type]
            if v is None or not isinstance(v, ok) or (f.type == "INTEGER" and isinstance(v, bool)):
                raise RowError(f"{table}.{f.name}: {f.type} expected, got {v!r:.60}")
            if f.type == "TIMESTAMP" and v.tzinfo is None:
                raise RowError(f"{table}.{f.name}: timestamp must be timezone-aware")
            if f.type == "DATE" and isinstance(v, dt.datetime):
                raise RowError(f"{table}.{f.name}: DATE expected, got a datetime {v!r:.60}")
    size = len(json.dumps(to_json_row(row), ensure_ascii=False).encode("utf-8"))
    if size > MAX_ROW_BYTES:
        raise RowError(f"{table}: row is {size} bytes, over {MAX_ROW_BYTES}")


def to_json_row(row: dict[str, Any]) -> dict[str, Any]:
    """JSON-serialisable form (timestamps as RFC 3339 UTC, dates as YYYY-MM-DD), as BigQuery takes it."""
    out = {}
    for k, v in row.items():
        if isinstance(v, dt.datetime):
            out[k] = v.astimezone(dt.timezone.utc).isoformat()
        elif isinstance(v, dt.date):
            out[k] = v.isoformat()
        elif isinstance(v, tuple):
            out[k] = list(v)
        else:
            out[k] = v
    return out
