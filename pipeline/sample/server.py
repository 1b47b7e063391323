"""A local HTTP server for the bundled offline sample news site.

``python -m pipeline.run --sample``, the end-to-end tests and the benchmarks
start one of these on 127.0.0.1 (ephemeral port) so that the real HTTP path
(feed polling, conditional GET, page fetch, extraction) runs without the
internet::

    with SampleServer() as server:
        specs = server.feed_specs()      # absolute URLs from feeds.yaml
        ...
        assert server.article_requests() == 0

Rules:

* files are served from ``site_dir`` (default: ``pipeline/sample/site``
  directory); the literal ``{{BASE}}`` in HTML/XML bodies becomes the
  server's base URL, so feed links and canonical links point back here;
* anything unknown is a 404, a path with ``..`` is refused (400), YAML
  files (the manifest, the feed list) are not served;
* every response carries a strong ``ETag`` (hash of the body) and a
  ``Last-Modified``; a matching ``If-None-Match`` / ``If-Modified-Since``
  gets ``304 Not Modified``;
* ``/robots.txt`` allows everything unless the site ships its own;
* requests are counted per path (query string dropped) under a lock.

``python -m pipeline.sample [--port N]`` serves the site until Ctrl-C (a taken
port is an error, exit 2; ``--port 0`` takes any free port).
"""
from __future__ import annotations

import collections
import email.utils
import hashlib
import os
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

import yaml

from pipeline.tools.errors import CommandError, CommandParser, command
from transforms.core.records import FeedSpec

SITE_DIR = Path(__file__).parent / "site"
PLACEHOLDER = "{{BASE}}"
DEFAULT_ROBOTS = b"User-agent: *\nAllow: /\n"
# The port tried first when none is given: two runs in a row then see the same
# URLs, so the second finds its stories (and its feeds' ETags) already stored.
STABLE_PORT = int(os.environ.get("SAMPLE_SERVER_PORT", "28431"))

_TEXT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".json": "application/json",
    ".css": "text/css",
}
_FEED_SUFFIXES = (".xml", ".rss", ".atom")
_NOT_SERVED = (".yaml", ".yml", ".py", ".pyc")
_NOT_ARTICLES = ("/robots.txt", "/favicon.ico")


