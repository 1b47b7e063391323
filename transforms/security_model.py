"""The Arabic security classifier (pure Python + numpy inference over a JSON artefact).

``SecurityClassifier.classify(title, text, language)`` returns a
:class:`transforms.core.records.Classification`:

* ``security_score``: calibrated probability from stacked linear models:
  stage 1, one or more 3-class (other/security/accident) text models over
  hashed features (:class:`transforms.features.FeatureSpec`: stems, optionally
  the lead and character n-grams) plus lexicon features; stage 2, a small
  logistic regression fitted on hand labels over stage 1's margins, lexicon
  aggregates and the boundary-rule features (see :mod:`pipeline.model`);
* ``is_security``: score >= the threshold stored in the model;
* ``is_accident``: not security, and the model prefers accident over other;
* ``categories``: ranked by weighted lexicon evidence (:func:`rank_categories`);
* ``matched_terms``: the lexicon terms found, strongest first;
* ``places`` / ``primary_place``: Moroccan places, from :mod:`transforms.places`.

Stories in other languages get ``None`` labels and no guess.
Inference needs no scikit-learn; the model is a JSON file of float16 weights
over hashed feature indices and a few coefficients.
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
from transforms.features import (FeatureSpec, dense_features, hashed_blocks, stack_features, story_infos,
                                 story_tokens)
from transforms.lexicon import CATEGORIES, Lexicon, Match
from transforms.places import Gazetteer, find_places_tokens

MODEL_PATH = CONFIG_DIR / "models" / "security_model.json"   # the shipped artefact, beside the lexicon
FORMAT = "hashed-linear-stacked-v2"
CLASSES = ("other", "security", "accident")
SPECIFIC = tuple(c for c in CATEGORIES if c != "policing_governance")
MIN_SPECIFIC = 3.0         # default evidence for a specific category to apply (artefact overrides)
CATEGORY_KEEP = 0.25       # keep categories scoring at least this share of the top one
MAX_TERMS = 12
FOREIGN_MIN = 3.0          # foreign-name evidence (title hits triple) for the foreign-news rule


def foreign_news(m: Match, moroccan_places: int) -> bool:
    """The foreign-news rule of LABELING.md: crime, terrorism or war abroad with no
    Moroccan angle is other. True when the story names foreign countries, cities or
    nationalities (lexicon group ``foreign``, evidence >= :data:`FOREIGN_MIN`) and
    nothing Moroccan: no ``morocco`` term (Morocco, Moroccans, Moroccan-only
    institutions, Sebta and Melilla) and no gazetteer place."""
    return m.score("foreign") >= FOREIGN_MIN and m.score("morocco") == 0 and moroccan_places == 0


def apply_foreign_rule(probs: tuple[float, float, float], threshold: float) -> tuple[float, float, float]:
    """Probabilities of a foreign-news story: the security probability is capped at
    half the threshold (so the story is not security), the rest moved to other."""
    p_other, p_sec, p_acc = probs
    cap = min(p_sec, threshold / 2.0)
    return p_other + (p_sec - cap), cap, p_acc


@functools.lru_cache(maxsize=8)
def read_version(model_path: Optional[Path | str] = None) -> str:
    """The version stored in a model artefact (the shipped one by default)."""
    with open(model_path or MODEL_PATH, encoding="utf-8") as fh:
        return json.load(fh)["version"]


def __getattr__(name: str):  # lazy module constant, read from the shipped artifact
    if name == "CLASSIFIER_VERSION":
        return read_version()
    raise AttributeError(name)


def decode_weights(b64: str) -> np.ndarray:
    """float16 weights (base64) -> float32 array of shape (features, 3)."""
    raw = base64.b64decode(b64)
    return np.frombuffer(raw, dtype=np.float16).astype(np.float32).reshape(-1, len(CLASSES))


def encode_weights(w: np.ndarray) -> str:
    return base64.b64encode(np.asarray(w, dtype=np.float16).tobytes()).decode("ascii")


def load_model(model_path: Optional[Path | str] = None) -> "StackedModel":
    """The model artefact at ``model_path`` (default :data:`MODEL_PATH`).

    Raises OSError when it cannot be read, ValueError or KeyError when it is
    not a model artefact of format :data:`FORMAT`.
    """
    with open(model_path or MODEL_PATH, encoding="utf-8") as fh:
        return StackedModel(json.load(fh))


class TextModel:
    """One stage-1 model: a feature spec, weights (features x 3) and biases (3)."""

    def __init__(self, spec: FeatureSpec, weights: np.ndarray, bias):
        if weights.shape != (spec.dim, len(CLASSES)):
            raise ValueError(f"model weights have shape {weights.shape}, the spec wants {(spec.dim, 3)}")
        self.spec = spec
        self.weights = weights
        self.bias = [float(b) for b in bias]
        self._word_rows: dict[str, np.ndarray] = {}   # word -> sum of its n-gram weight rows

    def margins(self, title_tokens: list[str], body_tokens: list[str], dense: list[float],
                hashes: tuple | None = None) -> list[float]:
        """Class margins (other, security, accident) of one story; ``dense`` is
        :func:`transforms.features.dense_features` (used when the spec has a dense block);
        ``hashes``: the (title, body) stem hashes of :func:`transforms.features.story_infos`.

        Computed per namespace (its weight rows summed, times its value): the same
        as the sparse vector product training uses, without building the vector.
        """
        z = np.zeros(len(CLASSES), dtype=np.float64)
        for idx, v, words in hashed_blocks(title_tokens, body_tokens, self.spec, hashes):
            if words is None:
                rows = self.weights.take(np.fromiter(idx, dtype=np.int64, count=len(idx)), axis=0)
                z += v * rows.sum(axis=0, dtype=np.float64)
            else:
                z += v * self._bag_sum(words, idx)
        if self.spec.dense:
            z += np.asarray(dense, dtype=np.float64) @ self.weights[1 << self.spec.n_bits:]
        return [float(z[k]) + self.bias[k] for k in range(3)]


    def _bag_sum(self, words: list[str], parts: list[tuple[int, ...]]) -> np.ndarray:
        """Sum over ``words`` of each word's n-gram weight rows (memoised per word)."""
        cache = self._word_rows
        missing = [j for j, w in enumerate(words) if w not in cache]
        if missing:
            lengths = [len(parts[j]) for j in missing]
            flat = np.fromiter((i for j in missing for i in parts[j]), dtype=np.int64, count=sum(lengths))
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            sums = np.add.reduceat(self.weights.take(flat, axis=0).astype(np.float64), starts, axis=0)
            if len(cache) > 300_000:
                cache.clear()
            for j, row in zip(missing, sums):
                cache[words[j]] = row
        return np.sum([cache[w] for w in words], axis=0)


