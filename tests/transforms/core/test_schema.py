import datetime as dt

import duckdb
import pytest

from transforms.core import schema

UTC = dt.timezone.utc


def good_row(**over):
    row = {f.name: ([] if f.mode == "REPEATED" else None) for f in schema.STORIES}
    row.update(article_id="a" * 40, url="https://x.ma/1", canonical_url="https://x.ma/1", source="x",
               fetched_at=dt.datetime(2026, 11, 3, tzinfo=UTC), run_id="r1", categories=["drugs"],
               security_score=0.9, is_security=True, text_chars=10)
    row.update(over)
    return row


def test_every_table_creates_in_duckdb():
    con = duckdb.connect()
    for table in schema.TABLES:
        con.execute(schema.duckdb_ddl(table))
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        assert cols == schema.column_names(table)


def test_repeated_fields_are_lists_in_duckdb_and_repeated_in_bigquery():
    con = duckdb.connect()
    con.execute(schema.duckdb_ddl("stories"))
    types = dict((r[0], r[1]) for r in con.execute("DESCRIBE stories").fetchall())
    bq = {f["name"]: f for f in schema.bigquery_schema("stories")["fields"]}
    for name in ("categories", "matched_terms", "places", "boilerplate_rules"):
        assert types[name] == "VARCHAR[]"
        assert bq[name]["mode"] == "REPEATED"
    assert bq["article_id"]["mode"] == "REQUIRED"


def test_validate_row_accepts_good_row():
    schema.validate_row("stories", good_row())


@pytest.mark.parametrize("over, fragment", [
    ({"article_id": None}, "REQUIRED"),
    ({"categories": None}, "REPEATED needs a list"),
    ({"text_chars": "10"}, "INTEGER expected"),
    ({"text_chars": True}, "INTEGER expected"),
    ({"fetched_at": dt.datetime(2026, 1, 1)}, "timezone-aware"),
    ({"bogus": 1}, "unknown columns"),
    ({"text": "x" * (schema.MAX_ROW_BYTES + 10)}, "bytes, over"),
])
def test_validate_row_rejects(over, fragment):
    with pytest.raises(schema.RowError, match=fragment):
        schema.validate_row("stories", good_row(**over))
