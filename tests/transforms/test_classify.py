import json
import re
import zlib

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

import transforms.security_model as classify_mod
from transforms.arabic import stems
from transforms.classify import ClassifyStories
from transforms.core.records import Article, ErrorRecord
from transforms.features import stem_hash, story_tokens
from transforms.lexicon import CATEGORIES, Lexicon, Match
from transforms.security_model import MODEL_PATH, SecurityClassifier, rank_categories

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
        hits = {g for g, _, _, _ in lex.scan(stems("قيل إن " + term + " كان حاضرا"))}
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


def test_policing_comes_first_only_when_nothing_more_specific_applies():
    # README rule (issue 19, item 8): however strong the police evidence, a specific
    # category that applies (evidence >= min_specific) comes first
    heavy_police = Match(title={"policing_governance": 9.0}, body={"policing_governance": 40.0,
                                                                    "violent_crime": 4.0, "drugs": 3.0})
    assert rank_categories(heavy_police, min_specific=3.0) == ("violent_crime", "drugs", "policing_governance")
    # a specific category below the minimum does not apply: policing first, the others after it
    assert rank_categories(heavy_police, min_specific=5.0) == ("policing_governance", "violent_crime", "drugs")
    only_police = Match(body={"policing_governance": 12.0})
    assert rank_categories(only_police) == ("policing_governance",)
    # a specific category far below the best specific one is not listed
    m = Match(title={"drugs": 6.0}, body={"drugs": 12.0, "property_crime": 1.0, "policing_governance": 30.0})
    assert rank_categories(m, min_specific=3.0) == ("drugs", "policing_governance")
    # on real wording: a knife attack reported with many police words
    lex = Lexicon.load()
    m = lex.match(stems("الشرطة تعتقل مشتبها فيه"),
                  stems("أوقفت عناصر الشرطة القضائية وعناصر الأمن الوطني المشتبه فيه بعد اعتداء بالسلاح "
                        "الأبيض، ووضعته تحت الحراسة النظرية تحت إشراف النيابة العامة"))
    assert m.score("policing_governance") > 3 * m.score("violent_crime") > 0
    assert rank_categories(m)[0] == "violent_crime"


def test_classifier_uses_the_models_category_setting(clf):
    c = clf.classify(DRUGS_TITLE, DRUGS_TEXT, "ar")
    assert c.categories == rank_categories(clf.scores(*story_tokens(DRUGS_TITLE, DRUGS_TEXT))[2],
                                           clf.model.min_specific, clf.model.category_keep)


def test_artifact_is_numbers_only_and_versioned():
    model = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert MODEL_PATH.stat().st_size < 6_000_000
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


# Foreign news (LABELING.md): crime or war abroad with no Moroccan angle is other;
# Moroccans arrested abroad and cooperation of Moroccan services are security.
FOREIGN = [
    ("مقتل ثلاثة أشخاص في إطلاق نار بمدينة شيكاغو الأمريكية",
     "قتل ثلاثة أشخاص وأصيب خمسة آخرون في إطلاق نار داخل مركز تجاري بمدينة شيكاغو في الولايات المتحدة، "
     "وأعلنت الشرطة الأمريكية توقيف المشتبه فيه بعد مطاردة، وفتحت تحقيقا في دوافع الجريمة."),
    ("الشرطة الفرنسية تفكك عصابة لتهريب المخدرات في مرسيليا",
     "فككت الشرطة الفرنسية عصابة متخصصة في تهريب المخدرات بمدينة مرسيليا جنوب فرنسا، وحجزت أطنانا من "
     "الحشيش وأسلحة نارية، واعتقلت عشرة أشخاص أحيلوا على القضاء الفرنسي بتهمة الاتجار الدولي."),
    ("قصف يخلف قتلى في غزة",
     "قتل عدد من المدنيين في قصف إسرائيلي على قطاع غزة، فيما أعلنت فصائل فلسطينية الرد على الهجوم، "
     "وسط دعوات دولية إلى وقف إطلاق النار في الأراضي الفلسطينية."),
]


@pytest.mark.parametrize("title,text", FOREIGN)
def test_foreign_news_without_a_moroccan_angle_is_other(clf, title, text):
    c = clf.classify(title, text, "ar")
    assert c.is_security is False, (title, c.security_score)
    assert c.security_score < clf.model.threshold
    assert c.places == () and c.primary_place is None


def test_moroccans_arrested_abroad_and_service_cooperation_stay_security(clf):
    c = clf.classify("توقيف مغربي في إسبانيا بتهمة تهريب المخدرات",
                     "أوقفت الشرطة الإسبانية مواطنا مغربيا بمدينة مالقة بعد حجز كمية من مخدر الشيرا في سيارته، "
                     "وقالت إن المغربي كان ينشط ضمن شبكة لتهريب المخدرات عبر مضيق جبل طارق.", "ar")
    assert c.is_security is True, c.security_score
    c = clf.classify("تعاون أمني مغربي إسباني يطيح بخلية إرهابية",
                     "أسفرت عملية مشتركة بين المديرية العامة لمراقبة التراب الوطني والشرطة الإسبانية عن تفكيك "
                     "خلية إرهابية موالية لداعش، واعتقال أعضائها في مدينتي طنجة ومدريد.", "ar")
    assert c.is_security is True, c.security_score
    assert c.places == ("طنجة",)                  # Madrid is not a Moroccan place


