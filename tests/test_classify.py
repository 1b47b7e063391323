import json
import re
import zlib

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

import transforms.classify as classify_mod
from pipeline.records import Article, ErrorRecord
from transforms.arabic import stems
from transforms.classify import MODEL_PATH, ClassifyStories, SecurityClassifier, rank_categories
from transforms.features import stem_hash
from transforms.lexicon import CATEGORIES, Lexicon

# Stories written for these tests (not taken from any news site).
DRUGS_TITLE = "حجز طنين من الشيرا وتوقيف ثلاثة مروجين بمدينة الناظور"
DRUGS_TEXT = (
    "تمكنت عناصر الشرطة القضائية بمدينة الناظور من حجز طنين من مخدر الشيرا "
    "وتوقيف ثلاثة أشخاص يشتبه في تورطهم في الاتجار في المخدرات. "
    "وقد تم وضع المشتبه فيهم تحت تدبير الحراسة النظرية رهن البحث القضائي "
    "الذي تشرف عليه النيابة العامة المختصة."
)
ACCIDENT_TITLE = "مصرع شخصين في حادثة سير قرب تارودانت"
ACCIDENT_TEXT = (
    "لقي شخصان مصرعهما وأصيب ثلاثة آخرون بجروح متفاوتة الخطورة في حادثة سير "
    "إثر اصطدام عنيف بين سيارة وشاحنة على الطريق الوطنية قرب تارودانت. "
    "وحلت عناصر الوقاية المدنية بعين المكان ونقلت المصابين إلى المستعجلات."
)
SPORT_TITLE = "المنتخب المغربي يفوز على ضيفه في مباراة ودية"
SPORT_TEXT = (
    "فاز المنتخب المغربي لكرة القدم على ضيفه بهدفين دون رد في المباراة الودية "
    "التي جرت مساء أمس، وسجل الهدفين لاعبا الوسط في الشوط الثاني أمام جمهور غفير."
)


@pytest.fixture(scope="module")
def clf():
    return SecurityClassifier.load()


def test_lexicon_has_the_eight_categories_and_issue_terms():
    lex = Lexicon.load()
    for c in CATEGORIES:
        assert len(lex.groups[c]) >= 15, c
    assert len(lex.groups["accident"]) >= 30
    expected = {
        "الكيف": "drugs", "الشيرا": "drugs", "القرقوبي": "drugs", "الماحيا": "drugs",
        "الحريك": "trafficking_smuggling", "التشرميل": "violent_crime",
        "اعتراض السبيل": "property_crime", "السلاح الأبيض": "violent_crime",
        "الفرقة الوطنية للشرطة القضائية": "policing_governance",
        "المكتب المركزي للأبحاث القضائية": "terrorism_extremism",
        "الدرك الملكي": "policing_governance", "القوات المساعدة": "policing_governance",
    }
    for term, cat in expected.items():
        hits = {g for g, _, _ in lex.scan(stems("قيل إن " + term + " كان حاضرا"))}
        assert cat in hits, (term, hits)


def test_lexicon_matches_prefixed_forms_and_weighs_title():
    lex = Lexicon.load()
    m = lex.match(stems("اعتقال مروج للشيرا"), stems("حجزت الشرطة كمية من الشيرا بالسلاح الأبيض"))
    assert m.title["drugs"] > 0 and m.body["drugs"] > 0 and m.body["violent_crime"] >= 3
    assert m.terms["الشيرا"] == 3 * 3 + 3          # title hit counts triple
    assert lex.match([], stems("مباراة في كرة القدم")).terms == {}


def test_drug_story_is_security_with_evidence(clf):
    c = clf.classify(DRUGS_TITLE, DRUGS_TEXT, "ar")
    assert c.is_security is True and c.is_accident is False
    assert 0.5 < c.security_score <= 1.0
    assert c.categories[0] == "drugs" and "policing_governance" in c.categories
    assert "الشيرا" in c.matched_terms
    keys = [clf.lexicon.key_of[t] for t in c.matched_terms]
    assert len(keys) == len(set(keys))            # one spelling per term (no الشيرا and شيرا)
    assert c.places == ("الناظور",) and c.primary_place == "الناظور"
    assert c.classifier_version == clf.version


def test_road_crash_is_an_accident_not_security(clf):
    c = clf.classify(ACCIDENT_TITLE, ACCIDENT_TEXT, "ar")
    assert c.is_security is False and c.is_accident is True
    assert c.categories == ()
    assert "تارودانت" in c.places


