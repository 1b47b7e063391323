"""The report's incidents panel: security incidents and security articles side by side, per week.

An *incident* is a near-duplicate cluster (``stories.cluster_id``; see
``transforms/clusters.py``) with at least one security story in the
selection; its *articles* are those security stories, every outlet's copy
counted. Each incident counts once, in the ISO week (Monday) of its first
security article in the selection, so that the bars add up to the
``security_incidents_weekly`` view when no filter is set. Rows written
before clustering existed are incidents of their own.

:func:`fetch_incidents` runs the query (both dialects); :func:`incidents_panel`
draws it on the ISO weeks of the report's one calendar
(:class:`pipeline.report.axes.Calendar`), like the other time charts. The
command and the page call them; nothing else in the report depends on them.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from pipeline.report.axes import Calendar, count_axis
from pipeline.report.data import Filters, ReportData, Runner, _where
from pipeline.report.figure import layout

_WEEK = {"duckdb": "CAST(date_trunc('week', i.first_date) AS DATE)",
         # = DATE_TRUNC(first_date, ISOWEEK); the BigQuery emulator rejects ISOWEEK there
         "bigquery": "DATE_SUB(i.first_date, INTERVAL MOD(EXTRACT(DAYOFWEEK FROM i.first_date) + 5, 7) DAY)"}


def fetch_incidents(run: Runner, dialect: str, f: Filters) -> list[dict[str, Any]]:
    """``[{"week_start": date, "incidents": int, "articles": int}]`` oldest first, for the
    security stories matching ``f`` (same filters as the rest of the report)."""
    where, params = _where(dialect, f)
    rows = run(f"""
        WITH sec AS (
            SELECT COALESCE(s.cluster_id, s.article_id) AS cluster_id, s.date AS story_date
            FROM stories_current AS s WHERE s.is_security AND {where}
        ),
        i AS (
            SELECT cluster_id, MIN(story_date) AS first_date, COUNT(*) AS articles
            FROM sec GROUP BY cluster_id
        )
        SELECT {_WEEK[dialect]} AS week_start, COUNT(*) AS incidents, SUM(i.articles) AS articles
        FROM i GROUP BY 1 ORDER BY 1""", params)
    return [{"week_start": r["week_start"], "incidents": int(r["incidents"]), "articles": int(r["articles"])}
            for r in rows]


def incidents_figure(rows: list[dict], cal: Calendar, today: dt.date | None = None) -> go.Figure:
    """Per ISO week of the report's calendar: security articles and, beside them, the
    incidents they report (weeks without any included)."""
    weeks = cal.weeks()
    by_week = {r["week_start"]: r for r in rows}
    periods = weeks.periods
    fig = go.Figure()
    for name, key, color, side in (("مقالات · articles", "articles", "#9ecae1", -1.0),
                                   ("حوادث · incidents", "incidents", "#08519c", 0.0)):
        widths = [weeks.width_ms(p, fill=0.4) for p in periods]
        fig.add_bar(name=name, x=[weeks.mark_x(p) for p in periods], width=widths,
                    offset=[side * w for w in widths], marker_color=color,
                    y=[by_week.get(p, {}).get(key, 0) for p in periods],
                    customdata=[weeks.period_label(p) for p in periods],
                    hovertemplate=f"%{{customdata}}: %{{y}} {key}<extra></extra>")
    top = max((r["articles"] for r in rows), default=0)
    return layout(fig, "الحوادث الأمنية والمقالات عنها",
                  "Security incidents (one story carried by several outlets counts once) and security "
                  f"articles, {weeks.describe(today)}", barmode="overlay", legend=dict(orientation="h", y=-0.25),
                  yaxis=count_axis(top, title="count"), xaxis=weeks.xaxis(), height=360)


def incidents_panel(data: ReportData) -> str:
    """The panel's HTML (empty without a calendar or a security story), with the totals under it."""
    rows = data.incidents
    if not rows or data.calendar is None:
        return ""
    fig = pio.to_html(incidents_figure(rows, data.calendar, data.today), full_html=False, include_plotlyjs=False,
                      div_id="chart-incidents", config={"displaylogo": False, "responsive": True})
    incidents = sum(r["incidents"] for r in rows)
    articles = sum(r["articles"] for r in rows)
    return (f'<div class="panel chart" dir="ltr" data-chart="chart-incidents">{fig}</div>'
            f'<p class="gaps" id="incident-totals" dir="ltr">{incidents} incidents reported in {articles} '
            f'security articles ({articles / incidents:.2f} articles per incident).</p>')
