"""A hostile news site on 127.0.0.1, for the fetching tests.

Every case the fetching issue lists has a path here: broken feeds, bombs,
slow drips, redirect tricks, odd charsets, flaky statuses. The server counts
requests per path (``hits``) so tests can assert what was, and was not,
asked for. All text is written for these tests.
"""
from __future__ import annotations

import collections
import datetime as dt
import gzip
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import feed_shapes

# Arabic text written for the tests (not taken from any site).
ARABIC_STORY = (
    "أوقفت عناصر الشرطة في مدينة فاس شخصا يشتبه في تورطه في سرقة دراجات نارية من أحد الأحياء. "
    "وقالت مصادر محلية إن الموقوف وضع رهن الحراسة النظرية بتعليمات من النيابة العامة. "
    "ويأتي هذا التوقيف بعد شكايات متعددة تقدم بها سكان الحي خلال الأسابيع الماضية."
)
ARABIC_TITLE = "توقيف مشتبه به في سرقة دراجات نارية بفاس"
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


def article_html(n: int, *, charset_meta: str = "", extra_head: str = "") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return (f"<!DOCTYPE html><html lang=\"ar\"><head>{meta}<title>{ARABIC_TITLE} {n}</title>{extra_head}</head>"
            f"<body><article><h1>{ARABIC_TITLE} {n}</h1><p>{ARABIC_STORY}</p><p>{ARABIC_STORY}</p>"
            "</article></body></html>")


def rss(items: list[dict], title: str = "Hostile test feed") -> str:
    parts = []
    for it in items:
        fields = []
        for key in ("title", "link", "guid", "pubDate", "description"):
            if it.get(key) is not None:
                fields.append(f"<{key}>{it[key]}</{key}>")
        parts.append("<item>" + "".join(fields) + "</item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://example.invalid/</link><description>t</description>"
            + "".join(parts) + "</channel></rss>")


def _date(days: float = 0.0) -> str:
    return format_datetime(NOW + dt.timedelta(days=days))


_BOMB_CACHE: dict[int, bytes] = {}


def gzip_bomb(size: int = 64 * 1024 * 1024) -> bytes:
    if size not in _BOMB_CACHE:
        _BOMB_CACHE[size] = gzip.compress(b"<" + b" " * (size - 1), compresslevel=9)
    return _BOMB_CACHE[size]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args):  # keep test output quiet
        pass

    # helpers ---------------------------------------------------------------
    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
              headers: dict | None = None, length: bool = True):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def _feed(self, xml: str, *, etag: str | None = None, ctype: str = "application/rss+xml; charset=utf-8"):
        body = xml.encode("utf-8")
        headers = {}
        if etag:
            headers = {"ETag": etag, "Last-Modified": "Wed, 01 May 2024 10:00:00 GMT"}
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, b"", ctype="", headers=headers)
        return self._send(200, body, ctype=ctype, headers=headers)

    def _shape(self, path: str, base: str):
        """The feed shapes of issue 14 (tests/feed_shapes.py)."""
        if path == "/shapes/old/feed.xml":
            return self._send(301, b"", headers={"Location": "/shapes/new/feed.xml"})
        feed = feed_shapes.feed_body(path, base, self.server.peer)
        if feed is not None:
            return self._send(200, feed[0], ctype=feed[1])
        page = feed_shapes.page_body(path, base, self.server.peer)
        if page is not None:
            return self._send(page[0], page[1], ctype=page[2])
        return self._send(404, b"not here")

    def _count(self, key: str) -> int:
        with self.server.lock:
            self.server.counters[key] += 1
            return self.server.counters[key]

    # routing ---------------------------------------------------------------
    def do_GET(self):  # noqa: C901 - one flat table of cases
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        with self.server.lock:
            self.server.hits[path] += 1
            self.server.requests.append((path, dict(self.headers)))
        base = self.server.base
        handler = ROUTES.get(path)
        if handler is not None:
            return handler(self, base, query)
        if path.startswith("/articles/"):
            n = path.rsplit("/", 1)[-1]
            return self._send(200, article_html(int(n) if n.isdigit() else 0).encode("utf-8"))
        if path.startswith("/flaky/"):                       # 500 first, then success
            if self._count(path) == 1:
                return self._send(500, b"oops")
            return self._send(200, article_html(50).encode("utf-8"))
        if path.startswith("/limited/"):                     # 429 with Retry-After first
            if self._count(path) == 1:
                return self._send(429, b"slow down", headers={"Retry-After": "1"})
            return self._send(200, article_html(51).encode("utf-8"))
        if path.startswith("/shapes/"):
            return self._shape(path, base)
        if path.startswith("/chain/"):
            n = int(path.rsplit("/", 1)[-1])
            if n == 0:
                return self._send(200, article_html(52).encode("utf-8"))
            return self._send(302, b"", headers={"Location": f"/chain/{n - 1}"})
        return self._send(404, b"not here")


