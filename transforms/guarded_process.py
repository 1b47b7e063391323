"""A hard wall-clock limit around one call, usable from any thread.

trafilatura has no timeout, ``signal.alarm`` only works on the main thread
(Beam runs DoFns on worker threads), and a thread cannot be killed. So a
:class:`GuardedProcess` keeps one long-lived child process, a fresh
interpreter running ``python -m transforms.guarded_process`` (never ``fork``
from a threaded worker; no re-import of the caller's ``__main__`` as
multiprocessing's spawn would do), reused for every call.

The guard knows nothing of what it runs. It is given a *factory*: a
module-level function, pickled by reference, that the child calls once to
build its heavy objects and that returns the per-call handler. Each call
sends its arguments down a pipe; the handler's return value, or the
exception it raised, comes back. When the answer is late the child is killed
(:class:`GuardTimeout`) and a fresh one is started on the next call; a child
that dies mid-call gives :class:`GuardCrashed`.

The child pays its imports once; per call the cost is pickling the
arguments and the result both ways (well under a millisecond for a 200 KB
page; see the figures in :mod:`transforms.extract`).

A handler that runs several steps can say which one it is in with
:func:`note` (a few bytes written into a small file both processes map, no
message): when the answer is late, :class:`GuardTimeout` carries the last
note (``exc.note``), so the caller can tell *which* step overran (the fused
page worker names the stage of its errors row this way).
"""
from __future__ import annotations

import mmap
import os
import pickle
import tempfile
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Callable

_ROOT = str(Path(__file__).resolve().parent.parent)   # the folder holding ``transforms``
START_TIMEOUT_S = 120.0
NOTE_BYTES = 64                 # the longest note kept (UTF-8 bytes)
_NOTE: list = [None]            # child side: the mapped note file, when the parent gave one


class GuardTimeout(TimeoutError):
    """The call took longer than the guard's ``timeout_s``; the child was killed.

    ``note``: the last :func:`note` the handler wrote during that call ("" when none)."""

    def __init__(self, message: str = "", note: str = ""):
        super().__init__(message)
        self.note = note


def note(text: str) -> None:
    """In a guarded child: record ``text`` (at most :data:`NOTE_BYTES` bytes) as the step the
    current call is in. Costs about a microsecond; a no-op outside a guarded child."""
    mm = _NOTE[0]
    if mm is not None:
        data = text.encode("utf-8")[:NOTE_BYTES]
        mm[:NOTE_BYTES] = data.ljust(NOTE_BYTES, b"\0")


def _open_note(path: str | None) -> None:
    if path:
        fd = os.open(path, os.O_RDWR)
        try:
            _NOTE[0] = mmap.mmap(fd, NOTE_BYTES)
        finally:
            os.close(fd)


class GuardCrashed(RuntimeError):
    """The child process died, or could not start, while serving a call."""


def _serve(conn, factory: Callable[[], Callable[..., Any]], note_path: str | None = None) -> None:  # child
    _open_note(note_path)
    handler = factory()
    conn.send(("ready",))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        note("")
        try:
            conn.send(("ok", handler(*msg)))
        except Exception as exc:  # noqa: BLE001 - the caller decides what an exception means
            try:
                pickle.dumps(exc)
            except Exception:  # noqa: BLE001 - an exception that cannot travel: its text does
                exc = RuntimeError(f"{type(exc).__name__}: {exc}"[:500])
            conn.send(("raise", exc))


