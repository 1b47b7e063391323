"""``--warehouse`` URIs: which warehouse a command reads or writes.

    duckdb:///abs/path.duckdb     an absolute path
    duckdb:///./rel.duckdb        relative to the working directory
    duckdb://./rel.duckdb, duckdb:rel.duckdb
    bigquery:PROJECT.DATASET

Every command has the same default, :data:`DEFAULT_WAREHOUSE`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_WAREHOUSE = "duckdb:///./warehouse.duckdb"


class WarehouseError(ValueError):
    """The warehouse cannot be used: bad URI, unwritable or corrupt file, missing dataset.

    The message is one line that says what to fix; commands print it and exit 2.
    """


@dataclass(frozen=True)
class Warehouse:
    """A parsed ``--warehouse`` URI.

    ``kind`` is ``"duckdb"`` (``path``: an absolute file path) or
    ``"bigquery"`` (``project`` and ``dataset``).
    """

    kind: str
    path: str = ""
    project: str = ""
    dataset: str = ""

    def describe(self) -> str:
        """A short human description, e.g. ``duckdb file /tmp/x.duckdb``."""
        return f"duckdb file {self.path}" if self.kind == "duckdb" else f"BigQuery {self.project}.{self.dataset}"


def parse_warehouse(uri: str) -> Warehouse:
    """Parse a ``--warehouse`` URI (forms in the module docstring).

    Raises :class:`WarehouseError` for anything else.
    """
    uri = (uri or "").strip()
    if uri.startswith("duckdb:"):
        rest = uri[len("duckdb:"):]
        if rest.startswith("///"):
            path = rest[2:]            # keep the leading slash: absolute path
            if path.startswith("/./") or path.startswith("/../"):
                path = path[1:]        # duckdb:///./x.duckdb means relative
        elif rest.startswith("//"):
            path = rest[2:]
        else:
            path = rest
        if not path or path.endswith("/"):
            raise WarehouseError(f"--warehouse {uri!r}: give a file path, e.g. duckdb:///tmp/news.duckdb")
        if path.startswith("//"):
            path = "/" + path.lstrip("/")     # duckdb:////tmp/x: one absolute path, not POSIX's "//"
        return Warehouse("duckdb", path=os.path.abspath(path))
    if uri.startswith("bigquery:"):
        ref = uri[len("bigquery:"):].strip("/")
        parts = ref.split(".")
        if len(parts) != 2 or not all(parts):
            raise WarehouseError(f"--warehouse {uri!r}: use bigquery:PROJECT.DATASET")
        return Warehouse("bigquery", project=parts[0], dataset=parts[1])
    raise WarehouseError(f"--warehouse {uri!r}: must start with duckdb: or bigquery:")
