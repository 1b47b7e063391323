"""BigQuery warehouse set-up and launch state, with google-cloud-bigquery.

    python -m pipeline.warehouse init --warehouse bigquery:PROJECT.DATASET

:func:`init_bigquery` is idempotent: it creates the dataset, the tables
(schema generated from :mod:`transforms.core.schema`, with day partitioning and
clustering from :data:`transforms.core.schema.TABLE_PARAMETERS`) when they
are missing ("409 Already Exists" is success), reloads the ``places``
dimension, and creates or replaces the analyst views: the ones in
``configs/sql/bigquery/`` (same names and columns as the DuckDB ones,
``stories_current`` first, the dedup view every other view reads) plus
``feed_state_current``, the latest ``feed_state`` row per feed (BigQuery's
feed state is append-only; DuckDB keeps a merged table of the same shape).

:func:`read_bigquery_state` gives a run what it needs from earlier runs.
Both take an optional ``client`` (tests pass one on a fake HTTP transport;
BigQuery itself is never reachable in CI).
"""
from __future__ import annotations

import logging
from typing import Optional

from transforms import bigquery_client
from transforms.core import schema
from pipeline.warehouse.places import place_rows
from pipeline.warehouse.state import RunState, known_story_ids, window_signatures
from pipeline.warehouse.uri import WarehouseError
from pipeline.warehouse.views import view_statements as sql_views

log = logging.getLogger("pipeline.warehouse.bigquery_setup")

FEED_STATE_CURRENT = """CREATE OR REPLACE VIEW `{project}.{dataset}.feed_state_current` AS
SELECT * FROM `{project}.{dataset}.feed_state`
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (PARTITION BY feed_url ORDER BY last_polled_at DESC) = 1"""


class NotSetUp(WarehouseError):
    """The dataset, or one of its tables or views, does not exist yet."""

    def __init__(self, project: str, dataset: str):
        super().__init__(f"BigQuery {project}.{dataset} is not set up: run "
                         f"python -m pipeline.warehouse init --warehouse bigquery:{project}.{dataset}")


def make_client(project: str):
    """A ``google.cloud.bigquery.Client`` for ``project``: the emulator's when
    ``BIGQUERY_EMULATOR_HOST`` is set (:func:`transforms.bigquery_client.make_client`)."""
    return bigquery_client.make_client(project)


def table_definition(project: str, dataset: str, table: str):
    """The ``bigquery.Table`` for one of our tables (schema, partitioning, clustering)."""
    from google.cloud import bigquery

    fields = [bigquery.SchemaField(f.name, f.type, mode=f.mode, description=f.description or None)
              for f in schema.TABLES[table]]
    t = bigquery.Table(f"{project}.{dataset}.{table}", schema=fields)
    params = schema.TABLE_PARAMETERS.get(table, {})
    part = params.get("timePartitioning")
    if part:
        t.time_partitioning = bigquery.TimePartitioning(type_=part["type"], field=part["field"])
    if params.get("clustering"):
        t.clustering_fields = list(params["clustering"]["fields"])
    return t


def view_statements(project: str, dataset: str) -> list[tuple[str, str]]:
    """``[(view, CREATE OR REPLACE VIEW ...)]`` in creation order."""
    out = list(sql_views("bigquery", project=project, dataset=dataset))
    out.append(("feed_state_current", FEED_STATE_CURRENT.format(project=project, dataset=dataset)))
    return out


_JSON_CASTS = {"STRING": "{v}", "INTEGER": "SAFE_CAST({v} AS INT64)", "FLOAT": "SAFE_CAST({v} AS FLOAT64)",
               "BOOLEAN": "SAFE_CAST({v} AS BOOL)", "TIMESTAMP": "SAFE_CAST({v} AS TIMESTAMP)",
               "DATE": "SAFE_CAST({v} AS DATE)"}


