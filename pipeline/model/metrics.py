"""Figures of the nested cross-validation, with bootstrap 95% intervals.

Every figure is computed on the reference-labelled stories from the
out-of-fold predictions of :func:`pipeline.model.nested.nested_cv`:

* ``f1``, ``precision``, ``recall``: security, on all reference stories;
* ``f1_sure``, ``precision_sure``, ``recall_sure``: the same on the stories
  the annotators marked ``sure``;
* ``recall_outside``: recall on the reference security stories published
  outside faits-divers;
* ``accidents_called_security``: share of the reference accident stories in
  faits-divers that are called security (the sealed set's measure);
* ``top_category``: share of reference security stories whose predicted top
  category is among the reference categories.

Point value: the mean over the cross-validation seeds. Interval: percentile
bootstrap (:data:`N_BOOT` replicates): each replicate resamples the
reference stories with replacement and picks one seed at random, so the
interval holds both the sampling of stories and the variation between
cross-validation splits. ``seed_min``/``seed_max``: the figure on each seed.
"""
from __future__ import annotations

import numpy as np

from pipeline.model.dataset import Dataset

N_BOOT = 2000
BOOT_SEED = 20261130
FIGURES = ("f1", "precision", "recall", "f1_sure", "precision_sure", "recall_sure", "recall_outside",
           "accidents_called_security", "top_category")
TARGETS = {   # issue 16: the lower end of the interval (upper end for accidents)
    "f1": (">=", 0.93), "recall_outside": (">=", 0.85), "accidents_called_security": ("<=", 0.05),
    "top_category": (">=", 0.85),
}


def _ratio_parts(ds: Dataset, cv: dict) -> tuple[dict, dict]:
    """Per figure, (numerator, denominator) indicator arrays (seeds x reference stories),
    plus the counts behind them."""
    idx = np.array([i for i, x in enumerate(ds.ids) if x in ds.ref])
    lab = [ds.ref[ds.ids[i]] for i in idx]
    gold = np.array([r["label"] == "security" for r in lab])
    sure = np.array([bool(r.get("sure", True)) for r in lab])
    outside = np.array([ds.outside_fd(i) for i in idx])
    fd_acc = np.array([r["label"] == "accident" and not ds.outside_fd(i) for r, i in zip(lab, idx)])
    pred = cv["pred"][:, idx] == "security"
    top_ok = np.array([[cv["top"][s, i] in r["categories"] for i, r in zip(idx, lab)]
                       for s in range(pred.shape[0])])
    p = pred.astype(float)
    g = np.broadcast_to(gold.astype(float), p.shape)
    s_ = sure.astype(float)
    o = outside.astype(float)
    a = np.broadcast_to(fd_acc.astype(float), p.shape)
    tp = p * g
    parts = {
        # F1 = 2 tp / (predicted + gold)
        "f1": (2 * tp, p + g),
        "precision": (tp, p),
        "recall": (tp, g),
        "f1_sure": (2 * tp * s_, (p + g) * s_),
        "precision_sure": (tp * s_, p * s_),
        "recall_sure": (tp * s_, g * s_),
        "recall_outside": (tp * o, g * o),
        "accidents_called_security": (p * a, a),
        "top_category": (top_ok * g, g),
    }
    counts = {"stories": len(idx), "security": int(gold.sum()), "sure": int(sure.sum()),
              "security_sure": int((gold & sure).sum()), "security_outside": int((gold & outside).sum()),
              "fd_accidents": int(fd_acc.sum())}
    return parts, counts


def bootstrap_figures(ds: Dataset, cv: dict, n_boot: int = N_BOOT, seed: int = BOOT_SEED) -> dict:
    """``{figure: {"value", "low", "high", "seed_min", "seed_max"}, "counts": {...}}``."""
    parts, counts = _ratio_parts(ds, cv)
    R, n = parts["f1"][0].shape
    rng = np.random.default_rng(seed)
    W = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
    rs = rng.integers(0, R, size=n_boot)
    out: dict = {"counts": counts}
    for name in FIGURES:
        num, den = parts[name]
        per_seed = num.sum(1) / np.maximum(den.sum(1), 1e-12)
        bn = (W * num[rs]).sum(1)
        bd = (W * den[rs]).sum(1)
        ok = bd > 0
        boot = bn[ok] / bd[ok]
        out[name] = {"value": float(per_seed.mean()), "low": float(np.percentile(boot, 2.5)),
                     "high": float(np.percentile(boot, 97.5)), "seed_min": float(per_seed.min()),
                     "seed_max": float(per_seed.max())}
    return out


def paired_difference(ds: Dataset, cv_a: dict, cv_b: dict, figure: str = "f1", n_boot: int = N_BOOT,
                      seed: int = BOOT_SEED) -> dict:
    """``figure`` of ``cv_a`` minus that of ``cv_b``, paired: the same stories and seeds.

    Two variants scored on the same outer folds (same cross-validation seeds)
    differ far less than their separate intervals suggest; this is the measure
    for "better beyond noise". Returns ``{"value"`` (mean over seeds),
    ``"per_seed"`` (list), ``"low"``, ``"high"`` (percentile bootstrap 95%:
    each replicate resamples the reference stories and draws one seed, the same
    for both)``}``. Raises ValueError when the two runs used different seeds.
    """
    if tuple(cv_a["seeds"]) != tuple(cv_b["seeds"]):
        raise ValueError(f"paired difference needs the same seeds, not {cv_a['seeds']} and {cv_b['seeds']}")
    if figure not in FIGURES:
        raise ValueError(f"unknown figure {figure!r}; known: {FIGURES}")
    na, da = _ratio_parts(ds, cv_a)[0][figure]
    nb, db = _ratio_parts(ds, cv_b)[0][figure]
    per_seed = na.sum(1) / np.maximum(da.sum(1), 1e-12) - nb.sum(1) / np.maximum(db.sum(1), 1e-12)
    R, n = na.shape
    rng = np.random.default_rng(seed)
    W = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
    rs = rng.integers(0, R, size=n_boot)
    ba, bb = (W * da[rs]).sum(1), (W * db[rs]).sum(1)
    ok = (ba > 0) & (bb > 0)
    boot = (W * na[rs]).sum(1)[ok] / ba[ok] - (W * nb[rs]).sum(1)[ok] / bb[ok]
    return {"value": float(per_seed.mean()), "per_seed": [float(x) for x in per_seed],
            "low": float(np.percentile(boot, 2.5)), "high": float(np.percentile(boot, 97.5))}


def target_rows(fig: dict) -> list[tuple[str, bool, str]]:
    """(target, met, value) per target of :data:`TARGETS`, judged on the interval's worse end."""
    rows = []
    for name, (op, goal) in TARGETS.items():
        f = fig[name]
        end = f["low"] if op == ">=" else f["high"]
        met = end >= goal if op == ">=" else end <= goal
        rows.append((f"{name} {op} {goal:g} (interval's {'lower' if op == '>=' else 'upper'} end)", met,
                     f"{f['value']:.3f} [{f['low']:.3f}, {f['high']:.3f}]"))
    return rows


def format_figures(fig: dict) -> list[str]:
    """Lines of a table: figure, value, 95% interval, range over seeds."""
    lines = [f"{'figure':<28}{'value':>7}  {'95% interval':<16}  seeds"]
    for name in FIGURES:
        f = fig[name]
        lines.append(f"{name:<28}{f['value']:>7.3f}  [{f['low']:.3f}, {f['high']:.3f}]  "
                     f"{f['seed_min']:.3f}-{f['seed_max']:.3f}")
    return lines
