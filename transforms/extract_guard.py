"""A hard wall-clock limit around one extraction, usable from any thread.

trafilatura has no timeout, and ``signal.alarm`` only works on the main
thread (Beam runs DoFns on worker threads). A thread cannot be killed either.
So the guard keeps one long-lived child process per DoFn instance, a fresh
interpreter running ``python -m transforms.extract_guard`` (never ``fork``
from a threaded worker; no re-import of the caller's ``__main__`` as
multiprocessing's spawn would do), reused for every page: the page goes down a pipe, the Article (or the error) comes back. When
the answer is late the child is killed and a fresh one is started on the next
call; the page becomes an ``ExtractionError("timeout")``.

The child pays the trafilatura import once (about a second); per page the
cost is pickling the HTML both ways, well under a millisecond for a 200 KB
page (see the figures in :mod:`transforms.extract`).
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parent.parent)   # the folder holding ``transforms``


def _serve(conn) -> None:  # runs in the child
    from transforms.extract import ExtractionError, extract_article, make_trafilatura_config

    config = make_trafilatura_config()
    conn.send(("ready",))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        html, url, entry, fetched_at, now = msg
        try:
            art = extract_article(html, url, entry, config=config, fetched_at=fetched_at, now=now)
            conn.send(("ok", art))
        except ExtractionError as exc:
            conn.send(("err", exc.error_type, exc.message))
        except Exception as exc:  # noqa: BLE001 - reported as a parse_error dead letter
            conn.send(("err", "parse_error", f"{type(exc).__name__}: {exc}"[:500]))


class GuardedExtractor:
    """``extract(html, url, entry, fetched_at)`` with a hard ``timeout_s`` limit."""

    def __init__(self, timeout_s: float = 20.0):
        self.timeout_s = timeout_s
        self._proc = None
        self._conn = None
        self._lock = threading.Lock()
        self.restarts = 0

    def _start(self) -> None:
        # A fresh interpreter (``python -m transforms.extract_guard``), not
        # multiprocessing: fork is unsafe in a threaded worker and spawn
        # re-imports the caller's __main__.
        env = dict(os.environ)
        env["PYTHONPATH"] = _ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        proc = subprocess.Popen([sys.executable, "-m", "transforms.extract_guard"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)
        parent = _PipePair(proc.stdout.fileno(), proc.stdin.fileno())
        self._proc, self._conn = proc, parent
        try:
            ready = parent.poll(120) and parent.recv() == ("ready",)
        except (EOFError, OSError):
            ready = False
        if not ready:
            self._kill()
            raise RuntimeError("extractor process did not start")

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def extract(self, html: str, url: str, entry=None, fetched_at=None, now=None):
        from transforms.extract import ExtractionError

        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            self._conn.send((html, url, entry, fetched_at, now))
            if not self._conn.poll(self.timeout_s):
                self._kill()
                self.restarts += 1
                raise ExtractionError("timeout", f"extraction took longer than {self.timeout_s:.0f}s")
            try:
                reply = self._conn.recv()
            except (EOFError, OSError) as exc:
                self._kill()
                raise ExtractionError("parse_error", f"extractor process died: {exc}") from exc
        if reply[0] == "ok":
            return reply[1]
        raise ExtractionError(reply[1], reply[2])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.send(None)
                except OSError:
                    pass
            if self._proc is not None:
                try:
                    self._proc.wait(2)
                except subprocess.TimeoutExpired:
                    pass
            self._kill()


class _PipePair:
    """send/recv/poll of multiprocessing's Connection over a child's stdin/stdout."""

    def __init__(self, read_fd: int, write_fd: int):
        self._r = Connection(os.dup(read_fd), writable=False)
        self._w = Connection(os.dup(write_fd), readable=False)

    def send(self, obj) -> None:
        self._w.send(obj)

    def recv(self):
        return self._r.recv()

    def poll(self, timeout: float) -> bool:
        return self._r.poll(timeout)

    def close(self) -> None:
        self._r.close()
        self._w.close()


if __name__ == "__main__":
    # child side: stdin/stdout are the pipes; keep print() from corrupting them
    _in, _out = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    _serve(_PipePair(_in, _out))
