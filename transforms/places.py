"""Moroccan place names in Arabic text, from ``configs/gazetteer.yaml``.

Names are matched on normalised tokens (see :mod:`transforms.arabic`), with
clitic prefixes peeled off the first token only when what remains is a known
name (بمدينة، لمدينة، بإنزكان، والرباط، للرباط).

Some names are also common words (العيون "the eyes", بركان "volcano",
الجديدة "the new", الحاجب "usher", فأس "axe" vs فاس). The gazetteer marks
them ``ambiguous``: ``prefix`` names count only with a place prefix (ب ل) or a
cue word before them (مدينة، إقليم، عمالة، جهة ...); ``cue`` names only with a
cue word.

Only Moroccan places are named: a matching name followed by a foreign
nationality (المهدية التونسية) or preceded by a camp word (مخيم السمارة, the
Tindouf camps in Algeria) is a foreign place and is skipped (the gazetteer's
``foreign_context``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from configs import CONFIG_DIR
from transforms.arabic import normalize, normalized_tokens, tokens_of_normalized

DEFAULT_PATH = CONFIG_DIR / "gazetteer.yaml"

KIND_RANK = {"city": 0, "province": 1, "prefecture": 1, "region": 2}

# Cue words right before a name that make it a place (normalised forms).
_CUE_BASES = ("مدينه", "اقليم", "عماله", "جهه", "ولايه", "جماعه", "منطقه", "ضواحي",
              "نواحي", "مدن", "ساكنه", "سكان", "باشويه", "دائره", "قياده", "امن", "مركز")
CUES = frozenset(
    [b for b in _CUE_BASES]
    + [p + b for b in _CUE_BASES for p in ("ب", "ل", "و", "ف", "وب", "ول")]
    + ["قرب", "بقرب", "مدينتي", "اقليمي", "عمالتي", "مدينتا"]
)
# Words right before a name that make it something else: a neighbourhood,
# street or venue named after a city (حي أزرو), or a football club (نهضة بركان).
_NON_PLACE_BASES = ("حي", "زنقه", "شارع", "دوار", "درب", "ساحه", "ملعب", "فندق", "مدرسه",
                    "ثانويه", "اعداديه", "نادي", "فريق", "نهضه", "اتحاد", "شباب", "مولوديه",
                    "كوكب", "حسنيه", "وداد", "رجاء", "فتح", "مقاطعه", "تجزئه", "اقامه")
NON_PLACE_CUES = frozenset(
    list(_NON_PLACE_BASES) + [p + b for b in _NON_PLACE_BASES for p in ("ب", "ل", "و", "ال", "بال", "لل")]
)
# Words right after a name that make it something else (الشرق الأوسط).
_NEXT_BLOCK = frozenset(("الاوسط", "الادني", "الاقصي"))
ADMIN_CUES = frozenset(c for c in CUES if c.endswith(("اقليم", "عماله", "جهه", "ولايه", "اقليمي", "عمالتي")))

# (prefix, what it is replaced by). "لل" + X stands for "ل" + "ال" + X.
_PREFIXES = (("وبال", "ال"), ("ولل", "ال"), ("بال", "ال"), ("لل", "ال"), ("فال", "ال"),
             ("وال", "ال"), ("وب", ""), ("ول", ""), ("فب", ""), ("و", ""), ("ف", ""),
             ("ب", ""), ("ل", ""), ("ك", ""))
_PLACE_PREFIXES = frozenset(("ب", "ل", "بال", "لل", "وب", "ول", "وبال", "ولل", "فب"))



@dataclass(frozen=True)
class Place:
    """One gazetteer entry; ``lat``/``lon`` in decimal degrees (WGS 84, approximate)."""

    name: str            # canonical Arabic name (the warehouse value)
    latin: str
    kind: str            # city, province, prefecture, region
    region: str          # canonical Arabic name of the region
    lat: float
    lon: float
    ambiguous: str = ""  # "", "prefix" or "cue"


def _read_mapping(path: Optional[Path | str]) -> dict:
    """The YAML mapping in the gazetteer file; OSError, ``yaml.YAMLError``, or ValueError when the
    top level is not a mapping (an empty file is an empty mapping)."""
    with open(path or DEFAULT_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError(f"gazetteer: the top level must be a mapping with 'regions', 'provinces' and "
                         f"'cities', got {type(data).__name__}")
    return data


def read_gazetteer(path: Optional[Path | str] = None) -> list[tuple[Place, list[tuple[str, str]]]]:
    """The places of a gazetteer file, each with the names it is matched by.

    The file (default ``configs/gazetteer.yaml``) has ``regions`` (with an
    ``id``), ``provinces`` and ``cities`` (each with the ``region`` id); every
    entry has ``ar``, ``fr``, ``lat``, ``lon`` and optionally ``kind``,
    ``ambiguous``, ``alt`` and ``alt_prefix``. Returns ``[(Place, [(name,
    ambiguity), ...])]`` in file order: regions, provinces, cities. Entries
    without an Arabic name or numeric coordinates are skipped. This is the one
    reader of the gazetteer: matching (:class:`Gazetteer`) and the warehouse's
    ``places`` dimension (:mod:`pipeline.warehouse.places`) both use it.
    """
    data = _read_mapping(path)
    regions = {r.get("id"): r for r in data.get("regions") or [] if isinstance(r, dict)}
    out: list[tuple[Place, list[tuple[str, str]]]] = []

    def add(entry, kind: str, region: Optional[dict]) -> None:
        if not isinstance(entry, dict) or not str(entry.get("ar") or "").strip():
            return
        try:
            lat, lon = float(entry["lat"]), float(entry["lon"])
        except (KeyError, TypeError, ValueError):
            return
        amb = entry.get("ambiguous", "") or ""
        region_name = str(entry["ar"]).strip() if kind == "region" else \
            str((region or {}).get("ar") or entry.get("region") or "")
        place = Place(str(entry["ar"]).strip(), str(entry.get("fr") or ""), kind, region_name, lat, lon, amb)
        names = [(place.name, amb)] + [(str(a), amb) for a in entry.get("alt", []) or []]
        names += [(str(a), "prefix") for a in entry.get("alt_prefix", []) or []]
        out.append((place, names))

    for r in data.get("regions") or []:
        add(r, "region", None)
    for p in data.get("provinces") or []:
        add(p, str(p.get("kind", "province")), regions.get(p.get("region")))
    for c in data.get("cities") or []:
        add(c, "city", regions.get(c.get("region")))
    return out


def read_foreign_context(path: Optional[Path | str] = None) -> tuple[frozenset, frozenset]:
    """(words after, words before) a name that make it a foreign place, normalised;
    the words before also with clitic prefixes (بمخيم, ومخيمات). From the
    gazetteer's ``foreign_context`` (empty when absent)."""
    data = _read_mapping(path)
    ctx = data.get("foreign_context") or {}
    after = frozenset(normalize(str(w)) for w in ctx.get("after") or [])
    before = {normalize(str(w)) for w in ctx.get("before") or []}
    before |= {p + w for w in list(before) for p in ("ب", "ل", "و", "ف", "وب", "ول")}
    return after, frozenset(before)


