"""What the commands read from a BigQuery warehouse: feed state, a run's counts,
the report's queries.

Every function takes an optional ``client`` (a ``google.cloud.bigquery.Client``);
without one it builds :func:`pipeline.warehouse.bigquery_setup.make_client`,
which talks to the emulator when ``BIGQUERY_EMULATOR_HOST`` is set. Rows are
read through the views that dedup BigQuery's append-only tables
(``feed_state_current``, ``stories_current``), so they have the shape and the
numbers of the DuckDB warehouse's tables. Errors: ``WarehouseError`` (one line)
for a dataset that is not set up or a failed query.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Optional

from pipeline.warehouse.uri import WarehouseError
from transforms.core import schema


def _client(project: str, client):
    if client is not None:
        return client
    from pipeline.warehouse.bigquery_setup import make_client

    return make_client(project)


def _param(name: str, value: Any):
    from google.cloud import bigquery

    if isinstance(value, dt.datetime):
        return bigquery.ScalarQueryParameter(name, "TIMESTAMP", value)
    if isinstance(value, dt.date):
        return bigquery.ScalarQueryParameter(name, "DATE", value)
    if isinstance(value, bool):
        return bigquery.ScalarQueryParameter(name, "BOOL", value)
    if isinstance(value, int):
        return bigquery.ScalarQueryParameter(name, "INT64", value)
    if isinstance(value, float):
        return bigquery.ScalarQueryParameter(name, "FLOAT64", value)
    return bigquery.ScalarQueryParameter(name, "STRING", value)


def query_rows(project: str, dataset: str, sql: str, params: Optional[dict] = None, client=None) -> list[dict]:
    """Rows of ``sql`` as dicts; unqualified table names resolve in ``project.dataset``.

    ``params`` become named query parameters (``@name``): str, int, float,
    bool, date and timezone-aware datetime values. Raises WarehouseError.
    """
    from google.api_core.exceptions import GoogleAPIError, NotFound
    from google.cloud import bigquery

    client = _client(project, client)
    config = bigquery.QueryJobConfig(default_dataset=f"{project}.{dataset}",
                                     query_parameters=[_param(k, v) for k, v in (params or {}).items()])
    try:
        return [dict(r.items()) for r in client.query(sql, job_config=config).result()]
    except NotFound:
        from pipeline.warehouse.bigquery_setup import NotSetUp

        raise NotSetUp(project, dataset) from None
    except GoogleAPIError as exc:
        raise WarehouseError(f"BigQuery {project}.{dataset}: {exc}".splitlines()[0]) from None


def query_runner(project: str, dataset: str, client=None) -> Callable[[str, dict], list[dict]]:
    """``run(sql, params) -> rows as dicts`` on ``project.dataset`` (the report's runner)."""
    client = _client(project, client)

    def run(sql: str, params: dict[str, Any]) -> list[dict]:
        return query_rows(project, dataset, sql, params, client=client)
    return run


def read_feed_state(project: str, dataset: str, client=None) -> dict[str, dict]:
    """feed_url -> its latest ``feed_state`` row (the ``feed_state_current`` view),
    with the columns of :data:`transforms.core.schema.FEED_STATE`; timestamps are
    timezone-aware UTC datetimes."""
    cols = ", ".join(f"`{c}`" for c in schema.column_names("feed_state"))
    rows = query_rows(project, dataset, f"SELECT {cols} FROM feed_state_current", client=client)
    return {r["feed_url"]: r for r in rows}


def run_counts(project: str, dataset: str, run_id: str, client=None) -> dict:
    """What landed for ``run_id``: ``rows_this_run``, ``lines_removed``, ``rows_total``
    (stories in ``stories_current``) and ``errors_by_stage`` - the keys the run
    summary reads from a DuckDB warehouse."""
    run = query_runner(project, dataset, client)
    this = run("SELECT COUNT(*) AS n, COALESCE(SUM(boilerplate_lines_removed), 0) AS removed "
               "FROM stories WHERE run_id = @run_id", {"run_id": run_id})[0]
    total = run("SELECT COUNT(*) AS n FROM stories_current", {})[0]["n"]
    errors = run("SELECT stage, COUNT(*) AS n FROM errors WHERE run_id = @run_id GROUP BY stage ORDER BY stage",
                 {"run_id": run_id})
    return {"rows_this_run": int(this["n"]), "lines_removed": int(this["removed"]), "rows_total": int(total),
            "errors_by_stage": {r["stage"]: int(r["n"]) for r in errors}}
