"""A DuckDB warehouse taken by another process in the middle of a run: one line naming it, exit 2.

Two real processes: ``python -m pipeline.run --sample`` and, once the run is under way (its
first progress line), a second Python process that opens the same file read-write and keeps
it. The run's writers wait ``MOROCCO_NEWS_LOCK_WAIT`` seconds, then the run stops with exit 2
and a single ``error:`` line naming the holder's pid, and no traceback from Beam or Python
(it used to print ~300 lines of them: the runner, the SDK worker and Beam's own print).
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from helpers import REPO, free_port

HOLD = """
import sys, time, duckdb
deadline = time.monotonic() + 60
while True:                      # the run may be writing at this instant: take the file when it is free
    try:
        con = duckdb.connect(sys.argv[1])
        break
    except duckdb.Error:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.05)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


@pytest.mark.parametrize("mode", ["in_memory", "multi_threading"])
def test_a_warehouse_taken_mid_run_is_one_line_naming_the_holder(tmp_path, mode):
    db = tmp_path / "w.duckdb"
    env = dict(os.environ, PYTHONPATH=str(REPO), MOROCCO_NEWS_LOCK_WAIT="2", MOROCCO_NEWS_PROGRESS_EVERY="0.2")
    env.pop("MOROCCO_NEWS_TRACEBACK", None)
    run = subprocess.Popen([sys.executable, "-m", "pipeline.run", "--sample", "--sample-port", str(free_port()),
                            "--direct_running_mode", mode, "--warehouse", f"duckdb://{db}"],
                           cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err: list[str] = []
    under_way = threading.Event()

    def read_stderr():
        for line in run.stderr:
            err.append(line)
            if line.startswith("progress:"):
                under_way.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    holder = None
    try:
        assert under_way.wait(120), "".join(err)
        holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), "90"], stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "held"
        run.wait(timeout=240)
        reader.join(10)
    finally:
        for proc in (run, holder):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    text = "".join(err)
    assert run.returncode == 2, text[-3000:]
    assert "Traceback" not in text and "During handling" not in text, text[-3000:]
    said = [line for line in err if not line.startswith(("progress:", "WARNING "))]
    assert len(said) == 1 and said[0].startswith("error: "), said
    assert f"is locked by process {holder.pid} " in said[0] and str(db) in said[0]
    assert "Opening the warehouse" in said[0]
