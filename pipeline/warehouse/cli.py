"""``python -m pipeline.warehouse init --warehouse URI``: create tables and views, idempotently.

Exit codes: 0 ready, 2 bad URI or a warehouse that cannot be written.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Optional

from pipeline.warehouse.uri import DEFAULT_WAREHOUSE, WarehouseError, parse_warehouse


def main(argv: Optional[list[str]] = None) -> int:
    """Run the command; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.warehouse")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create tables and views (idempotent)")
    init.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    args = parser.parse_args(argv)
    try:
        wh = parse_warehouse(args.warehouse)
        if wh.kind == "duckdb":
            from pipeline.warehouse.duckdb_setup import ensure_duckdb

            ensure_duckdb(wh.path)
        else:
            from pipeline.warehouse.bigquery_setup import init_bigquery

            init_bigquery(wh.project, wh.dataset)
    except WarehouseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"warehouse ready: {wh.describe()} ({dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC)")
    return 0
