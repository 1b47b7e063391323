"""Exit codes for schedulers and a summary that agrees with feed_state (issue 19, items 3 and 9).

Real runs (in-process, on the default local runner) against the hostile server and a
closed port on 127.0.0.1.
"""
from __future__ import annotations

import socket

import pytest
from helpers import free_port, query

from pipeline.run import run
from transforms.robots import HostGate


def _closed_feed() -> str:
    port = free_port()
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    return f"http://127.0.0.1:{port}/feed.xml"


def _config(tmp_path, share: float = 0.5) -> str:
    path = tmp_path / "fast.yaml"
    path.write_text(f"run: {{max_failed_feeds_share: {share}}}\n"
                    "http: {connect_timeout: 1, read_timeout: 1, total_deadline: 2, retries: 0, "
                    "per_host_min_delay: 0}\nfeeds: ['http://unused.invalid/feed']\n", encoding="utf-8")
    return str(path)


def _run(tmp_path, feeds, *extra, share: float = 0.5, db: str = "w.duckdb") -> int:
    HostGate.reset_all()
    argv = [a for f in feeds for a in ("--feed", f)]
    return run(argv + ["--config", _config(tmp_path, share), "--allow-private-hosts",
                       "--warehouse", f"duckdb://{tmp_path / db}", *extra])


def test_no_feed_could_be_polled_exits_3(tmp_path, capsys):
    assert _run(tmp_path, [_closed_feed(), _closed_feed()]) == 3
    captured = capsys.readouterr()
    assert "exit 3: no feed could be polled (2 of 2 failed)" in captured.err
    assert "feeds                              2: 0 ok" in captured.out
    assert "Traceback" not in captured.err
    rows = query(tmp_path / "w.duckdb", "SELECT error_type, count(*) FROM errors GROUP BY ALL")
    assert rows == [("connection_error", 2)]          # a refused host is not a robots block


@pytest.mark.parametrize("share, code", [(0.5, 0), (0.4, 3)])
def test_the_failed_share_threshold_comes_from_the_config(tmp_path, srv, capsys, share, code):
    assert _run(tmp_path, [srv.url("/feeds/good.xml"), _closed_feed()], share=share) == code
    err = capsys.readouterr().err
    assert ("1 of 2 feeds failed, over run.max_failed_feeds_share = 0.4" in err) == (code == 3)


def test_fail_on_errors_makes_any_errors_row_exit_4(tmp_path, srv, capsys):
    feeds = [srv.url("/feeds/good.xml"), srv.url("/feeds/nolink.xml")]
    assert _run(tmp_path, feeds) == 0                               # an entry without a link: an errors row
    capsys.readouterr()
    assert _run(tmp_path, feeds, "--fail-on-errors", db="strict.duckdb") == 4
    assert "--fail-on-errors: this run recorded" in capsys.readouterr().err


def test_the_batch_summary_agrees_with_feed_state_and_adds_up(tmp_path, srv, capsys):
    feeds = [srv.url("/feeds/good.xml"), srv.url("/feeds/section.xml"), srv.url("/feeds/html.xml"),
             srv.url("/feeds/badlink.xml")]
    assert _run(tmp_path, feeds) == 0
    out = capsys.readouterr().out
    assert "feeds                              4: 3 ok, 0 not modified (304), 0 unchanged, 1 failed" in out
    # good.xml and section.xml share article 2: one duplicate; badlink.xml lists a link with a bad
    # port and an entry without a link (two unusable entries, two errors rows) and article 12;
    # five new entries, each fetched once: 8 = 0 + 2 + 0 + 1 + 5
    assert "feed entries                       8" in out and "duplicates in this run           1" in out
    assert "unusable (errors rows)           2" in out and "over the per-feed cap (skipped)  0" in out
    assert "already stored (skipped)         0" in out and "new, to fetch                    5" in out
    assert "pages fetched                      5 (failed: 0)" in out
    unusable = query(tmp_path / "w.duckdb", "SELECT error_type, count(*) FROM errors WHERE stage = 'read_feeds' "
                     "AND error_type IN ('bad_link', 'entry_without_link') GROUP BY ALL ORDER BY 1")
    assert unusable == [("bad_link", 1), ("entry_without_link", 1)]
    assert _run(tmp_path, feeds) == 0                                 # again: good.xml answers 304
    out = capsys.readouterr().out
    state = dict(query(tmp_path / "w.duckdb", "SELECT last_status, count(*) FROM feed_state GROUP BY ALL"))
    assert state == {"not_modified": 1, "unchanged": 2, "error:not_a_feed": 1}
    assert "feeds                              4: 0 ok, 1 not modified (304), 2 unchanged, 1 failed" in out


def test_the_streaming_summary_matches_feed_state(tmp_path, capsys):
    db = tmp_path / "stream.duckdb"
    args = ["--streaming", "--sample", "--sample-port", str(free_port()), "--poll-interval", "2",
            "--duration", "7", "--warehouse", f"duckdb://{db}", "--run-id", "s1"]
    assert run(args) == 0
    out = capsys.readouterr().out
    states = query(db, "SELECT last_status FROM feed_state")
    not_modified = sum(1 for (s,) in states if s == "not_modified")
    failed = sum(1 for (s,) in states if s.startswith("error"))
    assert not_modified >= 4 and failed == 1                 # the sample's broken feed
    line = [x for x in out.splitlines() if x.strip().startswith("feeds (state at the end)")][0]
    assert f"{len(states)}: " in line and f"{not_modified} not modified (304)" in line and f"{failed} failed" in line
    polls_failed = query(db, "SELECT count(*) FROM errors WHERE run_id = 's1' AND stage = 'read_feeds' AND "
                         "error_type NOT IN ('entry_without_link', 'bad_link', 'bad_entry', 'over_entry_cap')")[0][0]
    assert polls_failed >= 3 and f"failed polls                       {polls_failed}" in out
    stories = query(db, "SELECT count(*) FROM stories WHERE run_id = 's1'")[0][0]
    assert f"stories written                    {stories} (" in out
    assert "stage counters are not shown" in out
