"""Relabel the stories of a BigQuery warehouse in place (``python -m pipeline.reclassify``).

:func:`reclassify_bigquery` reads every current story (``stories_current``:
the latest version of each ``article_id``), asks ``relabel`` for its new
label columns, and writes the changed ones back with one ``MERGE`` per batch
of :data:`BATCH_ROWS` stories. The new labels travel as one JSON query
parameter; each ``MERGE`` matches the rows of that version
(``article_id`` and ``run_id``, so a duplicate row of the same write is
relabelled too) and is atomic on its own. Running it twice changes nothing
the second time.

BigQuery refuses ``UPDATE``/``MERGE`` on rows still in the streaming buffer
(rows written by streaming inserts in roughly the last 30-90 minutes): those
batches fail with BigQuery's own message, and a later run relabels them.
Batch runs write with load jobs, which have no streaming buffer.
"""
from __future__ import annotations

import json
from typing import Callable, Optional

from pipeline.warehouse.bigquery_setup import json_column, make_client
from pipeline.warehouse.uri import WarehouseError
from transforms.core import schema

BATCH_ROWS = 500
INPUT_COLUMNS = ("article_id", "run_id", "title", "text", "language")


def merge_statement(project: str, dataset: str, columns: tuple[str, ...]) -> str:
    """``MERGE`` setting ``columns`` of the matching stories rows from ``@rows``
    (a JSON array of objects with ``article_id``, ``run_id`` and ``columns``)."""
    fields = {f.name: f for f in schema.STORIES}
    unknown = [c for c in columns if c not in fields]
    if unknown:
        raise ValueError(f"not stories columns: {unknown}")
    keys = ("article_id", "run_id")
    exprs = ", ".join(f"{json_column(fields[c], 'r')} AS `{c}`" for c in keys + tuple(columns))
    sets = ", ".join(f"`{c}` = S.`{c}`" for c in columns)
    return (f"MERGE `{project}.{dataset}.stories` AS T\n"
            f"USING (SELECT {exprs} FROM UNNEST(JSON_QUERY_ARRAY(@rows)) AS r) AS S\n"
            "ON T.article_id = S.article_id AND T.run_id = S.run_id\n"
            f"WHEN MATCHED THEN UPDATE SET {sets}")


def reclassify_bigquery(project: str, dataset: str, relabel: Callable[[dict], Optional[dict]],
                        columns: tuple[str, ...], client=None, batch_rows: int = BATCH_ROWS) -> tuple[int, int]:
    """``(stories read, stories changed)``.

    ``relabel(row)`` gets a dict with :data:`INPUT_COLUMNS` plus ``columns``
    (the stored labels) and returns the new values of ``columns`` when they
    differ, else None. Raises WarehouseError (one line) when the dataset is
    not set up or BigQuery refuses a statement.
    """
    from google.api_core.exceptions import GoogleAPIError
    from google.cloud import bigquery

    from pipeline.warehouse.bigquery_read import query_rows

    client = client or make_client(project)
    cols = ", ".join(f"`{c}`" for c in INPUT_COLUMNS + tuple(columns))
    rows = query_rows(project, dataset, f"SELECT {cols} FROM stories_current", client=client)
    updates = []
    for row in rows:
        new = relabel(row)
        if new is not None:
            updates.append({"article_id": row["article_id"], "run_id": row["run_id"],
                            **schema.to_json_row({c: new[c] for c in columns})})
    sql = merge_statement(project, dataset, tuple(columns))
    try:
        for i in range(0, len(updates), batch_rows):
            payload = json.dumps(updates[i:i + batch_rows], ensure_ascii=False)
            config = bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("rows", "STRING", payload)])
            client.query(sql, job_config=config).result()
    except GoogleAPIError as exc:
        raise WarehouseError(f"BigQuery {project}.{dataset}: {exc}".splitlines()[0]) from None
    return len(rows), len(updates)