def test_sport_story_is_other(clf):
    c = clf.classify(SPORT_TITLE, SPORT_TEXT, "ar")
    assert c.is_security is False and c.is_accident is False
    assert c.security_score < 0.2


@pytest.mark.parametrize("lang", ["fr", "en", "und"])
def test_no_guess_for_other_languages(clf, lang):
    c = clf.classify("La police arrête deux suspects à Rabat", "Texte en français.", lang)
    assert (c.is_security, c.security_score, c.is_accident) == (None, None, None)
    assert c.categories == () and c.matched_terms == () and c.places == ()
    assert c.classifier_version == clf.version


def test_rank_categories_prefers_specific_crime_over_policing():
    lex = Lexicon.load()
    m = lex.match(stems("الشرطة توقف لصا"), stems("أوقفت عناصر الشرطة لصا متخصصا في السرقة"))
    assert rank_categories(m)[0] == "property_crime"
    assert rank_categories(lex.match([], [])) == ("policing_governance",)


def test_artifact_is_numbers_only_and_versioned():
    model = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert MODEL_PATH.stat().st_size < 5_000_000
    assert classify_mod.CLASSIFIER_VERSION == model["version"]
    assert re.fullmatch(r"sec-\d{4}\.\d{2}-[0-9a-f]{6}", model["version"])
    # no Arabic text anywhere in the artifact: weights are per hashed index
    assert not re.search("[\u0600-\u06FF]", MODEL_PATH.read_text(encoding="utf-8"))


def test_hashing_is_stable():
    assert stem_hash("شرطه") == zlib.crc32("شرطه".encode("utf-8"))


def _article(url, title, text, language="ar"):
    return Article(url=url, canonical_url=url, source="test", feed_url="http://127.0.0.1/feed",
                   title=title, text=text, language=language)


def test_classify_fn_in_a_pipeline():
    good = _article("http://127.0.0.1/a", DRUGS_TITLE, DRUGS_TEXT)
    french = _article("http://127.0.0.1/b", "Titre", "Texte", language="fr")
    broken = _article("http://127.0.0.1/c", "عنوان", 12345)      # text is not a string
    with TestPipeline() as p:
        out = p | beam.Create([good, french, broken]) | ClassifyStories()
        main = out.main | beam.Map(lambda kv: (kv[0].url, kv[1].is_security, kv[1].categories[:1]))
        errors = out.errors | beam.Map(lambda e: (type(e) is ErrorRecord, e.stage, e.url))
        assert_that(main, equal_to([("http://127.0.0.1/a", True, ("drugs",)),
                                    ("http://127.0.0.1/b", None, ())]), label="main")
        assert_that(errors, equal_to([(True, "classify", "http://127.0.0.1/c")]), label="errors")


def test_extra_labels_refuse_gold_ids_and_bad_labels(tmp_path):
    from pipeline.train import read_extra

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
    import json as _json
    from pipeline.train import EXTRA_PATH, LABEL_INDEX

    rows = [_json.loads(line) for line in EXTRA_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 400
    for r in rows:
        assert set(r) == {"id", "label", "categories", "sure"}
        assert r["label"] in LABEL_INDEX
        assert bool(r["categories"]) == (r["label"] == "security")
        assert set(r["categories"]) <= set(CATEGORIES)


def test_extra_labels_override_weak_labels_with_their_weight():
    import numpy as np
    from pipeline import train as T

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
    import numpy as np
    from pipeline.train import choose_threshold

    scores = np.array([0.9, 0.8, 0.7, 0.45, 0.3, 0.1])
    y = np.array([1, 1, 1, 0, 0, 0])
    t = choose_threshold(scores, y)
    assert 0.45 < t <= 0.7          # every security story in, every other out


def test_threshold_keeps_recall_outside_the_crime_section():
    import numpy as np
    from pipeline.train import choose_threshold

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
    import numpy as np
    from pipeline.train import artifact

    fit = {"coef": np.zeros((4, 3)), "bias": np.zeros(3), "stack_coef": np.ones((2, 3)),
           "stack_bias": np.zeros(3), "threshold": 0.25}
    card = {}
    a = artifact(fit, 2, card)
    b = artifact(dict(fit, threshold=0.16), 2, card)
    assert a["version"] != b["version"] and a["threshold"] == 0.25 and b["threshold"] == 0.16


def test_security_outside_the_crime_section_weighs_more():
    import numpy as np
    from pipeline import train as T

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
