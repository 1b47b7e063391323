"""``python -m pipeline.warehouse init --warehouse URI``: create tables and views, idempotently.

Exit codes: 0 ready; 2 (one line) bad URI, or a warehouse that cannot be
created, opened (corrupt, a directory: left untouched) or written, or that
stays locked by another process.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

from pipeline.tools.errors import CommandParser, command
from pipeline.warehouse.uri import DEFAULT_WAREHOUSE, parse_warehouse


@command("warehouse init")
def main(argv: Optional[list[str]] = None) -> int:
    """Run the command; returns the exit code."""
    parser = CommandParser(prog="python -m pipeline.warehouse")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
    init = sub.add_parser("init", help="create tables and views (idempotent)")
    init.add_argument("--warehouse", default=DEFAULT_WAREHOUSE,
                      help="duckdb:///path.duckdb (default ./warehouse.duckdb) or bigquery:PROJECT.DATASET")
    args = parser.parse_args(argv)
    wh = parse_warehouse(args.warehouse)
    if wh.kind == "duckdb":
        from pipeline.warehouse.duckdb_setup import ensure_duckdb

        ensure_duckdb(wh.path)
    else:
        from pipeline.warehouse.bigquery_setup import init_bigquery

        init_bigquery(wh.project, wh.dataset)
    print(f"warehouse ready: {wh.describe()} ({dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC)")
    return 0
