"""Error analysis by boundary rule and paired comparison of two nested runs (invented stories only)."""
import numpy as np
import pytest

from pipeline.model import dataset as D
from pipeline.model.errors import GROUP_NAMES, boundary_group, error_table, format_error_table
from pipeline.model.metrics import paired_difference
from transforms.features import match_story, story_tokens
from transforms.lexicon import Lexicon


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon.load()


def group_of(lexicon, title, body, places=0):
    tt, bt = story_tokens(title, body)
    return boundary_group(match_story(tt, bt, lexicon), places)


def test_boundary_group_follows_the_labeling_rules_in_order(lexicon):
    # emergency-rule vocabulary (the title counts triple)
    assert group_of(lexicon, "تمديد حالة الطوارئ الصحية شهرا آخر",
                    "قررت الحكومة تمديد حالة الطوارئ الصحية مع الحجر الصحي.") == "emergency"
    # prison administration
    assert group_of(lexicon, "المندوبية العامة لإدارة السجون تفتح سجنا جديدا",
                    "افتتحت المندوبية العامة لإدارة السجون مؤسسة سجنية جديدة لتخفيف الاكتظاظ.") == "prison"
    # a court story without any boundary vocabulary before it
    assert group_of(lexicon, "محكمة الاستئناف تؤجل الملف",
                    "أجلت غرفة الجنايات بمحكمة الاستئناف النظر في ملف المتهمين إلى جلسة لاحقة.") == "court"
    # a story with none of the rules' vocabulary
    assert group_of(lexicon, "افتتاح معرض للكتاب", "افتتح معرض للكتاب بمشاركة دور نشر كثيرة.") == "none"


def test_foreign_needs_foreign_names_outweighing_the_moroccan_angle(lexicon):
    title, body = "هجوم مسلح في باريس", "قتل مسلح ثلاثة أشخاص في باريس وفرنسا تعلن الحداد."
    assert group_of(lexicon, title, body) == "foreign"
    # the same story with many Moroccan places found is not foreign news
    assert group_of(lexicon, title, body, places=20) != "foreign"


def tiny_dataset(lexicon):
    stories = [   # (title, body, reference label)
        ("تمديد حالة الطوارئ الصحية", "قررت الحكومة تمديد حالة الطوارئ الصحية والحجر الصحي.", "other"),
        ("غرامات لمخالفي حالة الطوارئ الصحية", "حررت السلطات محاضر وغرامات لمخالفي حالة الطوارئ الصحية والحجر الصحي.",
         "security"),
        ("محكمة الاستئناف تؤجل الملف", "أجلت غرفة الجنايات النظر في ملف المتهمين بتهمة السرقة.", "security"),
        ("افتتاح معرض للكتاب", "افتتح معرض للكتاب بمشاركة دور نشر كثيرة.", "other"),
    ]
    ids, matches = [], []
    for k, (t, b, _) in enumerate(stories):
        tt, bt = story_tokens(t, b)
        ids.append(f"s{k}")
        matches.append(match_story(tt, bt, lexicon))
    ref = {f"s{k}": {"label": lab, "categories": [], "sure": True} for k, (_, _, lab) in enumerate(stories)}
    n = len(stories)
    return D.Dataset(ids, ["societe"] * n, [[]] * n, [[]] * n, matches, np.zeros(n), np.zeros(n), np.zeros(n), ref)


def test_error_table_counts_false_positives_and_negatives_per_group_over_seeds(lexicon):
    ds = tiny_dataset(lexicon)
    # seed 1: the emergency measure is called security (FP) and the trial missed (FN); seed 2: all right
    pred = np.array([["security", "security", "other", "other"],
                     ["other", "security", "security", "other"]], dtype=object)
    table = error_table(ds, {"pred": pred})
    assert table["emergency"] == {"stories": 2, "security": 1, "fp": 0.5, "fn": 0.0}
    assert table["court"] == {"stories": 1, "security": 1, "fp": 0.0, "fn": 0.5}
    assert table["none"] == {"stories": 1, "security": 0, "fp": 0.0, "fn": 0.0}
    assert table["total"] == {"stories": 4, "security": 2, "fp": 0.5, "fn": 0.5}
    lines = format_error_table(table)
    assert len(lines) == len(GROUP_NAMES) + 2 and lines[-1].startswith("total")


def test_paired_difference_is_exact_per_seed_and_refuses_other_seeds(lexicon):
    ds = tiny_dataset(lexicon)
    top = np.array([[""] * 4] * 2, dtype=object)
    a = {"seeds": (1, 2), "top": top,
         "pred": np.array([["other", "security", "security", "other"]] * 2, dtype=object)}    # F1 1.0
    b = {"seeds": (1, 2), "top": top,
         "pred": np.array([["security", "security", "other", "other"]] * 2, dtype=object)}   # F1 0.5
    d = paired_difference(ds, a, b, n_boot=200)
    assert d["per_seed"] == pytest.approx([0.5, 0.5]) and d["value"] == pytest.approx(0.5)
    assert d["low"] <= d["value"] <= d["high"]
    assert paired_difference(ds, a, a, n_boot=50)["high"] == pytest.approx(0.0)
    with pytest.raises(ValueError):
        paired_difference(ds, a, dict(b, seeds=(3, 4)))
    with pytest.raises(ValueError):
        paired_difference(ds, a, b, figure="accuracy")
