"""Stage 7 (cloud warehouse): write rows, dead letters and feed status to BigQuery.

Same input as :class:`transforms.write_duckdb.WriteToDuckDB`
(``{"stories", "errors", "feed_status", "source_lines"}``), written with
Beam's ``WriteToBigQuery``:

* **batch / backfill**: ``FILE_LOADS`` (load jobs; free, atomic per load);
* **streaming**: ``STREAMING_INSERTS`` with
  ``RetryStrategy.RETRY_ON_TRANSIENT_ERROR``: a row BigQuery refuses for good
  comes back on ``failed_rows_with_errors`` and becomes an ``errors`` row
  (``stage="write"``) instead of being retried forever. Beam gives every row
  an insert id (``<uuid of the bundle>-<n>``, committed by a reshuffle before
  the insert, so a retried bundle reuses its ids and BigQuery's best-effort
  dedup drops the repeat). The Python ``WriteToBigQuery`` does not accept
  our own insert ids, so "one row per story" rests on the streaming dedup
  (:mod:`transforms.dedup`) and on the ``stories_current`` view, which keeps
  the latest row per ``article_id`` whatever the write method.
  ``streaming_method="STORAGE_WRITE_API"`` is accepted too (it needs Java
  for Beam's cross-language expansion at launch).
* **on a BigQuery emulator** (``BIGQUERY_EMULATOR_HOST`` set when the
  pipeline is built, see :mod:`transforms.bigquery_client`): still Beam's
  ``WriteToBigQuery``, with ``STREAMING_INSERTS`` in batch and streaming
  alike and ``test_client`` pointed at the emulator. ``FILE_LOADS`` cannot
  reach an emulator: it writes newline-delimited JSON files to
  ``temp_location`` through Beam's GCS filesystem and starts load jobs whose
  ``sourceUris`` are those ``gs://`` files. ``STORAGE_WRITE_API`` cannot
  either: it is the Java ``StorageWriteApi`` transform through a Java
  expansion service, which is downloaded from Maven Central at launch.

Before the write every row is made to fit (:func:`fit_row`): the schema is
checked (:func:`transforms.core.schema.validate_row`), and a story whose JSON is
over ``MAX_ROW_BYTES`` gets its text cut further and ``text_truncated`` set;
a row that still does not fit is a dead letter, never a stuck write.

Tables: ``stories`` is partitioned by day on ``published_at`` and clustered
by ``source, primary_category``; ``errors`` by day on ``at``. ``feed_state``
is append-only here: one row per poll, each folded into the feed's previous
row (:class:`FoldFeedState`: Beam state per feed, seeded with the rows read
at launch), so the newest row carries the whole history as DuckDB's merged
row does, and the
``feed_state_current`` view (see :mod:`pipeline.warehouse.bigquery_setup`) gives the latest
row per feed; ``source_lines`` is appended and read back as the maximum
count per line.
"""
from __future__ import annotations

import json
from typing import Optional

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec
from apache_beam.transforms.window import GlobalWindows

from transforms import bigquery_client
from transforms.core import schema
from transforms.core.deadletter import ERRORS, dead_letter, error_row
from transforms.core.records import ErrorRecord, FeedStatus

def row_bytes(row: dict) -> int:
    return len(json.dumps(schema.to_json_row(row), ensure_ascii=False).encode("utf-8"))


