"""The model artefact (what inference loads) and its model card (what readers see)."""
from __future__ import annotations

import datetime as dt
import hashlib

from pipeline.model.dataset import EXTRA_WEIGHT, OUTSIDE_SECURITY_FACTOR, UNSURE_FACTOR
from pipeline.model.fit import MIN_RECALL_OUTSIDE
from transforms.features import DENSE_NAMES, STACK_NAMES
from transforms.security_model import CLASSES, encode_weights


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
        f"and `configs/models/extra_labels.jsonl` ({c.get('extra_labelled', 0)} extra hand labels, training only, "
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

