"""Training and evaluating the security classifier (needs scikit-learn; inference does not).

* :mod:`pipeline.model.dataset` - dev stories, weak labels, hand labels;
* :mod:`pipeline.model.fit` - the two-stage fit, the threshold, cross-validation;
* :mod:`pipeline.model.card` - the model artefact and MODEL_CARD.md;
* :mod:`pipeline.model.train` - ``python -m pipeline.train``;
* :mod:`pipeline.model.evaluate` - ``python -m pipeline.evaluate classifier``.

The artefact is written to ``configs/models/`` and read by
:mod:`transforms.security_model`.
"""