def json_column(field: schema.Field, row: str) -> str:
    """GoogleSQL for ``field``'s typed value in the JSON object ``row`` (as written by
    :func:`transforms.core.schema.to_json_row`: RFC 3339 timestamps, ISO dates).
    A REPEATED field gives an array (empty, never NULL)."""
    path = f"'$.{field.name}'"
    if field.mode == "REPEATED":
        if field.type != "STRING":
            raise ValueError(f"{field.name}: only REPEATED STRING is supported, not {field.type}")
        return f"IFNULL(JSON_VALUE_ARRAY({row}, {path}), [])"
    return _JSON_CASTS[field.type].format(v=f"JSON_VALUE({row}, {path})")


def places_statement(project: str, dataset: str) -> tuple[Optional[str], list]:
    """One ``MERGE`` that makes the ``places`` rows equal to the gazetteer's
    (update, insert, and delete what the gazetteer no longer has), so a rerun
    changes nothing. The rows travel as one JSON query parameter.

    A single DML statement is atomic in BigQuery, so no multi-statement
    transaction is needed (the emulator also does not pass query parameters
    into multi-statement scripts). Returns ``(None, [])`` without a gazetteer.
    """
    rows = place_rows()
    if not rows:
        return None, []
    import json

    from google.cloud import bigquery

    cols = schema.column_names("places")
    keys = schema.PRIMARY_KEYS["places"]
    exprs = [f"{json_column(f, 'r')} AS `{f.name}`" for f in schema.PLACES]
    on = " AND ".join(f"T.`{k}` = S.`{k}`" for k in keys)
    update = ", ".join(f"`{c}` = S.`{c}`" for c in cols if c not in keys)
    sql = (f"MERGE `{project}.{dataset}.places` AS T\n"
           f"USING (SELECT {', '.join(exprs)} FROM UNNEST(JSON_QUERY_ARRAY(@places)) AS r) AS S\n"
           f"ON {on}\n"
           f"WHEN MATCHED THEN UPDATE SET {update}\n"
           f"WHEN NOT MATCHED THEN INSERT ({', '.join(f'`{c}`' for c in cols)}) "
           f"VALUES ({', '.join(f'S.`{c}`' for c in cols)})\n"
           "WHEN NOT MATCHED BY SOURCE THEN DELETE")
    payload = json.dumps([{c: r.get(c) for c in cols} for r in rows], ensure_ascii=False)
    return sql, [bigquery.ScalarQueryParameter("places", "STRING", payload)]


_DDL_TYPES = {"STRING": "STRING", "INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL",
              "TIMESTAMP": "TIMESTAMP", "DATE": "DATE"}


def add_column_statement(project: str, dataset: str, table: str, field: schema.Field) -> str:
    """``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` for ``field`` (GoogleSQL DDL).

    BigQuery adds only NULLABLE and REPEATED columns to an existing table, so
    a REQUIRED field is added as NULLABLE (old rows have no value for it).
    """
    ddl_type = _DDL_TYPES[field.type]
    if field.mode == "REPEATED":
        ddl_type = f"ARRAY<{ddl_type}>"
    options = ""
    if field.description:
        text = field.description.replace("\\", "\\\\").replace('"', '\\"')
        options = f' OPTIONS(description="{text}")'
    return (f"ALTER TABLE `{project}.{dataset}.{table}` "
            f"ADD COLUMN IF NOT EXISTS `{field.name}` {ddl_type}{options}")


def add_missing_fields(client, project: str, dataset: str, table: str) -> list[str]:
    """Add the columns that :mod:`transforms.core.schema` gained since ``table`` was
    created (NULL, or an empty array, in old rows); nothing is dropped or retyped.
    Returns the names added.

    One ``ALTER TABLE ADD COLUMN IF NOT EXISTS`` per column. If the table's
    metadata still lacks a column afterwards (the emulator applies the DDL to
    its storage but not to the schema ``tables.get`` returns), the schema is
    patched too; on BigQuery that second step finds nothing to do.
    """
    from google.cloud import bigquery

    ref = f"{project}.{dataset}.{table}"
    have = {f.name for f in client.get_table(ref).schema}
    new = [f for f in schema.TABLES[table] if f.name not in have]
    for f in new:
        client.query(add_column_statement(project, dataset, table, f)).result()
    if new:
        existing = client.get_table(ref)
        listed = {f.name for f in existing.schema}
        late = [bigquery.SchemaField(f.name, f.type, mode="REPEATED" if f.mode == "REPEATED" else "NULLABLE",
                                     description=f.description or None)
                for f in new if f.name not in listed]
        if late:
            existing.schema = list(existing.schema) + late
            client.update_table(existing, ["schema"])
    return [f.name for f in new]


