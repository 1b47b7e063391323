"""Loading and matching the generic boilerplate rules of ``configs/boilerplate.yaml``.

The rules are data; this module only normalises lines the same way the
patterns are normalised and answers "which rule, if any, matches this line".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from configs import CONFIG_DIR

DEFAULT_RULES_PATH = CONFIG_DIR / "boilerplate.yaml"

_MAP: dict[int, str | None] = {c: None for c in range(0x064B, 0x0660)}
_MAP.update({0x0670: None, 0x0640: None, 0x200C: None, 0x200D: None, 0x200E: None,
             0x200F: None, 0xFEFF: None, 0x00AD: None})
_MAP.update({ord(c): "ا" for c in "أإآٱ"})
_MAP.update({ord("ة"): "ه", ord("ى"): "ي"})
_MAP.update({0x0660 + i: str(i) for i in range(10)})
_MAP.update({0x06F0 + i: str(i) for i in range(10)})
_MAP.update({ord("،"): ",", ord("؛"): ";", ord("؟"): "?", 0x00A0: " ", 0x202F: " ", 0x2009: " "})

_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\s\W_]+|[\s\W_]+$")
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_WORD = re.compile(r"[^\W_]+")


def normalize(line: str) -> str:
    """Spelling-normalised line: no diacritics/tatweel, unified alef, ASCII digits, one space."""
    return _SPACES.sub(" ", line.translate(_MAP)).strip()


def core(line: str) -> str:
    """``normalize`` without surrounding punctuation, lower-cased: the key lines are compared by."""
    return _EDGE_PUNCT.sub("", normalize(line)).lower()


def words(line: str) -> int:
    return len(_WORD.findall(line))


def has_arabic(line: str) -> bool:
    return bool(_ARABIC.search(line))


def has_latin(line: str) -> bool:
    return bool(_LATIN.search(line))


@dataclass(frozen=True)
class Rule:
    name: str
    match: str                       # "line" or "contains"
    patterns: tuple                  # compiled regexes
    max_words: int = 1000
    starts_block: bool = False
    latin_only: bool = False

    def matches(self, norm: str, stripped: str, nwords: int) -> bool:
        if self.latin_only and has_arabic(norm):
            return False
        if self.match == "line":
            target = stripped if stripped else norm
            return any(p.fullmatch(target) or p.fullmatch(norm) for p in self.patterns)
        if nwords > self.max_words:
            return False
        return any(p.search(norm) for p in self.patterns)


@dataclass(frozen=True)
class CleanRules:
    rules: tuple
    bylines: tuple = ()
    datelines: tuple = ()
    date_labels: object = None       # one compiled regex of label words
    source: str = ""
    extra: dict = field(default_factory=dict)

    def match(self, line: str) -> Rule | None:
        norm = normalize(line)
        stripped = _EDGE_PUNCT.sub("", norm)
        n = words(norm)
        for rule in self.rules:
            if rule.matches(norm, stripped, n):
                return rule
        return None

    def byline(self, line: str) -> tuple[str, str] | None:
        """(author, source) when ``line`` is a byline."""
        norm = normalize(line)
        for rx in self.bylines:
            mt = rx.match(norm)
            if mt and mt.group("author").strip():
                author = _orig_span(line, mt.group("author"))
                src = mt.groupdict().get("source") or ""
                return author.strip(" -–:|\"«»“”"), src.strip()
        return None

    def dateline(self, line: str) -> str | None:
        norm = normalize(line)
        for rx in self.datelines:
            if rx.match(norm):
                return line.strip()
        return None


def _orig_span(original: str, normalised_part: str) -> str:
    """The original-spelling substring behind a match made on the normalised line."""
    chars, index = [], []
    for k, c in enumerate(original):
        for t in c.translate(_MAP):
            chars.append(t)
            index.append(k)
    part = normalised_part.strip()
    if not part:
        return ""
    rx = re.compile(r"\s+".join(re.escape(w) for w in part.split()))
    mt = rx.search("".join(chars))
    if not mt:
        return part
    return original[index[mt.start()]:index[mt.end() - 1] + 1]


def _compile(p: str) -> re.Pattern:
    return re.compile(p.translate(_MAP), re.IGNORECASE)


def load_rules(path: str | Path | None = None) -> CleanRules:
    """Read the generic rules (default ``configs/boilerplate.yaml``)."""
    path = Path(path) if path else DEFAULT_RULES_PATH
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rules = []
    for r in data.get("rules", []):
        if r.get("match", "contains") not in ("line", "contains"):
            raise ValueError(f"rule {r.get('name')}: match must be line or contains")
        rules.append(Rule(
            name=r["name"],
            match=r.get("match", "contains"),
            patterns=tuple(_compile(p) for p in r["patterns"]),
            max_words=int(r.get("max_words", 1000)),
            starts_block=bool(r.get("starts_block", False)),
            latin_only=bool(r.get("latin_only", False)),
        ))
    labels = data.get("date_labels", [])
    label_rx = _compile(r"^(?:\s*(?:" + "|".join(labels) + r")\b\s*[:,\-–]?\s*)*$") if labels else None
    return CleanRules(
        rules=tuple(rules),
        bylines=tuple(_compile(p) for p in data.get("bylines", [])),
        datelines=tuple(_compile(p) for p in data.get("datelines", [])),
        date_labels=label_rx,
        source=str(path),
    )
