"""Small helpers shared by the tests that start local servers or read a warehouse."""
import socket

import duckdb


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
