"""Stage 7 (embedded warehouse): write rows, dead letters and feed state to DuckDB.

DuckDB allows one writer process at a time, so every write goes through
:func:`transforms.core.duckdb_lock.duckdb_writer`: rows are batched per table,
and each batch is one short transaction under an exclusive file lock; between
two batches the file is free for readers (an analyst, the report). A batch
waits up to ``lock_wait`` seconds for the file. Stories are upserted on
``article_id`` (a rerun replaces, never duplicates); errors are appended with
their ``run_id``; feed state is merged with the previous row of the same feed.
"""
from __future__ import annotations

from typing import Iterable, Optional

import apache_beam as beam
import pyarrow as pa
from apache_beam.metrics import Metrics

from transforms.core import schema, tally
from transforms.core.deadletter import error_row
from transforms.core.records import FeedStatus
from transforms.core.duckdb_lock import duckdb_writer

_ARROW = {
    "STRING": pa.string(),
    "INTEGER": pa.int64(),
    "FLOAT": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    "DATE": pa.date32(),
}


def arrow_schema(table: str) -> pa.Schema:
    fields = []
    for f in schema.TABLES[table]:
        t = _ARROW[f.type]
        fields.append(pa.field(f.name, pa.list_(t) if f.mode == "REPEATED" else t))
    return pa.schema(fields)


def _latest_per_key(rows: Iterable[dict], keys: tuple[str, ...]) -> list[dict]:
    latest: dict = {}
    for r in rows:
        latest[tuple(r[k] for k in keys)] = r
    return list(latest.values())


def upsert_rows(con, table: str, rows: list[dict]) -> int:
    """INSERT OR REPLACE ``rows`` into ``table`` (append when it has no key)."""
    if not rows:
        return 0
    keys = schema.PRIMARY_KEYS.get(table)
    if keys:
        rows = _latest_per_key(rows, keys)
    cols = schema.column_names(table)
    data = pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in rows], schema=arrow_schema(table))
    verb = "INSERT OR REPLACE INTO" if keys else "INSERT INTO"
    quoted = ", ".join(f'"{c}"' for c in cols)
    con.register("_batch", data)
    try:
        con.execute(f"{verb} {table} ({quoted}) SELECT {quoted} FROM _batch")
    finally:
        con.unregister("_batch")
    return len(rows)


def merge_feed_statuses(con, statuses: list[FeedStatus]) -> int:
    from transforms.feed_state import merge_feed_state

    cols = schema.column_names("feed_state")
    merged: dict[str, dict] = {}
    for st in sorted(statuses, key=lambda s: s.polled_at):
        prev = merged.get(st.feed_url)
        if prev is None:
            found = con.execute(f"SELECT {', '.join(cols)} FROM feed_state WHERE feed_url = ?",
                                [st.feed_url]).fetchall()  # fetchall: DuckDB 2 keeps a fetchone() result open
            prev = dict(zip(cols, found[0])) if found else None
        merged[st.feed_url] = merge_feed_state(prev, st)
    return upsert_rows(con, "feed_state", list(merged.values()))


class DuckDBWriteFn(beam.DoFn):
    """A batch of one table's items -> one transaction under the writer lock."""

    def __init__(self, path: str, run_id: str, table: str, lock_wait: Optional[float] = None):
        self.path = path
        self.run_id = run_id
        self.table = table
        self.lock_wait = lock_wait

    def setup(self):
        self.rows = Metrics.counter("write", f"{self.table}_rows")
        self.errors_by_stage: dict = {}

    def process(self, items):
        items = list(items)
        with duckdb_writer(self.path, self.lock_wait) as con:
            con.execute("BEGIN")
            if self.table == "feed_state":
                n = merge_feed_statuses(con, items)
            elif self.table == "errors":
                for e in items:
                    if e.stage not in self.errors_by_stage:
                        self.errors_by_stage[e.stage] = Metrics.counter("errors", e.stage)
                    self.errors_by_stage[e.stage].inc()
                n = upsert_rows(con, "errors", [error_row(e, self.run_id) for e in items])
            else:
                n = upsert_rows(con, self.table, items)
            con.execute("COMMIT")
        self.rows.inc(n)
        if self.table == "stories":
            tally.add("written", n)       # the progress line (pipeline/progress.py)
        yield self.table, n


class WriteToDuckDB(beam.PTransform):
    """Sink for ``{"stories": rows, "errors": ErrorRecords, "feed_status": FeedStatuses,
    "source_lines": rows}``; any key may be missing.

    Each table is batched on its own with ``BatchElements`` (per bundle: no
    keys, state or timers, so batch runs stay on the parallel FnApiRunner and
    a streaming bundle is written when it ends) and every batch is one
    transaction under the cross-process writer lock.
    """

    def __init__(self, path: str, run_id: str, batch_size: int = 500, lock_wait: Optional[float] = None):
        super().__init__()
        self.path = path
        self.run_id = run_id
        self.batch_size = batch_size
        self.lock_wait = lock_wait        # seconds a batch waits for a locked file (None: the default)

    def expand(self, pcolls: dict):
        written = []
        for name, pcoll in sorted(pcolls.items()):
            if pcoll is None:
                continue
            table = schema.SINK_INPUTS[name]
            written.append(
                pcoll
                | f"Batch{name}" >> beam.BatchElements(min_batch_size=min(50, self.batch_size),
                                                      max_batch_size=self.batch_size)
                | f"Write{name}" >> beam.ParDo(DuckDBWriteFn(self.path, self.run_id, table, self.lock_wait)))
        return written
