"""Measure the near-duplicate clustering on an evaluation set built from ``dev.jsonl``.

    python -m pipeline.evaluate clusters [--data ../shared/data/hespress] [--sweep] [--json out.json]

Prints, for the set of :mod:`pipeline.tools.cluster_evalset` (hard negatives:
different stories of one section, place and week; positives: three
fictional outlets' edited copies of each):

* precision and recall of "same cluster" pairs (every pair of stories that
  share a cluster, against every pair that should), on the ``test`` half and
  on the whole set, with the shipped :class:`transforms.clusters.ClusterRule`;
* recall per kind of edit (share of copies that landed in their original's cluster);
* the hard-negative pairs that were merged (original stories of one group);
* with ``--sweep``: the rules tried on the ``tune`` half, best first;
* real near-duplicates inside ``dev.jsonl`` itself (clusters among all
  4,200 dev stories, no copies added), with their titles, for a human to judge;
* the cost: milliseconds per story to sign and to assign against a full
  14-day window, and the window's memory.

Exit code 0, or 2 when the data is missing.
"""
from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections import Counter
from pathlib import Path

from pipeline.tools import cluster_evalset as evalset_mod
from pipeline.tools.cluster_cost import window_cost
from transforms.clusters import DEFAULT_RULE, ClusterIndex, ClusterRule
from transforms.core.records import StorySignature
from transforms.places import Gazetteer
from transforms.signatures import DEFAULT_SCHEME, SignatureScheme, story_signature

TARGET = 0.95
RECALL_FLOOR = 0.97       # the sweep's pick: the most precise rule that keeps this recall


@dataclasses.dataclass(frozen=True)
class PairScore:
    """Pair counts: ``tp`` pairs in one cluster that should be, ``predicted`` pairs in one
    cluster, ``gold`` pairs that should be in one cluster."""

    tp: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pair_score(predicted: dict, gold: dict) -> PairScore:
    """Pairwise precision/recall of a clustering: both dicts map item -> cluster label
    (same keys). Counted from the contingency table, without listing the pairs."""
    if set(predicted) != set(gold):
        raise ValueError("predicted and gold must label the same items")
    cells = Counter((predicted[k], gold[k]) for k in gold)
    return PairScore(tp=sum(_pairs(n) for n in cells.values()),
                     predicted=sum(_pairs(n) for n in Counter(predicted.values()).values()),
                     gold=sum(_pairs(n) for n in Counter(gold.values()).values()))


def sign(docs, scheme: SignatureScheme = DEFAULT_SCHEME) -> tuple[list[StorySignature], float]:
    """One StorySignature per Doc (fetched at its time) and the seconds spent signing."""
    t0 = time.perf_counter()
    out = []
    for d in docs:
        sig = story_signature(d.text, scheme)
        out.append(StorySignature(d.doc_id, d.source, d.time, d.time,
                                  None if sig is None else sig.values, 0 if sig is None else sig.shingles,
                                  numbers=None if sig is None else sig.numbers))
    return out, time.perf_counter() - t0


def cluster(sigs: list[StorySignature], rule: ClusterRule = DEFAULT_RULE,
            scheme: SignatureScheme = DEFAULT_SCHEME) -> dict:
    """doc id -> cluster id, all stories assigned as one batch."""
    return {s.article_id: s.cluster_id for s in ClusterIndex(scheme=scheme, rule=rule).assign(sigs)}


def recall_by_edit(copies, predicted: dict) -> dict:
    """edit kind -> (copies in their original's cluster, copies with that edit)."""
    hits, totals = Counter(), Counter()
    for c in copies:
        ok = predicted[c.doc_id] == predicted[c.gold]
        for kind in c.edits:
            totals[kind] += 1
            hits[kind] += ok
    return {k: (hits[k], totals[k]) for k in sorted(totals)}


