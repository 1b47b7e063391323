"""The summary printed at the end of every run, and the exit code a scheduler sees.

Where the figures come from:

* what landed (rows, errors by stage, feeds' state) is read from the
  warehouse itself (DuckDB, or BigQuery's ``stories_current``,
  ``feed_state_current`` and ``errors``), so the summary cannot claim rows
  that were not written, and its feed figures are the ``feed_state`` rows of
  this run's feeds polled since the run started: the summary and
  ``feed_state`` agree by construction;
* what the stages did (entries, pages, articles, ...) comes from Beam
  metrics. They are exact on the FnApiRunner (local batch) and on Dataflow;
  Beam 2.77's bundle-based DirectRunner, which runs local streaming jobs on a
  ``TestStream`` clock, reports only the first poll's counters (a 10-line
  reproduction is in docs/beam-local-runner-bugs.md, "Counters of a
  local streaming run"), so a local streaming summary shows only what the
  warehouse says.

A local batch summary also checks that every feed entry is accounted for:
entries (every entry the feeds list) = over the per-feed cap + unusable (no
link, a bad link or a bad entry at the feed stage, a link with no article id
at ``new_entries``: each an errors row) + already stored + duplicates + new,
and new = pages fetched + fetches failed. A streaming summary counts failed
polls (one ``read_feeds`` errors row per failed poll; the entry-level rows of
that stage, :data:`ENTRY_ERROR_TYPES`, are not polls).

Exit codes (:func:`exit_code`; the README's table lists every command's):
0 the run completed (failed items are rows in ``errors``); 1 entries were
lost (the counts above do not add up; a bug); 3 no feed could be polled, or
the share of failed feeds is over ``run.max_failed_feeds_share``; 4 with
``--fail-on-errors``, any errors row recorded by this run. (2 is for runs
that could not start: :mod:`pipeline.run`.)
"""
from __future__ import annotations

import collections
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Optional, TextIO

log = logging.getLogger("pipeline.summary")

EXIT_OK, EXIT_LOST, EXIT_FEEDS_FAILED, EXIT_ERRORS = 0, 1, 3, 4
REACHED = ("ok", "not_modified", "unchanged")
# read_feeds errors rows about one entry of a feed that was read, not about a failed poll
# (transforms/read_feeds.py: EntryProblem kinds and the per-feed cap)
ENTRY_ERROR_TYPES = ("entry_without_link", "bad_link", "bad_entry", "over_entry_cap")


def counters(result) -> dict[tuple[str, str], int]:
    """{(namespace, name): committed value} summed over steps ({} when the runner reports none)."""
    totals: dict = collections.defaultdict(int)
    try:
        query = result.metrics().query()
    except Exception:  # some runners do not report metrics
        return {}
    for c in query.get("counters", []):
        value = c.committed if c.committed is not None else c.attempted
        totals[(c.key.metric.namespace, c.key.metric.name)] += int(value or 0)
    return dict(totals)


@dataclass
class RunFigures:
    """Everything the summary prints and the exit code is decided from.

    ``feeds``: outcome -> number of feeds (``ok``, ``not_modified``,
    ``unchanged``, ``failed``); ``errors_by_stage``: errors rows of this run;
    ``warehouse``: facts read from a DuckDB warehouse ({} for BigQuery or
    when it could not be read); ``metrics_reliable``: whether ``counters``
    covers the whole run.
    """

    run_id: str
    seconds: float
    warehouse_name: str
    streaming: bool
    counters: dict = field(default_factory=dict)
    feeds: dict = field(default_factory=dict)
    errors_by_stage: dict = field(default_factory=dict)
    warehouse: dict = field(default_factory=dict)
    metrics_reliable: bool = True
    note: str = ""

    def c(self, namespace: str, name: str) -> int:
        return int(self.counters.get((namespace, name), 0))

    @property
    def errors(self) -> int:
        return sum(self.errors_by_stage.values())

    @property
    def unusable(self) -> int:
        """Entries that became an errors row before any fetch: at the feed stage (no link, a bad
        link, a bad entry) and at ``new_entries`` (no article id)."""
        return self.c("read_feeds", "unusable_entries") + self.c("new_entries", "errors")

    def unaccounted(self) -> Optional[str]:
        """None when every feed entry is accounted for, else what does not add up (local batch only)."""
        if self.streaming or not self.metrics_reliable or not self.counters:
            return None
        c = self.c
        parts = (c("read_feeds", "entries_over_cap") + self.unusable + c("new_entries", "already_stored")
                 + c("new_entries", "duplicates_in_run") + c("new_entries", "kept"))
        problems = []
        if c("read_feeds", "entries") != parts:
            problems.append(f"{c('read_feeds', 'entries')} feed entries but {parts} over the cap, unusable, "
                            f"stored, duplicated or new")
        fetched = c("fetch_page", "fetched") + c("fetch_page", "failed")
        if c("new_entries", "kept") != fetched:
            problems.append(f"{c('new_entries', 'kept')} new entries but {fetched} pages fetched or failed")
        return "; ".join(problems) or None


