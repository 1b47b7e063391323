"""Sharing one DuckDB file between the pipeline's writers and its readers.

DuckDB lets one process at a time open a database file for writing, and no
process write while another holds it open, even read-only (it takes an
exclusive, respectively shared, lock on the file). So every user of the
warehouse holds the file only for one short operation and waits its turn:

* writers (the pipeline's workers, threads or processes, ``reclassify``,
  ``warehouse init``) go through :func:`duckdb_writer`: an exclusive ``flock``
  on a side file ``FILE.lock`` serialises them, then a read-write connection
  is opened for one transaction and closed;
* readers (the report, ``feeds status``, the run summary, the launcher's
  state read) go through :func:`duckdb_reader`: a read-only connection for
  one query, closed at once;
* both retry while DuckDB reports the file locked by another process (an
  analyst's open connection, a writer's batch), logging once that they wait
  and why, and give up with :class:`WarehouseBusy` after ``timeout`` seconds
  (default :data:`LOCK_WAIT_S`, or the ``MOROCCO_NEWS_LOCK_WAIT`` environment
  variable, in seconds).

The side file ``FILE.lock`` exists only while a writer holds or waits for it:
the last holder removes it. A waiter that wakes up on a file that was removed
meanwhile tries again on the new one (the inode is checked after locking), so
two writers never both think they hold the lock. This is written here rather
than taken from ``filelock``, which on Unix leaves its lock files behind.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Optional

log = logging.getLogger("transforms.duckdb_lock")

_thread_lock = threading.RLock()
LOCK_WAIT_S = 300.0            # how long a reader or writer waits for a locked warehouse
_RETRY_S = 0.05                # first pause between two attempts; doubles up to _RETRY_MAX_S
_RETRY_MAX_S = 1.0


class WarehouseBusy(RuntimeError):
    """The warehouse stayed locked by another process for the whole wait (one-line message).

    ``path``: the DuckDB file; ``holder_pid``: the process holding it, when known (from
    DuckDB's message, or the pid a writer of this project writes into ``FILE.lock``).
    """

    def __init__(self, message: str, path: Optional[str] = None, holder_pid: Optional[int] = None):
        super().__init__(message)
        self.path = path
        self.holder_pid = holder_pid


_DUCKDB_PID = re.compile(r"\(PID (\d+)\)")


def lock_holder_pid(exc: BaseException) -> Optional[int]:
    """The pid in DuckDB's "Conflicting lock is held in PROGRAM (PID N)" message, or None."""
    found = _DUCKDB_PID.search(str(exc))
    return int(found.group(1)) if found else None


def describe_process(pid: Optional[int], unknown: str = "another process") -> str:
    """``process 1234 (python -m pipeline.run ...)``: the pid and, where ``/proc`` tells it
    (Linux), its command line cut to 80 characters; ``unknown`` when ``pid`` is None."""
    if not pid:
        return unknown
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = " ".join(fh.read().decode("utf-8", "replace").replace("\x00", " ").split())   # one line
    except OSError:
        cmd = ""
    if len(cmd) > 80:
        cmd = cmd[:77] + "..."
    return f"process {pid}" + (f" ({cmd})" if cmd else "")


def lock_wait(timeout: Optional[float] = None) -> float:
    """Seconds to wait for a locked warehouse: ``timeout``, else ``$MOROCCO_NEWS_LOCK_WAIT``, else
    :data:`LOCK_WAIT_S`. A bad environment value falls back to the default."""
    if timeout is not None:
        return max(0.0, float(timeout))
    raw = os.environ.get("MOROCCO_NEWS_LOCK_WAIT", "")
    try:
        return max(0.0, float(raw)) if raw.strip() else LOCK_WAIT_S
    except ValueError:
        return LOCK_WAIT_S


def is_lock_conflict(exc: BaseException) -> bool:
    """True for DuckDB's "Could not set lock on file ... Conflicting lock is held" error."""
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _busy(path: str, waited: float, pid: Optional[int], unknown: str) -> WarehouseBusy:
    return WarehouseBusy(f"warehouse {path} is locked by {describe_process(pid, unknown)} and stayed locked for "
                         f"{waited:g}s: close other connections to it, or wait for the other run to finish "
                         f"(README, 'Opening the warehouse')", path=path, holder_pid=pid)


def _pid_in(fh) -> Optional[int]:
    """The pid a holder wrote into the lock file, or None (empty, being rewritten)."""
    try:
        fh.seek(0)
        text = fh.read(32).strip()
    except (OSError, ValueError):
        return None
    return int(text) if text.isdigit() else None


@contextlib.contextmanager
def duckdb_lock(path: str | os.PathLike, timeout: Optional[float] = None):
    """Hold the exclusive writer lock for the DuckDB file ``path`` (``FILE.lock``).

    Threads of one process take turns on a process-wide lock first. Raises
    :class:`WarehouseBusy` after ``timeout`` seconds (see :func:`lock_wait`).
    The lock file is removed when released.
    """
    wait = lock_wait(timeout)
    lock_path = Path(f"{os.fspath(path)}.lock")
    deadline = time.monotonic() + wait
    warned = False
    with _thread_lock:
        while True:
            fh = open(lock_path, "a+")
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _pid_in(fh)
                fh.close()
                if time.monotonic() > deadline:
                    raise _busy(os.fspath(path), wait, holder, "another writer") from None
                if not warned:
                    log.warning("warehouse %s is being written by another process; waiting up to %.0fs",
                                path, wait)
                    warned = True
                time.sleep(_RETRY_S)
                continue
            try:
                same = os.fstat(fh.fileno()).st_ino == os.stat(lock_path).st_ino
            except FileNotFoundError:
                same = False
            if not same:          # the previous holder removed it after we opened it: start over
                fh.close()
                continue
            with contextlib.suppress(OSError):      # who holds it, for a waiter's message
                fh.seek(0)
                fh.truncate()
                fh.write(str(os.getpid()))
                fh.flush()
            break
        try:
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock_path)
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            fh.close()