class GuardedProcess:
    """``call(*args)`` runs ``factory()(*args)`` in a child process, with a hard ``timeout_s``.

    Thread-safe (one call at a time per instance). The child starts on the
    first call, so an instance that is never used costs nothing. Raises
    :class:`GuardTimeout`, :class:`GuardCrashed`, or whatever the handler
    raised.
    """

    def __init__(self, factory: Callable[[], Callable[..., Any]], timeout_s: float = 20.0):
        self.factory = factory
        self.timeout_s = timeout_s
        self._proc = None
        self._conn = None
        self._lock = threading.Lock()
        self.restarts = 0
        self._note_path = None

    def _note_file(self) -> str:
        if self._note_path is None:
            where = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
            fd, path = tempfile.mkstemp(prefix="guard-note-", dir=where)
            os.write(fd, b"\0" * NOTE_BYTES)
            os.close(fd)
            self._note_path = path
        return self._note_path

    def last_note(self) -> str:
        """The note the child wrote last ("" when none)."""
        if self._note_path is None:
            return ""
        try:
            with open(self._note_path, "rb") as fh:
                return fh.read(NOTE_BYTES).rstrip(b"\0").decode("utf-8", "replace")
        except OSError:
            return ""

    def _start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = _ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        # Its own process group: a terminal's Ctrl-C reaches the run, not its children (one caught
        # starting up would die in its imports with a traceback); they end with the run.
        proc = subprocess.Popen([sys.executable, "-m", "transforms.guarded_process"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True,
                                process_group=0)
        parent = _PipePair(proc.stdout.fileno(), proc.stdin.fileno())
        self._proc, self._conn = proc, parent
        try:
            parent.send((self.factory, self._note_file()))
            ready = parent.poll(START_TIMEOUT_S) and parent.recv() == ("ready",)
        except (EOFError, OSError):
            ready = False
        if not ready:
            self._kill()
            raise GuardCrashed("the guarded process did not start")

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(5)
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def call(self, *args):
        """The handler's result for ``args`` (see the class docstring for what it raises)."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            try:
                self._conn.send(args)
            except OSError as exc:
                self._kill()
                raise GuardCrashed(f"the guarded process is gone: {exc}") from exc
            if not self._conn.poll(self.timeout_s):
                self._kill()
                self.restarts += 1
                raise GuardTimeout(f"took longer than {self.timeout_s:g}s", note=self.last_note())
            try:
                reply = self._conn.recv()
            except (EOFError, OSError) as exc:
                self._kill()
                raise GuardCrashed(f"the guarded process died: {exc}") from exc
        if reply[0] == "ok":
            return reply[1]
        raise reply[1]

    def close(self) -> None:
        """Stop the child (politely, then by force)."""
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
            if self._note_path is not None:
                try:
                    os.unlink(self._note_path)
                except OSError:
                    pass
                self._note_path = None


class GuardedPool:
    """``size`` :class:`GuardedProcess` children with the same factory, for calls in flight
    at once: ``submit(*args)`` returns a :class:`concurrent.futures.Future` of the
    handler's result (or of the exception ``call`` raised), taken by whichever child
    is free. Each child keeps its own hard ``timeout_s`` per call. Thread-safe.

    One thread per child waits on its pipe (the interpreter lock is released while
    it waits), so the caller can go on (fetching the next page, say) while the
    children work. Children start on their first call.
    """

    def __init__(self, factory: Callable[[], Callable[..., Any]], size: int, timeout_s: float = 20.0):
        from concurrent.futures import ThreadPoolExecutor
        import queue

        if size < 1:
            raise ValueError(f"a pool needs at least one process, not {size}")
        self.size = size
        self.timeout_s = timeout_s
        self.guards = [GuardedProcess(factory, timeout_s) for _ in range(size)]
        self._idle: "queue.Queue[GuardedProcess]" = queue.Queue()
        for g in self.guards:
            self._idle.put(g)
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="guarded-pool")

    def _call(self, args):
        guard = self._idle.get()
        try:
            try:
                return guard.call(*args)
            except GuardCrashed:
                # A child can die for reasons outside the call (the OOM killer, an operator's
                # kill, a start-up failure): the call gets one more try, in a fresh child.
                return guard.call(*args)
        except GuardTimeout as exc:
            exc.note = exc.note or guard.last_note()
            raise
        except GuardCrashed as exc:
            exc.note = guard.last_note()
            exc.tries = 2
            raise
        finally:
            self._idle.put(guard)

    def submit(self, *args):
        """A Future of ``factory()(*args)`` run in a free child. A child that dies during the call
        is replaced and the call tried once more; a second death raises :class:`GuardCrashed`
        (``exc.tries == 2``); a late answer raises :class:`GuardTimeout` at once (no retry: the
        same page would overrun again)."""
        return self._executor.submit(self._call, args)

    def close(self) -> None:
        """Wait for the calls in flight, then stop every child."""
        self._executor.shutdown(wait=True)
        for g in self.guards:
            g.close()


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


PARENT_CHECK_S = 1.0      # how often a child checks that its parent is alive


def _die_with_parent(parent: int) -> None:
    """Exit as soon as ``parent`` is gone (the child is re-parented): a parent killed with
    SIGKILL, or stopped by Ctrl-C while this child was busy, must not leave it running a
    page for up to the time limit. Polling ``os.getppid()`` rather than Linux's
    ``PR_SET_PDEATHSIG``: that signal follows the *thread* that started the child, and the
    guard starts children from whichever Beam thread first needs one."""
    import time

    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def child_main() -> None:
    """The child's side: stdin/stdout are the pipes; keep print() from corrupting them.

    The child runs in its own process group, so a terminal's Ctrl-C does not reach it, and
    it ignores SIGINT sent to it anyway: the decision is its parent's, which closes the pipe
    or dies; either ends the child (EOF on the pipe, or :func:`_die_with_parent` within
    :data:`PARENT_CHECK_S` seconds)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_die_with_parent, args=(os.getppid(),), name="parent-watch", daemon=True).start()
    pipe_in, pipe_out = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    pipes = _PipePair(pipe_in, pipe_out)
    _serve(pipes, *pipes.recv())


if __name__ == "__main__":
    # Run from the imported module, not from ``__main__``: the handlers import
    # ``transforms.guarded_process`` to call note(), and must find the note file there.
    from transforms import guarded_process

    guarded_process.child_main()
