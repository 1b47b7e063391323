"""Nested, repeated cross-validation of the whole training recipe.

For each seed of :data:`SEEDS`, the 4,200 dev stories are split into
:data:`OUTER_FOLDS` folds, stratified on the hand label (reference labels by
label and section, extra labels by label, unlabelled stories). For each outer
fold, :func:`pipeline.model.fit.train_calibrated` trains on the other folds
alone, choosing its own threshold, weights and settings there, and the fold's
stories are scored. No story is scored by a model that saw it, or whose
settings were chosen while looking at it.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from pipeline.model.dataset import Dataset
from pipeline.model.fit import SEED, Variant, _folds, decide, predict, train_calibrated
from transforms.security_model import rank_categories

OUTER_FOLDS = 5
SEEDS = (7, 11, 23)


def outer_strata(ds: Dataset) -> np.ndarray:
    out = []
    for i, x in enumerate(ds.ids):
        if x in ds.ref:
            out.append("r" + ds.ref[x]["label"] + ("o" if ds.outside_fd(i) else "f"))
        elif x in ds.extra:
            out.append("e" + ds.extra[x]["label"] + "f")
        else:
            out.append("none")
    return np.array(out)


def nested_cv(ds: Dataset, variant: Variant = Variant("default"), seeds=SEEDS, folds: int = OUTER_FOLDS,
              quiet: bool = False) -> dict:
    """Out-of-fold predictions for every dev story, once per seed.

    Returns ``{"variant", "seeds", "prob" (seeds x stories x 3), "threshold"
    (seeds x stories), "pred" (seeds x stories: security/accident/other),
    "cats" (seeds x stories: the ranked categories under the fold's category
    settings, None unless the story has a reference security label), "top"
    (their first, or ""), "settings"
    (one dict per seed and fold), "seconds"}``. Progress goes to stderr.
    """
    n = len(ds.ids)
    strata = outer_strata(ds)
    R = len(seeds)
    prob = np.zeros((R, n, 3))
    thr = np.zeros((R, n))
    cats = np.empty((R, n), dtype=object)   # None: no reference security label
    settings = []
    t0 = time.time()
    sec_rows = [i for i, x in enumerate(ds.ids) if x in ds.ref and ds.ref[x]["label"] == "security"]
    for r, seed in enumerate(seeds):
        for k, (train, test) in enumerate(_folds(strata, folds, seed)):
            def log(msg, r=r, k=k):
                if not quiet:
                    print(f"  [{variant.name}] seed {seeds[r]} fold {k + 1}/{folds} ({time.time() - t0:.0f}s): {msg}",
                          file=sys.stderr, flush=True)
            fit = train_calibrated(ds, train, variant, seed=SEED + 1000 * r + k, log=log)
            prob[r, test] = predict(ds, test, fit)
            thr[r, test] = fit["threshold"]
            cs = fit["categories"]
            test_set = set(test.tolist())
            for i in sec_rows:
                if i in test_set:
                    cats[r, i] = rank_categories(ds.matches[i], cs["min_specific"], cs["keep"])
            settings.append(dict(fit["settings"], threshold=fit["threshold"], **cs))
    pred = np.stack([decide(prob[r], thr[r]) for r in range(R)])
    top = np.array([[c[0] if c else "" for c in row] for row in cats], dtype=object)
    return {"variant": variant.name, "seeds": tuple(seeds), "prob": prob, "threshold": thr, "pred": pred,
            "cats": cats, "top": top, "settings": settings, "seconds": time.time() - t0}
