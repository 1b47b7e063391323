"""The analyst views on a DuckDB warehouse of known design (pipeline.report_testdata)."""
from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest
import report_testdata as td
from bq_emulator import bq_emulator, bq_env  # noqa: F401  (fixtures)
from helpers import SAMPLE_SITE

from pipeline.warehouse import views as sql
from transforms.core import schema

UTC = dt.timezone.utc


@pytest.fixture()
def con():
    c = duckdb.connect()
    td.build_demo_warehouse(c)
    yield c
    c.close()


def rows(con, query):
    return con.execute(query).fetchall()


def test_view_names_in_dependency_order():
    names = sql.view_names()
    assert names[0] == "stories_current"
    assert set(names) == {"stories_current", "security_daily", "security_weekly", "security_by_place_week",
                          "security_by_region_week", "source_coverage_daily", "stories_latest", "story_clusters",
                          "security_incidents_weekly"}
    assert names.index("story_clusters") < names.index("security_incidents_weekly")


def test_every_view_exists_with_its_columns(con):
    expected = {
        "stories_current": schema.column_names("stories") + ["date"],
        "security_daily": ["date", "category", "security_stories", "arabic_stories", "share"],
        "security_weekly": ["iso_year", "iso_week", "week_start", "security_stories", "arabic_stories",
                            "share", "complete"],
        "security_by_place_week": ["iso_year", "iso_week", "week_start", "place", "region",
                                   "stories", "lat", "lon"],
        "security_by_region_week": ["iso_year", "iso_week", "week_start", "region", "region_latin",
                                    "security_stories", "arabic_stories", "share"],
        "source_coverage_daily": ["source", "date", "stories", "errors"],
        "stories_latest": ["date", "published_at", "title", "source", "primary_place", "places",
                           "categories", "matched_terms", "url"],
    }
    for view, cols in expected.items():
        got = [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description]
        assert got == cols, view


def test_stories_current_keeps_the_latest_write_per_article():
    c = duckdb.connect()
    td.create_tables(c, primary_keys=False)   # BigQuery-like: duplicates can land
    t0 = dt.datetime(2026, 11, 3, 9, tzinfo=UTC)
    old = td.story_row("alpha_ar", 1, published_at=t0, fetched_at=t0, title="قديم", run_id="r1")
    new = dict(old, fetched_at=t0 + dt.timedelta(hours=2), title="جديد", run_id="r2")
    tie_a = dict(new, title="تعادل أ", run_id="r3")          # same fetched_at: run_id decides
    other = td.story_row("alpha_ar", 2, published_at=t0)
    td.insert_rows(c, "stories", [old, tie_a, new, other])
    sql.create_views_duckdb(c)
    got = rows(c, "SELECT article_id, title, run_id FROM stories_current ORDER BY run_id")
    assert len(got) == 2
    assert (old["article_id"], "تعادل أ", "r3") in got


def test_date_is_the_moroccan_day_even_where_duckdb_icu_is_wrong():
    c = duckdb.connect()
    td.create_tables(c)
    instants = [
        dt.datetime(2026, 11, 8, 23, 30, tzinfo=UTC),   # UTC+1: already the 9th in Morocco
        dt.datetime(2026, 11, 8, 22, 30, tzinfo=UTC),   # still the 8th
        dt.datetime(2025, 3, 10, 23, 30, tzinfo=UTC),   # Ramadan 2025: UTC+0, still the 10th
        dt.datetime(2027, 2, 20, 23, 30, tzinfo=UTC),   # Ramadan 2027: UTC+0
        dt.datetime(2027, 6, 1, 23, 30, tzinfo=UTC),    # UTC+1
        dt.datetime(2015, 7, 1, 23, 30, tzinfo=UTC),    # old summer time
        dt.datetime(2015, 12, 1, 23, 30, tzinfo=UTC),   # old winter (UTC+0)
    ]
    td.insert_rows(c, "stories", [td.story_row("s", i, published_at=t) for i, t in enumerate(instants)])
    sql.create_views_duckdb(c)
    got = dict(rows(c, "SELECT published_at, date FROM stories_current"))
    for t in instants:
        assert got[t] == sql.morocco_date(t), t
    assert got[instants[0]] == dt.date(2026, 11, 9)
    assert got[instants[2]] == dt.date(2025, 3, 10)