def _feed_outcomes_from_state(rows) -> dict:
    out = collections.Counter()
    for (status,) in rows:
        status = status or "error"
        out[status if status in REACHED else "failed"] += 1
    return dict(out)


def _duckdb_facts(path: str, run_id: str, started: dt.datetime, feed_urls: list[str]) -> dict:
    from pipeline.warehouse.duckdb_setup import read_warehouse

    with read_warehouse(path) as con:
        one = lambda sql, *p: con.execute(sql, list(p)).fetchall()[0]   # noqa: E731
        rows, lines, arabic, security, accident = one(
            "SELECT count(*), coalesce(sum(boilerplate_lines_removed), 0), count(*) FILTER (WHERE language = 'ar'), "
            "count(*) FILTER (WHERE is_security), count(*) FILTER (WHERE is_accident) FROM stories WHERE run_id = ?", run_id)
        facts = {
            "rows_this_run": rows, "lines_removed": lines, "arabic": arabic, "security": security,
            "accident": accident,
            "rows_total": one("SELECT count(*) FROM stories")[0],
            "errors_by_stage": dict(con.execute(
                "SELECT stage, count(*) FROM errors WHERE run_id = ? GROUP BY stage ORDER BY stage",
                [run_id]).fetchall()),
            "failed_polls": one(
                f"SELECT count(*) FROM errors WHERE run_id = ? AND stage = 'read_feeds' AND error_type NOT IN "
                f"({', '.join('?' for _ in ENTRY_ERROR_TYPES)})", run_id, *ENTRY_ERROR_TYPES)[0],
        }
        if feed_urls:
            marks = ", ".join("?" for _ in feed_urls)
            facts["feeds"] = _feed_outcomes_from_state(con.execute(
                f"SELECT last_status FROM feed_state WHERE last_polled_at >= ? AND feed_url IN ({marks})",
                [started, *feed_urls]).fetchall())
    return facts


def _bigquery_facts(warehouse, run_id: str, started: dt.datetime, feed_urls: list[str]) -> dict:
    from pipeline.warehouse.bigquery_read import query_runner, read_feed_state, run_counts

    facts = run_counts(warehouse.project, warehouse.dataset, run_id)
    kinds = ", ".join(f"'{k}'" for k in ENTRY_ERROR_TYPES)          # our own constants, not input
    facts["failed_polls"] = int(query_runner(warehouse.project, warehouse.dataset)(
        f"SELECT COUNT(*) AS n FROM errors WHERE run_id = @run_id AND stage = 'read_feeds' "
        f"AND error_type NOT IN ({kinds})", {"run_id": run_id})[0]["n"])
    if feed_urls:
        state = read_feed_state(warehouse.project, warehouse.dataset)
        wanted = set(feed_urls)
        facts["feeds"] = _feed_outcomes_from_state(
            [(row.get("last_status"),) for url, row in state.items()
             if url in wanted and row.get("last_polled_at") is not None and row["last_polled_at"] >= started])
    return facts


def _feed_outcomes_from_metrics(c: dict) -> dict:
    get = lambda name: int(c.get(("read_feeds", name), 0))    # noqa: E731
    polled, failed = get("polled"), get("failed")
    return {"ok": max(0, polled - failed - get("not_modified") - get("unchanged")),
            "not_modified": get("not_modified"), "unchanged": get("unchanged"), "failed": failed}


def summarize(result, warehouse, run_id: str, started: dt.datetime, *, feed_urls=(),
              streaming: bool = False, local: bool = True) -> RunFigures:
    """The :class:`RunFigures` of a finished (or stopped) run. Never raises: a warehouse
    that cannot be read leaves its facts out and says so in ``note``."""
    fig = RunFigures(run_id=run_id, seconds=(dt.datetime.now(dt.timezone.utc) - started).total_seconds(),
                     warehouse_name=warehouse.describe(), streaming=streaming,
                     counters=counters(result), metrics_reliable=not (streaming and local))
    try:
        if warehouse.kind == "duckdb":
            fig.warehouse = _duckdb_facts(warehouse.path, run_id, started, list(feed_urls))
        else:
            fig.warehouse = _bigquery_facts(warehouse, run_id, started, list(feed_urls))
    except Exception as exc:  # noqa: BLE001 - the run is over; the summary must not turn it into a crash
        fig.note = f"warehouse figures unavailable: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    fig.feeds = fig.warehouse.get("feeds") or (_feed_outcomes_from_metrics(fig.counters) if fig.metrics_reliable
                                               else {})
    fig.errors_by_stage = fig.warehouse.get("errors_by_stage") or {
        name: v for (ns, name), v in fig.counters.items() if ns == "errors"}
    return fig