def _connect(path: str, read_only: bool, deadline: float, wait: float):
    """A DuckDB connection to ``path``, retried while another process holds a conflicting lock."""
    import duckdb

    pause, warned = _RETRY_S, False
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.Error as exc:
            if not is_lock_conflict(exc):
                raise
            if time.monotonic() > deadline:
                raise _busy(path, wait, lock_holder_pid(exc), "another process") from None
            if not warned:
                log.warning("warehouse %s is open in another process (%s, %s); waiting up to %.0fs for it",
                            path, "a writer" if read_only else "a reader or a writer",
                            describe_process(lock_holder_pid(exc), "pid unknown"), wait)
                warned = True
            time.sleep(pause)
            pause = min(pause * 2, _RETRY_MAX_S)


@contextlib.contextmanager
def duckdb_writer(path: str | os.PathLike, timeout: Optional[float] = None):
    """A short-lived read-write DuckDB connection under the writer lock.

    Waits (see :func:`lock_wait`) for other writers and for other processes'
    connections; raises :class:`WarehouseBusy` when the wait runs out, and
    ``duckdb.Error`` for a file DuckDB cannot open (corrupt, a directory).
    Creates the file when it does not exist (callers that must not create
    check first).
    """
    wait = lock_wait(timeout)
    deadline = time.monotonic() + wait
    with duckdb_lock(path, wait):
        con = _connect(os.fspath(path), False, deadline, wait)
        try:
            yield con
        finally:
            con.close()


@contextlib.contextmanager
def duckdb_reader(path: str | os.PathLike, timeout: Optional[float] = None):
    """A short-lived read-only DuckDB connection to an existing file.

    Raises FileNotFoundError when ``path`` does not exist (a reader never
    creates a warehouse), :class:`WarehouseBusy` when a writer keeps it
    locked for the whole wait (see :func:`lock_wait`), ``duckdb.Error`` for a
    file DuckDB cannot open. Never modifies the file.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    wait = lock_wait(timeout)
    con = _connect(path, True, time.monotonic() + wait, wait)
    try:
        yield con
    finally:
        con.close()
