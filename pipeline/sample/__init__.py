"""The offline sample: a small site of our own writing (``site/``) and the loopback server
(:mod:`pipeline.sample.server`) that ``python -m pipeline.run --sample`` runs against."""
