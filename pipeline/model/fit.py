"""Fitting the stacked security model, with every setting chosen inside the training rows.

:func:`train_calibrated` is the whole recipe on a set of training rows (all
dev stories for the shipped model; the training folds in nested
cross-validation):

1. stage 1, one 3-class logistic regression (averaged SGD) per text model of
   the :class:`Variant` (weak labels for unlabelled stories, hand labels where
   there are any);
2. stage-1 margins for the hand-labelled training rows come from inner folds
   (each from a stage-1 model that did not see that story);
3. stage 2, a 3-class logistic regression on the hand labels over those
   margins, lexicon aggregates and the boundary-rule features; its C and the
   weight of security stories outside faits-divers are chosen from
   :data:`STACK_GRID` by out-of-fold stage-2 scores of the training rows'
   reference labels;
4. the threshold (:func:`choose_threshold`) from the same out-of-fold scores;
5. the category settings (:func:`choose_categories`) on the training rows'
   reference security stories.

Nothing is chosen on a story that is then scored. Needs scikit-learn.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from pipeline.model.dataset import (ACCIDENT, LABEL_INDEX, OTHER, SECURITY, UNSURE, Dataset, agreement,
                                    extra_weights, hand_rows, hand_y)
from transforms.features import FeatureSpec, stack_features
from transforms.security_model import CATEGORY_KEEP, CLASSES, apply_foreign_rule, foreign_news, rank_categories

ALPHA = 1e-3          # stage-1 L2 strength (SGD)
EPOCHS = 20
HAND_WEIGHT = 3.0     # a reference label against a weak label, in stage 1
OUTSIDE_FACTOR_STAGE1 = 2.0   # hand-labelled security outside faits-divers, stage 1
STACK_GRID = tuple((c, f) for c in (0.1, 0.3, 1.0, 3.0) for f in (1.0, 2.0))   # (C, outside factor)
INNER_FOLDS = 4
STACK_FOLDS = 5
MIN_RECALL_OUTSIDE = 0.80   # threshold policy: recall on reference security stories outside faits-divers
THRESHOLD_MIN = 0.05
THRESHOLD_STEP = 0.01
MIN_SPECIFIC_GRID = (0.0, 2.0, 3.0, 4.0, 6.0, 8.0)
SEED = 13


@dataclass(frozen=True)
class Variant:
    """A model variant: its stage-1 text models and its threshold policy."""

    name: str
    specs: tuple = (FeatureSpec(),)
    min_recall_outside: float = MIN_RECALL_OUTSIDE
    stack_grid: tuple = STACK_GRID
    note: str = ""
    extra: bool = True          # use the extra labels at all
    hand_weight: float = HAND_WEIGHT
    alpha: float = ALPHA
    weak_unsure: bool = False   # leave out weak labels of non-crime-section stories with crime evidence
    hand_only: tuple = ()       # per text model: trained on the hand labels alone (no weak labels)
    context: bool = True        # boundary-rule features in stage 2 (zeroed when False)
    foreign_rule: bool = True   # the foreign-news rule (transforms.security_model.foreign_news)
    meta: dict = field(default_factory=dict, compare=False, hash=False)


def fit_text(X, y: np.ndarray, w: np.ndarray, seed: int = SEED, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Stage 1: multinomial logistic regression by averaged SGD; (weights dim x 3, bias 3),
    the weights rounded through float16 as the artefact stores them."""
    from sklearn.linear_model import SGDClassifier

    clf = SGDClassifier(loss="log_loss", alpha=alpha, max_iter=EPOCHS, tol=None, average=True,
                        random_state=seed)
    clf.fit(X, y, sample_weight=w)
    coef = np.zeros((X.shape[1], len(CLASSES)))
    bias = np.zeros(len(CLASSES))
    for j, cls in enumerate(clf.classes_):
        coef[:, cls] = clf.coef_[j]
        bias[cls] = clf.intercept_[j]
    return np.asarray(coef, dtype=np.float16).astype(np.float64), bias


