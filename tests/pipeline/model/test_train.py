"""Training the security model: labels, weights, the threshold policy, the artefact's version."""
import json

import numpy as np
import pytest

from pipeline.model import dataset as T
from pipeline.model.card import artifact
from pipeline.model.dataset import EXTRA_PATH, LABEL_INDEX, read_extra
from pipeline.model.fit import choose_threshold
from transforms.lexicon import CATEGORIES


def test_extra_labels_refuse_gold_ids_and_bad_labels(tmp_path):
    path = tmp_path / "extra.jsonl"
    path.write_text('{"id": "a", "label": "security", "categories": ["drugs"], "sure": true}\n'
                    '{"id": "b", "label": "other", "categories": [], "sure": false}\n', encoding="utf-8")
    extra = read_extra(path, hand={"c": {}})
    assert set(extra) == {"a", "b"}
    with pytest.raises(ValueError, match="gold ids"):
        read_extra(path, hand={"a": {}})
    path.write_text('{"id": "d", "label": "crime", "categories": [], "sure": true}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown label"):
        read_extra(path, hand={})
    assert read_extra(tmp_path / "missing.jsonl", hand={}) == {}


def test_shipped_extra_labels_are_ids_and_labels_only():
    rows = [json.loads(line) for line in EXTRA_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 400
    for r in rows:
        assert set(r) == {"id", "label", "categories", "sure"}
        assert r["label"] in LABEL_INDEX
        assert bool(r["categories"]) == (r["label"] == "security")
        assert set(r["categories"]) <= set(CATEGORIES)


def test_extra_labels_override_weak_labels_with_their_weight():
    ds = T.Dataset(ids=["g", "e1", "e2", "w"], topics=[""] * 4, titles=[""] * 4, X=None,
                   weak=np.array([T.OTHER, T.OTHER, T.SECURITY, T.UNSURE]),
                   hand={"g": {"label": "accident"}}, matches=[None] * 4,
                   extra={"e1": {"label": "security", "sure": True}, "e2": {"label": "other", "sure": False}})
    rows = T.labelled_rows(ds, range(4))
    assert rows.tolist() == [0, 1, 2]
    kept, y, w = T.labels_for(ds, np.arange(4), rows)
    assert kept.tolist() == [0, 1, 2]          # the unsure weak label without a hand label is left out
    assert y.tolist() == [T.ACCIDENT, T.SECURITY, T.OTHER]
    assert w.tolist() == [T.HAND_WEIGHT, T.EXTRA_WEIGHT, T.EXTRA_WEIGHT * T.UNSURE_FACTOR]


def test_threshold_is_f1_best_without_stories_outside_the_crime_section():
    scores = np.array([0.9, 0.8, 0.7, 0.45, 0.3, 0.1])
    y = np.array([1, 1, 1, 0, 0, 0])
    t = choose_threshold(scores, y)
    assert 0.45 < t <= 0.7          # every security story in, every other out


def test_threshold_keeps_recall_outside_the_crime_section():
    # eight crime-section security stories score high; the five outside score low,
    # among ten other stories
    sec_fd = [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6]
    sec_out = [0.3, 0.25, 0.2, 0.15, 0.05]
    other = [0.28, 0.27, 0.26, 0.22, 0.21, 0.19, 0.18, 0.17, 0.1, 0.08]
    scores = np.array(sec_fd + sec_out + other)
    y = np.array([1] * 13 + [0] * 10)
    outside = np.array([0] * 8 + [1] * 5 + [0] * 10, dtype=bool)
    plain = choose_threshold(scores, y, outside=outside, min_recall_outside=0.0)
    floor = choose_threshold(scores, y, outside=outside, min_recall_outside=0.8)
    assert plain == 0.3                                       # F1 alone: 9 of 13, no false alarm
    assert floor == 0.15                                      # 4 of 5 outside, at the best F1 left
    # F1 is measured on the gold rows only: when the two lowest other stories are extra
    # rows, going down to the last security story costs no gold precision
    gold = np.array([1] * 21 + [0, 0], dtype=bool)
    assert choose_threshold(scores, y, gold=gold, outside=outside) == 0.05
    # a floor no threshold reaches: the highest recall outside, then the highest threshold
    assert choose_threshold(scores, y, outside=outside, min_recall_outside=1.01) == 0.05


def test_model_version_changes_with_the_threshold():
    fit = {"coef": np.zeros((4, 3)), "bias": np.zeros(3), "stack_coef": np.ones((2, 3)),
           "stack_bias": np.zeros(3), "threshold": 0.25}
    card = {}
    a = artifact(fit, 2, card)
    b = artifact(dict(fit, threshold=0.16), 2, card)
    assert a["version"] != b["version"] and a["threshold"] == 0.25 and b["threshold"] == 0.16


def test_security_outside_the_crime_section_weighs_more():
    ds = T.Dataset(ids=["g1", "g2", "e1", "e2", "e3"],
                   topics=["societe", "faits-divers", "regions", "regions", "politique"], titles=[""] * 5,
                   X=None, weak=np.array([T.OTHER] * 5),
                   hand={"g1": {"label": "security"}, "g2": {"label": "security"}}, matches=[None] * 5,
                   extra={"e1": {"label": "security", "sure": False}, "e2": {"label": "other", "sure": True},
                          "e3": {"label": "accident", "sure": True}})
    f = T.OUTSIDE_SECURITY_FACTOR
    assert f > 1
    assert [ds.label_weight(i) for i in range(5)] == [
        T.HAND_WEIGHT * f, T.HAND_WEIGHT, T.EXTRA_WEIGHT * T.UNSURE_FACTOR * f, T.EXTRA_WEIGHT, T.EXTRA_WEIGHT]
    # stage 2: gold rows weigh 1, extra rows relative to gold
    assert T.hand_w(ds, np.arange(5)).tolist() == [1.0, 1.0, T.UNSURE_FACTOR * f, 1.0, 1.0]