def init_bigquery(project: str, dataset: str, client=None, location: str = "EU") -> dict:
    """Create what is missing; returns ``{"created": [...], "existing": [...], "views": [...]}``."""
    from google.api_core.exceptions import Conflict, GoogleAPIError
    from google.cloud import bigquery

    client = client or make_client(project)
    report = {"created": [], "existing": [], "views": []}
    try:
        ds = bigquery.Dataset(f"{project}.{dataset}")
        ds.location = location
        try:
            client.create_dataset(ds)
            report["created"].append(dataset)
        except Conflict:
            report["existing"].append(dataset)
        for table in schema.TABLES:
            try:
                client.create_table(table_definition(project, dataset, table))
                report["created"].append(table)
            except Conflict:
                report["existing"].append(table)
                if add_missing_fields(client, project, dataset, table):
                    report.setdefault("altered", []).append(table)
        sql, params = places_statement(project, dataset)
        if sql:
            client.query(sql, job_config=bigquery.QueryJobConfig(query_parameters=params)).result()
        for view, statement in view_statements(project, dataset):
            client.query(statement).result()
            report["views"].append(view)
    except GoogleAPIError as exc:
        raise WarehouseError(f"BigQuery {project}.{dataset}: {exc}".splitlines()[0]) from None
    return report


STATE_QUERIES = {
    "known_ids": "SELECT DISTINCT article_id, url FROM `{p}.{d}.stories`",
    "feed_state": "SELECT * FROM `{p}.{d}.feed_state_current`",
    "source_lines": ("SELECT source, line_hash, MAX(articles) AS articles "
                     "FROM `{p}.{d}.source_lines` GROUP BY source, line_hash"),
    # The clustering window; {w}: seconds (see read_bigquery_state).
    "signatures": ("SELECT * FROM `{p}.{d}.story_signatures` "
                   "WHERE fetched_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL {w} SECOND)"),
}


def read_bigquery_state(project: str, dataset: str, client=None,
                        cluster_window_s: float = 14 * 24 * 3600.0) -> RunState:
    """Known article ids, the latest feed state per feed, line history and the
    clustering window (signatures fetched in the last ``cluster_window_s`` seconds).

    Raises :class:`NotSetUp` when a table or view is missing (also the
    ``story_signatures`` table of a dataset set up before clustering: the
    launcher then runs the idempotent set-up, which adds it and the new
    ``stories`` columns), WarehouseError for any other refusal (one line each)."""
    from google.api_core.exceptions import GoogleAPIError, NotFound

    client = client or make_client(project)

    def rows(key: str) -> list[dict]:
        sql = STATE_QUERIES[key].format(p=project, d=dataset, w=int(cluster_window_s))
        return [dict(r.items()) for r in client.query(sql).result()]

    try:
        known = known_story_ids((r["article_id"], r.get("url")) for r in rows("known_ids"))
        feed_state = {r["feed_url"]: r for r in rows("feed_state")}
        history = {(r["source"], r["line_hash"]): int(r["articles"]) for r in rows("source_lines")}
        signatures = window_signatures(rows("signatures"))
    except NotFound:              # e.g. a dataset set up before story_signatures existed: init adds it
        raise NotSetUp(project, dataset) from None
    except GoogleAPIError as exc:
        raise WarehouseError(f"BigQuery {project}.{dataset}: {exc}".splitlines()[0]) from None
    return RunState(known, feed_state, history, signatures)
