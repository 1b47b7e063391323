"""The one HTTP client of the pipeline: polite, bounded, guarded.

Built on ``requests`` (sessions, connection pooling) and ``urllib3`` (bounded
gzip/deflate decoding). Written here because no library does it for us:

* the SSRF guard on every hop (:mod:`transforms.ssrf`), so redirects are
  followed by hand (``allow_redirects=False``) with a loop check;
* retries with exponential backoff and full jitter on timeouts, connection
  errors, 429 and 5xx, honouring ``Retry-After`` up to a cap; other 4xx fail
  at once;
* a total deadline per attempt (a watchdog shuts the socket down), so a
  slow-drip server cannot hold a worker; size caps on the wire and after
  decompression; a content-type allow-list;
* per-host politeness and robots.txt (:mod:`transforms.robots`) and charset
  handling (:mod:`transforms.encoding`).
"""
from __future__ import annotations

import dataclasses
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Mapping, Optional
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import DecodeError, HTTPError as Urllib3Error, ReadTimeoutError

from transforms.core import deadlines
from transforms.core.deadlines import kill_socket
from transforms.encoding import decode_body
from transforms.robots import HostGate, RobotsCache, RobotsUnavailable
from transforms.ssrf import (BlockedURL, FetchError, GuardedAdapter, Resolver, default_resolve,
                             guard_url, vet_host)

__all__ = ["HttpSettings", "HttpClient", "HttpResponse", "FetchError", "BlockedURL", "guard_url"]

PROJECT_AGENT = "morocco-news-security/0.1"
DEFAULT_CONTACT = "https://github.com/morocco-news-security/pipeline"
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024
_ALLOWED_TYPES = {
    "page": {"text/html", "application/xhtml+xml", "text/xml", "application/xml"},
    "feed": {"text/html", "application/xhtml+xml", "text/xml", "application/xml", "application/rss+xml",
             "application/atom+xml", "application/rdf+xml", "application/x-rss+xml", "text/plain",
             "application/rss", "application/feed+xml"},
}
_ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
    "robots": "text/plain, */*;q=0.1",
}
_MAGIC = ((b"%PDF", "application/pdf"), (b"\x89PNG", "image/png"), (b"GIF8", "image/gif"),
          (b"\xff\xd8\xff", "image/jpeg"), (b"PK\x03\x04", "application/zip"))


