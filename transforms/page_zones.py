"""Where on a page an element sits: the article's own scope, or site furniture.

Dates and bylines are only believed inside the story: never in the site
header or navigation, comments, related / most-read lists, sidebars or
footers (issue 15: a header's "today" date, a reader comment's timestamp and
a "most read" list's dates beat the article's date in page order). This module
answers two questions on an lxml tree:

* :func:`title_element` and :func:`article_scope`: the headline ``<h1>`` and the
  smallest element around it that also holds the story's body;
* :func:`excluded`: is an element (or one of its ancestors) furniture?

The class and id words are the ones WordPress, Drupal, tagDiv (Newspaper),
Jannah and hand-made Arabic and French CMSs use; written for this project
from the fixtures in ``tests/transforms/fixtures/html``.
"""
from __future__ import annotations

import re

# class/id words of furniture, matched as whole words of the class/id string
_FURNITURE = re.compile(
    r"(?<![a-z0-9])(?:comments?|commentaires?|commentlist|comment-\w+|respond|reply|disqus|reactions?|"
    r"related|related-posts|similar|similaires|more-news|read-more|also|recommended|"
    r"most-?read|mostread|most-?viewed|most-?popular|popular|trending|plus-lus|les-plus-lus|"
    r"sidebar|widget(?:-area)?|widget_\w+|ticker|breaking(?:-news)?|"
    r"nav|navbar|navigation|menu|main-menu|breadcrumbs?|top-?bar|topbar|header-top|top-header|"
    r"masthead|site-header|main-header|header-menu|banner|bandeau|site-top|site-title|site-branding|logo|"
    r"today|today-date|date-today|currentdate|current-date|todaydate|date-du-jour|header__date|td-date|"
    r"footer|site-footer|colophon|pied|site-info|copyright)(?![a-z0-9])",
    re.IGNORECASE,
)
_FURNITURE_TAGS = {"nav", "aside", "footer"}
FURNITURE_CLASS, FURNITURE_TAGS = _FURNITURE, frozenset(_FURNITURE_TAGS)   # for transforms.link_list
_ARTICLE_CLASS = re.compile(r"(?<![a-z])(article|post|story|node|entry|news)", re.IGNORECASE)
PARAGRAPH_WORDS = 25


def _words(s: str) -> int:
    return len(re.findall(r"[^\W_]+", s or ""))


def _classes(el) -> str:
    if not isinstance(el.tag, str):
        return ""
    return f"{el.get('id') or ''} {el.get('class') or ''}".strip()


def title_element(tree):
    """The headline ``<h1>``: the first one outside furniture and outside a site
    ``<header>`` (one not inside ``<article>``/``<main>``: a logo in an ``<h1>``),
    else the first one outside furniture, else None."""
    found = [h for h in tree.iter("h1") if not excluded(h, None) and _words(h.text_content()) >= 2]
    for h in found:
        ancestors = list(h.iterancestors())
        in_header = any(a.tag == "header" for a in ancestors)
        in_story = any(a.tag in ("article", "main") for a in ancestors)
        if not in_header or in_story:
            return h
    return found[0] if found else None


def article_scope(tree, title=None):
    """The smallest ancestor of the headline that also holds a body paragraph
    (``PARAGRAPH_WORDS`` words or more); else the first ``<article>`` or
    ``itemtype=*Article`` element outside furniture; else ``<body>``."""
    if title is not None:
        for anc in title.iterancestors():
            if anc.tag in ("body", "html"):
                break
            if any(_words(p.text_content()) >= PARAGRAPH_WORDS for p in anc.iter("p", "div")
                   if not excluded(p, anc)):
                return anc
    for el in tree.xpath('//article | //*[contains(@itemtype, "Article")]'):
        if not excluded(el, None):
            return el
    body = tree.find(".//body")
    return body if body is not None else tree.getroot()


def excluded(el, title) -> bool:
    """True when ``el`` or an ancestor is site furniture (see the module docstring).

    An ancestor that holds ``title`` (the headline) is the story's own wrapper and
    ends the search, whatever its class ("has-sidebar", "site-content"); a
    ``<header>`` that does not hold the headline is the site's header."""
    node = el
    while node is not None and isinstance(node.tag, str) and node.tag not in ("body", "html"):
        if title is not None and _holds(node, title):
            return False
        if node.tag in _FURNITURE_TAGS or (node.tag == "header" and title is not None):
            return True
        cls = _classes(node)
        if cls and _FURNITURE.search(cls):
            return True
        node = node.getparent()
    return False


def _holds(node, el) -> bool:
    return el is node or any(a is node for a in el.iterancestors())


def article_like(el) -> bool:
    """An element whose tag or class says it is the story (used for ranking, not exclusion)."""
    return el.tag == "article" or bool(_ARTICLE_CLASS.search(_classes(el)))
