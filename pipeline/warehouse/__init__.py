"""The warehouse layer: URIs, set-up of DuckDB and BigQuery, the analyst views,
the places dimension and the state a run reads from earlier runs.

Modules (import them directly; this package re-exports nothing, so that no
import circle can form through it):

* :mod:`pipeline.warehouse.uri` - ``--warehouse`` URIs (:class:`Warehouse`);
* :mod:`pipeline.warehouse.state` - :class:`RunState`, what a run reads at launch;
* :mod:`pipeline.warehouse.duckdb_setup` - create/upgrade a DuckDB file, read its state;
* :mod:`pipeline.warehouse.bigquery_setup` - the same for a BigQuery dataset;
* :mod:`pipeline.warehouse.views` - the analyst views (SQL in ``configs/sql``);
* :mod:`pipeline.warehouse.places` - rows of the ``places`` dimension;
* :mod:`pipeline.warehouse.cli` - ``python -m pipeline.warehouse init``.
"""