def _robots(h, base, q):
    if h.server.robots is None:
        return h._send(404, b"none")
    return h._send(200, h.server.robots.encode("utf-8"), ctype="text/plain")


def _good_feed(h, base, q):
    items = [
        {"title": "one", "link": f"{base}/articles/1", "guid": "g1", "pubDate": _date(-1)},
        {"title": "two", "link": f"{base}/articles/2?utm_source=rss&amp;utm_medium=feed", "guid": "g2",
         "pubDate": _date(-2)},
        {"title": "three", "link": f"{base}/articles/3#comments", "guid": "g3", "pubDate": _date(-3)},
    ]
    return h._feed(rss(items), etag='"good-v1"')


def _section_feed(h, base, q):
    items = [
        {"title": "two again", "link": f"{base}/articles/2?fbclid=xyz", "guid": "s2", "pubDate": _date(-2)},
        {"title": "four", "link": f"{base}/articles/4", "guid": "s4", "pubDate": _date(-4)},
    ]
    return h._feed(rss(items))


def _no_etag_feed(h, base, q):  # unchanged content, no validators: the content hash must catch it
    return h._feed(rss([{"title": "five", "link": f"{base}/articles/5", "pubDate": _date(-1)}]),
                   ctype="text/xml")


def _nolink_feed(h, base, q):
    return h._feed(rss([{"title": "no link here", "guid": "nl1", "pubDate": _date(-1)},
                        {"title": "six", "link": f"{base}/articles/6", "pubDate": _date(-1)}]))


def _badlink_feed(h, base, q):  # one link that cannot be parsed, one entry without a link, one good entry
    return h._feed(rss([{"title": "bad port", "link": "http://127.0.0.1:99999/articles/13", "pubDate": _date(-1)},
                        {"title": "no link either", "guid": "bl2", "pubDate": _date(-1)},
                        {"title": "twelve", "link": f"{base}/articles/12", "pubDate": _date(-1)}]))


def _dates_feed(h, base, q):
    return h._feed(rss([{"title": "undated", "link": f"{base}/articles/7"},
                        {"title": "from the future", "link": f"{base}/articles/8", "pubDate": _date(3650)},
                        {"title": "dated", "link": f"{base}/articles/9", "pubDate": _date(-1)}]))


def _traps_feed(h, base, q):
    return h._feed(rss([
        {"title": "metadata", "link": "http://169.254.169.254/latest/meta-data/"},
        {"title": "local file", "link": "file:///etc/passwd"},
        {"title": "redirect home", "link": f"{base}/redirect?to=http://127.0.0.1:{h.server.server_port}/articles/99"},
        {"title": "ten", "link": f"{base}/articles/10"},
    ]))


