"""The report opened in real headless Chromium (Debian's ``chromium`` package).

Skips with a reason when Chromium is absent; in CI (``CI`` set, running as
root) it first tries ``apt-get install -y chromium``. The screenshot goes to
pytest's tmp dir; docs/report.png is made by
``python -m pipeline.report --screenshot docs/report.png``, not here.
"""
from __future__ import annotations

import os
import subprocess

import duckdb
import pytest
import report_testdata as td

from pipeline.report import cli as report
from pipeline.report.browser import find_chromium, render_in_chromium
from pipeline.warehouse import views as sql

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


def _report(tmp_path, name, fill) -> str:
    db = tmp_path / f"{name}.duckdb"
    con = duckdb.connect(str(db))
    fill(con)
    con.close()
    out = tmp_path / f"{name}.html"
    report.main(["--warehouse", f"duckdb:///{db}", "--out", str(out)])
    return out


def _empty(con):
    td.create_tables(con)
    sql.create_views_duckdb(con)


def test_every_chart_renders_with_data_and_no_console_errors(chromium, tmp_path):
    html = _report(tmp_path, "demo", td.build_demo_warehouse)
    shot = tmp_path / "report.png"
    result = render_in_chromium(html, screenshot=shot, chromium=chromium)
    assert result.errors == []
    points = result.points_per_chart
    assert set(points) == {"chart-categories", "chart-share", "chart-places", "chart-map", "chart-coverage"}
    assert all(n > 0 for n in points.values()), points
    assert points["chart-share"] == 14                    # one marker per day with Arabic stories
    assert points["chart-places"] == 3                     # Khemisset, Casablanca, Rabat
    assert points["chart-map"] >= 2                        # the two places with coordinates
    assert result.heatmap_images["chart-coverage"] >= 1    # the heatmap painted pixels
    # Arabic text reached the page as text (not mojibake or boxes of entities)
    assert "تقرير الأخبار الأمنية في المغرب" in result.body_text
    assert "تفكيك خلية إرهابية في الدار البيضاء" in result.body_text
    assert "alpha_ar 2026-11-09" in result.body_text       # the coverage gap is spelled out
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


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