def merged_negatives(es, predicted: dict) -> list[tuple[str, str]]:
    """Pairs of different original stories of one hard-negative group that share a cluster."""
    out = []
    for ids in es.groups.values():
        for i, a in enumerate(ids):
            out.extend((a, b) for b in ids[i + 1:] if a in predicted and b in predicted
                       and predicted[a] == predicted[b])
    return sorted(out)


def grid() -> list[ClusterRule]:
    """The rules ``--sweep`` tries."""
    rules = []
    for c in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8):
        for j in (0.05, 0.1, 0.15, 0.2, 0.3):
            rules.append(dataclasses.replace(DEFAULT_RULE, min_containment=c, min_jaccard=j))
    return rules


def sweep(es, scheme: SignatureScheme = DEFAULT_SCHEME) -> list[tuple[ClusterRule, PairScore]]:
    """Every rule of :func:`grid` on ``es``, best first: the rules with recall >= RECALL_FLOOR
    first, by precision (an unrelated story joining a cluster costs more than a copy
    left alone: it merges two incidents) to three decimals; among equally precise
    rules the stricter one (higher containment, then Jaccard) is preferred."""
    sigs, _ = sign(es.docs, scheme)
    gold = {d.doc_id: d.gold for d in es.docs}
    scored = [(rule, pair_score(cluster(sigs, rule, scheme), gold)) for rule in grid()]
    return sorted(scored, key=lambda rs: (rs[1].recall < RECALL_FLOOR, -round(rs[1].precision, 3),
                                          -rs[0].min_containment, -rs[0].min_jaccard))


def dev_duplicates(originals, rule: ClusterRule = DEFAULT_RULE,
                   scheme: SignatureScheme = DEFAULT_SCHEME) -> list[list]:
    """Clusters of two or more among real dev stories (no copies added), largest first,
    each in time order."""
    sigs, _ = sign(originals, scheme)
    predicted = cluster(sigs, rule, scheme)
    by_id = {d.doc_id: d for d in originals}
    groups: dict = {}
    for doc_id, cid in predicted.items():
        groups.setdefault(cid, []).append(by_id[doc_id])
    found = [sorted(v, key=lambda d: (d.time, d.doc_id)) for v in groups.values() if len(v) > 1]
    return sorted(found, key=lambda v: (-len(v), v[0].time))


def evaluate(es, rule: ClusterRule = DEFAULT_RULE, scheme: SignatureScheme = DEFAULT_SCHEME) -> dict:
    """Scores of one rule on one set (see the module doc); JSON-ready."""
    sigs, secs = sign(es.docs, scheme)
    t0 = time.perf_counter()
    predicted = cluster(sigs, rule, scheme)
    assign_secs = time.perf_counter() - t0
    score = pair_score(predicted, {d.doc_id: d.gold for d in es.docs})
    merged = merged_negatives(es, predicted)
    return {"stories": len(es.docs), "originals": len(es.originals), "copies": len(es.copies),
            "unsigned": sum(s.signature is None for s in sigs),
            "precision": round(score.precision, 4), "recall": round(score.recall, 4), "f1": round(score.f1, 4),
            "pairs": dataclasses.asdict(score), "merged_hard_negatives": len(merged),
            "hard_negative_pairs": sum(_pairs(len(v)) for v in es.groups.values()),
            "merged_examples": merged[:20],
            "recall_by_edit": {k: f"{h}/{t}" for k, (h, t) in recall_by_edit(es.copies, predicted).items()},
            "sign_ms_per_story": round(1000 * secs / max(1, len(es.docs)), 3),
            "assign_ms_per_story": round(1000 * assign_secs / max(1, len(es.docs)), 3)}


