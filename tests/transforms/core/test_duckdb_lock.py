"""The cross-process writer lock and the retrying readers/writers (transforms/core/duckdb_lock.py)."""
from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest
from helpers import REPO

from transforms.core.duckdb_lock import WarehouseBusy, duckdb_lock, duckdb_reader, duckdb_writer, lock_wait

_INCREMENT = """
import sys
from pathlib import Path
from transforms.core.duckdb_lock import duckdb_lock
counter = Path(sys.argv[1])
for _ in range(int(sys.argv[2])):
    with duckdb_lock(sys.argv[3], timeout=120):
        value = int(counter.read_text())      # read-modify-write: only safe under the lock
        counter.write_text(str(value + 1))
"""


def test_writers_of_several_processes_exclude_each_other_and_leave_no_lock_file(tmp_path):
    counter = tmp_path / "counter"
    counter.write_text("0")
    db = tmp_path / "w.duckdb"
    procs = [subprocess.Popen([sys.executable, "-c", _INCREMENT, str(counter), "150", str(db)], cwd=REPO,
                              env={"PYTHONPATH": str(REPO)}) for _ in range(4)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0, 0, 0]
    assert counter.read_text() == "600"
    assert not (tmp_path / "w.duckdb.lock").exists()


def test_a_writer_waits_for_another_then_gives_up_with_a_clear_message(tmp_path):
    db = tmp_path / "w.duckdb"
    # a second process, because threads of one process take turns on a process-wide lock first
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from transforms.core.duckdb_lock import "
                               "duckdb_lock\nwith duckdb_lock(sys.argv[1]):\n print('held', flush=True)\n "
                               "time.sleep(3)", str(db)], cwd=REPO, env={"PYTHONPATH": str(REPO)},
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(WarehouseBusy, match=f"locked by process {holder.pid} ") as busy:
        with duckdb_lock(db, timeout=0.5):
            pass
    assert busy.value.holder_pid == holder.pid and "python" in str(busy.value)   # its command line
    started = time.monotonic()
    with duckdb_lock(db, timeout=30):                # waits for the holder, then gets it
        assert time.monotonic() - started > 0.5
    holder.wait(timeout=30)
    assert not (tmp_path / "w.duckdb.lock").exists()


def test_readers_wait_for_a_writer_and_never_create_a_file(tmp_path):
    db = tmp_path / "w.duckdb"
    with pytest.raises(FileNotFoundError):
        with duckdb_reader(db):
            pass
    assert not db.exists()
    with duckdb_writer(db) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(2); c.close()", str(db)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    with pytest.raises(WarehouseBusy, match=f"locked by process {holder.pid} ") as busy:   # DuckDB's "(PID N)"
        with duckdb_reader(db, timeout=0.3):
            pass
    assert busy.value.holder_pid == holder.pid
    with duckdb_reader(db, timeout=30) as con:       # retried until the writer closed
        assert con.execute("SELECT x FROM t").fetchall() == [(1,)]
    holder.wait(timeout=30)


def test_lock_wait_comes_from_the_argument_then_the_environment(monkeypatch):
    monkeypatch.delenv("MOROCCO_NEWS_LOCK_WAIT", raising=False)
    assert lock_wait() == 300.0 and lock_wait(5) == 5.0
    monkeypatch.setenv("MOROCCO_NEWS_LOCK_WAIT", "12")
    assert lock_wait() == 12.0
    monkeypatch.setenv("MOROCCO_NEWS_LOCK_WAIT", "soon")
    assert lock_wait() == 300.0


def test_a_corrupt_file_is_a_duckdb_error_and_stays_untouched(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"not a database")
    for opener in (duckdb_reader, duckdb_writer):
        with pytest.raises(duckdb.Error):
            with opener(bad, timeout=1):
                pass
    assert bad.read_bytes() == b"not a database" and not (tmp_path / "bad.duckdb.lock").exists()
