"""What the page's markup says about itself: canonical URL, dates, author, page kind.

One lxml parse per page (the same tree is then handed to trafilatura).
Structured metadata beats trafilatura's date guess because it keeps the time
and the UTC offset; visible Arabic dates (``السبت 03 أكتوبر 2020 - 07:50``)
that htmldate cannot read are parsed with :mod:`transforms.dates`.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from transforms import dates
from transforms.urls import check_canonical

_DATE_META = (
    "article:published_time", "og:published_time", "article:published", "datepublished",
    "publish-date", "publish_date", "pubdate", "dc.date.issued", "dc.date", "date",
    "sailthru.date", "parsely-pub-date", "cxenseparse:recs:publishtime",
)
_LISTING_BODY = {"home", "blog", "archive", "category", "tag", "search", "author",
                 "date", "paged", "error404", "search-results", "tax"}
_ARTICLE_BODY = re.compile(r"^(single|single-post|postid-\d+|single-format-\w+)$")
_LISTING_PATH = re.compile(r"/(tag|tags|category|categorie|categories|author|auteur|page|search|wasm|archives?)(/|$)|^/?$",
                           re.IGNORECASE)
_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{6,40})"')
_LD_AUTHOR = re.compile(r'"author"\s*:\s*(\{[^{}]*\}|\[[^\[\]]*\]|"[^"]*")')


@dataclass
class PageInfo:
    canonical: str = ""
    canonical_rejected: str = ""      # why the page's rel=canonical was ignored (transforms.urls.check_canonical)
    og_type: str = ""
    body_classes: frozenset = frozenset()
    articles: int = 0
    visible_chars: int = 0
    scripts: int = 0
    noscript_text: str = ""
    published: dt.datetime | None = None
    published_how: str = ""
    date_rejected: list = field(default_factory=list)
    author: str = ""
    h1: list = field(default_factory=list)
    site_name: str = ""
    description: str = ""


def _attr(el, name: str) -> str:
    return (el.get(name) or "").strip()


def _clean_author(s: str) -> str:
    s = re.sub(r"\s+", " ", s or "").strip()
    s = re.sub(r"^(بقلم|كتبه|by|par)\s*[:\-–]?\s*", "", s, flags=re.IGNORECASE)
    if not s or s.startswith("http") or len(s) > 60:
        return ""
    return s


def _ld_author(html_text: str) -> str:
    mt = _LD_AUTHOR.search(html_text)
    if not mt:
        return ""
    raw = mt.group(1)
    try:
        val = json.loads(raw)
    except ValueError:
        return ""
    if isinstance(val, list):
        val = val[0] if val else ""
    if isinstance(val, dict):
        val = val.get("name", "")
    return _clean_author(str(val))


def page_info(tree, url: str, now: dt.datetime | None = None) -> PageInfo:
    """Inspect an lxml HTML tree; never raises on odd markup."""
    info = PageInfo()
    for link in tree.xpath('//link[@rel="canonical"][@href]'):
        # the one rule for canonicals: http(s), same registrable domain, else ignored with the reason
        info.canonical, rejected = check_canonical(_attr(link, "href"), url)
        info.canonical_rejected = rejected or ""
        break
    metas: dict[str, str] = {}
    for m in tree.xpath("//meta[@content]"):
        key = (_attr(m, "property") or _attr(m, "name") or _attr(m, "itemprop")).lower()
        if key and key not in metas:
            metas[key] = _attr(m, "content")
    info.og_type = metas.get("og:type", "").lower()
    info.site_name = metas.get("og:site_name", "")
    info.description = metas.get("og:description", "") or metas.get("description", "")
    body = tree.find(".//body")
    if body is not None:
        info.body_classes = frozenset((body.get("class") or "").split())
    info.articles = len(tree.xpath("//article"))
    info.scripts = len(tree.xpath("//script"))
    info.noscript_text = " ".join(t.strip() for t in tree.xpath("//noscript//text()"))[:300]
    if body is not None:
        hidden = sum(len(re.sub(r"\s+", "", el.text_content() or ""))
                     for el in body.iter("script", "style", "noscript"))
        info.visible_chars = max(0, len(re.sub(r"\s+", "", body.text_content() or "")) - hidden)
    info.h1 = [re.sub(r"\s+", " ", h.text_content()).strip() for h in tree.xpath("//h1")][:5]

    # dates: structured first (keeps time and offset), then visible date elements
    cands: list[tuple[str, str]] = [(f"meta:{k}", metas[k]) for k in _DATE_META if metas.get(k)]
    for el in tree.xpath('//*[@itemprop="datePublished"]'):
        cands.append(("itemprop", _attr(el, "content") or _attr(el, "datetime") or el.text_content()))
    html_text = "\n".join(s.text or "" for s in tree.xpath('//script[@type="application/ld+json"]'))
    for mt in _LD_DATE.finditer(html_text):
        cands.append(("json-ld", mt.group(1)))
    for el in tree.xpath("//time[@datetime]"):
        cands.append(("time", _attr(el, "datetime")))
    for el in tree.xpath('//*[contains(@class,"date") or contains(@class,"posted-on") or contains(@class,"time")]'
                        '[not(self::body)]')[:10]:
        if any(a.tag in ("aside", "footer") for a in el.iterancestors()):
            continue
        txt = re.sub(r"\s+", " ", el.text_content()).strip()
        if 4 <= len(txt) <= 80:
            cands.append(("visible", txt))
    for how, raw in cands:
        d = dates.parse_date(raw, now=now)
        d, why = dates.check_plausible(d, now=now) if d is not None else (None, None)
        if d is not None:
            info.published, info.published_how = d, how
            break
        if why:
            info.date_rejected.append(f"{how}: {why}")

    author = _clean_author(metas.get("author", "")) or _clean_author(metas.get("article:author", ""))
    author = author or _ld_author(html_text)
    if not author:
        for el in tree.xpath('//*[@rel="author" or contains(@class,"author-name") or contains(@class,"byline")]')[:3]:
            author = _clean_author(el.text_content())
            if author:
                break
    info.author = author
    return info


def listing_reason(info: PageInfo, url: str) -> str | None:
    """Why the page is a listing (home, tag, category…) rather than one article, or None."""
    article_marks = (info.og_type == "article" or any(_ARTICLE_BODY.match(c) for c in info.body_classes))
    if article_marks:
        return None
    hits = sorted(info.body_classes & _LISTING_BODY)
    if hits:
        return f"listing page (body class {' '.join(hits)})"
    path = urlsplit(url).path
    if _LISTING_PATH.search(path) and (info.articles >= 2 or info.published is None):
        return f"listing page (URL path {path or '/'})"
    if info.articles >= 4 and info.og_type in ("", "website"):
        return f"listing page ({info.articles} <article> elements)"
    return None
