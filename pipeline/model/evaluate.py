"""Evaluate the security classifier on the dev data, honestly.

    python -m pipeline.evaluate classifier [--data ../shared/data/hespress] [--seeds ../shared/seeds]
        [--cv-seeds 7,11,23] [--variants all|NAME,...] [--write-variants]

Protocol (:mod:`pipeline.model.nested`): 5-fold cross-validation over all dev
stories, repeated for each of ``--cv-seeds``. For each outer fold, a model is
trained on the other four folds exactly as ``python -m pipeline.train`` trains
the shipped one, its threshold, stage-2 settings, extra-label weights and
category settings chosen inside those folds; the held-out fold is then
scored. Figures are on the 678 reference labels, out-of-fold, with bootstrap
95% intervals (:mod:`pipeline.model.metrics`).

``--variants`` scores other model variants (:mod:`pipeline.model.variants`)
the same way and prints a comparison; ``--write-variants`` stores it for the
model card. Seeds and speed use the shipped model
(``configs/models/security_model.json``), which never saw the seeds.
"""
from __future__ import annotations

import collections
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

from pipeline.model.dataset import DEFAULT_DATA, REFERENCE_FILES, load_dataset, read_jsonl
from pipeline.model.errors import error_table, format_error_table
from pipeline.model.metrics import bootstrap_figures, format_figures, paired_difference, target_rows
from pipeline.model.nested import OUTER_FOLDS, SEEDS, nested_cv
from pipeline.model.variants import CHOSEN, VARIANTS, VARIANTS_PATH
from pipeline.tools.errors import CommandParser, command
from transforms.lexicon import CATEGORIES, Lexicon
from transforms.security_model import SecurityClassifier

LABELS = ("security", "accident", "other")


def prf(pred, gold) -> tuple[float, float, float, int, int, int]:
    pred, gold = np.asarray(pred, bool), np.asarray(gold, bool)
    tp, fp, fn = int((pred & gold).sum()), int((pred & ~gold).sum()), int((~pred & gold).sum())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1, tp, fp, fn


def report_reference(ds, cv: dict, data_dir: Path) -> dict:
    """Figures with intervals, confusion, per file, per category, chosen settings; returns the figures."""
    fig = bootstrap_figures(ds, cv)
    c = fig["counts"]
    print(f"\n== Reference labels: {c['stories']} stories ({c['security']} security, {c['security_outside']} of "
          f"them outside faits-divers; {c['sure']} sure; {c['fd_accidents']} faits-divers accidents), "
          f"nested out-of-fold, {len(cv['seeds'])} seeds ==")
    print("\n".join(format_figures(fig)))
    idx = [i for i, x in enumerate(ds.ids) if x in ds.ref]
    gold = [ds.ref[ds.ids[i]]["label"] for i in idx]
    print(f"\nconfusion on seed {cv['seeds'][0]} (rows reference, columns predicted):")
    print(f"{'':>10}" + "".join(f"{lab:>10}" for lab in LABELS))
    for g in LABELS:
        print(f"{g:>10}" + "".join(f"{sum(1 for i, a in zip(idx, gold) if a == g and cv['pred'][0, i] == p):>10}"
                                   for p in LABELS))
    print("\nper reference file (mean over seeds; 95% bootstrap interval):")
    for name in REFERENCE_FILES:
        path = data_dir / name
        ids = {r["id"] for r in read_jsonl(path)} if path.exists() else set()
        sub = dataclasses.replace(ds, ref={k: v for k, v in ds.ref.items() if k in ids})
        if sub.ref:
            f = bootstrap_figures(sub, cv)
            print(f"  {name:<22} {len(sub.ref):>4} stories ({f['counts']['security']} security, "
                  f"{f['counts']['security_outside']} outside faits-divers): "
                  + "; ".join(f"{k} {f[k]['value']:.3f} [{f[k]['low']:.2f}, {f[k]['high']:.2f}]"
                              for k in ("f1", "precision", "recall", "recall_outside")))
    print("\nerrors by boundary rule (reference stories; FP/FN: mean over seeds; pipeline.model.errors):")
    print("\n".join("  " + line for line in format_error_table(error_table(ds, cv))))
    sec = [i for i in idx if ds.ref[ds.ids[i]]["label"] == "security"]
    print("\nper reference category, share of its stories where it is among the predicted categories (seed "
          f"{cv['seeds'][0]}):")
    for cat in CATEGORIES:
        rows = [i for i in sec if cat in ds.ref[ds.ids[i]]["categories"]]
        hits = sum(cat in (cv["cats"][0, i] or ()) for i in rows)
        print(f"  {cat:<24} {hits:>3}/{len(rows):<3}")
    st = cv["settings"]
    thr = [s["threshold"] for s in st]
    print(f"\nsettings chosen inside the training folds ({len(st)} fits): threshold {min(thr):.2f}-{max(thr):.2f} "
          f"(median {np.median(thr):.2f}); stage-2 (C, outside factor) "
          f"{dict(collections.Counter((s['stack_C'], s['outside_factor']) for s in st))}; "
          f"min_specific {dict(collections.Counter(s['min_specific'] for s in st))}; "
          f"extra weights (sure, unsure) {sorted({(s['extra_weights'][True], s['extra_weights'][False]) for s in st})}")
    return fig


