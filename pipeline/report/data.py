"""Queries behind the analyst report, for DuckDB and BigQuery.

The report reads the analyst views (``stories_current`` for the story charts,
so ``--source``/``--place`` can filter them, and ``source_coverage_daily`` for
the coverage heatmap). Without filters its numbers equal ``security_daily``'s,
``security_weekly``'s, ``security_by_place_week``'s and
``security_by_region_week``'s (tests/pipeline/report/test_report.py checks this).

The report's period (:class:`pipeline.report.axes.Calendar`) runs from
``--since`` (else the first day with a story or a coverage row) to ``--until``
(else TODAY, the Moroccan calendar day when the report is made, or the last
day with data if that is later): every day in between is on the axes, those
without stories included.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Callable
from zoneinfo import ZoneInfo

from pipeline.report.axes import Calendar

MOROCCO = ZoneInfo("Africa/Casablanca")

# Queries use @name parameters (BigQuery); DuckDB gets them as $name.
_PLACE_FILTER = {
    "duckdb": "(list_contains(s.places, @place) OR s.primary_place = @place)",
    "bigquery": "(@place IN UNNEST(s.places) OR s.primary_place = @place)",
}
# The unnested place is called `mentioned` in BigQuery: a bare `place` would be
# ambiguous next to the `places` table's own `place` column.
_UNNEST_PLACES = {
    "duckdb": "stories_current AS s, unnest(s.places) AS u(place)",
    "bigquery": "stories_current AS s CROSS JOIN UNNEST(s.places) AS mentioned",
}
_PLACE_COL = {"duckdb": "u.place", "bigquery": "mentioned"}


def morocco_today(now: dt.datetime | None = None) -> dt.date:
    """The Moroccan calendar day (Africa/Casablanca, Python's tz database) of ``now`` (default: now)."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(MOROCCO).date()


@dataclasses.dataclass(frozen=True)
class Filters:
    since: dt.date | None = None
    until: dt.date | None = None
    source: str | None = None
    place: str | None = None

    def describe(self) -> str:
        parts = []
        if self.since:
            parts.append(f"since {self.since}")
        if self.until:
            parts.append(f"until {self.until}")
        if self.source:
            parts.append(f"source = {self.source}")
        if self.place:
            parts.append(f"place = {self.place}")
        return ", ".join(parts) or "all data"


@dataclasses.dataclass
class ReportData:
    """What the page shows. Dates are Moroccan days; counts are whole stories."""
    totals: dict[str, Any]            # stories, arabic, security, sources, first_day, last_day
    arabic_daily: list[dict]          # date, arabic, security (days with Arabic stories only)
    category_daily: list[dict]        # date, category, stories (security stories)
    places: list[dict]                # place, name_latin, region, lat, lon, stories
    known_places: list[dict]          # place, lat, lon: every gazetteer place (map backdrop)
    coverage: list[dict]              # source, date, stories, errors (every day of the calendar)
    latest: list[dict]                # date, published_at, title, source, ... url
    region_daily: list[dict] = dataclasses.field(default_factory=list)   # date, region, arabic, security
    region_names: dict[str, str | None] = dataclasses.field(default_factory=dict)  # region -> Latin name
    calendar: Calendar | None = None  # the report's days; None when there is nothing to show
    today: dt.date | None = None      # the Moroccan day the report was made for
    incidents: list[dict] = dataclasses.field(default_factory=list)   # week_start, incidents, articles

    @property
    def empty(self) -> bool:
        return not self.totals.get("stories")

    @property
    def days(self) -> list[dt.date]:
        """Every day of the report's period (none skipped), or [] without data."""
        return self.calendar.days if self.calendar else []

    @property
    def single_story_day(self) -> bool:
        """All stories fall on one day (trends need more)."""
        t = self.totals
        return bool(t.get("first_day")) and t.get("first_day") == t.get("last_day")


Runner = Callable[[str, dict[str, Any]], list[dict]]


def _where(dialect: str, f: Filters, *, story_filters: bool = True) -> tuple[str, dict]:
    clauses, params = [], {}
    if f.since:
        clauses.append("s.date >= @since")
        params["since"] = f.since
    if f.until:
        clauses.append("s.date <= @until")
        params["until"] = f.until
    if f.source:
        clauses.append("s.source = @source")
        params["source"] = f.source
    if f.place and story_filters:
        clauses.append(_PLACE_FILTER[dialect])
        params["place"] = f.place
    return (" AND ".join(clauses) or "TRUE"), params


def fetch(run: Runner, dialect: str, f: Filters, *, today: dt.date | None = None,
          latest_limit: int = 100, top_places: int = 15) -> ReportData:
    """Run the report's queries through ``run(sql, params) -> rows as dicts``.

    ``today`` (default :func:`morocco_today`) ends the period when ``f.until``
    is not given. Errors of the runner (DuckDB, BigQuery) propagate.
    """
    today = today or morocco_today()
    where, params = _where(dialect, f)
    totals = run(f"""
        SELECT COUNT(*) AS stories,
               SUM(CASE WHEN s.language = 'ar' THEN 1 ELSE 0 END) AS arabic,
               SUM(CASE WHEN s.is_security THEN 1 ELSE 0 END) AS security,
               COUNT(DISTINCT s.source) AS sources,
               MIN(s.date) AS first_day, MAX(s.date) AS last_day
        FROM stories_current AS s WHERE {where}""", params)[0]
    arabic_daily = run(f"""
        SELECT s.date AS date, COUNT(*) AS arabic,
               SUM(CASE WHEN s.is_security THEN 1 ELSE 0 END) AS security
        FROM stories_current AS s WHERE s.language = 'ar' AND {where}
        GROUP BY s.date ORDER BY s.date""", params)
    category_daily = run(f"""
        SELECT s.date AS date, COALESCE(s.primary_category, 'unspecified') AS category,
               COUNT(*) AS stories
        FROM stories_current AS s WHERE s.is_security AND {where}
        GROUP BY 1, 2 ORDER BY 1, 2""", params)
    col = _PLACE_COL[dialect]
    places = run(f"""
        SELECT {col} AS place, d.name_latin AS name_latin, d.region AS region,
               d.lat AS lat, d.lon AS lon, COUNT(DISTINCT s.article_id) AS stories
        FROM {_UNNEST_PLACES[dialect]}
        LEFT JOIN places AS d ON d.place = {col}
        WHERE s.is_security AND {col} IS NOT NULL AND {where}
        GROUP BY 1, 2, 3, 4, 5 ORDER BY stories DESC, place LIMIT {int(top_places)}""", params)
    known_places = run("SELECT place, lat, lon FROM places WHERE lat IS NOT NULL AND lon IS NOT NULL", {})
    cov_where, cov_params = _where(dialect, f, story_filters=False)
    coverage = run(f"""
        SELECT s.source AS source, s.date AS date, s.stories AS stories, s.errors AS errors
        FROM source_coverage_daily AS s WHERE {cov_where}
        ORDER BY s.source, s.date""", cov_params)
    latest = run(f"""
        SELECT s.date AS date, s.published_at AS published_at, s.title AS title,
               s.source AS source, s.primary_place AS primary_place, s.places AS places,
               s.categories AS categories, s.matched_terms AS matched_terms,
               s.canonical_url AS url
        FROM stories_current AS s WHERE s.is_security AND {where}
        ORDER BY COALESCE(s.published_at, s.fetched_at) DESC, s.article_id
        LIMIT {int(latest_limit)}""", params)
    region_daily = run(f"""
        SELECT s.date AS date, d.region AS region, COUNT(DISTINCT s.article_id) AS arabic,
               COUNT(DISTINCT CASE WHEN s.is_security THEN s.article_id END) AS security
        FROM {_UNNEST_PLACES[dialect]}
        JOIN places AS d ON d.place = {col}
        WHERE s.language = 'ar' AND d.region IS NOT NULL AND {where}
        GROUP BY 1, 2 ORDER BY 1, 2""", params)
    region_names = {r["region"]: r["name_latin"] for r in run(
        "SELECT place AS region, name_latin FROM places WHERE kind = 'region'", {})}
    for row in totals, *arabic_daily, *category_daily, *region_daily:
        for k in ("stories", "arabic", "security", "sources"):
            if k in row:
                row[k] = int(row[k] or 0)
    calendar = report_calendar(totals, coverage, f, today)
    if calendar:
        coverage = [r for r in coverage if calendar.start <= r["date"] <= calendar.end]
    return ReportData(totals, arabic_daily, category_daily, places, known_places, coverage, latest,
                      region_daily, region_names, calendar, today)


DEFAULT_MAX_DAYS = 731     # the default period's longest span (two years); --since overrides it


def report_calendar(totals: dict, coverage: list[dict], f: Filters, today: dt.date) -> Calendar | None:
    """The report's period: ``f.since`` or the first day with data (a story or a
    source's first coverage row, but at most :data:`DEFAULT_MAX_DAYS` before the
    end), to ``f.until`` or ``today`` (or the last day with a story or an error,
    if later). None without any data.

    The coverage view's zero rows run to the warehouse's own today; they do
    not move the end.
    """
    firsts = [d for d in (totals.get("first_day"),) if d] + [r["date"] for r in coverage]
    lasts = [d for d in (totals.get("last_day"),) if d] + [r["date"] for r in coverage
                                                            if r["stories"] or r["errors"]]
    if not firsts and not (f.since and f.until):
        return None
    end = f.until or max([today, *lasts])
    # Without --since, at most DEFAULT_MAX_DAYS: one misdated story (a 1996 date
    # in a 2026 feed) must not stretch every chart over thirty years.
    start = f.since or max(min(firsts), end - dt.timedelta(days=DEFAULT_MAX_DAYS - 1))
    return Calendar.for_span(start, max(start, end))


def duckdb_runner(con) -> Runner:
    def run(query: str, params: dict[str, Any]) -> list[dict]:
        cur = con.execute(query.replace("@", "$"), params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]
    return run


def bigquery_runner(project: str, dataset: str) -> Runner:
    """The runner on ``project.dataset`` (the emulator's when ``BIGQUERY_EMULATOR_HOST``
    is set): :func:`pipeline.warehouse.bigquery_read.query_runner`."""
    from pipeline.warehouse.bigquery_read import query_runner

    return query_runner(project, dataset)
