"""Queries behind the analyst report, for DuckDB and BigQuery.

The report reads the analyst views (``stories_current`` for the story charts,
so ``--source``/``--place`` can filter them, and ``source_coverage_daily`` for
the coverage heatmap). Without filters its numbers equal ``security_daily``'s
and ``security_by_place_week``'s (tests/pipeline/report/test_report.py checks this).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Callable

# Queries use @name parameters (BigQuery); DuckDB gets them as $name.
_PLACE_FILTER = {
    "duckdb": "(list_contains(s.places, @place) OR s.primary_place = @place)",
    "bigquery": "(@place IN UNNEST(s.places) OR s.primary_place = @place)",
}
_UNNEST_PLACES = {
    "duckdb": "stories_current AS s, unnest(s.places) AS u(place)",
    "bigquery": "stories_current AS s CROSS JOIN UNNEST(s.places) AS place",
}
_PLACE_COL = {"duckdb": "u.place", "bigquery": "place"}


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
    totals: dict[str, Any]
    arabic_daily: list[dict]          # date, arabic, security
    category_daily: list[dict]        # date, category, stories
    places: list[dict]                # place, name_latin, region, lat, lon, stories
    known_places: list[dict]          # place, lat, lon: every gazetteer place (map backdrop)
    coverage: list[dict]              # source, date, stories, errors
    latest: list[dict]                # date, published_at, title, source, ... url

    @property
    def empty(self) -> bool:
        return not self.totals.get("stories")

    @property
    def days(self) -> list[dt.date]:
        return sorted({r["date"] for r in self.arabic_daily} | {r["date"] for r in self.coverage})


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


def fetch(run: Runner, dialect: str, f: Filters, *, latest_limit: int = 100,
          top_places: int = 15) -> ReportData:
    """Run the report's queries through ``run(sql, params) -> rows as dicts``."""
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
    for row in totals, *arabic_daily, *category_daily:
        for k in ("stories", "arabic", "security", "sources"):
            if k in row:
                row[k] = int(row[k] or 0)
    return ReportData(totals, arabic_daily, category_daily, places, known_places, coverage, latest)


def duckdb_runner(con) -> Runner:
    def run(query: str, params: dict[str, Any]) -> list[dict]:
        cur = con.execute(query.replace("@", "$"), params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]
    return run


def bigquery_runner(project: str, dataset: str) -> Runner:  # pragma: no cover - needs GCP
    from google.cloud import bigquery

    client = bigquery.Client(project=project)
    job_config_cls = bigquery.QueryJobConfig

    def param(name: str, value: Any):
        kind = "DATE" if isinstance(value, dt.date) else "STRING"
        return bigquery.ScalarQueryParameter(name, kind, value)

    def run(query: str, params: dict[str, Any]) -> list[dict]:
        config = job_config_cls(
            default_dataset=f"{project}.{dataset}",
            query_parameters=[param(k, v) for k, v in params.items()],
        )
        return [dict(row.items()) for row in client.query(query, job_config=config).result()]
    return run
