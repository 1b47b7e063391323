"""``python -m benchmarks.view_bytes WAREHOUSE.duckdb [--stories N]``: bytes an analyst view scans in BigQuery.

BigQuery's on-demand price is per byte of the *columns a query references*,
over every partition it cannot prune. Each view in ``configs/sql/bigquery``
reads ``stories`` (through ``stories_current``) and, for some, other tables;
none filters on the partitioning column (``published_at``) by itself, so a
query of a view scans its referenced columns over the whole table unless the
analyst adds a ``published_at`` filter.

This estimates it from real rows: the mean BigQuery size of each column
(BigQuery's data size rules: STRING 2 bytes + UTF-8 bytes, INT64 / FLOAT64 /
TIMESTAMP / DATE 8, BOOL 1, ARRAY the sum of its elements, NULL 0) measured on
the rows of a DuckDB warehouse, times the columns each view references
(``stories_current`` adds ``article_id``, ``fetched_at``, ``run_id``,
``published_date``, ``published_at`` for its one-row-per-story rule), times
``N`` stories. Prints bytes per story and per query at N.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "configs" / "sql" / "bigquery"
CURRENT = ("article_id", "fetched_at", "run_id", "published_date", "published_at")   # stories_current's own


def bq_size(v) -> int:
    """BigQuery logical bytes of one value (module docstring)."""
    if v is None:
        return 0
    if isinstance(v, bool):
        return 1
    if isinstance(v, (int, float, dt.datetime, dt.date)):
        return 8
    if isinstance(v, str):
        return 2 + len(v.encode("utf-8"))
    if isinstance(v, (list, tuple)):
        return sum(bq_size(x) for x in v)
    return 8


def column_bytes(path: str, table: str) -> dict:
    """Mean BigQuery bytes per row of every column of ``table`` in the DuckDB file ``path``."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    try:
        cur = con.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    finally:
        con.close()
    if not rows:
        return {n: 0.0 for n in names}
    return {n: sum(bq_size(r[i]) for r in rows) / len(rows) for i, n in enumerate(names)}


def view_columns(sql: str, columns) -> set:
    """The ``stories`` columns a view's SQL names (word match; ``s.*`` is resolved by the caller)."""
    return {c for c in columns if re.search(rf"(?<![\w.]){re.escape(c)}(?!\w)|\.{re.escape(c)}(?!\w)", sql)}


def estimate(path: str, stories: int) -> list[dict]:
    """Per view: the ``stories`` columns it reads (through the views it reads, too), bytes
    per story and per query at ``stories`` stories."""
    cols = column_bytes(path, "stories")
    sql = {f.stem: f.read_text(encoding="utf-8") for f in sorted(SQL_DIR.glob("*.sql"))}
    memo: dict = {}

    def used(name: str, depth: int = 0) -> set:
        if name in memo:
            return memo[name]
        if name == "stories_current":
            found = set(cols)          # SELECT s.*: what its reader names is pruned below
        else:
            found = view_columns(sql[name], cols)
            for other in sql:
                if other != name and depth < 5 and re.search(rf"\.{other}`", sql[name]):
                    inner = used(other, depth + 1)
                    found |= (view_columns(sql[name], cols) | set(CURRENT)) if other == "stories_current" else inner
        memo[name] = found
        return found

    out = []
    for name in sql:
        columns = used(name)
        per_story = sum(cols[c] for c in columns)
        out.append({"view": name, "columns": sorted(columns), "bytes_per_story": round(per_story, 1),
                    "bytes_per_query": per_story * stories})
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.view_bytes", description=__doc__.split("\n\n")[0])
    p.add_argument("warehouse")
    p.add_argument("--stories", type=int, default=4_380_000, help="stories in the table (default: ten years, "
                   "1,200 a day)")
    p.add_argument("--price-per-tib", type=float, default=6.25)
    args = p.parse_args(argv)
    rows = estimate(args.warehouse, args.stories)
    print(f"| view | bytes/story | GB per query at {args.stories:,} stories | USD per query at "
          f"${args.price_per_tib}/TiB |\n|---|---:|---:|---:|")
    for r in rows:
        usd = r["bytes_per_query"] / 2**40 * args.price_per_tib
        print(f"| {r['view']} | {r['bytes_per_story']:.0f} | {r['bytes_per_query'] / 1e9:.2f} | {usd:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