def test_security_daily_counts_and_gap_day(con):
    all_rows = {d: (s, a, sh) for d, _, s, a, sh in
                rows(con, "SELECT * FROM security_daily WHERE category = 'ALL'")}
    assert len(all_rows) == 14                      # every day with Arabic stories
    assert all_rows[td.GAP_DAY] == (0, 2, 0.0)      # alpha silent: only beta's 2 stories
    assert all_rows[dt.date(2026, 11, 2)] == (2, 5, pytest.approx(0.4))
    assert all_rows[dt.date(2026, 11, 3)] == (1, 5, pytest.approx(0.2))
    # beta's story published 2026-11-03 23:30 UTC belongs to the 4th in Morocco
    day4 = dict(rows(con, "SELECT category, security_stories FROM security_daily "
                          "WHERE date = DATE '2026-11-04'"))
    assert day4 == {"ALL": 2, "drugs": 1, "terrorism": 1}
    totals = dict(rows(con, "SELECT category, sum(security_stories) FROM security_daily GROUP BY 1"))
    assert totals == {"ALL": 20, "drugs": 7, "crime": 5, "unspecified": 1, "terrorism": 7}
    # French stories never count as Arabic
    assert rows(con, "SELECT max(arabic_stories) FROM security_daily") == [(5,)]


def test_security_by_place_week(con):
    got = {(y, w, p): (ws, r, n, lat, lon) for y, w, ws, p, r, n, lat, lon in
           rows(con, "SELECT * FROM security_by_place_week")}
    assert got[(2026, 45, td.KHEMISSET)] == (dt.date(2026, 11, 2), td.REGION_RSK, 7, 33.82, -6.07)
    assert got[(2026, 46, td.KHEMISSET)][2] == 6    # 10..15: the gap day has none
    assert got[(2026, 45, td.CASABLANCA)][2] == 4   # 02, 04, 06, 08
    assert got[(2026, 46, td.CASABLANCA)] == (dt.date(2026, 11, 9), td.REGION_CS, 3, 33.57, -7.59)
    assert got[(2026, 45, td.RABAT)] == (dt.date(2026, 11, 2), None, 3, None, None)  # not in gazetteer
    assert len(got) == 5


def todays() -> set[dt.date]:
    """The Moroccan day now (both days if the test straddles midnight)."""
    return {sql.morocco_date(dt.datetime.now(UTC)), sql.morocco_date(dt.datetime.now(UTC) + dt.timedelta(seconds=5))}


def test_source_coverage_daily_has_every_day_from_the_first_to_today(con):
    cov = {(s, d): (n, e) for s, d, n, e in rows(con, "SELECT * FROM source_coverage_daily")}
    assert cov[("alpha_ar", td.GAP_DAY)] == (0, 2)
    assert cov[("alpha_ar", dt.date(2026, 11, 8))] == (3, 0)
    today = max(todays())
    last_data = {"alpha_ar": dt.date(2026, 11, 15), "beta_ar": dt.date(2026, 11, 15), "gamma_fr": dt.date(2026, 11, 12)}
    first = {"alpha_ar": dt.date(2026, 11, 2), "beta_ar": dt.date(2026, 11, 2), "gamma_fr": dt.date(2026, 11, 5)}
    for source in first:
        days = sorted(d for s, d in cov if s == source)
        assert days[0] == first[source]
        assert days[-1] in {max(t, last_data[source]) for t in todays()}          # up to today
        assert days == [days[0] + dt.timedelta(days=i) for i in range(len(days))]  # no day skipped
    # gamma went silent after the 12th: zero rows from the 13th up to today
    assert [cov[("gamma_fr", dt.date(2026, 11, d))] for d in (12, 13, 14, 15)] == [(1, 0), (0, 0), (0, 0), (0, 0)]
    if today > dt.date(2026, 11, 16):
        assert cov[("alpha_ar", dt.date(2026, 11, 16))] == (0, 0)   # silent after its last story
    assert ("gamma_fr", dt.date(2026, 11, 4)) not in cov          # before its first day
    assert rows(con, "SELECT sum(stories), sum(errors) FROM source_coverage_daily") == [(75, 2)]
    silent = rows(con, "SELECT source, date FROM source_coverage_daily "
                       "WHERE stories = 0 AND date <= DATE '2026-11-15' ORDER BY 1, 2")
    assert silent == [("alpha_ar", td.GAP_DAY)] + [("gamma_fr", dt.date(2026, 11, d)) for d in (13, 14, 15)]


