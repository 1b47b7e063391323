"""Single-story and maintenance commands (each also has a ``python -m pipeline.<name>`` entry):

* :mod:`pipeline.tools.extract_page` - ``python -m pipeline.extract``: one page or text, extracted and cleaned;
* :mod:`pipeline.tools.classify_jsonl` - ``python -m pipeline.classify``: JSONL in, labels out;
* :mod:`pipeline.tools.reclassify` - ``python -m pipeline.reclassify``: relabel stored stories;
* :mod:`pipeline.tools.feed_status` - ``python -m pipeline.feeds status``: feed health;
* :mod:`pipeline.tools.evaluate` and :mod:`pipeline.tools.eval_extraction` - ``python -m pipeline.evaluate``.
"""
