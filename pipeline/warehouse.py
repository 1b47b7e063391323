"""Warehouse URIs, set-up and the state a run reads before it starts.

    python -m pipeline.warehouse init --warehouse duckdb:///path/to/file.duckdb
    python -m pipeline.warehouse init --warehouse bigquery:PROJECT.DATASET

``init`` is idempotent: it creates what is missing (tables, views, the places
dimension) and leaves existing data alone.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pipeline import schema
from pipeline.warehouse_lock import duckdb_writer


class WarehouseError(ValueError):
    pass


@dataclass(frozen=True)
class Warehouse:
    kind: str                 # "duckdb" or "bigquery"
    path: str = ""            # duckdb file
    project: str = ""         # bigquery
    dataset: str = ""

    def describe(self) -> str:
        return f"duckdb file {self.path}" if self.kind == "duckdb" else f"BigQuery {self.project}.{self.dataset}"


def parse_warehouse(uri: str) -> Warehouse:
    """``duckdb:///abs/path.duckdb``, ``duckdb://./rel.duckdb``, ``duckdb:rel.duckdb``
    or ``bigquery:PROJECT.DATASET``."""
    uri = (uri or "").strip()
    if uri.startswith("duckdb:"):
        rest = uri[len("duckdb:"):]
        if rest.startswith("///"):
            path = rest[2:]            # keep the leading slash: absolute path
            if path.startswith("/./") or path.startswith("/../"):
                path = path[1:]        # duckdb:///./x.duckdb means relative
        elif rest.startswith("//"):
            path = rest[2:]
        else:
            path = rest
        if not path or path.endswith("/"):
            raise WarehouseError(f"--warehouse {uri!r}: give a file path, e.g. duckdb:///tmp/news.duckdb")
        return Warehouse("duckdb", path=os.path.abspath(path))
    if uri.startswith("bigquery:"):
        ref = uri[len("bigquery:"):].strip("/")
        parts = ref.split(".")
        if len(parts) != 2 or not all(parts):
            raise WarehouseError(f"--warehouse {uri!r}: use bigquery:PROJECT.DATASET")
        return Warehouse("bigquery", project=parts[0], dataset=parts[1])
    raise WarehouseError(f"--warehouse {uri!r}: must start with duckdb: or bigquery:")


def ensure_duckdb(path: str) -> None:
    """Create the tables, views and places dimension if missing.

    Raises WarehouseError when the file cannot be created or written.
    """
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with duckdb_writer(path) as con:
            for table in schema.TABLES:
                con.execute(schema.duckdb_ddl(table))
                _add_missing_columns(con, table)
            _load_places(con)
            _create_views(con)
    except WarehouseError:
        raise
    except Exception as exc:  # duckdb.IOException, PermissionError, ...
        raise WarehouseError(f"cannot write warehouse {path}: {exc}".splitlines()[0]) from None


def _add_missing_columns(con, table: str) -> None:
    """Columns added to the schema after a warehouse was created are added to it
    (NULL for old rows); nothing is dropped or retyped."""
    have = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    for f in schema.TABLES[table]:
        if f.name not in have:
            con.execute(f'ALTER TABLE {table} ADD COLUMN "{f.name}" {schema.duckdb_type(f)}')


def _load_places(con) -> None:
    try:
        from pipeline.place_dim import place_rows
    except ImportError:
        return
    rows = place_rows()
    if not rows:
        return
    cols = schema.column_names("places")
    con.execute("BEGIN")
    con.execute("DELETE FROM places")
    con.executemany(
        f"INSERT INTO places ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
        [[r.get(c) for c in cols] for r in rows])
    con.execute("COMMIT")


def _create_views(con) -> None:
    try:
        from pipeline.sql import create_views_duckdb
    except ImportError:
        return
    create_views_duckdb(con)


def known_story_ids(rows) -> list:
    """Ids a run must not fetch again, from (article_id, url) pairs: the stored
    id (hash of the page's canonical URL) and the id of the link the story
    was fetched from, which differ when a page names another canonical URL."""
    from transforms.urls import article_id

    known = set()
    for aid, url in rows:
        known.add(aid)
        if url:
            known.add(article_id(url))
    return sorted(known)


@dataclass
class RunState:
    """What a batch run needs to know about earlier runs."""

    known_ids: list
    feed_state: dict           # feed_url -> feed_state row
    line_history: dict         # (source, line_hash) -> articles


def read_duckdb_state(path: str) -> RunState:
    import duckdb

    if not os.path.exists(path):
        return RunState([], {}, {})
    con = duckdb.connect(path, read_only=True)
    try:
        known = known_story_ids(con.execute("SELECT article_id, url FROM stories").fetchall())
        cols = schema.column_names("feed_state")
        state = {r[0]: dict(zip(cols, r)) for r in con.execute(f"SELECT {', '.join(cols)} FROM feed_state").fetchall()}
        history = {(s, h): n for s, h, n in con.execute("SELECT source, line_hash, articles FROM source_lines").fetchall()}
    finally:
        con.close()
    return RunState(known, state, history)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.warehouse")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create tables and views (idempotent)")
    init.add_argument("--warehouse", default="duckdb:///./warehouse.duckdb")
    args = parser.parse_args(argv)
    try:
        wh = parse_warehouse(args.warehouse)
        if wh.kind == "duckdb":
            ensure_duckdb(wh.path)
        else:
            from pipeline.bq_setup import init_bigquery

            init_bigquery(wh.project, wh.dataset)
    except WarehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"warehouse ready: {wh.describe()} ({dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
