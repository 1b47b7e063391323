"""The curated security lexicon (``configs/lexicon.yaml``) and its matcher.

Terms are compiled to tuples of light stems; a story is scanned once, token by
token, looking up the n-grams that start at each token in a dict. Matching is
exact on stems, so the lexicon lists plural forms itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import yaml

from configs import CONFIG_DIR
from transforms.arabic import cached_stem, tokenize

CATEGORIES = (
    "violent_crime",
    "property_crime",
    "drugs",
    "trafficking_smuggling",
    "terrorism_extremism",
    "fraud_cyber_financial",
    "policing_governance",
    "public_order",
)
GROUPS = CATEGORIES + ("justice", "accident", "non_security")
DEFAULT_PATH = CONFIG_DIR / "lexicon.yaml"


@dataclass
class Match:
    """Lexicon evidence in one story: weighted hits per group."""

    title: dict = field(default_factory=dict)   # group -> weighted hits in the title
    body: dict = field(default_factory=dict)    # group -> weighted hits in the body
    terms: dict = field(default_factory=dict)   # term -> score (title hits count triple)

    def score(self, group: str, title_weight: float = 3.0) -> float:
        return title_weight * self.title.get(group, 0.0) + self.body.get(group, 0.0)


class Lexicon:
    def __init__(self, entries: Iterable[tuple[str, str, float]]):
        """``entries``: (group, term as written, weight)."""
        self.index: dict[str, list[tuple[tuple[str, ...], str, str, float]]] = {}
        self.size = 0
        self.groups: dict[str, list[str]] = {g: [] for g in GROUPS}
        self.key_of: dict[str, tuple[str, ...]] = {}     # term as written -> its stems
        for group, term, weight in entries:
            if group not in self.groups:
                raise ValueError(f"lexicon: unknown group {group!r}")
            key = tuple(cached_stem(t) for t in tokenize(term))
            if not key:
                raise ValueError(f"lexicon: empty term in {group}")
            self.index.setdefault(key[0], []).append((key, group, term, float(weight)))
            self.groups[group].append(term)
            self.key_of[term] = key
            self.size += 1
        for cands in self.index.values():
            cands.sort(key=lambda c: -len(c[0]))   # longest match first

    @classmethod
    def load(cls, path: Optional[Path | str] = None) -> "Lexicon":
        with open(path or DEFAULT_PATH, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        entries = []
        for cat, terms in (data.get("categories") or {}).items():
            if cat not in CATEGORIES:
                raise ValueError(f"lexicon: unknown category {cat!r}")
            entries += [(cat, str(t), w) for t, w in terms.items()]
        for group in ("justice", "accident", "non_security"):
            entries += [(group, str(t), w) for t, w in (data.get(group) or {}).items()]
        return cls(entries)

    def scan(self, stems: list[str]) -> list[tuple[str, str, float]]:
        """All (group, term, weight) hits in a stem sequence, longest first per position.

        A position covered by a longer hit of the same group is not counted
        again by a shorter term of that group.
        """
        hits = []
        index = self.index
        n = len(stems)
        covered: dict[str, int] = {}
        for i in range(n):
            cands = index.get(stems[i])
            if not cands:
                continue
            for key, group, term, weight in cands:
                k = len(key)
                if k > 1 and (i + k > n or tuple(stems[i:i + k]) != key):
                    continue
                if covered.get(group, -1) > i:
                    continue
                covered[group] = i + k
                hits.append((group, term, weight))
        return hits

    def match(self, title_stems: list[str], body_stems: list[str]) -> Match:
        m = Match()
        for where, stems, mult in ((m.title, title_stems, 3.0), (m.body, body_stems, 1.0)):
            for group, term, weight in self.scan(stems):
                where[group] = where.get(group, 0.0) + weight
                if group != "non_security":
                    m.terms[term] = m.terms.get(term, 0.0) + weight * mult
        return m
