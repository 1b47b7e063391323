"""Stage 5: classify each Arabic story (the Beam wrapper of :mod:`transforms.security_model`).

``ClassifyStories(lexicon, gazetteer, model_path)`` maps Article ->
``(Article, Classification)``; failures go to the tagged ``errors`` output.
The lexicon and gazetteer arrive as loaded objects (read when the pipeline is
built); the model artefact, the heavy object, is loaded once per worker in
``DoFn.setup`` from ``model_path`` (default: the shipped
``configs/models/security_model.json``).
"""
from __future__ import annotations

from typing import Optional

import apache_beam as beam

from transforms.core.deadletter import ERRORS, dead_letter
from transforms.core.records import Article
from transforms.lexicon import Lexicon
from transforms.places import Gazetteer
from transforms.security_model import SecurityClassifier, load_model


class ClassifyFn(beam.DoFn):
    """Article -> ``(Article, Classification)``; failures to the ``errors`` output.

    ``lexicon`` and ``gazetteer`` are loaded objects (None: the shipped ones,
    loaded at construction, never inside the DoFn); the model artefact at
    ``model_path`` (None: the shipped one) is read once per worker in ``setup``.
    """

    def __init__(self, lexicon: Optional[Lexicon] = None, gazetteer: Optional[Gazetteer] = None,
                 model_path: Optional[str] = None):
        self.lexicon = lexicon if lexicon is not None else Lexicon.load()
        self.gazetteer = gazetteer if gazetteer is not None else Gazetteer.load()
        self.model_path = model_path
        self.classifier: Optional[SecurityClassifier] = None
        self.classified = beam.metrics.Metrics.counter("classify", "classified")
        self.security = beam.metrics.Metrics.counter("classify", "security")
        self.accident = beam.metrics.Metrics.counter("classify", "accident")
        self.failed = beam.metrics.Metrics.counter("classify", "errors")

    def setup(self):
        self.classifier = SecurityClassifier(load_model(self.model_path), self.lexicon, self.gazetteer)

    def process(self, article: Article):
        try:
            c = self.classifier.classify(article.title, article.text, article.language)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a dead letter
            self.failed.inc()
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter("classify", article, exc, message=str(exc)))
            return
        self.classified.inc()
        if c.is_security:
            self.security.inc()
        if c.is_accident:
            self.accident.inc()
        yield article, c


class ClassifyStories(beam.PTransform):
    """PCollection[Article] -> outputs ``main`` ((Article, Classification)) and ``errors`` (ErrorRecord)."""

    def __init__(self, lexicon: Optional[Lexicon] = None, gazetteer: Optional[Gazetteer] = None,
                 model_path: Optional[str] = None):
        super().__init__()
        self.fn = ClassifyFn(lexicon, gazetteer, model_path)

    def expand(self, articles):
        return articles | "Classify" >> beam.ParDo(self.fn).with_outputs(ERRORS, main="main")
