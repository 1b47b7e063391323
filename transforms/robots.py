"""Politeness: one gate per host (shared by every feed of that host) and a
robots.txt cache.

``HostGate`` enforces, process-wide, a minimum delay between two requests to
one host and a cap on concurrent requests to it; a ``Retry-After`` or a
robots ``Crawl-delay`` pushes the host's next slot back for every caller.
Parsing robots.txt is the standard library's ``urllib.robotparser``; what it
does not do (fetching through our guarded client, caching, RFC 9309's rules
for unavailable files) is here.
"""
from __future__ import annotations

import threading
import time
import urllib.robotparser
from typing import Callable, Optional

ROBOTS_TTL_S = 3600.0
MAX_CRAWL_DELAY_S = 60.0
CANCEL_CHECK_S = 0.2        # how often a wait for a host slot looks at its cancel flag


class HostGate:
    """Min delay + concurrency for one host. Use through :meth:`for_host`."""

    _registry: dict[str, "HostGate"] = {}
    _registry_lock = threading.Lock()

    def __init__(self, concurrency: int, min_delay: float):
        self._slots = threading.BoundedSemaphore(max(1, int(concurrency)))
        self._lock = threading.Lock()
        self.min_delay = float(min_delay)
        self._next_at = 0.0          # monotonic time of the next free slot

    @classmethod
    def for_host(cls, host: str, concurrency: int, min_delay: float) -> "HostGate":
        with cls._registry_lock:
            gate = cls._registry.get(host)
            if gate is None:
                gate = cls._registry[host] = cls(concurrency, min_delay)
            else:
                gate.min_delay = max(gate.min_delay, float(min_delay))
            return gate

    @classmethod
    def reset_all(cls) -> None:
        """Forget every host (tests)."""
        with cls._registry_lock:
            cls._registry.clear()

    def acquire(self, deadline: Optional[float] = None, cancel: Optional[threading.Event] = None) -> bool:
        """Wait for a concurrency slot and this host's next time slot.

        Returns False (holding nothing) when ``deadline`` (monotonic) would
        pass first, or as soon as ``cancel`` is set (checked every 0.2 s while
        waiting for a slot, at once while waiting for the time slot).
        """
        while True:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            step = CANCEL_CHECK_S if cancel is not None else timeout
            if timeout is not None and step is not None:
                step = min(step, timeout)
            if self._slots.acquire(timeout=step):
                break
            if (cancel is not None and cancel.is_set()) or (timeout is not None and step >= timeout):
                return False
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_at)
            if (deadline is not None and start > deadline) or (cancel is not None and cancel.is_set()):
                self._slots.release()
                return False
            self._next_at = start + self.min_delay
        if start > now:
            if cancel is not None and cancel.wait(start - now):
                self._slots.release()
                return False
            if cancel is None:
                time.sleep(start - now)
        return True

    def release(self) -> None:
        self._slots.release()

    def push_back(self, seconds: float) -> None:
        """No request to this host for ``seconds`` (Retry-After)."""
        with self._lock:
            self._next_at = max(self._next_at, time.monotonic() + max(0.0, seconds))


class RobotsUnavailable(Exception):
    """robots.txt could not be read, so the host is not crawled for now (RFC 9309, 2.3.1.4).

    ``error_type`` says what happened: the fetcher's own (``connection_error``,
    ``dns_error``, ``timeout``, ``tls_error``, ...) or ``robots_unavailable``
    for a 5xx answer; ``http_status`` is that answer's status, if any.
    """

    def __init__(self, error_type: str, message: str, http_status: Optional[int] = None):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.http_status = http_status


class RobotsCache:
    """robots.txt per scheme+host, fetched once per ``ttl`` seconds.

    ``fetch(url) -> (status, text)`` is supplied by the HTTP client so that
    robots.txt goes through the same guard, limits and politeness. Following
    RFC 9309: 4xx means no rules (everything allowed); 5xx or no answer means
    everything is disallowed for now (cached for at most 5 minutes). Such a
    failure is not a robots rule: :meth:`allowed` raises
    :class:`RobotsUnavailable` saying what happened (refused connection, DNS
    failure, timeout, TLS failure, HTTP 5xx), so the caller records that
    rather than a disallow.
    """

    def __init__(self, fetch: Callable[[str], tuple[int, str]], user_agent: str, ttl: float = ROBOTS_TTL_S):
        self._fetch = fetch
        self._agent = user_agent
        self._ttl = ttl
        self._cache: dict[str, tuple] = {}     # root -> (expires, parser, allow_all, failure)
        self._lock = threading.Lock()

    def _parser_for(self, root: str) -> tuple[Optional[urllib.robotparser.RobotFileParser], bool, Optional[tuple]]:
        """``(parser, allow_all, failure)`` for ``root``; ``failure`` is ``(error_type, message, status)``."""
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(root)
        if hit and hit[0] > now:
            return hit[1], hit[2], hit[3]
        parser: Optional[urllib.robotparser.RobotFileParser] = None
        allow_all, failure, ttl = False, None, self._ttl
        try:
            status, text = self._fetch(root + "/robots.txt")
        except Exception as exc:  # unreachable: disallow for a while, and remember why
            status, text = None, ""
            kind = getattr(exc, "error_type", None) or type(exc).__name__
            failure = (kind, f"cannot fetch {root}/robots.txt: {getattr(exc, 'message', None) or exc}"[:400],
                       getattr(exc, "http_status", None))
        if status is not None and 200 <= status < 300:
            parser = urllib.robotparser.RobotFileParser()
            parser.parse(text.splitlines())
        elif status is not None and 400 <= status < 500:
            allow_all = True
        elif failure is None:
            failure = ("robots_unavailable", f"{root}/robots.txt answered HTTP {status}", status)
        if failure is not None:
            ttl = min(ttl, 300.0)
        with self._lock:
            self._cache[root] = (now + ttl, parser, allow_all, failure)
        return parser, allow_all, failure

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets our agent fetch ``url``. Raises :class:`RobotsUnavailable`
        when robots.txt could not be read (nothing on that host is fetched meanwhile)."""
        parser, allow_all, failure = self._parser_for(_root(url))
        if failure is not None:
            raise RobotsUnavailable(*failure)
        if allow_all:
            return True
        if parser is None:
            return False
        return parser.can_fetch(self._agent, url)

    def crawl_delay(self, url: str) -> Optional[float]:
        """The host's Crawl-delay for our agent (capped at MAX_CRAWL_DELAY_S), or None."""
        parser, _, _ = self._parser_for(_root(url))
        if parser is None:
            return None
        delay = parser.crawl_delay(self._agent)
        return min(float(delay), MAX_CRAWL_DELAY_S) if delay else None


def _root(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
