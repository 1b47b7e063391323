"""Training the security model: labels and their weights, the threshold policy, nested
cross-validation that never chooses on the stories it scores, bootstrap intervals,
determinism and the artefact (on an invented corpus, tests/pipeline/model/corpus.py)."""
import json

import numpy as np
import pytest

from pipeline.model import dataset as D
from pipeline.model import train as train_cmd
from pipeline.model.card import artifact
from pipeline.model.dataset import EXTRA_PATH, LABEL_INDEX, agreement, extra_weights, load_dataset, read_extra
from pipeline.model.fit import Variant, choose_threshold, predict, stage1_labels, train_calibrated
from pipeline.model.metrics import bootstrap_figures, target_rows
from pipeline.model.nested import nested_cv
from transforms.features import FeatureSpec
from transforms.lexicon import CATEGORIES, Lexicon
from transforms.security_model import SecurityClassifier

from corpus import write_corpus

SMALL = Variant("small", (FeatureSpec(n_bits=12, char_ngrams=(3, 4), char_weight=1.0),),
                stack_grid=((1.0, 1.0), (1.0, 2.0)))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("hespress"))


@pytest.fixture(scope="module")
def ds(corpus):
    return load_dataset(corpus, Lexicon.load(), extra_path=corpus / "extra.jsonl")


def test_reference_labels_come_from_both_files_and_extra_labels_never_override_them(ds):
    assert len(ds.ref) == 60 and len(ds.extra) == 30 and len(ds.overlap) == 5
    assert not set(ds.extra) & set(ds.ref)
    # the disagreeing extra label (other) does not replace the reference label (security)
    x, e, r = ds.overlap[4]
    assert e["label"] == "other" and ds.label_of(ds.row_of[x])["label"] == r["label"] == "security"