def fit_row(table: str, row: dict, max_bytes: int = schema.MAX_ROW_BYTES) -> dict:
    """``row`` made to fit BigQuery: text cut (and flagged) until the row is under
    ``max_bytes``; raises :class:`transforms.core.schema.RowError` when it cannot fit."""
    row = dict(row)
    if table == "stories" and row.get("text") and row_bytes(row) > max_bytes:
        text = row["text"]
        if row.get("text_chars") is None:
            row["text_chars"] = len(text)
        while text and row_bytes({**row, "text": text}) > max_bytes:
            over = row_bytes({**row, "text": text}) - max_bytes
            # Arabic is 2 bytes per char in UTF-8: cut at least what is over, halved.
            text = text[: max(0, len(text) - max(over // 2, 1) - 1)]
        row["text"] = text
        row["text_truncated"] = True
    schema.validate_row(table, row)
    size = row_bytes(row)
    if size > max_bytes:
        raise schema.RowError(f"{table}: row is {size} bytes even without its text, over {max_bytes}")
    return row


def feed_status_row(status: FeedStatus, previous: Optional[dict] = None) -> dict:
    """One append-only ``feed_state`` row for one poll: ``status`` folded into the
    feed's previous row (:func:`transforms.feed_state.merge_feed_state`)."""
    from transforms.feed_state import merge_feed_state

    return merge_feed_state(previous, status)


class FoldFeedState(beam.DoFn):
    """``(feed_url, FeedStatus)`` -> the feed's new ``feed_state`` row.

    BigQuery's ``feed_state`` is append-only, so each row must already carry
    the feed's history (failure streak, last success, last new story, entry
    total), as DuckDB's merged row does. The previous row is kept in Beam
    state per feed, seeded from the warehouse's rows at launch (``previous``:
    feed URL -> row), so a streaming job folds poll after poll.
    """

    ROW = ReadModifyWriteStateSpec("feed_state_row", PickleCoder())

    def __init__(self, previous: Optional[dict] = None):
        self.previous = dict(previous or {})

    def process(self, keyed, row_state=beam.DoFn.StateParam(ROW)):
        feed_url, status = keyed
        row = feed_status_row(status, row_state.read() or self.previous.get(feed_url))
        row_state.write(row)
        yield row


class PrepareRows(beam.DoFn):
    """item -> JSON-ready row for ``table``; rows that cannot fit -> ``errors``."""

    def __init__(self, table: str, run_id: str):
        self.table = table
        self.run_id = run_id
        self.refused = Metrics.counter("write", f"{table}_refused")
        self.cut = Metrics.counter("write", f"{table}_text_cut_to_fit")

    def process(self, item):
        try:
            if self.table == "feed_state" and isinstance(item, FeedStatus):
                row = feed_status_row(item)
            elif self.table == "errors":
                row = error_row(item, self.run_id)
            else:
                row = item
            fitted = fit_row(self.table, row)
        except Exception as exc:  # a row BigQuery would refuse: a dead letter now
            self.refused.inc()
            yield beam.pvalue.TaggedOutput(ERRORS, dead_letter("write", item, exc, error_type=f"bq_{type(exc).__name__}",
                                                               message=str(exc), run_id=self.run_id))
            return
        if self.table == "stories" and fitted.get("text") != item.get("text"):
            self.cut.inc()
        yield schema.to_json_row(fitted)


def failed_row_error(failed, run_id: str) -> ErrorRecord:
    """(destination, row, errors) from ``failed_rows_with_errors`` -> ErrorRecord."""
    destination, row, errors = (tuple(failed) + (None, None))[:3]
    message = json.dumps(errors, default=str)[:500] if errors else "refused by BigQuery"
    return dead_letter("write", row if isinstance(row, dict) else None, error_type="bq_insert_failed",
                       message=f"{destination}: {message}", run_id=run_id)


class WriteToBigQueryWarehouse(beam.PTransform):
    """Sink for the graph's outputs into ``project.dataset`` (tables made by
    ``python -m pipeline.warehouse init --warehouse bigquery:PROJECT.DATASET``)."""

    def __init__(self, project: str, dataset: str, run_id: str, streaming: bool = False,
                 streaming_method: str = "STREAMING_INSERTS", batch_size: Optional[int] = None,
                 create_disposition: str = "CREATE_IF_NEEDED", test_client=None,
                 emulator_host: Optional[str] = None, feed_state: Optional[dict] = None):
        super().__init__()
        self.project = project
        self.dataset = dataset
        self.run_id = run_id
        self.streaming = streaming
        self.streaming_method = streaming_method
        self.batch_size = batch_size
        self.create_disposition = create_disposition
        self.feed_state = feed_state or {}
        # BIGQUERY_EMULATOR_HOST is read here, when the pipeline is built, and
        # travels with the transform (workers need not share the environment).
        self.emulator_host = emulator_host or bigquery_client.emulator_host()
        if self.emulator_host and test_client is None:
            test_client = bigquery_client.EmulatorBeamClient(self.emulator_host, project)
        self.test_client = test_client

    @property
    def method(self) -> str:
        """The ``WriteToBigQuery`` method: ``FILE_LOADS`` in batch, ``streaming_method``
        when streaming, and ``STREAMING_INSERTS`` on an emulator (``FILE_LOADS`` stages
        files in GCS and loads them with jobs whose URIs are ``gs://``: no emulator
        endpoint reaches that path)."""
        if self.emulator_host:
            return "STREAMING_INSERTS"
        return self.streaming_method if self.streaming else "FILE_LOADS"

    def table_spec(self, table: str) -> str:
        return f"{self.project}:{self.dataset}.{table}"

    def _write(self, rows, table: str):
        from apache_beam.io.gcp.bigquery import BigQueryDisposition, WriteToBigQuery
        from apache_beam.io.gcp.bigquery_tools import RetryStrategy

        method = self.method
        kwargs = dict(
            table=self.table_spec(table),
            schema=schema.bigquery_schema(table),
            method=method,
            create_disposition=getattr(BigQueryDisposition, self.create_disposition),
            write_disposition=BigQueryDisposition.WRITE_APPEND,
            additional_bq_parameters=schema.TABLE_PARAMETERS.get(table, {}),
            insert_retry_strategy=RetryStrategy.RETRY_ON_TRANSIENT_ERROR,
            test_client=self.test_client,
        )
        if self.batch_size and method == WriteToBigQuery.Method.STREAMING_INSERTS:
            kwargs["batch_size"] = self.batch_size
        return rows | f"Write_{table}" >> WriteToBigQuery(**kwargs)

    def expand(self, pcolls: dict):
        run_id = self.run_id
        dead = []
        results = {}
        for name, pcoll in sorted(pcolls.items()):
            if pcoll is None or name == "errors":
                continue
            table = schema.SINK_INPUTS[name]
            if table == "feed_state":
                pcoll = (pcoll
                         | "FeedStateGlobalWindow" >> beam.WindowInto(GlobalWindows())
                         | "KeyByFeed" >> beam.Map(lambda s: (s.feed_url, s))
                         | "FoldFeedState" >> beam.ParDo(FoldFeedState(self.feed_state)))
            prepared = pcoll | f"Prepare_{table}" >> beam.ParDo(PrepareRows(table, run_id)).with_outputs(
                "errors", main="main")
            dead.append(prepared.errors)
            results[table] = self._write(prepared.main, table)
            if self.method != "FILE_LOADS":
                dead.append(results[table].failed_rows_with_errors
                            | f"FailedRows_{table}" >> beam.Map(failed_row_error, run_id))
        errors_in = [pcolls["errors"]] if pcolls.get("errors") is not None else []
        all_errors = (errors_in + dead) | "AllWriteErrors" >> beam.Flatten()
        prepared = all_errors | "Prepare_errors" >> beam.ParDo(PrepareRows("errors", run_id)).with_outputs(
            "errors", main="main")
        results["errors"] = self._write(prepared.main, "errors")
        if self.method != "FILE_LOADS":
            # A row the errors table itself refuses is counted and logged, not retried forever.
            _ = (results["errors"].failed_rows_with_errors
                 | "LostErrorRows" >> beam.Map(_count_lost))
        return results


def _count_lost(failed) -> None:
    import logging

    Metrics.counter("write", "errors_rows_lost").inc()
    logging.getLogger(__name__).error("errors table refused a row: %.300s", failed)