class Gazetteer:
    """Moroccan place names indexed for matching on normalised tokens (see :func:`find_places`)."""

    def __init__(self, places: list[Place], keys: dict[tuple, list[tuple[tuple, Place, str]]],
                 foreign_after: frozenset = frozenset(), foreign_before: frozenset = frozenset()):
        self.places = places
        self.index = keys            # first token -> [(key, place, ambiguity)], longest first
        self.foreign_after = foreign_after     # normalised words after a name that make it foreign
        self.foreign_before = foreign_before   # normalised words before it (with clitic forms)
        self._cands: dict[str, list] = {}

    @classmethod
    def load(cls, path: Optional[Path | str] = None) -> "Gazetteer":
        """Read ``configs/gazetteer.yaml`` (or ``path``) and index every name.

        Raises OSError when the file cannot be read, ``yaml.YAMLError`` on
        bad YAML and ValueError when its top level is not a mapping; entries
        without an Arabic name or coordinates are skipped.
        """
        places: list[Place] = []
        index: dict[str, list] = {}
        for place, names in read_gazetteer(path):
            places.append(place)
            for name, level in names:
                key = tuple(tokens_of_normalized(normalize(name)))
                if key:
                    index.setdefault(key[0], []).append((key, place, level))
        for cands in index.values():
            # longest names first; for one name, cities before provinces before regions
            cands.sort(key=lambda c: (-len(c[0]), KIND_RANK.get(c[1].kind, 3)))
        after, before = read_foreign_context(path)
        return cls(places, index, after, before)

    def by_name(self, name: str) -> list[Place]:
        return [p for p in self.places if p.name == name]


