"""The Arabic security classifier (pure Python inference over a JSON artefact).

``SecurityClassifier.classify(title, text, language)`` returns a
:class:`transforms.core.records.Classification`:

* ``security_score``: calibrated probability from two stacked linear models:
  stage 1, 3-class (other/security/accident) over hashed stems plus lexicon
  features, trained on weak labels from site sections; stage 2, a small
  logistic regression fitted on hand labels over stage 1's margins and lexicon
  aggregates (see :mod:`pipeline.model.train`);
* ``is_security``: score >= the threshold stored in the model;
* ``is_accident``: not security, and the model prefers accident over other;
* ``categories``: ranked by weighted lexicon evidence (title counts triple);
* ``matched_terms``: the lexicon terms found, strongest first;
* ``places`` / ``primary_place``: from :mod:`transforms.places`.

Stories in other languages get ``None`` labels and no guess.
Inference is pure Python (no scikit-learn); the model is a JSON file of
quantised weights over hashed feature indices.
"""
from __future__ import annotations

import base64
import functools
import json
import math
from pathlib import Path
from typing import Optional

import numpy as np

from configs import CONFIG_DIR
from transforms.core.records import Classification
from transforms.features import featurize_tokens, stack_features, story_tokens
from transforms.lexicon import CATEGORIES, Lexicon, Match
from transforms.places import Gazetteer, find_places_tokens

MODEL_PATH = CONFIG_DIR / "models" / "security_model.json"   # the shipped artefact, beside the lexicon
CLASSES = ("other", "security", "accident")
POLICING_DAMPING = 0.25    # police words are in nearly every security story
CATEGORY_KEEP = 0.25       # keep categories scoring at least this share of the top one
MAX_TERMS = 12


@functools.lru_cache(maxsize=8)
def read_version(model_path: Optional[Path | str] = None) -> str:
    """The version stored in a model artifact (the shipped one by default)."""
    with open(model_path or MODEL_PATH, encoding="utf-8") as fh:
        return json.load(fh)["version"]


def __getattr__(name: str):  # lazy module constant, read from the shipped artifact
    if name == "CLASSIFIER_VERSION":
        return read_version()
    raise AttributeError(name)


def decode_weights(model: dict) -> np.ndarray:
    raw = base64.b64decode(model["weights_b64"])
    return np.frombuffer(raw, dtype=np.float16).astype(np.float32).reshape(-1, len(CLASSES))


def encode_weights(w: np.ndarray) -> str:
    return base64.b64encode(np.asarray(w, dtype=np.float16).tobytes()).decode("ascii")


def load_model(model_path: Optional[Path | str] = None) -> "LinearModel":
    """The model artefact at ``model_path`` (default :data:`MODEL_PATH`).

    Raises OSError when it cannot be read, ValueError or KeyError when it is
    not a model artefact.
    """
    with open(model_path or MODEL_PATH, encoding="utf-8") as fh:
        return LinearModel(json.load(fh))


class LinearModel:
    """Multinomial logistic regression over sparse features, plus calibration."""

    def __init__(self, model: dict):
        self.meta = model
        self.n_bits = int(model["n_bits"])
        self.version = model["version"]
        self.weights = decode_weights(model)
        self.bias = [float(b) for b in model["bias"]]
        self.stack_coef = [[float(x) for x in row] for row in model["stack_coef"]]
        self.stack_bias = [float(b) for b in model["stack_bias"]]
        self.threshold = float(model.get("threshold", 0.5))

    def margins(self, feats: dict[int, float]) -> list[float]:
        """Stage-1 class margins (other, security, accident)."""
        if feats:
            idx = np.fromiter(feats.keys(), dtype=np.int64, count=len(feats))
            val = np.fromiter(feats.values(), dtype=np.float32, count=len(feats))
            z = (val @ self.weights.take(idx, axis=0)).tolist()
        else:
            z = [0.0, 0.0, 0.0]
        return [z[k] + self.bias[k] for k in range(3)]

    def probabilities(self, feats: dict[int, float], m: Match) -> tuple[float, float, float]:
        """Stage-2 class probabilities (other, security, accident)."""
        s = stack_features(self.margins(feats), m)
        z = list(self.stack_bias)
        for x, row in zip(s, self.stack_coef):
            z[0] += x * row[0]
            z[1] += x * row[1]
            z[2] += x * row[2]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        return e[0] / total, e[1] / total, e[2] / total


def rank_categories(m: Match) -> tuple[str, ...]:
    scores = {c: m.score(c) for c in CATEGORIES}
    scores["policing_governance"] *= POLICING_DAMPING
    top = max(scores.values())
    if top <= 0:
        return ("policing_governance",)
    kept = [c for c in CATEGORIES if scores[c] > 0 and scores[c] >= CATEGORY_KEEP * top]
    # specific crime categories before policing on ties
    kept.sort(key=lambda c: (-scores[c], c == "policing_governance", CATEGORIES.index(c)))
    return tuple(kept)


class SecurityClassifier:
    def __init__(self, model: LinearModel, lexicon: Lexicon, gazetteer: Gazetteer):
        self.model = model
        self.lexicon = lexicon
        self.gazetteer = gazetteer
        self.version = model.version

    @classmethod
    def load(cls, model_path=None, lexicon_path=None, gazetteer_path=None) -> "SecurityClassifier":
        """The classifier from files (each None: the shipped one under ``configs/``).

        Raises OSError for an unreadable file, ValueError/KeyError for a malformed one.
        """
        return cls(load_model(model_path), Lexicon.load(lexicon_path), Gazetteer.load(gazetteer_path))

    def scores(self, title_tokens: list[str], body_tokens: list[str]):
        """(calibrated security score, class probabilities, lexicon match)."""
        feats, m = featurize_tokens(title_tokens, body_tokens, self.lexicon, self.model.n_bits)
        probs = self.model.probabilities(feats, m)
        return probs[1], probs, m

    def _evidence(self, m: Match) -> tuple[str, ...]:
        """Matched terms, strongest first, one spelling per stem sequence (جريمة/الجريمة)."""
        seen, out = set(), []
        for term, _ in sorted(m.terms.items(), key=lambda kv: (-kv[1], kv[0])):
            key = self.lexicon.key_of.get(term, (term,))
            if key not in seen:
                seen.add(key)
                out.append(term)
                if len(out) == MAX_TERMS:
                    break
        return tuple(out)

    def classify(self, title: str, text: str, language: str) -> Classification:
        if language != "ar":
            return Classification(is_security=None, security_score=None, is_accident=None,
                                  categories=(), matched_terms=(), places=(),
                                  primary_place=None, classifier_version=self.version)
        tt, bt = story_tokens(title, text)
        score, (p_other, _, p_acc), m = self.scores(tt, bt)
        is_security = score >= self.model.threshold
        is_accident = (not is_security) and p_acc > p_other
        categories = rank_categories(m) if is_security else ()
        terms = self._evidence(m)
        places = tuple(p.name for p in find_places_tokens(tt, bt, self.gazetteer))
        return Classification(
            is_security=is_security,
            security_score=round(score, 4),
            categories=categories,
            matched_terms=terms,
            places=places,
            primary_place=places[0] if places else None,
            is_accident=is_accident,
            classifier_version=self.version,
        )
