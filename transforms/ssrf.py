"""SSRF guard: which URLs the pipeline may open, decided before any connection.

A feed is third-party input: its links (and its redirects) can point at the
cloud metadata server (169.254.169.254), at the project's private network or
at the worker itself. ``guard_url`` refuses, by default:

* every scheme but http and https (``blocked_scheme``);
* hosts that are, or resolve to, loopback, private, link-local, multicast,
  reserved, unspecified or otherwise non-global addresses
  (``blocked_private_address``), including IPv4-mapped / NAT64 IPv6 forms and
  the decimal, hex and octal spellings of IPv4 that ``inet_aton`` accepts.

``allow_private=True`` (the CLI's ``--allow-private-hosts``, for tests and the
offline sample) lets loopback and private networks through; link-local
(metadata), multicast, unspecified and reserved addresses stay refused even
then. ``allowlist`` names hosts exempt from the address check.

The guard runs on the first URL and again on every redirect hop; in addition
:func:`guarded_adapter` makes every new socket connect only to an address the
guard has just vetted (so a DNS answer that changes between check and connect
cannot slip through), and nothing honours proxy environment variables.
"""
from __future__ import annotations

import ipaddress
import re
import socket
from typing import Callable, Iterable, Optional
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as u3conn

Resolver = Callable[[str, int], list]
ALLOWED_SCHEMES = ("http", "https")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_AWS_V6_METADATA = ipaddress.ip_address("fd00:ec2::254")
_INET_ATON_FORM = re.compile(r"^[0-9a-fA-FxX.]+$")


class FetchError(Exception):
    """A URL could not be fetched; ``error_type`` is the machine-readable kind."""

    def __init__(self, error_type: str, message: str, *, http_status: Optional[int] = None,
                 attempts: Optional[int] = None, retryable: bool = False):
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.http_status = http_status
        self.attempts = attempts
        self.retryable = retryable


class BlockedURL(FetchError):
    """The SSRF guard refused a URL (scheme or address)."""


def default_resolve(host: str, port: int) -> list:
    """Every address ``host`` resolves to (getaddrinfo)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def ip_literal(host: str):
    """The address a host string denotes by itself, or None for a name.

    Accepts what browsers and ``inet_aton`` accept: ``[::1]``, ``127.1``,
    ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1``.
    """
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _INET_ATON_FORM.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def blocked_reason(ip, *, allow_private: bool) -> Optional[str]:
    """Why the guard refuses ``ip``, or None when it may be opened."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return blocked_reason(ip.ipv4_mapped, allow_private=allow_private)
        if ip in _NAT64:
            return blocked_reason(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), allow_private=allow_private)
        if ip.sixtofour is not None:
            return blocked_reason(ip.sixtofour, allow_private=allow_private)
        if ip == _AWS_V6_METADATA:
            return "cloud metadata address"
    if ip.is_link_local:
        return "link-local address (cloud metadata)"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_loopback:
        return None if allow_private else "loopback address"
    if ip.is_reserved or (ip.version == 4 and ip in ipaddress.ip_network("0.0.0.0/8")):
        return "reserved address"
    if allow_private:
        return None
    if ip.is_private:
        return "private address"
    if not ip.is_global:
        return "non-global address"
    return None


def vet_host(host: str, port: int, *, allow_private: bool, resolve: Resolver = default_resolve,
             allowlist: Iterable[str] = ()) -> list:
    """Addresses of ``host`` that may be opened; raises BlockedURL when any may not."""
    host = (host or "").lower().rstrip(".")
    literal = ip_literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolve(host, port)]
        except (OSError, UnicodeError) as exc:
            raise FetchError("dns_error", f"cannot resolve {host}: {exc}", retryable=True) from None
        if not addresses:
            raise FetchError("dns_error", f"{host} resolves to no address", retryable=True)
    if host in _allowed_hosts(allowlist):
        return [str(a) for a in addresses]
    for addr in addresses:
        reason = blocked_reason(addr, allow_private=allow_private)
        if reason:
            raise BlockedURL("blocked_private_address",
                             f"{host} -> {addr} is a {reason}; refused by the SSRF guard "
                             "(--allow-private-hosts lets loopback/private through)")
    return [str(a) for a in addresses]