def _line(out: TextIO, label: str, value) -> None:
    print(f"  {label:<34} {value}", file=out)


def _feeds_text(feeds: dict) -> str:
    total = sum(feeds.values())
    return (f"{total}: {feeds.get('ok', 0)} ok, {feeds.get('not_modified', 0)} not modified (304), "
            f"{feeds.get('unchanged', 0)} unchanged, {feeds.get('failed', 0)} failed")


def print_summary(fig: RunFigures, out: TextIO) -> None:
    """Print ``fig`` (layout: README, "What a run does")."""
    kind = "streaming run" if fig.streaming else "Run"
    print(f"\n{kind} {fig.run_id} finished in {fig.seconds:.1f}s", file=out)
    c, wh = fig.c, fig.warehouse
    _line(out, "feeds" + (" (state at the end)" if fig.streaming else ""), _feeds_text(fig.feeds)
          if fig.feeds else "unknown")
    if fig.metrics_reliable and fig.counters:
        _line(out, "feed entries", c("read_feeds", "entries"))
        _line(out, "  over the per-feed cap (skipped)", c("read_feeds", "entries_over_cap"))
        _line(out, "  unusable (errors rows)", fig.unusable)
        _line(out, "  already stored (skipped)", c("new_entries", "already_stored"))
        _line(out, "  duplicates in this run", c("new_entries", "duplicates_in_run"))
        _line(out, "  new, to fetch", c("new_entries", "kept"))
        _line(out, "pages fetched", f"{c('fetch_page', 'fetched')} (failed: {c('fetch_page', 'failed')})")
        _line(out, "articles extracted", c("extract", "articles"))
        cleaned = c("clean", "articles_cleaned") or (c("language", "detected") + c("language", "undetermined"))
        _line(out, "articles cleaned", cleaned)
        _line(out, "Arabic stories", c("language", "arabic"))
        _line(out, "security stories", c("classify", "security"))
        _line(out, "accident stories", c("classify", "accident"))
        _line(out, "rows built", c("build_row", "rows"))
        _line(out, "  same canonical URL (errors rows)", c("canonical_dedup", "duplicates"))
    elif wh:
        _line(out, "failed polls", wh.get("failed_polls", "unknown"))
        labels = (f" (Arabic {wh['arabic']}, security {wh['security']}, accident {wh['accident']})"
                  if "arabic" in wh else "")
        _line(out, "stories written", f"{wh['rows_this_run']}{labels}")
    errors = fig.errors_by_stage
    _line(out, "errors", f"{fig.errors}" + (" (" + ", ".join(f"{k}: {v}" for k, v in sorted(errors.items())) + ")"
                                             if errors else ""))
    if wh:
        _line(out, "boilerplate lines removed", wh["lines_removed"])
        _line(out, "rows written this run", wh["rows_this_run"])
        _line(out, "rows in warehouse", wh["rows_total"])
    else:
        _line(out, "rows written", c("write", "stories_rows"))
    print(f"  warehouse: {fig.warehouse_name}", file=out)
    if not fig.metrics_reliable:
        print("  (stage counters are not shown: Beam's local streaming runner reports only the first poll's)",
              file=out)
    if fig.note:
        print(f"  note: {fig.note}", file=out)


def exit_code(fig: RunFigures, *, max_failed_share: float, fail_on_errors: bool = False) -> tuple[int, str]:
    """``(code, reason)`` for a finished run (codes in the module docstring; reason "" for 0)."""
    lost = fig.unaccounted()
    if lost:
        return EXIT_LOST, f"entries not accounted for: {lost}"
    total = sum(fig.feeds.values())
    reached = sum(fig.feeds.get(k, 0) for k in REACHED)
    failed = fig.feeds.get("failed", 0)
    if total and not reached:
        return EXIT_FEEDS_FAILED, f"no feed could be polled ({failed} of {total} failed)"
    if total and failed / total > max_failed_share:
        return EXIT_FEEDS_FAILED, (f"{failed} of {total} feeds failed, over run.max_failed_feeds_share "
                                   f"= {max_failed_share:g}")
    if fail_on_errors and fig.errors:
        return EXIT_ERRORS, f"--fail-on-errors: this run recorded {fig.errors} errors rows"
    return EXIT_OK, ""
