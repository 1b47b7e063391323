"""The evaluation set of the near-duplicate clustering, built at run time from ``dev.jsonl``.

Nothing of the Hespress data is written anywhere: the set lives in memory.

* **Hard negatives**: every dev story whose (site section, most salient
  Moroccan place, ISO week) group holds at least two stories; two different
  drug seizures in Casablanca the same week are two incidents.
* **Positives**: each of those stories is republished by three fictional
  outlets (:data:`OUTLETS`), each copy with another headline plus edits
  (:data:`EDITS`): a dateline, the outlet's boilerplate lines, a lead
  sentence of its own, paragraphs trimmed, a paragraph dropped, paragraphs
  reordered, another spelling (hamza, ta marbuta, alef maqsura, diacritics,
  tatweel). Copy times are the original's time plus -6 to +36 hours.

Gold: a copy and its original are the same story; any two stories from
different originals are not. Everything is seeded: the same data gives the
same set.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from transforms.dates import parse_date
from transforms.places import Gazetteer, find_places

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "hespress"

# Three fictional outlets, with the house lines their pages keep after cleaning.
OUTLETS = {
    "atlas_alyawm": ("الأطلس اليوم", ["تابعوا آخر الأخبار على تطبيق الأطلس اليوم", "© الأطلس اليوم"]),
    "sada_rif": ("صدى الريف", ["شاركوا الخبر مع أصدقائكم", "للتواصل مع هيئة التحرير راسلونا عبر البريد"]),
    "nabd_souss": ("نبض سوس", ["نبض سوس – الخبر من مصدره", "اشتركوا في نشرتنا البريدية اليومية"]),
}
DATELINES = ("{city} – (ومع) – ", "{city} – متابعة: ", "من {city}، ")
LEADS = ("علمت الجريدة من مصادر مطلعة بخصوص {title}.", "في تطور جديد يتعلق بـ{title}.",
         "أفادت مصادر محلية بما يلي حول {title}.")
HEADLINES = ("عاجل: {title}", "{title} (فيديو)", "بالتفاصيل.. {title}", "{title}: ما الذي حدث؟")
EDITS = ("dateline", "boilerplate", "lead", "trim", "drop", "reorder", "respell")
# Each outlet's copy: its own combination, plus one random extra edit.
STYLES = (("dateline", "boilerplate", "respell"), ("lead", "trim"), ("reorder", "drop", "boilerplate"))

_GLUED = re.compile(r"(?<=[.!؟?])\s*(?=[^\s\d.،,:;)»\"'!؟?])")
_RESPELL = str.maketrans({"أ": "ا", "إ": "ا", "ة": "ه", "ى": "ي"})
_FATHA, _TATWEEL = "\u064e", "\u0640"


@dataclass(frozen=True)
class Doc:
    """One story of the evaluation set: ``gold`` is the original's id (its own for an original)."""

    doc_id: str
    gold: str
    source: str
    title: str
    text: str
    time: dt.datetime
    topic: str = ""
    place: str = ""
    edits: tuple = ()


@dataclass
class EvalSet:
    originals: list = field(default_factory=list)    # Docs: the hard-negative pool
    copies: list = field(default_factory=list)       # Docs: the fictional outlets' copies
    groups: dict = field(default_factory=dict)       # (topic, place, iso year, iso week) -> [doc ids]

    @property
    def docs(self) -> list:
        return self.originals + self.copies


def sentences(text: str) -> list[str]:
    """The story's sentences (the dev scrape glued them together without spaces)."""
    return [s.strip() for s in _GLUED.split(text or "") if s.strip()]


def paragraphs(sents: list[str], rng: random.Random) -> list[str]:
    """Sentences grouped into paragraphs of 1 to 3 sentences."""
    out, i = [], 0
    while i < len(sents):
        n = rng.randint(1, 3)
        out.append(" ".join(sents[i:i + n]))
        i += n
    return out


