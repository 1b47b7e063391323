"""The author of one article page, without the site's name glued to it.

Issue 19 (item 5): one outlet prints "الأطلس اليوم محمد الإدريسي" (site name,
then the author) in its byline, and every story got the site's name as
part of the author. Order, first usable one wins:

1. JSON-LD ``author`` of an article node (a ``Person``; an ``Organization`` is the
   outlet, not an author);
2. ``<meta name="author">`` / ``article:author`` (not a URL, not the site name);
3. byline elements outside furniture: ``itemprop="author"``, ``rel="author"``,
   classes ``author``, ``byline``, ``auteur``, ``writer``, ``signature`` ...; a name
   inside them (``itemprop="name"``, class ``fn``, a link to an author page) wins
   over the element's whole text;
4. a short line of the article that starts with a byline label ("بقلم", "كتب",
   "Par", "By").

:func:`clean_author` removes labels, the site's name (before or after the name,
with or without a separator), dates and times, parenthesised roles and
quotes, and refuses what is not a name (a URL, digits, over 60 characters, the
site's name alone, placeholders such as "admin").
"""
from __future__ import annotations

import re

from transforms.clean_rules import core
from transforms.page_dates import ARTICLE_TYPES, json_ld_nodes, ld_types
from transforms.page_zones import PARAGRAPH_WORDS, article_scope, excluded, title_element

MAX_AUTHOR_CHARS = 60
MAX_AUTHOR_WORDS = 7
_LABEL = re.compile(r"^(?:بقلم|كتبه|كتبت|كتب|اعداد|إعداد|تحرير|حرر|بواسطة|بواسطه|written by|by|par|auteur|"
                    r"signé par|signe par|propos recueillis par)(?![^\W\d_])\s*[:\-–]?\s*", re.IGNORECASE)
_BYLINE_CLASS = re.compile(r"(?<![a-z])(?:author|authors|author-name|byline|by|auteur|auteurs|writer|"
                           r"signature|reporter|post-author|meta__author|td-post-author-name|kateb)(?![a-z])",
                           re.IGNORECASE)
_SPLIT = re.compile(r"\s+[-–—/]\s+|\s*[|·•—–]\s*|\s*[,،]\s+|\s*:\s+")
_DATE_WORD = re.compile(r"\d|[\u0660-\u0669]|(?<![^\W\d_])(?:نشر|publié|publie|mis à jour|updated|"
                        r"published|اخر تحديث|آخر تحديث)(?![^\W\d_])", re.IGNORECASE)
_PLACEHOLDER = {"admin", "administrator", "administrateur", "editor", "webmaster", "redaction", "rédaction",
                "la rédaction", "staff", "guest", "ادمين", "المحرر"}


def clean_author(raw: str, site_name: str = "") -> str:
    """A person's name from a byline text, or "" (see the module docstring)."""
    s = re.sub(r"\s+", " ", raw or "").strip().strip("\"'«»“”„ ")
    if not s or s.lower().startswith(("http://", "https://", "www.")):
        return ""
    s = re.sub(r"\s*\([^)]*\)", "", s).strip()
    s = _LABEL.sub("", s)
    site = core(site_name)
    for part in _SPLIT.split(s):
        part = _LABEL.sub("", part.strip().strip("\"'«»“”„ "))
        if not part or _DATE_WORD.search(part):
            continue
        if site and core(part) == site:
            continue
        part = _strip_site(part, site_name)
        if part:
            return _valid(part, site)
    return ""


def _strip_site(part: str, site_name: str) -> str:
    """``part`` without the site's name at its start or end ("الأطلس اليوم محمد" -> "محمد")."""
    name = (site_name or "").strip()
    if not name:
        return part
    low, lname = part.casefold(), name.casefold()
    if low.startswith(lname + " "):
        part = part[len(name):].strip(" -–:|")
    elif low.endswith(" " + lname):
        part = part[: -len(name)].strip(" -–:|")
    else:
        return part
    # "Le Monde avec AFP" -> "AFP", "هسبريس و م ع" -> "و م ع" is an agency: keep it without the joiner
    return re.sub(r"^(?:avec|with|et|and|mit|مع)\s+", "", part, flags=re.IGNORECASE)


def _valid(name: str, site: str) -> str:
    name = name.strip(" -–:|.\"'«»“”")
    if not 2 <= len(name) <= MAX_AUTHOR_CHARS or len(name.split()) > MAX_AUTHOR_WORDS:
        return ""
    if name.lower() in _PLACEHOLDER or (site and core(name) == site) or "@" in name or "/" in name:
        return ""
    return name


def _ld_author(nodes: list[dict], site_name: str) -> str:
    for node in nodes:
        if not ld_types(node) & ARTICLE_TYPES:
            continue
        val = node.get("author")
        for a in (val if isinstance(val, list) else [val])[:5]:
            if isinstance(a, dict):
                if ld_types(a) & {"organization", "newsmediaorganization"}:
                    continue
                a = a.get("name", "")
                a = a[0] if isinstance(a, list) and a else a
            if isinstance(a, str):
                got = clean_author(a, site_name)
                if got:
                    return got
    return ""


def _name_inside(el) -> str:
    for xp in ('.//*[@itemprop="name"]', './/*[contains(concat(" ", normalize-space(@class), " "), " fn ")]',
               './/a[@rel="author"]',
               './/a[contains(@href, "/author/") or contains(@href, "/auteur") or contains(@href, "/signataires/")'
               ' or contains(@href, "/writer") or contains(@href, "/kuttab/")]'):
        found = el.xpath(xp)
        if found:
            return found[0].text_content()
    return ""


def find_author(tree, metas: dict, site_name: str = "") -> str:
    """The story's author (a person's name) or "". Never raises on odd markup."""
    got = _ld_author(json_ld_nodes(tree), site_name)
    for key in ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author"):
        if got:
            break
        got = clean_author(metas.get(key, ""), site_name)
    if got:
        return got
    title = title_element(tree)
    scope = article_scope(tree, title)
    body = tree.find(".//body")
    root = body if body is not None else tree.getroot()
    els = [el for el in root.iter() if isinstance(el.tag, str)
           and ((el.get("itemprop") or "").lower() == "author" or (el.get("rel") or "").lower() == "author"
                or _BYLINE_CLASS.search(el.get("class") or ""))]
    els.sort(key=lambda el: 0 if (el.get("itemprop") or "").lower() == "author" else 1)
    for el in els[:20]:
        if excluded(el, title):
            continue
        got = clean_author(_name_inside(el), site_name) or clean_author(el.text_content(), site_name)
        if got:
            return got
    # a short line that starts with a byline label, above the body
    for el in scope.iter("p", "div", "span", "li", "address"):
        text = re.sub(r"\s+", " ", el.text_content() or "").strip()
        if len(text.split()) >= PARAGRAPH_WORDS and el.tag == "p":
            break
        if len(text) <= 120 and _LABEL.match(text) and not excluded(el, title):
            got = clean_author(text, site_name)
            if got:
                return got
    return ""