def report_extra(ds, cv: dict) -> dict:
    """Out-of-fold figures on the extra labels (training-only labels, a second, separate measure)."""
    idx = [i for i, x in enumerate(ds.ids) if x in ds.extra]
    if not idx:
        return {}
    gold = np.array([ds.extra[ds.ids[i]]["label"] == "security" for i in idx])
    outside = np.array([ds.outside_fd(i) for i in idx])
    f1s, recs = [], []
    for r in range(len(cv["seeds"])):
        pred = cv["pred"][r, idx] == "security"
        f1s.append(prf(pred, gold)[2])
        recs.append((pred & gold & outside).sum() / max((gold & outside).sum(), 1))
    print(f"\n== Extra labels: {len(idx)} stories (one annotator, mostly the uncertain region; not the "
          f"reference), out-of-fold ==\nsecurity F1 {np.mean(f1s):.3f}; recall outside faits-divers "
          f"{np.mean(recs):.3f} of {int((gold & outside).sum())}")
    return {"f1": float(np.mean(f1s)), "recall_outside": float(np.mean(recs))}


def report_sections(ds, cv: dict) -> None:
    print(f"\n== Predictions per site section (all dev stories, out-of-fold, seed {cv['seeds'][0]}) ==")
    print(f"{'section':<14}{'n':>5}{'security':>10}{'accident':>10}{'other':>8}")
    for topic in sorted(set(ds.topics)):
        rows = [i for i, t in enumerate(ds.topics) if t == topic]
        counts = {lab: int((cv["pred"][0, rows] == lab).sum()) for lab in LABELS}
        print(f"{topic:<14}{len(rows):>5}{counts['security']:>10}{counts['accident']:>10}{counts['other']:>8}")


def report_seeds(clf: SecurityClassifier, seeds: Path) -> dict:
    print(f"\n== Seeds ({seeds}), shipped model ==")
    gold_path = seeds / "gold.json"
    out = {"security": 0, "stories": 0, "places_found": 0, "places": 0, "top_ok": 0}
    if not gold_path.exists():
        print("  no seeds found; skipped")
        return out
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    for name in sorted(k for k in gold if not k.startswith("_")):
        lines = (seeds / name).read_text(encoding="utf-8").split("\n")
        g = gold[name]
        title = lines[g["title_line"] - 1] if g.get("title_line") else ""
        body = "\n".join(lines[n - 1] for n in g["body_lines"])
        c = clf.classify(title, body, "ar")
        found = [p for p in g["places"] if p in c.places]
        out["stories"] += 1
        out["security"] += bool(c.is_security)
        out["places_found"] += len(found)
        out["places"] += len(g["places"])
        out["top_ok"] += bool(c.categories) and c.categories[0] in g.get("categories", ())
        print(f"  {name}: security={c.is_security} score={c.security_score:.3f} "
              f"categories={list(c.categories)[:3]} places={list(c.places)[:5]} "
              f"gold places found {len(found)}/{len(g['places'])}")
    return out


def report_speed(clf: SecurityClassifier, data: Path, limit: int = 2000) -> float:
    rows = read_jsonl(data / "dev.jsonl")[:limit]
    for r in rows[:50]:   # warm caches as a long-running worker would be
        clf.classify(r["title"], r["story"], "ar")
    t0, c0 = time.perf_counter(), time.process_time()
    for r in rows:
        clf.classify(r["title"], r["story"], "ar")
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    chars = sum(len(r["story"]) for r in rows) / len(rows)
    print(f"\n== Speed ==\nclassification alone (features, model, categories, places), one process: "
          f"{len(rows) / cpu:,.0f} stories per CPU-second ({len(rows) / wall:,.0f} stories/s wall clock) "
          f"over {len(rows)} stories of {chars:,.0f} chars on average")
    return len(rows) / cpu


def report_targets(fig: dict, seeds: dict, speed: float) -> None:
    rows = target_rows(fig) + [
        ("seeds all security", seeds["stories"] > 0 and seeds["security"] == seeds["stories"],
         f"{seeds['security']}/{seeds['stories']}"),
        ("seed places found", seeds["places"] > 0 and seeds["places_found"] == seeds["places"],
         f"{seeds['places_found']}/{seeds['places']}"),
        (">= 1,000 stories/s per core", speed >= 1000, f"{speed:,.0f}"),
    ]
    print("\n== Targets (issue 16: the interval's worse end; the sealed holdout is the real measure) ==")
    for name, ok, value in rows:
        print(f"  [{'met' if ok else 'NOT MET'}] {name}: {value}")