def test_foreign_rule_needs_foreign_names_and_no_moroccan_angle():
    from transforms.security_model import apply_foreign_rule, foreign_news
    lex = Lexicon.load()
    abroad = lex.match(stems("إطلاق نار في باريس"), stems("أعلنت الشرطة الفرنسية اعتقال مطلق النار في فرنسا"))
    assert foreign_news(abroad, moroccan_places=0)
    assert not foreign_news(abroad, moroccan_places=1)          # a Moroccan place is an angle
    moroccan = lex.match(stems("اعتقال مغاربة في باريس"), stems("أعلنت الشرطة الفرنسية اعتقال ثلاثة مغاربة"))
    assert not foreign_news(moroccan, moroccan_places=0)
    home = lex.match(stems("إطلاق نار في سلا"), stems("أطلق شرطي النار لتوقيف جانح"))
    assert not foreign_news(home, moroccan_places=1)
    p = apply_foreign_rule((0.1, 0.8, 0.1), threshold=0.3)
    assert p == pytest.approx((0.75, 0.15, 0.1)) and sum(p) == pytest.approx(1.0)


def test_boundary_rule_features():
    from transforms.features import CONTEXT_NAMES, context_features
    lex = Lexicon.load()
    f = dict(zip(CONTEXT_NAMES, context_features(
        lex.match(stems("معتقلون يخوضون إضرابا عن الطعام"),
                  stems("أعلنت المندوبية العامة لإدارة السجون أن السجناء أنهوا الإضراب عن الطعام بعد زيارة")),
        moroccan_places=0)))
    assert f["prison"] > 0 and f["prison_without_crime"] == f["prison"]
    f = dict(zip(CONTEXT_NAMES, context_features(
        lex.match(stems("عنف داخل السجن"), stems("اعتدى سجين على حارس بسكين داخل السجن المحلي")), 1)))
    assert f["prison"] > 0 and f["prison_without_crime"] == 0 and f["prison_near_crime"] > 0
    enforce = lex.match(stems("توقيف مخالفين لحالة الطوارئ الصحية"),
                        stems("أوقفت السلطات عشرات المخالفين لحالة الطوارئ الصحية وحررت محاضر في حقهم"))
    rules = lex.match(stems("تمديد حالة الطوارئ الصحية"),
                      stems("قررت الحكومة تمديد حالة الطوارئ الصحية شهرا آخر بسبب ارتفاع حالات الإصابة"))
    fe = dict(zip(CONTEXT_NAMES, context_features(enforce, 1)))
    fr = dict(zip(CONTEXT_NAMES, context_features(rules, 1)))
    assert fe["emergency_near_enforcement"] > 0 and fe["emergency_without_enforcement"] == 0
    assert fr["emergency_near_enforcement"] == 0 and fr["emergency_without_enforcement"] > 0


def test_context_groups_are_never_evidence():
    lex = Lexicon.load()
    m = lex.match(stems("الملك يصدر عفوا عن سجناء"), stems("أصدر الملك عفوا عن مئات السجناء في فرنسا والمغرب"))
    assert m.title.get("prison") and m.body.get("foreign") and m.body.get("morocco")
    evidence = set().union(*[lex.groups[g] for g in CATEGORIES + ("justice", "accident")])
    assert set(m.terms) <= evidence
    assert "عفوا ملكيا" not in m.terms and "فرنسا" not in m.terms and "المغرب" not in m.terms


def test_inference_margins_equal_the_training_vectors(clf):
    """Inference sums weight rows per namespace; training multiplies the sparse vector:
    the same numbers."""
    import numpy as np
    from transforms.features import dense_features, featurize_tokens, match_story
    tt, bt = story_tokens(DRUGS_TITLE, DRUGS_TEXT)
    m = match_story(tt, bt, clf.lexicon)
    for tm in clf.model.text_models:
        feats = featurize_tokens(tt, bt, m, 1, tm.spec)
        idx = np.array(list(feats), dtype=np.int64)
        want = np.array(list(feats.values())) @ tm.weights[idx].astype(np.float64) + np.array(tm.bias)
        assert np.allclose(tm.margins(tt, bt, dense_features(m, 1)), want, atol=1e-4)


def test_inference_margins_equal_the_training_vectors_for_any_tokens():
    """The per-word memo of character n-gram rows never changes a margin (hypothesis)."""
    import numpy as np
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from transforms.features import FeatureSpec, hashed_features
    from transforms.security_model import TextModel

    spec = FeatureSpec(n_bits=10, char_ngrams=(3, 5), char_weight=1.0, lead_tokens=3, lead_weight=0.5,
                       dense=False)
    rng = np.random.default_rng(5)
    model = TextModel(spec, rng.normal(size=(spec.dim, 3)).astype(np.float32), [0.1, -0.2, 0.3])
    words = st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي0123456789", min_size=1, max_size=9)

    @settings(max_examples=60, deadline=None)
    @given(st.lists(words, max_size=6), st.lists(words, max_size=40))
    def check(title, body):
        feats = hashed_features(title, body, spec)
        want = np.array(model.bias, dtype=np.float64)
        if feats:
            idx = np.array(list(feats), dtype=np.int64)
            want = want + np.array(list(feats.values())) @ model.weights[idx].astype(np.float64)
        assert np.allclose(model.margins(title, body, []), want, atol=1e-6)

    check()
