"""Every command fails in one line with exit 2 on a bad, corrupt, locked or missing
warehouse, a bad option or a missing optional dependency; the warehouse file is left
untouched and no lock file stays behind (issue 13 item 5, issue 19 items 1 and 4)."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, free_port

from pipeline.model import train
from pipeline.report import cli as report
from pipeline.run import run
from pipeline.tools import classify_jsonl, evaluate, extract_page, feed_status, reclassify
from pipeline.warehouse import cli as warehouse_cli
from pipeline.warehouse.duckdb_setup import ensure_duckdb

DEAD_FEED = f"http://127.0.0.1:{free_port()}/feed.xml"


def _commands(uri: str, tmp: Path) -> dict:
    """Every command that opens a warehouse, pointed at ``uri``."""
    return {
        "run": lambda: run(["--feed", DEAD_FEED, "--allow-private-hosts", "--warehouse", uri]),
        "report": lambda: report.main(["--warehouse", uri, "--out", str(tmp / "r.html")]),
        "reclassify": lambda: reclassify.main(["--warehouse", uri]),
        "feeds status": lambda: feed_status.main(["status", "--warehouse", uri]),
        "warehouse init": lambda: warehouse_cli.main(["init", "--warehouse", uri]),
    }


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    err = captured.err
    assert "Traceback" not in err + captured.out
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("WARNING")]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _no_lock_files(directory: Path) -> None:
    assert not list(directory.glob("*.lock")), list(directory.iterdir())


COMMANDS = ["run", "report", "reclassify", "feeds status", "warehouse init"]


@pytest.mark.parametrize("name", COMMANDS)
def test_a_corrupt_warehouse_is_one_line_and_left_untouched(tmp_path, capsys, name):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is not a DuckDB file\n" * 200)
    before = _digest(bad)
    assert _commands(f"duckdb://{bad}", tmp_path)[name]() == 2
    assert "not a readable DuckDB database" in _one_line_error(capsys)
    assert _digest(bad) == before
    _no_lock_files(tmp_path)


@pytest.mark.parametrize("name", COMMANDS)
def test_a_directory_as_warehouse_is_one_line(tmp_path, capsys, name):
    folder = tmp_path / "folder"
    folder.mkdir()
    assert _commands(f"duckdb://{folder}", tmp_path)[name]() == 2
    assert "is a directory" in _one_line_error(capsys)
    assert list(folder.iterdir()) == []
    _no_lock_files(tmp_path)


@pytest.mark.parametrize("name", ["report", "reclassify", "feeds status"])
def test_a_missing_warehouse_is_one_line_and_not_created(tmp_path, capsys, name):
    missing = tmp_path / "missing.duckdb"
    assert _commands(f"duckdb://{missing}", tmp_path)[name]() == 2
    assert "no warehouse at" in _one_line_error(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def locked(tmp_path, monkeypatch):
    """A real warehouse held open read-write by another process (so nobody else may open it)."""
    path = tmp_path / "held.duckdb"
    ensure_duckdb(str(path))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(120)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        monkeypatch.setenv("MOROCCO_NEWS_LOCK_WAIT", "1")
        yield path
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("name", COMMANDS)
def test_a_warehouse_locked_by_another_process_is_one_line_after_waiting(locked, tmp_path, capsys, name):
    before = _digest(locked)
    assert _commands(f"duckdb://{locked}", tmp_path)[name]() == 2
    line = _one_line_error(capsys)
    assert "locked" in line and "README" in line
    assert _digest(locked) == before
    _no_lock_files(tmp_path)


@pytest.mark.parametrize("argv, fragment", [
    (["--streaming", "--poll-interval", "0"], "--poll-interval must be a number of seconds from 1 to 604800 (7 days), got 0.0"),
    (["--streaming", "--poll-interval", "-5"], "--poll-interval must be a number of seconds from 1 to 604800 (7 days), got -5.0"),
    (["--streaming", "--poll-interval", "nan"], "--poll-interval must be"),
    (["--streaming", "--poll-interval", "soon"], "invalid float value: 'soon'"),
    (["--streaming", "--duration", "0"], "--duration must be"),
    (["--wharehouse", "duckdb:///tmp/x.duckdb"], "unknown option --wharehouse (did you mean --warehouse?)"),
    (["--poll_interval=3", "--streaming"], "did you mean --poll-interval?"),
    (["--duration", "30"], "--duration applies only to a streaming run"),
    (["--poll-interval", "30"], "--poll-interval applies only to a streaming run"),
    (["--dedup-horizon", "30"], "--dedup-horizon applies only to a streaming run"),
    (["--sample-port", "9000"], "--sample-port applies only with --sample"),
    (["--sample", "--feed", "http://127.0.0.1/x"], "--feed does not apply with --sample"),
    (["--sample", "--sample-port", "70000"], "--sample-port must be a port number"),
    (["--write-batch-size", "0"], "--write-batch-size must be a whole number"),
    (["--streaming", "--direct_num_workers", "2"], "applies only to a local batch run"),
    (["--direct_running_mode", "threads"], "invalid choice"),
    (["--run-id", "two words"], "--run-id must be"),
    (["--model", "/nonexistent/model.json"], "no such file"),
    (["stray"], "unexpected argument 'stray'"),
    (["--warehouse", "sqlite:///x.db"], "must start with duckdb: or bigquery:"),
    (["--feed", "http://"], "must be a URL with a host"),
])
def test_run_refuses_bad_options_in_one_line(tmp_path, capsys, argv, fragment):
    assert run(argv) == 2
    assert fragment in _one_line_error(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("call, fragment", [
    (lambda t: feed_status.main(["status", "--quiet-hours", "-1"]), "--quiet-hours must be"),
    (lambda t: feed_status.main(["status", "--failing-after", "0"]), "--failing-after must be"),
    (lambda t: feed_status.main(["status", "--warehous", "x"]), "did you mean --warehouse?"),
    (lambda t: report.main(["--since", "2026-13-01"]), "expected YYYY-MM-DD"),
    (lambda t: reclassify.main(["--model", str(t / "none.json"), "--warehouse", f"duckdb://{t}/w.duckdb"]),
     "cannot load the classifier"),
    (lambda t: classify_jsonl.main(["--model", str(t / "none.json")]), "cannot load the classifier"),
    (lambda t: extract_page.main([]), "required: target"),
    (lambda t: extract_page.main([str(t / "none.html")]), "cannot read"),
    (lambda t: evaluate.main(["bogus"]), "choose what to evaluate"),
    (lambda t: evaluate.main([]), "choose what to evaluate"),
    (lambda t: train.main(["--n-bits", "many"]), "invalid int value"),
    (lambda t: warehouse_cli.main(["init", "--warehouse", "duckdb:"]), "give a file path"),
])
def test_other_commands_refuse_bad_options_in_one_line(tmp_path, capsys, call, fragment):
    assert call(tmp_path) == 2
    assert fragment in _one_line_error(capsys)


@pytest.mark.parametrize("call", [
    lambda t: reclassify.main(["--warehouse", "bigquery:no-project.no_dataset"]),
    lambda t: feed_status.main(["status", "--warehouse", "bigquery:no-project.no_dataset"]),
    lambda t: report.main(["--warehouse", "bigquery:no-project.no_dataset", "--out", str(t / "r.html")]),
    lambda t: run(["--feed", DEAD_FEED, "--warehouse", "bigquery:no-project.no_dataset"]),
])
def test_an_unreachable_bigquery_warehouse_is_one_line(tmp_path, monkeypatch, capsys, call):
    # no emulator and no credentials: the Google client cannot start (tests never leave 127.0.0.1)
    for name in ("BIGQUERY_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "no-project")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    assert call(tmp_path) == 2
    assert "BigQuery" in _one_line_error(capsys)


@pytest.mark.parametrize("call", [lambda: evaluate.main(["classifier"]), lambda: train.main([])])
def test_a_missing_optional_dependency_is_named_in_one_line(monkeypatch, capsys, call):
    monkeypatch.setitem(sys.modules, "sklearn", None)      # Python's own way to make an import fail
    assert call() == 2
    line = _one_line_error(capsys)
    assert "scikit-learn" in line and "pip install" in line


def test_run_help_lists_every_option_of_the_command(capsys):
    import argparse

    from pipeline.options import NewsOptions, help_text

    text = help_text()
    parser = argparse.ArgumentParser(add_help=False)
    NewsOptions._add_argparse_args(parser)
    ours = [s for a in parser._actions for s in a.option_strings]
    assert len(ours) == 15 and all(option in text for option in ours)      # 14 + --cluster-window
    for option in ("--streaming", "--runner", "--direct_num_workers", "--direct_running_mode", "--fail-on-errors",
                   "--help-beam", "exit codes"):
        assert option in text
    assert run(["--help"]) == 0 and "--streaming" in capsys.readouterr().out


def test_morocco_news_run_help_and_a_misspelt_command(capsys):
    from pipeline.cli import main

    assert main(["run", "--help"]) == 0 and "--poll-interval" in capsys.readouterr().out
    assert main(["feds"]) == 2 and "did you mean 'feeds'" in capsys.readouterr().err


def test_the_console_scripts_print_no_traceback_on_a_corrupt_warehouse(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_text("garbage")
    for module in ("pipeline.report", "pipeline.reclassify", "pipeline.feeds"):
        args = ["status"] if module == "pipeline.feeds" else []
        done = subprocess.run([sys.executable, "-m", module, *args, "--warehouse", f"duckdb://{bad}"],
                              cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
