"""The lede (chapeau, standfirst) of an article page, which trafilatura often leaves out.

French outlets print the lede between the headline and the body, outside
the body's container (``<p class="article__desc">``, ``<div class="chapo">``,
``<p class="td-post-sub-title">``), and trafilatura's main-content choice
drops it (issue 15: two French pages lost theirs). :func:`find_lede` finds it
by its class among the article's own elements (never in furniture, see
:mod:`transforms.page_zones`) and :func:`with_lede` puts it first in the text
when the text does not hold it yet.
"""
from __future__ import annotations

import re

from transforms.page_zones import PARAGRAPH_WORDS, article_scope, excluded, title_element

_LEDE_CLASS = re.compile(
    r"(?<![a-z])(?:chapo|chapeau|chapô|standfirst|stand-first|sub-?title|subtitle|sous-titre|lead|lede|"
    r"intro|article__desc|article-desc|article__chapo|article__intro|excerpt|summary|accroche|"
    r"entry-summary|post-excerpt|news-brief|article-summary|strapline)(?![a-z])",
    re.IGNORECASE,
)
MIN_WORDS, MAX_WORDS = 8, 4 * PARAGRAPH_WORDS


def _flat(s: str) -> str:
    return re.sub(r"[\W_]+", " ", s or "").strip().lower()


def find_lede(tree) -> str:
    """The lede's text (one line), or "" when the page has none we can trust."""
    title = title_element(tree)
    scope = article_scope(tree, title)
    title_flat = _flat(title.text_content()) if title is not None else ""
    for el in scope.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "meta", "img"):
            continue
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not (_LEDE_CLASS.search(marks) or (el.get("itemprop") or "").lower() in ("description", "abstract")):
            continue
        text = re.sub(r"\s+", " ", el.text_content() or "").strip()
        n = len(re.findall(r"[^\W_]+", text))
        if MIN_WORDS <= n <= MAX_WORDS and _flat(text) != title_flat and not excluded(el, title):
            return text
    return ""


def with_lede(text: str, lede: str, title: str = "") -> tuple[str, bool]:
    """(text with ``lede`` as its first paragraph, added?): after a leading headline line
    (``title``), else first; unchanged when the text already holds it."""
    if not lede:
        return text, False
    key = _flat(lede)[:120]
    if key and key in _flat(text):
        return text, False
    lines = text.split("\n")
    if title and lines and _flat(lines[0]) == _flat(title):
        return "\n".join([lines[0], lede, *lines[1:]]), True
    return lede + "\n" + text, True
