"""The BigQuery schema against the DuckDB tables, and sample rows against the schema."""
from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from transforms.core import schema
from transforms.core.deadletter import error_row
from transforms.core.schema import TABLE_PARAMETERS
from transforms.write_bigquery import feed_status_row, fit_row, row_bytes

DUCK_TO_BQ = {"VARCHAR": "STRING", "BIGINT": "INTEGER", "DOUBLE": "FLOAT", "BOOLEAN": "BOOLEAN",
              "TIMESTAMP WITH TIME ZONE": "TIMESTAMP", "DATE": "DATE"}


def duckdb_columns(con, table: str) -> list[tuple[str, str, str]]:
    """(name, BigQuery type, mode) for each column of a DuckDB table, read back from DuckDB."""
    out = []
    for name, dtype, null, *_ in con.execute(f"DESCRIBE {table}").fetchall():
        repeated = dtype.endswith("[]")
        base = DUCK_TO_BQ[dtype[:-2] if repeated else dtype]
        mode = "REPEATED" if repeated else ("REQUIRED" if null == "NO" else "NULLABLE")
        out.append((name, base, mode))
    return out


@pytest.mark.parametrize("table", sorted(schema.TABLES))
def test_bigquery_schema_matches_the_duckdb_table_column_by_column(table):
    con = duckdb.connect()
    con.execute(schema.duckdb_ddl(table))
    bq = [(f["name"], f["type"], f["mode"]) for f in schema.bigquery_schema(table)["fields"]]
    duck = duckdb_columns(con, table)
    # Primary-key columns are NOT NULL in DuckDB; they must be REQUIRED in BigQuery too.
    assert bq == duck


def test_repeated_fields_and_partitioning_columns():
    fields = {f["name"]: f for f in schema.bigquery_schema("stories")["fields"]}
    for name in ("categories", "matched_terms", "places", "boilerplate_rules"):
        assert fields[name]["mode"] == "REPEATED" and fields[name]["type"] == "STRING"
    for table, params in TABLE_PARAMETERS.items():
        cols = {f["name"]: f for f in schema.bigquery_schema(table)["fields"]}
        part = params.get("timePartitioning")
        if part:
            assert cols[part["field"]]["type"] == "TIMESTAMP"
        for c in params.get("clustering", {}).get("fields", []):
            assert cols[c]["mode"] != "REPEATED" and len(params["clustering"]["fields"]) <= 4


# --- rows of a real sample run ------------------------------------------------------

@pytest.fixture(scope="module")
def sample_rows(tmp_path_factory):
    from pipeline.run import run

    path = tmp_path_factory.mktemp("bqschema") / "sample.duckdb"
    assert run(["--sample", "--runner", "FnApiRunner", "--warehouse", f"duckdb:///{path}",
                "--run-id", "schema-test"]) == 0
    con = duckdb.connect(str(path), read_only=True)
    out = {}
    for table in ("stories", "errors", "feed_state", "source_lines", "places", "story_signatures"):
        cols = schema.column_names(table)
        quoted = ", ".join('"' + c + '"' for c in cols)
        out[table] = [dict(zip(cols, r)) for r in con.execute(f"SELECT {quoted} FROM {table}").fetchall()]
    con.close()
    return out


BQ_JSON_TYPES = {"STRING": str, "INTEGER": int, "FLOAT": (float, int), "BOOLEAN": bool, "TIMESTAMP": str,
                 "DATE": str}


def check_json_row(table: str, json_row: dict) -> None:
    """What BigQuery checks on an insert: modes, REQUIRED, JSON types, RFC 3339 timestamps, size."""
    text = json.dumps(json_row, ensure_ascii=False)
    assert len(text.encode("utf-8")) <= schema.MAX_ROW_BYTES
    for f in schema.TABLES[table]:
        value = json_row.get(f.name)
        if f.mode == "REQUIRED":
            assert value is not None, f"{table}.{f.name} REQUIRED"
        if f.mode == "REPEATED":
            assert isinstance(value, list) and all(isinstance(v, BQ_JSON_TYPES[f.type]) for v in value)
        elif value is not None:
            assert isinstance(value, BQ_JSON_TYPES[f.type]), (f.name, value)
            if f.type == "TIMESTAMP":
                assert dt.datetime.fromisoformat(value).utcoffset() == dt.timedelta(0)
            if f.type == "DATE":
                assert dt.date.fromisoformat(value).isoformat() == value


def test_every_sample_row_validates_against_the_bigquery_schema(sample_rows):
    assert len(sample_rows["stories"]) >= 10 and sample_rows["feed_state"] and sample_rows["places"]
    for table, rows in sample_rows.items():
        for row in rows:
            schema.validate_row(table, row)
            fitted = fit_row(table, row)
            assert fitted == row, "a sample row should not need cutting"
            check_json_row(table, schema.to_json_row(fitted))


def test_sample_errors_and_feed_status_rows_as_the_bigquery_sink_builds_them(sample_rows):
    from transforms.core.records import ErrorRecord, FeedStatus

    for row in sample_rows["errors"]:
        rebuilt = error_row(ErrorRecord(**{k: (v if v is not None else "") if k in ("url", "message", "feed_url", "source")
                                           else v for k, v in row.items()}), "r")
        check_json_row("errors", schema.to_json_row(fit_row("errors", rebuilt)))
    status = FeedStatus("http://x.invalid/rss", dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc), "ok",
                        http_status=200, etag='"e"', entries=3, new_entries=3)
    row = feed_status_row(status)
    check_json_row("feed_state", schema.to_json_row(fit_row("feed_state", row)))
    assert row["etag"] == '"e"' and row["last_status"] == "ok" and row["entries_total"] == 3


# --- size limits ----------------------------------------------------------------------

def _story(text: str) -> dict:
    now = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
    row = {f.name: ([] if f.mode == "REPEATED" else None) for f in schema.STORIES}
    row.update(article_id="a" * 40, url="http://x.invalid/1", canonical_url="http://x.invalid/1", source="x",
               fetched_at=now, run_id="r", text=text, text_chars=len(text), text_truncated=False)
    return row


def test_oversized_story_is_cut_and_flagged_to_fit():
    text = "نص " * 300_000            # ~1.5 MB of UTF-8, over MAX_ROW_BYTES
    row = _story(text[: schema.MAX_TEXT_CHARS])
    row["text"] = text                 # as if a row skipped the row builder's cut
    row["text_chars"] = len(text)
    fitted = fit_row("stories", row, max_bytes=200_000)
    assert row_bytes(fitted) <= 200_000 and row_bytes(fitted) > 190_000
    assert fitted["text_truncated"] is True and text.startswith(fitted["text"])
    assert fitted["text_chars"] == len(text)      # the length before any cut is kept


def test_small_story_is_untouched():
    row = _story("سطر قصير")
    assert fit_row("stories", row) == row


def test_row_that_cannot_fit_raises():
    row = _story("")
    row["title"] = "x" * 300_000
    with pytest.raises(schema.RowError):
        fit_row("stories", row, max_bytes=100_000)
