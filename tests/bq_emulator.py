"""The BigQuery emulator as a test fixture (see pipeline/warehouse/bigquery_emulator.py).

``bq_emulator`` (session scope) starts one ``bqemulator`` server on
127.0.0.1 on free ports from its own virtual environment and stops it at the
end. ``bq_env`` (function scope) gives a test a fresh dataset name and sets
``BIGQUERY_EMULATOR_HOST`` for it. Import both into a test module:
``from bq_emulator import bq_emulator, bq_env  # noqa: F401``.

When the emulator's environment is missing the tests skip with a reason
(install it with ``python -m pipeline.warehouse.bigquery_emulator install``),
except under CI (``CI`` set, as ``.ci/run`` runs): there ``.ci/run`` installs
it, so a missing emulator is a failure, never a silent skip.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import pytest

from pipeline.warehouse import bigquery_emulator

PROJECT = "local-project"


@pytest.fixture(scope="session")
def bq_emulator():
    if not bigquery_emulator.is_installed():
        message = (f"the BigQuery emulator is not installed in {bigquery_emulator.default_home()}: "
                   "run python -m pipeline.warehouse.bigquery_emulator install")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with bigquery_emulator.Emulator(project=PROJECT) as emu:
        yield emu


@dataclass
class BigQueryTarget:
    """One test's dataset on the emulator."""

    host: str
    project: str
    dataset: str

    @property
    def uri(self) -> str:
        return f"bigquery:{self.project}.{self.dataset}"

    def client(self):
        from transforms.bigquery_client import make_client

        return make_client(self.project, host=self.host)

    def rows(self, sql: str, **params) -> list[dict]:
        """Rows of ``sql`` (``{p}``/``{d}`` filled with project and dataset) as dicts."""
        from google.cloud import bigquery

        config = bigquery.QueryJobConfig(query_parameters=[
            bigquery.ScalarQueryParameter(k, "STRING", v) for k, v in params.items()])
        job = self.client().query(sql.format(p=self.project, d=self.dataset), job_config=config)
        return [dict(r.items()) for r in job.result()]


@pytest.fixture
def bq_env(bq_emulator, monkeypatch):
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", bq_emulator.host)
    return BigQueryTarget(bq_emulator.host, PROJECT, f"t_{uuid.uuid4().hex[:10]}")
