"""The training data of the security classifier: dev stories, weak labels and hand labels.

Read at run time from ``../shared/data/hespress`` (never copied into the
repository): ``dev.jsonl`` (stories and site sections), ``dev_labels.jsonl``
(the reference hand labels) and the extra labels in
``configs/models/extra_labels.jsonl`` (ids and labels only). See
:mod:`pipeline.model.train` for the recipe and ``LABELING.md`` for the
definition of a security story.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from configs import CONFIG_DIR
from transforms.features import CRIME_GROUPS, N_DENSE, featurize
from transforms.lexicon import Lexicon

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "hespress"
EXTRA_PATH = CONFIG_DIR / "models" / "extra_labels.jsonl"
N_BITS = 18
HAND_WEIGHT = 3.0
EXTRA_WEIGHT = 3.0    # an extra label marked sure; unsure ones get UNSURE_FACTOR of it
UNSURE_FACTOR = 0.5
OUTSIDE_SECURITY_FACTOR = 2.0   # hand-labelled security stories outside faits-divers weigh double
OTHER, SECURITY, ACCIDENT, UNSURE = 0, 1, 2, -1   # UNSURE: a weak label left out of training
LABEL_INDEX = {"other": OTHER, "security": SECURITY, "accident": ACCIDENT}


@dataclass
class Dataset:
    ids: list
    topics: list
    titles: list
    X: object                 # scipy.sparse.csr_matrix
    weak: np.ndarray          # weak label per story
    hand: dict                # id -> label dict from dev_labels.jsonl (gold: the reported figures)
    matches: list
    extra: dict = None        # id -> label dict from extra_labels.jsonl (training only)

    def label_of(self, i: int) -> dict | None:
        """The hand label of row ``i``: gold first, then extra; None if unlabelled."""
        x = self.ids[i]
        return self.hand.get(x) or (self.extra or {}).get(x)

    def label_weight(self, i: int) -> float:
        """Stage-1 weight of a hand label; security outside faits-divers weighs more
        (``OUTSIDE_SECURITY_FACTOR``): the rare case the section's weak label gets wrong."""
        x = self.ids[i]
        if x in self.hand:
            w = HAND_WEIGHT
        else:
            w = EXTRA_WEIGHT * (1.0 if self.extra[x].get("sure", True) else UNSURE_FACTOR)
        if self.topics[i] not in ("", "faits-divers") and self.label_of(i)["label"] == "security":
            w *= OUTSIDE_SECURITY_FACTOR
        return w


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def weak_label(topic: str, m) -> int:
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


def read_extra(path: Path | None, hand: dict) -> dict:
    """Extra labels by id; a gold id there is refused (gold stays evaluation-only)."""
    if path is None or not Path(path).exists():
        return {}
    extra = {r["id"]: r for r in read_jsonl(Path(path))}
    clash = set(extra) & set(hand)
    if clash:
        raise ValueError(f"{len(clash)} extra labels are gold ids; remove them from {path}")
    for r in extra.values():
        if r["label"] not in LABEL_INDEX:
            raise ValueError(f"extra label {r['id']}: unknown label {r['label']!r}")
    return extra


def load_dataset(data_dir: Path, lexicon: Lexicon, n_bits: int = N_BITS,
                 extra_path: Path | None = EXTRA_PATH) -> Dataset:
    from scipy import sparse

    rows = read_jsonl(data_dir / "dev.jsonl")
    hand = {r["id"]: r for r in read_jsonl(data_dir / "dev_labels.jsonl")}
    extra = read_extra(extra_path, hand)
    data, indices, indptr, weak, matches = [], [], [0], [], []
    for r in rows:
        feats, m = featurize(r.get("title", ""), r.get("story", ""), lexicon, n_bits)
        indices.extend(feats.keys())
        data.extend(feats.values())
        indptr.append(len(indices))
        weak.append(weak_label(r.get("topic", ""), m))
        matches.append(m)
    dim = (1 << n_bits) + N_DENSE
    X = sparse.csr_matrix((np.array(data, dtype=np.float64), np.array(indices), np.array(indptr)),
                          shape=(len(rows), dim))
    return Dataset([r["id"] for r in rows], [r.get("topic", "") for r in rows],
                   [r.get("title", "") for r in rows], X, np.array(weak), hand, matches,
                   {k: v for k, v in extra.items() if k in {r["id"] for r in rows}})


def labels_for(ds: Dataset, rows: np.ndarray, hand_rows: np.ndarray):
    """(rows kept, labels, weights) for training on ``rows``; hand labels (gold or
    extra) override on ``hand_rows``; stories with an unsure weak label and no
    hand label are left out."""
    y = ds.weak.copy()
    w = np.ones(len(y))
    for i in hand_rows:
        y[i] = LABEL_INDEX[ds.label_of(i)["label"]]
        w[i] = ds.label_weight(i)
    rows = np.asarray(rows)
    kept = rows[y[rows] != UNSURE]
    return kept, y[kept], w[kept]


def hand_y(ds: Dataset, rows: np.ndarray) -> np.ndarray:
    return np.array([LABEL_INDEX[ds.label_of(i)["label"]] for i in rows])


def hand_w(ds: Dataset, rows: np.ndarray) -> np.ndarray:
    """Stage-2 sample weights: 1 for gold labels; extra labels relative to gold (less
    when unsure, more for security outside faits-divers)."""
    return np.array([ds.label_weight(i) / HAND_WEIGHT if ds.ids[i] not in ds.hand else 1.0 for i in rows])


def labelled_rows(ds: Dataset, rows) -> np.ndarray:
    """The rows among ``rows`` with a gold or extra label."""
    return np.array([i for i in rows if ds.label_of(i) is not None], dtype=int)
