"""Arabic text normalisation, tokenisation and a light prefix stemmer.

Pure functions, no I/O, built on ``str.translate`` and precompiled regexes so
that they cost microseconds per story.

``normalize`` does, in order:

* remove diacritics (harakat, tanwin, shadda, sukun, dagger alef, Quranic marks)
  and tatweel;
* unify alef forms (أ إ آ ٱ -> ا) and hamza carriers (ؤ -> و, ئ -> ي);
* ta marbuta -> ha (ة -> ه) and alef maqsura -> ya (ى -> ي);
* Persian/Maghrebi letter variants (ک ی ڭ گ ڤ) -> Arabic (ك ي ك ك ف);
* Arabic-Indic and Persian digits -> ASCII digits;
* lower-case Latin letters, put spaces around punctuation and collapse spaces.
"""
from __future__ import annotations

import re

_DIACRITICS = [chr(c) for c in range(0x064B, 0x0660)] + ["\u0670", "\u0640"]
_DIACRITICS += [chr(c) for c in range(0x06D6, 0x06EE) if c not in (0x06E5, 0x06E6)]
_DIACRITICS += ["\u200c", "\u200d", "\u200e", "\u200f", "\ufeff", "\u00ad"]

_MAP: dict[int, str | None] = {ord(c): None for c in _DIACRITICS}
_MAP.update({ord(c): "ا" for c in "أإآٱ"})
_MAP.update({ord("ؤ"): "و", ord("ئ"): "ي", ord("ة"): "ه", ord("ى"): "ي"})
_MAP.update({ord("ک"): "ك", ord("ی"): "ي", ord("ڭ"): "ك", ord("گ"): "ك", ord("ڤ"): "ف"})
_MAP.update({0x0660 + i: str(i) for i in range(10)})
_MAP.update({0x06F0 + i: str(i) for i in range(10)})
# Arabic punctuation -> ASCII equivalents so one rule handles both.
_MAP.update({ord("،"): ",", ord("؛"): ";", ord("؟"): "?", ord("٪"): "%", ord("«"): '"', ord("»"): '"'})
_MAP.update({ord(c): " " for c in "\t\r\n\u00a0\u2000\u2001\u2002\u2003\u2009\u202f"})

_PUNCT = """.,;:!?"'()[]{}<>/\\|-–—_*+=#@&%…“”‘’"""
_MAP.update({ord(c): f" {c} " for c in _PUNCT})
_MAP.update({ord(c): f" {_MAP[ord(c)]} " for c in "،؛؟٪«»"})
# Raw spellings that normalisation would merge with a place name: فأس (axe)
# would become فاس (Fès), أفران (ovens) إفران (Ifrane).
_HOMOGRAPHS = re.compile("فأس|أفران")
_TOKEN_RE = re.compile(r"[^\W_]+")

# Clitic prefixes: article-bearing forms (stripped when at least 2 letters
# remain) and single-letter proclitics (stripped only when 4 or more remain,
# to keep short words such as فرقه, بنك, كاس intact).
_ARTICLE_PREFIXES = ("وبال", "فبال", "وكال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال")
_CONJ = ("و", "ف")
_PREP = ("ب", "ل", "ك")


def normalize(text: str) -> str:
    """Return ``text`` normalised for matching (see the module docstring)."""
    if not text:
        return ""
    return " ".join(text.translate(_MAP).lower().split())


def protect_homographs(text: str) -> str:
    """Replace raw words that would normalise onto a place name (فأس -> ء)."""
    return _HOMOGRAPHS.sub("ء", text) if ("فأس" in text or "أفران" in text) else text


def normalized_tokens(text: str) -> list[str]:
    """Tokens of ``protect_homographs(text)``, normalised: what classification sees."""
    return _TOKEN_RE.findall(normalize(protect_homographs(text or "")))


def tokenize(text: str) -> list[str]:
    """Word tokens (letters and digits) of the normalised text.

    Equal to ``_TOKEN_RE.findall(normalize(text))`` without collapsing the
    whitespace first (the tokens are the same; 40% cheaper, which the
    near-duplicate signatures need: transforms/signatures.py).
    """
    return _TOKEN_RE.findall(text.translate(_MAP).lower()) if text else []


def tokens_of_normalized(norm: str) -> list[str]:
    """Like :func:`tokenize` for text that is already normalised."""
    return _TOKEN_RE.findall(norm)


def light_stem(token: str) -> str:
    """Strip clitic prefixes (و ف ب ل ك ال) conservatively.

    ``token`` should be normalised. Only prefixes are removed; suffixes stay.
    """
    t = token
    if len(t) <= 3:
        return t
    for p in _ARTICLE_PREFIXES:
        if t.startswith(p) and len(t) - len(p) >= 2:
            return t[len(p):]
    if t[0] in _CONJ and len(t) >= 5:
        t = t[1:]
        for p in _ARTICLE_PREFIXES:
            if t.startswith(p) and len(t) - len(p) >= 2:
                return t[len(p):]
    if t[0] in _PREP and len(t) >= 5:
        t = t[1:]
        if t.startswith("ال") and len(t) >= 4:
            t = t[2:]
    return t


def stems(text: str) -> list[str]:
    """Normalise, tokenise and light-stem ``text``."""
    return [light_stem(t) for t in tokenize(text)]


_STEM_CACHE: dict[str, str] = {}


def cached_stem(token: str) -> str:
    """:func:`light_stem` with a bounded memo (tokens repeat a lot in news)."""
    s = _STEM_CACHE.get(token)
    if s is None:
        s = light_stem(token)
        if len(_STEM_CACHE) < 500_000:
            _STEM_CACHE[token] = s
    return s
