"""One feed entry's fields as real sites publish them: its link, its date, its text.

Used by :func:`transforms.read_feeds.parse_feed` on each entry feedparser
returns (parsed *without* a base URL, so that ids and links come back as the
feed wrote them and are resolved here, once, against the feed's final URL).

**Link** (:func:`entry_link`), first usable of:

1. an ``alternate`` link (RSS ``<link>``, Atom ``<link rel="alternate">`` or
   a ``<link>`` without ``rel``), an HTML one first;
2. the guid, only when it is an http(s) URL that the feed marks as a
   permalink (RSS ``isPermaLink`` not ``false``; feedparser's ``guidislink``).

Whatever the id scheme (``urn:uuid:``, ``tag:``, a number), the id alone is
never a link, and a link is never dropped because of the id (feedparser sets
``guidislink`` on Atom entries with ``urn:``/``tag:`` ids; the link stays).
Relative links and ``xml:base`` resolve against the feed's final URL (after
redirects); ``user:password@`` is removed; a link that cannot be parsed (bad
port, broken IPv6 literal) is a ``bad_link`` problem of that entry only.

**Date** (:func:`entry_date`): ``published``, then ``updated``, then
``created``. Each is read by :func:`transforms.dates.parse_date` (ISO 8601,
RFC 822, numeric ``/ - .`` dates, Moroccan, Mashriq, Algerian/Tunisian,
French and English month names, Arabic-Indic digits); a trailing numeric
offset or ``GMT``/``UTC``/``Z`` after the time is applied, and a date with no
zone is Morocco local time (``Africa/Casablanca``). Only when that parser
finds nothing is feedparser's own reading used (it knows more RFC 822
variants, e.g. two-digit years), and then only when the raw text shows the
day: feedparser fills a missing day with the 1st (``2026/11/28 15:07:41``
became 2026-11-01). A day is never invented: an unreadable date is None
with the reason (``unreadable: ...``), a date more than
:data:`FUTURE_TOLERANCE` ahead of the poll is rejected (``future: ...``),
and one before 1995 too (``implausible: ...``).

**Text**: title, summary, content and author go through
:mod:`transforms.core.text` (no lone surrogates, controls or ANSI escapes,
bidi controls out of titles, titles and authors capped).
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Optional

from transforms import dates
from transforms.core.text import (MAX_SUMMARY_CHARS, redact_credentials, safe_author, safe_text,
                                  safe_title)
from transforms.urls import resolve_link, url_problem

# Sites often stamp local time (Morocco is UTC+1) as UTC; allow that much.
FUTURE_TOLERANCE = dt.timedelta(hours=3)
MAX_GUID_CHARS = 2000
_HTML_TYPES = ("text/html", "application/xhtml+xml", "")
_NOT_THE_STORY = {"self", "enclosure", "related", "replies", "edit", "edit-media", "via", "license",
                  "hub", "payment", "first", "last", "next", "previous", "service.post"}
_ZONE_TAIL = re.compile(
    r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\s*"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2}|(?:GMT|UTC)(?:\s*(?P<gsign>[+-])\s*(?P<gh>\d{1,2})(?::?(?P<gm>\d{2}))?)?)\s*$",
    re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]{3,}")


def is_web_url(url: str) -> bool:
    return (url or "").strip().lower().startswith(("http://", "https://"))


def entry_link(entry, base_url: str) -> tuple[str, Optional[str]]:
    """``(link, problem)`` of a feedparser entry; ``link`` is ``""`` when there is none.

    ``problem`` is None, ``"entry_without_link"`` or ``"bad_link: <why>"``.
    """
    candidates = []
    for link in entry.get("links") or []:
        href = (link.get("href") or "").strip()
        rel = (link.get("rel") or "alternate").lower()
        if href and rel == "alternate":
            html_first = 0 if (link.get("type") or "").lower() in _HTML_TYPES else 1
            candidates.append((html_first, len(candidates), href))
    candidates.sort()
    raw = candidates[0][2] if candidates else ""
    if not raw:
        guid = (entry.get("id") or "").strip()
        if entry.get("guidislink") and is_web_url(guid):
            raw = guid
    if not raw:
        return "", "entry_without_link"
    resolved = resolve_link(base_url, raw)
    link = redact_credentials(safe_text(resolved, one_line=True))
    problem = url_problem(resolved.strip())       # judged as written: sanitising must not turn it into another URL
    if problem:
        return link, f"bad_link: {problem}"
    return link, None


def _shows_day(raw: str, t) -> bool:
    """The raw text writes the day feedparser read (and the year, and the month as a number or a name)."""
    nums = [int(x) for x in re.findall(r"\d+", dates.to_ascii_digits(raw))]
    for year in (t.tm_year, t.tm_year % 100):
        if year in nums:
            nums.remove(year)
            break
    else:
        return False
    if not _LETTERS.search(raw):            # all numeric: the month must be there as well
        if t.tm_mon not in nums:
            return False
        nums.remove(t.tm_mon)
    return t.tm_mday in nums


def _offset(match: re.Match) -> dt.timezone:
    zone = match.group("zone").upper()
    if zone in ("Z", "GMT", "UTC"):
        return dt.timezone.utc
    if zone.startswith(("GMT", "UTC")):
        sign = -1 if match.group("gsign") == "-" else 1
        return dt.timezone(sign * dt.timedelta(hours=int(match.group("gh")), minutes=int(match.group("gm") or 0)))
    digits = zone.replace(":", "")
    sign = -1 if digits[0] == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5])))


def read_date(raw: str, *, now: dt.datetime) -> Optional[dt.datetime]:
    """The project's reading of one feed date string, or None.

    The datetime keeps the zone the feed states (its offset, or Africa/Casablanca
    when it states none), so the day it states is the day stored as
    ``published_date``; compare instants, not wall times.
    """
    text = dates.to_ascii_digits(safe_text(raw, one_line=True))[:300]
    zone = _ZONE_TAIL.search(text)
    if zone is None:
        return dates.parse_date(text, now=now)
    try:
        tz = _offset(zone)
    except (ValueError, OverflowError):
        return None
    local = dates.parse_date(text[:zone.start("zone")].rstrip(), now=now)
    if local is None:
        return None
    wall = local.astimezone(dates.MOROCCO_TZ).replace(tzinfo=None)
    try:
        stated = wall.replace(tzinfo=tz)
        stated.astimezone(dt.timezone.utc)          # an instant that exists
        return stated
    except (ValueError, OverflowError):
        return None


def _from_feedparser(t) -> Optional[dt.datetime]:
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(t), tz=dt.timezone.utc)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def plausible(d: dt.datetime, now: dt.datetime) -> Optional[str]:
    """Why ``d`` cannot be a publication date seen at ``now``, or None."""
    if d > now + FUTURE_TOLERANCE:
        return f"future: {d.isoformat()} is after the poll at {now.isoformat()}"
    if d < dates.EARLIEST:
        return f"implausible: {d.isoformat()} is before {dates.EARLIEST.date().isoformat()}"
    return None


def entry_date(entry, *, now: dt.datetime) -> tuple[Optional[dt.datetime], Optional[str]]:
    """``(published, in the feed's stated zone, or None; why it is None)`` of a feedparser entry (rules in the module docstring).

    ``why`` is None when the entry simply has no date.
    """
    reasons, seen = [], set()
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if not raw or not isinstance(raw, str) or raw in seen:   # feedparser copies pubDate to "updated"
            continue
        seen.add(raw)
        when = read_date(raw, now=now)
        if when is None:
            parsed = entry.get(f"{key}_parsed")
            if parsed and _shows_day(raw, parsed):
                when = _from_feedparser(parsed)
        if when is None:
            reasons.append(f"{key}: unreadable: {safe_text(raw, one_line=True, max_chars=80)!r}")
            continue
        why = plausible(when, now)
        if why is None:
            return when, None
        reasons.append(f"{key}: {why}")
    return None, ("; ".join(reasons)[:300] or None)


def entry_text(entry) -> dict:
    """The entry's text fields, made safe: ``title``, ``summary``, ``content``, ``author``, ``guid``."""
    content = ""
    if entry.get("content"):
        try:
            content = entry["content"][0].get("value", "") or ""
        except (AttributeError, IndexError, KeyError, TypeError):
            content = ""
    return {
        "title": safe_title(entry.get("title") or ""),
        "summary": safe_text(entry.get("summary") or "", max_chars=MAX_SUMMARY_CHARS),
        "content": safe_text(content, max_chars=MAX_SUMMARY_CHARS),
        "author": safe_author(entry.get("author") or ""),
        "guid": safe_text(entry.get("id") or "", one_line=True, max_chars=MAX_GUID_CHARS),
    }
