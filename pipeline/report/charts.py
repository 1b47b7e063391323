"""The report's time and bar charts: categories, security share, top places, regions.

Every time chart takes its x axis from the report's one
:class:`pipeline.report.axes.Calendar`, so they all start and end on the same
day (the last one is today unless ``--until`` says otherwise) and show every
day or week of the period, empty ones included. Count axes have whole-number
ticks (:func:`pipeline.report.axes.count_axis`). The coverage heatmap is in
:mod:`pipeline.report.coverage`, the map in :mod:`pipeline.report.maps`.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import plotly.graph_objects as go

from pipeline.report.axes import Calendar, count_axis, count_colorbar
from pipeline.report.data import ReportData
from pipeline.report.figure import CATEGORY_LABELS, COLORS, esc, layout, place_label


def categories_figure(data: ReportData) -> go.Figure:
    """Security stories per day (or ISO week), stacked by primary category."""
    cal = data.calendar
    counts: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for row in data.category_daily:
        if cal.start <= row["date"] <= cal.end:
            counts[row["category"]][cal.bucket(row["date"])] += row["stories"]
    periods = cal.periods
    fig = go.Figure()
    order = sorted(counts, key=lambda c: (-sum(counts[c].values()), c))
    for i, cat in enumerate(order):
        fig.add_bar(name=esc(CATEGORY_LABELS.get(cat, cat)), x=[cal.mark_x(p) for p in periods],
                    width=[cal.width_ms(p) for p in periods],
                    y=[counts[cat].get(p, 0) for p in periods], marker_color=COLORS[i % len(COLORS)],
                    customdata=[cal.period_label(p) for p in periods],
                    hovertemplate="%{customdata}: %{y}<extra>%{fullData.name}</extra>")
    top = max((sum(counts[c].get(p, 0) for c in counts) for p in periods), default=0)
    return layout(fig, "القصص الأمنية حسب الفئة", f"Security stories by category, {cal.describe(data.today)}",
                  barmode="stack", bargap=0.15, legend=dict(orientation="h", y=-0.25),
                  yaxis=count_axis(top, title="stories"), xaxis=cal.xaxis(), height=400)


def weekly_share(data: ReportData, cal: Calendar | None = None) -> list[dict]:
    """``[{week_start, security, arabic, share, days}]`` for every ISO week of the calendar.

    ``share`` is None in a week without Arabic stories; ``days`` counts the
    week's days inside the period (partial first and last weeks). Equals the
    ``security_weekly`` view for the same weeks when no filter is set.
    """
    cal = (cal or data.calendar).weeks()
    arabic: dict[dt.date, int] = defaultdict(int)
    security: dict[dt.date, int] = defaultdict(int)
    for row in data.arabic_daily:
        if cal.start <= row["date"] <= cal.end:
            arabic[cal.bucket(row["date"])] += row["arabic"]
            security[cal.bucket(row["date"])] += row["security"]
    return [{"week_start": w, "security": security[w], "arabic": arabic[w],
             "share": security[w] / arabic[w] if arabic[w] else None, "days": cal.days_in(w)}
            for w in cal.periods]


def share_figure(data: ReportData) -> go.Figure:
    """Share of security stories among Arabic stories: per ISO week (bold segments
    spanning each week) and, on a daily calendar, per day (dots)."""
    cal = data.calendar
    wk = cal.weeks()
    weeks = weekly_share(data)
    fig = go.Figure()
    if not cal.weekly:
        per_day = {r["date"]: r for r in data.arabic_daily}
        days = cal.periods
        fig.add_scatter(x=[cal.mark_x(d) for d in days], y=[per_day[d]["security"] / per_day[d]["arabic"]
                                   if d in per_day and per_day[d]["arabic"] else None for d in days],
                        mode="markers+lines", name="per day", connectgaps=False,
                        line=dict(color="#f4a3a3", width=1), marker=dict(size=6, color="#e57373"),
                        customdata=[[per_day.get(d, {}).get("security", 0), per_day.get(d, {}).get("arabic", 0)]
                                    for d in days],
                        hovertemplate="%{x|%Y-%m-%d}: %{y:.0%} (%{customdata[0]} of %{customdata[1]})"
                                      "<extra>per day</extra>")
    seg_x, seg_y = [], []
    for w in weeks:
        if w["share"] is not None:
            lo, hi = wk.span(w["week_start"])
            seg_x += [f"{lo} 00:00", f"{hi} 00:00", None]
            seg_y += [w["share"], w["share"], None]
    fig.add_scatter(x=seg_x, y=seg_y, mode="lines", name="per ISO week", hoverinfo="skip",
                    line=dict(color="#b71c1c", width=3))
    fig.add_scatter(x=[wk.mark_x(w["week_start"]) for w in weeks], y=[w["share"] for w in weeks], mode="markers",
                    name="per ISO week", showlegend=False, marker=dict(size=9, color="#b71c1c", symbol="diamond"),
                    customdata=[[wk.period_label(w["week_start"]), w["security"], w["arabic"]] for w in weeks],
                    hovertemplate="%{customdata[0]}: %{y:.0%} (%{customdata[1]} of %{customdata[2]})"
                                  "<extra>per ISO week</extra>")
    return layout(fig, "نسبة القصص الأمنية من القصص العربية",
                  "Share of security stories among Arabic stories, per ISO week (line)"
                  + ("" if cal.weekly else " and per day (dots)"),
                  yaxis=dict(tickformat=".0%", rangemode="tozero"), xaxis=cal.xaxis(),
                  legend=dict(orientation="h", y=-0.25), height=400)


def places_figure(data: ReportData) -> go.Figure:
    """The most mentioned places in security stories (horizontal bars)."""
    rows = list(reversed(data.places))          # biggest on top of a horizontal bar chart
    fig = go.Figure()
    fig.add_bar(x=[r["stories"] for r in rows], y=[place_label(r) for r in rows], orientation="h",
                marker_color="#1f77b4",
                hovertext=[esc(r.get("region") or "") for r in rows],
                hovertemplate="%{y}: %{x}<br>%{hovertext}<extra></extra>")
    widest = max((len(place_label(r)) for r in rows), default=10)
    return layout(fig, "الأماكن الأكثر ذكراً في القصص الأمنية", "Top places in security stories",
                  height=max(300, 28 * len(rows) + 130),
                  xaxis=count_axis(max((r["stories"] for r in rows), default=0), title="stories"),
                  margin=dict(l=min(320, 40 + 8 * widest)))


def region_weeks(data: ReportData) -> dict[str, dict[dt.date, dict]]:
    """``{region: {week_start: {"security", "arabic"}}}`` over the report's ISO weeks.

    A story counts once per region it names (``security_by_region_week``'s rule).
    """
    cal = data.calendar.weeks()
    out: dict[str, dict[dt.date, dict]] = defaultdict(lambda: defaultdict(lambda: {"security": 0, "arabic": 0}))
    for row in data.region_daily:
        if cal.start <= row["date"] <= cal.end:
            cell = out[row["region"]][cal.bucket(row["date"])]
            cell["security"] += row["security"]
            cell["arabic"] += row["arabic"]
    return out


def region_figure(data: ReportData) -> go.Figure | None:
    """Security stories per region and ISO week (a heatmap with the counts written in).

    Rows: regions with at least one Arabic story in the period, most security
    stories first. None when no story names a place of a known region.
    """
    weeks = region_weeks(data)
    if not weeks:
        return None
    cal = data.calendar.weeks()
    periods = cal.periods
    regions = sorted(weeks, key=lambda r: (-sum(c["security"] for c in weeks[r].values()),
                                           -sum(c["arabic"] for c in weeks[r].values()), r))
    regions.reverse()                            # plotly draws the first row at the bottom

    def label(region: str) -> str:
        latin = data.region_names.get(region)
        return esc(region) + (f" · {esc(latin)}" if latin else "")

    z, text, hover = [], [], []
    for region in regions:
        cells = [weeks[region].get(p, {"security": 0, "arabic": 0}) for p in periods]
        z.append([c["security"] for c in cells])
        text.append([str(c["security"]) if c["security"] else "" for c in cells])
        hover.append([f"{label(region)}<br>{cal.period_label(p)}: {c['security']} security of {c['arabic']} "
                      f"Arabic stories naming the region" for p, c in zip(periods, cells)])
    top = max((v for row in z for v in row), default=0)
    fig = go.Figure()
    fig.add_heatmap(z=z, x=periods, y=[label(r) for r in regions], text=text, texttemplate="%{text}",
                    customdata=hover, hovertemplate="%{customdata}<extra></extra>",
                    colorscale="Reds", zmin=0, zmax=max(top, 1), xgap=2, ygap=2,
                    colorbar=count_colorbar(top, title="stories"), **cal.trace_kw())
    widest = max((len(label(r)) for r in regions), default=10)
    return layout(fig, "القصص الأمنية حسب الجهة والأسبوع",
                  f"Security stories per region (2015 regions, gazetteer) and ISO week; {cal.start} → {cal.end}",
                  height=max(260, 30 * len(regions) + 140), xaxis=cal.xaxis(),
                  yaxis=dict(automargin=True), margin=dict(l=min(360, 40 + 7 * widest)))
