"""Fitting the two-stage security model, choosing its threshold, and cross-validation.

Stage 1 is a 3-class logistic regression (averaged SGD) over hashed stems and
lexicon features; stage 2 a small logistic regression on the hand labels over
stage 1's out-of-fold margins and lexicon aggregates; the threshold comes
from out-of-fold stage-2 scores (:func:`choose_threshold`). Needs scikit-learn.
"""
from __future__ import annotations

import sys

import numpy as np

from pipeline.model.dataset import (ACCIDENT, OTHER, SECURITY, Dataset, hand_w, hand_y, labelled_rows,
                                    labels_for)
from transforms.features import stack_features
from transforms.security_model import CLASSES

ALPHA = 1e-3          # stage-1 L2 strength (SGD)
EPOCHS = 20
STACK_C = 1.0         # stage-2 inverse regularisation
INNER_FOLDS = 4
OUTER_FOLDS = 5
MIN_RECALL_OUTSIDE = 0.80   # threshold policy: recall on hand-labelled security stories outside faits-divers
THRESHOLD_MIN = 0.05
THRESHOLD_STEP = 0.01
SEED = 13


def fit_text(X, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stage 1: multinomial logistic regression by averaged SGD; (weights dim x 3, bias 3)."""
    from sklearn.linear_model import SGDClassifier

    clf = SGDClassifier(loss="log_loss", alpha=ALPHA, max_iter=EPOCHS, tol=None, average=True,
                        random_state=SEED)
    clf.fit(X, y, sample_weight=w)
    coef = np.zeros((X.shape[1], len(CLASSES)))
    bias = np.zeros(len(CLASSES))
    for j, cls in enumerate(clf.classes_):
        coef[:, cls] = clf.coef_[j]
        bias[cls] = clf.intercept_[j]
    # round-trip through float16 so that training sees what inference will use
    return np.asarray(coef, dtype=np.float16).astype(np.float64), bias


def margins(X, coef: np.ndarray, bias: np.ndarray) -> np.ndarray:
    return np.asarray(X @ coef) + bias


def stack_matrix(ds: Dataset, rows: np.ndarray, marg: np.ndarray) -> np.ndarray:
    return np.array([stack_features(marg[j], ds.matches[i]) for j, i in enumerate(rows)])


def fit_stack(S: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Stage 2: multinomial LR on hand labels; (weights m x 3, bias 3)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=STACK_C, max_iter=2000)
    clf.fit(S, y, sample_weight=w)
    coef = np.zeros((S.shape[1], len(CLASSES)))
    bias = np.full(len(CLASSES), -30.0)   # a class absent from the labels stays impossible
    for j, cls in enumerate(clf.classes_):
        coef[:, cls] = clf.coef_[j] if len(clf.classes_) > 2 else (clf.coef_[0] if j else -clf.coef_[0])
        bias[cls] = clf.intercept_[j] if len(clf.classes_) > 2 else (clf.intercept_[0] if j else -clf.intercept_[0])
    return coef, bias


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def choose_threshold(scores: np.ndarray, y: np.ndarray, gold: np.ndarray | None = None,
                     outside: np.ndarray | None = None, min_recall_outside: float = MIN_RECALL_OUTSIDE) -> float:
    """The security threshold, from out-of-fold scores of hand-labelled stories.

    ``y`` is 1 for security. Among thresholds whose recall on the security
    stories outside the crime section (``outside``: a mask over the same rows)
    is at least ``min_recall_outside``, the one with the best F1 on the
    ``gold`` rows (a plain sample of the news; all rows when None); ties go
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


def train_calibrated(ds: Dataset, train_rows: np.ndarray, hand_rows: np.ndarray, seed: int = SEED) -> dict:
    """Fit both stages on ``train_rows`` only; ``hand_rows`` (a subset) train stage 2.

    Stage-2 inputs for the hand rows are out-of-fold: each comes from a stage-1
    model that did not see that story. The threshold comes from out-of-fold
    stage-2 scores of the same hand rows (see :func:`choose_threshold`).
    """
    from sklearn.model_selection import StratifiedKFold

    hy = hand_y(ds, hand_rows)
    hw = hand_w(ds, hand_rows)
    oof = np.zeros((len(hand_rows), len(CLASSES)))
    skf = StratifiedKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=seed)
    for fit_part, held in skf.split(hand_rows, hy):
        held_set = set(hand_rows[held].tolist())
        rows = np.array([i for i in train_rows if i not in held_set])
        kept, y, w = labels_for(ds, rows, hand_rows[fit_part])
        coef, bias = fit_text(ds.X[kept], y, w)
        oof[held] = margins(ds.X[hand_rows[held]], coef, bias)
    S = stack_matrix(ds, hand_rows, oof)
    s_oof = np.zeros(len(hand_rows))
    for fit_part, held in StratifiedKFold(n_splits=5, shuffle=True, random_state=seed).split(S, hy):
        c2, b2 = fit_stack(S[fit_part], hy[fit_part], hw[fit_part])
        s_oof[held] = softmax(S[held] @ c2 + b2)[:, SECURITY]
    # F1 on the gold rows when there are any (a plain sample of the news, whereas the
    # extra labels over-sample the uncertain region); recall outside faits-divers on
    # all hand rows (gold and extra: enough such stories for a stable figure)
    gold = np.array([ds.ids[i] in ds.hand for i in hand_rows])
    outside = np.array([ds.topics[i] not in ("", "faits-divers") for i in hand_rows])
    threshold = choose_threshold(s_oof, hy == SECURITY, gold if gold.any() else None, outside)
    stack_coef, stack_bias = fit_stack(S, hy, hw)
    kept, y, w = labels_for(ds, train_rows, hand_rows)
    coef, bias = fit_text(ds.X[kept], y, w)
    return {"coef": coef, "bias": bias, "stack_coef": stack_coef, "stack_bias": stack_bias,
            "threshold": threshold}


