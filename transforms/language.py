"""Language detection stage (langdetect, seeded so results are deterministic).

langdetect is random unless ``DetectorFactory.seed`` is set; we set it once at
import, and detection runs on a bounded prefix of the text so that very long
stories do not cost more than short ones.

langdetect also loads its language profiles lazily into a module global, and
a second thread arriving during that load sees a half-filled factory (French
text then comes out as Catalan). :func:`ensure_profiles` loads them once,
under a lock, before any detection.
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
_SAMPLE_CHARS = 2000
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")
_LETTER = re.compile(r"[^\W\d_]")


def arabic_share(text: str) -> float:
    """Share of letters in Arabic script (0 when there are no letters)."""
    letters = _LETTER.findall((text or "")[:_SAMPLE_CHARS])
    if not letters:
        return 0.0
    return sum(1 for ch in letters if _ARABIC.match(ch)) / len(letters)


def detect_language(text: str, min_chars: int = 20) -> str:
    """ISO 639-1 code of ``text``, or ``"und"`` when it cannot be told.

    Arabic script is checked first: when most letters are Arabic the answer
    is ``ar`` without running the statistical model (langdetect sometimes
    calls short Moroccan Arabic text Persian or Urdu).
    """
    sample = (text or "")[:_SAMPLE_CHARS]
    letters = _LETTER.findall(sample)
    if len(letters) < min_chars:
        return UNDETERMINED
    if arabic_share(sample) > 0.6:
        return "ar"
    ensure_profiles()
    try:
        langs = detect_langs(sample)
    except LangDetectException:
        return UNDETERMINED
    best = langs[0]
    return best.lang if best.prob >= 0.5 else UNDETERMINED


class DetectLanguageFn(beam.DoFn):
    """Article -> Article with ``language`` set; undetermined text is a dead letter."""

    def __init__(self):
        self.detected = Metrics.counter("language", "detected")
        self.arabic = Metrics.counter("language", "arabic")
        self.failed = Metrics.counter("language", "undetermined")

    def setup(self):
        ensure_profiles()

    def process(self, article: Article):
        lang = detect_language(f"{article.title}\n{article.text}")
        if lang == UNDETERMINED:
            self.failed.inc()
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter(
                "language", article, error_type="undetermined_language",
                message="too little text to tell the language"))
            return
        self.detected.inc()
        if lang == "ar":
            self.arabic.inc()
        yield article.replace(language=lang)


class DetectLanguage(beam.PTransform):
    def expand(self, articles):
        return articles | "Detect" >> beam.ParDo(DetectLanguageFn()).with_outputs("errors", main="main")
