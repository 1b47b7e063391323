"""Publication dates: parse what Arabic and French news pages print, keeping their zone.

``parse_date`` understands

* ISO 8601 (``2020-10-03T07:50:00+01:00``) and RFC 822 (``Sat, 03 Oct 2020 07:50:00 GMT``);
* numeric day-first dates with any of ``/ - .`` and spaces: ``23 / 10 / 2017``,
  ``22-10-2025``, ``2017/10/23``;
* month names: Moroccan (يناير … ماي … يوليوز غشت شتنبر نونبر دجنبر), Mashriq
  (كانون الثاني شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين …), Algerian and
  Tunisian (جانفي فيفري أفريل جوان جويلية أوت), Egyptian (مايو يوليو أغسطس …),
  French and English; double names (``آب/اغسطس``, ``أغسطس (آب)``); an optional
  weekday and time: ``السبت 03 أكتوبر 2020 - 07:50``, ``le 8 février 2024 à 18h30``;
* Arabic-Indic and Persian digits, and ص/م, صباحا/مساء (a.m./p.m.);
* Hijri dates printed beside the Gregorian one (``14 رجب 1445 هـ - 25 يناير 2024 م``):
  a year before 1900 is never a Gregorian publication year, so it is skipped;
* zone phrases: ``(GMT+0400)``, ``UTC+1``, ``GMT`` and ``بتوقيت مكة المكرمة`` /
  ``heure de Paris`` (a table of Arab capitals and countries, :data:`_ZONE_NAMES`).

Time zones. Every result is timezone-aware and **keeps the zone the text
states**: a fixed offset (``+04:00``), UTC (``Z``, ``GMT``) or the named zone.
A date printed without any zone is read in Africa/Casablanca (this project's
outlets are Moroccan), or in ``default_zone`` when the caller knows the page's
zone. A date printed without a time is pinned at 12:00 in its zone so that its
calendar day is the printed day; when that noon is still ahead of ``now`` (a
story from this morning) ``now`` is used instead, in the same zone.

:func:`stated_day` gives the calendar day a reader of the page sees.
:func:`dated_phrases` finds every date of a short text (a byline) with the kind
of the label before it (published / updated), so that a caller can prefer the
publication date over "آخر تحديث" / "mis à jour" whatever their order.
``check_plausible`` rejects dates in the future (beyond a small clock skew)
and dates before 1995 (no Moroccan news site existed), each with a reason.

Why not dateparser (installed with trafilatura's htmldate): it does not know
the Moroccan and Maghreb month names (شتنبر، غشت، جويلية), reads double names
such as "آب/اغسطس" as nothing, and has no notion of published/updated labels.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

MOROCCO_TZ = ZoneInfo("Africa/Casablanca")
UTC = dt.timezone.utc
EARLIEST = dt.datetime(1995, 1, 1, tzinfo=UTC)
CLOCK_SKEW = dt.timedelta(minutes=15)
MIN_YEAR, MAX_YEAR = 1900, 2100      # outside: a Hijri year (14xx) or noise, never a publication year

_DIGITS = {0x0660 + i: str(i) for i in range(10)}
_DIGITS.update({0x06F0 + i: str(i) for i in range(10)})
_NORM = dict(_DIGITS)
_NORM.update({ord(c): "ا" for c in "أإآ"})
_NORM.update({ord("ى"): "ي", ord("ة"): "ه", 0x0640: None, ord("،"): ",", 0x200F: None, 0x200E: None,
              0x00A0: " ", 0x202F: " "})
_NORM.update({c: None for c in range(0x064B, 0x0653)})

_MONTHS_RAW = {
    1: "يناير جانفي كانون الثاني january jan janvier janv",
    2: "فبراير فيفري فبرایر شباط february feb fevrier février fevr févr",
    3: "مارس آذار اذار march mar mars",
    4: "أبريل ابريل إبريل افريل أفريل نيسان april apr avril avr",
    5: "ماي مايو أيار ايار may mai",
    6: "يونيو يونيه جوان حزيران june jun juin",
    7: "يوليوز يوليو يوليه جويلية جوييه تموز july jul juillet juil",
    8: "غشت أغسطس اغسطس أغسطوس أوت اوت آب august aug aout août",
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
_MON = r"(?:" + _MONTH_ALT + r")(?![^\W\d_])"
# a second name for the same month: "آب/اغسطس", "أغسطس (آب)"
_MON2 = r"(?:\s*[/\-–(]\s*" + _MON + r"\s*\)?)?"

# What may stand between a date and its time: punctuation, "على الساعة", "à", the
# Gregorian era mark "م" / "ميلادي"; never a word such as "آخر تحديث" (that time is the update's).
_GAP = r"(?:[\s\-–—|,;:/·•()]|علي|الساعه|في|عند|م(?![^\W\d_])|ميلادي|a(?![^\W\d_])|à|at|vers|um){0,8}?"
_AMPM = r"(?P<ampm>صباحا|مساء|مساءا|ص(?![^\W\d_])|م(?![^\W\d_])|am|pm|a\.m\.|p\.m\.)?"
_TIME = (r"(?:" + _GAP + r"(?<!\d)(?P<h>\d{1,2})\s*[:h]\s*(?P<mi>\d{2})(?:\s*:\s*(?P<s>\d{2}))?(?!\d)\s*"
         + _AMPM + r")?")
_NAMED_RE = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})(?:er)?\s*[-/.,]?\s*(?P<mon>" + _MONTH_ALT + r")(?![^\W\d_])" + _MON2
    + r"\s*[-/.,]?\s*(?P<y>\d{4})(?!\d)" + _TIME,
    re.IGNORECASE,
)
_NAMED_MDY_RE = re.compile(
    r"(?P<mon>" + _MONTH_ALT + r")\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\s*,?\s*(?P<y>\d{4})(?!\d)" + _TIME,
    re.IGNORECASE,
)
_DMY_RE = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})\s*(?P<sep>[/.\-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4})(?!\d)" + _TIME
)
_YMD_RE = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*(?P<sep>[/.\-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?!\d)" + _TIME
)
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")

# Zone phrases. Offsets: "(GMT+0400)", "GMT+4", "UTC+01:00", "ت.غ+2"; bare "GMT"/"UTC" is UTC.
_OFFSET_RE = re.compile(r"(?:gmt|utc|ت\s?\.?\s?غ\.?)\s*(?P<sign>[+-])\s*(?P<hh>\d{1,2})(?:\s*:?\s*(?P<mm>\d{2}))?(?!\d)")
_BARE_UTC_RE = re.compile(r"(?<![^\W\d_])(?:gmt|utc)(?![^\W\d_])|بتوقيت\s+(?:غرينتش|جرينتش|غرينيتش)")
# "بتوقيت <place>" / "heure de <place>": the zone of an Arab capital or country (IANA names).
_ZONE_NAMES = {
    "مكه": "Asia/Riyadh", "مكه المكرمه": "Asia/Riyadh", "الرياض": "Asia/Riyadh", "السعوديه": "Asia/Riyadh",
    "القاهره": "Africa/Cairo", "مصر": "Africa/Cairo", "بيروت": "Asia/Beirut", "لبنان": "Asia/Beirut",
    "دمشق": "Asia/Damascus", "سوريا": "Asia/Damascus", "عمان": "Asia/Amman", "الاردن": "Asia/Amman",
    "القدس": "Asia/Jerusalem", "فلسطين": "Asia/Gaza", "غزه": "Asia/Gaza", "بغداد": "Asia/Baghdad",
    "العراق": "Asia/Baghdad", "الكويت": "Asia/Kuwait", "الدوحه": "Asia/Qatar", "قطر": "Asia/Qatar",
    "ابوظبي": "Asia/Dubai", "دبي": "Asia/Dubai", "الامارات": "Asia/Dubai", "المنامه": "Asia/Bahrain",
    "البحرين": "Asia/Bahrain", "مسقط": "Asia/Muscat", "صنعاء": "Asia/Aden", "اليمن": "Asia/Aden",
    "الخرطوم": "Africa/Khartoum", "السودان": "Africa/Khartoum", "طرابلس": "Africa/Tripoli",
    "ليبيا": "Africa/Tripoli", "تونس": "Africa/Tunis", "الجزائر": "Africa/Algiers",
    "الرباط": "Africa/Casablanca", "المغرب": "Africa/Casablanca", "الدار البيضاء": "Africa/Casablanca",
    "نواكشوط": "Africa/Nouakchott", "موريتانيا": "Africa/Nouakchott",
    "paris": "Europe/Paris", "rabat": "Africa/Casablanca", "casablanca": "Africa/Casablanca",
    "tunis": "Africa/Tunis", "alger": "Africa/Algiers", "marocaine": "Africa/Casablanca",
    "du maroc": "Africa/Casablanca", "de paris": "Europe/Paris", "de tunis": "Africa/Tunis",
    "d'alger": "Africa/Algiers", "de rabat": "Africa/Casablanca",
}
_ZONE_NAME_ALT = "|".join(sorted((re.escape(k) for k in _ZONE_NAMES), key=len, reverse=True))
_NAMED_ZONE_RE = re.compile(r"(?:بتوقيت|heure)\s+(?P<place>" + _ZONE_NAME_ALT + r")(?![^\W\d_])")

# Labels that say which date a phrase is (matched on the normalised, lower-cased text).
_LABELS = {
    "updated": r"اخر تحديث|تم التحديث|تاريخ التحديث|محدث|حدث في|تم التعديل|عدل في|اخر تعديل|"
               r"mis a jour|mis à jour|mise a jour|mise à jour|modifie|modifié|actualise|actualisé|"
               r"derniere modification|dernière modification|last updated|last modified|updated|modified",
    "published": r"نشر|تاريخ النشر|اضيف|بتاريخ|publie|publié|mis en ligne|cree le|créé le|"
                 r"published|posted|first published",
}
_LABEL_RE = re.compile("|".join(f"(?P<{k}>(?<![^\\W\\d_])(?:{v})(?![^\\W\\d_]))" for k, v in _LABELS.items()))


@dataclass(frozen=True)
class ParsedDate:
    """One date found in a text.

    ``at``: aware datetime in the stated zone (fixed offset, UTC, a named zone)
    or in the default zone (Africa/Casablanca) when the text states none;
    ``day``: the calendar day as printed; ``has_time``: a time was printed;
    ``zone_stated``: the text (or ISO value) gave its zone; ``kind``:
    "published", "updated" or "" (the label seen before it); ``start``:
    position in the normalised text.
    """

    at: dt.datetime
    day: dt.date
    has_time: bool
    zone_stated: bool
    kind: str = ""
    start: int = 0


def to_ascii_digits(s: str) -> str:
    return s.translate(_DIGITS)


def _zone_of(n: str) -> dt.tzinfo | None:
    """The zone a normalised text states, or None."""
    mt = _OFFSET_RE.search(n)
    if mt:
        minutes = int(mt.group("hh")) * 60 + int(mt.group("mm") or 0)
        if minutes <= 14 * 60:
            delta = dt.timedelta(minutes=minutes if mt.group("sign") == "+" else -minutes)
            return UTC if not minutes else dt.timezone(delta)
    mt = _NAMED_ZONE_RE.search(n)
    if mt:
        return ZoneInfo(_ZONE_NAMES[mt.group("place")])
    if _BARE_UTC_RE.search(n):
        return UTC
    return None


def _local(y: int, m: int, d: int, h: int | None, mi: int, s: int, tz: dt.tzinfo,
           now: dt.datetime | None) -> dt.datetime | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    try:
        if h is None:
            local = dt.datetime(y, m, d, 12, 0, tzinfo=tz)
            now = now or dt.datetime.now(UTC)
            if local > now and local.date() == now.astimezone(tz).date():
                return now.astimezone(tz)
            return local
        return dt.datetime(y, m, d, h, mi, s, tzinfo=tz)
    except (ValueError, OverflowError):
        return None


def _hour(mt: re.Match) -> tuple[int | None, int, int]:
    if not mt.group("h"):
        return None, 0, 0
    h, mi, s = int(mt.group("h")), int(mt.group("mi")), int(mt.group("s") or 0)
    ampm = (mt.group("ampm") or "").lower()
    if ampm in ("م", "مساء", "مساءا", "pm", "p.m.") and h < 12:
        h += 12
    elif ampm in ("ص", "صباحا", "am", "a.m.") and h == 12:
        h = 0
    if h > 23 or mi > 59 or s > 59:
        return None, 0, 0
    return h, mi, s


def _structured(s: str, default_zone: dt.tzinfo) -> ParsedDate | None:
    if _ISO_RE.match(s):
        if len(s) == 10:
            return None  # date-only ISO: handled by the numeric path (noon pinning)
        try:
            d = dt.datetime.fromisoformat(s.replace(" ", "T", 1) if "T" not in s and ":" in s else s)
        except ValueError:
            return None
        stated = d.tzinfo is not None
        d = d if stated else d.replace(tzinfo=default_zone)
        if not MIN_YEAR <= d.year <= MAX_YEAR:
            return None
        return ParsedDate(d, d.date(), True, stated)
    if re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}", s):
        try:
            d = email.utils.parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        stated = d.tzinfo is not None          # "-0000" means "zone unknown" (RFC 5322)
        d = d if stated else d.replace(tzinfo=default_zone)
        if not MIN_YEAR <= d.year <= MAX_YEAR:
            return None
        return ParsedDate(d, d.date(), True, stated)
    return None


def _matches(n: str, zone: dt.tzinfo, stated: bool, now) -> list[ParsedDate]:
    """Every date of the normalised text ``n``, in text order (overlaps: the earliest, then longest)."""
    found = []
    for rx in (_NAMED_RE, _NAMED_MDY_RE, _YMD_RE, _DMY_RE):
        for mt in rx.finditer(n):
            if rx in (_NAMED_RE, _NAMED_MDY_RE):
                mon = _MONTHS.get(mt.group("mon").lower())
                y, m, d = int(mt.group("y")), mon, int(mt.group("d"))
                if not mon:
                    continue
            else:
                y, m, d = int(mt.group("y")), int(mt.group("m")), int(mt.group("d"))
                if rx is _DMY_RE and m > 12 and d <= 12:
                    m, d = d, m  # month-first (US) form
            h, mi, sec = _hour(mt)
            at = _local(y, m, d, h, mi, sec, zone, now)
            if at is None:
                continue
            found.append((mt.start(), -(mt.end() - mt.start()),
                          ParsedDate(at, dt.date(y, m, d), h is not None, stated, start=mt.start()), mt.end()))
    found.sort(key=lambda t: (t[0], t[1]))
    out, end = [], -1
    for start, _neg, pd, stop in found:
        if start >= end:
            out.append(pd)
            end = stop
    return out


def _prepare(s) -> str | None:
    if not s or not isinstance(s, str):
        return None
    s = to_ascii_digits(s.strip())
    return s[:2000] if len(s) > 2000 else s


def parse_date_full(s: str, *, now: dt.datetime | None = None,
                    default_zone: dt.tzinfo | None = None) -> ParsedDate | None:
    """The first date in ``s`` as a :class:`ParsedDate`, or None. Never raises."""
    s = _prepare(s)
    if s is None:
        return None
    zone0 = default_zone or MOROCCO_TZ
    got = _structured(s, zone0)
    if got is not None:
        return got
    n = _norm(s)
    stated_zone = _zone_of(n)
    hits = _matches(n, stated_zone or zone0, stated_zone is not None, now)
    return hits[0] if hits else None


def parse_date(s: str, *, now: dt.datetime | None = None,
               default_zone: dt.tzinfo | None = None) -> dt.datetime | None:
    """The first date found in ``s``, timezone-aware in the zone the text states
    (Africa/Casablanca, or ``default_zone``, when it states none), or None. Never raises."""
    got = parse_date_full(s, now=now, default_zone=default_zone)
    return got.at if got else None


def dated_phrases(s: str, *, now: dt.datetime | None = None,
                  default_zone: dt.tzinfo | None = None) -> list[ParsedDate]:
    """Every date of a short text (a byline, a page's date line), in text order, each with
    the kind of the nearest label before it ("published", "updated" or "") when no other
    date stands between them. ISO/RFC 822 values give one date of kind "". Never raises."""
    s = _prepare(s)
    if s is None:
        return []
    zone0 = default_zone or MOROCCO_TZ
    got = _structured(s, zone0)
    if got is not None:
        return [got]
    n = _norm(s)
    stated_zone = _zone_of(n)
    hits = _matches(n, stated_zone or zone0, stated_zone is not None, now)
    labels = [(mt.end(), mt.lastgroup) for mt in _LABEL_RE.finditer(n)]
    out, prev_start = [], -1
    for pd in hits:
        kind = ""
        for end, k in labels:
            if prev_start < end <= pd.start + 1:
                kind = k
        out.append(ParsedDate(pd.at, pd.day, pd.has_time, pd.zone_stated, kind, pd.start))
        prev_start = pd.start
    return out


def find_dates(text: str, *, now: dt.datetime | None = None) -> list[dt.datetime]:
    """Every plausible date mentioned anywhere in ``text`` (event dates included)."""
    out: list[dt.datetime] = []
    n = _norm(to_ascii_digits(text or ""))
    for pd in _matches(n, MOROCCO_TZ, False, now):
        d, _why = check_plausible(pd.at, now=now)
        if d is not None and d not in out:
            out.append(d)
    return out


def check_plausible(d: dt.datetime | None, *, now: dt.datetime | None = None,
                    skew: dt.timedelta = CLOCK_SKEW) -> tuple[dt.datetime | None, str | None]:
    """(date, None) when ``d`` can be a publication date, else (None, reason).

    The date keeps its zone; a naive ``d`` is read in Africa/Casablanca.
    ``skew``: how far after ``now`` a date may be (default :data:`CLOCK_SKEW`
    for a page's own dates; a feed's date gets the feed stage's tolerance,
    :data:`transforms.feed_fields.FUTURE_TOLERANCE`)."""
    if d is None:
        return None, "missing"
    if d.tzinfo is None:
        d = d.replace(tzinfo=MOROCCO_TZ)
    now = now or dt.datetime.now(UTC)
    if d > now + skew:
        return None, f"future: {d.isoformat()} is after now {now.isoformat()}"
    if d < EARLIEST:
        return None, f"implausible: {d.isoformat()} is before {EARLIEST.date().isoformat()}"
    return d, None


def local_date(d: dt.datetime) -> dt.date:
    """The calendar date a Moroccan reader sees for ``d`` (Africa/Casablanca)."""
    return d.astimezone(MOROCCO_TZ).date()


def stated_day(d: dt.datetime) -> dt.date:
    """The calendar day of ``d`` as its source states it: the day in ``d``'s own zone,
    except for UTC (a feed's or a CMS's ``Z``/``GMT`` stamp, not a newsroom's clock),
    which is read in Africa/Casablanca, like a naive ``d``."""
    if d.tzinfo is None:
        return d.date()
    if d.utcoffset() == dt.timedelta(0) and (isinstance(d.tzinfo, dt.timezone)
                                             or str(d.tzinfo) in ("UTC", "Etc/UTC", "GMT")):
        return local_date(d)
    return d.date()