def predict(ds: Dataset, rows: np.ndarray, fit: dict) -> np.ndarray:
    """Class probabilities (other, security, accident) for ``rows``."""
    S = stack_matrix(ds, rows, margins(ds.X[rows], fit["coef"], fit["bias"]))
    return softmax(S @ fit["stack_coef"] + fit["stack_bias"])


def cross_validate(ds: Dataset, seed: int = 7) -> dict:
    """Out-of-fold predictions for every dev story: ``{"pred": labels, "score": security scores}``.

    Each outer fold is scored by a model trained on the other folds exactly as
    :func:`train_calibrated` trains the shipped one (its own threshold included).
    """
    from sklearn.model_selection import StratifiedKFold

    n = len(ds.ids)
    strata = np.array([("gold:" + ds.hand[x]["label"]) if x in ds.hand else
                       ("extra:" + ds.extra[x]["label"]) if x in (ds.extra or {}) else "none" for x in ds.ids])
    p = np.zeros((n, 3))
    score = np.zeros(n)
    thr = np.zeros(n)
    skf = StratifiedKFold(n_splits=OUTER_FOLDS, shuffle=True, random_state=seed)
    for k, (train_rows, test_rows) in enumerate(skf.split(np.zeros(n), strata)):
        hand_rows = labelled_rows(ds, train_rows)   # gold and extra labels of the training folds
        fit = train_calibrated(ds, train_rows, hand_rows)
        p[test_rows] = predict(ds, test_rows, fit)
        score[test_rows] = p[test_rows, SECURITY]
        thr[test_rows] = fit["threshold"]
        print(f"  fold {k + 1}/{OUTER_FOLDS}: threshold {fit['threshold']}", file=sys.stderr)
    is_sec = score >= thr
    is_acc = (~is_sec) & (p[:, ACCIDENT] > p[:, OTHER])
    pred = np.where(is_sec, "security", np.where(is_acc, "accident", "other"))
    return {"pred": pred, "score": score}
