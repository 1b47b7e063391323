"""Rebuild the security model from ../shared/data/hespress.

    python -m pipeline.train [--data ../shared/data/hespress] [--out configs/models/security_model.json]
        [--no-eval] [--cv-seeds 7,11,23]

Recipe (:func:`pipeline.model.fit.train_calibrated`, variant
:data:`pipeline.model.variants.CHOSEN`; MODEL_CARD.md says it in full):

1. Weak labels for all 4,200 dev stories from the site's section, corrected
   by the lexicon (:func:`pipeline.model.dataset.weak_label`).
2. Hand labels replace the weak label of their story and weigh more: the 678
   reference labels (``dev_labels.jsonl``, ``dev_labels_2.jsonl``) and the
   extra labels (``configs/models/extra_labels.jsonl``, stories outside the
   reference set), weighted by their measured agreement with the reference
   labels on the stories both label.
3. Stage 1: 3-class logistic regression(s) over hashed stems and character
   n-grams plus lexicon and boundary-rule features.
4. Stage 2 (calibration): a small logistic regression on the hand labels over
   out-of-fold stage-1 margins, lexicon aggregates and boundary-rule features;
   its settings, the threshold and the category setting are chosen on
   out-of-fold scores of the reference labels.

Then, unless ``--no-eval``, the nested cross-validation of
``python -m pipeline.evaluate classifier`` puts figures with intervals in
MODEL_CARD.md. Training is deterministic (fixed seeds): the same data and
lexicon give the same version string on the same day. Needs scikit-learn;
inference does not. The artefact holds only numbers, never text.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from pipeline.model.card import artifact, model_card
from pipeline.model.dataset import DEFAULT_DATA, EXTRA_PATH, Dataset, agreement, load_dataset
from pipeline.model.fit import train_calibrated
from pipeline.model.metrics import bootstrap_figures
from pipeline.model.nested import SEEDS, nested_cv
from pipeline.model.variants import CHOSEN, VARIANTS
from pipeline.tools.errors import CommandParser, command
from transforms.lexicon import Lexicon
from transforms.security_model import CLASSES, MODEL_PATH


def card_facts(ds: Dataset) -> dict:
    """The counts the model card states (numbers only)."""
    agree = agreement(ds.overlap)
    return {
        "stories": len(ds.ids),
        "weak_labels": {c: int((ds.weak == i).sum()) for i, c in enumerate(CLASSES)},
        "reference": len(ds.ref),
        "reference_security": sum(r["label"] == "security" for r in ds.ref.values()),
        "extra_total": len(ds.extra) + len(ds.overlap),
        "extra": len(ds.extra),
        "overlap": len(ds.overlap),
        "reread": sum(1 for r in ds.extra.values() if r.get("reread")),
        "agreement": {str(k): list(v) for k, v in agree.items()},
    }


@command("train", needs=["sklearn"])
def main(argv: list[str] | None = None) -> int:
    ap = CommandParser(prog="python -m pipeline.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--no-eval", action="store_true",
                    help="skip the nested cross-validation that puts figures in MODEL_CARD.md")
    ap.add_argument("--cv-seeds", default=",".join(map(str, SEEDS)))
    ap.add_argument("--extra", type=Path, default=EXTRA_PATH, help="extra labels (default: %(default)s)")
    ap.add_argument("--n-bits", type=int, default=None,
                    help="size of the hashed block, 2**N indices (default: the variant's, 18)")
    args = ap.parse_args(argv)
    if not (args.data / "dev.jsonl").exists():
        print(f"error: no training data at {args.data} (expected {args.data / 'dev.jsonl'})", file=sys.stderr)
        return 2
    variant = VARIANTS[CHOSEN]
    if args.n_bits is not None:
        if not 10 <= args.n_bits <= 24:
            print(f"error: --n-bits must be between 10 and 24, not {args.n_bits}", file=sys.stderr)
            return 2
        variant = dataclasses.replace(variant, specs=tuple(dataclasses.replace(s, n_bits=args.n_bits)
                                                           for s in variant.specs))
    ds = load_dataset(args.data, Lexicon.load(), extra_path=args.extra)
    print(f"training {CHOSEN!r} on {len(ds.ids)} stories, {len(ds.ref)} reference and {len(ds.extra)} extra labels",
          file=sys.stderr, flush=True)
    fit = train_calibrated(ds, np.arange(len(ds.ids)), variant, log=lambda m: print(m, file=sys.stderr))
    model = artifact(fit, card_facts(ds))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB), version {model['version']}, "
          f"threshold {fit['threshold']}")
    fig, seeds = None, ()
    if not args.no_eval:
        seeds = tuple(int(x) for x in args.cv_seeds.split(","))
        fig = bootstrap_figures(ds, nested_cv(ds, variant, seeds=seeds))
    card_path = args.out.parent / "MODEL_CARD.md"
    card_path.write_text(model_card(model, variant, fig, seeds), encoding="utf-8")
    print(f"wrote {card_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
