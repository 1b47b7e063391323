"""The model artefact (what inference loads) and its model card (what readers see)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from pipeline.model.fit import ALPHA, EPOCHS, INNER_FOLDS, STACK_FOLDS, Variant
from pipeline.model.metrics import FIGURES, N_BOOT, target_rows
from pipeline.model.variants import CHOSEN, VARIANTS_PATH
from transforms.features import DENSE_NAMES, stack_names
from transforms.security_model import CLASSES, FORMAT, encode_weights


def artifact(fit: dict, card: dict) -> dict:
    """The JSON artefact of :func:`pipeline.model.fit.train_calibrated`'s result: numbers only.

    The version digests everything that decides a label (weights, stage 2,
    threshold, category settings), so it changes whenever a decision can.
    """
    text = [{"spec": spec.to_dict(), "bias": [round(float(x), 6) for x in bias], "weights_b64": encode_weights(coef)}
            for spec, coef, bias in fit["text"]]
    stack_coef = [[round(float(x), 6) for x in row] for row in fit["stack_coef"]]
    stack_bias = [round(float(x), 6) for x in fit["stack_bias"]]
    decisive = json.dumps([text, stack_coef, stack_bias, float(fit["threshold"]), fit["categories"],
                           fit.get("rules", {})], sort_keys=True)
    digest = hashlib.sha1(decisive.encode()).hexdigest()[:6]
    today = dt.date.today()
    return {
        "format": FORMAT,
        "version": f"sec-{today:%Y.%m}-{digest}",
        "trained_on": today.isoformat(),
        "classes": list(CLASSES),
        "hash": "see transforms.features (zlib.crc32 of stems and character n-grams, seeded per namespace)",
        "dense_features": list(DENSE_NAMES),
        "stack_features": list(stack_names(len(text))),
        "stack_coef": stack_coef,
        "stack_bias": stack_bias,
        "threshold": float(fit["threshold"]),
        "categories": fit["categories"],
        "rules": fit.get("rules", {}),
        "settings": _settings(fit.get("settings", {})),
        "card": card,
        "text_models": text,
    }


def _settings(settings: dict) -> dict:
    """Settings with JSON-safe keys (extra-label weights by "sure"/"unsure")."""
    out = dict(settings)
    if "extra_weights" in out:
        out["extra_weights"] = {("sure" if k in (True, "True") else "unsure"): v
                                for k, v in out["extra_weights"].items()}
    return out


def _figure_lines(fig: dict) -> list[str]:
    lines = ["| figure | value | 95% interval | range over seeds |", "|---|---|---|---|"]
    for name in FIGURES:
        f = fig[name]
        lines.append(f"| {name} | {f['value']:.3f} | {f['low']:.3f}-{f['high']:.3f} | "
                     f"{f['seed_min']:.3f}-{f['seed_max']:.3f} |")
    return lines


def _variant_lines() -> list[str]:
    if not VARIANTS_PATH.exists():
        return ["- Not computed: run `python -m pipeline.evaluate classifier --variants all --write-variants`."]
    data = json.loads(VARIANTS_PATH.read_text(encoding="utf-8"))
    cols = ("f1", "precision", "recall", "recall_outside", "accidents_called_security", "top_category")
    lines = ["| variant | " + " | ".join(cols) + " | what it is |", "|---" * (len(cols) + 2) + "|"]
    for name, v in data["variants"].items():
        f = v["figures"]
        mark = " (shipped)" if name == CHOSEN else ""
        lines.append(f"| {name.replace('|', chr(92) + '|')}{mark} | " + " | ".join(f"{f[c]['value']:.3f} ({f[c]['low']:.2f}-{f[c]['high']:.2f})"
                                                          for c in cols) + f" | {v['note']} |")
    seeds = sorted({s for v in data["variants"].values() for s in v["seeds"]})
    lines += ["", f"Nested cross-validation seeds {seeds}; value (95% bootstrap interval)."]
    return lines


POLICY_CARD = [
    "## The threshold policy: recall outside faits-divers against precision",
    "",
    "Measured on 2026-11-30 with `stems+char`, nested, seeds 7 and 11 (mean), by the floor on in-fold recall of",
    "reference security stories outside faits-divers (F1 / precision / recall / recall outside faits-divers):",
    "",
    "| floor | dev_labels.jsonl (300, 6 outside) | dev_labels_2.jsonl (378, 44 outside) | all 678 |",
    "|---|---|---|---|",
    "| none | 0.917 / 0.937 / 0.898 / 0.333 | 0.800 / 0.886 / 0.729 / 0.716 | 0.861 / 0.913 / 0.814 / 0.670 |",
    "| 0.70 | 0.917 / 0.937 / 0.898 / 0.333 | 0.799 / 0.844 / 0.760 / 0.750 | 0.859 / 0.890 / 0.830 / 0.700 |",
    "| 0.80 (shipped) | 0.922 / 0.880 / 0.969 / 0.917 | 0.750 / 0.721 / 0.781 / 0.773 | 0.837 / 0.802 / 0.876 / 0.790 |",
    "| 0.85 | 0.888 / 0.819 / 0.969 / 0.917 | 0.748 / 0.678 / 0.833 / 0.818 | 0.818 / 0.748 / 0.902 / 0.830 |",
    "",
    "No policy reaches F1 0.93 on the 678. A floor is kept because recall outside the crime section is the figure",
    "the product promises and the one the previous model missed on the sealed set (9 of 14). 0.80 rather than",
    "0.85: on `dev_labels.jsonl`, the closest to a plain sample of the news, it finds the same stories outside",
    "faits-divers (5.5 of 6) with 0.06 more precision; on the boundary-heavy `dev_labels_2.jsonl` it finds 2 fewer",
    "of 44. The issue's target is 0.85 at the interval's lower end; neither floor meets it.",
]


ERROR_ANALYSIS_CARD = [
    "## Error analysis and a second round of variants (2026-11-30)",
    "",
    "The shipped model's out-of-fold errors on the 678 (mean per seed: 20.0 false positives, 13.0 false",
    "negatives) grouped by the first boundary rule of `LABELING.md` whose vocabulary a story carries",
    "(`pipeline.model.errors`, printed by `python -m pipeline.evaluate classifier`): emergency rules 10.7 FP /",
    "5.0 FN (273 stories, 23 security), courts 3.7 / 2.7 (71, 35), no rule's vocabulary 2.7 / 2.7 (133, 19),",
    "foreign 0.0 / 2.0, accidents 1.3 / 0.0, policy debates 1.0 / 0.7, prisons 0.7 / 0.0, rumours 0 / 0.",
    "Of the 41 stories wrong on at least one seed, 17 carry an unsure reference label (65 of the 678 do);",
    "several emergency-rule pairs read alike but carry opposite labels (a decree punishing violators: other;",
    "the ministry's penalties for not wearing a mask: security), and most false positives score between the",
    "threshold (0.16-0.30, low because of the recall floor outside faits-divers) and 0.5.",
    "",
    "Variants aimed at those groups, scored by the same nested protocol (seeds 7, 11, 23); the paired",
    "difference compares each with `stems` on the same folds (`pipeline.model.metrics.paired_difference`).",
    "They were run from a scratch harness that patched the recipe; only the error table and the paired",
    "difference were kept in the code.",
    "",
    "| variant | F1 (95%) | precision | recall | recall outside | F1 minus stems, paired [95%] (per seed) "
    "| average precision | FP / FN | emergency FP / FN | courts FP / FN |",
    "|---|---|---|---|---|---|---|---|---|---|",
    "| stems (shipped) | 0.836 (0.78-0.89) | 0.808 | 0.866 | 0.773 | - | 0.929 | 20.0 / 13.0 | 10.7 / 5.0 "
    "| 3.7 / 2.7 |",
    "| stage 2 + title groups and rule interactions (emergency x enforcement, court x crime, prison x crime, "
    "accident x crime) | 0.806 (0.75-0.86) | 0.739 | 0.887 | 0.800 | -0.030 [-0.069, +0.006] (-0.028, -0.025, "
    "-0.036) | 0.927 | 30.3 / 11.0 | 14.7 / 5.0 | 5.0 / 1.3 |",
    "| stage 2 + stage-1 margin x boundary region (emergency, prison, court without crime, foreign) "
    "| 0.823 (0.76-0.88) | 0.781 | 0.869 | 0.780 | -0.013 [-0.051, +0.015] (-0.002, -0.011, -0.026) | 0.926 "
    "| 23.7 / 12.7 | 12.7 / 5.0 | 4.0 / 3.0 |",
    "| stage 2 as gradient-boosted trees (depth 2-3, 100-200 rounds, chosen in the folds) | 0.827 (0.76-0.88) "
    "| 0.798 | 0.859 | 0.753 | -0.009 [-0.056, +0.038] (-0.018, -0.012, +0.003) | 0.922 | 21.3 / 13.7 "
    "| 13.3 / 5.3 | 3.0 / 1.7 |",
    "| second stem model on the hand labels alone, stacked | 0.818 (0.75-0.88) | 0.777 | 0.863 | 0.760 "
    "| -0.018 [-0.061, +0.028] (-0.016, -0.040, +0.002) | 0.929 | 24.0 / 13.3 | 12.3 / 4.7 | 4.0 / 3.0 |",
    "| weak labels x0.3 outside faits-divers where crime, enforcement, emergency or prison words are "
    "| 0.830 (0.76-0.89) | 0.800 | 0.863 | 0.767 | -0.006 [-0.045, +0.025] (-0.004, +0.010, -0.024) | 0.926 "
    "| 21.0 / 13.3 | 12.0 / 5.0 | 4.0 / 2.7 |",
    "| enforcement lexicon + 18 campaign and sanction terms (tightening control, closure campaigns, "
    "penalties) | 0.832 (0.77-0.89) | 0.798 | 0.869 | 0.780 | -0.004 [-0.036, +0.036] (-0.007, +0.007, -0.012) "
    "| 0.935 | 21.3 / 12.7 | 10.7 / 4.7 | 4.0 / 2.3 |",
    "| the same, threshold bagged (median over 100 bootstrap choices) | 0.830 (0.77-0.88) | 0.792 | 0.873 "
    "| 0.787 | -0.006 [-0.031, +0.027] (-0.011, -0.001, -0.006) | 0.933 | 22.3 / 12.3 | 11.0 / 4.3 | 4.0 / 2.7 |",
    "| the same, stage-2 C chosen by log loss | 0.828 (0.77-0.88) | 0.793 | 0.866 | 0.773 | -0.008 [-0.040, "
    "+0.018] (-0.002, -0.011, -0.012) | 0.935 | 22.0 / 13.0 | 11.0 / 4.7 | 4.0 / 2.7 |",
    "| diagnostic: half the reference labels in training | 0.812 (0.74-0.88) | 0.770 | 0.859 | 0.773 "
    "| -0.024 [-0.067, +0.020] (-0.045, -0.018, -0.008) | 0.918 | 25.0 / 13.7 | 10.7 / 5.3 | 4.3 / 2.3 |",
    "",
    "None improves on `stems` beyond noise; none is better on all three seeds. The ranking itself hardly",
    "moves (average precision of the out-of-fold scores 0.92-0.94 in every variant; the F1-best single",
    "threshold with the recall floor, chosen after the fact on all 678, would give 0.78-0.86 per seed), so",
    "the loss is in the boundary stories, not in the stacking or the threshold. Extra stage-2 inputs add",
    "false positives in the emergency group (the stage-2 fit on about 1,000 hand labels gains variance, not",
    "signal). Halving the reference labels costs 0.024 F1, so doubling them would likely add about that much:",
    "more hand labels of the emergency-rule boundary, read by two annotators, are the one lever left that",
    "these figures point to. The enforcement terms raised average precision (0.929 to 0.935) but not the",
    "nested F1; they were written after reading the misclassified titles and are not kept. The shipped",
    "model is unchanged.",
]


def model_card(model: dict, variant: Variant, fig: dict | None, seeds: tuple = ()) -> str:
    """MODEL_CARD.md: data, recipe, the shipped settings, nested figures with intervals,
    the variants tried, and the limits."""
    c = model["card"]
    s = model["settings"]
    specs = [t["spec"] for t in model["text_models"]]
    lines = [
        "# Security classifier: model card",
        "",
        f"- Version: `{model['version']}`, trained on {model['trained_on']} by `python -m pipeline.train` "
        f"(variant `{variant.name}`: {variant.note}).",
        f"- Data: `../shared/data/hespress/dev.jsonl` ({c['stories']} Hespress stories, 2019-2020, six site "
        f"sections) with weak labels from the section corrected by the lexicon ({c['weak_labels']}); the "
        f"reference labels `dev_labels.jsonl` + `dev_labels_2.jsonl` ({c['reference']} stories, "
        f"{c['reference_security']} security, labelled under LABELING.md); `configs/models/extra_labels.jsonl` "
        f"({c['extra_total']} extra labels, one annotator; the {c['overlap']} that are also reference stories are "
        f"not trained on, {c['extra']} are, {c['reread']} of them re-read under the written prison and "
        "foreign-news rules).",
        f"- Extra-label weight, from their agreement with the reference labels on the {c['overlap']} shared stories "
        f"(binary): sure {c['agreement']['True'][0]}/{c['agreement']['True'][1]}, unsure "
        f"{c['agreement']['False'][0]}/{c['agreement']['False'][1]}. A label agreeing with probability a "
        "(Laplace-smoothed) carries 2a - 1 of a reference label (symmetric label noise), so extra labels weigh "
        f"{s['extra_weights']['sure']} (sure) and {s['extra_weights']['unsure']} (unsure) of a reference label. "
        "Inside nested cross-validation the agreement is measured on the training folds only.",
        f"- Stage 1: {len(specs)} text model(s), 3-class logistic regression (averaged SGD, alpha {ALPHA}, "
        f"{EPOCHS} epochs) over hashed features {specs} plus {len(model['dense_features'])} lexicon and "
        "boundary-rule features; weak labels for unlabelled stories, hand labels (reference x3, extra x3 x their "
        "weight, security outside faits-divers x2) elsewhere.",
        f"- Stage 2: logistic regression on the hand labels over out-of-fold stage-1 margins ({INNER_FOLDS} inner "
        f"folds), lexicon aggregates and the boundary-rule features ({len(model['stack_features'])} inputs). "
        f"C and the weight of security stories outside faits-divers chosen by {STACK_FOLDS}-fold out-of-fold "
        f"F1 of the reference labels: C {s['stack_C']}, outside x{s['outside_factor']}.",
        f"- Threshold {model['threshold']}: the F1-best on out-of-fold stage-2 scores of the reference labels "
        f"among thresholds keeping recall on reference security stories outside faits-divers >= "
        f"{variant.min_recall_outside}.",
        f"- Categories (lexicon evidence, `configs/lexicon.yaml`): a specific category applies from evidence "
        f"{model['categories']['min_specific']} (chosen on the reference security stories: the value whose top "
        "category is most often a reference category); `policing_governance` comes first only when none applies.",
        "- Artefact: float16 weights per hashed index and the stage-2 coefficients; no text, no vocabulary.",
        "",
        "## Nested cross-validation figures (reference labels, out-of-fold)",
        "",
    ]
    if fig:
        k = fig["counts"]
        lines += [
            f"5-fold cross-validation over the {c['stories']} stories, repeated with seeds {list(seeds)}; in each "
            "outer fold the threshold, the stage-2 settings, the extra-label weights and the category setting are "
            f"chosen on the training folds only. Bootstrap 95% intervals ({N_BOOT} replicates, stories resampled, "
            f"one seed drawn per replicate). {k['stories']} reference stories, {k['security']} security "
            f"({k['security_outside']} outside faits-divers), {k['sure']} sure, {k['fd_accidents']} faits-divers "
            "accidents.",
            "",
        ] + _figure_lines(fig) + ["", "Targets of issue 16, judged on the interval's worse end:", ""]
        lines += [f"- {'met' if ok else '**NOT MET**'}: {name}: {value}" for name, ok, value in target_rows(fig)]
    else:
        lines.append("- Not computed (trained with --no-eval); run `python -m pipeline.evaluate classifier`.")
    lines += ["", "## Variants tried (decided by these nested figures)", ""] + _variant_lines() + [
        "",
        "At the shipped floor (0.80) the variants are within noise of one another (F1 0.82-0.84, intervals",
        "overlapping almost entirely): neither the lead, nor character n-grams, nor the ensemble, nor the",
        "boundary-rule features, nor weighting hand labels up measurably helps. The simplest and fastest",
        "(`stems`, about twice the speed of `stems+char`) is shipped. At floor 0.85 (first run of this table,",
        "same protocol) the extra labels did help (F1 0.793 with them, 0.774 without) and character n-grams",
        "added 0.015, also within noise.",
        "",
    ] + POLICY_CARD + [""] + ERROR_ANALYSIS_CARD + [
        "",
        "## How the figures may still flatter the model",
        "",
        "- The variant, the threshold policy (floor 0.80) and the candidate grids were chosen by comparing nested "
        "figures on these same 678 stories: one level of selection sits outside the nesting.",
        "- The boundary-rule lexicon groups, the re-reading of 10 extra labels and one lexicon fix (bare حجز is "
        "also a booking) were written after reading misclassified reference titles.",
        "- `dev_labels_2.jsonl` leans to the boundary (stories the extra labels share, stories with several crime "
        "words outside faits-divers), so these figures are lower than on a plain sample of the news; the sealed "
        "holdout is the real measure.",
        "",
        "## Limits",
        "",
        "- 97 reference security stories: one story moves F1 by about 0.005 and recall outside faits-divers by 0.02.",
        "- The boundary rules (prisons and pardons, emergency rules, rumours, foreign news) are learned from a few "
        "dozen examples each; emergency-rule stories (rules and measures: other; their enforcement: security) are "
        "the main source of errors left.",
        "- Trained on one outlet (Hespress) and 2019-2020 news; vocabulary drift needs lexicon updates and "
        "retraining.",
        "",
    ]
    return "\n".join(lines)