def _coverage_spans(c) -> dict:
    return {s: (first, last, n, total, errors) for s, first, last, n, total, errors in rows(
        c, "SELECT source, min(date), max(date), count(*), sum(stories), sum(errors) "
           "FROM source_coverage_daily GROUP BY 1")}


def test_source_coverage_daily_starts_at_the_first_poll():
    """A failed first poll, a first fetch after the first story's day, a source with errors only."""
    c = duckdb.connect()
    td.create_tables(c)
    today = sql.morocco_date(dt.datetime.now(UTC))
    noon = dt.datetime.combine(today, dt.time(11), UTC)
    td.insert_rows(c, "stories", [
        # published 3 days ago, first polled 1 day ago: the story's day has its row, the day between none
        td.story_row("backfill", 1, published_at=noon - dt.timedelta(days=3), fetched_at=noon - dt.timedelta(days=1)),
        # no date on the page: its day is the fetch day, 2 days ago
        td.story_row("undated", 2, published_at=None, fetched_at=noon - dt.timedelta(days=2)),
        # first poll failed 5 days ago, first story 2 days ago
        td.story_row("late", 3, published_at=noon - dt.timedelta(days=2)),
    ])
    td.insert_rows(c, "errors", [td._error("late", noon - dt.timedelta(days=5)),
                                 td._error("broken", noon - dt.timedelta(days=4))])
    sql.create_views_duckdb(c)
    got = _coverage_spans(c)
    if sql.morocco_date(dt.datetime.now(UTC)) != today:
        pytest.skip("the test straddled midnight in Morocco")
    ago = lambda n: today - dt.timedelta(days=n)   # noqa: E731
    assert got == {"backfill": (ago(3), today, 3, 1, 0), "undated": (ago(2), today, 3, 1, 0),
                   "late": (ago(5), today, 6, 1, 1), "broken": (ago(4), today, 5, 0, 1)}
    backfill = [d for (d,) in rows(c, "SELECT date FROM source_coverage_daily WHERE source = 'backfill' ORDER BY 1")]
    assert backfill == [ago(3), ago(1), today]


def test_one_backdated_story_does_not_create_years_of_zero_rows():
    """A source first polled two days ago whose feed carries one story published in 2019."""
    c = duckdb.connect()
    td.create_tables(c)
    today = sql.morocco_date(dt.datetime.now(UTC))
    noon = dt.datetime.combine(today, dt.time(11), UTC)
    polled = noon - dt.timedelta(days=2)
    old = dt.datetime(2019, 3, 4, 10, tzinfo=UTC)
    future = noon + dt.timedelta(days=30)            # a page with a wrong date ahead
    td.insert_rows(c, "stories", [td.story_row("oldies", 1, published_at=old, fetched_at=polled),
                                  td.story_row("oldies", 2, published_at=polled, fetched_at=polled),
                                  td.story_row("oldies", 3, published_at=future, fetched_at=polled)])
    sql.create_views_duckdb(c)
    got = rows(c, "SELECT date, stories, errors FROM source_coverage_daily WHERE source = 'oldies' ORDER BY 1")
    if sql.morocco_date(dt.datetime.now(UTC)) != today:
        pytest.skip("the test straddled midnight in Morocco")
    ago = lambda n: today - dt.timedelta(days=n)   # noqa: E731
    assert got == [(dt.date(2019, 3, 4), 1, 0), (ago(2), 1, 0), (ago(1), 0, 0), (today, 0, 0),
                   (sql.morocco_date(future), 1, 0)]      # was: ~2,600 rows from 2019 on


def test_security_weekly(con):
    got = {w: (y, n, sec, ar, share, done) for y, n, w, sec, ar, share, done in
           rows(con, "SELECT * FROM security_weekly")}
    assert got[dt.date(2026, 11, 2)] == (2026, 45, 11, 35, pytest.approx(11 / 35), True)
    assert got[dt.date(2026, 11, 9)] == (2026, 46, 9, 32, pytest.approx(9 / 32), True)
    weeks = sorted(got)
    assert weeks == [weeks[0] + dt.timedelta(weeks=i) for i in range(len(weeks))]       # no week skipped
    today = max(todays())
    assert weeks[-1] == max(today - dt.timedelta(days=today.weekday()), dt.date(2026, 11, 9))
    for w in weeks[2:]:                                     # after the data: zero weeks, share NULL
        assert got[w][2:5] == (0, 0, None)
        assert got[w][5] == (w + dt.timedelta(days=6) < today)
    # the weekly totals are security_daily's
    assert rows(con, "SELECT sum(security_stories), sum(arabic_stories) FROM security_weekly") == rows(
        con, "SELECT sum(security_stories), sum(arabic_stories) FROM security_daily WHERE category = 'ALL'")


