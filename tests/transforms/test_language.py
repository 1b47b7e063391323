import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.core.records import Article
from transforms.language import UNDETERMINED, DetectLanguage, detect_language

AR = "أوقفت عناصر الشرطة القضائية بمدينة طنجة شخصين يشتبه في تورطهما في حيازة المخدرات والاتجار فيها"
FR = "La police judiciaire de Tanger a interpellé deux individus soupçonnés de trafic de drogue dans le quartier."
EN = "Police in Tangier arrested two men suspected of drug trafficking after a search of their apartment on Monday."


def test_detects_ar_fr_en_deterministically():
    for _ in range(3):
        assert [detect_language(t) for t in (AR, FR, EN)] == ["ar", "fr", "en"]


def test_arabic_with_latin_names_is_arabic():
    assert detect_language(AR + " DGSN BCIJ Interpol") == "ar"


def test_too_short_is_undetermined():
    assert detect_language("ok") == UNDETERMINED
    assert detect_language("12345 67890 !!! ???") == UNDETERMINED


def art(url, text):
    return Article(url=url, canonical_url=url, source="s", feed_url="f", text=text)


def test_transform_tags_language_and_keeps_undetermined_stories():
    """An undetermined story is still a story: it goes on with ``und`` (and NULL labels later)."""
    with TestPipeline() as p:
        out = p | beam.Create([art("u1", AR), art("u2", FR), art("u3", "…")]) | DetectLanguage()
        assert_that(out.main | beam.Map(lambda a: (a.url, a.language)),
                    equal_to([("u1", "ar"), ("u2", "fr"), ("u3", UNDETERMINED)]))
        assert_that(out.errors, equal_to([]), label="errors")


def test_detection_is_right_from_many_threads_at_first_use():
    """langdetect loads its profiles lazily; concurrent first calls must not see
    a half-loaded factory (run in a fresh interpreter so the load really races)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(f"""
        from concurrent.futures import ThreadPoolExecutor
        from transforms.language import detect_language
        texts = [{FR!r}, {EN!r}] * 16
        with ThreadPoolExecutor(16) as pool:
            got = list(pool.map(detect_language, texts))
        assert got == ["fr", "en"] * 16, got
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


DARIJA = [   # Moroccan Arabic in Latin letters, written for these tests
    "Lbolis chddo jouj drari f Casa 7it kanou kaybi3o l7chich 9dam lmadrasa, w daba homa f l7abs.",
    "Salam khouya, wach nta mzyan? Lyoum kan 3ndi bzaf dyal lkhedma, walakin ghadi nji l dar m3a l3chiya.",
    "Bghit nmchi l souk lyoum walakin ma kaynch lflouss, daba ghadi nsber hta lghedda inchallah.",
    "Had chi li wq3 f tri9 dyal Fes ma3endo ta chi m3na, nass kaymoutou w lmas2oulin ma kaydirou walou.",
]
ES = "La policía de Tánger detuvo a dos hombres sospechosos de tráfico de drogas tras registrar su apartamento."


@pytest.mark.parametrize("text", DARIJA)
def test_arabizi_is_und_never_an_unrelated_language(text):
    assert detect_language(text) == UNDETERMINED


def test_candidates_are_the_languages_moroccan_outlets_publish_in():
    assert detect_language(ES) == "es"
    assert detect_language("Die Polizei in Tanger hat zwei Männer festgenommen, die des Drogenhandels "
                           "verdächtigt werden, nach einer Durchsuchung ihrer Wohnung.") == UNDETERMINED
    assert detect_language("ⴰⵎⵓⵙⵙⵓ ⵏ ⵜⵎⵓⵔⵜ ⵏ ⵍⵎⵖⵔⵉⴱ ⵉⵙⵙⴽⵔ ⴰⵙⵎⵓⵜⵜⴳ ⴰⵎⴰⵢⵏⵓ ⴷⵉ ⵜⵙⴳⴰ") == "zgh"
    assert detect_language("Casablanca Marrakech Rabat Tanger") == UNDETERMINED     # too short to judge
    assert detect_language(FR + " Le COVID19, le G20 et la 4G.") == "fr"


def test_seed_stays_set():
    from langdetect import DetectorFactory

    assert DetectorFactory.seed == 0
