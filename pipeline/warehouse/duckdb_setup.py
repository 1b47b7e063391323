"""The embedded DuckDB warehouse: create or upgrade a file, read a run's state
from it, and open it for the commands with one-line errors.

:func:`ensure_duckdb` is idempotent: it creates what is missing (tables from
the one row schema, the places dimension, the analyst views), adds columns
that the schema gained since the file was made, and leaves data alone.
Every write goes through the cross-process writer lock
(:func:`transforms.core.duckdb_lock.duckdb_writer`); every read holds a
read-only connection only for its queries (:func:`read_warehouse`), so that
readers and writers take turns (README, "Opening the warehouse").
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Optional

from pipeline.warehouse.places import load_places_duckdb
from pipeline.warehouse.state import RunState, known_story_ids, window_signatures, window_start
from pipeline.warehouse.uri import WarehouseError
from pipeline.warehouse.views import create_views_duckdb
from transforms.core import schema
from transforms.core.duckdb_lock import WarehouseBusy, duckdb_reader, duckdb_writer


def describe_open_error(path: str, exc: BaseException) -> str:
    """One line saying why the DuckDB file ``path`` could not be opened or read, and what to do."""
    text = " ".join(str(exc).split())
    if os.path.isdir(path) or "Is a directory" in text:
        return f"warehouse {path} is a directory, not a DuckDB file: give the file, e.g. duckdb://{path.rstrip('/')}/warehouse.duckdb"
    if "not a valid DuckDB database" in text or "Corrupt" in text or "corrupt" in text:
        return (f"warehouse {path} is not a readable DuckDB database (corrupt, or another kind of file); "
                f"it was left untouched: give the right file with --warehouse")
    if isinstance(exc, PermissionError) or "Permission denied" in text:
        return f"warehouse {path}: permission denied: {text[:200]}"
    return f"cannot open warehouse {path}: {text[:300]}"


def _missing(path: str) -> WarehouseError:
    return WarehouseError(f"no warehouse at {path}: run `python -m pipeline.run` or "
                          f"`python -m pipeline.warehouse init --warehouse duckdb://{path}` first, "
                          f"or give the right one with --warehouse")


@contextlib.contextmanager
def read_warehouse(path: str, timeout: Optional[float] = None):
    """A read-only connection to the existing DuckDB warehouse ``path``, held for the block only.

    Waits while a writer holds the file (see :func:`transforms.core.duckdb_lock.lock_wait`).
    Every failure, in opening or in the block's queries, becomes a one-line
    :class:`WarehouseError`: missing file, a directory, a corrupt file, a lock held too long.
    """
    import duckdb

    try:
        with duckdb_reader(path, timeout) as con:
            yield con
    except FileNotFoundError:
        raise _missing(path) from None
    except WarehouseBusy as exc:
        raise WarehouseError(str(exc)) from None
    except (duckdb.Error, OSError) as exc:
        raise WarehouseError(describe_open_error(path, exc)) from None


@contextlib.contextmanager
def write_warehouse(path: str, *, must_exist: bool = True, timeout: Optional[float] = None):
    """A read-write connection to the DuckDB warehouse ``path`` under the writer lock, for the block only.

    ``must_exist`` (maintenance commands such as ``reclassify``) refuses a
    missing file instead of creating one. Failures become one-line
    :class:`WarehouseError`; a file DuckDB cannot open is left untouched.
    """
    import duckdb

    if must_exist and not os.path.exists(path):
        raise _missing(path)
    if os.path.isdir(path):
        raise WarehouseError(describe_open_error(path, IsADirectoryError(path)))
    try:
        with duckdb_writer(path, timeout) as con:
            yield con
    except WarehouseBusy as exc:
        raise WarehouseError(str(exc)) from None
    except (duckdb.Error, OSError) as exc:
        raise WarehouseError(describe_open_error(path, exc)) from None


def ensure_duckdb(path: str, timeout: Optional[float] = None) -> None:
    """Create the tables, views and places dimension of the DuckDB file ``path`` if missing.

    Raises :class:`WarehouseError` (one line) when the file cannot be created,
    opened or written, or stays locked by another process for ``timeout`` seconds.
    """
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(f"cannot write warehouse {path}: cannot create its directory ({exc})") from None
    with write_warehouse(path, must_exist=False, timeout=timeout) as con:
        problem = foreign_tables(con)
        if problem:
            raise WarehouseError(f"{path} is not this project's warehouse ({problem}); it was left "
                                 f"untouched: give another file with --warehouse")
        for table in schema.TABLES:
            con.execute(schema.duckdb_ddl(table))
            add_missing_columns(con, table)
        con.execute("BEGIN")
        load_places_duckdb(con)
        con.execute("COMMIT")
        create_views_duckdb(con)


_DUCK_SPELLINGS = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}


def foreign_tables(con) -> Optional[str]:
    """Why the open DuckDB file is not (an older version of) this project's warehouse, or None.

    A table named like one of ours must hold only columns of the one row schema,
    with the schema's types (a file made by an older version lacks some columns,
    never has others), and every view name must not be taken by a table.
    Nothing is changed.
    """
    rows = con.execute("SELECT table_name, table_type FROM information_schema.tables "
                       "WHERE table_schema = 'main'").fetchall()
    kinds = {name: kind for name, kind in rows}
    for table, fields in schema.TABLES.items():
        if table not in kinds:
            continue
        if kinds[table] != "BASE TABLE":
            return f"{table} is a view, not a table"
        want = {f.name: _DUCK_SPELLINGS.get(schema.duckdb_type(f), schema.duckdb_type(f)) for f in fields}
        for name, typ, *_ in con.execute(f'DESCRIBE "{table}"').fetchall():
            if name not in want:
                return f"table {table} has a column {name!r} the schema does not know"
            if typ.upper() != want[name].upper():
                return f"column {table}.{name} is {typ}, not {want[name]}"
    from pipeline.warehouse.views import view_names

    for view in view_names():
        if kinds.get(view) == "BASE TABLE":
            return f"{view} is a table, where the project keeps a view"
    return None


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


def read_duckdb_state(path: str, cluster_window_s: float = 14 * 24 * 3600.0,
                      timeout: Optional[float] = None) -> RunState:
    """Known ids, feed state, line history and the clustering window (signatures of the
    stories fetched in the last ``cluster_window_s`` seconds) from the DuckDB file ``path``
    (an empty :class:`RunState` when the file does not exist). Raises WarehouseError."""
    if not os.path.exists(path):
        return RunState()
    with read_warehouse(path, timeout) as con:
        known = known_story_ids(con.execute("SELECT article_id, url FROM stories").fetchall())
        cols = schema.column_names("feed_state")
        state = {r[0]: dict(zip(cols, r)) for r in con.execute(f"SELECT {', '.join(cols)} FROM feed_state").fetchall()}
        history = {(s, h): n for s, h, n in con.execute("SELECT source, line_hash, articles FROM source_lines").fetchall()}
        signatures = _read_signatures(con, cluster_window_s)
    return RunState(known, state, history, signatures)


def _read_signatures(con, window_s: float) -> list:
    """The clustering window of an open connection ([] in a file made before clustering existed)."""
    import duckdb

    cols = schema.column_names("story_signatures")
    try:
        cur = con.execute(f"SELECT {', '.join(cols)} FROM story_signatures WHERE fetched_at >= ?",
                          [window_start(window_s)])
    except duckdb.CatalogException:
        return []
    return window_signatures(dict(zip(cols, r)) for r in cur.fetchall())
