"""The curated security lexicon (``configs/lexicon.yaml``) and its matcher.

Terms are compiled to tuples of light stems; a story is scanned once, token by
token, looking up the n-grams that start at each token in a dict. Matching is
exact on stems, so the lexicon lists plural forms itself.

Groups:

* the eight security categories of ``LABELING.md`` (evidence: they feed the
  model, the categories and ``matched_terms``);
* ``justice`` (court and prosecution words: evidence, no category),
  ``accident`` and ``non_security`` (legislative and policy debate);
* context groups (:data:`CONTEXT_GROUPS`) for the boundary rules of
  ``LABELING.md``: ``prison`` (prison administration, detainees, pardons),
  ``emergency`` (emergency and curfew rules), ``epidemic`` (the epidemic
  itself: cases, tests), ``enforcement`` (arrests, fines, checkpoints,
  patrols), ``rumour`` (denials of false news), ``foreign`` (foreign
  countries, cities and nationalities) and ``morocco`` (a Moroccan angle:
  Morocco, Moroccans, Moroccan-only institutions). They feed the model only;
  they are never evidence shown to readers.

``near`` pairs (``lexicon.yaml``: ``near: [[emergency, enforcement, 8]]``)
count hits of the first group with a hit of the second group within that many
tokens, in the title or the body: "enforcement next to emergency-rule
vocabulary" is a different story from either alone.
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
CONTEXT_GROUPS = ("prison", "emergency", "epidemic", "enforcement", "rumour", "foreign", "morocco")
GROUPS = CATEGORIES + ("justice", "accident", "non_security") + CONTEXT_GROUPS
NOT_EVIDENCE = frozenset(("non_security",) + CONTEXT_GROUPS)   # never in matched_terms
DEFAULT_PATH = CONFIG_DIR / "lexicon.yaml"


@dataclass
class Match:
    """Lexicon evidence in one story: weighted hits per group."""

    title: dict = field(default_factory=dict)   # group -> weighted hits in the title
    body: dict = field(default_factory=dict)    # group -> weighted hits in the body
    terms: dict = field(default_factory=dict)   # term -> score (title hits count triple)
    near: dict = field(default_factory=dict)    # "a~b" -> hits of a with a hit of b nearby

    def score(self, group: str, title_weight: float = 3.0) -> float:
        return title_weight * self.title.get(group, 0.0) + self.body.get(group, 0.0)


class Lexicon:
    def __init__(self, entries: Iterable[tuple[str, str, float]],
                 near: Iterable[tuple[str, str, int]] = ()):
        """``entries``: (group, term as written, weight); ``near``: (group, group, window in tokens).

        Raises ValueError for an unknown group or an empty term.
        """
        self.near = tuple((a, b, int(k)) for a, b, k in near)
        for a, b, k in self.near:
            if a not in GROUPS or b not in GROUPS or k < 1:
                raise ValueError(f"lexicon: bad near pair {(a, b, k)!r}")
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
        """Read ``configs/lexicon.yaml`` (or ``path``).

        Raises OSError when unreadable, ``yaml.YAMLError`` on bad YAML and
        ValueError for a file that is not a mapping or an unknown category or group.
        """
        with open(path or DEFAULT_PATH, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        if not isinstance(data, dict):
            raise ValueError(f"lexicon: the top level must be a mapping with 'categories', got "
                             f"{type(data).__name__}")
        entries = []
        for cat, terms in (data.get("categories") or {}).items():
            if cat not in CATEGORIES:
                raise ValueError(f"lexicon: unknown category {cat!r}")
            entries += [(cat, str(t), w) for t, w in terms.items()]
        for group in ("justice", "accident", "non_security"):
            entries += [(group, str(t), w) for t, w in (data.get(group) or {}).items()]
        for group, terms in (data.get("context") or {}).items():
            if group not in CONTEXT_GROUPS:
                raise ValueError(f"lexicon: unknown context group {group!r}")
            entries += [(group, str(t), w) for t, w in (terms or {}).items()]
        return cls(entries, [tuple(p) for p in data.get("near") or []])

    def scan(self, stems: list[str]) -> list[tuple[str, str, float, int]]:
        """All (group, term, weight, position) hits in a stem sequence, longest first per position.

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
                hits.append((group, term, weight, i))
        return hits

    def match(self, title_stems: list[str], body_stems: list[str]) -> Match:
        """The weighted hits per group in the title and the body, the evidence terms
        (title hits count triple) and the ``near`` counts (title and body added)."""
        m = Match()
        near = self.near
        for where, stems, mult in ((m.title, title_stems, 3.0), (m.body, body_stems, 1.0)):
            hits = self.scan(stems)
            for group, term, weight, _ in hits:
                where[group] = where.get(group, 0.0) + weight
                if group not in NOT_EVIDENCE:
                    m.terms[term] = m.terms.get(term, 0.0) + weight * mult
            for a, b, k in near:
                if where.get(a) and where.get(b):
                    pb = [p for g, _, _, p in hits if g == b]
                    n = sum(1 for g, _, _, p in hits if g == a and any(abs(p - q) <= k for q in pb))
                    if n:
                        key = f"{a}~{b}"
                        m.near[key] = m.near.get(key, 0) + n
        return m
