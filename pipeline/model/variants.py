"""The model variants compared by nested cross-validation, and the one shipped.

``python -m pipeline.evaluate classifier --variants all`` scores each of
:data:`VARIANTS` with :func:`pipeline.model.nested.nested_cv` and writes the
figures to :data:`VARIANTS_PATH` (numbers only), which the model card
(``MODEL_CARD.md``) turns into its "what was tried" table. :data:`CHOSEN` is
what ``python -m pipeline.train`` ships and ``evaluate classifier`` measures.
"""
from __future__ import annotations

from configs import CONFIG_DIR
from pipeline.model.fit import Variant
from transforms.features import FeatureSpec

VARIANTS_PATH = CONFIG_DIR / "models" / "variants.json"

STEMS = FeatureSpec()                                             # title x1.5, body, stem uni+bigrams
LEAD = FeatureSpec(lead_tokens=60, lead_weight=1.0)               # + the first 60 body words again
CHAR = FeatureSpec(char_ngrams=(3, 5), char_weight=1.0)           # + character 3-5-grams of the words
CHAR_ONLY = FeatureSpec(title_weight=0.0, body_weight=0.0, char_ngrams=(3, 5), char_weight=1.0)

VARIANTS = {v.name: v for v in (
    Variant("stems", (STEMS,), note="stem unigrams and bigrams (title x1.5) plus lexicon and boundary-rule features"),
    Variant("stems-no-context", (STEMS,), context=False,
            note="the same without the boundary-rule features in stage 2"),
    Variant("stems-no-extra", (STEMS,), extra=False, note="stems, reference labels only (no extra labels)"),
    Variant("stems+lead", (LEAD,), note="stems plus the lead (first 60 body words) as its own namespace"),
    Variant("stems+char", (CHAR,), note="stems plus character 3-5-grams of the words, one text model"),
    Variant("stems|char", (STEMS, CHAR_ONLY),
            note="ensemble: a stem model and a character n-gram model, stacked and calibrated by stage 2"),
    Variant("stems+char, hand x10", (CHAR,), hand_weight=10.0,
            note="stems+char with hand labels weighing 10 weak labels in stage 1 (3 elsewhere)"),
    Variant("stems+char, cautious weak", (CHAR,), weak_unsure=True,
            note="stems+char, weak labels left out outside faits-divers where crime or enforcement words are"),
    Variant("stems+char, floor 0.85", (CHAR,), min_recall_outside=0.85,
            note="stems+char, threshold floor 0.85 on recall outside faits-divers (0.80 elsewhere)"),
    Variant("stems+char, no floor", (CHAR,), min_recall_outside=0.0,
            note="stems+char, F1-best threshold without a recall floor outside faits-divers"),
)}
CHOSEN = "stems"
