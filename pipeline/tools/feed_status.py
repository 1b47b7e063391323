"""Feed health for operators.

    python -m pipeline.feeds status [--config FILE] [--warehouse duckdb:///path.duckdb | bigquery:PROJECT.DATASET]
                                    [--quiet-hours H] [--failing-after N] [--strict]

Prints one line per configured feed: last success, last new story, error
streak, last status and a flag:

* ``NEVER_POLLED`` - no row in ``feed_state`` yet;
* ``FAILING``      - ``consecutive_failures`` >= N (config ``project.failing_after``, default 3);
* ``NEVER_OK``     - polled, but never read successfully (fewer than N failures so far);
* ``QUIET``        - no new story for more than H hours (``project.quiet_after_hours``, default 48);
* ``OK``           - none of the above.

The warehouse (default: the same ``./warehouse.duckdb`` as every command) is
opened read-only, only while it is read, and never created: a missing,
corrupt or locked file is one line on stderr and exit 2 (on BigQuery the
latest row per feed comes from the ``feed_state_current`` view). ``--strict`` exits 1
when any feed is flagged, for cron or CI alerting.
"""
from __future__ import annotations

import datetime as dt
import sys
from typing import Optional

from pipeline.tools.errors import CommandError, CommandParser, command
from pipeline.warehouse.uri import DEFAULT_WAREHOUSE

DEFAULT_QUIET_HOURS = 48.0
DEFAULT_FAILING_AFTER = 3


def _feeds_and_project(config_path: Optional[str]):
    from pipeline.config import load_config

    config = load_config(config_path)
    return list(config.feeds), dict(config.project)


def read_feed_state(path: str) -> dict:
    """feed_url -> feed_state row, read-only; {} when the table is absent.

    Raises WarehouseError (one line) for a missing, corrupt or locked file.
    """
    from pipeline.warehouse.duckdb_setup import read_warehouse
    from transforms.core.schema import column_names

    cols = column_names("feed_state")
    with read_warehouse(path) as con:
        exists = con.execute("SELECT count(*) FROM information_schema.tables "
                             "WHERE table_name = 'feed_state'").fetchall()[0][0]
        if not exists:
            return {}
        rows = con.execute(f"SELECT {', '.join(cols)} FROM feed_state").fetchall()
    return {r[0]: dict(zip(cols, r)) for r in rows}


def health(row: Optional[dict], *, now: dt.datetime, quiet_hours: float, failing_after: int) -> str:
    if not row or row.get("last_polled_at") is None:
        return "NEVER_POLLED"
    if (row.get("consecutive_failures") or 0) >= failing_after:
        return "FAILING"
    if row.get("last_ok_at") is None:
        return "NEVER_OK"
    since = row.get("last_new_entry_at") or row.get("last_ok_at")
    if since is None or now - since > dt.timedelta(hours=quiet_hours):
        return "QUIET"
    return "OK"


def _ago(when: Optional[dt.datetime], now: dt.datetime) -> str:
    if when is None:
        return "never"
    secs = max(0, int((now - when).total_seconds()))
    if secs < 3600:
        return f"{secs // 60}m ago"
    if secs < 172800:
        return f"{secs // 3600}h ago"
    return f"{secs // 86400}d ago"


def status_table(feeds, state: dict, *, now: dt.datetime, quiet_hours: float, failing_after: int) -> tuple[str, int]:
    """The printed table and the number of flagged feeds (configured or not).


    Feeds polled into this warehouse but absent from the config (ad-hoc
    ``--feed`` runs, the sample, feeds since removed) are listed after the
    configured ones, marked ``(not in config)``, so nothing polled is hidden.
    """
    header = ("FEED", "SOURCE", "LAST SUCCESS", "LAST NEW STORY", "ERRORS", "LAST STATUS", "FLAG")
    lines, flagged = [header], 0
    configured = {spec.url for spec in feeds}
    extra = [(url, "-", " (not in config)") for url in sorted(state) if url not in configured]
    for url, source, note in [(spec.url, spec.source or "-", "") for spec in feeds] + extra:
        row = state.get(url)
        flag = health(row, now=now, quiet_hours=quiet_hours, failing_after=failing_after)
        flagged += flag != "OK"
        row = row or {}
        lines.append((url, source, _ago(row.get("last_ok_at"), now),
                      _ago(row.get("last_new_entry_at"), now), str(row.get("consecutive_failures") or 0),
                      str(row.get("last_status") or "-"), flag + note))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines)
    return text, flagged


@command("feeds status")
def main(argv: Optional[list[str]] = None) -> int:
    """``feeds status``: exit 0, 1 (``--strict`` and a feed flagged) or 2 (bad config or warehouse)."""
    parser = CommandParser(prog="python -m pipeline.feeds")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=CommandParser)
    st = sub.add_parser("status", help="health of every configured feed")
    st.add_argument("--config", default=None, help="feeds YAML (default: configs/feeds.yaml)")
    st.add_argument("--warehouse", default=DEFAULT_WAREHOUSE,
                    help="duckdb:///path.duckdb (default ./warehouse.duckdb, like every command) "
                         "or bigquery:PROJECT.DATASET")
    st.add_argument("--quiet-hours", type=float, default=None, help="flag QUIET after this many hours without a new story")
    st.add_argument("--failing-after", type=int, default=None, help="flag FAILING after this many failed polls in a row")
    st.add_argument("--strict", action="store_true", help="exit 1 when any feed is flagged")
    args = parser.parse_args(argv)
    if args.quiet_hours is not None and not (args.quiet_hours > 0 and args.quiet_hours < float("inf")):
        raise CommandError(f"--quiet-hours must be a number of hours > 0, got {args.quiet_hours:g}")
    if args.failing_after is not None and args.failing_after < 1:
        raise CommandError(f"--failing-after must be a whole number >= 1, got {args.failing_after}")

    from pipeline.warehouse.uri import parse_warehouse

    feeds, project = _feeds_and_project(args.config)
    warehouse = parse_warehouse(args.warehouse)
    quiet = args.quiet_hours if args.quiet_hours is not None else float(project.get("quiet_after_hours", DEFAULT_QUIET_HOURS))
    failing = args.failing_after if args.failing_after is not None else int(project.get("failing_after", DEFAULT_FAILING_AFTER))
    if warehouse.kind == "bigquery":
        from pipeline.warehouse.bigquery_read import read_feed_state as read_bigquery_feed_state

        state = read_bigquery_feed_state(warehouse.project, warehouse.dataset)
    else:
        state = read_feed_state(warehouse.path)
    now = dt.datetime.now(dt.timezone.utc)
    text, flagged = status_table(feeds, state, now=now, quiet_hours=quiet, failing_after=failing)
    print(text)
    configured = {spec.url for spec in feeds}
    others = sum(1 for url in state if url not in configured)
    print(f"\n{len(feeds)} configured feeds" + (f" and {others} polled feeds not in the config" if others else "")
          + f", {flagged} flagged (QUIET > {quiet:g}h without a new story, FAILING >= {failing} errors in a row, "
            "NEVER_OK: polled but never read)")
    return 1 if (args.strict and flagged) else 0


if __name__ == "__main__":
    sys.exit(main())