def _allowed_hosts(allowlist: Iterable[str]) -> set:
    """Allow-list entries may be host names or URLs (``http://127.0.0.1:8000``)."""
    hosts = set()
    for entry in allowlist or ():
        entry = str(entry).strip().lower()
        hosts.add((urlsplit(entry).hostname or "") if "://" in entry else entry.strip("[]").rstrip("."))
    hosts.discard("")
    return hosts


def guard_url(url: str, *, allow_private: bool, resolve: Resolver = default_resolve,
              allowlist: Iterable[str] = ()) -> list:
    """Raise BlockedURL unless ``url`` may be fetched; returns the vetted addresses."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError as exc:
        raise BlockedURL("bad_url", f"unparsable URL {url!r:.200}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise BlockedURL("blocked_scheme", f"scheme {scheme or '(none)'!r} is not allowed (http and https only)")
    if not parts.hostname:
        raise BlockedURL("bad_url", f"URL {url!r:.200} has no host")
    return vet_host(parts.hostname, port or (443 if scheme == "https" else 80),
                    allow_private=allow_private, resolve=resolve, allowlist=allowlist)


class _PinnedMixin:
    """Connect only to addresses vetted at connect time, and report the socket."""

    _vet: Callable[[str, int], list]
    _on_socket: Callable[[socket.socket], None]

    def _new_conn(self):  # overrides urllib3's HTTPConnection._new_conn
        addresses = type(self)._vet(self.host, self.port)
        error: Optional[OSError] = None
        for address in addresses:
            try:
                sock = u3conn.create_connection((address, self.port), self.timeout,
                                                source_address=self.source_address,
                                                socket_options=self.socket_options)
            except socket.timeout as exc:
                raise ConnectTimeoutError(self, f"Connection to {self.host} timed out") from exc
            except OSError as exc:
                error = exc
                continue
            type(self)._on_socket(sock)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")


class _ReusedSocketMixin:
    """A connection pool that reports the socket of a kept-alive connection it hands out
    again, so the client's deadline (and close()) can shut down a reused connection too:
    :class:`_PinnedMixin` only sees the sockets it opens."""

    _on_socket: Callable[[socket.socket], None]

    def _get_conn(self, timeout=None):  # overrides urllib3's HTTPConnectionPool._get_conn
        conn = super()._get_conn(timeout)
        sock = getattr(conn, "sock", None)
        if sock is not None:
            type(self)._on_socket(sock)
        return conn


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections go through ``vet`` (see module doc)."""

    def __init__(self, vet: Callable[[str, int], list], on_socket: Callable[[socket.socket], None], **kwargs):
        self._vet = vet
        self._on_socket = on_socket
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        hooks = {"_vet": staticmethod(self._vet), "_on_socket": staticmethod(self._on_socket)}
        http_conn = type("GuardedHTTPConnection", (_PinnedMixin, HTTPConnection), hooks)
        https_conn = type("GuardedHTTPSConnection", (_PinnedMixin, HTTPSConnection), hooks)
        pool_hooks = {"_on_socket": staticmethod(self._on_socket)}
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (_ReusedSocketMixin, HTTPConnectionPool),
                         {"ConnectionCls": http_conn, **pool_hooks}),
            "https": type("GuardedHTTPSPool", (_ReusedSocketMixin, HTTPSConnectionPool),
                          {"ConnectionCls": https_conn, **pool_hooks}),
        }

    def __getstate__(self):  # built in DoFn.setup(), never pickled
        raise TypeError("GuardedAdapter is not picklable; build the HttpClient in DoFn.setup()")