def test_security_by_region_week(con):
    got = {(w, r): (latin, sec, ar, share) for _, _, w, r, latin, sec, ar, share in
           rows(con, "SELECT * FROM security_by_region_week")}
    w45, w46 = dt.date(2026, 11, 2), dt.date(2026, 11, 9)
    # alpha's Khemisset stories (Rabat is not in the gazetteer: no region), once even when listed twice
    assert got[(w45, td.REGION_RSK)] == ("Rabat-Sale-Kenitra", 7, 7, 1.0)
    assert got[(w46, td.REGION_RSK)] == ("Rabat-Sale-Kenitra", 6, 6, 1.0)
    assert got[(w45, td.REGION_CS)] == ("Casablanca-Settat", 4, 4, 1.0)
    assert got[(w46, td.REGION_CS)] == ("Casablanca-Settat", 3, 3, 1.0)
    weeks = sorted({w for w, _ in got})
    assert {r for _, r in got} == {td.REGION_RSK, td.REGION_CS}
    assert len(got) == 2 * len(weeks)                          # every week x every region
    assert all(got[(w, r)][1:] == (0, 0, None) for w in weeks[2:] for r in (td.REGION_RSK, td.REGION_CS))


def test_region_week_counts_a_story_once_per_region():
    c = duckdb.connect()
    td.create_tables(c)
    t = dt.datetime(2026, 11, 3, 9, tzinfo=UTC)
    td.insert_rows(c, "stories", [
        td.story_row("a", 1, published_at=t, is_security=True, category="drugs",
                     places=[td.KHEMISSET, td.REGION_RSK, td.CASABLANCA]),     # two places in RSK, one in CS
        td.story_row("a", 2, published_at=t, places=[td.KHEMISSET]),
        td.story_row("a", 3, published_at=t, places=[td.RABAT]),             # no region known
        td.story_row("a", 4, published_at=t, language="fr", places=[td.KHEMISSET]),   # not Arabic
    ])
    td.insert_rows(c, "places", td.PLACES)
    sql.create_views_duckdb(c)
    got = {r: (sec, ar) for r, sec, ar in rows(c, "SELECT region, security_stories, arabic_stories "
                                                 "FROM security_by_region_week WHERE week_start = DATE '2026-11-02'")}
    assert got == {td.REGION_RSK: (1, 2), td.REGION_CS: (1, 1)}


def test_stories_latest(con):
    got = rows(con, "SELECT date, title, source, primary_place, categories, matched_terms, url "
                    "FROM stories_latest")
    assert len(got) == 20
    assert got[0][0] == dt.date(2026, 11, 15)       # newest first
    assert all(r[6].startswith("https://") for r in got)
    drugs = [r for r in got if r[4] == ["drugs"]]
    assert len(drugs) == 7 and all("المخدرات" in r[5] for r in drugs)


def test_stories_latest_keeps_only_the_last_30_days():
    c = duckdb.connect()
    td.create_tables(c)
    last = dt.datetime(2026, 11, 15, 10, tzinfo=UTC)
    stories = [td.story_row("a", i, published_at=last - dt.timedelta(days=d), is_security=True,
                            category="crime") for i, d in enumerate((0, 29, 30, 45))]
    td.insert_rows(c, "stories", stories)
    sql.create_views_duckdb(c)
    assert rows(c, "SELECT count(*) FROM stories_latest") == [(2,)]


def test_views_work_on_an_empty_warehouse():
    c = duckdb.connect()
    td.create_tables(c)
    sql.create_views_duckdb(c)
    for view in sql.view_names():
        assert rows(c, f"SELECT count(*) FROM {view}") == [(0,)]
    td.insert_rows(c, "places", td.PLACES)                # regions known, still no story: no week
    assert rows(c, "SELECT count(*) FROM security_by_region_week") == [(0,)]


