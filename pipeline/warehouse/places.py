"""Rows of the ``places`` dimension table, from the one gazetteer reader.

The views join ``stories.places`` to this table to give a place's region and
coordinates. The rows come from :func:`transforms.places.read_gazetteer`, the
same reader the classifier's place matching uses, so the dimension and the
names in ``stories.places`` cannot disagree. A missing gazetteer gives no
rows; the views then show NULL region and coordinates.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from transforms.core import schema
from transforms.places import DEFAULT_PATH as DEFAULT_GAZETTEER
from transforms.places import read_gazetteer

log = logging.getLogger(__name__)


def place_rows(gazetteer_path: str | Path | None = None) -> list[dict[str, Any]]:
    """``places`` rows (place, name_latin, kind, region, lat, lon), one per Arabic name.

    A province that shares its name with its chief town gives one row: the
    city's (stories mostly mean the town); a region keeps its own row.
    Returns ``[]`` (with a warning) when the gazetteer file does not exist.
    """
    path = Path(gazetteer_path) if gazetteer_path else DEFAULT_GAZETTEER
    if not path.exists():
        log.warning("no gazetteer at %s: the places table stays empty", path)
        return []
    rows: dict[str, dict[str, Any]] = {}
    for place, _names in read_gazetteer(path):
        row = {"place": place.name, "name_latin": place.latin or None, "kind": place.kind,
               "region": place.region or None, "lat": place.lat, "lon": place.lon}
        old = rows.get(place.name)
        if old is None or (place.kind == "city" and old["kind"] != "region"):
            rows[place.name] = row
    return list(rows.values())


def load_places_duckdb(con, gazetteer_path: str | Path | None = None) -> int:
    """Replace the ``places`` table's rows with the gazetteer's (inside the caller's
    transaction, if any); returns the number of rows."""
    rows = place_rows(gazetteer_path)
    cols = schema.column_names("places")
    con.execute("DELETE FROM places")
    if rows:
        con.executemany(f"INSERT INTO places ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                        [[r[c] for c in cols] for r in rows])
    return len(rows)
