"""The HTML report: content, offline, escaping, filters, empty and single-day warehouses."""
from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest
import report_testdata as td
from helpers import REPO

from pipeline.report import charts, coverage
from pipeline.report import cli as report
from pipeline.report.data import Filters, duckdb_runner, fetch, morocco_today
from pipeline.report.page import safe_url
from pipeline.warehouse import views as sql

UTC = dt.timezone.utc
CHARTS = ("chart-categories", "chart-share", "chart-places", "chart-map", "chart-regions", "chart-coverage")
UNTIL = ("--until", "2026-11-15")      # the demo's last day: fixed numbers whatever the date today


@pytest.fixture()
def demo_db(tmp_path):
    path = tmp_path / "demo.duckdb"
    con = duckdb.connect(str(path))
    td.build_demo_warehouse(con)
    con.close()
    return path


def make_report(db, tmp_path, *extra) -> str:
    out = tmp_path / "report.html"
    assert report.main(["--warehouse", f"duckdb:///{db}", "--out", str(out), *extra]) == 0
    return out.read_text(encoding="utf-8")


def external_refs(page: str) -> list[str]:
    """src/href attributes of script/link/img/iframe tags that point off the file."""
    refs = re.findall(r"<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?([^\"'\s>]+)", page, re.I)
    return [r for r in refs if not r.startswith("data:")]


def test_report_is_one_offline_arabic_page_with_every_chart(demo_db, tmp_path):
    page = make_report(demo_db, tmp_path, *UNTIL)
    assert '<html lang="ar" dir="rtl">' in page
    assert external_refs(page) == []
    assert "cdn.plot.ly" not in page.split("<main>")[1]
    assert "Plotly.newPlot" in page and len(page) > 3_000_000      # plotly.js is inlined
    for chart in CHARTS:
        assert f'id="{chart}"' in page
    assert "تفكيك خلية إرهابية في الدار البيضاء" in page            # a story title, unescaped Arabic
    assert "notice-empty" not in page and "notice-single-day" not in page
    gaps = re.search(r'<p class="gaps" id="gap-list".*?</p>', page, re.S).group(0)
    assert "4 source-days without stories" in gaps and "alpha_ar 2026-11-09;" in gaps
    assert "gamma_fr 2026-11-13 → 2026-11-15 (3 days)" in gaps          # went silent: one run
    assert 'id="map-caption"' in page and "Western Sahara" in page
    assert page.count("<tr>") == 1 + 20                              # header + 20 security stories


