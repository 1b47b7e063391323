"""story_clusters and security_incidents_weekly on a warehouse of known design."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest
import report_testdata as td
from bq_emulator import bq_emulator, bq_env  # noqa: F401  (fixtures)

from pipeline.warehouse import views as sql

UTC = dt.timezone.utc
MON = dt.datetime(2026, 11, 16, 9, tzinfo=UTC)


def story(source, n, hours, cluster=None, **kw):
    row = td.story_row(source, n, published_at=MON + dt.timedelta(hours=hours), **kw)
    row["cluster_id"] = cluster(row) if callable(cluster) else cluster
    return row


@pytest.fixture()
def con():
    c = duckdb.connect()
    td.create_tables(c)
    a1 = story("alpha_ar", 1, 0, lambda r: r["article_id"], is_security=True, category="drugs",
               places=[td.CASABLANCA])
    root = a1["article_id"]
    rows = [
        a1,
        story("beta_ar", 1, 3, root, is_security=True, category="drugs", places=[td.CASABLANCA]),
        story("gamma_ar", 1, 30, root, is_security=False, places=[td.CASABLANCA]),      # a copy not labelled
        story("alpha_ar", 2, 5, lambda r: r["article_id"], is_security=True, category="crime",
              places=[td.KHEMISSET]),
        story("beta_ar", 2, 8, None, is_security=True, category="drugs", places=[td.CASABLANCA]),  # pre-clustering row
        story("alpha_ar", 3, 24 * 7 + 1, lambda r: r["article_id"], is_security=True, category=None),   # next week, no place
        story("gamma_ar", 2, 2, lambda r: r["article_id"], is_security=False),            # not security
    ]
    td.insert_rows(c, "stories", rows)
    td.insert_rows(c, "places", td.PLACES)
    sql.create_views_duckdb(c)
    yield c, root
    c.close()


def test_story_clusters_one_row_per_cluster_with_outlets_and_times(con):
    c, root = con
    assert c.execute("SELECT count(*) FROM story_clusters").fetchone()[0] == 5
    stories, sec, outlets, sources, first, last, title, is_sec, cat, place, region = c.execute(
        "SELECT stories, security_stories, outlets, sources, first_seen, last_seen, title, is_security, "
        "primary_category, primary_place, region FROM story_clusters WHERE cluster_id = ?", [root]).fetchone()
    assert (stories, sec, outlets, sources) == (3, 2, 3, ["alpha_ar", "beta_ar", "gamma_ar"])
    assert first == MON and last == MON + dt.timedelta(hours=30)
    assert is_sec and cat == "drugs" and place == td.CASABLANCA and region == td.REGION_CS
    assert title == td.story_row("alpha_ar", 1, published_at=MON, is_security=True, category="drugs",
                                 places=[td.CASABLANCA])["title"]


def test_incidents_count_once_and_articles_count_every_copy(con):
    c, _ = con
    got = c.execute("SELECT CAST(week_start AS VARCHAR), region, category, incidents, articles "
                    "FROM security_incidents_weekly").fetchall()
    assert sorted(got, key=str) == sorted([("2026-11-16", td.REGION_RSK, "crime", 1, 1),
                                           ("2026-11-16", td.REGION_CS, "drugs", 2, 3),
                                           ("2026-11-23", None, "unspecified", 1, 1)], key=str)
    incidents, articles = c.execute("SELECT sum(incidents), sum(articles) FROM security_incidents_weekly").fetchone()
    security = c.execute("SELECT count(*) FROM stories_current WHERE is_security").fetchone()[0]
    assert (incidents, articles) == (4, security)


def test_both_dialects_define_the_cluster_views_with_the_same_columns():
    for view in ("story_clusters", "security_incidents_weekly"):
        assert sql.view_columns("duckdb", view) == sql.view_columns("bigquery", view)


def test_the_bigquery_views_count_the_same_on_the_emulator(bq_env):
    """The same stories in BigQuery (the emulator, GoogleSQL): same clusters, same weekly counts."""
    from pipeline.warehouse.bigquery_setup import init_bigquery
    from transforms.core import schema

    client = bq_env.client()
    init_bigquery(bq_env.project, bq_env.dataset, client=client)
    c = duckdb.connect()
    td.create_tables(c)
    a1 = story("alpha_ar", 1, 0, lambda r: r["article_id"], is_security=True, category="drugs",
               places=[td.CASABLANCA])
    rows = [a1,
            story("beta_ar", 1, 3, a1["article_id"], is_security=True, category="drugs", places=[td.CASABLANCA]),
            story("gamma_ar", 1, 30, a1["article_id"], is_security=False, places=[td.CASABLANCA]),
            story("alpha_ar", 2, 24 * 7 + 1, None, is_security=True, category=None)]
    errors = client.insert_rows_json(f"{bq_env.project}.{bq_env.dataset}.stories",
                                     [schema.to_json_row(r) for r in rows])
    assert errors == []
    got = bq_env.rows("SELECT cluster_id, stories, security_stories, outlets, sources, primary_category, "
                      "primary_place, region FROM `{p}.{d}.story_clusters` ORDER BY stories DESC")
    assert [(r["stories"], r["security_stories"], r["outlets"], list(r["sources"]), r["primary_category"],
             r["primary_place"], r["region"]) for r in got] == [
        (3, 2, 3, ["alpha_ar", "beta_ar", "gamma_ar"], "drugs", td.CASABLANCA, td.REGION_CS),
        (1, 1, 1, ["alpha_ar"], None, None, None)]
    weekly = bq_env.rows("SELECT CAST(week_start AS STRING) AS week, category, incidents, articles "
                         "FROM `{p}.{d}.security_incidents_weekly` ORDER BY week")
    assert [(r["week"], r["category"], r["incidents"], r["articles"]) for r in weekly] == [
        ("2026-11-16", "drugs", 1, 2), ("2026-11-23", "unspecified", 1, 1)]
