"""A small synthetic warehouse of known design, for the view and report tests.

All text is written here by us. The design (days are Moroccan days, Nov 2026):

* ``alpha_ar`` (Arabic): 3 stories a day on 02..15 except a GAP on 09 (0
  stories, 2 fetch errors). One story a day is security: ``drugs`` 02..08,
  ``crime`` 10..14, no category on 15. Places: Khemisset every day, Rabat too
  on 02..04; on 05 Khemisset is listed twice (must count once).
* ``beta_ar`` (Arabic): 2 stories a day on 02..15; a ``terrorism`` security
  story in Casablanca on even days (7). The one of 04 is published at
  2026-11-03 23:30 UTC = 00:30 on 04 in Morocco (UTC+1).
* ``gamma_fr`` (French, is_security NULL): 1 story a day on 05..12, then
  silent (trailing zero days 13..15). The story of 07 has no published_at.
* One error without a source (not counted per source).
* ``places`` knows Khemisset and Casablanca (and their two regions, as the
  gazetteer's region rows) but not Rabat.

The views and the report end their calendars TODAY (the Moroccan day when
they run), so zero rows follow the 15th up to today; tests that need fixed
numbers pass ``--until 2026-11-15`` or compare against ``morocco_today()``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from transforms.core import schema

UTC = dt.timezone.utc
DAYS = [dt.date(2026, 11, d) for d in range(2, 16)]
GAP_DAY = dt.date(2026, 11, 9)

KHEMISSET = "الخميسات"
CASABLANCA = "الدار البيضاء"
RABAT = "الرباط"
REGION_RSK = "الرباط سلا القنيطرة"
REGION_CS = "الدار البيضاء سطات"

PLACES = [
    {"place": KHEMISSET, "name_latin": "Khemisset", "kind": "city", "region": REGION_RSK,
     "lat": 33.82, "lon": -6.07},
    {"place": CASABLANCA, "name_latin": "Casablanca", "kind": "city", "region": REGION_CS,
     "lat": 33.57, "lon": -7.59},
    {"place": REGION_RSK, "name_latin": "Rabat-Sale-Kenitra", "kind": "region", "region": REGION_RSK,
     "lat": 34.0, "lon": -6.4},
    {"place": REGION_CS, "name_latin": "Casablanca-Settat", "kind": "region", "region": REGION_CS,
     "lat": 33.0, "lon": -7.6},
]

_TITLES = {
    "drugs": "حجز كمية من المخدرات قرب {place}",
    "crime": "توقيف مشتبه فيه بالسرقة في {place}",
    "terrorism": "تفكيك خلية إرهابية في {place}",
    None: "حادث أمني غامض في {place}",
}
_TERMS = {"drugs": ["المخدرات", "حجز"], "crime": ["السرقة", "توقيف"],
          "terrorism": ["خلية إرهابية"], None: ["أمني"]}


def story_row(source: str, n: int, *, published_at: dt.datetime | None,
              fetched_at: dt.datetime | None = None, language: str = "ar",
              is_security: bool | None = False, category: str | None = None,
              places: list[str] | None = None, title: str | None = None,
              run_id: str = "run-1") -> dict[str, Any]:
    """One ``stories`` row that passes :func:`schema.validate_row`."""
    url = f"https://{source}.example.ma/news/{n}"
    fetched_at = fetched_at or (published_at or dt.datetime(2026, 11, 16, tzinfo=UTC)) + dt.timedelta(hours=1)
    places = places or []
    if title is None:
        title = (_TITLES[category].format(place=places[0] if places else "المغرب")
                 if is_security else f"خبر رقم {n} من {source}" if language == "ar"
                 else f"Article {n} de {source}")
    row = {name: None for name in schema.column_names("stories")}
    row.update({
        "article_id": hashlib.sha1(url.encode()).hexdigest(),
        "url": url, "canonical_url": url, "source": source,
        "feed_url": f"https://{source}.example.ma/rss",
        "title": title, "published_at": published_at, "fetched_at": fetched_at,
        "language": language, "text": title, "text_chars": len(title),
        "boilerplate_rules": [],
        "is_security": is_security if language == "ar" else None,
        "categories": [category] if (is_security and category) else [],
        "primary_category": category if is_security else None,
        "matched_terms": _TERMS[category] if is_security else [],
        "places": places, "primary_place": places[0] if places else None,
        "run_id": run_id,
    })
    schema.validate_row("stories", row)
    return row


def demo_rows() -> tuple[list[dict], list[dict]]:
    """(stories rows, errors rows) of the design in the module docstring."""
    stories: list[dict] = []
    n = 0
    for i, day in enumerate(DAYS):
        noon = dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)
        if day != GAP_DAY:
            category = "drugs" if day.day <= 8 else "crime" if day.day <= 14 else None
            places = [KHEMISSET] + ([RABAT] if day.day <= 4 else [])
            if day.day == 5:
                places = [KHEMISSET, KHEMISSET]
            for k in range(3):
                n += 1
                stories.append(story_row("alpha_ar", n, published_at=noon + dt.timedelta(minutes=k),
                                         is_security=(k == 0), category=category,
                                         places=places if k == 0 else []))
        for k in range(2):
            n += 1
            security = k == 0 and day.day % 2 == 0
            published = noon + dt.timedelta(minutes=10 + k)
            if security and day.day == 4:
                published = dt.datetime(2026, 11, 3, 23, 30, tzinfo=UTC)
            stories.append(story_row("beta_ar", n, published_at=published, is_security=security,
                                     category="terrorism" if security else None,
                                     places=[CASABLANCA] if security else []))
        if 5 <= day.day <= 12:
            n += 1
            published = None if day.day == 7 else noon + dt.timedelta(minutes=20)
            stories.append(story_row("gamma_fr", n, published_at=published, language="fr",
                                     is_security=None, fetched_at=noon + dt.timedelta(minutes=30)))
    errors = [
        _error("alpha_ar", dt.datetime(2026, 11, 9, 10, 0, tzinfo=UTC)),
        _error("alpha_ar", dt.datetime(2026, 11, 9, 11, 0, tzinfo=UTC)),
        _error(None, dt.datetime(2026, 11, 9, 12, 0, tzinfo=UTC)),
    ]
    return stories, errors


def _error(source: str | None, at: dt.datetime) -> dict[str, Any]:
    row = {"stage": "fetch", "url": f"https://{source or 'unknown'}.example.ma/x",
           "error_type": "HTTPError", "message": "HTTP 503", "run_id": "run-1", "at": at,
           "http_status": 503, "attempts": 3, "feed_url": None, "source": source}
    schema.validate_row("errors", row)
    return row


def create_tables(con, *, primary_keys: bool = True) -> None:
    """Create the warehouse tables (optionally without primary keys, to hold duplicates)."""
    for table in ("stories", "errors", "places"):
        ddl = schema.duckdb_ddl(table)
        if not primary_keys:
            ddl = ddl.replace(",\n  PRIMARY KEY", "\n  -- PRIMARY KEY")
            ddl = "\n".join(line for line in ddl.splitlines() if "-- PRIMARY KEY" not in line)
        con.execute(ddl)


def insert_rows(con, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    cols = schema.column_names(table)
    con.executemany(
        f"INSERT INTO {table} ({', '.join(chr(34) + c + chr(34) for c in cols)}) VALUES ({', '.join('?' for _ in cols)})",
        [[row.get(c) for c in cols] for row in rows],
    )


def build_demo_warehouse(con, *, with_views: bool = True) -> None:
    """Fill an open DuckDB connection with the design above (and the views)."""
    from pipeline.warehouse.views import create_views_duckdb

    create_tables(con)
    stories, errors = demo_rows()
    insert_rows(con, "stories", stories)
    insert_rows(con, "errors", errors)
    insert_rows(con, "places", PLACES)
    if with_views:
        create_views_duckdb(con)
