"""``python -m pipeline.report``: one self-contained, offline HTML report for analysts.

    python -m pipeline.report --warehouse duckdb:///./warehouse.duckdb --out report.html \
        [--since 2026-11-01] [--until 2026-11-30] [--source hespress] [--place الخميسات] \
        [--screenshot docs/report.png]

Opens the warehouse read-only, queries the analyst views (configs/sql) and
writes ONE HTML file (:mod:`pipeline.report.page`). ``--screenshot`` also
renders the page in headless Chromium into a PNG.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from pipeline.report.data import Filters, ReportData, bigquery_runner, duckdb_runner, fetch
from pipeline.report.page import render_html
from pipeline.tools.errors import CommandError, command
from pipeline.warehouse import views as sql
from pipeline.warehouse.uri import DEFAULT_WAREHOUSE, WarehouseError, parse_warehouse
from transforms.core import schema


def parse_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` -> date (argparse type)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from e


def load(warehouse: str, filters: Filters) -> ReportData:
    try:
        wh = parse_warehouse(warehouse)
    except WarehouseError as e:
        raise SystemExit(str(e)) from None
    if wh.kind == "bigquery":
        run = bigquery_runner(wh.project, wh.dataset)
        return with_incidents(fetch(run, "bigquery", filters), run, "bigquery", filters)
    from pipeline.warehouse.duckdb_setup import read_warehouse

    with read_warehouse(wh.path) as con:     # read-only, retried while a run writes; one-line errors
        _ensure_views(con)
        return with_incidents(fetch(duckdb_runner(con), "duckdb", filters), duckdb_runner(con), "duckdb", filters)


def with_incidents(data: ReportData, run, dialect: str, filters: Filters) -> ReportData:
    """``data`` with the incidents panel's rows (:mod:`pipeline.report.incidents`)."""
    from pipeline.report.incidents import fetch_incidents

    try:
        data.incidents = fetch_incidents(run, dialect, filters)
    except Exception as exc:  # a warehouse written before clustering has no cluster_id yet
        print(f"note: no incidents panel ({str(exc).splitlines()[0]}); "
              "`python -m pipeline.warehouse init` upgrades the warehouse", file=sys.stderr)
    return data


def _ensure_views(con) -> None:
    """Views missing from an older warehouse file: create them as TEMP views (read-only safe)."""
    import duckdb

    have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if set(sql.view_names()) <= have:
        return
    for table in ("stories", "errors", "places"):
        if table not in have:
            con.execute(schema.duckdb_ddl(table).replace("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE"))
    for view, statement in sql.view_statements("duckdb"):
        try:
            con.execute(statement.replace("CREATE OR REPLACE VIEW", "CREATE OR REPLACE TEMP VIEW", 1))
        except duckdb.Error as exc:   # e.g. story_clusters on a file written before clustering
            print(f"note: view {view} unavailable in this warehouse ({str(exc).splitlines()[0]}); "
                  "`python -m pipeline.warehouse init` upgrades the file", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    from pipeline.tools.errors import CommandParser

    p = CommandParser(prog="python -m pipeline.report", description=__doc__.split("\n\n")[0])
    p.add_argument("--warehouse", default=DEFAULT_WAREHOUSE,
                   help="duckdb:///path/to/file.duckdb (default ./warehouse.duckdb) or bigquery:PROJECT.DATASET")
    p.add_argument("--out", default="report.html", help="HTML file to write (default report.html)")
    p.add_argument("--since", type=parse_date, help="first Moroccan day, YYYY-MM-DD")
    p.add_argument("--until", type=parse_date, help="last Moroccan day, YYYY-MM-DD")
    p.add_argument("--source", help="only this source id")
    p.add_argument("--place", help="only stories mentioning this place (canonical Arabic name)")
    p.add_argument("--screenshot", metavar="PNG",
                   help="also render the report in headless Chromium and save a PNG (e.g. docs/report.png)")
    return p


@command("report")
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.since and args.until and args.since > args.until:
        raise CommandError(f"--since {args.since} is after --until {args.until}: nothing to report")
    filters = Filters(args.since, args.until, args.source, args.place)
    data = load(args.warehouse, filters)
    out = Path(args.out)
    out.write_text(render_html(data, filters, args.warehouse), encoding="utf-8")
    t = data.totals
    if data.empty and (args.source or args.place):
        print(f"note: no stories match --source/--place ({filters.describe()}): check the spelling "
              f"(sources are outlet ids such as hespress; places are canonical Arabic names)", file=sys.stderr)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB): {t.get('stories', 0)} stories, "
          f"{t.get('security', 0)} security, {len(data.days)} days")
    if args.screenshot:
        from pipeline.report.browser import render_in_chromium

        result = render_in_chromium(out, screenshot=Path(args.screenshot))
        print(f"screenshot {args.screenshot}: charts {result.points_per_chart}, console errors {len(result.errors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
