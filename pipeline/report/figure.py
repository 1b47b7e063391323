"""What every Plotly figure of the report shares: fonts, colours, escaping, titles.

No network: plotly.js is inlined by :mod:`pipeline.report.page`.
"""
from __future__ import annotations

import html

import plotly.graph_objects as go

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


def esc(text) -> str:
    """Escape warehouse text before Plotly renders it (Plotly reads a few HTML tags)."""
    return html.escape("" if text is None else str(text), quote=False)


def layout(fig: go.Figure, title: str, subtitle: str, **kw) -> go.Figure:
    """Arabic title, English subtitle (our own strings; warehouse text never goes here).

    ``margin`` entries update the default margins; ``height`` is in CSS pixels
    (default 380); other keywords go to ``fig.update_layout``.
    """
    text = f"{esc(title)}<br><span style='font-size:12px;color:#666'>{esc(subtitle)}</span>"
    margin = dict(l=60, r=30, t=70, b=50)
    margin.update(kw.pop("margin", {}))
    fig.update_layout(title=dict(text=text, x=0.01), font=FONT, template="plotly_white",
                      margin=margin, height=kw.pop("height", 380), **kw)
    return fig


def place_label(row: dict) -> str:
    """``Arabic name (Latin name)`` of a place row, escaped."""
    latin = row.get("name_latin")
    return esc(row["place"]) + (f" ({esc(latin)})" if latin else "")