def fit_stack(S: np.ndarray, y: np.ndarray, w: np.ndarray, C: float) -> tuple[np.ndarray, np.ndarray]:
    """Stage 2: multinomial logistic regression; (weights m x 3, bias 3)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, max_iter=3000)
    clf.fit(S, y, sample_weight=w)
    coef = np.zeros((S.shape[1], len(CLASSES)))
    bias = np.full(len(CLASSES), -30.0)   # a class absent from the labels stays impossible
    for j, cls in enumerate(clf.classes_):
        sign = 1.0 if len(clf.classes_) > 2 or j else -1.0
        row = j if len(clf.classes_) > 2 else 0
        coef[:, cls] = sign * clf.coef_[row]
        bias[cls] = sign * clf.intercept_[row]
    return coef, bias


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def choose_threshold(scores: np.ndarray, y: np.ndarray, gold: np.ndarray | None = None,
                     outside: np.ndarray | None = None, min_recall_outside: float = MIN_RECALL_OUTSIDE) -> float:
    """The security threshold, from out-of-fold scores of hand-labelled stories.

    ``y`` is 1 for security. Among thresholds on a 0.01 grid from 0.05 to 0.80
    whose recall on the security stories outside the crime section
    (``outside``: a mask over the same rows) is at least ``min_recall_outside``,
    the one with the best F1 on the ``gold`` rows (all rows when None); ties go
    to the higher threshold. If no threshold reaches that recall, the one with
    the highest recall outside the crime section, then the highest threshold.
    Without any such story, the F1-best threshold.
    """
    y = np.asarray(y).astype(bool)
    gold = np.ones(len(y), dtype=bool) if gold is None else np.asarray(gold, dtype=bool)
    out = np.zeros(len(y), dtype=bool) if outside is None else (np.asarray(outside, dtype=bool) & y)
    best_key, best_t = None, 0.5
    for t in np.round(np.arange(THRESHOLD_MIN, 0.801, THRESHOLD_STEP), 3):
        pred = scores >= t
        tp = float((pred & y & gold).sum())
        f1 = 2 * tp / max(float(pred[gold].sum() + y[gold].sum()), 1.0)
        if out.any():
            rec_out = float((pred & out).sum()) / float(out.sum())
            met = rec_out >= min_recall_outside - 1e-9
            key = (met, f1 if met else rec_out, float(t))
        else:
            key = (True, f1, float(t))
        if best_key is None or key > best_key:
            best_key, best_t = key, float(t)
    return best_t


def choose_categories(ds: Dataset, rows) -> dict:
    """Category settings from the reference security stories among ``rows``: the
    ``min_specific`` of :data:`MIN_SPECIFIC_GRID` whose top category is most often
    among the reference categories. Ties go to the largest value: a category
    named in passing (one body word in a long story) does not apply."""
    sec = [i for i in rows if ds.ids[i] in ds.ref and ds.ref[ds.ids[i]]["label"] == "security"]
    best = (-1, 0.0)
    for v in MIN_SPECIFIC_GRID:
        hits = sum(rank_categories(ds.matches[i], v, CATEGORY_KEEP)[0] in ds.ref[ds.ids[i]]["categories"]
                   for i in sec)
        if hits >= best[0]:
            best = (hits, v)
    return {"min_specific": best[1], "keep": CATEGORY_KEEP}


def stage1_labels(ds: Dataset, rows: np.ndarray, labelled: np.ndarray, w_extra: dict,
                  hand_weight: float = HAND_WEIGHT, hand_only: bool = False, weak_unsure: bool = False):
    """(rows kept, labels, weights) for stage 1 on ``rows``: the hand label on
    ``labelled`` rows (reference weight :data:`HAND_WEIGHT`, extra ones times
    their agreement weight, security outside faits-divers x
    :data:`OUTSIDE_FACTOR_STAGE1`), the weak label elsewhere; unsure weak labels
    are left out."""
    y = (ds.weak_unsure if weak_unsure else ds.weak).copy()
    w = np.ones(len(y))
    for i in labelled:
        lab = ds.label_of(i)
        y[i] = LABEL_INDEX[lab["label"]]
        w[i] = hand_weight * (1.0 if ds.ids[i] in ds.ref else w_extra[bool(lab.get("sure", True))])
        if y[i] == SECURITY and ds.outside_fd(i):
            w[i] *= OUTSIDE_FACTOR_STAGE1
    rows = np.asarray(rows)
    if hand_only:
        rows = np.intersect1d(rows, labelled)
    kept = rows[(y[rows] != UNSURE) & (w[rows] > 0)]
    return kept, y[kept], w[kept]


def _hand_only(variant: Variant, k: int) -> bool:
    return bool(variant.hand_only[k]) if k < len(variant.hand_only) else False


def stack_matrix(ds: Dataset, rows, margins: list, context: bool = True) -> np.ndarray:
    """Stage-2 inputs of ``rows``; ``margins``: one (rows x 3) array per text model."""
    S = np.array([stack_features([mg[j] for mg in margins], ds.matches[i], int(ds.places[i]))
                  for j, i in enumerate(rows)])
    if not context:
        S[:, -len(_context_names()):] = 0.0
    return S


def _context_names():
    from transforms.features import CONTEXT_NAMES
    return CONTEXT_NAMES


def _stack_weights(ds: Dataset, rows, w_extra: dict, outside_factor: float) -> np.ndarray:
    w = np.ones(len(rows))
    for j, i in enumerate(rows):
        lab = ds.label_of(i)
        if ds.ids[i] not in ds.ref:
            w[j] = w_extra[bool(lab.get("sure", True))]
        if lab["label"] == "security" and ds.outside_fd(i):
            w[j] *= outside_factor
    return w


def _stratify(ds: Dataset, rows) -> np.ndarray:
    return np.array([("r" if ds.ids[i] in ds.ref else "e") + ds.label_of(i)["label"]
                     + ("o" if ds.outside_fd(i) else "f") for i in rows])


def _folds(labels: np.ndarray, k: int, seed: int):
    from sklearn.model_selection import StratifiedKFold

    # strata with fewer members than folds are merged into one
    counts = {s: int((labels == s).sum()) for s in set(labels)}
    merged = np.array([s if counts[s] >= k else "rare" for s in labels])
    with warnings.catch_warnings():   # a "rare" stratum smaller than k is expected
        warnings.simplefilter("ignore", UserWarning)
        return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(labels)), merged))


def log_loss_security(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(np.where(y, np.log(p), np.log(1 - p))))


def train_calibrated(ds: Dataset, train_rows, variant: Variant = Variant("default"), seed: int = SEED,
                     log=None) -> dict:
    """Fit the whole model on ``train_rows`` only (see the module docstring).

    Returns ``{"text": [(spec, coef, bias), ...], "stack_coef", "stack_bias",
    "threshold", "categories", "settings"}``.
    """
    train_rows = np.asarray(train_rows)
    ref_rows, extra_rows = hand_rows(ds, train_rows)
    if not variant.extra:
        extra_rows = extra_rows[:0]
    agree = agreement(ds.overlap, {ds.ids[i] for i in ref_rows})
    w_extra = extra_weights(agree)
    labelled = np.concatenate([ref_rows, extra_rows])
    hy = hand_y(ds, labelled)
    is_ref = np.array([ds.ids[i] in ds.ref for i in labelled])
    outside = np.array([ds.outside_fd(i) for i in labelled])
    # 2. out-of-fold stage-1 margins of the labelled rows
    oof = [np.zeros((len(labelled), 3)) for _ in variant.specs]
    for fit_part, held in _folds(_stratify(ds, labelled), INNER_FOLDS, seed):
        held_set = set(labelled[held].tolist())
        rows = np.array([i for i in train_rows if i not in held_set])
        for k, spec in enumerate(variant.specs):
            kept, y, w = stage1_labels(ds, rows, labelled[fit_part], w_extra, variant.hand_weight,
                                       _hand_only(variant, k), variant.weak_unsure)
            X = ds.matrix(spec)
            coef, bias = fit_text(X[kept], y, w, seed, variant.alpha)
            oof[k][held] = np.asarray(X[labelled[held]] @ coef) + bias
    S = stack_matrix(ds, labelled, oof, variant.context)
    # 3-4. stage-2 settings and threshold from out-of-fold stage-2 scores of the reference rows
    folds2 = _folds(_stratify(ds, labelled), STACK_FOLDS, seed + 1)
    best = None
    for C, factor in variant.stack_grid:
        w2 = _stack_weights(ds, labelled, w_extra, factor)
        s_oof = np.zeros(len(labelled))
        for fit_part, held in folds2:
            c2, b2 = fit_stack(S[fit_part], hy[fit_part], w2[fit_part], C)
            s_oof[held] = softmax(S[held] @ c2 + b2)[:, SECURITY]
        ysec = hy == SECURITY
        t = choose_threshold(s_oof[is_ref], ysec[is_ref], None, outside[is_ref], variant.min_recall_outside)
        pred = s_oof[is_ref] >= t
        tp = float((pred & ysec[is_ref]).sum())
        f1 = 2 * tp / max(float(pred.sum() + ysec[is_ref].sum()), 1.0)
        key = (round(f1, 6), -log_loss_security(s_oof[is_ref], ysec[is_ref]))
        if best is None or key > best[0]:
            best = (key, C, factor, t)
    (f1_in, _), C, factor, threshold = best
    stack_coef, stack_bias = fit_stack(S, hy, _stack_weights(ds, labelled, w_extra, factor), C)
    # 1. stage 1 on all training rows
    text = []
    for k, spec in enumerate(variant.specs):
        kept, y, w = stage1_labels(ds, train_rows, labelled, w_extra, variant.hand_weight, _hand_only(variant, k),
                                   variant.weak_unsure)
        coef, bias = fit_text(ds.matrix(spec)[kept], y, w, seed, variant.alpha)
        text.append((spec, coef, bias))
    if not variant.context:
        stack_coef[-len(_context_names()):] = 0.0
    settings = {"stack_C": C, "outside_factor": factor, "extra_weights": w_extra,
                "agreement": {str(k): v for k, v in agree.items()}, "inner_f1": f1_in}
    if log:
        log(f"threshold {threshold}, C {C}, outside x{factor}, extra weights {w_extra}, inner F1 {f1_in:.3f}")
    return {"text": text, "stack_coef": stack_coef, "stack_bias": stack_bias, "threshold": threshold,
            "categories": choose_categories(ds, train_rows), "settings": settings,
            "rules": {"foreign_news": variant.foreign_rule}}


def predict(ds: Dataset, rows, fit: dict) -> np.ndarray:
    """Class probabilities (other, security, accident) of ``rows`` (rows x 3)."""
    rows = np.asarray(rows)
    margins = [np.asarray(ds.matrix(spec)[rows] @ coef) + bias for spec, coef, bias in fit["text"]]
    S = stack_matrix(ds, rows, margins)
    p = softmax(S @ fit["stack_coef"] + fit["stack_bias"])
    if fit.get("rules", {}).get("foreign_news"):
        for j, i in enumerate(rows):
            if foreign_news(ds.matches[i], int(ds.places[i])):
                p[j] = apply_foreign_rule(tuple(p[j]), fit["threshold"])
    return p


def decide(p: np.ndarray, threshold) -> np.ndarray:
    """Labels ("security"/"accident"/"other") from probabilities, as inference decides."""
    is_sec = p[:, SECURITY] >= threshold
    is_acc = (~is_sec) & (p[:, ACCIDENT] > p[:, OTHER])
    return np.where(is_sec, "security", np.where(is_acc, "accident", "other"))
