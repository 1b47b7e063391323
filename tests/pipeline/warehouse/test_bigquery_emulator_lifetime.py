"""The BigQuery emulator dies with the process that started it (real processes, no mocks).

Before: ``python -m pipeline.warehouse.bigquery_emulator start`` killed with SIGTERM (a
scheduler, ``kill``) left its ``bqemulator`` child running, in a session of its own,
holding its ports. Now the command stops it on SIGTERM/SIGHUP, and on Linux the kernel
sends the child SIGTERM when its parent dies in any way (``spawn_tied``), SIGKILL included.
The contract is tested with a tiny child standing in for the emulator, and with the real
emulator when its environment is installed.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import REPO, free_port

from pipeline.warehouse import bigquery_emulator

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
ENV = dict(os.environ, PYTHONPATH=str(REPO))


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return not _alive(pid)


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(x) for x in fh.read().split()]


PARENT = """
import sys, time
from pipeline.warehouse.bigquery_emulator import spawn_tied
child = spawn_tied([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
print(child.pid, flush=True)
time.sleep(300)
"""


@linux_only
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_tied_child_dies_with_its_parent(sig):
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=REPO, env=ENV, stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    try:
        assert _alive(child)
        assert _children(parent.pid) == [child]           # exec'd in place: the pid is the command's
        time.sleep(0.3)
        assert _alive(child)                              # not killed by anything but its parent's death
        parent.send_signal(sig)
        parent.wait(timeout=30)
        assert _gone_within(child, 10)
    finally:
        if _alive(child):
            os.kill(child, signal.SIGKILL)


@linux_only
def test_a_tied_child_whose_parent_died_before_the_tie_exits_at_once():
    """The race the prctl man page warns of: the parent is gone when the child ties itself."""
    done = subprocess.run([sys.executable, "-c", bigquery_emulator._TIED, "1", sys.executable, "-c", "print('ran')"],
                          capture_output=True, text=True, timeout=30)   # "parent" pid 1 is not ours
    assert done.returncode == 1 and "ran" not in done.stdout


needs_emulator = pytest.mark.skipif(not bigquery_emulator.is_installed(),
                                    reason="the BigQuery emulator is not installed "
                                           "(python -m pipeline.warehouse.bigquery_emulator install)")


@needs_emulator
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_the_real_emulator_stops_when_its_command_is_killed(sig):
    port = free_port()
    cmd = [sys.executable, "-m", "pipeline.warehouse.bigquery_emulator", "start", "--port", str(port)]
    parent = subprocess.Popen(cmd, cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    emulator = None
    try:
        line = parent.stdout.readline()
        assert line.startswith(f"BigQuery emulator on http://127.0.0.1:{port}"), line + parent.stderr.read()
        (emulator,) = _children(parent.pid)
        assert _alive(emulator)
        parent.send_signal(sig)
        code = parent.wait(timeout=60)
        assert code == (128 + signal.SIGTERM if sig == signal.SIGTERM else -signal.SIGKILL)
        assert _gone_within(emulator, 15), f"emulator {emulator} outlived its command"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if emulator is not None and _alive(emulator):
            os.kill(emulator, signal.SIGKILL)
