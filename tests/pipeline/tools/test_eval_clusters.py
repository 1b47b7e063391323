"""``python -m pipeline.evaluate clusters``: pair scores by hand, and the command on a slice of dev.jsonl."""
from __future__ import annotations

import pytest
from helpers import SHARED

from pipeline.tools import cluster_evalset as ce
from pipeline.tools import eval_clusters as ev
from pipeline.tools.evaluate import main as evaluate_main

DATA = SHARED / "data" / "hespress"


def test_pair_score_counts_pairs_from_the_contingency_table():
    gold = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z"}
    s = ev.pair_score(predicted, gold)
    # predicted pairs: ab, cd -> 2; gold pairs: ab ac bc de -> 4; both: ab -> 1
    assert (s.tp, s.predicted, s.gold) == (1, 2, 4)
    assert s.precision == 0.5 and s.recall == 0.25
    with pytest.raises(ValueError):
        ev.pair_score({"a": 1}, {"b": 1})


def test_copies_are_edited_versions_of_their_original():
    import datetime as dt
    import random

    original = ce.Doc("o1", "o1", "hespress", "توقيف مروج مخدرات بالرباط",
                      "أوقفت الشرطة شابا. وحجزت كمية من الشيرا. وفتح بحث قضائي. وأحيل على النيابة العامة. "
                      "وتتواصل الأبحاث.", dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc), "faits-divers", "الرباط")
    title, text = ce.edit(original, ("boilerplate", "dateline", "lead", "trim"), "sada_rif", "عنوان آخر",
                          random.Random(1))
    assert title != original.title and "توقيف مروج مخدرات بالرباط" in title
    assert text.startswith("صدى الريف |") and "الرباط" in text.splitlines()[1]
    assert "اقرأ أيضا: عنوان آخر" in text and "وحجزت كمية من الشيرا." in text


@pytest.mark.skipif(not (DATA / "dev.jsonl").exists(), reason="../shared/data/hespress/dev.jsonl is absent")
def test_clustering_meets_the_targets_on_a_slice_of_the_evaluation_set():
    from transforms.places import Gazetteer

    docs = ce.dev_docs(ce.load_dev(DATA), Gazetteer.load())
    es = ce.build(docs, max_originals=200)
    assert len(es.originals) == 200 and len(es.copies) == 600
    halves = ce.split(es, "tune"), ce.split(es, "test")
    assert not {d.doc_id for d in halves[0].docs} & {d.doc_id for d in halves[1].docs}
    res = ev.evaluate(es)
    assert res["precision"] >= ev.TARGET and res["recall"] >= ev.TARGET
    assert set(res["recall_by_edit"]) == set(ce.EDITS)


def test_missing_data_exits_2(tmp_path, capsys):
    assert evaluate_main(["clusters", "--data", str(tmp_path)]) == 2
    assert "dev.jsonl" in capsys.readouterr().err
