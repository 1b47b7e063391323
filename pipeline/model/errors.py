"""Error analysis of the nested predictions: false positives and false negatives by boundary rule.

``LABELING.md`` settles the hard cases with a few boundary rules (emergency
rules, prisons and pardons, rumours and scams, foreign news, legislative
debates, trials, accidents). :func:`boundary_group` puts each reference story
in the first group whose lexicon evidence it carries (the context groups of
``configs/lexicon.yaml``; no text is stored or printed), and
:func:`error_table` counts the out-of-fold errors of
:func:`pipeline.model.nested.nested_cv` per group, averaged over the
cross-validation seeds. ``python -m pipeline.evaluate classifier`` prints it.

The grouping is a reading aid, not a label: a story about a trial for a
crime committed in prison falls in ``prison``, the first rule that applies.
"""
from __future__ import annotations

import numpy as np

from pipeline.model.dataset import Dataset
from transforms.lexicon import Match

# (group, what LABELING.md says about it), in the order a story is assigned
GROUPS = (
    ("foreign", "foreign news: abroad with no Moroccan angle is other"),
    ("emergency", "emergency rules: enforcement is security, measures and case counts are other"),
    ("prison", "prisons and pardons: other unless a crime in prison or a trial"),
    ("rumour", "rumour denials: other unless a scam or fraud"),
    ("policy", "legislative and policy debates: other unless about enforcement"),
    ("court", "courts and prosecution: security only for a crime"),
    ("accident", "accidents: security only when a crime is central"),
    ("none", "no boundary rule's vocabulary"),
)
GROUP_NAMES = tuple(g for g, _ in GROUPS)
# evidence (lexicon score, title hits triple) from which a rule's vocabulary counts as present;
# set so that a passing mention (one body word of weight 1-2) does not
FOREIGN_MIN = 3.0
EMERGENCY_MIN = 6.0
PRISON_MIN = 3.0
RUMOUR_MIN = 2.0
POLICY_MIN = 3.0
COURT_MIN = 3.0
ACCIDENT_MIN = 3.0


def boundary_group(m: Match, moroccan_places: int = 0) -> str:
    """The first boundary rule of :data:`GROUPS` whose vocabulary the story carries.

    ``m``: the story's lexicon match; ``moroccan_places``: distinct Moroccan
    places found. Foreign needs foreign names outweighing the Moroccan angle
    (``morocco`` evidence plus places); emergency counts the emergency-rule and
    epidemic vocabulary.
    """
    foreign = m.score("foreign")
    if foreign >= FOREIGN_MIN and foreign > m.score("morocco") + moroccan_places:
        return "foreign"
    if max(m.score("emergency"), m.score("epidemic")) >= EMERGENCY_MIN:
        return "emergency"
    if m.score("prison") >= PRISON_MIN:
        return "prison"
    if m.score("rumour") >= RUMOUR_MIN:
        return "rumour"
    if m.score("non_security") >= POLICY_MIN:
        return "policy"
    if m.score("justice") >= COURT_MIN:
        return "court"
    if m.score("accident") >= ACCIDENT_MIN:
        return "accident"
    return "none"


def error_table(ds: Dataset, cv: dict) -> dict:
    """Out-of-fold errors on the reference labels per boundary group.

    Returns ``{group: {"stories", "security", "fp", "fn"}}`` plus ``"total"``:
    ``stories`` and ``security`` count the group's reference stories, ``fp``
    (called security, reference not) and ``fn`` (reference security, not
    called) are means over the seeds of ``cv["pred"]`` (seeds x stories).
    """
    idx = [i for i, x in enumerate(ds.ids) if x in ds.ref]
    groups = np.array([boundary_group(ds.matches[i], int(ds.places[i])) for i in idx])
    gold = np.array([ds.ref[ds.ids[i]]["label"] == "security" for i in idx])
    pred = cv["pred"][:, idx] == "security"
    fp = (pred & ~gold).mean(axis=0)   # per story, share of seeds
    fn = (~pred & gold).mean(axis=0)
    out = {}
    for g in GROUP_NAMES + ("total",):
        sel = np.ones(len(idx), bool) if g == "total" else groups == g
        out[g] = {"stories": int(sel.sum()), "security": int((gold & sel).sum()),
                  "fp": float(fp[sel].sum()), "fn": float(fn[sel].sum())}
    return out


def format_error_table(table: dict) -> list[str]:
    """Lines of a table: group, stories, security stories, false positives, false negatives."""
    lines = [f"{'group':<11}{'stories':>8}{'security':>9}{'FP':>6}{'FN':>6}  rule (LABELING.md)"]
    notes = dict(GROUPS)
    for g in GROUP_NAMES + ("total",):
        r = table[g]
        lines.append(f"{g:<11}{r['stories']:>8}{r['security']:>9}{r['fp']:>6.1f}{r['fn']:>6.1f}  {notes.get(g, '')}")
    return lines
