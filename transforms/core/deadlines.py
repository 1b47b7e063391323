"""One watchdog thread per process for many short deadlines.

The HTTP client gives every attempt a total deadline: when it passes, a
callback shuts the attempt's socket down. A ``threading.Timer`` per attempt
starts (and joins) one thread per request; under a busy interpreter lock that
start alone cost ~2.4 ms per page in the Beam process (py-spy, issue 17), more
than the rest of the fetch. Here one daemon thread keeps a heap of deadlines;
arming and cancelling one is a heap push and a flag. The standard library's
``sched`` runs its events in the caller's thread, and ``threading.Timer`` is
the per-event thread we are avoiding, hence this small class.
"""
from __future__ import annotations

import heapq
import itertools
import threading
import time
from typing import Callable


class Deadline:
    """A handle on one armed deadline: :meth:`cancel` it once the work is done."""

    __slots__ = ("when", "callback", "cancelled")

    def __init__(self, when: float, callback: Callable[[], None]):
        self.when, self.callback, self.cancelled = when, callback, False

    def cancel(self) -> None:
        """The callback will not run (if it has not run already)."""
        self.cancelled = True


class Watchdog:
    """Runs callbacks at their deadlines (``time.monotonic`` seconds) on one daemon thread.

    Thread-safe. A callback runs at most once, on the watchdog thread, never
    after it was cancelled; an exception in it is swallowed (a deadline
    callback must not kill the watchdog).
    """

    def __init__(self):
        self._heap: list = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, callback: Callable[[], None]) -> Deadline:
        """Run ``callback`` in ``seconds`` unless the returned handle is cancelled first."""
        handle = Deadline(time.monotonic() + seconds, callback)
        with self._cond:
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (handle.when, next(self._seq), handle))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="deadline-watchdog", daemon=True)
                self._thread.start()
            elif earliest is None or handle.when < earliest:
                self._cond.notify()
        return handle

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait(60.0)
                    continue
                delay = self._heap[0][0] - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                _, _, due = heapq.heappop(self._heap)
            if not due.cancelled:
                try:
                    due.callback()
                except Exception:  # noqa: BLE001 - see the class docstring
                    pass


_SHARED = Watchdog()


def arm(seconds: float, callback: Callable[[], None]) -> Deadline:
    """:meth:`Watchdog.arm` on the process's shared watchdog."""
    return _SHARED.arm(seconds, callback)


class Stopper:
    """The attempts under way of one client, and the switch that stops them all.

    :meth:`enter` registers an attempt's ``kill`` callback (False, registering
    nothing, once stopping); :meth:`stop` flips the switch and calls every
    registered ``kill`` (checked and registered under one lock, so no attempt
    can start unseen between the two); :meth:`wait` sleeps up to ``seconds`` and
    returns True at once when stopping, for backoffs and politeness delays.
    """

    def __init__(self):
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._kills: set = set()

    def enter(self, kill: Callable[[], None]) -> bool:
        with self._lock:
            if self.stopping.is_set():
                return False
            self._kills.add(kill)
            return True

    def leave(self, kill: Callable[[], None]) -> None:
        with self._lock:
            self._kills.discard(kill)

    def stop(self) -> None:
        with self._lock:
            self.stopping.set()
            kills = list(self._kills)
        for kill in kills:
            kill()

    def wait(self, seconds: float) -> bool:
        return self.stopping.wait(max(0.0, seconds))


def kill_socket(sock) -> None:
    """Shut ``sock`` down both ways (a blocked read or write in another thread returns at once);
    a socket already closed is ignored."""
    import socket

    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
