"""Plotly figures of the analyst report (no network: plotly.js is inlined by report_html)."""
from __future__ import annotations

import datetime as dt
import html
import statistics
from collections import defaultdict

import plotly.graph_objects as go

from pipeline.report.data import ReportData

CATEGORY_LABELS = {          # the categories of configs/lexicon.yaml (plus older short names)
    "violent_crime": "جرائم عنف · violent crime",
    "property_crime": "سرقة · property crime",
    "drugs": "مخدرات · drugs",
    "trafficking_smuggling": "تهريب · trafficking",
    "terrorism_extremism": "إرهاب · terrorism",
    "fraud_cyber_financial": "نصب واحتيال · fraud",
    "policing_governance": "أمن وشرطة · policing",
    "public_order": "نظام عام · public order",
    "crime": "جريمة · crime",
    "terrorism": "إرهاب · terrorism",
    "trafficking": "تهريب · trafficking",
    "policing": "أمن وشرطة · policing",
    "unspecified": "غير محدد · unspecified",
}
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#7f7f7f", "#17becf"]
FONT = dict(family="DejaVu Sans, Noto Sans Arabic, Arial, sans-serif", size=13)
DAILY_MAX_SPAN = 35   # up to this many days, per-day bars; beyond, per ISO week


def esc(text) -> str:
    """Escape warehouse text before Plotly renders it (Plotly reads a few HTML tags)."""
    return html.escape("" if text is None else str(text), quote=False)


def _layout(fig: go.Figure, title: str, subtitle: str, **kw) -> go.Figure:
    """Arabic title, English subtitle (our own strings; warehouse text never goes here)."""
    text = f"{esc(title)}<br><span style='font-size:12px;color:#666'>{esc(subtitle)}</span>"
    margin = dict(l=60, r=30, t=70, b=50)
    margin.update(kw.pop("margin", {}))
    fig.update_layout(title=dict(text=text, x=0.01), font=FONT, template="plotly_white",
                      margin=margin, height=kw.pop("height", 380), **kw)
    return fig


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def period_of(data: ReportData):
    """(bucket function, label) for the time axis: per day for short spans, else per ISO week."""
    days = data.days
    if days and (days[-1] - days[0]).days < DAILY_MAX_SPAN:
        return (lambda d: d), "يومياً · per day"
    return week_start, "أسبوعياً · per ISO week (Monday)"


def categories_figure(data: ReportData) -> go.Figure:
    bucket, label = period_of(data)
    counts: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    for row in data.category_daily:
        counts[row["category"]][bucket(row["date"])] += row["stories"]
    periods = sorted({bucket(d) for d in data.days})
    fig = go.Figure()
    order = sorted(counts, key=lambda c: -sum(counts[c].values()))
    for i, cat in enumerate(order):
        fig.add_bar(name=esc(CATEGORY_LABELS.get(cat, cat)), x=periods,
                    y=[counts[cat].get(p, 0) for p in periods], marker_color=COLORS[i % len(COLORS)])
    return _layout(fig, "القصص الأمنية حسب الفئة", f"Security stories by category, {label.split(' · ')[1]}",
                   barmode="stack", legend=dict(orientation="h", y=-0.15),
                   yaxis_title="stories", xaxis=dict(type="date"))


def share_figure(data: ReportData) -> go.Figure:
    bucket, label = period_of(data)
    arabic: dict[dt.date, int] = defaultdict(int)
    security: dict[dt.date, int] = defaultdict(int)
    for row in data.arabic_daily:
        arabic[bucket(row["date"])] += row["arabic"]
        security[bucket(row["date"])] += row["security"]
    periods = sorted(arabic)
    share = [security[p] / arabic[p] if arabic[p] else None for p in periods]
    fig = go.Figure()
    fig.add_scatter(x=periods, y=share, mode="lines+markers", name="share",
                    customdata=[[security[p], arabic[p]] for p in periods],
                    hovertemplate="%{x}<br>%{y:.0%} (%{customdata[0]} / %{customdata[1]})<extra></extra>",
                    line=dict(color="#d62728"))
    return _layout(fig, "نسبة القصص الأمنية من القصص العربية",
                   f"Share of security stories among Arabic stories, {label.split(' · ')[1]}",
                   yaxis=dict(tickformat=".0%", rangemode="tozero"), xaxis=dict(type="date"),
                   height=320)


def place_label(row: dict) -> str:
    latin = row.get("name_latin")
    return esc(row["place"]) + (f" ({esc(latin)})" if latin else "")


