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
from transforms.features import stem_hash
from transforms.lexicon import CATEGORIES, Lexicon
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
