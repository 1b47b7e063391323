"""Training and evaluating the security classifier (needs scikit-learn; inference does not).

* :mod:`pipeline.model.dataset` - dev stories, weak labels, reference and extra labels;
* :mod:`pipeline.model.fit` - the stacked fit, with every setting chosen on the training rows;
* :mod:`pipeline.model.nested` - nested, repeated cross-validation;
* :mod:`pipeline.model.metrics` - the figures and their bootstrap intervals;
* :mod:`pipeline.model.variants` - the variants compared and the one shipped;
* :mod:`pipeline.model.card` - the model artefact and MODEL_CARD.md;
* :mod:`pipeline.model.train` - ``python -m pipeline.train``;
* :mod:`pipeline.model.evaluate` - ``python -m pipeline.evaluate classifier``.

The artefact is written to ``configs/models/`` and read by
:mod:`transforms.security_model`.
"""
