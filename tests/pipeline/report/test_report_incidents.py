"""The report's incidents panel (pipeline/report/incidents.py) on a warehouse with clusters."""
from __future__ import annotations

import datetime as dt

import duckdb
import report_testdata as td

from pipeline.report import cli as report
from pipeline.report.data import Filters, duckdb_runner
from pipeline.report.incidents import fetch_incidents, incidents_panel
from pipeline.warehouse import views as sql

UTC = dt.timezone.utc
MON = dt.datetime(2026, 11, 16, 9, tzinfo=UTC)


def build(path) -> None:
    con = duckdb.connect(str(path))
    td.create_tables(con)
    rows = []
    for n, (source, hours, cluster) in enumerate([("alpha_ar", 0, "A"), ("beta_ar", 2, "A"), ("gamma_ar", 5, "A"),
                                                  ("alpha_ar", 30, "B"), ("beta_ar", 24 * 7, "C")]):
        row = td.story_row(source, n, published_at=MON + dt.timedelta(hours=hours), is_security=True,
                           category="drugs", places=[td.CASABLANCA])
        row["cluster_id"] = cluster
        rows.append(row)
    rows.append(td.story_row("alpha_ar", 9, published_at=MON, is_security=False))
    td.insert_rows(con, "stories", rows)
    td.insert_rows(con, "places", td.PLACES)
    sql.create_views_duckdb(con)
    con.close()


def test_incidents_per_week_count_each_cluster_once_and_match_the_view(tmp_path):
    path = tmp_path / "w.duckdb"
    build(path)
    con = duckdb.connect(str(path), read_only=True)
    rows = fetch_incidents(duckdb_runner(con), "duckdb", Filters())
    assert [(str(r["week_start"]), r["incidents"], r["articles"]) for r in rows] == [
        ("2026-11-16", 2, 4), ("2026-11-23", 1, 1)]
    view = con.execute("SELECT CAST(week_start AS VARCHAR), sum(incidents), sum(articles) "
                       "FROM security_incidents_weekly GROUP BY 1 ORDER BY 1").fetchall()
    assert view == [(str(r["week_start"]), r["incidents"], r["articles"]) for r in rows]
    only_beta = fetch_incidents(duckdb_runner(con), "duckdb", Filters(source="beta_ar"))
    assert [(r["incidents"], r["articles"]) for r in only_beta] == [(1, 1), (1, 1)]
    con.close()


def test_the_page_shows_incidents_next_to_articles(tmp_path):
    path = tmp_path / "w.duckdb"
    build(path)
    out = tmp_path / "r.html"
    assert report.main(["--warehouse", f"duckdb:///{path}", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert 'id="chart-incidents"' in page
    assert "3 incidents reported in 5 security articles (1.67 articles per incident)" in page
    from pipeline.report.data import ReportData

    assert incidents_panel(ReportData({}, [], [], [], [], [], [])) == ""


def test_a_warehouse_written_before_clustering_still_gets_a_report(tmp_path, capsys):
    from transforms.core import schema

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    ddl = "\n".join(line for line in schema.duckdb_ddl("stories").splitlines() if '"cluster_' not in line)
    con.execute(ddl)
    con.execute(schema.duckdb_ddl("errors"))
    con.execute(schema.duckdb_ddl("places"))
    row = td.story_row("alpha_ar", 1, published_at=MON, is_security=True, category="drugs")
    cols = [c for c in schema.column_names("stories") if not c.startswith("cluster_")]
    con.execute(f"INSERT INTO stories ({', '.join(chr(34) + c + chr(34) for c in cols)}) "
                f"VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols])
    con.close()
    out = tmp_path / "r.html"
    assert report.main(["--warehouse", f"duckdb:///{path}", "--out", str(out)]) == 0
    assert 'id="chart-categories"' in out.read_text(encoding="utf-8")
    assert "warehouse init" in capsys.readouterr().err