def test_report_numbers_equal_the_views(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    data = fetch(duckdb_runner(con), "duckdb", Filters())    # up to today, like the views
    view_total = con.execute("SELECT sum(security_stories) FROM security_daily WHERE category = 'ALL'").fetchone()[0]
    assert data.totals["security"] == view_total == 20
    assert sum(r["arabic"] for r in data.arabic_daily) == con.execute(
        "SELECT sum(arabic_stories) FROM security_daily WHERE category = 'ALL'").fetchone()[0]
    by_place = dict(con.execute("SELECT place, sum(stories) FROM security_by_place_week GROUP BY 1").fetchall())
    assert {r["place"]: r["stories"] for r in data.places} == by_place
    assert len(data.coverage) == con.execute("SELECT count(*) FROM source_coverage_daily").fetchone()[0]
    assert [r["url"] for r in data.latest] == [r[0] for r in con.execute("SELECT url FROM stories_latest").fetchall()]
    # the weekly share is security_weekly's, week for week (zero weeks included)
    view = {w: (sec, ar, share) for w, sec, ar, share in con.execute(
        "SELECT week_start, security_stories, arabic_stories, share FROM security_weekly").fetchall()}
    mine = {w["week_start"]: (w["security"], w["arabic"], w["share"]) for w in charts.weekly_share(data)}
    assert mine == view
    # the region trend is security_by_region_week's (the view also lists all-zero regions)
    view = {(w, r): (sec, ar) for w, r, sec, ar in con.execute(
        "SELECT week_start, region, security_stories, arabic_stories FROM security_by_region_week "
        "WHERE arabic_stories > 0").fetchall()}
    mine = {(w, r): (c["security"], c["arabic"]) for r, weeks in charts.region_weeks(data).items()
            for w, c in weeks.items()}
    assert mine == view and len(view) == 4


def test_filters(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    run = duckdb_runner(con)
    alpha = fetch(run, "duckdb", Filters(source="alpha_ar"))
    assert alpha.totals["stories"] == 39 and alpha.totals["security"] == 13
    assert {r["source"] for r in alpha.coverage} == {"alpha_ar"}
    casa = fetch(run, "duckdb", Filters(place=td.CASABLANCA))
    assert casa.totals["security"] == 7 and [r["place"] for r in casa.places] == [td.CASABLANCA]
    week = fetch(run, "duckdb", Filters(since=dt.date(2026, 11, 9), until=dt.date(2026, 11, 15)))
    assert week.totals["first_day"] == dt.date(2026, 11, 9) and week.totals["security"] == 9
    assert all(dt.date(2026, 11, 9) <= r["date"] <= dt.date(2026, 11, 15) for r in week.coverage)
    assert week.days == [dt.date(2026, 11, d) for d in range(9, 16)]


def test_default_period_ends_today_with_every_day(demo_db):
    """No --until: the axes run to today (Moroccan day), every day in between, zero days included."""
    con = duckdb.connect(str(demo_db), read_only=True)
    today = morocco_today()
    data = fetch(duckdb_runner(con), "duckdb", Filters(), today=today)
    end = max(today, dt.date(2026, 11, 15))
    first = dt.date(2026, 11, 2)
    assert data.days == [first + dt.timedelta(days=i) for i in range((end - first).days + 1)]
    assert data.calendar.weekly == (len(data.days) > 35)
    assert max(r["date"] for r in data.coverage) == end
    expected_range = [f"{first} 00:00", f"{end + dt.timedelta(days=1)} 00:00"]
    figures = {"categories": charts.categories_figure(data), "share": charts.share_figure(data),
               "regions": charts.region_figure(data), "coverage": coverage.coverage_figure(data)}
    for name, fig in figures.items():                      # every time chart: the same first and last day
        assert list(fig.layout.xaxis.range) == expected_range, name


def test_an_earlier_today_is_honoured_and_later_rows_are_cut(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    data = fetch(duckdb_runner(con), "duckdb", Filters(), today=dt.date(2026, 11, 20))
    assert data.days[-1] == dt.date(2026, 11, 20) and len(data.days) == 19
    assert max(r["date"] for r in data.coverage) == dt.date(2026, 11, 20)
    assert data.calendar.describe(data.today).startswith("2026-11-02 → 2026-11-20 (today)")
    # a report made before the data's last day still shows every story
    early = fetch(duckdb_runner(con), "duckdb", Filters(), today=dt.date(2026, 11, 10))
    assert early.days[-1] == dt.date(2026, 11, 15)


def test_daily_axis_is_calendar_correct(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    data = fetch(duckdb_runner(con), "duckdb", Filters(until=dt.date(2026, 11, 15)))
    cal = data.calendar
    assert not cal.weekly and len(cal.periods) == 14
    cats = charts.categories_figure(data)
    for bar in cats.data:                                  # one bar per day, at noon, gap day included
        assert list(bar.x) == [f"{d} 12:00" for d in cal.days]
    per_day = {}
    for bar in cats.data:
        for x, y in zip(bar.x, bar.y):
            per_day[x] = per_day.get(x, 0) + y
    assert per_day[f"{td.GAP_DAY} 12:00"] == 0 and sum(per_day.values()) == 20   # the gap day has its bar
    assert per_day["2026-11-10 12:00"] == 2
    heat = coverage.coverage_figure(data).data[0]
    assert list(heat.x) == cal.days and heat.xperiod == 86_400_000 and heat.xperiodalignment == "middle"
    assert all(len(row) == 14 for row in heat.z)
    gamma = list(heat.y).index("gamma_fr")
    assert list(heat.z[gamma][:3]) == [None] * 3 and list(heat.z[gamma][-3:]) == [0] * 3   # before / silent


def test_weekly_axis_for_long_periods(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    data = fetch(duckdb_runner(con), "duckdb", Filters(since=dt.date(2026, 9, 2), until=dt.date(2026, 11, 15)))
    cal = data.calendar
    assert cal.weekly
    assert cal.periods[0] == dt.date(2026, 8, 31) and cal.periods[-1] == dt.date(2026, 11, 9)
    assert len(cal.periods) == 11 and all(p.weekday() == 0 for p in cal.periods)
    assert cal.days_in(cal.periods[0]) == 5 and cal.days_in(cal.periods[-1]) == 7
    cats = charts.categories_figure(data)
    assert list(cats.layout.xaxis.range) == ["2026-09-02 00:00", "2026-11-16 00:00"]
    # the cut first week's bar sits in the middle of its 5 days and is 5 days wide (x 0.8)
    assert cats.data[0].x[0] == "2026-09-04 12:00" and cats.data[0].width[0] == 5 * 86_400_000 * 0.8
    totals = {}
    for bar in cats.data:
        for x, y in zip(bar.x, bar.y):
            totals[x] = totals.get(x, 0) + y
    assert totals[cal.mark_x(dt.date(2026, 11, 2))] == 11 and totals[cal.mark_x(dt.date(2026, 11, 9))] == 9
    heat = coverage.coverage_figure(data).data[0]
    assert list(heat.x) == cal.periods and heat.xperiod == 7 * 86_400_000
    weeks = charts.weekly_share(data)
    assert [w["week_start"] for w in weeks] == cal.periods
    assert (weeks[-2]["security"], weeks[-2]["arabic"]) == (11, 35) and weeks[0]["share"] is None


def test_count_axes_have_whole_number_ticks(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    data = fetch(duckdb_runner(con), "duckdb", Filters(until=dt.date(2026, 11, 15)))
    axes = [charts.categories_figure(data).layout.yaxis, charts.places_figure(data).layout.xaxis,
            charts.region_figure(data).data[0].colorbar, coverage.coverage_figure(data).data[0].colorbar]
    for axis in axes:
        assert axis.tickformat == ",d" and axis.tick0 == 0
        assert axis.dtick >= 1 and float(axis.dtick).is_integer()
    from pipeline.report.axes import count_axis, nice_step
    assert [nice_step(t) for t in (1, 2, 6, 7, 12, 13, 31, 299, 301)] == [1, 1, 1, 2, 2, 5, 10, 50, 100]
    assert count_axis(0)["range"][1] >= 1 and count_axis(0.5)["dtick"] == 1


def test_single_day_report_says_so(demo_db, tmp_path):
    page = make_report(demo_db, tmp_path, "--since", "2026-11-09", "--until", "2026-11-09")
    assert 'id="notice-single-day"' in page and "2026-11-09" in page
    for chart in ("chart-categories", "chart-share", "chart-coverage"):
        assert f'id="{chart}"' in page
    # 09 is alpha's gap day: no security story, so no places
    assert 'id="notice-no-places"' in page and 'id="notice-no-latest"' in page


def test_single_day_warehouse(tmp_path):
    path = tmp_path / "one.duckdb"
    con = duckdb.connect(str(path))
    td.create_tables(con)
    t = dt.datetime(2026, 11, 3, 9, tzinfo=UTC)
    td.insert_rows(con, "stories", [
        td.story_row("a", 1, published_at=t, is_security=True, category="drugs", places=[td.KHEMISSET]),
        td.story_row("a", 2, published_at=t),
    ])
    td.insert_rows(con, "places", td.PLACES)
    sql.create_views_duckdb(con)
    con.close()
    page = make_report(path, tmp_path)
    assert 'id="notice-single-day"' in page
    for chart in CHARTS:
        assert f'id="{chart}"' in page


def test_empty_warehouse_report_says_so(tmp_path):
    path = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(path))
    td.create_tables(con)
    sql.create_views_duckdb(con)
    con.close()
    page = make_report(path, tmp_path)
    assert 'id="notice-empty"' in page
    assert "no stories" in page
    assert not any(f'id="{chart}"' in page for chart in CHARTS)


def test_warehouse_without_views_gets_temporary_ones(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    td.create_tables(con)
    td.insert_rows(con, "stories", td.demo_rows()[0])
    con.close()
    page = make_report(path, tmp_path)
    assert 'id="chart-coverage"' in page
    con = duckdb.connect(str(path), read_only=True)
    views = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_type = 'VIEW'").fetchone()[0]
    assert views == 0                     # the file itself was not changed


def test_warehouse_text_is_escaped(tmp_path):
    path = tmp_path / "evil.duckdb"
    con = duckdb.connect(str(path))
    td.create_tables(con)
    t = dt.datetime(2026, 11, 3, 9, tzinfo=UTC)
    evil = td.story_row("<b>src</b>", 1, published_at=t, is_security=True, category="crime",
                        places=['<img src=x onerror="alert(1)">'],
                        title='<script>alert("x")</script> عنوان')
    evil["url"] = evil["canonical_url"] = "javascript:alert(1)"
    evil["matched_terms"] = ["</td><script>alert(2)</script>"]
    td.insert_rows(con, "stories", [evil, td.story_row("ok", 2, published_at=t + dt.timedelta(days=1))])
    sql.create_views_duckdb(con)
    con.close()
    page = make_report(path, tmp_path)
    main = page.split("<main>", 1)[1]
    assert "<script>alert" not in main and "<b>src</b>" not in main and "<img src=x" not in main
    assert "&lt;script&gt;alert" in main
    assert 'href="javascript:' not in main
    assert external_refs(page) == []


def test_safe_url():
    assert safe_url("https://example.ma/a?b=1") == "https://example.ma/a?b=1"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(None) is None


def test_missing_warehouse_is_a_clear_error(tmp_path, capsys):
    assert report.main(["--warehouse", f"duckdb:///{tmp_path}/nope.duckdb", "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no warehouse at") and err.count("\n") == 1
    assert not (tmp_path / "nope.duckdb").exists() and not (tmp_path / "r.html").exists()


def test_every_duckdb_example_query_in_the_analyst_docs_runs(demo_db):
    doc = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", doc, re.S)
    duck = [b for b in blocks if not b.lstrip().startswith("-- BigQuery")]
    assert len(duck) >= 5
    con = duckdb.connect(str(demo_db), read_only=True)
    results = [con.execute(b).fetchall() for b in duck]
    assert sum(1 for r in results if r) >= 4        # most examples find something in the demo data


def test_one_misdated_story_does_not_stretch_the_default_period(tmp_path, capsys):
    path = tmp_path / "misdated.duckdb"
    con = duckdb.connect(str(path))
    td.create_tables(con)
    recent = dt.datetime.combine(morocco_today() - dt.timedelta(days=3), dt.time(9), tzinfo=UTC)
    td.insert_rows(con, "stories", [
        td.story_row("a", 1, published_at=recent, is_security=True, category="drugs", places=[td.KHEMISSET]),
        td.story_row("a", 2, published_at=dt.datetime(1996, 5, 1, 9, tzinfo=UTC)),
    ])
    td.insert_rows(con, "places", td.PLACES)
    sql.create_views_duckdb(con)
    con.close()
    data = report.load(f"duckdb:///{path}", Filters())
    assert data.calendar.end - data.calendar.start < dt.timedelta(days=800)
    assert data.totals["stories"] == 2
    page = make_report(path, tmp_path)
    assert 'id="notice-older"' in page and "1996-05-01" in page
    wide = report.load(f"duckdb:///{path}", Filters(since=dt.date(1996, 1, 1)))
    assert wide.calendar.start == dt.date(1996, 1, 1)


def test_since_after_until_is_a_one_line_error(demo_db, tmp_path, capsys):
    out = tmp_path / "r.html"
    code = report.main(["--warehouse", f"duckdb:///{demo_db}", "--out", str(out),
                        "--since", "2026-11-30", "--until", "2026-11-01"])
    err = capsys.readouterr().err
    assert code == 2 and "is after --until" in err and err.count("\n") == 1 and not out.exists()