def _respell(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for i, w in enumerate(words):
        roll = rng.random()
        if roll < 0.3:
            words[i] = w.translate(_RESPELL)
        elif roll < 0.35 and len(w) > 3:
            words[i] = w[:2] + _FATHA + w[2:]
        elif roll < 0.37 and len(w) > 3:
            words[i] = w[:2] + _TATWEEL + w[2:]
    return " ".join(words)


def edit(original: Doc, kinds: tuple, outlet: str, other_title: str, rng: random.Random) -> tuple[str, str]:
    """(title, text) of one outlet's copy of ``original`` with the given edits."""
    name, house = OUTLETS[outlet]
    sents = sentences(original.text)
    title_core = original.title.rstrip(".؟?! ")
    if "lead" in kinds and len(sents) > 1:
        sents = [rng.choice(LEADS).format(title=title_core)] + sents[1:]
    if "trim" in kinds and len(sents) > 3:
        sents = sents[: max(2, round(len(sents) * rng.uniform(0.55, 0.8)))]
    paras = paragraphs(sents, rng)
    if "drop" in kinds and len(paras) > 3:
        del paras[rng.randrange(1, len(paras) - 1)]
    if "reorder" in kinds and len(paras) > 2:
        i = rng.randrange(1, len(paras) - 1)
        paras[i], paras[i + 1] = paras[i + 1], paras[i]
    if "dateline" in kinds and paras:
        city = original.place or "الرباط"
        paras[0] = rng.choice(DATELINES).format(city=city) + paras[0]
    if "respell" in kinds:
        paras = [_respell(p, rng) for p in paras]
    if "boilerplate" in kinds:
        paras = [f"{name} | {rng.choice(('متابعة', 'حوادث', 'جهات'))}"] + paras + [
            f"اقرأ أيضا: {other_title}", *house]
    return rng.choice(HEADLINES).format(title=title_core), "\n".join(paras)


def load_dev(data_dir: Path) -> list[dict]:
    """The dev stories; raises FileNotFoundError with what to do when the data is absent."""
    path = Path(data_dir) / "dev.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: pass --data with the directory of dev.jsonl "
                                "(../shared/data/hespress beside the checkout)")
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def dev_docs(rows: list[dict], gazetteer: Gazetteer) -> list[Doc]:
    """Every dev story as a Doc (source ``hespress``), with its section and most salient place."""
    out = []
    for r in rows:
        when = parse_date(r.get("date") or "")
        if when is None:
            continue
        places = find_places(r.get("story") or "", gazetteer, title=r.get("title") or "")
        out.append(Doc(r["id"], r["id"], "hespress", r.get("title") or "", r.get("story") or "", when,
                       r.get("topic") or "", places[0].name if places else ""))
    return out


def group_key(d: Doc) -> tuple:
    iso = d.time.isocalendar()
    return (d.topic, d.place, iso[0], iso[1])


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha1("|".join(parts).encode("utf-8")).digest()[:8], "big")


def build(docs: list[Doc], seed: int = 20, max_originals: int | None = None) -> EvalSet:
    """The hard-negative pool (groups of 2+ stories sharing section, place and week) and
    three outlets' copies of every story in it."""
    groups = defaultdict(list)
    for d in docs:
        if d.place:
            groups[group_key(d)].append(d)
    pool = {k: sorted(v, key=lambda d: d.doc_id) for k, v in groups.items() if len(v) >= 2}
    originals = [d for k in sorted(pool) for d in pool[k]]
    if max_originals is not None:
        originals = originals[:max_originals]
    titles = [d.title for d in originals]
    out = EvalSet(originals=originals,
                  groups={k: [d.doc_id for d in v] for k, v in pool.items()})
    for d in originals:
        rng = random.Random(_seed(str(seed), d.doc_id))
        for (outlet, _), style in zip(OUTLETS.items(), STYLES):
            extra = rng.choice([e for e in EDITS if e not in style])
            kinds = tuple(sorted(set(style) | {extra}))
            title, text = edit(d, kinds, outlet, rng.choice(titles), rng)
            when = d.time + dt.timedelta(hours=rng.uniform(-6, 36))
            out.copies.append(Doc(f"{d.doc_id}@{outlet}", d.doc_id, outlet, title, text, when,
                                  d.topic, d.place, kinds))
    return out


def split(evalset: EvalSet, part: str) -> EvalSet:
    """Half of the set by group (``tune`` or ``test``): thresholds are chosen on one half
    and reported on the other. Groups split on a hash of their key."""
    if part not in ("tune", "test"):
        raise ValueError("part is 'tune' or 'test'")
    keep = {k for k in evalset.groups if (_seed(*map(str, k)) % 2 == 0) == (part == "tune")}
    ids = {i for k in keep for i in evalset.groups[k]}
    return EvalSet(originals=[d for d in evalset.originals if d.doc_id in ids],
                   copies=[d for d in evalset.copies if d.gold in ids],
                   groups={k: evalset.groups[k] for k in keep})