def _content_type(path: Path, body: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in _FEED_SUFFIXES:
        head = body[:600]
        if b"<feed" in head and b"http://www.w3.org/2005/Atom" in head:
            kind = "application/atom+xml"
        elif b"<rss" in head:
            kind = "application/rss+xml"
        else:
            kind = "application/xml"
        return kind + "; charset=utf-8"
    return _TEXT_TYPES.get(suffix, "application/octet-stream") + (
        "; charset=utf-8" if suffix in _TEXT_TYPES else "")


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2)."""
    if header.strip() == "*":
        return True
    bare = etag.strip('"')
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate.strip('"') == bare:
            return True
    return False


class _Resource:
    __slots__ = ("body", "content_type", "etag", "last_modified", "mtime")

    def __init__(self, body: bytes, content_type: str, mtime: float):
        self.body = body
        self.content_type = content_type
        self.etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
        self.mtime = int(mtime)
        self.last_modified = email.utils.formatdate(self.mtime, usegmt=True)


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a closed keep-alive connection, a fetch given up) is normal:
    no traceback on the run's stderr for it (socketserver prints one by default)."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class SampleServer:
    """Serve ``site_dir`` on 127.0.0.1 from a daemon thread.

    ``port=None`` (the default) tries :data:`STABLE_PORT` and falls back to an
    ephemeral port when it is taken; ``port=0`` always asks the OS for a free
    port; any other number is used as given (``OSError`` when taken).
    """

    def __init__(self, site_dir: Optional[Path | str] = None, port: Optional[int] = None):
        self.site_dir = Path(site_dir) if site_dir is not None else SITE_DIR
        self.site_dir = self.site_dir.resolve()
        if not self.site_dir.is_dir():
            raise FileNotFoundError(f"sample site directory not found: {self.site_dir}")
        self._lock = threading.Lock()
        self._requests: collections.Counter = collections.Counter()
        self._cache: dict[str, Optional[_Resource]] = {}
        self._started_at = time.time()
        self._httpd = self._bind(port)
        self._httpd.daemon_threads = True
        host, real_port = self._httpd.server_address[:2]
        self.port: int = real_port
        self.base_url: str = f"http://{host}:{real_port}"
        self._feed_paths = {spec["url"] for spec in self._feed_config()}
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="sample-server", daemon=True)
        self._thread.start()

    def _bind(self, port: Optional[int]) -> ThreadingHTTPServer:
        handler = _make_handler(self)
        if port is None:
            try:
                return _QuietServer(("127.0.0.1", STABLE_PORT), handler)
            except OSError:
                port = 0
        return _QuietServer(("127.0.0.1", port), handler)

    # -- lifecycle -----------------------------------------------------------
    def close(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> "SampleServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- feeds ---------------------------------------------------------------
    def _feed_config(self) -> list[dict]:
        path = self.site_dir / "feeds.yaml"
        if not path.exists():
            return []
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return list(data.get("feeds") or [])

    def url(self, path: str) -> str:
        """Absolute URL of a site path such as ``/alatlas/feed.xml``."""
        return self.base_url + "/" + path.lstrip("/")

    def feed_specs(self) -> list[FeedSpec]:
        """The feeds of ``feeds.yaml`` with absolute URLs on this server."""
        specs = []
        for item in self._feed_config():
            specs.append(FeedSpec(
                url=self.url(item["url"]),
                name=item.get("name", item["url"]),
                language=item.get("language", "ar"),
                source=item.get("source", ""),
                respect_robots=bool(item.get("respect_robots", True)),
            ))
        return specs

    # -- counters ------------------------------------------------------------
    @property
    def requests(self) -> collections.Counter:
        """A snapshot: request count per path (query string dropped)."""
        with self._lock:
            return collections.Counter(self._requests)

    def is_feed_path(self, path: str) -> bool:
        return path in self._feed_paths or path.lower().endswith(_FEED_SUFFIXES)

    def article_requests(self) -> int:
        """Requests for anything that is not a feed, robots.txt or favicon."""
        with self._lock:
            return sum(n for path, n in self._requests.items()
                       if not self.is_feed_path(path) and path not in _NOT_ARTICLES)

    def feed_requests(self) -> int:
        with self._lock:
            return sum(n for path, n in self._requests.items() if self.is_feed_path(path))

    def reset_counters(self) -> None:
        with self._lock:
            self._requests.clear()

    def _count(self, path: str) -> None:
        with self._lock:
            self._requests[path] += 1

    # -- files ---------------------------------------------------------------
    def resolve(self, path: str) -> Optional[_Resource]:
        """The resource for a URL path (already unquoted), or None."""
        with self._lock:
            if path in self._cache:
                return self._cache[path]
        resource = self._load(path)
        with self._lock:
            self._cache[path] = resource
        return resource

    def _load(self, path: str) -> Optional[_Resource]:
        relative = path.lstrip("/")
        target = (self.site_dir / relative).resolve()
        if not target.is_relative_to(self.site_dir):
            return None
        if target.suffix.lower() in _NOT_SERVED:
            return None
        if not target.is_file():
            if path == "/robots.txt":
                return _Resource(DEFAULT_ROBOTS, "text/plain; charset=utf-8", self._started_at)
            return None
        body = target.read_bytes()
        if target.suffix.lower() in _FEED_SUFFIXES + (".html", ".htm"):
            body = body.decode("utf-8").replace(PLACEHOLDER, self.base_url).encode("utf-8")
        return _Resource(body, _content_type(target, body), target.stat().st_mtime)


def _is_traversal(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return ".." in parts or "\x00" in path


def _make_handler(server: SampleServer):
    class Handler(BaseHTTPRequestHandler):
        server_version = "SampleNewsSite/1.0"
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 - silence logging
            pass

        def do_HEAD(self):
            self._serve(head=True)

        def do_GET(self):
            self._serve(head=False)

        def _serve(self, head: bool) -> None:
            raw_path = urlsplit(self.path).path or "/"
            path = unquote(raw_path)
            server._count(path)
            if _is_traversal(path) or _is_traversal(raw_path):
                return self._plain(HTTPStatus.BAD_REQUEST, "path traversal refused", head)
            resource = server.resolve(path)
            if resource is None:
                return self._plain(HTTPStatus.NOT_FOUND, "not found: " + path, head)
            if self._not_modified(resource):
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("ETag", resource.etag)
                self.send_header("Last-Modified", resource.last_modified)
                self.end_headers()
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", resource.content_type)
            self.send_header("Content-Length", str(len(resource.body)))
            self.send_header("ETag", resource.etag)
            self.send_header("Last-Modified", resource.last_modified)
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if not head:
                self.wfile.write(resource.body)

        def _not_modified(self, resource: _Resource) -> bool:
            inm = self.headers.get("If-None-Match")
            if inm is not None:            # takes precedence over the date
                return _etag_matches(inm, resource.etag)
            ims = self.headers.get("If-Modified-Since")
            if ims:
                try:
                    when = email.utils.parsedate_to_datetime(ims)
                except (TypeError, ValueError):
                    return False
                return when is not None and when.timestamp() >= resource.mtime
            return False

        def _plain(self, status: HTTPStatus, text: str, head: bool) -> None:
            body = (text + "\n").encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

    return Handler


def _entry_prog() -> str:
    """``python -m pipeline.sample`` (or the twin entry the user started: ``pipeline.sample_server``,
    ``pipeline.sample.server``), from ``sys.argv[0]``; argparse would show ``__main__.py``."""
    import sys

    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    module = {"sample_server.py": "pipeline.sample_server", "server.py": "pipeline.sample.server"}.get(
        name, "pipeline.sample")
    return f"python -m {module}"


@command("sample")
def main(argv: Optional[list[str]] = None) -> int:
    """``python -m pipeline.sample [--port N] [--site-dir DIR]``: serve the sample site until Ctrl-C.

    The port defaults to :data:`STABLE_PORT` (so reruns see the same story URLs); a port
    that is taken is one line and exit 2 (CommandError), never a quiet move to another
    port; ``--port 0`` asks for any free port.
    """
    parser = CommandParser(prog=_entry_prog(), description="Serve the offline sample news site on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=STABLE_PORT, metavar="PORT",
                        help=f"TCP port on 127.0.0.1, 0-65535 (default {STABLE_PORT}, or $SAMPLE_SERVER_PORT; "
                             "0 = any free port)")
    parser.add_argument("--site-dir", default=None, metavar="DIR",
                        help="directory of the site to serve (default: the bundled sample site)")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be a port number from 0 to 65535, got {args.port}")
    try:
        server = SampleServer(args.site_dir, port=args.port)
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot serve on 127.0.0.1:{args.port}: {exc.strerror or exc} (another server, "
                           f"or an earlier sample, uses it): stop it, or pass --port N, or --port 0 for any "
                           f"free port") from None
    with server:
        print(f"serving {server.site_dir} at {server.base_url}", flush=True)
        for spec in server.feed_specs():
            print(f"  {spec.source:<16} {spec.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
