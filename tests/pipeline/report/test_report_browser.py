"""The report opened in real headless Chromium (Debian's ``chromium`` package).

Skips with a reason when Chromium is absent; in CI (``CI`` set, running as
root) it first tries ``apt-get install -y chromium``. The screenshot goes to
pytest's tmp dir; docs/report.png is made by
``python -m pipeline.report --screenshot docs/report.png``, not here.
"""
from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import subprocess

import duckdb
import pytest
import report_testdata as td

from pipeline.report import cli as report
from pipeline.report.browser import find_chromium, render_in_chromium
from pipeline.report.data import morocco_today
from pipeline.warehouse import views as sql
from pipeline.warehouse.places import load_places_duckdb, place_rows

TIME_CHARTS = ("chart-categories", "chart-share", "chart-regions", "chart-coverage")

pytest.importorskip("websockets.sync.client", reason="the websockets package drives Chromium's DevTools protocol")


def _chromium() -> str:
    path = find_chromium()
    if path:
        return path
    if os.environ.get("CI") and hasattr(os, "geteuid") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
                       check=False, capture_output=True, timeout=600)
        path = find_chromium()
        if path:
            return path
    pytest.skip("Chromium not installed: `apt-get install -y chromium` (Debian) to run the browser test; "
                "in CI as root the test installs it itself")


@pytest.fixture(scope="module")
def chromium():
    return _chromium()


def _report(tmp_path, name, fill, *extra) -> str:
    db = tmp_path / f"{name}.duckdb"
    con = duckdb.connect(str(db))
    fill(con)
    con.close()
    out = tmp_path / f"{name}.html"
    report.main(["--warehouse", f"duckdb:///{db}", "--out", str(out), *extra])
    return out


def _crowded(con):
    """Security stories in 16 towns of the crowded north-west, from the real gazetteer."""
    td.create_tables(con)
    load_places_duckdb(con)
    towns = sorted((r for r in place_rows() if r["kind"] == "city" and 33.3 < r["lat"] < 35.9 and r["lon"] < -4.5),
                   key=lambda r: r["place"])[:16]
    t = dt.datetime(2026, 11, 3, 9, tzinfo=dt.timezone.utc)
    rows = [td.story_row("a", 100 * i + k, published_at=t + dt.timedelta(hours=k), is_security=True,
                         category="drugs", places=[town["place"]])
            for i, town in enumerate(towns) for k in range(1 + i % 4)]
    td.insert_rows(con, "stories", rows)
    sql.create_views_duckdb(con)


def _circle(box):
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, (box[2] - box[0]) / 2


def _hits(box, circle) -> bool:
    x, y, r = circle
    nx, ny = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
    return (nx - x) ** 2 + (ny - y) ** 2 < (r - 1) ** 2          # 1 px for anti-aliasing


def assert_map_labels_are_clear(chart: dict) -> int:
    """No two labels overlap, none covers a bubble, all inside the plot area. Returns the label count."""
    labels, bubbles, area = chart["labels"], [_circle(b) for b in chart["bubbles"]], chart["plotArea"]
    for a, b in itertools.combinations(labels, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    for box in labels:
        assert area[0] <= box[0] and box[2] <= area[2] and area[1] <= box[1] and box[3] <= area[3], (box, area)
        assert not any(_hits(box, c) for c in bubbles), box
    return len(labels)


def _empty(con):
    td.create_tables(con)
    sql.create_views_duckdb(con)


def test_every_chart_renders_with_data_and_no_console_errors(chromium, tmp_path):
    html = _report(tmp_path, "demo", td.build_demo_warehouse, "--until", "2026-11-15")
    shot = tmp_path / "report.png"
    result = render_in_chromium(html, screenshot=shot, chromium=chromium)
    assert result.errors == []
    points = result.points_per_chart
    assert set(points) == {"chart-categories", "chart-share", "chart-places", "chart-map", "chart-regions",
                           "chart-coverage", "chart-incidents"}
    assert all(n > 0 for n in points.values()), points
    assert points["chart-share"] == 14 + 2                 # a dot per day with Arabic stories, a diamond per week
    assert points["chart-places"] == 3                     # Khemisset, Casablanca, Rabat
    assert points["chart-map"] == 4 + 2                    # 4 gazetteer places, 2 bubbles
    assert result.heatmap_images["chart-coverage"] >= 1    # the heatmap painted pixels
    assert result.heatmap_images["chart-regions"] >= 1
    charts = result.charts
    for chart in TIME_CHARTS:                              # the same first and last day everywhere
        assert charts[chart]["xrange"] == ["2026-11-02 00:00", "2026-11-16 00:00"], chart
    for ticks in (charts["chart-categories"]["yticks"], charts["chart-places"]["xticks"],
                  charts["chart-regions"]["colorbarTicks"], charts["chart-coverage"]["colorbarTicks"]):
        assert ticks and all(re.fullmatch(r"\d+", t) for t in ticks), ticks   # never 0.5 stories
    assert assert_map_labels_are_clear(charts["chart-map"]) == 2
    # Arabic text reached the page as text (not mojibake or boxes of entities)
    assert "تقرير الأخبار الأمنية في المغرب" in result.body_text
    assert "تفكيك خلية إرهابية في الدار البيضاء" in result.body_text
    assert "alpha_ar 2026-11-09" in result.body_text       # the coverage gap is spelled out
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_default_report_ends_today(chromium, tmp_path):
    html = _report(tmp_path, "today", td.build_demo_warehouse)
    today = morocco_today()
    result = render_in_chromium(html, chromium=chromium)
    assert result.errors == []
    end = max(today, dt.date(2026, 11, 15)) + dt.timedelta(days=1)
    for chart in TIME_CHARTS:
        assert result.charts[chart]["xrange"] == ["2026-11-02 00:00", f"{end} 00:00"], chart


def test_crowded_map_labels_do_not_overlap(chromium, tmp_path):
    html = _report(tmp_path, "crowded", _crowded, "--until", "2026-11-05")
    result = render_in_chromium(html, chromium=chromium, screenshot=tmp_path / "crowded.png")
    assert result.errors == []
    chart = result.charts["chart-map"]
    assert len(chart["bubbles"]) == 15                     # the report's top 15 places
    labelled = assert_map_labels_are_clear(chart)
    unlabelled = re.search(r"Not labelled for lack of room \(hover over the bubbles\): (.*?)\.", result.body_text)
    assert labelled + (len(unlabelled.group(1).split(", ")) if unlabelled else 0) == 15
    assert labelled >= 10


def test_empty_warehouse_page_renders_and_says_so(chromium, tmp_path):
    html = _report(tmp_path, "empty", _empty)
    result = render_in_chromium(html, chromium=chromium)
    assert result.errors == []
    assert result.points_per_chart == {}
    assert "the warehouse has no stories" in result.body_text


def test_console_errors_are_caught(chromium, tmp_path):
    """The checker itself must see a broken page, or the assertions above prove nothing."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><p>x</p><script>console.error('boom'); undefinedFunction();</script>"
                    "</body></html>", encoding="utf-8")
    result = render_in_chromium(page, chromium=chromium)
    assert any("boom" in e for e in result.errors)
    assert any("undefinedFunction" in e for e in result.errors)
