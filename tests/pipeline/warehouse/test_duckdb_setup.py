"""ensure_duckdb upgrades an older warehouse and refuses a DuckDB file that is not one."""
from __future__ import annotations

import hashlib

import duckdb
import pytest

from pipeline.warehouse.duckdb_setup import ensure_duckdb, foreign_tables
from pipeline.warehouse.uri import WarehouseError
from transforms.core import schema


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("ddl,why", [
    ("CREATE TABLE stories (x INTEGER, title INTEGER)", "column 'x'"),
    ("CREATE TABLE stories (article_id INTEGER)", "stories.article_id is INTEGER"),
    ("CREATE VIEW errors AS SELECT 1 AS a", "errors is a view"),
    ("CREATE TABLE stories_current (a INTEGER)", "stories_current is a table"),
])
def test_a_foreign_duckdb_file_is_refused_and_left_untouched(tmp_path, ddl, why):
    path = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(path))
    con.execute(ddl)
    con.execute("CREATE TABLE notes (n INTEGER)")
    con.close()
    before = _digest(path)
    with pytest.raises(WarehouseError, match="not this project's warehouse") as err:
        ensure_duckdb(str(path))
    assert why in str(err.value)
    assert _digest(path) == before
    assert not (tmp_path / "theirs.duckdb.lock").exists()


def test_an_older_warehouse_gains_the_new_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    old = [f for f in schema.STORIES if f.name not in ("published_date", "cluster_id")]
    cols = ", ".join(f'"{f.name}" {schema.duckdb_type(f)}' for f in old)
    con.execute(f"CREATE TABLE stories ({cols}, PRIMARY KEY (article_id))")
    assert foreign_tables(con) is None
    con.close()
    ensure_duckdb(str(path))
    con = duckdb.connect(str(path), read_only=True)
    have = {r[0] for r in con.execute("DESCRIBE stories").fetchall()}
    con.close()
    assert {"published_date", "cluster_id"} <= have
