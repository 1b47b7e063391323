"""Rows of the ``places`` dimension table, read from ``configs/gazetteer.yaml``.

The views join ``stories.places`` to this table to give a place's region and
coordinates. The gazetteer is read tolerantly: entries may sit under
``regions``/``provinces``/``cities`` (or ``places``) as lists or as mappings
keyed by the Arabic name, with the Arabic name under ``ar``/``arabic``/
``name``/``place``, the Latin one under ``latin``/``name_latin``/``en``/``fr``,
and ``region``, ``lat``, ``lon`` (or ``lng``). A missing gazetteer gives no
rows; the views then show NULL region and coordinates.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable

import yaml

from configs import CONFIG_DIR

log = logging.getLogger(__name__)

DEFAULT_GAZETTEER = CONFIG_DIR / "gazetteer.yaml"

_SECTIONS = {
    "regions": "region",
    "provinces": "province",
    "prefectures": "province",
    "cities": "city",
    "towns": "city",
    "places": None,
}
_AR_KEYS = ("place", "ar", "arabic", "name_ar", "canonical", "name")
_LATIN_KEYS = ("name_latin", "latin", "en", "fr", "name_en", "name_fr")


def place_rows(gazetteer_path: str | Path | None = None) -> list[dict[str, Any]]:
    """``places`` rows: place, name_latin, kind, region, lat, lon (one per place)."""
    path = Path(gazetteer_path) if gazetteer_path else DEFAULT_GAZETTEER
    if not path.exists():
        log.warning("no gazetteer at %s: the places table stays empty", path)
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows: dict[str, dict[str, Any]] = {}
    if isinstance(data, list):
        sections: Iterable = [("places", data)]
    else:
        sections = [(k, v) for k, v in data.items() if k in _SECTIONS]
    region_ids: dict[str, str] = {}       # "RSK" -> "الرباط سلا القنيطرة"
    for section, entries in sections:
        for entry in _entries(entries):
            row = _row(entry, _SECTIONS[section])
            if not row:
                continue
            if row["kind"] == "region" and entry.get("id"):
                region_ids[str(entry["id"])] = row["place"]
            old = rows.get(row["place"])
            # A province that shares its name with its chief town: the city
            # (listed later) wins, as stories mostly mean the town.
            if old is None or (row["kind"] == "city" and old["kind"] != "region"):
                rows[row["place"]] = row
    for row in rows.values():
        row["region"] = region_ids.get(row["region"], row["region"])
        if row["kind"] == "region" and not row["region"]:
            row["region"] = row["place"]   # a region's own region is itself
    return list(rows.values())


def _entries(entries: Any) -> Iterable[dict]:
    if isinstance(entries, dict):
        for key, value in entries.items():
            if isinstance(value, dict):
                yield {"place": key, **value}
    elif isinstance(entries, list):
        for value in entries:
            if isinstance(value, dict):
                yield value


def _first(entry: dict, keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = entry.get(key)
        if value not in (None, ""):
            return value
    return None


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _row(entry: dict, kind: str | None) -> dict[str, Any] | None:
    place = _first(entry, _AR_KEYS)
    if not isinstance(place, str) or not place.strip():
        return None
    region = entry.get("region")
    if isinstance(region, dict):
        region = _first(region, _AR_KEYS)
    return {
        "place": place.strip(),
        "name_latin": _first(entry, _LATIN_KEYS),
        "kind": entry.get("kind") or kind,
        "region": region if isinstance(region, str) else None,
        "lat": _float(entry.get("lat", entry.get("latitude"))),
        "lon": _float(entry.get("lon", entry.get("lng", entry.get("longitude")))),
    }


def load_places_duckdb(con, gazetteer_path: str | Path | None = None) -> int:
    """Replace the ``places`` table's rows with the gazetteer's; returns the count."""
    rows = place_rows(gazetteer_path)
    con.execute("DELETE FROM places")
    if rows:
        con.executemany(
            "INSERT INTO places (place, name_latin, kind, region, lat, lon) VALUES (?, ?, ?, ?, ?, ?)",
            [(r["place"], r["name_latin"], r["kind"], r["region"], r["lat"], r["lon"]) for r in rows],
        )
    return len(rows)