def test_extra_labels_refuse_bad_labels(tmp_path):
    path = tmp_path / "extra.jsonl"
    path.write_text('{"id": "a", "label": "security", "categories": ["drugs"], "sure": true}\n'
                    '{"id": "b", "label": "other", "categories": [], "sure": false}\n', encoding="utf-8")
    extra, overlap = read_extra(path, ref={"b": {"label": "security"}})
    assert set(extra) == {"a"} and [x for x, _, _ in overlap] == ["b"]
    path.write_text('{"id": "d", "label": "crime", "categories": [], "sure": true}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown label"):
        read_extra(path, ref={})
    assert read_extra(tmp_path / "missing.jsonl", ref={}) == ({}, [])


def test_shipped_extra_labels_are_ids_and_labels_only():
    rows = [json.loads(line) for line in EXTRA_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 400
    for r in rows:
        assert set(r) <= {"id", "label", "categories", "sure", "reread"} and {"id", "label", "sure"} <= set(r)
        assert r["label"] in LABEL_INDEX
        assert bool(r["categories"]) == (r["label"] == "security")
        assert set(r["categories"]) <= set(CATEGORIES)
        assert r.get("reread") in (None, "prison", "foreign")
        assert r.get("reread") is None or r["label"] == "other"


def test_extra_weight_follows_measured_agreement():
    overlap = [(f"s{i}", {"label": "security", "sure": True}, {"label": "security"}) for i in range(79)]
    overlap += [(f"t{i}", {"label": "security", "sure": True}, {"label": "other"}) for i in range(2)]
    overlap += [(f"u{i}", {"label": "other", "sure": False}, {"label": "other"}) for i in range(32)]
    overlap += [(f"v{i}", {"label": "security", "sure": False}, {"label": "other"}) for i in range(7)]
    agree = agreement(overlap)
    assert agree == {True: (79, 81), False: (32, 39)}
    w = extra_weights(agree)
    assert w == {True: 0.928, False: 0.61}                 # 2a - 1, a = (agree + 1) / (n + 2)
    assert extra_weights({True: (5, 10), False: (0, 0)}) == {True: 0.0, False: 0.0}   # chance: no weight
    # inside a training fold only that fold's shared stories count
    assert agreement(overlap, {"s0", "v0"}) == {True: (1, 1), False: (0, 1)}


def test_stage1_labels_override_weak_labels_with_their_weights(ds):
    ref = [ds.row_of["sec00"], ds.row_of["oth00"]]          # sec00 is published under societe
    ext = [ds.row_of["sec02"]]
    rows = np.array(sorted(ref + ext + [ds.row_of["acc01"]]))
    kept, y, w = stage1_labels(ds, rows, np.array(ref + ext), {True: 0.5, False: 0.25}, hand_weight=3.0)
    got = {ds.ids[i]: (int(a), float(b)) for i, a, b in zip(kept, y, w)}
    assert got["sec00"] == (D.SECURITY, 3.0 * 2.0)        # security outside faits-divers weighs double
    assert got["oth00"] == (D.OTHER, 3.0)
    assert got["sec02"] == (D.SECURITY, 3.0 * 0.5)        # an extra label, times its agreement weight
    assert got["acc01"] == (int(ds.weak[ds.row_of["acc01"]]), 1.0)   # no hand label: the weak label


def test_threshold_is_f1_best_without_stories_outside_the_crime_section():
    scores = np.array([0.9, 0.8, 0.7, 0.45, 0.3, 0.1])
    y = np.array([1, 1, 1, 0, 0, 0])
    assert 0.45 < choose_threshold(scores, y) <= 0.7


def test_threshold_keeps_recall_outside_the_crime_section():
    sec_fd = [0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6]
    sec_out = [0.3, 0.25, 0.2, 0.15, 0.05]
    other = [0.28, 0.27, 0.26, 0.22, 0.21, 0.19, 0.18, 0.17, 0.1, 0.08]
    scores = np.array(sec_fd + sec_out + other)
    y = np.array([1] * 13 + [0] * 10)
    outside = np.array([0] * 8 + [1] * 5 + [0] * 10, dtype=bool)
    assert choose_threshold(scores, y, outside=outside, min_recall_outside=0.0) == 0.3
    assert choose_threshold(scores, y, outside=outside, min_recall_outside=0.8) == 0.15
    assert choose_threshold(scores, y, outside=outside, min_recall_outside=1.01) == 0.05


class Watched(dict):
    """A dict that records which keys were read."""

    def __init__(self, *a):
        super().__init__(*a)
        self.read = set()

    def __getitem__(self, k):
        self.read.add(k)
        return super().__getitem__(k)

    def get(self, k, default=None):
        if k in self:
            self.read.add(k)
        return super().get(k, default)


def test_training_reads_no_label_of_the_rows_it_does_not_train_on(ds):
    train_rows = np.array([i for i in range(len(ds.ids)) if i % 5])
    held = {ds.ids[i] for i in range(len(ds.ids)) if i % 5 == 0}
    ref, extra = ds.ref, ds.extra
    ds.ref, ds.extra = Watched(ref), Watched(extra)
    try:
        fit = train_calibrated(ds, train_rows, SMALL)
        read = ds.ref.read | ds.extra.read
    finally:
        ds.ref, ds.extra = ref, extra
    assert read and not read & held
    assert 0.05 <= fit["threshold"] <= 0.8 and fit["settings"]["stack_C"] == 1.0
    p = predict(ds, np.arange(len(ds.ids)), fit)
    assert p.shape == (90, 3) and np.allclose(p.sum(1), 1.0)


def test_nested_cv_scores_every_story_once_per_seed_and_bootstraps(ds):
    cv = nested_cv(ds, SMALL, seeds=(1, 2), folds=3, quiet=True)
    assert cv["pred"].shape == (2, 90) and set(np.unique(cv["pred"])) <= {"security", "accident", "other"}
    assert len(cv["settings"]) == 6
    fig = bootstrap_figures(ds, cv, n_boot=300)
    for name in ("f1", "recall_outside", "accidents_called_security", "top_category"):
        f = fig[name]
        assert f["low"] <= f["value"] + 1e-9 and f["value"] <= f["high"] + 1e-9, (name, f)
        assert f["seed_min"] <= f["value"] <= f["seed_max"]
    # the invented corpus is easy: the templates separate the classes
    assert fig["f1"]["value"] > 0.8 and fig["counts"]["security"] == 20
    assert {r[0].split()[0] for r in target_rows(fig)} == {"f1", "recall_outside", "accidents_called_security",
                                                            "top_category"}


def test_bootstrap_figures_count_what_they_say():
    ids = ["a", "b", "c", "d", "e", "f"]
    ref = {"a": {"label": "security", "categories": ["drugs"], "sure": True},
           "b": {"label": "security", "categories": ["drugs"], "sure": False},
           "c": {"label": "other", "categories": [], "sure": True},
           "d": {"label": "accident", "categories": [], "sure": True},
           "e": {"label": "accident", "categories": [], "sure": True},
           "f": {"label": "security", "categories": ["violent_crime"], "sure": True}}
    ds = D.Dataset(ids, ["faits-divers", "societe", "societe", "faits-divers", "regions", "regions"],
                   [[]] * 6, [[]] * 6, [None] * 6, np.zeros(6), np.zeros(6), np.zeros(6), ref)
    pred = np.array([["security", "other", "security", "security", "security", "security"]] * 2, dtype=object)
    top = np.array([["drugs", "policing_governance", "", "", "", "drugs"]] * 2, dtype=object)
    fig = bootstrap_figures(ds, {"pred": pred, "top": top}, n_boot=200)
    assert fig["precision"]["value"] == pytest.approx(2 / 5) and fig["recall"]["value"] == pytest.approx(2 / 3)
    assert fig["f1"]["value"] == pytest.approx(2 * 2 / (5 + 3))
    assert fig["recall_sure"]["value"] == pytest.approx(1.0)            # b is unsure
    assert fig["recall_outside"]["value"] == pytest.approx(1 / 2)       # b missed, f found
    assert fig["accidents_called_security"]["value"] == pytest.approx(1.0)   # only d is in faits-divers
    assert fig["top_category"]["value"] == pytest.approx(1 / 3)


def test_train_command_is_deterministic_and_ships_numbers_only(corpus, tmp_path, monkeypatch):
    from pipeline.model import variants

    monkeypatch.setitem(variants.VARIANTS, variants.CHOSEN, SMALL)
    monkeypatch.setattr(train_cmd, "VARIANTS", variants.VARIANTS)
    outs = []
    for k in range(2):
        out = tmp_path / f"m{k}" / "model.json"
        assert train_cmd.main(["--data", str(corpus), "--out", str(out), "--no-eval",
                               "--extra", str(corpus / "extra.jsonl")]) == 0
        outs.append(json.loads(out.read_text(encoding="utf-8")))
    assert outs[0]["version"] == outs[1]["version"] and outs[0]["text_models"] == outs[1]["text_models"]
    text = (tmp_path / "m0" / "model.json").read_text(encoding="utf-8")
    assert not any("\u0600" <= ch <= "\u06ff" for ch in text)          # no Arabic: numbers only
    card = (tmp_path / "m0" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert outs[0]["version"] in card and "Not computed" in card
    clf = SecurityClassifier.load(tmp_path / "m0" / "model.json")
    c = clf.classify("توقيف مروج للمخدرات بمدينة فاس", "أوقفت الشرطة مروجا للمخدرات وحجزت كمية من الشيرا.", "ar")
    assert c.is_security is True and c.classifier_version == outs[0]["version"]


def test_model_version_changes_with_any_decision():
    fit = {"text": [(FeatureSpec(n_bits=2, dense=False), np.zeros((4, 3)), np.zeros(3))],
           "stack_coef": np.ones((2, 3)), "stack_bias": np.zeros(3), "threshold": 0.25,
           "categories": {"min_specific": 3.0, "keep": 0.25}, "settings": {}}
    a = artifact(fit, {})
    assert artifact(dict(fit, threshold=0.16), {})["version"] != a["version"]
    assert artifact(dict(fit, categories={"min_specific": 2.0, "keep": 0.25}), {})["version"] != a["version"]
    assert artifact(dict(fit), {})["version"] == a["version"]


def test_commands_say_when_scikit_learn_is_missing(corpus, monkeypatch, capsys):
    import sys

    from pipeline.model import evaluate

    monkeypatch.setitem(sys.modules, "sklearn", None)        # import sklearn -> ImportError
    assert evaluate.main(["--data", str(corpus)]) == 2
    assert train_cmd.main(["--data", str(corpus), "--no-eval"]) == 2
    err = capsys.readouterr().err
    assert err.count("scikit-learn") == 2 and err.count("pip install") == 2


def test_evaluate_refuses_unknown_variants_and_bad_seeds(corpus, capsys):
    from pipeline.model import evaluate

    assert evaluate.main(["--data", str(corpus), "--variants", "no-such-variant"]) == 2
    assert evaluate.main(["--data", str(corpus), "--cv-seeds", "7,x"]) == 2
    err = capsys.readouterr().err
    assert "unknown variant" in err and "--cv-seeds" in err


def test_variant_comparison_is_paired_with_the_first_variant_and_counts_errors(corpus, tmp_path, monkeypatch,
                                                                                capsys):
    import dataclasses

    from pipeline.model import evaluate

    other = dataclasses.replace(SMALL, name="small-no-context", context=False)
    monkeypatch.setattr(evaluate, "VARIANTS", {"small": SMALL, "small-no-context": other})
    monkeypatch.setattr(evaluate, "VARIANTS_PATH", tmp_path / "variants.json")
    assert evaluate.main(["--data", str(corpus), "--cv-seeds", "1,2", "--variants", "small,small-no-context",
                          "--write-variants"]) == 0
    out = json.loads((tmp_path / "variants.json").read_text(encoding="utf-8"))["variants"]
    assert "paired_vs" not in out["small"]
    paired = out["small-no-context"]["paired_vs"]
    assert paired["variant"] == "small" and len(paired["f1"]["per_seed"]) == 2
    f1 = {k: out[k]["figures"]["f1"]["value"] for k in out}
    assert paired["f1"]["value"] == pytest.approx(f1["small-no-context"] - f1["small"], abs=1e-3)
    for v in out.values():
        assert v["errors"]["total"]["stories"] == 60
    assert "minus small, paired" in capsys.readouterr().out
