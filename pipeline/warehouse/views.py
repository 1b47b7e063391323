"""Analyst views, kept as SQL in ``configs/sql/<dialect>/<view>.sql``.

Both dialects define the same views with the same columns. BigQuery files use
``{project}`` and ``{dataset}`` placeholders; DuckDB files use
``{casablanca_offsets}``, filled here from Python's tz database because the
ICU data bundled with DuckDB 2.0 gets ``Africa/Casablanca`` wrong after
2026-09 (it answers UTC+0 where Morocco is on UTC+1).

``pipeline warehouse init`` (DuckDB) calls :func:`create_views_duckdb`; the
BigQuery set-up runs the statements of ``view_statements("bigquery", ...)``.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo

from configs import CONFIG_DIR

SQL_DIR = CONFIG_DIR / "sql"
DIALECTS = ("duckdb", "bigquery")

# Dependency order: stories_current first, every other view reads it.
_VIEWS = (
    "stories_current",
    "security_daily",
    "security_weekly",
    "security_by_place_week",
    "security_by_region_week",
    "source_coverage_daily",
    "stories_latest",
    "story_clusters",               # near-duplicate clusters (reads stories_current, places)
    "security_incidents_weekly",    # reads story_clusters
)

MOROCCO_TZ = "Africa/Casablanca"
_DEFAULT_OFFSET = dt.timedelta(hours=1)


def view_names() -> list[str]:
    """The analyst views, in the order they must be created."""
    return list(_VIEWS)


def view_sql_path(dialect: str, view: str):
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}; expected one of {DIALECTS}")
    return SQL_DIR / dialect / f"{view}.sql"


def view_statements(dialect: str, **params: str) -> list[tuple[str, str]]:
    """``[(view, CREATE OR REPLACE VIEW ...), ...]`` in dependency order.

    ``params`` fill the ``{name}`` placeholders of the files (``project`` and
    ``dataset`` for BigQuery). DuckDB's ``casablanca_offsets`` is filled
    automatically unless given.
    """
    if dialect == "duckdb":
        params.setdefault("casablanca_offsets", casablanca_offsets_sql())
    out = []
    for view in _VIEWS:
        text = view_sql_path(dialect, view).read_text(encoding="utf-8")
        out.append((view, _fill(text, params, view)))
    return out


def _fill(text: str, params: dict[str, str], view: str) -> str:
    """Replace ``{name}`` placeholders (SQL braces are otherwise unused)."""
    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name not in params:
            raise KeyError(f"{view}.sql needs the parameter {name!r}")
        return str(params[name])
    return re.sub(r"\{([a-z_]+)\}", sub, text)


def create_views_duckdb(con) -> list[str]:
    """Create (or replace) every view on a DuckDB connection; returns the names.

    The ``stories``, ``errors`` and ``places`` tables must exist.
    """
    for _, statement in view_statements("duckdb"):
        con.execute(statement)
    return view_names()


def view_columns(dialect: str, view: str) -> list[str]:
    """Output column names of a view, parsed from its outermost SELECT list.

    Used by the tests to check that both dialects agree. ``s.*`` style
    selections are returned as ``*``.
    """
    text = view_sql_path(dialect, view).read_text(encoding="utf-8")
    return _select_aliases(_strip_comments(text))


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def _select_aliases(sql: str) -> list[str]:
    """Aliases of the last top-level SELECT ... FROM (after the CTEs)."""
    depth = 0
    # Find top-level SELECT positions (depth 0).
    positions = []
    for m in re.finditer(r"\(|\)|\bSELECT\b|\bFROM\b", sql, flags=re.I):
        tok = m.group(0).upper()
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
        elif depth == 0:
            positions.append((tok, m.start(), m.end()))
    selects = [p for p in positions if p[0] == "SELECT"]
    if not selects:
        return []
    start = selects[-1][2]
    end = next(p[1] for p in positions if p[0] == "FROM" and p[1] > start)
    body = sql[start:end]
    # Split on top-level commas.
    parts, depth, cur = [], 0, []
    for ch in body:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    names = []
    for part in parts:
        part = " ".join(part.split())
        m = re.search(r"\bAS\s+`?(\w+)`?$", part, flags=re.I)
        if m:
            names.append(m.group(1).lower())
        elif part.endswith("*") or "* EXCLUDE" in part.upper():
            names.append("*")
        else:
            names.append(part.split(".")[-1].strip("`\"").lower())
    return names


@functools.lru_cache(maxsize=1)
def casablanca_offsets(start_year: int = 1970, end_year: int = 2090) -> tuple:
    """UTC periods ``(start, end, offset_hours)`` where Morocco is not on UTC+1.

    Computed from Python's tz database (zoneinfo). Outside the periods, and
    outside ``start_year..end_year``, the views assume UTC+1.
    """
    tz = zoneinfo.ZoneInfo(MOROCCO_TZ)

    def offset(t: dt.datetime) -> dt.timedelta:
        return t.astimezone(tz).utcoffset()

    t = dt.datetime(start_year, 1, 1, tzinfo=dt.timezone.utc)
    stop = dt.datetime(end_year, 1, 1, tzinfo=dt.timezone.utc)
    day = dt.timedelta(days=1)
    changes = [(t, offset(t))]
    while t < stop:
        nxt = min(t + day, stop)
        if offset(nxt) != offset(t):
            lo, hi = t, nxt           # offset changes in (lo, hi]: bisect to the minute
            while hi - lo > dt.timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if offset(mid) == offset(lo):
                    lo = mid
                else:
                    hi = mid
            hi = hi.replace(second=0, microsecond=0)
            changes.append((hi, offset(hi)))
        t = nxt
    periods = []
    for (begin, off), nxt in zip(changes, changes[1:] + [(stop, None)]):
        if off != _DEFAULT_OFFSET:
            periods.append((begin, nxt[0], off.total_seconds() / 3600))
    return tuple(periods)


def casablanca_offsets_sql() -> str:
    """The periods of :func:`casablanca_offsets` as a SQL VALUES list body."""
    rows = []
    for begin, end, hours in casablanca_offsets():
        rows.append(
            f"(TIMESTAMPTZ '{begin:%Y-%m-%d %H:%M:%S}+00', "
            f"TIMESTAMPTZ '{end:%Y-%m-%d %H:%M:%S}+00', {int(hours)})"
        )
    return ",\n        ".join(rows)


def morocco_date(ts: dt.datetime) -> dt.date:
    """The Moroccan calendar day of an aware timestamp (what the views compute)."""
    return ts.astimezone(zoneinfo.ZoneInfo(MOROCCO_TZ)).date()