def compare_variants(ds, names: list[str], seeds, write: bool) -> None:
    """Nested figures of each variant; written to VARIANTS_PATH with ``write``."""
    out, first = {}, None
    for name in names:
        print(f"variant {name}...", file=sys.stderr, flush=True)
        cv = nested_cv(ds, VARIANTS[name], seeds=seeds)
        fig = bootstrap_figures(ds, cv)
        out[name] = {"note": VARIANTS[name].note, "seeds": list(seeds), "seconds": round(cv["seconds"]),
                     "figures": {k: {kk: round(vv, 4) for kk, vv in v.items()} for k, v in fig.items()
                                 if k != "counts"}, "counts": fig["counts"],
                     "errors": error_table(ds, cv)}
        if first is None:
            first = (name, cv)
        else:   # paired against the first variant listed: same folds, same seeds
            out[name]["paired_vs"] = {"variant": first[0], **{
                k: {kk: (round(vv, 4) if isinstance(vv, float) else [round(x, 4) for x in vv])
                    for kk, vv in paired_difference(ds, cv, first[1], k).items()}
                for k in ("f1", "recall_outside")}}
    print(f"\n== Variants (nested, {len(seeds)} seeds; value [95% interval]) ==")
    cols = ("f1", "precision", "recall", "recall_outside", "accidents_called_security")
    print(f"{'variant':<26}" + "".join(f"{c[:16]:>22}" for c in cols))
    for name, v in out.items():
        f = v["figures"]
        print(f"{name:<26}" + "".join(f"{f[c]['value']:>8.3f} [{f[c]['low']:.2f},{f[c]['high']:.2f}]" for c in cols))
    for name, v in out.items():
        if "paired_vs" in v:
            d = v["paired_vs"]["f1"]
            print(f"  {name} minus {v['paired_vs']['variant']}, paired: F1 {d['value']:+.3f} "
                  f"[{d['low']:+.3f}, {d['high']:+.3f}], per seed {', '.join(f'{x:+.3f}' for x in d['per_seed'])}")
    if write:
        VARIANTS_PATH.write_text(json.dumps({"chosen": CHOSEN, "variants": out}, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {VARIANTS_PATH}")


@command("evaluate classifier", needs=["sklearn"])
def main(argv: list[str] | None = None) -> int:
    ap = CommandParser(prog="python -m pipeline.evaluate classifier")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--seeds", type=Path, default=None, help="seed documents (default: <data>/../../seeds)")
    ap.add_argument("--model", type=Path, default=None, help="model for the seeds and speed (default: shipped)")
    ap.add_argument("--cv-seeds", default=",".join(map(str, SEEDS)),
                    help="cross-validation seeds, comma-separated (default %(default)s)")
    ap.add_argument("--variants", default=None, help="'all' or comma-separated names of pipeline.model.variants")
    ap.add_argument("--write-variants", action="store_true", help=f"store the comparison in {VARIANTS_PATH.name}")
    args = ap.parse_args(argv)
    if not (args.data / "dev.jsonl").exists():
        print(f"error: no dev data at {args.data}", file=sys.stderr)
        return 2
    try:
        cv_seeds = tuple(int(x) for x in args.cv_seeds.split(",") if x.strip())
    except ValueError:
        print(f"error: --cv-seeds takes integers separated by commas, not {args.cv_seeds!r}", file=sys.stderr)
        return 2
    names = list(VARIANTS) if args.variants == "all" else [n.strip() for n in (args.variants or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        print(f"error: unknown variant(s) {unknown}; known: {list(VARIANTS)}", file=sys.stderr)
        return 2
    t0 = time.time()
    ds = load_dataset(args.data, Lexicon.load())
    print(f"dev: {len(ds.ids)} stories, {len(ds.ref)} reference and {len(ds.extra)} extra labels; nested "
          f"{OUTER_FOLDS}-fold cross-validation x {len(cv_seeds)} seeds...", file=sys.stderr, flush=True)
    if names:
        compare_variants(ds, names, cv_seeds, args.write_variants)
        return 0
    cv = nested_cv(ds, VARIANTS[CHOSEN], seeds=cv_seeds)
    print(f"variant {CHOSEN!r}: nested cross-validation took {time.time() - t0:.0f}s")
    fig = report_reference(ds, cv, args.data)
    report_extra(ds, cv)
    report_sections(ds, cv)
    clf = SecurityClassifier.load(args.model)
    print(f"\nshipped classifier: {clf.version}")
    seed_figures = report_seeds(clf, args.seeds or args.data.parent.parent / "seeds")
    speed = report_speed(clf, args.data)
    report_targets(fig, seed_figures, speed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
