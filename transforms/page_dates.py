"""The publication date of one article page: which element to believe, and its calendar day.

Order (issue 15; first plausible one wins), every element outside site
furniture (:mod:`transforms.page_zones`: header, navigation, comments,
related / most-read lists, sidebars, footers):

1. ``json-ld``: ``datePublished`` of a JSON-LD node of an article type
   (``NewsArticle``, ``Article``, ``BlogPosting`` ...);
2. ``meta:<name>``: ``article:published_time`` and the other publication meta tags;
3. ``itemprop``: an element with ``itemprop="datePublished"``;
4. ``time``: a ``<time datetime>`` inside the article that is not an update
   (class ``updated``/``modified`` without ``published``/``entry-date``, or a label
   such as "آخر تحديث" / "mis à jour" right before it);
5. ``json-ld-other``: ``datePublished`` of another JSON-LD node (``WebPage``);
6. ``byline``: a short visible line of the article with a date, preferring one
   labelled "نشر في" / "publié le", then an unlabelled one nearest the headline;
   dates labelled as updates never count here;
7. ``url``: a ``/YYYY/MM/DD/`` path.

htmldate's ``original_date`` (through trafilatura) comes after these, checked
by :meth:`DateChoice.accepts_guess`: a day seen only in furniture (the
header's "today", a comment's timestamp) or only as an update is refused. An
update date (``updated``) is kept apart as the last resort, after the feed.

The calendar day (``published_date``): the day in the zone the chosen value
states; for a UTC stamp (``Z``, many CMSs) or a value without a zone, the day
the byline prints when it is within a day of it, else the Africa/Casablanca
day. Naive byline times are read in the zone of the page's own ISO stamps
(``+02:00`` on a Beirut page) when it has some, else Africa/Casablanca.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from transforms import dates
from transforms.page_zones import article_scope, excluded, title_element

PUBLISHED_META = (
    "article:published_time", "og:published_time", "article:published", "datepublished",
    "publish-date", "publish_date", "pubdate", "dc.date.issued", "dcterms.created", "dc.date",
    "sailthru.date", "parsely-pub-date", "cxenseparse:recs:publishtime", "date",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
                 "last-modified", "lastmod")
ARTICLE_TYPES = {"newsarticle", "article", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
                 "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "livebologposting",
                 "liveblogposting", "socialmediaposting", "report", "askpublicnewsarticle"}
MAX_LINE_CHARS = 220          # a byline/date line is short; longer text is body or a container
_UPDATED_CLASS = re.compile(r"updated|modified|date-?mod|maj(?![a-z])|mise-a-jour", re.IGNORECASE)
_PUBLISHED_CLASS = re.compile(r"published|entry-date|pubdate|created|date-pub", re.IGNORECASE)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})(?:/|$|[-_.])")
_WS = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")


@dataclass
class DateChoice:
    """What the page says about its publication date.

    ``at``: aware datetime in the zone the page states (None: no date);
    ``day``: the calendar day the page states; ``how``: the element it came
    from (see the module docstring); ``rejected``: "how: reason" of
    implausible values; ``updated``: the best update date (last resort);
    ``forbidden_days``: days seen only in furniture or as updates, which a
    guess (htmldate) may not return; ``seen``: (how, kind, day) of every
    candidate, for the evaluation report.
    """

    at: dt.datetime | None = None
    day: dt.date | None = None
    how: str = ""
    rejected: list = field(default_factory=list)
    updated: dt.datetime | None = None
    forbidden_days: set = field(default_factory=set)
    seen: list = field(default_factory=list)

    def accepts_guess(self, day: dt.date) -> bool:
        """May a guessed day (htmldate's) be the publication day?"""
        return day not in self.forbidden_days


def _text(el) -> str:
    return _WS.sub(" ", el.text_content() or "").strip()


def json_ld_nodes(tree) -> list[dict]:
    """Every JSON-LD object of the page (``@graph`` and nested values flattened), in page order.
    Unparseable blocks are skipped (their dates are read by :func:`_ld_fallback`)."""
    out: list[dict] = []

    def walk(v, depth=0):
        if depth > 8:
            return
        if isinstance(v, dict):
            out.append(v)
            for k, x in v.items():
                if k in ("@graph", "mainEntity", "itemListElement", "hasPart") or isinstance(x, list):
                    walk(x, depth + 1)
        elif isinstance(v, list):
            for x in v[:200]:
                walk(x, depth + 1)

    for s in tree.xpath('//script[@type="application/ld+json"]'):
        raw = (s.text or "").strip().removeprefix("<!--").removesuffix("-->").strip()
        try:
            walk(json.loads(raw, strict=False))
        except (ValueError, RecursionError):
            continue
    return out


def ld_types(node: dict) -> set:
    t = node.get("@type", "")
    return {str(x).lower() for x in (t if isinstance(t, list) else [t])}


def _ld_fallback(tree) -> list[str]:
    text = "\n".join(s.text or "" for s in tree.xpath('//script[@type="application/ld+json"]'))
    return re.findall(r'"datePublished"\s*:\s*"([^"]{6,40})"', text)


def _updated_time(el) -> bool:
    cls = el.get("class") or ""
    if (el.get("itemprop") or "").lower() == "datemodified":
        return True
    if _UPDATED_CLASS.search(cls) and not _PUBLISHED_CLASS.search(cls):
        return True
    prev = el.getprevious()
    before = (prev.tail if prev is not None else el.getparent().text if el.getparent() is not None else "") or ""
    kinds = [p.kind for p in dates.dated_phrases(before[-40:] + " 1/1/2000")]
    return bool(kinds) and kinds[-1] == "updated"


def _short_lines(root):
    """(element, text) of the maximal short elements under ``root`` whose text holds a digit.

    Text lengths are summed bottom-up first, so a page of 60,000 elements costs
    one pass, not one ``text_content()`` per element."""
    els = [el for el in root.iter() if isinstance(el.tag, str)]
    size: dict = {}
    digit: set = set()           # elements whose text holds a digit (text_content() without building it)
    search = _DIGIT.search
    for el in reversed(els):
        text = el.text or ""
        n = len(text)
        has = bool(text) and search(text) is not None
        for ch in el:
            tail = ch.tail or ""
            n += size.get(ch, 0) + len(tail)
            has = has or ch in digit or (bool(tail) and search(tail) is not None)
        size[el] = n
        if has:
            digit.add(el)

    memo: dict = {}

    def ok(el):
        # Memoised: an element is asked about once for itself and once per child.
        # A text shorter than 4 characters, or without a digit, needs no text_content():
        # its raw size and the digit marks computed bottom-up above tell.
        # ``\d`` matches every Unicode decimal digit, Arabic-Indic ones included, so the
        # digit test needs no to_ascii_digits() first (which maps only such digits).
        if el is None:
            return None
        if el in memo:
            return memo[el]
        t = None
        if (el in digit and el.tag not in ("script", "style", "noscript", "html", "body", "head", "title")
                and 4 <= size.get(el, 0) <= 4 * MAX_LINE_CHARS):
            t = _text(el)
            if not (4 <= len(t) <= MAX_LINE_CHARS and _DIGIT.search(t)):
                t = None
        memo[el] = t
        return t

    out = []
    for el in els:
        t = ok(el)
        if t is not None and ok(el.getparent()) is None:
            out.append((el, t))
    return out


def find_publication_date(tree, url: str, metas: dict, now: dt.datetime | None = None) -> DateChoice:
    """The page's publication date and calendar day (module docstring). Never raises on odd markup."""
    choice = DateChoice()
    title = title_element(tree)
    scope = article_scope(tree, title)
    nodes = json_ld_nodes(tree)

    structured: list[tuple[str, str]] = []
    modified: list[str] = [metas[k] for k in MODIFIED_META if metas.get(k)]
    article_ld = [n for n in nodes if ld_types(n) & ARTICLE_TYPES]
    other_ld = [n for n in nodes if not ld_types(n) & ARTICLE_TYPES]
    for n in article_ld:
        if isinstance(n.get("datePublished"), str):
            structured.append(("json-ld", n["datePublished"]))
    if not nodes:
        structured += [("json-ld", v) for v in _ld_fallback(tree)]
    for n in nodes:
        if isinstance(n.get("dateModified"), str):
            modified.append(n["dateModified"])
    structured += [(f"meta:{k}", metas[k]) for k in PUBLISHED_META if metas.get(k)]
    for el in tree.xpath('//*[@itemprop="datePublished"]'):
        if not excluded(el, title):
            structured.append(("itemprop", el.get("content") or el.get("datetime") or _text(el)))
    for el in tree.xpath('//*[@itemprop="dateModified"]'):
        modified.append(el.get("content") or el.get("datetime") or _text(el))
    for el in scope.iter("time"):
        if el.get("datetime") and not excluded(el, title):
            if _updated_time(el):
                modified.append(el.get("datetime"))
            else:
                structured.append(("time", el.get("datetime")))
    for n in other_ld:
        if isinstance(n.get("datePublished"), str):
            structured.append(("json-ld-other", n["datePublished"]))

    # the page's own zone, for naive byline times: an offset its ISO stamps state
    zone = None
    for _how, raw in structured + [("modified", m) for m in modified]:
        pd = dates.parse_date_full(raw, now=now)
        if pd and pd.zone_stated and pd.at.utcoffset() != dt.timedelta(0):
            zone = pd.at.tzinfo
            break

    # visible date lines: inside the article (candidates) or in furniture (forbidden days)
    order = {el: i for i, el in enumerate(tree.iter())}
    t_idx = order.get(title, 0) if title is not None else 0
    byline, upd, allowed, furniture = [], [], set(), set()
    body = tree.find('.//body')
    for el, text in _short_lines(body if body is not None else tree.getroot()):
        inside = (el is scope or any(a is scope for a in el.iterancestors())) and not excluded(el, title)
        for pd in dates.dated_phrases(text, now=now, default_zone=zone):
            if not inside:
                furniture.add(pd.day)
            elif pd.kind == "updated":
                upd.append(pd)
                furniture.add(pd.day)
            else:
                i = order.get(el, 0)
                dist = i - t_idx if i >= t_idx else 3 * (t_idx - i)
                byline.append((0 if pd.kind == "published" else 1, dist, pd))
                allowed.add(pd.day)
    byline.sort(key=lambda t: (t[0], t[1]))
    for raw in modified:
        pd = dates.parse_date_full(raw, now=now)
        if pd:
            furniture.add(dates.stated_day(pd.at))
            upd.append(pd)
    choice.forbidden_days = furniture - allowed
    if upd:
        choice.updated = max(upd, key=lambda p: p.at).at

    best_visible = byline[0][2] if byline else None
    cands = [(how, dates.parse_date_full(raw, now=now, default_zone=zone)) for how, raw in structured]
    cands += [("byline", pd) for _k, _d, pd in byline]
    mt = _URL_DATE.search(url or "")
    if mt:
        cands.append(("url", dates.parse_date_full(f"{mt.group(3)}/{mt.group(2)}/{mt.group(1)}", now=now)))
    for how, pd in cands:
        if pd is None:
            continue
        choice.seen.append((how, pd.kind, pd.day.isoformat()))
        at, why = dates.check_plausible(pd.at, now=now)
        if at is None:
            choice.rejected.append(f"{how}: {why}")
            continue
        if choice.at is None:
            choice.at, choice.how = at, how
            choice.day = _day(pd, best_visible if how != "byline" else None)
    return choice


def _day(pd: dates.ParsedDate, visible: dates.ParsedDate | None) -> dt.date:
    """The calendar day of a chosen value (module docstring)."""
    utc_or_naive = (not pd.zone_stated) or pd.at.utcoffset() == dt.timedelta(0)
    if not utc_or_naive:
        return pd.day
    if visible is not None and abs((visible.day - pd.day).days) <= 1:
        return visible.day
    return dates.stated_day(pd.at) if pd.zone_stated else pd.day