def test_both_dialects_count_days_to_todays_moroccan_date():
    """DuckDB computes today from the offsets table (its ICU is wrong after 2026-09), BigQuery in its tz."""
    c = duckdb.connect()
    td.create_tables(c)
    td.insert_rows(c, "errors", [td._error("s", dt.datetime(2026, 1, 5, 12, tzinfo=UTC))])
    sql.create_views_duckdb(c)
    before = sql.morocco_date(dt.datetime.now(UTC))
    last = rows(c, "SELECT max(date) FROM source_coverage_daily")[0][0]
    assert last in {before, sql.morocco_date(dt.datetime.now(UTC))}     # today, not the error's day
    for view in ("source_coverage_daily", "security_weekly", "security_by_region_week"):
        text = sql.view_sql_path("bigquery", view).read_text(encoding="utf-8")
        assert "CURRENT_DATE('Africa/Casablanca')" in text, view
        assert "CURRENT_DATE()" not in text and "current_date" not in sql.view_sql_path("duckdb", view).read_text()


@pytest.mark.parametrize("view", sql.view_names())
def test_bigquery_view_matches_duckdb_columns(view):
    assert sql.view_sql_path("bigquery", view).exists()
    assert sql.view_columns("bigquery", view) == sql.view_columns("duckdb", view)
    assert sql.view_columns("duckdb", view)            # the parser found a column list


def test_bigquery_statements_are_fully_qualified():
    stmts = sql.view_statements("bigquery", project="proj-1", dataset="news")
    assert [v for v, _ in stmts] == sql.view_names()
    for view, text in stmts:
        assert text.lstrip().splitlines()[0].startswith("--")
        assert f"CREATE OR REPLACE VIEW `proj-1.news.{view}`" in text
        assert "{" not in text and "}" not in text
        body = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
        body = re.sub(r"EXTRACT\(\w+\s+FROM", "EXTRACT(", body, flags=re.I)
        ctes = set(re.findall(r"(\w+)\s+AS\s*\(", body, flags=re.I))
        for table in re.findall(r"\b(?:FROM|JOIN)\s+([`\w.-]+)", body, flags=re.I):
            if table.startswith("`"):
                assert table.startswith("`proj-1.news."), (view, table)
            else:                                   # a CTE, never a bare table name
                assert table in ctes or table.upper() == "UNNEST", (view, table)
    with pytest.raises(KeyError):
        sql.view_statements("bigquery", project="p")   # dataset missing


def test_every_duckdb_file_is_one_create_view():
    for view, text in sql.view_statements("duckdb"):
        body = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
        assert body.count("CREATE OR REPLACE VIEW") == 1
        assert f"CREATE OR REPLACE VIEW {view} AS" in body
        assert ";" not in body


def test_casablanca_offsets_are_disjoint_and_cover_ramadan_2027():
    periods = sql.casablanca_offsets()
    for (s1, e1, _), (s2, _, _) in zip(periods, periods[1:]):
        assert s1 < e1 <= s2
    ramadan = dt.datetime(2027, 2, 20, 12, tzinfo=UTC)
    assert any(s <= ramadan < e and h == 0 for s, e, h in periods)
    assert not any(s <= dt.datetime(2026, 11, 8, 12, tzinfo=UTC) < e for s, e, _ in periods)


# --- the places dimension -------------------------------------------------

def test_place_rows_from_a_gazetteer(tmp_path):
    from pipeline.warehouse.places import place_rows

    gaz = tmp_path / "gazetteer.yaml"
    gaz.write_text("""
regions:
  - {id: RSK, ar: الرباط سلا القنيطرة, fr: Rabat-Salé-Kénitra, lat: 34.0, lon: -6.4}
provinces:
  - {ar: الخميسات, fr: Khémisset, kind: province, region: RSK, lat: 33.8, lon: -6.0}
cities:
  - {ar: الخميسات, fr: Khémisset, region: RSK, lat: 33.824, lon: -6.066}
  - {ar: تيفلت, fr: Tiflet, region: RSK, lat: 33.89, lon: -6.31}
  - {fr: no Arabic name, lat: 1, lon: 2}
""", encoding="utf-8")
    rows = {r["place"]: r for r in place_rows(gaz)}
    assert set(rows) == {"الرباط سلا القنيطرة", "الخميسات", "تيفلت"}
    assert rows["الخميسات"] == {"place": "الخميسات", "name_latin": "Khémisset", "kind": "city",
                               "region": "الرباط سلا القنيطرة", "lat": 33.824, "lon": -6.066}
    assert rows["الرباط سلا القنيطرة"]["region"] == "الرباط سلا القنيطرة"
    assert place_rows(tmp_path / "missing.yaml") == []