class StackedModel:
    """Stage-1 text models, the stage-2 calibrator, the threshold and the category settings."""

    def __init__(self, model: dict):
        if model.get("format") != FORMAT:
            raise ValueError(f"model format {model.get('format')!r}, expected {FORMAT!r}: retrain "
                             "with `python -m pipeline.train`")
        self.meta = model
        self.version = model["version"]
        self.text_models = [TextModel(FeatureSpec.from_dict(t["spec"]), decode_weights(t["weights_b64"]),
                                      t["bias"]) for t in model["text_models"]]
        self.stack_coef = [[float(x) for x in row] for row in model["stack_coef"]]
        self.stack_bias = [float(b) for b in model["stack_bias"]]
        self.threshold = float(model["threshold"])
        cats = model.get("categories") or {}
        self.min_specific = float(cats.get("min_specific", MIN_SPECIFIC))
        self.category_keep = float(cats.get("keep", CATEGORY_KEEP))
        self.max_body_tokens = max(t.spec.max_body_tokens for t in self.text_models)
        self.foreign_rule = bool((model.get("rules") or {}).get("foreign_news", False))

    def probabilities(self, title_tokens: list[str], body_tokens: list[str], m: Match,
                      moroccan_places: int, hashes: tuple | None = None) -> tuple[float, float, float]:
        """Stage-2 class probabilities (other, security, accident) of one story."""
        dense = dense_features(m, moroccan_places)
        margins = [t.margins(title_tokens, body_tokens, dense, hashes) for t in self.text_models]
        s = stack_features(margins, m, moroccan_places)
        if len(s) != len(self.stack_coef):
            raise ValueError(f"{len(s)} stage-2 features, the model has {len(self.stack_coef)}")
        z = list(self.stack_bias)
        for x, row in zip(s, self.stack_coef):
            z[0] += x * row[0]
            z[1] += x * row[1]
            z[2] += x * row[2]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = sum(e)
        probs = (e[0] / total, e[1] / total, e[2] / total)
        if self.foreign_rule and foreign_news(m, moroccan_places):
            probs = apply_foreign_rule(probs, self.threshold)
        return probs


