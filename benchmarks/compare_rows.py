"""``python -m benchmarks.compare_rows A.duckdb B.duckdb [--run-a ID] [--run-b ID]``

Are two runs' outputs the same, field by field? Compares the ``stories``,
``errors``, ``source_lines`` and ``story_signatures`` rows of two DuckDB
warehouses (or of one run in each), leaving out only what differs by
construction from one run to the next: run ids and clock times (``fetched_at``,
the errors' ``at``, ``last_seen``; a ``cluster_first_seen`` or ``story_time``
that is just the story's fetch time is compared as "fetched_at").

Used to check that fusion and the running modes change no row (BENCHMARKS.md,
"Same rows in every mode"). Prints one line per table and every difference;
exit status 0 when all tables match, 1 otherwise.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys

TABLES = {   # table -> (sort key columns, columns left out)
    "stories": (("article_id",), {"run_id", "fetched_at"}),
    "errors": (("stage", "url", "error_type", "message"), {"run_id", "at"}),
    "source_lines": (("source", "line_hash"), {"last_seen"}),
    "story_signatures": (("article_id",), {"run_id", "fetched_at"}),
}


def table_rows(path: str, table: str, run_id: str | None = None) -> list[dict]:
    """The rows of ``table`` (of ``run_id`` when given and the table has one), sorted by
    the table's key, clock and run columns left out (see the module docstring)."""
    import duckdb

    keys, dropped = TABLES[table]
    con = duckdb.connect(path, read_only=True)
    try:
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        where, params = "", []
        if run_id and "run_id" in cols:
            where, params = " WHERE run_id = ?", [run_id]
        cur = con.execute(f"SELECT * FROM {table}{where}", params)
        names = [d[0] for d in cur.description]
        raw = [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()
    out = []
    for row in raw:
        fetched = row.get("fetched_at")
        clean = {}
        for k, v in row.items():
            if k in dropped:
                continue
            if isinstance(v, dt.datetime) and fetched is not None and v == fetched:
                v = "fetched_at"
            clean[k] = v
        out.append(clean)
    out.sort(key=lambda r: tuple(str(r.get(k)) for k in keys))
    return out


def compare(a: list[dict], b: list[dict], keys: tuple) -> list[str]:
    """Differences between two sorted row lists (empty when they match)."""
    diffs = []
    ka = {tuple(str(r.get(k)) for k in keys): r for r in a}
    kb = {tuple(str(r.get(k)) for k in keys): r for r in b}
    for key in sorted(set(ka) - set(kb)):
        diffs.append(f"only in A: {key}")
    for key in sorted(set(kb) - set(ka)):
        diffs.append(f"only in B: {key}")
    for key in sorted(set(ka) & set(kb)):
        ra, rb = ka[key], kb[key]
        for col in sorted(set(ra) | set(rb)):
            if ra.get(col) != rb.get(col):
                diffs.append(f"{key} {col}: {str(ra.get(col))[:120]!r} != {str(rb.get(col))[:120]!r}")
    if len(a) != len(ka) or len(b) != len(kb):
        diffs.append(f"duplicate keys: {len(a)} rows / {len(ka)} keys in A, {len(b)} / {len(kb)} in B")
    return diffs


def compare_warehouses(a: str, b: str, run_a: str | None = None, run_b: str | None = None) -> dict:
    """table -> (rows in A, rows in B, differences)."""
    result = {}
    for table, (keys, _) in TABLES.items():
        ra, rb = table_rows(a, table, run_a), table_rows(b, table, run_b)
        result[table] = (len(ra), len(rb), compare(ra, rb, keys))
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.compare_rows", description=__doc__.split("\n\n")[0])
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--run-a", default=None)
    p.add_argument("--run-b", default=None)
    args = p.parse_args(argv)
    same = True
    for table, (na, nb, diffs) in compare_warehouses(args.a, args.b, args.run_a, args.run_b).items():
        print(f"{table:<18} A {na:>6} rows, B {nb:>6} rows: {'identical' if not diffs else f'{len(diffs)} differences'}")
        for d in diffs[:50]:
            print(f"    {d}")
        same = same and not diffs
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
