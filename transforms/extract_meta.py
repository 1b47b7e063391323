"""What the page's markup says about itself: canonical URL, dates, author, page kind.

One lxml parse per page (the same tree is then handed to trafilatura).
The publication date (which element, which calendar day) is chosen by
:mod:`transforms.page_dates`, the author by :mod:`transforms.page_authors`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from transforms.link_list import link_list_reason, page_lines
from transforms.page_authors import find_author
from transforms.page_dates import find_publication_date
from transforms.urls import check_canonical

_LISTING_BODY = {"home", "blog", "archive", "category", "tag", "search", "author",
                 "date", "paged", "error404", "search-results", "tax"}
_ARTICLE_BODY = re.compile(r"^(single|single-post|postid-\d+|single-format-\w+)$")
_LISTING_PATH = re.compile(r"/(tag|tags|category|categorie|categories|author|auteur|page|search|wasm|archives?)(/|$)|^/?$",
                           re.IGNORECASE)


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
    published_day: dt.date | None = None
    date_choice: object = None        # transforms.page_dates.DateChoice
    date_rejected: list = field(default_factory=list)
    author: str = ""
    h1: list = field(default_factory=list)
    site_name: str = ""
    description: str = ""
    link_list: str = ""               # why the page is a link list (transforms.link_list), else ""


def _non_space(text) -> int:
    """Characters of ``text`` that are not whitespace: ``len(re.sub(r"\\s+", "", text))``,
    five times faster (``str.split`` and ``\\s`` agree on every code point)."""
    return sum(map(len, text.split())) if text else 0


def _attr(el, name: str) -> str:
    return (el.get(name) or "").strip()


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
        hidden = sum(_non_space(el.text_content()) for el in body.iter("script", "style", "noscript"))
        info.visible_chars = max(0, _non_space(body.text_content()) - hidden)
    info.h1 = [re.sub(r"\s+", " ", h.text_content()).strip() for h in tree.xpath("//h1")][:5]

    # dates: see transforms/page_dates.py (structured first, never furniture, published beats updated)
    choice = find_publication_date(tree, url, metas, now=now)
    info.published, info.published_how, info.published_day = choice.at, choice.how, choice.day
    info.date_rejected = list(choice.rejected)
    info.date_choice = choice
    info.author = find_author(tree, metas, info.site_name)
    info.link_list = link_list_reason(page_lines(tree)) or ""
    return info


def listing_reason(info: PageInfo, url: str) -> str | None:
    """Why the page is a listing (home, tag, category…) rather than one article, or None.

    A link list (no paragraph-like line: :mod:`transforms.link_list`) is one whatever
    its markup claims (``og:type=article`` included)."""
    if info.link_list:
        return info.link_list
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
