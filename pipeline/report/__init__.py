"""The analyst report: data from the warehouse views, charts, the HTML page, the command.

* :mod:`pipeline.report.data` - queries (DuckDB or BigQuery) into :class:`ReportData`;
* :mod:`pipeline.report.charts` - plotly figures;
* :mod:`pipeline.report.page` - the self-contained HTML page;
* :mod:`pipeline.report.browser` - headless Chromium: render checks and screenshots;
* :mod:`pipeline.report.cli` - ``python -m pipeline.report``.
"""