@dataclass(frozen=True)
class HttpSettings:
    user_agent: str = ""                 # default: PROJECT_AGENT (+contact_url)
    contact_url: str = DEFAULT_CONTACT
    connect_timeout: float = 5.0
    read_timeout: float = 15.0           # between two bytes
    total_deadline: float = 30.0         # one whole attempt, slow drips included
    max_bytes: int = 5_000_000           # on the wire
    max_decompressed_bytes: int = 20_000_000
    max_redirects: int = 5
    retries: int = 3                     # extra attempts after the first
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    retry_after_max: float = 120.0       # a longer Retry-After gives up instead of waiting
    per_host_min_delay: float = 1.0
    per_host_concurrency: int = 2
    allow_private_hosts: bool = False
    respect_robots: bool = True
    private_allowlist: tuple = ()        # hosts exempt from the private-address check

    def __post_init__(self):
        agent = self.user_agent or PROJECT_AGENT
        if self.contact_url and self.contact_url not in agent:
            agent = f"{agent} (+{self.contact_url})"
        object.__setattr__(self, "user_agent", agent)
        object.__setattr__(self, "private_allowlist", tuple(self.private_allowlist))
        for name in ("connect_timeout", "read_timeout", "total_deadline", "max_bytes",
                     "max_decompressed_bytes", "per_host_concurrency"):
            if getattr(self, name) <= 0:
                raise ValueError(f"http.{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("max_redirects", "retries", "backoff_base", "backoff_max", "per_host_min_delay",
                     "retry_after_max"):
            if getattr(self, name) < 0:
                raise ValueError(f"http.{name} must be >= 0, got {getattr(self, name)!r}")

    @classmethod
    def from_config(cls, mapping: Optional[Mapping[str, Any]]) -> "HttpSettings":
        """Settings from a config mapping; unknown keys or bad types raise ValueError."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, raw in (mapping or {}).items():
            if key not in fields:
                raise ValueError(f"unknown HTTP setting {key!r}: use one of {', '.join(sorted(fields))}")
            default = fields[key].default
            try:
                if isinstance(default, bool):
                    if not isinstance(raw, bool):
                        raise TypeError
                    values[key] = raw
                elif isinstance(default, int):
                    if isinstance(raw, bool) or float(raw) != int(float(raw)):
                        raise TypeError
                    values[key] = int(raw)
                elif isinstance(default, float):
                    if isinstance(raw, bool):
                        raise TypeError
                    values[key] = float(raw)
                elif isinstance(default, tuple):
                    values[key] = tuple([raw] if isinstance(raw, str) else raw)
                else:
                    values[key] = str(raw)
            except (TypeError, ValueError):
                kind = type(default).__name__ if default is not None else "value"
                raise ValueError(f"HTTP setting {key!r} must be a {kind}, got {raw!r}") from None
        return cls(**values)


@dataclass(frozen=True)
class HttpResponse:
    url: str
    final_url: str
    status: int
    headers: dict = field(default_factory=dict)     # lower-cased names
    body: bytes = b""
    text: str = ""
    encoding: str = ""
    content_type: str = ""
    attempts: int = 1


def _retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _mime(content_type: str) -> str:
    return (content_type or "").split(";")[0].strip().lower()


class HttpClient:
    """See the module docstring. One per DoFn instance (built in ``setup``)."""

    def __init__(self, settings: HttpSettings, *, resolve: Resolver = default_resolve):
        self.settings = settings
        self._resolve = resolve
        self._local = threading.local()
        self._stopper = deadlines.Stopper()    # close() cuts every attempt under way
        self._session = requests.Session()
        self._session.trust_env = False       # no proxies or .netrc from the environment
        self._session.headers.update({"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"})
        adapter = GuardedAdapter(self._vet, self._track_socket, pool_connections=16, pool_maxsize=16,
                                 max_retries=0)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._robots = RobotsCache(self._fetch_robots, settings.user_agent)

    # -- plumbing -----------------------------------------------------------
    def _vet(self, host: str, port: int) -> list:
        return vet_host(host, port, allow_private=self.settings.allow_private_hosts, resolve=self._resolve,
                        allowlist=self.settings.private_allowlist)

    def _track_socket(self, sock: socket.socket) -> None:
        sockets = getattr(self._local, "sockets", None)
        if sockets is not None:
            sockets.append(sock)
            if self._local.fired.is_set():     # cut (deadline or close()) before it had a socket
                kill_socket(sock)

    def _guard(self, url: str) -> None:
        guard_url(url, allow_private=self.settings.allow_private_hosts, resolve=self._resolve,
                  allowlist=self.settings.private_allowlist)

    def _fetch_robots(self, url: str) -> tuple[int, str]:
        try:
            resp = self._follow(url, headers=None, kind="robots", check_robots=False)
        except FetchError as exc:
            if exc.http_status:
                return exc.http_status, ""
            raise
        return resp.status, resp.text

    def close(self) -> None:
        """Stop: attempts under way on other threads are cut (sockets shut down: each ends at once
        as a FetchError), no attempt or retry starts (FetchError ``cancelled``), the pool closes."""
        self._stopper.stop()
        self._session.close()

    @staticmethod
    def _cancelled() -> "FetchError":
        return FetchError("cancelled", "the run is stopping: the HTTP client was closed", retryable=True)

    def _cut(self, fired: threading.Event, s: HttpSettings) -> Optional["FetchError"]:
        """The error of an attempt whose socket was shut down: by close() or by its deadline."""
        if self._stopper.stopping.is_set():
            return self._cancelled()
        return FetchError("deadline", f"over the {s.total_deadline}s deadline") if fired.is_set() else None

    # -- public -------------------------------------------------------------
    def get(self, url: str, *, headers: Optional[Mapping[str, str]] = None, kind: str = "page",
            respect_robots: Optional[bool] = None) -> HttpResponse:
        """GET ``url``; a 304 comes back as a response, every failure as FetchError."""
        if kind not in ("page", "feed", "robots"):
            raise ValueError(f"kind must be page, feed or robots, not {kind!r}")
        check = self.settings.respect_robots if respect_robots is None else respect_robots
        return self._follow(url, headers=headers, kind=kind, check_robots=check and kind != "robots")

    def _follow(self, url: str, *, headers, kind: str, check_robots: bool) -> HttpResponse:
        current, seen, attempts = url, {url}, 0
        for hop in range(self.settings.max_redirects + 1):
            try:
                self._guard(current)
                if check_robots and not self._robots_allow(current):
                    raise FetchError("robots_disallowed", f"robots.txt of {urlsplit(current).netloc} disallows {current}")
                resp = self._with_retries(current, headers, kind, check_robots)
            except FetchError as exc:
                exc.attempts = attempts + (exc.attempts or 0)
                raise
            attempts += resp.attempts
            if resp.status not in _REDIRECTS:
                return dataclasses.replace(resp, url=url, attempts=attempts)
            location = resp.headers.get("location")
            if not location:
                raise FetchError("bad_redirect", f"{resp.status} without Location", http_status=resp.status,
                                 attempts=attempts)
            nxt = urljoin(current, location.strip())
            if nxt in seen:
                raise FetchError("redirect_loop", f"redirect loop at {nxt}", http_status=resp.status, attempts=attempts)
            seen.add(nxt)
            current = nxt
        raise FetchError("too_many_redirects", f"more than {self.settings.max_redirects} redirects from {url}",
                         http_status=resp.status, attempts=attempts)

    def _backoff(self, attempt: int) -> float:
        cap = min(self.settings.backoff_max, self.settings.backoff_base * (2 ** (attempt - 1)))
        return random.uniform(0, cap)        # "full jitter"

    def _with_retries(self, url: str, headers, kind: str, check_robots: bool = False) -> HttpResponse:
        s = self.settings
        gate = HostGate.for_host(urlsplit(url).netloc.lower(), s.per_host_concurrency, s.per_host_min_delay)
        if check_robots:
            delay = self._robots_delay(url)
            if delay:
                gate.min_delay = max(gate.min_delay, delay)
        for attempt in range(1, s.retries + 2):
            last = attempt == s.retries + 1
            try:
                resp = self._attempt(url, headers, kind, gate)
            except FetchError as exc:
                exc.attempts = attempt
                if not exc.retryable or last or self._stopper.stopping.is_set():
                    raise
                if self._stopper.wait(self._backoff(attempt)):
                    raise self._cancelled() from None
                continue
            status = resp.status
            if status == 429 or status >= 500:
                kind_ = "http_429" if status == 429 else "http_5xx"
                wait = _retry_after(resp.headers.get("retry-after"))
                if wait is not None:
                    gate.push_back(min(wait, s.retry_after_max))
                if last or (wait is not None and wait > s.retry_after_max):
                    raise FetchError(kind_, f"HTTP {status} from {url}", http_status=status, attempts=attempt)
                if self._stopper.wait(self._backoff(attempt) if wait is None else 0.0):   # gate: Retry-After
                    raise self._cancelled()
                continue
            if 400 <= status < 500:
                raise FetchError(f"http_{status}", f"HTTP {status} from {url}", http_status=status, attempts=attempt)
            return dataclasses.replace(resp, attempts=attempt)
        raise AssertionError("unreachable")

    def _robots_allow(self, url: str) -> bool:
        """robots.txt's answer for ``url``; an unreadable robots.txt is a FetchError of its own kind
        (connection_error, dns_error, timeout, tls_error, robots_unavailable), never a disallow."""
        try:
            return self._robots.allowed(url)
        except RobotsUnavailable as exc:
            raise FetchError(exc.error_type, exc.message, http_status=exc.http_status) from None

    def _robots_delay(self, url: str) -> Optional[float]:
        try:
            return self._robots.crawl_delay(url)
        except Exception:
            return None

    def _attempt(self, url: str, headers, kind: str, gate: HostGate) -> HttpResponse:
        s = self.settings
        if not gate.acquire(cancel=self._stopper.stopping):
            if self._stopper.stopping.is_set():
                raise self._cancelled()
            raise FetchError("deadline", "no politeness slot", retryable=True)
        sockets: list = []
        fired = threading.Event()
        self._local.sockets, self._local.fired = sockets, fired

        def kill():
            fired.set()
            for sock in list(sockets):
                kill_socket(sock)

        if not self._stopper.enter(kill):
            gate.release()
            raise self._cancelled()
        watchdog = deadlines.arm(s.total_deadline, kill)     # one shared thread, not a Timer per request
        started = time.monotonic()
        r = None
        try:
            hdrs = {"Accept": _ACCEPT[kind], **(headers or {})}
            r = self._session.get(url, headers=hdrs, stream=True, allow_redirects=False,
                                  timeout=(s.connect_timeout, s.read_timeout))
            conn_sock = getattr(getattr(r.raw, "connection", None), "sock", None)
            if conn_sock is not None:
                sockets.append(conn_sock)
            if fired.is_set():
                kill()
            return self._read(url, r, kind, started, fired)
        except FetchError:
            raise
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            raise FetchError("bad_url", str(exc)[:300]) from None
        except requests.exceptions.SSLError as exc:
            raise FetchError("tls_error", str(exc).splitlines()[0][:300]) from None
        except (requests.exceptions.Timeout, ReadTimeoutError, socket.timeout) as exc:
            raise self._cut(fired, s) or FetchError("timeout", str(exc).splitlines()[0][:300],
                                                    retryable=True) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError, Urllib3Error,
                OSError) as exc:
            if fired.is_set():
                raise self._cut(fired, s) from None
            raise FetchError("connection_error", str(exc).splitlines()[0][:300], retryable=True) from None
        except requests.exceptions.RequestException as exc:
            raise FetchError("connection_error", str(exc).splitlines()[0][:300], retryable=True) from None
        finally:
            watchdog.cancel()
            self._stopper.leave(kill)
            self._local.sockets = None
            if r is not None:
                r.close()
            gate.release()

    def _read(self, url: str, r: requests.Response, kind: str, started: float, fired: threading.Event) -> HttpResponse:
        s = self.settings
        headers = {k.lower(): v for k, v in r.headers.items()}
        ctype = headers.get("content-type", "")
        base = HttpResponse(url=url, final_url=url, status=r.status_code, headers=headers, content_type=ctype)
        if r.status_code != 200:
            return base
        mime = _mime(ctype)
        if kind in _ALLOWED_TYPES and mime and mime not in _ALLOWED_TYPES[kind]:
            raise FetchError("unsupported_content_type", f"{mime} is not HTML or XML", http_status=200)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > s.max_bytes:
            raise FetchError("too_large", f"Content-Length {declared} over max_bytes={s.max_bytes}", http_status=200)
        encoded = bool(headers.get("content-encoding", "").strip().lower() not in ("", "identity"))
        cap = s.max_decompressed_bytes if encoded else s.max_bytes
        chunks, total = [], 0
        try:
            while True:
                chunk = r.raw.read1(_CHUNK, decode_content=True)
                if fired.is_set() or time.monotonic() - started > s.total_deadline:
                    raise self._cut(fired, s) or FetchError("deadline", f"over the {s.total_deadline}s deadline",
                                                            http_status=200)
                if not chunk:
                    break
                total += len(chunk)
                if r.raw.tell() > s.max_bytes:
                    raise FetchError("too_large", f"over max_bytes={s.max_bytes}", http_status=200)
                if total > cap:
                    if encoded:
                        raise FetchError("decompression_bomb",
                                         f"decompresses to over {s.max_decompressed_bytes} bytes", http_status=200)
                    raise FetchError("too_large", f"over max_bytes={s.max_bytes}", http_status=200)
                chunks.append(chunk)
        except DecodeError as exc:
            raise FetchError("bad_content_encoding", str(exc)[:300], http_status=200) from None
        body = b"".join(chunks)
        if not mime or mime == "text/plain":
            for magic, sniffed in _MAGIC:
                if body.startswith(magic):
                    raise FetchError("unsupported_content_type", f"body is {sniffed}", http_status=200)
        text, encoding = decode_body(body, ctype)
        return dataclasses.replace(base, body=body, text=text, encoding=encoding)