def _candidates(token: str, index: dict) -> list[tuple[str, str]]:
    """(stripped form, prefix) pairs for a token that may carry a clitic prefix."""
    out = [(token, "")] if token in index else []
    for prefix, repl in _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            rest = repl + token[len(prefix):]
            if rest in index:
                out.append((rest, prefix))
    return out


def _mentions(tokens: list[str], gaz: Gazetteer):
    """Yield (position, place) for every accepted mention in a token list."""
    index = gaz.index
    cache = gaz._cands
    n = len(tokens)
    i = 0
    camp_list_end = -1   # a camp name just ended here: "مخيمات الداخلة وأوسرد" continues the list
    while i < n:
        prev = tokens[i - 1] if i else ""
        in_camp = prev in gaz.foreign_before or (i == camp_list_end and tokens[i].startswith("و"))
        best: list[tuple[int, Place]] = []
        cands = cache.get(tokens[i])
        if cands is None:
            cands = _candidates(tokens[i], index)
            if len(cache) < 500_000:
                cache[tokens[i]] = cands
        if not cands:
            i += 1
            continue
        if in_camp:   # a camp near Tindouf named after a Moroccan place: skip the whole name
            k = max((len(key) for stripped, _ in cands for key, _, _ in index[stripped]
                     if len(key) == 1 or tuple(tokens[i + 1:i + len(key)]) == key[1:]), default=0)
            if k:
                camp_list_end = i = i + k
                continue
        for stripped, prefix in cands:
            for key, place, level in index[stripped]:
                k = len(key)
                if best and k < best[0][0]:
                    break
                if k > 1 and (i + k > n or tuple(tokens[i + 1:i + k]) != key[1:]):
                    continue
                if prev in NON_PLACE_CUES:
                    continue
                if level == "cue" and prev not in (ADMIN_CUES if place.kind == "region" else CUES):
                    continue
                if i + k < n and (tokens[i + k] in _NEXT_BLOCK or tokens[i + k] in gaz.foreign_after):
                    continue
                if level == "prefix" and prev not in CUES and prefix not in _PLACE_PREFIXES:
                    continue
                if best and k > best[0][0]:
                    best = []
                best.append((k, place))
        if best:
            k = best[0][0]
            places = [p for _, p in best]
            if prev in ADMIN_CUES:   # إقليم/عمالة X: the province reading is meant
                places.sort(key=lambda p: p.kind == "city")
            yield i, places[0]
            i += k
        else:
            i += 1


def find_places(text: str, gazetteer: Gazetteer, title: str = "") -> list[Place]:
    """Moroccan places mentioned in ``title`` and ``text``, most salient first.

    Salience: a title mention weighs 3, a body mention 1 plus a bonus for
    appearing early; ties go to cities before provinces before regions. One
    Place per canonical name.
    """
    return find_places_tokens(normalized_tokens(title), normalized_tokens(text), gazetteer)


def find_places_tokens(title_tokens: list[str], body_tokens: list[str], gazetteer: Gazetteer) -> list[Place]:
    """:func:`find_places` on tokens from :func:`transforms.arabic.normalized_tokens`.

    Salience: a title mention weighs 3, a body mention 1 plus a bonus for
    appearing early; ties go to cities before provinces before regions. One
    Place per canonical name.
    """
    scores: dict[str, float] = {}
    first: dict[str, tuple[int, Place]] = {}
    order = 0
    for tokens, weight in ((title_tokens, 3.0), (body_tokens, 1.0)):
        n = max(len(tokens), 1)
        for pos, place in _mentions(tokens, gazetteer):
            bonus = 1.0 - pos / n if weight == 1.0 else 0.0
            scores[place.name] = scores.get(place.name, 0.0) + weight + bonus
            if place.name not in first or KIND_RANK[place.kind] < KIND_RANK[first[place.name][1].kind]:
                first[place.name] = (first.get(place.name, (order, place))[0], place)
            order += 1
    ranked = sorted(scores, key=lambda name: (-scores[name], KIND_RANK[first[name][1].kind], first[name][0]))
    return [first[name][1] for name in ranked]