def places_figure(data: ReportData) -> go.Figure:
    rows = list(reversed(data.places))          # biggest on top of a horizontal bar chart
    fig = go.Figure()
    fig.add_bar(x=[r["stories"] for r in rows], y=[place_label(r) for r in rows], orientation="h",
                marker_color="#1f77b4",
                hovertext=[esc(r.get("region") or "") for r in rows],
                hovertemplate="%{y}: %{x}<br>%{hovertext}<extra></extra>")
    widest = max((len(place_label(r)) for r in rows), default=10)
    return _layout(fig, "الأماكن الأكثر ذكراً في القصص الأمنية", "Top places in security stories",
                   height=max(300, 28 * len(rows) + 130), xaxis_title="stories",
                   margin=dict(l=min(320, 40 + 8 * widest)))


def map_figure(data: ReportData) -> go.Figure | None:
    """Places on plain lon/lat axes (no tiles, no topojson: works offline)."""
    located = [r for r in data.places if r.get("lat") is not None and r.get("lon") is not None]
    if not located:
        return None
    fig = go.Figure()
    if data.known_places:
        fig.add_scatter(x=[r["lon"] for r in data.known_places], y=[r["lat"] for r in data.known_places],
                        mode="markers", marker=dict(size=4, color="#cccccc"), name="gazetteer",
                        hoverinfo="skip", showlegend=False)
    biggest = max(r["stories"] for r in located)
    fig.add_scatter(x=[r["lon"] for r in located], y=[r["lat"] for r in located],
                    mode="markers+text", text=[esc(r["place"]) for r in located],
                    textposition="top center", name="stories",
                    customdata=[r["stories"] for r in located],
                    hovertemplate="%{text}: %{customdata}<extra></extra>",
                    marker=dict(size=[10 + 30 * (r["stories"] / biggest) ** 0.5 for r in located],
                                color="#d62728", opacity=0.7, line=dict(width=1, color="#800")))
    return _layout(fig, "خريطة القصص الأمنية", "Security stories on a lon/lat grid (offline, no base map); grey: gazetteer places",
                   height=460, showlegend=False,
                   xaxis=dict(title="longitude", range=[-17.5, -0.5], zeroline=False),
                   yaxis=dict(title="latitude", range=[20.5, 36.5], scaleanchor="x", zeroline=False))


def usual_daily(data: ReportData) -> dict[str, float]:
    """Median stories per day of each source over the report's days."""
    per: dict[str, list[int]] = defaultdict(list)
    for r in data.coverage:
        per[r["source"]].append(r["stories"])
    return {s: statistics.median(v) for s, v in per.items()}


def coverage_gaps(data: ReportData) -> list[dict]:
    """Days without stories from a source that usually publishes (median >= 1 a day).

    A rare outlet's empty days are normal and are not flagged; they still show
    as empty cells in the heatmap.
    """
    usual = usual_daily(data)
    return [r for r in data.coverage if r["stories"] == 0 and usual[r["source"]] >= 1]


def coverage_figure(data: ReportData) -> go.Figure:
    sources = sorted({r["source"] for r in data.coverage})
    days = sorted({r["date"] for r in data.coverage})
    cell = {(r["source"], r["date"]): r for r in data.coverage}
    gaps = {(r["source"], r["date"]) for r in coverage_gaps(data)}
    z, gap, hover = [], [], []
    for s in sources:
        z_row, gap_row, hover_row = [], [], []
        for d in days:
            r = cell.get((s, d))
            n = r["stories"] if r else None
            z_row.append(n)
            gap_row.append(1 if (s, d) in gaps else None)
            hover_row.append(f"{esc(s)} {d}: {n if r else '–'} stories, {r['errors'] if r else 0} errors")
        z.append(z_row)
        gap.append(gap_row)
        hover.append(hover_row)
    labels = [esc(s) for s in sources]
    fig = go.Figure()
    fig.add_heatmap(z=z, x=days, y=labels, colorscale="Blues", name="stories", text=hover,
                    hoverinfo="text", colorbar=dict(title="stories"), xgap=1, ygap=1, zmin=0)
    if gaps:
        fig.add_heatmap(z=gap, x=days, y=labels, colorscale=[[0, "#e4002b"], [1, "#e4002b"]],
                        showscale=False, name="gap", text=hover, hoverinfo="text", xgap=1, ygap=1)
    widest = max((len(s) for s in labels), default=10)
    return _layout(fig, "التغطية حسب المصدر واليوم (الأحمر = يوم بلا قصص)",
                   "Stories per source and Moroccan day; red = no stories from a source that "
                   "usually publishes daily (a gap)",
                   height=max(260, 34 * len(sources) + 150), xaxis=dict(type="date"),
                   margin=dict(l=min(320, 40 + 8 * widest)))