def test_place_rows_of_the_shipped_gazetteer():
    from pipeline.warehouse.places import DEFAULT_GAZETTEER, place_rows

    if not DEFAULT_GAZETTEER.exists():
        pytest.skip("configs/gazetteer.yaml not there yet")
    rows = place_rows()
    regions = {r["place"] for r in rows if r["kind"] == "region"}
    assert len(rows) > 50 and len(regions) == 12
    for r in rows:
        schema.validate_row("places", r)
        assert r["region"] in regions, r
        assert 20 <= r["lat"] <= 36 and -17.5 <= r["lon"] <= -0.9, r
    c = duckdb.connect()
    td.create_tables(c)
    from pipeline.warehouse.places import load_places_duckdb
    assert load_places_duckdb(c) == len(rows)
    assert rows_count(c, "places") == len(rows)


def rows_count(con, table):
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# --- the views on a warehouse filled by the real sample run ---------------

SAMPLE_MANIFEST = SAMPLE_SITE / "manifest.yaml"


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory):
    if not SAMPLE_MANIFEST.exists():
        pytest.skip("the sample site (pipeline/sample/site) is not there")
    from pipeline.run import run

    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    assert run(["--sample", "--warehouse", f"duckdb:///{path}", "--run-id", "views"]) == 0
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def test_sample_run_coverage_matches_the_manifest(sample_warehouse):
    import yaml

    manifest = yaml.safe_load(SAMPLE_MANIFEST.read_text(encoding="utf-8"))
    expected: dict = {}
    for a in manifest["articles"]:
        day = sql.morocco_date(dt.datetime.fromisoformat(a["published"]))
        expected[(a["source"], day)] = expected.get((a["source"], day), 0) + 1
    con = sample_warehouse
    start = dt.date.fromisoformat(manifest["date_range"]["start"])
    end = dt.date.fromisoformat(manifest["date_range"]["end"])
    cov = {(s, d): n for s, d, n in con.execute(
        "SELECT source, date, stories FROM source_coverage_daily WHERE date BETWEEN ? AND ?", [start, end]).fetchall()}
    assert {k: v for k, v in cov.items() if v} == expected
    # Every sample story is dated before the run, its first poll: those days have their stories'
    # rows and no zero rows between them (nobody watched the sources then), so the manifest's
    # coverage gap is not a row; from the poll day on, every day has one.
    gap = manifest["coverage_gap"]
    assert (gap["source"], dt.date.fromisoformat(gap["date"])) not in cov
    assert set(cov) == set(expected)
    polled = {s: d for s, d in con.execute("SELECT source, min(date) FROM source_coverage_daily "
                                           "WHERE date > ? GROUP BY 1", [end]).fetchall()}
    for source in {s for s, _ in expected}:
        days = sorted(d for s, d in con.execute("SELECT source, date FROM source_coverage_daily "
                                               "WHERE date >= ?", [polled[source]]).fetchall() if s == source)
        assert days == [days[0] + dt.timedelta(days=i) for i in range(len(days))]  # no day skipped
    errors = con.execute("SELECT count(*) FROM errors WHERE source IS NOT NULL").fetchone()[0]
    assert con.execute("SELECT sum(errors) FROM source_coverage_daily").fetchone()[0] == errors


def test_sample_run_security_views_agree_with_the_stories(sample_warehouse):
    con = sample_warehouse
    assert rows_count(con, "stories_current") == rows_count(con, "stories") == 24
    security = con.execute("SELECT count(*) FROM stories WHERE is_security").fetchone()[0]
    assert security > 0
    assert con.execute("SELECT sum(security_stories) FROM security_daily WHERE category = 'ALL'").fetchone()[0] == security
    assert con.execute("SELECT sum(security_stories) FROM security_daily WHERE category <> 'ALL'").fetchone()[0] == security
    arabic = con.execute("SELECT count(*) FROM stories WHERE language = 'ar'").fetchone()[0]
    assert con.execute("SELECT sum(arabic_stories) FROM security_daily WHERE category = 'ALL'").fetchone()[0] == arabic
    pairs = con.execute("SELECT count(*) FROM (SELECT DISTINCT article_id, unnest(places) FROM stories "
                        "WHERE is_security)").fetchone()[0]
    assert con.execute("SELECT sum(stories) FROM security_by_place_week").fetchone()[0] == pairs
    # the gazetteer was loaded: every sample place has its region and coordinates
    assert con.execute("SELECT count(*) FROM security_by_place_week "
                       "WHERE region IS NULL OR lat IS NULL").fetchone()[0] == 0
    assert rows_count(con, "stories_latest") == security