def _huge_feed(h, base, q):
    item = rss([{"title": "x" * 200, "link": f"{base}/articles/11", "description": "y" * 800}])
    one = item[item.index("<item>"):item.index("</item>") + 7]
    body = rss([]).replace("</channel>", one * (10_000_000 // len(one)) + "</channel>").encode("utf-8")
    return h._send(200, body, ctype="application/rss+xml", length=False)


def _bomb(h, base, q):
    return h._send(200, gzip_bomb(), ctype="text/html", headers={"Content-Encoding": "gzip"})


def _gzip_ok(h, base, q):
    return h._send(200, gzip.compress(article_html(12).encode("utf-8")), ctype="text/html; charset=utf-8",
                   headers={"Content-Encoding": "gzip"})


def _drip(h, base, q):
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True
    for _ in range(300):                      # at most ~60 s, ends early when the client hangs up
        if h.server.stopping:
            return
        try:
            h.wfile.write(b"<")
            h.wfile.flush()
        except OSError:
            return
        time.sleep(0.2)


def _drip_headers(h, base, q):
    h.wfile.write(b"HTTP/1.1 200 OK\r\n")
    for i in range(300):
        if h.server.stopping:
            return
        try:
            h.wfile.write(b"X-Slow-%d: 1\r\n" % i)
            h.wfile.flush()
        except OSError:
            return
        time.sleep(0.2)
    h.close_connection = True


def _numbered_feed(h, base, q):  # ?n=12: items /articles/1 .. /articles/12
    n = int(q.get("n", ["10"])[0])
    return h._feed(rss([{"title": f"n{i}", "link": f"{base}/articles/{i}", "pubDate": _date(-1)}
                        for i in range(1, n + 1)]))


ROUTES = {
    "/robots.txt": _robots,
    "/feeds/numbered.xml": _numbered_feed,
    "/feeds/good.xml": _good_feed,
    "/feeds/section.xml": _section_feed,
    "/feeds/plain.xml": _no_etag_feed,
    "/feeds/nolink.xml": _nolink_feed,
    "/feeds/badlink.xml": _badlink_feed,
    "/feeds/dates.xml": _dates_feed,
    "/feeds/traps.xml": _traps_feed,
    "/feeds/malformed.xml": lambda h, b, q: h._send(200, b'<?xml version="1.0"?><rss><channel><title>broken'
                                                    b'</tit<item><link>&&&</rss', ctype="application/rss+xml"),
    "/feeds/html.xml": lambda h, b, q: h._send(200, article_html(0).encode("utf-8")),
    "/feeds/always304.xml": lambda h, b, q: h._send(304, b"", ctype=""),     # 304 even to a plain GET
    "/feeds/empty.xml": lambda h, b, q: h._feed(rss([])),
    "/feeds/huge.xml": _huge_feed,
    "/bomb": _bomb,
    "/gzip-ok": _gzip_ok,
    "/pages/cp1256": lambda h, b, q: h._send(200, article_html(20).encode("cp1256"), ctype="text/html"),
    "/pages/meta-cp1256": lambda h, b, q: h._send(
        200, article_html(21, charset_meta="windows-1256").encode("cp1256"), ctype="text/html"),
    "/pages/iso-8859-6": lambda h, b, q: h._send(
        200, article_html(22).encode("iso8859-6"), ctype="text/html; charset=ISO-8859-6"),
    "/pages/bad-utf8": lambda h, b, q: h._send(
        200, article_html(23).encode("utf-8").replace(b"<p>", b"<p>\xff\xfe\xc3(", 1)),
    "/pages/canonical": lambda h, b, q: h._send(200, article_html(
        24, extra_head=f'<link rel="canonical" href="{b}/articles/24?utm_source=x">').encode("utf-8")),
    "/status/404": lambda h, b, q: h._send(404, b"gone"),
    "/status/410": lambda h, b, q: h._send(410, b"gone for good"),
    "/status/403": lambda h, b, q: h._send(403, b"no"),
    "/always500": lambda h, b, q: h._send(503, b"down"),
    "/drip": _drip,
    "/drip-headers": _drip_headers,
    "/loop/a": lambda h, b, q: h._send(302, b"", headers={"Location": "/loop/b"}),
    "/loop/b": lambda h, b, q: h._send(302, b"", headers={"Location": "/loop/a"}),
    "/redirect": lambda h, b, q: h._send(302, b"", headers={"Location": q.get("to", ["/"])[0]}),
    "/doc.pdf": lambda h, b, q: h._send(200, b"%PDF-1.4 not really", ctype="application/pdf"),
    "/img.png": lambda h, b, q: h._send(200, b"\x89PNG\r\n\x1a\n....", ctype="image/png"),
    "/sneaky-pdf": lambda h, b, q: h._send(200, b"%PDF-1.4 no type given", ctype=""),
    "/private/secret": lambda h, b, q: h._send(200, article_html(30).encode("utf-8")),
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host_name: str = "127.0.0.1", bind: str = "127.0.0.1"):
        super().__init__((bind, 0), _Handler)
        self.peer = ""                   # base URL of another HostileServer (cross-site shapes)
        self.lock = threading.Lock()
        self.hits: collections.Counter = collections.Counter()
        self.counters: collections.Counter = collections.Counter()
        self.requests: list = []
        self.robots: str | None = "User-agent: *\nDisallow: /private/\n"
        self.stopping = False
        self.base = f"http://{host_name if bind == '127.0.0.1' else bind}:{self.server_port}"

    def handle_error(self, request, client_address):  # clients hanging up early is the point
        pass


class HostileServer:
    """``with HostileServer() as srv: srv.url("/feeds/good.xml")``.

    ``host_name`` is the host written into links (bind stays 127.0.0.1): tests
    that run the SSRF guard on use a name their stub resolver maps to 127.0.0.1.
    ``bind`` (another loopback address, e.g. 127.0.0.2) makes a second site;
    ``peer`` (a base URL) is the other site the cross-site shapes point at.
    """

    def __init__(self, host_name: str = "127.0.0.1", bind: str = "127.0.0.1"):
        gzip_bomb()                      # built before serving: it takes a moment
        self._server = _Server(host_name, bind)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "HostileServer":
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.stopping = True
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        return self._server.base

    @property
    def port(self) -> int:
        return self._server.server_port

    def url(self, path: str) -> str:
        return self._server.base + path

    @property
    def hits(self) -> collections.Counter:
        return self._server.hits

    @property
    def requests(self) -> list:
        return self._server.requests

    @property
    def peer(self) -> str:
        return self._server.peer

    @peer.setter
    def peer(self, base: str) -> None:
        self._server.peer = base

    def set_robots(self, text: str | None) -> None:
        self._server.robots = text

    def reset(self) -> None:
        with self._server.lock:
            self._server.hits.clear()
            self._server.counters.clear()
            self._server.requests.clear()

    def article_hits(self) -> int:
        return sum(n for p, n in self.hits.items() if p.startswith("/articles/"))
