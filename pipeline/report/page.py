"""The report page: one self-contained, offline HTML file for analysts.

:func:`render_html` turns a :class:`pipeline.report.data.ReportData` into ONE
HTML file: plotly.js is inlined (no CDN), the page is Arabic and
right-to-left, and every text from the warehouse is HTML-escaped. The
command that writes it is :mod:`pipeline.report.cli`.
"""
from __future__ import annotations

import datetime as dt
import html
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import plotly.offline
import plotly.io as pio

from pipeline.report import charts, coverage, maps
from pipeline.report.data import Filters, ReportData
from pipeline.report.figure import CATEGORY_LABELS
from pipeline.report.incidents import incidents_panel

MOROCCO = ZoneInfo("Africa/Casablanca")
MAX_TERMS = 10        # matched terms shown per story in the table

CSS = """
body{font-family:"DejaVu Sans","Noto Sans Arabic",Arial,sans-serif;margin:0;background:#f6f7f9;color:#222}
header{background:#0b3954;color:#fff;padding:18px 28px}header h1{margin:0 0 6px;font-size:26px}
header p{margin:2px 0;opacity:.9}main{padding:18px 28px;max-width:1400px;margin:auto}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}
.card{background:#fff;border-radius:8px;padding:10px 18px;box-shadow:0 1px 3px #0002;min-width:130px}
.card b{display:block;font-size:24px}.notice{background:#fff4ce;border:1px solid #e0b000;border-radius:8px;
padding:12px 16px;margin:12px 0;font-size:16px}.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.panel{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;padding:6px;margin-bottom:16px}
@media(max-width:1000px){.grid{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}
th,td{border-bottom:1px solid #ddd;padding:6px 8px;text-align:right;vertical-align:top}
th{background:#eef1f4}td.ltr{direction:ltr;text-align:left;white-space:nowrap}
.term{display:inline-block;background:#fde2e1;border-radius:4px;padding:0 4px;margin:1px 2px;white-space:nowrap}
td.title{min-width:300px;max-width:520px}td.terms{max-width:420px}
.gaps{font-size:14px;margin:4px 10px}.caption{font-size:12px;color:#555;margin:2px 10px 8px;direction:ltr;text-align:left}
"""


def safe_url(url) -> str | None:
    """The URL if it is plain http(s), else None (no javascript: links)."""
    if not isinstance(url, str):
        return None
    return url if urlsplit(url.strip()).scheme in ("http", "https") else None


def _figure_html(fig, div_id: str) -> str:
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def _panel(div_id: str, fig) -> str:
    return f'<div class="panel chart" dir="ltr" data-chart="{div_id}">{_figure_html(fig, div_id)}</div>'


def _cards(data: ReportData) -> str:
    t = data.totals
    share = f"{t['security'] / t['arabic']:.0%}" if t.get("arabic") else "–"
    cal = data.calendar
    items = [("القصص · stories", t.get("stories", 0)), ("بالعربية · Arabic", t.get("arabic", 0)),
             ("أمنية · security", t.get("security", 0)), ("النسبة · share", share),
             ("المصادر · sources", t.get("sources", 0)),
             ("الفترة · period", f"{cal.start} → {cal.end}" if cal else "–"),
             ("آخر قصة · last story", t.get("last_day") or "–")]
    return '<div class="cards">' + "".join(
        f'<div class="card">{html.escape(k)}<b dir="ltr">{html.escape(str(v))}</b></div>' for k, v in items
    ) + "</div>"


