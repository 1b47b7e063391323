"""Is a page a link list (a section, tag or "dossier" page) rather than one story?

A listing page does not always say so in its markup (no ``tag``/``category``
body class, no ``/tag/`` path, sometimes even ``og:type=article``): what gives
it away is its text. It is a column of short lines that are mostly link text
(headlines pointing elsewhere) and it has **no paragraph-like line**. Such a
page used to become a story: trafilatura kept its link lines when they carried a
little plain text (a date, a category), or the feed's summary stood in for the
text. :func:`link_list_reason` turns it into ``not_article``.

Definitions (on the page's rendered lines, :func:`page_lines`):

* a **line** is the text a block element (``p``, ``div``, ``li``, ``td``,
  ``h1``-``h6``...) holds directly, split at ``<br>``; its words are runs of
  letters or digits, its link words those inside an ``<a href>``;
* a line is **mostly link text** when more than half of its words are link words;
* a line is **paragraph-like** when it has at least :data:`PARAGRAPH_MIN_WORDS`
  words and is not mostly link text;
* lines in site furniture (``nav``, ``aside``, ``footer``, the site header, and
  elements whose class or id names a menu, sidebar, footer, related list...:
  :mod:`transforms.page_zones`, the headline's own wrapper excepted) are left out;
* the page is a **link list** when none of its other lines is paragraph-like,
  at least :data:`MIN_LINK_LINES` of them are mostly link text, and those are at
  least half of them.

Where the figures come from. ``PARAGRAPH_MIN_WORDS = 12``: a story has at
least one sentence that long, with a wide margin. In the 4,200 Hespress
articles of ``../shared/data`` (text only: their paragraph breaks are lost)
the longest sentence (split at ``. ! ? ؟``) of every article has at least 36
words, so no article can flip; the five seeds' longest lines have 69-133
words; the 20 article fixtures have a paragraph-like line of 29 words or
more and the 24 sample-site article pages one of 35 or more
(``tests/transforms/test_link_list.py`` checks both). Below 12 words sit the plain-text scraps of a listing:
dates, bylines, "read more", category names, copyright lines. Teasers of 12
words and more that are not links make a page pass (it is then judged by
:func:`transforms.extract_meta.listing_reason` and extraction), which is the
safe side. ``MIN_LINK_LINES = 5``: fewer links than that is not "many"; a page
without a paragraph-like line and few links is left to extraction
(``empty_extraction`` or the feed's text).
"""
from __future__ import annotations

import re
from typing import NamedTuple, Optional

from transforms.page_zones import FURNITURE_CLASS, FURNITURE_TAGS, title_element

PARAGRAPH_MIN_WORDS = 12
MIN_LINK_LINES = 5

# A word: letters and digits, with the combining marks inside it (Arabic harakat U+064B-065F,
# superscript alef U+0670, Latin combining accents U+0300-036F): ``\w`` alone splits a
# vocalised Arabic word at each mark, and short vocalised text would pass for a paragraph.
_WORD = re.compile(r"[^\W_][^\W_\u064B-\u065F\u0670\u0300-\u036F]*(?:[\u064B-\u065F\u0670\u0300-\u036F]+[^\W_]*)*")
_BLOCKS = frozenset(
    "address article aside blockquote body caption dd details dialog div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot th "
    "thead tr ul".split())
_BREAKS = frozenset(("br", "hr"))
_SKIP = frozenset(("script", "style", "noscript", "template", "select", "option", "textarea", "button",
                   "svg", "math", "iframe", "object"))


class Line(NamedTuple):
    """One rendered line of a page: ``words`` (runs of letters/digits), ``link_words``
    (of them, inside ``<a href>``) and whether it sits in site furniture."""

    words: int
    link_words: int
    furniture: bool

    @property
    def mostly_link(self) -> bool:
        return self.words > 0 and 2 * self.link_words > self.words

    @property
    def paragraph_like(self) -> bool:
        return self.words >= PARAGRAPH_MIN_WORDS and not self.mostly_link


class _Frame(NamedTuple):
    line: list          # [line id], shared by a block and its inline descendants
    link: bool
    furniture: bool
    skip: bool


def _is_furniture(el, title_path: set, in_furniture: bool) -> bool:
    if id(el) in title_path:            # the headline's own wrapper is the story, whatever its class
        return False
    if in_furniture or el.tag in FURNITURE_TAGS or (el.tag == "header" and title_path):
        return True
    marks = f"{el.get('id') or ''} {el.get('class') or ''}".strip()
    return bool(marks) and bool(FURNITURE_CLASS.search(marks))


def page_lines(tree) -> list[Line]:
    """The rendered lines of an lxml HTML tree's ``<body>`` (the root when there is
    none), in document order; empty lines left out. Iterative (no recursion limit on
    deep markup); never raises on odd markup (comments, processing instructions)."""
    from lxml import etree

    root = tree.getroot() if hasattr(tree, "getroot") else tree
    body = root.find(".//body") if root is not None and root.tag != "body" else root
    if body is None:
        body = root
    if body is None:
        return []
    title = title_element(tree)
    # lxml keeps one proxy per element while a reference lives: hold them, then compare ids
    holders = [] if title is None else [title, *title.iterancestors()]
    title_path = {id(el) for el in holders}
    counts: dict[int, list] = {}         # line id -> [words, link words, furniture]
    next_id = [0]

    def new_line() -> list:
        next_id[0] += 1
        return [next_id[0]]

    def add(text, frame: _Frame) -> None:
        if not text or frame.skip:
            return
        n = len(_WORD.findall(text))
        if not n:
            return
        c = counts.setdefault(frame.line[0], [0, 0, frame.furniture])
        c[0] += n
        c[1] += n if frame.link else 0
        c[2] = c[2] and frame.furniture     # a line is furniture only when all of it is

    stack: list[_Frame] = [_Frame(new_line(), False, False, False)]
    for event, el in etree.iterwalk(body, events=("start", "end")):
        parent = stack[-1]
        if not isinstance(el.tag, str):      # comment, processing instruction: only the tail is text
            if event == "end":
                add(el.tail, parent)
            continue
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            block = tag in _BLOCKS
            frame = _Frame(new_line() if block else parent.line,
                           parent.link or (tag == "a" and el.get("href") is not None),
                           _is_furniture(el, title_path, parent.furniture),
                           parent.skip or tag in _SKIP)
            stack.append(frame)
            add(el.text, frame)
            continue
        stack.pop()
        parent = stack[-1]
        if tag in _BLOCKS or tag in _BREAKS:  # what follows a block or a break starts a new line
            parent.line[0] = new_line()[0]
        add(el.tail, parent)
    return [Line(w, lw, bool(f)) for w, lw, f in counts.values()]


def link_list_reason(lines: list[Line]) -> Optional[str]:
    """Why the page is a link list (the rule in the module docstring), or None."""
    content = [ln for ln in lines if ln.words and not ln.furniture]
    if any(ln.paragraph_like for ln in content):
        return None
    links = sum(1 for ln in content if ln.mostly_link)
    if links >= MIN_LINK_LINES and 2 * links >= len(content):
        return (f"link list: {links} of {len(content)} lines are mostly link text and none is a paragraph "
                f"({PARAGRAPH_MIN_WORDS}+ words of plain text)")
    return None
