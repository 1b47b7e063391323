"""`python -m pipeline.feeds status` against a DuckDB warehouse written here."""
from __future__ import annotations

import datetime as dt

from pathlib import Path

import duckdb
import pytest

from pipeline.tools import feed_status as feeds
from transforms.core.schema import column_names, duckdb_ddl

NOW = dt.datetime.now(dt.timezone.utc)


@pytest.fixture
def setup(tmp_path):
    cfg = tmp_path / "feeds.yaml"
    cfg.write_text("project: {quiet_after_hours: 24, failing_after: 3}\nfeeds:\n"
                   "  - {url: 'http://a.test/feed', source: a}\n  - {url: 'http://b.test/feed', source: b}\n"
                   "  - {url: 'http://c.test/feed', source: c}\n  - {url: 'http://d.test/feed', source: d}\n",
                   encoding="utf-8")
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute(duckdb_ddl("feed_state"))
    cols = column_names("feed_state")
    rows = [
        ("http://a.test/feed", NOW - dt.timedelta(minutes=5), "ok", NOW - dt.timedelta(minutes=5), NOW - dt.timedelta(hours=1), 0),
        ("http://b.test/feed", NOW, "error:503", NOW - dt.timedelta(days=2), NOW - dt.timedelta(days=2), 4),
        ("http://c.test/feed", NOW, "not_modified", NOW, NOW - dt.timedelta(days=3), 0),
    ]
    for url, polled, status, ok, new, fails in rows:
        row = dict.fromkeys(cols)
        row.update(feed_url=url, last_polled_at=polled, last_status=status, last_ok_at=ok, last_new_entry_at=new,
                   consecutive_failures=fails, entries_total=7)
        con.execute(f"INSERT INTO feed_state VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols])
    con.close()
    return cfg, db


def test_status_table_flags(setup, capsys):
    cfg, db = setup
    code = feeds.main(["status", "--config", str(cfg), "--warehouse", f"duckdb://{db}"])
    out = capsys.readouterr().out
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("http")}
    assert lines["http://a.test/feed"].endswith("OK") and "1h ago" in lines["http://a.test/feed"]
    assert lines["http://b.test/feed"].endswith("FAILING") and " 4 " in lines["http://b.test/feed"]
    assert lines["http://c.test/feed"].endswith("QUIET")
    assert lines["http://d.test/feed"].endswith("NEVER_POLLED")
    assert "4 configured feeds, 3 flagged" in out


def test_strict_and_thresholds(setup, capsys):
    cfg, db = setup
    assert feeds.main(["status", "--config", str(cfg), "--warehouse", f"duckdb://{db}", "--strict"]) == 1
    feeds.main(["status", "--config", str(cfg), "--warehouse", f"duckdb://{db}", "--quiet-hours", "100",
                "--failing-after", "5"])
    out = capsys.readouterr().out.split("4 configured feeds, 3 flagged")[-1]
    assert "4 configured feeds, 1 flagged" in out                # only NEVER_POLLED left


def test_missing_warehouse_is_a_one_line_error_and_is_not_created(setup, tmp_path, capsys):
    cfg, _ = setup
    missing = tmp_path / "none.duckdb"
    assert feeds.main(["status", "--config", str(cfg), "--warehouse", f"duckdb://{missing}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no warehouse at") and err.count("\n") == 1
    assert not missing.exists() and not Path(f"{missing}.lock").exists()


def test_feeds_polled_but_not_configured_are_listed(setup, capsys):
    cfg, db = setup
    con = duckdb.connect(str(db))
    cols = column_names("feed_state")
    row = dict.fromkeys(cols)
    row.update(feed_url="http://127.0.0.1:8765/sample/feed.xml", last_polled_at=NOW, last_status="ok",
               last_ok_at=NOW, last_new_entry_at=NOW, consecutive_failures=0, entries_total=3)
    con.execute(f"INSERT INTO feed_state VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols])
    con.close()
    assert feeds.main(["status", "--config", str(cfg), "--warehouse", f"duckdb://{db}"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("http://127.0.0.1:8765/"))
    assert line.endswith("OK (not in config)")


def test_a_feed_never_read_is_never_ok_and_says_why(setup, capsys):
    from transforms.core.records import FeedStatus
    from transforms.feed_state import merge_feed_state

    cfg, db = setup
    row = merge_feed_state(None, FeedStatus("http://d.test/feed", NOW - dt.timedelta(minutes=18), "error",
                                            http_status=200, error="not_a_feed"))
    assert row["last_status"] == "error:not_a_feed" and row["last_ok_at"] is None
    cols = column_names("feed_state")
    con = duckdb.connect(str(db))
    con.execute(f"INSERT INTO feed_state VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols])
    con.close()
    feeds.main(["status", "--config", str(cfg), "--warehouse", f"duckdb://{db}"])
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("http://d.test/feed"))
    assert line.endswith("NEVER_OK") and "error:not_a_feed" in line