def _print_scores(label: str, res: dict, out) -> None:
    met = "met" if res["precision"] >= TARGET and res["recall"] >= TARGET else "NOT met"
    print(f"{label}: {res['stories']} stories ({res['originals']} originals, {res['copies']} copies)  "
          f"precision {res['precision']:.3f}  recall {res['recall']:.3f}  F1 {res['f1']:.3f}  "
          f"(target >= {TARGET} each: {met})", file=out)
    print(f"  hard-negative pairs merged: {res['merged_hard_negatives']} of {res['hard_negative_pairs']}",
          file=out)
    print("  recall by edit: " + ", ".join(f"{k} {v}" for k, v in res["recall_by_edit"].items()), file=out)


def main(argv: list[str] | None = None) -> int:
    from pipeline.tools.errors import CommandParser

    ap = CommandParser(prog="python -m pipeline.evaluate clusters",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(evalset_mod.DEFAULT_DATA), help="directory of dev.jsonl")
    ap.add_argument("--seed", type=int, default=20, help="seed of the copies' edits")
    ap.add_argument("--sweep", action="store_true", help="also try the rules of the grid on the tune half")
    ap.add_argument("--window-stories", type=int, default=28_000,
                    help="stories in the window for the cost figures (20 outlets x 100 a day x 14 days)")
    ap.add_argument("--json", default=None, help="also write every figure to this JSON file")
    args = ap.parse_args(argv)
    out = sys.stdout
    try:
        rows = evalset_mod.load_dev(Path(args.data))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    docs = evalset_mod.dev_docs(rows, Gazetteer.load())
    full = evalset_mod.build(docs, seed=args.seed)
    rule = DEFAULT_RULE
    print(f"scheme {DEFAULT_SCHEME.name}; rule: containment >= {rule.min_containment}, "
          f"Jaccard >= {rule.min_jaccard}, LSH {rule.lsh_bands}x{rule.lsh_rows}, "
          f"max gap {rule.max_gap_s / 86400:g} days", file=out)
    results: dict = {"scheme": DEFAULT_SCHEME.name, "rule": dataclasses.asdict(rule)}
    if args.sweep:
        ranked = sweep(evalset_mod.split(full, "tune"))
        results["sweep_tune"] = [{"rule": dataclasses.asdict(r), "precision": round(s.precision, 4),
                                  "recall": round(s.recall, 4), "f1": round(s.f1, 4)} for r, s in ranked]
        print(f"sweep on the tune half (best first: recall >= {RECALL_FLOOR}, then precision, "
              "then the stricter rule):", file=out)
        for item in results["sweep_tune"][:12]:
            r = item["rule"]
            print(f"  C >= {r['min_containment']:.2f}, J >= {r['min_jaccard']:.2f}: precision "
                  f"{item['precision']:.3f} recall {item['recall']:.3f} F1 {item['f1']:.3f}", file=out)
    for part, es in (("test", evalset_mod.split(full, "test")), ("all", full)):
        results[part] = evaluate(es, rule)
        _print_scores(f"{part} half" if part == "test" else "whole set", results[part], out)
    dups = dev_duplicates(docs, rule)
    results["dev_near_duplicates"] = [[{"id": d.doc_id, "time": d.time.isoformat(), "topic": d.topic,
                                        "title": d.title} for d in group] for group in dups]
    print(f"real near-duplicates among the {len(docs)} dev stories: {len(dups)} clusters "
          f"({sum(len(g) for g in dups)} stories)", file=out)
    for group in dups:
        print("  - " + " | ".join(f"{d.time:%Y-%m-%d} {d.title[:60]}" for d in group), file=out)
    results["cost"] = window_cost(docs, args.window_stories, rule)
    c = results["cost"]
    print(f"cost: sign {c['sign_ms_per_story']:.2f} ms/story, assign {c['assign_ms_per_story']:.2f} ms/story "
          f"against a window of {c['window_stories']} stories ({c['candidates_per_story']:.1f} LSH candidates "
          f"per story); window memory {c['window_mb']:.1f} MB of index (the signatures themselves not counted), "
          f"{c['state_mb']:.1f} MB pickled", file=out)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
