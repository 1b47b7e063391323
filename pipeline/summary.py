"""The summary printed at the end of every run.

Counts come from Beam metrics (what the stages did) and from the
warehouse itself (what landed), so the summary cannot claim rows that were
not written.
"""
from __future__ import annotations

import collections
import datetime as dt
from typing import TextIO


def counters(result) -> dict[tuple[str, str], int]:
    """{(namespace, name): committed value} summed over steps."""
    totals: dict = collections.defaultdict(int)
    try:
        query = result.metrics().query()
    except Exception:  # some runners do not report metrics
        return {}
    for c in query.get("counters", []):
        value = c.committed if c.committed is not None else c.attempted
        totals[(c.key.metric.namespace, c.key.metric.name)] += int(value or 0)
    return dict(totals)


def _warehouse_counts(warehouse, run_id: str) -> dict:
    if warehouse.kind == "bigquery":
        from pipeline.warehouse.bigquery_read import run_counts
        from pipeline.warehouse.uri import WarehouseError

        try:
            return run_counts(warehouse.project, warehouse.dataset, run_id)
        except WarehouseError:  # the run is done; fall back to what the stages counted
            return {}
    import duckdb

    con = duckdb.connect(warehouse.path, read_only=True)
    try:
        return {
            "rows_this_run": con.execute("SELECT count(*) FROM stories WHERE run_id = ?", [run_id]).fetchone()[0],
            "lines_removed": con.execute("SELECT coalesce(sum(boilerplate_lines_removed), 0) FROM stories "
                                         "WHERE run_id = ?", [run_id]).fetchone()[0],
            "rows_total": con.execute("SELECT count(*) FROM stories").fetchone()[0],
            "errors_by_stage": dict(con.execute(
                "SELECT stage, count(*) FROM errors WHERE run_id = ? GROUP BY stage ORDER BY stage",
                [run_id]).fetchall()),
        }
    finally:
        con.close()


# (label, namespace, name) for the headline figures.
HEADLINE = (
    ("feeds polled", "read_feeds", "polled"),
    ("feeds not modified (304)", "read_feeds", "not_modified"),
    ("feeds unchanged (same content)", "read_feeds", "unchanged"),
    ("feeds failed", "read_feeds", "failed"),
    ("feed entries", "read_feeds", "entries"),
    ("entries already stored (skipped)", "new_entries", "already_stored"),
    ("duplicate entries in this run", "new_entries", "duplicates_in_run"),
    ("pages fetched", "fetch_page", "fetched"),
    ("articles extracted", "extract", "articles"),
    ("Arabic stories", "language", "arabic"),
    ("security stories", "classify", "security"),
    ("accident stories", "classify", "accident"),
    ("rows built", "build_row", "rows"),
)


def print_summary(result, warehouse, run_id: str, started: dt.datetime, out: TextIO) -> dict:
    c = counters(result)
    wh = _warehouse_counts(warehouse, run_id)
    secs = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
    print(f"\nRun {run_id} finished in {secs:.1f}s", file=out)
    # Counters of a ParDo fed by a side input are not reported by the bundle-based
    # DirectRunner, so the cleaning stage's output is counted where it arrives.
    c.setdefault(("clean", "articles_cleaned"),
                 c.get(("language", "detected"), 0) + c.get(("language", "undetermined"), 0))
    for label, ns, name in HEADLINE:
        print(f"  {label:<34} {c.get((ns, name), 0)}", file=out)
        if name == "articles":
            print(f"  {'articles cleaned':<34} {c[('clean', 'articles_cleaned')]}", file=out)
    errors = wh.get("errors_by_stage") or {
        name: v for (ns, name), v in c.items() if ns == "errors"}
    print(f"  {'errors':<34} {sum(errors.values())}" +
          (" (" + ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) + ")" if errors else ""), file=out)
    if wh:
        print(f"  {'boilerplate lines removed':<34} {wh['lines_removed']}", file=out)
        print(f"  {'rows written this run':<34} {wh['rows_this_run']}", file=out)
        print(f"  {'rows in warehouse':<34} {wh['rows_total']}", file=out)
    else:
        print(f"  {'rows written':<34} {c.get(('write', 'stories_rows'), 0)}", file=out)
    print(f"  warehouse: {warehouse.describe()}", file=out)
    return {"counters": c, "warehouse": wh}
