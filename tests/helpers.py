"""Small helpers shared by the tests: repository paths, free ports, loopback servers, warehouse queries."""
import contextlib
import http.server
import socket
import threading
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]            # the checkout
SHARED = REPO.parent / "shared"                        # seeds and data, beside the checkout
SEEDS = SHARED / "seeds"
HTML_FIXTURES = REPO / "tests" / "transforms" / "fixtures" / "html"
SAMPLE_SITE = REPO / "pipeline" / "sample" / "site"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query(path, sql, params=()):
    """Rows of ``sql`` on the DuckDB file at ``path``, opened read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@contextlib.contextmanager
def serve(handler: type):
    """Serve ``handler`` (a ``BaseHTTPRequestHandler`` class) on 127.0.0.1, one thread per
    request, for the ``with`` block; yields the base URL ``http://127.0.0.1:PORT``."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        srv.server_close()
