"""The source × day coverage heatmap and its list of gaps.

A *gap* is a day of the report without any story from a source that usually
publishes every day: the median of its stories per day, from its first to its
last day with a story in the period, is at least 1. Zero days after the
source's last story count as gaps too (the source went silent), up to the
report's last day. A rare outlet's empty days are normal and are not flagged;
they still show as empty cells.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

import plotly.graph_objects as go

from pipeline.report.axes import count_colorbar
from pipeline.report.data import ReportData
from pipeline.report.figure import esc, layout

GAP_COLOR = "#e4002b"


def usual_daily(data: ReportData) -> dict[str, float]:
    """Median stories per day of each source, from its first to its last day with a story."""
    per: dict[str, list[dict]] = defaultdict(list)
    for r in data.coverage:
        per[r["source"]].append(r)
    usual = {}
    for source, rows in per.items():
        active = [r["date"] for r in rows if r["stories"]]
        if not active:
            usual[source] = 0
            continue
        first, last = min(active), max(active)
        usual[source] = statistics.median(r["stories"] for r in rows if first <= r["date"] <= last)
    return usual


def coverage_gaps(data: ReportData) -> list[dict]:
    """The coverage rows (source, date, stories, errors) that are gaps, by source then date."""
    usual = usual_daily(data)
    return sorted((r for r in data.coverage if r["stories"] == 0 and usual[r["source"]] >= 1),
                  key=lambda r: (r["source"], r["date"]))


def gap_runs(gaps: list[dict]) -> list[tuple[str, dt.date, dt.date]]:
    """Consecutive gap days of a source merged: ``[(source, first, last)]``."""
    runs: list[list] = []
    for r in gaps:
        if runs and runs[-1][0] == r["source"] and runs[-1][2] + dt.timedelta(days=1) == r["date"]:
            runs[-1][2] = r["date"]
        else:
            runs.append([r["source"], r["date"], r["date"]])
    return [tuple(run) for run in runs]


def coverage_figure(data: ReportData) -> go.Figure:
    """Stories per source and day (or ISO week) over the whole calendar; gaps in red.

    On a daily calendar a gap is a red cell; on a weekly one a week with gap
    days gets a red dot (its count stays readable) and says how many in its hover.
    """
    cal = data.calendar
    periods = cal.periods
    sources = sorted({r["source"] for r in data.coverage}, reverse=True)   # A at the top
    cells: dict[tuple, dict] = {}
    for r in data.coverage:
        cell = cells.setdefault((r["source"], cal.bucket(r["date"])), {"stories": 0, "errors": 0, "gaps": 0})
        cell["stories"] += r["stories"]
        cell["errors"] += r["errors"]
    for r in coverage_gaps(data):
        cells[(r["source"], cal.bucket(r["date"]))]["gaps"] += 1
    z, gap_z, hover = [], [], []
    for s in sources:
        z_row, gap_row, hover_row = [], [], []
        for p in periods:
            c = cells.get((s, p))
            z_row.append(c["stories"] if c else None)
            gap_row.append(1 if c and c["gaps"] and not cal.weekly else None)
            if c is None:
                hover_row.append(f"{esc(s)} {cal.period_label(p)}: before its first day")
            else:
                gaps = f", {c['gaps']} day(s) without stories" if cal.weekly and c["gaps"] else ""
                hover_row.append(f"{esc(s)} {cal.period_label(p)}: {c['stories']} stories, "
                                 f"{c['errors']} errors{gaps}")
        z.append(z_row)
        gap_z.append(gap_row)
        hover.append(hover_row)
    labels = [esc(s) for s in sources]
    top = max((v for row in z for v in row if v is not None), default=0)
    gap = 1 if len(periods) <= 60 else 0
    fig = go.Figure()
    fig.add_heatmap(z=z, x=periods, y=labels, colorscale="Blues", name="stories", customdata=hover,
                    hovertemplate="%{customdata}<extra></extra>", zmin=0, zmax=max(top, 1),
                    colorbar=count_colorbar(top, title="stories"), xgap=gap, ygap=1, **cal.trace_kw())
    if any(v for row in gap_z for v in row if v):
        fig.add_heatmap(z=gap_z, x=periods, y=labels, colorscale=[[0, GAP_COLOR], [1, GAP_COLOR]],
                        showscale=False, name="gap", customdata=hover,
                        hovertemplate="%{customdata}<extra></extra>", xgap=gap, ygap=1, **cal.trace_kw())
    if cal.weekly:
        marks = [(p, labels[i]) for i, s in enumerate(sources) for p in periods
                 if cells.get((s, p), {}).get("gaps")]
        if marks:
            fig.add_scatter(x=[cal.mark_x(m[0]) for m in marks], y=[m[1] for m in marks], mode="markers",
                            name="gap", marker=dict(color=GAP_COLOR, size=7), hoverinfo="skip", showlegend=False)
    widest = max((len(s) for s in labels), default=10)
    what = ("red = a day without stories from a source that usually publishes daily (a gap)"
            if not cal.weekly else "red dot = a week with days without stories from a source that "
            "usually publishes daily")
    return layout(fig, "التغطية حسب المصدر واليوم (الأحمر = يوم بلا قصص)",
                  f"Stories per source, {cal.describe(data.today)}; {what}",
                  height=max(260, 34 * len(sources) + 150), xaxis=cal.xaxis(),
                  margin=dict(l=min(320, 40 + 8 * widest)))
