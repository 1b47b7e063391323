"""Publication dates: parse what Moroccan (and other Arabic) news pages print.

``parse_date`` understands

* ISO 8601 (``2020-10-03T07:50:00+01:00``) and RFC 822 (``Sat, 03 Oct 2020 07:50:00 GMT``);
* numeric day-first dates with any of ``/ - .`` and spaces: ``23 / 10 / 2017``,
  ``22-10-2025``, ``2017/10/23``;
* month names: Moroccan (يناير … ماي … يوليوز غشت شتنبر نونبر دجنبر), Mashriq
  (كانون الثاني … أيار تموز …), Egyptian (مايو يوليو أغسطس …), French and English,
  with an optional weekday and time: ``السبت 03 أكتوبر 2020 - 07:50``;
* Arabic-Indic and Persian digits, and ص/م (a.m./p.m.).

Every result is timezone-aware UTC. Naive local times are read in
Africa/Casablanca. A date printed without a time is pinned at 12:00 local so
that its UTC calendar date is the printed date (never the day before); when
that noon is still ahead of ``now`` (a story from this morning) ``now`` is
used instead.

``check_plausible`` rejects dates in the future (beyond a small clock skew)
and dates before 1995 (no Moroccan news site existed), each with a reason.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import re
from zoneinfo import ZoneInfo

MOROCCO_TZ = ZoneInfo("Africa/Casablanca")
UTC = dt.timezone.utc
EARLIEST = dt.datetime(1995, 1, 1, tzinfo=UTC)
CLOCK_SKEW = dt.timedelta(minutes=15)

_DIGITS = {0x0660 + i: str(i) for i in range(10)}
_DIGITS.update({0x06F0 + i: str(i) for i in range(10)})
_NORM = dict(_DIGITS)
_NORM.update({ord(c): "ا" for c in "أإآ"})
_NORM.update({ord("ى"): "ي", ord("ة"): "ه", 0x0640: None, ord("،"): ",", 0x200F: None, 0x200E: None})
_NORM.update({c: None for c in range(0x064B, 0x0653)})

_MONTHS_RAW = {
    1: "يناير جانفي كانون الثاني january jan janvier janv",
    2: "فبراير فيفري شباط february feb fevrier février fevr févr",
    3: "مارس آذار march mar mars",
    4: "أبريل ابريل إبريل افريل أفريل نيسان april apr avril",
    5: "ماي مايو أيار may mai",
    6: "يونيو يونيه جوان حزيران june jun juin",
    7: "يوليوز يوليو يوليه جويلية تموز july jul juillet juil",
    8: "غشت أغسطس اغسطس أوت اوت آب august aug aout août",
    9: "شتنبر سبتمبر أيلول september sep sept septembre",
    10: "أكتوبر اكتوبر أكتوبر تشرين الأول october oct octobre",
    11: "نونبر نوفمبر تشرين الثاني november nov novembre",
    12: "دجنبر ديسمبر دسمبر كانون الأول december dec decembre décembre déc",
}
# Two-word Mashriq names must win over their first word alone.
_TWO_WORD = {
    "كانون الثاني": 1, "كانون الاول": 12, "تشرين الاول": 10, "تشرين الثاني": 11,
}


def _norm(s: str) -> str:
    return s.translate(_NORM).lower()


_MONTHS: dict[str, int] = {}
for _m, _names in _MONTHS_RAW.items():
    for _n in _names.split():
        if _n not in ("كانون", "تشرين", "الثاني", "الأول"):
            _MONTHS[_norm(_n)] = _m
for _n, _m in _TWO_WORD.items():
    _MONTHS[_norm(_n)] = _m
_MONTH_ALT = "|".join(sorted((re.escape(k) for k in _MONTHS), key=len, reverse=True))

_TIME = r"(?:\D{0,20}?(?P<h>\d{1,2})\s*[:h]\s*(?P<mi>\d{2})(?:\s*:\s*(?P<s>\d{2}))?\s*(?P<ampm>ص|م|am|pm|a\.m\.|p\.m\.)?)?"
_NAMED_RE = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})(?:er)?\s*[-/.,]?\s*(?P<mon>" + _MONTH_ALT + r")(?![^\W\d_])\s*[-/.,]?\s*(?P<y>\d{4})" + _TIME,
    re.IGNORECASE,
)
_NAMED_MDY_RE = re.compile(
    r"(?P<mon>" + _MONTH_ALT + r")\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(?P<y>\d{4})" + _TIME,
    re.IGNORECASE,
)
_DMY_RE = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})\s*(?P<sep>[/.\-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4})(?!\d)" + _TIME
)
_YMD_RE = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*(?P<sep>[/.\-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?!\d)" + _TIME
)
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")


def to_ascii_digits(s: str) -> str:
    return s.translate(_DIGITS)


def _local(y: int, m: int, d: int, h: int | None, mi: int, s: int,
           now: dt.datetime | None) -> dt.datetime | None:
    try:
        if h is None:
            local = dt.datetime(y, m, d, 12, 0, tzinfo=MOROCCO_TZ)
            out = local.astimezone(UTC)
            now = now or dt.datetime.now(UTC)
            if out > now and local.date() == now.astimezone(MOROCCO_TZ).date():
                return now
            return out
        return dt.datetime(y, m, d, h, mi, s, tzinfo=MOROCCO_TZ).astimezone(UTC)
    except ValueError:
        return None


def _hour(mt: re.Match) -> tuple[int | None, int, int]:
    if not mt.group("h"):
        return None, 0, 0
    h, mi, s = int(mt.group("h")), int(mt.group("mi")), int(mt.group("s") or 0)
    ampm = (mt.group("ampm") or "").lower()
    if ampm in ("م", "pm", "p.m.") and h < 12:
        h += 12
    elif ampm in ("ص", "am", "a.m.") and h == 12:
        h = 0
    if h > 23 or mi > 59 or s > 59:
        return None, 0, 0
    return h, mi, s


def _structured(s: str) -> dt.datetime | None:
    if _ISO_RE.match(s):
        try:
            d = dt.datetime.fromisoformat(s.replace(" ", "T", 1) if "T" not in s and ":" in s else s)
        except ValueError:
            return None
        if len(s) == 10:
            return None  # date-only ISO: handled by the numeric path (noon pinning)
        if d.tzinfo is None:
            d = d.replace(tzinfo=MOROCCO_TZ)
        return d.astimezone(UTC)
    if re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}", s):
        try:
            d = email.utils.parsedate_to_datetime(s)
        except (TypeError, ValueError):
            return None
        if d.tzinfo is None:
            d = d.replace(tzinfo=MOROCCO_TZ)
        return d.astimezone(UTC)
    return None


def parse_date(s: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """The first date found in ``s`` as tz-aware UTC, or None."""
    if not s or not isinstance(s, str):
        return None
    s = to_ascii_digits(s.strip())
    if len(s) > 2000:
        s = s[:2000]
    got = _structured(s)
    if got is not None:
        return got
    n = _norm(s)
    for rx in (_NAMED_RE, _NAMED_MDY_RE):
        mt = rx.search(n)
        if mt:
            mon = _MONTHS.get(mt.group("mon").lower())
            if mon:
                h, mi, sec = _hour(mt)
                out = _local(int(mt.group("y")), mon, int(mt.group("d")), h, mi, sec, now)
                if out:
                    return out
    for rx in (_YMD_RE, _DMY_RE):
        mt = rx.search(n)
        if not mt:
            continue
        y, m, d = int(mt.group("y")), int(mt.group("m")), int(mt.group("d"))
        if rx is _DMY_RE and m > 12 and d <= 12:
            m, d = d, m  # month-first (US) form
        h, mi, sec = _hour(mt)
        out = _local(y, m, d, h, mi, sec, now)
        if out:
            return out
    return None


def find_dates(text: str, *, now: dt.datetime | None = None) -> list[dt.datetime]:
    """Every plausible date mentioned anywhere in ``text`` (event dates included)."""
    out: list[dt.datetime] = []
    n = _norm(to_ascii_digits(text or ""))
    for rx in (_NAMED_RE, _DMY_RE, _YMD_RE):
        for mt in rx.finditer(n):
            d = parse_date(mt.group(0), now=now)
            d, why = check_plausible(d, now=now)
            if d is not None and d not in out:
                out.append(d)
    return out


def check_plausible(d: dt.datetime | None, *, now: dt.datetime | None = None
                    ) -> tuple[dt.datetime | None, str | None]:
    """(date, None) when ``d`` can be a publication date, else (None, reason)."""
    if d is None:
        return None, "missing"
    if d.tzinfo is None:
        d = d.replace(tzinfo=MOROCCO_TZ)
    d = d.astimezone(UTC)
    now = now or dt.datetime.now(UTC)
    if d > now + CLOCK_SKEW:
        return None, f"future: {d.isoformat()} is after now {now.isoformat()}"
    if d < EARLIEST:
        return None, f"implausible: {d.isoformat()} is before {EARLIEST.date().isoformat()}"
    return d, None


def local_date(d: dt.datetime) -> dt.date:
    """The calendar date a Moroccan reader sees for ``d``."""
    return d.astimezone(MOROCCO_TZ).date()
