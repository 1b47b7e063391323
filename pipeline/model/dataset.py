"""The training data of the security classifier: dev stories, weak labels, reference and extra labels.

Read at run time from ``../shared/data/hespress`` (never copied into the
repository):

* ``dev.jsonl``: 4,200 stories with their site section (``topic``);
* the reference labels (:data:`REFERENCE_FILES`): ``dev_labels.jsonl`` (300)
  and ``dev_labels_2.jsonl`` (378), labelled under ``LABELING.md``; the ground
  truth, used for training, choice and every reported figure (out-of-fold);
* the extra labels, ``configs/models/extra_labels.jsonl`` (585, ids and labels
  only, one annotator): training only. An extra label on a story that also has
  a reference label is not used for training; those pairs measure the extra
  labels' agreement with the reference (:func:`agreement`), which sets their
  weight (:func:`extra_weights`).

See :mod:`pipeline.model.train` for the recipe.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from configs import CONFIG_DIR
from transforms.features import CRIME_GROUPS, FeatureSpec, featurize_tokens, match_story, story_tokens
from transforms.lexicon import Lexicon
from transforms.places import Gazetteer, find_places_tokens

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "hespress"
REFERENCE_FILES = ("dev_labels.jsonl", "dev_labels_2.jsonl")
EXTRA_PATH = CONFIG_DIR / "models" / "extra_labels.jsonl"
MAX_BODY_TOKENS = 600
OTHER, SECURITY, ACCIDENT, UNSURE = 0, 1, 2, -1   # UNSURE: a weak label left out of training
LABEL_INDEX = {"other": OTHER, "security": SECURITY, "accident": ACCIDENT}


@dataclass
class Dataset:
    """Dev stories with their features and labels; row ``i`` is story ``ids[i]``.

    ``ref``: id -> reference label dict (``label``, ``categories``, ``sure``);
    ``extra``: id -> extra label dict, reference ids excluded; ``overlap``:
    (id, extra label dict, reference label dict) for stories both label.
    """

    ids: list
    topics: list
    title_tokens: list
    body_tokens: list
    matches: list
    places: np.ndarray        # distinct Moroccan places found per story
    weak: np.ndarray          # weak label per story (OTHER/SECURITY/ACCIDENT/UNSURE)
    weak_unsure: np.ndarray   # the cautious weak label (weak_label_cautious)
    ref: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    overlap: list = field(default_factory=list)
    _matrices: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.row_of = {x: i for i, x in enumerate(self.ids)}

    def label_of(self, i: int) -> dict | None:
        """The hand label of row ``i``: reference first, then extra; None if unlabelled."""
        x = self.ids[i]
        return self.ref.get(x) or self.extra.get(x)

    def outside_fd(self, i: int) -> bool:
        """Published outside faits-divers (the crime section)."""
        return self.topics[i] not in ("", "faits-divers")

    def matrix(self, spec: FeatureSpec):
        """The sparse feature matrix (stories x ``spec.dim``) under ``spec``, built once."""
        key = spec
        if key not in self._matrices:
            from scipy import sparse

            data, indices, indptr = [], [], [0]
            for tt, bt, m, p in zip(self.title_tokens, self.body_tokens, self.matches, self.places):
                feats = featurize_tokens(tt, bt, m, int(p), spec)
                indices.extend(feats.keys())
                data.extend(feats.values())
                indptr.append(len(indices))
            self._matrices[key] = sparse.csr_matrix(
                (np.array(data, dtype=np.float64), np.array(indices, dtype=np.int64), np.array(indptr)),
                shape=(len(self.ids), spec.dim))
        return self._matrices[key]


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def weak_label(topic: str, m) -> int:
    """The section's weak label, corrected by the lexicon: a faits-divers story is
    security unless it reads as an accident; another section's story is other
    unless its title carries strong crime evidence."""
    crime_t = sum(m.title.get(g, 0.0) for g in CRIME_GROUPS)
    crime = 3 * crime_t + sum(m.body.get(g, 0.0) for g in CRIME_GROUPS)
    acc_t = m.title.get("accident", 0.0)
    acc = m.score("accident")
    if topic == "faits-divers":
        if acc_t > 0 and crime_t == 0 and acc > crime:
            return ACCIDENT
        return SECURITY
    if crime_t >= 5 and m.title.get("non_security", 0.0) == 0 and crime >= 12:
        return SECURITY
    return OTHER


def weak_label_cautious(topic: str, m) -> int:
    """:func:`weak_label`, but UNSURE (left out of training) where the section is
    known to mislead: a story outside faits-divers with crime evidence (>= 6)
    or enforcement next to emergency-rule vocabulary, that the title rule does
    not already call security."""
    label = weak_label(topic, m)
    if topic != "faits-divers" and label == OTHER:
        crime = sum(m.score(g) for g in CRIME_GROUPS)
        if crime >= 6 or m.near.get("emergency~enforcement", 0) >= 2:
            return UNSURE
    return label


def check_labels(rows: list[dict], source: str) -> dict:
    """Label rows by id; raises ValueError on an unknown label or a repeated id."""
    out = {}
    for r in rows:
        if r.get("label") not in LABEL_INDEX:
            raise ValueError(f"{source}: {r.get('id')}: unknown label {r.get('label')!r}")
        if r["id"] in out:
            raise ValueError(f"{source}: {r['id']} is labelled twice")
        out[r["id"]] = r
    return out


def read_reference(data_dir: Path) -> dict:
    """The reference labels of :data:`REFERENCE_FILES` by id (a missing second file is skipped).

    Raises OSError when ``dev_labels.jsonl`` is missing, ValueError on a bad label
    or an id labelled in two files.
    """
    ref: dict = {}
    for name in REFERENCE_FILES:
        path = Path(data_dir) / name
        if not path.exists() and name != REFERENCE_FILES[0]:
            continue
        part = check_labels(read_jsonl(path), name)
        clash = set(part) & set(ref)
        if clash:
            raise ValueError(f"{len(clash)} ids are labelled in two reference files")
        ref.update(part)
    return ref


def read_extra(path: Path | None, ref: dict) -> tuple[dict, list]:
    """(extra labels by id without the reference ids, [(id, extra, reference)] for the others).

    Raises ValueError on an unknown label.
    """
    if path is None or not Path(path).exists():
        return {}, []
    extra = check_labels(read_jsonl(Path(path)), str(path))
    overlap = [(x, extra[x], ref[x]) for x in sorted(set(extra) & set(ref))]
    return {k: v for k, v in extra.items() if k not in ref}, overlap


def agreement(overlap: list, ids=None) -> dict:
    """Binary (security or not) agreement of extra with reference labels, by the
    extra label's ``sure`` flag: ``{True: (agree, n), False: (agree, n)}``,
    over the pairs whose id is in ``ids`` (all when None)."""
    out = {True: [0, 0], False: [0, 0]}
    for x, e, r in overlap:
        if ids is not None and x not in ids:
            continue
        k = bool(e.get("sure", True))
        out[k][0] += (e["label"] == "security") == (r["label"] == "security")
        out[k][1] += 1
    return {k: tuple(v) for k, v in out.items()}


def extra_weights(agree: dict) -> dict:
    """Weight of an extra label relative to a reference label, by ``sure``.

    With a binary label that agrees with the reference with probability ``a``
    (Laplace-smoothed: (agree + 1) / (n + 2)), the expected label is the true
    one scaled by ``2a - 1`` (symmetric label noise: E[y~] = (1 - 2 rho) y in +-1
    coding, rho = 1 - a); a label that agrees no better than chance weighs 0.
    Measured on the 120 stories both label: 79/81 sure (weight 0.93), 32/39
    unsure (0.61).
    """
    out = {}
    for sure, (agree_n, n) in agree.items():
        a = (agree_n + 1.0) / (n + 2.0)
        out[sure] = round(max(0.0, 2.0 * a - 1.0), 3)
    return out


def load_dataset(data_dir: Path, lexicon: Lexicon, gazetteer: Gazetteer | None = None,
                 extra_path: Path | None = EXTRA_PATH) -> Dataset:
    """Read and featurise the dev data (tokens, lexicon matches, places, weak labels).

    Feature matrices are built on demand by :meth:`Dataset.matrix`. Raises
    OSError when a file is missing and ValueError on bad labels.
    """
    gazetteer = gazetteer or Gazetteer.load()
    rows = read_jsonl(Path(data_dir) / "dev.jsonl")
    ref = read_reference(data_dir)
    extra, overlap = read_extra(extra_path, ref)
    ids = [r["id"] for r in rows]
    known = set(ids)
    titles, bodies, matches, places, weak, cautious = [], [], [], [], [], []
    for r in rows:
        tt, bt = story_tokens(r.get("title", ""), r.get("story", ""))
        m = match_story(tt, bt, lexicon, MAX_BODY_TOKENS)
        titles.append(tt)
        bodies.append(bt)
        matches.append(m)
        places.append(len(find_places_tokens(tt, bt, gazetteer)))
        weak.append(weak_label(r.get("topic", ""), m))
        cautious.append(weak_label_cautious(r.get("topic", ""), m))
    return Dataset(ids, [r.get("topic", "") for r in rows], titles, bodies, matches,
                   np.array(places), np.array(weak), np.array(cautious), {k: v for k, v in ref.items() if k in known},
                   {k: v for k, v in extra.items() if k in known}, [o for o in overlap if o[0] in known])


def hand_rows(ds: Dataset, rows) -> tuple[np.ndarray, np.ndarray]:
    """(reference rows, extra rows) among ``rows``."""
    rows = list(rows)
    return (np.array([i for i in rows if ds.ids[i] in ds.ref], dtype=int),
            np.array([i for i in rows if ds.ids[i] in ds.extra], dtype=int))


def hand_y(ds: Dataset, rows) -> np.ndarray:
    return np.array([LABEL_INDEX[ds.label_of(i)["label"]] for i in rows], dtype=int)