def test_date_is_the_day_the_page_states_when_published_date_is_known():
    """Issue 15: a Tunisian page's 8 February at 23:15 UTC counts on the 8th, not on the
    Moroccan 9th; without published_date the Moroccan day of published_at (old rows),
    and without any date the Moroccan day of fetched_at."""
    c = duckdb.connect()
    td.create_tables(c)
    late = dt.datetime(2024, 2, 8, 23, 15, tzinfo=UTC)
    stated = td.story_row("tn", 1, published_at=late)
    stated["published_date"] = dt.date(2024, 2, 8)
    legacy = td.story_row("tn", 2, published_at=late)                  # written before the column
    undated = td.story_row("tn", 3, published_at=None, fetched_at=dt.datetime(2024, 2, 10, 23, 30, tzinfo=UTC))
    for r in (stated, legacy, undated):
        schema.validate_row("stories", r)
    td.insert_rows(c, "stories", [stated, legacy, undated])
    sql.create_views_duckdb(c)
    got = dict(rows(c, "SELECT article_id, date FROM stories_current"))
    assert got[stated["article_id"]] == dt.date(2024, 2, 8)
    assert got[legacy["article_id"]] == dt.date(2024, 2, 9)
    assert got[undated["article_id"]] == dt.date(2024, 2, 11)
    weeks = rows(c, "SELECT CAST(date_trunc('week', date) AS DATE) AS w, count(*) FROM stories_current GROUP BY w")
    assert weeks == [(dt.date(2024, 2, 5), 3)]


def _coverage_fixture(today: dt.date):
    """Stories and errors of the first-poll tests, as rows (both dialects get the same)."""
    noon = dt.datetime.combine(today, dt.time(11), UTC)
    polled = noon - dt.timedelta(days=2)
    stories = [td.story_row("oldies", 1, published_at=dt.datetime(2019, 3, 4, 10, tzinfo=UTC), fetched_at=polled),
               td.story_row("oldies", 2, published_at=polled, fetched_at=polled),
               td.story_row("late", 3, published_at=noon - dt.timedelta(days=2))]
    errors = [td._error("late", noon - dt.timedelta(days=5)), td._error("broken", noon - dt.timedelta(days=4))]
    return stories, errors


def test_bigquery_source_coverage_daily_starts_at_the_first_poll_as_duckdb(bq_env):
    """The BigQuery view on the emulator (GoogleSQL) gives the same rows as the DuckDB view."""
    from pipeline.warehouse.bigquery_setup import init_bigquery

    today = sql.morocco_date(dt.datetime.now(UTC))
    stories, errors = _coverage_fixture(today)
    client = bq_env.client()
    init_bigquery(bq_env.project, bq_env.dataset, client=client)
    for table, table_rows in (("stories", stories), ("errors", errors)):
        assert client.insert_rows_json(f"{bq_env.project}.{bq_env.dataset}.{table}",
                                       [schema.to_json_row(r) for r in table_rows]) == []
    got = sorted((r["source"], r["date"], r["stories"], r["errors"]) for r in bq_env.rows(
        "SELECT source, `date`, stories, errors FROM `{p}.{d}.source_coverage_daily`"))
    c = duckdb.connect()
    td.create_tables(c)
    td.insert_rows(c, "stories", stories)
    td.insert_rows(c, "errors", errors)
    sql.create_views_duckdb(c)
    want = sorted(rows(c, "SELECT source, date, stories, errors FROM source_coverage_daily"))
    if sql.morocco_date(dt.datetime.now(UTC)) != today:
        pytest.skip("the test straddled midnight in Morocco")
    ago = lambda n: today - dt.timedelta(days=n)   # noqa: E731
    assert got == want
    assert [(d, n) for s, d, n, _ in got if s == "oldies"] == [(dt.date(2019, 3, 4), 1), (ago(2), 1), (ago(1), 0),
                                                              (today, 0)]
    assert [d for s, d, _, _ in got if s == "late"][0] == ago(5)
