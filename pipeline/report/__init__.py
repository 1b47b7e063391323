"""The analyst report: data from the warehouse views, charts, the HTML page, the command.

* :mod:`pipeline.report.data` - queries (DuckDB or BigQuery) into :class:`ReportData`;
* :mod:`pipeline.report.axes` - the report's calendar (every day or ISO week up to
  today) and whole-number count axes;
* :mod:`pipeline.report.charts` - plotly figures: categories, share, places, regions;
* :mod:`pipeline.report.coverage` - the source x day coverage heatmap and its gaps;
* :mod:`pipeline.report.maps` - the map on the vendored outline (``geodata/``), labels;
* :mod:`pipeline.report.figure` - what the figures share (fonts, colours, escaping);
* :mod:`pipeline.report.page` - the self-contained HTML page;
* :mod:`pipeline.report.browser` - headless Chromium: render checks and screenshots;
* :mod:`pipeline.report.cli` - ``python -m pipeline.report``.
"""
