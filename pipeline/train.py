"""Rebuild the security model from ../shared/data/hespress.

    python -m pipeline.train [--data ../shared/data/hespress] [--out pipeline/models/security_model.json]

Recipe (also in MODEL_CARD.md):

1. Weak labels for all 4,200 dev stories from the site's section, corrected by
   the lexicon: a faits-divers story is security unless it reads as an
   accident (accident evidence and no crime evidence in the title, and more
   accident than crime evidence overall); a story from another section is
   other unless its title carries strong crime evidence.
2. Hand labels replace the weak label of their story and weigh more: the 300
   gold labels (dev_labels.jsonl) and the extra labels
   (pipeline/models/extra_labels.jsonl: stories outside the gold set, read
   and labelled under LABELING.md, chosen mostly from the uncertain region;
   see MODEL_CARD.md). Extra labels marked unsure weigh less.
3. A 3-class logistic regression (other/security/accident) over hashed stems
   plus lexicon features (transforms.features).
   Stage 1: trained by averaged SGD on weak + hand labels.
4. Stage 2 (calibration): a small 3-class logistic regression on the gold and
   extra labels, over stage 1's out-of-fold margins and lexicon aggregates
   (transforms.features.stack_features). Its probability of security is the
   calibrated ``security_score``.
5. Threshold (``choose_threshold``), on out-of-fold stage-2 scores of the
   hand labels: the best F1 on the gold rows among the thresholds that keep
   recall on hand-labelled security stories outside faits-divers (gold and
   extra, about 90 stories) at 0.80 or more. Picking on F1 alone favoured the
   crime section, where most security stories are, and left the others below
   the recall the product promises.

Training needs scikit-learn; inference does not. The artifact holds only
float16 weights per hashed index and a few numbers: no text.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from transforms.classify import CLASSES, MODEL_PATH, encode_weights
from transforms.features import CRIME_GROUPS, DENSE_NAMES, N_DENSE, STACK_NAMES, featurize, stack_features
from transforms.lexicon import Lexicon

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "hespress"
N_BITS = 18
ALPHA = 1e-3          # stage-1 L2 strength (SGD)
EPOCHS = 20
STACK_C = 1.0         # stage-2 inverse regularisation
HAND_WEIGHT = 3.0
EXTRA_WEIGHT = 3.0    # an extra label marked sure; unsure ones get UNSURE_FACTOR of it
UNSURE_FACTOR = 0.5
OUTSIDE_SECURITY_FACTOR = 2.0   # hand-labelled security stories outside faits-divers weigh double
EXTRA_PATH = Path(__file__).resolve().parent / "models" / "extra_labels.jsonl"
INNER_FOLDS = 4
MIN_RECALL_OUTSIDE = 0.80   # threshold policy: recall on hand-labelled security stories outside faits-divers
THRESHOLD_MIN = 0.05
THRESHOLD_STEP = 0.01
SEED = 13
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


def hand_y(ds: Dataset, rows: np.ndarray) -> np.ndarray:
    return np.array([LABEL_INDEX[ds.label_of(i)["label"]] for i in rows])


def hand_w(ds: Dataset, rows: np.ndarray) -> np.ndarray:
    """Stage-2 sample weights: 1 for gold labels; extra labels relative to gold (less
    when unsure, more for security outside faits-divers)."""
    return np.array([ds.label_weight(i) / HAND_WEIGHT if ds.ids[i] not in ds.hand else 1.0 for i in rows])


def labelled_rows(ds: Dataset, rows) -> np.ndarray:
    """The rows among ``rows`` with a gold or extra label."""
    return np.array([i for i in rows if ds.label_of(i) is not None], dtype=int)


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


def artifact(fit: dict, n_bits: int, card: dict) -> dict:
    weights_b64 = encode_weights(fit["coef"])
    # everything that decides a label goes into the version, the threshold included
    digest = hashlib.sha1((weights_b64 + repr(fit["stack_coef"].round(6).tolist())
                           + repr(float(fit["threshold"]))).encode()).hexdigest()[:6]
    today = dt.date.today()
    return {
        "format": "hashed-linear-stacked-v1",
        "version": f"sec-{today:%Y.%m}-{digest}",
        "trained_on": today.isoformat(),
        "classes": list(CLASSES),
        "n_bits": n_bits,
        "hash": "see transforms.features._namespace (zlib.crc32 of stems, seeded per namespace)",
        "dense_features": list(DENSE_NAMES),
        "bias": [round(float(x), 6) for x in fit["bias"]],
        "stack_features": list(STACK_NAMES),
        "stack_coef": [[round(float(x), 6) for x in row] for row in fit["stack_coef"]],
        "stack_bias": [round(float(x), 6) for x in fit["stack_bias"]],
        "threshold": fit["threshold"],
        "card": card,
        "weights_b64": weights_b64,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--n-bits", type=int, default=N_BITS)
    ap.add_argument("--no-eval", action="store_true",
                    help="skip the cross-validation that puts dev metrics in MODEL_CARD.md")
    args = ap.parse_args(argv)
    if not (args.data / "dev.jsonl").exists():
        print(f"no training data at {args.data}", file=sys.stderr)
        return 2
    lexicon = Lexicon.load()
    ds = load_dataset(args.data, lexicon, args.n_bits)
    hand_rows = labelled_rows(ds, range(len(ds.ids)))
    fit = train_calibrated(ds, np.arange(len(ds.ids)), hand_rows)
    weak_counts = {c: int((ds.weak == i).sum()) for i, c in enumerate(CLASSES)}
    card = {"stories": len(ds.ids), "hand_labelled": len(ds.hand), "extra_labelled": len(ds.extra or {}), "weak_labels": weak_counts,
            "alpha": ALPHA, "epochs": EPOCHS, "stack_C": STACK_C, "hand_weight": HAND_WEIGHT}
    model = artifact(fit, args.n_bits, card)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB), version {model['version']}, "
          f"threshold {fit['threshold']}, weak labels {weak_counts}")
    metrics = None if args.no_eval else dev_metrics(ds)
    card_path = args.out.parent / "MODEL_CARD.md"
    card_path.write_text(model_card(model, metrics), encoding="utf-8")
    print(f"wrote {card_path}")
    return 0


def dev_metrics(ds: Dataset) -> dict:
    """Cross-validated dev metrics, as ``pipeline.evaluate classifier`` prints them."""
    import contextlib
    import io

    from pipeline import eval_classifier as E

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cv = E.cross_validate(ds)
        m = E.report_hand(ds, cv)
        m["extra"] = E.report_extra(ds, cv)
        return m


EXTRA_CARD = [
    "",
    "## Extra labels (`extra_labels.jsonl`)",
    "",
    "- Made on 2026-11-22 by the AI engineering assistant working on issue 4 (one annotator, no second reading),",
    "  reading each title and the opening of each story (more where needed) and applying LABELING.md.",
    "  The file holds only id, label, categories and `sure`; no text.",
    "- Selection, blind to the 300 gold labels (only their ids were read, to exclude them): every",
    "  non-faits-divers story whose shipped-model security score was >= 0.05 or whose lexicon crime evidence",
    "  was >= 8 (345); a seeded random sample of 70 other non-faits-divers, non-sport stories; and the 170",
    "  faits-divers stories with the most accident evidence or the least security score. Shuffled before reading.",
    "- Counts: 585 stories: 99 security (83 outside faits-divers), 149 accident, 337 other; 128 marked unsure",
    "  (mostly prison/Hirak-detainee stories, emergency-rule checkpoints and fines, reactions to crimes,",
    "  medical or unexplained deaths).",
    "- Use: training only. They replace the weak label in stage 1 and join the gold labels in stage 2; the",
    "  threshold maximises F1 on gold rows only, but the recall floor outside faits-divers (0.80) is measured",
    "  on gold and extra rows together. Reported gold figures stay out-of-fold on the 300.",
    "- Chosen while looking at dev figures: about ten variants (extra labels on/off, weight 1-6, unsure",
    "  factor 0-1, stage 2 with or without them) and the lexicon additions of this pass were compared on both",
    "  the gold and the extra-label out-of-fold figures; differences on gold were within 1-2 stories. The",
    "  weight equal to gold's, unsure 0.5, was kept: best on the extra-label figure, and the planned default.",
]


THRESHOLD_CARD = [
    "",
    "## Threshold policy and the weight of security outside the crime section",
    "",
    f"- The threshold is the F1-best one on the gold rows among those keeping recall >= {MIN_RECALL_OUTSIDE:.2f} on",
    "  the hand-labelled security stories outside faits-divers (gold and extra, out-of-fold stage-2 scores).",
    "  Before, the threshold maximised gold F1 alone on a grid starting at 0.20; it landed at 0.20-0.25 and",
    "  left recall outside the crime section at 0.57 on gold (4 of 7) and 0.80 on the extra labels.",
    "- Chosen while looking at dev figures (2026-11-22): floors 0, 0.80, 0.85 and 0.90 were compared on three",
    "  outer cross-validation seeds. With 0.80, gold F1 was 0.932-0.941 (0.920-0.940 before) and extra-label",
    "  recall outside faits-divers 0.83-0.84 (0.74-0.80 before); 0.85 and 0.90 cost gold F1 (0.906, 0.865).",
    "  The cost is more borderline stories called security: on the extra labels' hard faits-divers accidents",
    "  17-19 of 149 instead of 8-15 (on gold, 0 of 13 either way).",
    "- The titles of the three gold misses outside faits-divers were read during this analysis. Two of them",
    "  are still missed, at 0.09-0.13 against a threshold of 0.2 (a criminal-policy speech, sanctions against",
    "  employers for health-rule breaches);",
    "  both are marked unsure by the gold annotators. Relabelling the extra labels in that direction and a",
    "  second labelling round (183 more keyword-selected stories) were tried and dropped: neither improved",
    "  the figures above, and the relabelling would have let the gold labels leak into training.",
    f"- Then hand-labelled security stories outside faits-divers were given x{OUTSIDE_SECURITY_FACTOR} weight.",
    "  Factors 1, 2 and 3 were compared on the same three seeds, doubling extra labels only; the final",
    "  rule (gold labels of the training folds doubled too) gave the same figures on the two seeds rerun.",
    "  With 2: gold F1 0.932-0.941, gold recall outside faits-divers 5 of 7 on every seed, extra-label",
    "  recall outside 0.82-0.87, and the extra labels' hard accidents called security fell to 9-12 of 149.",
    "  Factor 3 reached 6 of 7 on one seed of three, with gold F1 0.932-0.933 at the edge of the target;",
    "  it was not taken.",
]


def model_card(model: dict, metrics: dict | None) -> str:
    c = model["card"]
    lines = [
        "# Security classifier: model card",
        "",
        f"- Version: `{model['version']}`, trained on {model['trained_on']} by `python -m pipeline.train`.",
        f"- Data: `../shared/data/hespress/dev.jsonl` ({c['stories']} Hespress stories, 2019-2020, six site "
        f"sections) with weak labels from the section corrected by the lexicon ({c['weak_labels']}), and "
        f"`dev_labels.jsonl` ({c['hand_labelled']} gold hand labels under LABELING.md, weight {c['hand_weight']}), "
        f"and `pipeline/models/extra_labels.jsonl` ({c.get('extra_labelled', 0)} extra hand labels, training only, "
        f"weight {EXTRA_WEIGHT}, x{UNSURE_FACTOR} when marked unsure; see below). Hand-labelled security stories "
        f"outside faits-divers weigh x{OUTSIDE_SECURITY_FACTOR} (in stage 1; extra ones in stage 2 too).",
        "- Model: stage 1, 3-class logistic regression (averaged SGD, alpha "
        f"{c['alpha']}, {c['epochs']} epochs) over 2^{model['n_bits']} hashed title/body stem unigrams and "
        f"bigrams plus {len(model['dense_features'])} lexicon features; stage 2, logistic regression (C "
        f"{c['stack_C']}) on the gold and extra hand labels over stage-1 out-of-fold margins and lexicon aggregates. "
        f"Threshold on the security probability: {model['threshold']}.",
        "- Artifact: float16 weights per hashed index and the stage-2 coefficients; no text, no vocabulary.",
        "- Categories come from the lexicon (`configs/lexicon.yaml`), not from the model.",
        "",
        "## Dev metrics (5-fold cross-validation; no story scored by a model that saw it)",
        "",
    ]
    if metrics:
        lines += [
            f"- Security: precision {metrics['precision']:.3f}, recall {metrics['recall']:.3f}, "
            f"F1 {metrics['f1']:.3f} on the 300 hand-labelled stories.",
            f"- Recall on security stories outside faits-divers: {metrics['recall_outside_fd']:.3f} "
            f"({metrics['hits_outside_fd']} of {metrics['n_outside_fd']} stories).",
            f"- Faits-divers accident stories called security: {metrics['fd_accidents_called_security']} of {metrics['n_fd_accidents']}.",
            f"- Predicted top category among the gold categories: {metrics['top_category_rate']:.1%} of security stories.",
        ]
        x = metrics.get("extra") or {}
        if x:
            lines += [
                "- Second figure, out-of-fold on the extra labels themselves (a harder, uncertain-region sample, "
                f"so lower than the news at large): precision {x['precision']:.3f}, recall {x['recall']:.3f}, "
                f"F1 {x['f1']:.3f}; recall on security stories outside faits-divers {x['recall_outside_fd']:.3f} "
                f"({x['n_outside_fd']} stories); faits-divers accidents called security "
                f"{x['fd_accidents_called_security']} of {x['n_fd_accidents']}.",
            ]
    else:
        lines.append("- Not computed (trained with --no-eval); run `python -m pipeline.evaluate classifier`.")
    lines += EXTRA_CARD + THRESHOLD_CARD + [
        "",
        "## Limits",
        "",
        "- Dev has only 50 hand-labelled security stories (7 outside faits-divers): one story moves F1 by ~0.01",
        "  and the recall outside faits-divers by 0.14.",
        "- Hyperparameters (SGD alpha, hand-label weight, category damping) and lexicon additions were chosen",
        "  while looking at these same cross-validated figures, so they are somewhat optimistic; the sealed",
        "  holdout is the real measure.",
        "- Trained on one outlet (Hespress) and 2019-2020 news; vocabulary drift (new drugs, new slang) needs",
        "  lexicon updates and retraining.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
