"""DuckDB's single-writer rule, enforced across processes.

DuckDB lets one process at a time open a database file for writing. Beam
workers (threads or processes) and the CLIs (`reclassify`, `warehouse init`)
all write through :func:`duckdb_lock`, an exclusive ``flock`` on a side file,
and keep the connection open only for the length of one transaction.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from pathlib import Path

_thread_lock = threading.RLock()


class WarehouseBusy(RuntimeError):
    pass


@contextlib.contextmanager
def duckdb_lock(path: str | os.PathLike, timeout: float = 300.0):
    """Hold the exclusive writer lock for ``path`` (a DuckDB file)."""
    lock_path = Path(f"{os.fspath(path)}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with _thread_lock:
        with open(lock_path, "a+") as fh:
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise WarehouseBusy(f"{path} is locked by another writer for over {timeout:.0f}s")
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def duckdb_writer(path: str | os.PathLike, timeout: float = 300.0):
    """A short-lived read-write DuckDB connection under the writer lock."""
    import duckdb

    with duckdb_lock(path, timeout):
        con = duckdb.connect(os.fspath(path))
        try:
            yield con
        finally:
            con.close()