LinearModel = StackedModel   # the name before format v2


def rank_categories(m: Match, min_specific: float = MIN_SPECIFIC, keep: float = CATEGORY_KEEP) -> tuple[str, ...]:
    """Security categories of a story, best first, from lexicon evidence.

    The README rule: ``policing_governance`` (police words are in nearly every
    security story) comes first only when nothing more specific applies. A
    specific category (violent crime, drugs, ...) applies when its evidence
    (:meth:`Match.score`, title hits triple) reaches ``min_specific`` and at
    least ``keep`` times the best specific category's. Applying categories
    come first, by evidence; ``policing_governance`` follows when it has
    evidence. When none applies, ``policing_governance`` comes first, followed
    by the specific categories with some evidence (at least ``keep`` times the
    best one's). A story without any evidence gets ``("policing_governance",)``.
    """
    scores = {c: m.score(c) for c in CATEGORIES}
    top_specific = max(scores[c] for c in SPECIFIC)
    order = sorted((c for c in SPECIFIC if scores[c] > 0 and scores[c] >= keep * top_specific),
                   key=lambda c: (-scores[c], CATEGORIES.index(c)))
    applying = [c for c in order if scores[c] >= min_specific]
    if applying:
        return tuple(applying) + (("policing_governance",) if scores["policing_governance"] > 0 else ())
    return ("policing_governance",) + tuple(order)


class SecurityClassifier:
    """The model, the lexicon and the gazetteer together; see the module docstring."""

    def __init__(self, model: StackedModel, lexicon: Lexicon, gazetteer: Gazetteer):
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
        """(calibrated security score, class probabilities, lexicon match, Moroccan places)."""
        ts, th, bs, bh = story_infos(title_tokens, body_tokens, self.model.max_body_tokens)
        m = self.lexicon.match(ts, bs)
        places = find_places_tokens(title_tokens, body_tokens, self.gazetteer)
        probs = self.model.probabilities(title_tokens, body_tokens, m, len(places), (th, bh))
        return probs[1], probs, m, places

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
        """Labels of one story; ``language`` other than ``"ar"`` gets None labels.

        Raises TypeError/AttributeError when ``title`` or ``text`` is not a string
        (the Beam wrapper turns that into a dead letter).
        """
        if language != "ar":
            return Classification(is_security=None, security_score=None, is_accident=None,
                                  categories=(), matched_terms=(), places=(),
                                  primary_place=None, classifier_version=self.version)
        tt, bt = story_tokens(title, text)
        score, (p_other, _, p_acc), m, found = self.scores(tt, bt)
        is_security = score >= self.model.threshold
        is_accident = (not is_security) and p_acc > p_other
        categories = rank_categories(m, self.model.min_specific, self.model.category_keep) if is_security else ()
        places = tuple(p.name for p in found)
        return Classification(
            is_security=is_security,
            security_score=round(score, 4),
            categories=categories,
            matched_terms=self._evidence(m),
            places=places,
            primary_place=places[0] if places else None,
            is_accident=is_accident,
            classifier_version=self.version,
        )