def _latest_table(data: ReportData) -> str:
    if not data.latest:
        return '<p class="notice" id="notice-no-latest">لا توجد قصص أمنية — no security stories in this selection.</p>'
    rows = []
    for r in data.latest:
        title = html.escape(r.get("title") or "(بدون عنوان)")
        url = safe_url(r.get("url"))
        link = f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{title}</a>' if url else title
        when = r.get("published_at") or r.get("date")
        if isinstance(when, dt.datetime):
            when = when.astimezone(MOROCCO).strftime("%Y-%m-%d %H:%M")
        when = str(when)
        cats = ", ".join(CATEGORY_LABELS.get(c, c).split(" · ")[0] for c in (r.get("categories") or []))
        all_terms = r.get("matched_terms") or []
        terms = "".join(f'<span class="term">{html.escape(t)}</span>' for t in all_terms[:MAX_TERMS])
        if len(all_terms) > MAX_TERMS:
            terms += f' <span dir="ltr">+{len(all_terms) - MAX_TERMS}</span>'
        places = "، ".join(r.get("places") or [])
        rows.append(f'<tr><td class="ltr">{html.escape(when)}</td><td class="title">{link}</td>'
                    f'<td class="ltr">{html.escape(r.get("source") or "")}</td><td>{html.escape(places)}</td>'
                    f'<td>{html.escape(cats)}</td><td class="terms">{terms}</td></tr>')
    return ('<table id="latest"><thead><tr><th>التاريخ · date (Morocco)</th><th>العنوان · title</th>'
            '<th>المصدر · source</th><th>الأماكن · places</th><th>الفئات · categories</th>'
            '<th>الكلمات المطابقة · matched terms</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")


def _gaps(data: ReportData) -> str:
    runs = coverage.gap_runs(coverage.coverage_gaps(data))
    if not runs:
        return '<p class="gaps" id="gap-list">لا فجوات · no day without stories from a source that usually publishes daily.</p>'
    days = sum((last - first).days + 1 for _, first, last in runs)
    items = []
    for source, first, last in runs[:40]:
        span = str(first) if first == last else f"{first} → {last} ({(last - first).days + 1} days)"
        items.append(f"{html.escape(source)} {span}")
    more = f" … (+{len(runs) - 40})" if len(runs) > 40 else ""
    return (f'<p class="gaps" id="gap-list" dir="ltr"><b>{days} source-days without stories from sources '
            f'that usually publish daily:</b> {"; ".join(items)}{more}</p>')


def _map_panel(data: ReportData) -> str:
    made = maps.map_figure(data)
    if made is None:
        return '<p class="notice" id="notice-no-map">No coordinates for these places (configs/gazetteer.yaml).</p>'
    fig, unlabelled = made
    extra = ""
    if unlabelled:
        extra = (" Not labelled for lack of room (hover over the bubbles): "
                 + ", ".join(html.escape(p) for p in unlabelled) + ".")
    return (f'<div>{_panel("chart-map", fig)}<p class="caption" id="map-caption">'
            f'{html.escape(maps.CAPTION)}{extra}</p></div>')


def render_html(data: ReportData, filters: Filters, warehouse: str) -> str:
    """The whole page as one string (plotly.js inlined)."""
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = [_cards(data)]
    if data.empty:
        body.append('<p class="notice" id="notice-empty">لا توجد قصص في المستودع لهذا الاختيار — '
                    f'the warehouse has no stories for this selection ({html.escape(filters.describe())}). '
                    'Run <code>python -m pipeline.run --sample</code> or widen the filters.</p>')
    else:
        first = data.totals.get("first_day")
        if data.single_story_day:
            body.append(f'<p class="notice" id="notice-single-day">يوم واحد فقط من البيانات — only one day '
                        f'with stories ({first}): trends and coverage gaps need more days.</p>')
        cal = data.calendar
        if first and cal is not None and not filters.since and first < cal.start:
            body.append(f'<p class="notice" id="notice-older">Stories dated before {cal.start} (the first from '
                        f'{first}) are counted in the totals above but not drawn: the default period is at most '
                        f'two years; pass --since to draw them.</p>')
        if filters.place:
            body.append('<p class="notice" id="notice-place">The coverage heatmap is per source and '
                        'ignores --place.</p>')
        body.append('<div class="grid">' + _panel("chart-categories", charts.categories_figure(data))
                    + _panel("chart-share", charts.share_figure(data)) + "</div>")
        body.append(incidents_panel(data))
        if data.places:
            body.append('<div class="grid">' + _panel("chart-places", charts.places_figure(data))
                        + _map_panel(data) + "</div>")
        else:
            body.append('<p class="notice" id="notice-no-places">لا أماكن — no places in security stories.</p>')
        region_fig = charts.region_figure(data)
        if region_fig is not None:
            body.append(_panel("chart-regions", region_fig))
        else:
            body.append('<p class="notice" id="notice-no-regions">No story names a place of a known region '
                        '(configs/gazetteer.yaml).</p>')
        if data.coverage:
            body.append(_panel("chart-coverage", coverage.coverage_figure(data)) + _gaps(data))
        body.append("<h2>آخر القصص الأمنية · latest security stories</h2>" + _latest_table(data))
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>تقرير الأخبار الأمنية · Moroccan security news report</title>
<style>{CSS}</style>
<script type="text/javascript">window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>
<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>
</head>
<body>
<header><h1>تقرير الأخبار الأمنية في المغرب</h1>
<p dir="ltr">Moroccan security news · {html.escape(filters.describe())} · warehouse {html.escape(warehouse)} ·
generated {generated} · days are Moroccan days (Africa/Casablanca)</p></header>
<main>
{''.join(body)}
</main>
</body>
</html>
"""
