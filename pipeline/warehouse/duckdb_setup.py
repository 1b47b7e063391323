"""The embedded DuckDB warehouse: create or upgrade a file, and read a run's state from it.

:func:`ensure_duckdb` is idempotent: it creates what is missing (tables from
the one row schema, the places dimension, the analyst views), adds columns
that the schema gained since the file was made, and leaves data alone.
Every write goes through the cross-process writer lock
(:func:`transforms.core.duckdb_lock.duckdb_writer`).
"""
from __future__ import annotations

import os
from pathlib import Path

from pipeline.warehouse.places import load_places_duckdb
from pipeline.warehouse.state import RunState, known_story_ids
from pipeline.warehouse.uri import WarehouseError
from pipeline.warehouse.views import create_views_duckdb
from transforms.core import schema
from transforms.core.duckdb_lock import duckdb_writer


def ensure_duckdb(path: str) -> None:
    """Create the tables, views and places dimension of the DuckDB file ``path`` if missing.

    Raises :class:`WarehouseError` (one line) when the file cannot be created or written.
    """
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with duckdb_writer(path) as con:
            for table in schema.TABLES:
                con.execute(schema.duckdb_ddl(table))
                add_missing_columns(con, table)
            con.execute("BEGIN")
            load_places_duckdb(con)
            con.execute("COMMIT")
            create_views_duckdb(con)
    except WarehouseError:
        raise
    except Exception as exc:  # duckdb.IOException, PermissionError, ...
        raise WarehouseError(f"cannot write warehouse {path}: {exc}".splitlines()[0]) from None


def add_missing_columns(con, table: str) -> list[str]:
    """Add the columns of ``table`` that the schema gained since the file was created
    (NULL for old rows); nothing is dropped or retyped. Returns the names added."""
    have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    added = []
    for f in schema.TABLES[table]:
        if f.name not in have:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{f.name}" {schema.duckdb_type(f)}')
            added.append(f.name)
    return added


def read_duckdb_state(path: str) -> RunState:
    """Known ids, feed state and line history from the DuckDB file ``path``
    (an empty :class:`RunState` when the file does not exist)."""
    import duckdb

    if not os.path.exists(path):
        return RunState()
    con = duckdb.connect(path, read_only=True)
    try:
        known = known_story_ids(con.execute("SELECT article_id, url FROM stories").fetchall())
        cols = schema.column_names("feed_state")
        state = {r[0]: dict(zip(cols, r)) for r in con.execute(f"SELECT {', '.join(cols)} FROM feed_state").fetchall()}
        history = {(s, h): n for s, h, n in con.execute("SELECT source, line_hash, articles FROM source_lines").fetchall()}
    finally:
        con.close()
    return RunState(known, state, history)
