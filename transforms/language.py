"""Language detection stage (langdetect, seeded so results are deterministic).

langdetect is random unless ``DetectorFactory.seed`` is set; we set it once at
import, and detection runs on a bounded prefix of the text so that very long
stories do not cost more than short ones.

langdetect also loads its language profiles lazily into a module global, and
a second thread arriving during that load sees a half-filled factory (French
text then comes out as Catalan). :func:`ensure_profiles` loads them once,
under a lock, before any detection.

The answer is limited to the languages Moroccan outlets publish in
(:func:`detect_language`); text that is none of them, Moroccan Arabic written
in Latin letters included, and text too short to judge get ``und``, and are
still stored (with NULL security labels, like every non-Arabic story).
"""
from __future__ import annotations

import re
import threading

import apache_beam as beam
from apache_beam.metrics import Metrics
from langdetect import DetectorFactory, LangDetectException, detect_langs
from langdetect import detector_factory as _langdetect_factory

from transforms.core.deadletter import ERRORS, dead_letter
from transforms.core.records import Article

DetectorFactory.seed = 0
_profiles_lock = threading.Lock()
_profiles_loaded = False


def ensure_profiles() -> None:
    """Load langdetect's profiles exactly once, thread-safely."""
    global _profiles_loaded
    if _profiles_loaded:
        return
    with _profiles_lock:
        if not _profiles_loaded:
            _langdetect_factory.init_factory()
            _profiles_loaded = True

UNDETERMINED = "und"
# The languages Moroccan outlets publish in (README, "Language"): Arabic (and
# Moroccan Arabic in Arabic script), French, English, Spanish; Tamazight in
# Tifinagh is told by its script. Anything else langdetect answers is `und`.
LATIN_CANDIDATES = ("fr", "en", "es")
TAMAZIGHT = "zgh"            # ISO 639-3 Standard Moroccan Tamazight (no ISO 639-1 code exists)
MIN_LATIN_WORDS = 6          # fewer Latin-script words than this: too short to judge
MIN_PROBABILITY = 0.5
_SAMPLE_CHARS = 2000
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_TIFINAGH = re.compile(r"[\u2D30-\u2D7F]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W_]+")
# Arabizi writes the Arabic letters Latin lacks with digits inside words:
# 3 (ع), 7 (ح), 9 (ق), 2 (ء), 5 (خ), 8 (ه), 6 (ط): "m3a", "l7abs", "9dam".
_ARABIZI_WORD = re.compile(r"^(?=.*[a-z])(?=.*[235679])[a-z235679']+$", re.I)


def arabic_share(text: str) -> float:
    """Share of letters in Arabic script (0 when there are no letters)."""
    letters = _LETTER.findall((text or "")[:_SAMPLE_CHARS])
    if not letters:
        return 0.0
    return sum(1 for ch in letters if _ARABIC.match(ch)) / len(letters)


def arabizi_words(text: str) -> tuple[int, int]:
    """``(words that mix Latin letters with the digits arabizi uses as letters, words)``."""
    words = _WORD.findall((text or "")[:_SAMPLE_CHARS])
    hits = sum(1 for w in words if _ARABIZI_WORD.match(w))
    return hits, len(words)


def detect_language(text: str, min_chars: int = 20) -> str:
    """ISO 639-1 code of ``text`` (``ar``, ``fr``, ``en``, ``es``; ``zgh`` for
    Tifinagh), or ``"und"`` when it cannot be told or is none of those.

    * fewer than ``min_chars`` letters: ``und``;
    * most letters Arabic script: ``ar`` without the statistical model
      (langdetect sometimes calls short Moroccan Arabic Persian or Urdu);
      most letters Tifinagh: ``zgh``;
    * Latin script: fewer than :data:`MIN_LATIN_WORDS` words, or at least two
      words and 5% of words written in arabizi (``m3a``, ``l7abs``: Moroccan Arabic in
      Latin letters), gives ``und``; otherwise langdetect (seeded), whose
      answer counts only when it is one of :data:`LATIN_CANDIDATES` with
      probability >= :data:`MIN_PROBABILITY` (langdetect calls arabizi
      Somali or Swahili: that is ``und``, never an unrelated language).
    """
    sample = (text or "")[:_SAMPLE_CHARS]
    letters = _LETTER.findall(sample)
    if len(letters) < min_chars:
        return UNDETERMINED
    if arabic_share(sample) > 0.6:
        return "ar"
    if sum(1 for ch in letters if _TIFINAGH.match(ch)) / len(letters) > 0.6:
        return TAMAZIGHT
    words = [w for w in _WORD.findall(sample) if not w.isdigit()]
    arabizi, total = arabizi_words(sample)
    if len(words) < MIN_LATIN_WORDS or (arabizi >= 2 and arabizi >= 0.05 * total):
        return UNDETERMINED
    ensure_profiles()
    try:
        langs = detect_langs(sample)
    except LangDetectException:
        return UNDETERMINED
    best = langs[0]
    if best.lang in ("fa", "ur", "ar") and arabic_share(sample) > 0.3:
        return "ar"
    if best.lang in LATIN_CANDIDATES and best.prob >= MIN_PROBABILITY:
        return best.lang
    return UNDETERMINED


class DetectLanguageFn(beam.DoFn):
    """Article -> Article with ``language`` set (``und`` included: such a story
    is still a row, with NULL labels); a crash is a dead letter (stage ``language``)."""

    def __init__(self):
        self.detected = Metrics.counter("language", "detected")
        self.arabic = Metrics.counter("language", "arabic")
        self.failed = Metrics.counter("language", "undetermined")
        self.errors = Metrics.counter("language", "errors")

    def setup(self):
        ensure_profiles()

    def process(self, article: Article):
        try:
            lang = detect_language(f"{article.title}\n{article.text}")
        except Exception as exc:  # noqa: BLE001 - one story, one dead letter
            self.errors.inc()
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter("language", article, exc))
            return
        if lang == UNDETERMINED:
            self.failed.inc()
        else:
            self.detected.inc()
        if lang == "ar":
            self.arabic.inc()
        yield article.replace(language=lang)


class DetectLanguage(beam.PTransform):
    def expand(self, articles):
        return articles | "Detect" >> beam.ParDo(DetectLanguageFn()).with_outputs("errors", main="main")
