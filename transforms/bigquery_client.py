"""Which BigQuery endpoint the project's clients talk to: Google's, or an emulator.

``BIGQUERY_EMULATOR_HOST`` is the convention of Google's client libraries
(``google.cloud.bigquery._helpers._get_bigquery_host`` reads it): when it is
set, e.g. to ``http://127.0.0.1:9050``, every client the project builds - the
warehouse set-up, the launch state, the pipeline's sink, ``feeds status``,
``report`` and ``reclassify`` - talks to that endpoint with anonymous
credentials instead of to ``bigquery.googleapis.com`` with Application
Default Credentials.

Beam's ``WriteToBigQuery`` does not read the variable. Its streaming-insert
path talks to BigQuery through two clients held by
``apache_beam.io.gcp.bigquery_tools.BigQueryWrapper``: the apitools
``BigqueryV2`` client (``tables.Get``/``tables.Insert`` for
``CREATE_IF_NEEDED``) and a ``google.cloud.bigquery.Client`` for
``insert_rows_json`` (``tabledata.insertAll``), built with Application
Default Credentials. Its one documented hook is ``test_client``, which
replaces both. :class:`EmulatorBeamClient` is that hook pointed at the
emulator: a picklable object that gives Beam the apitools services of a
``BigqueryV2`` whose base URL is the emulator's, and ``insert_rows_json`` of
a ``google.cloud.bigquery.Client`` on the same endpoint. Production (no
``BIGQUERY_EMULATOR_HOST``) never builds it.
"""
from __future__ import annotations

import os
from typing import Optional

EMULATOR_ENV = "BIGQUERY_EMULATOR_HOST"


def emulator_host(environ: Optional[dict] = None) -> Optional[str]:
    """The emulator's base URL from ``BIGQUERY_EMULATOR_HOST``, or None when unset or empty.

    ``127.0.0.1:9050`` and ``http://127.0.0.1:9050/`` both give
    ``http://127.0.0.1:9050`` (no scheme means plain HTTP, as emulators serve).
    """
    value = (os.environ if environ is None else environ).get(EMULATOR_ENV, "").strip()
    if not value:
        return None
    if "://" not in value:
        value = "http://" + value
    return value.rstrip("/")


def make_client(project: str, host: Optional[str] = None):
    """A ``google.cloud.bigquery.Client`` for ``project``.

    With an emulator (``host``, else ``BIGQUERY_EMULATOR_HOST``): anonymous
    credentials on that endpoint. Otherwise the library's defaults
    (Application Default Credentials, ``bigquery.googleapis.com``); raises
    ``google.auth.exceptions.DefaultCredentialsError`` when there are none.
    """
    from google.cloud import bigquery

    host = host or emulator_host()
    if host is None:
        return bigquery.Client(project=project)
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials

    return bigquery.Client(project=project, credentials=AnonymousCredentials(),
                           client_options=ClientOptions(api_endpoint=host))


class EmulatorBeamClient:
    """Beam's ``WriteToBigQuery(test_client=...)`` hook, pointed at a BigQuery emulator.

    ``BigQueryWrapper(client=this)`` uses it as both its apitools client
    (attribute access: ``tables``, ``datasets``, ``jobs``, ``tabledata``,
    served by a ``BigqueryV2`` whose base URL is ``{host}/bigquery/v2/``,
    without credentials) and its ``google.cloud.bigquery.Client``
    (:meth:`insert_rows_json`). The real clients are built lazily, once per
    worker, and are not pickled: only ``host`` and ``project`` travel with
    the DoFn.
    """

    def __init__(self, host: str, project: str):
        self.host = host.rstrip("/")
        self.project = project
        self._apitools = None
        self._gcp = None

    def __getstate__(self):
        return {"host": self.host, "project": self.project}

    def __setstate__(self, state):
        self.__init__(state["host"], state["project"])

    def _api(self):
        if self._apitools is None:
            from apache_beam.internal.http_client import get_new_http
            from apache_beam.io.gcp.internal.clients import bigquery as apitools_bigquery

            self._apitools = apitools_bigquery.BigqueryV2(
                url=f"{self.host}/bigquery/v2/", http=get_new_http(), get_credentials=False,
                credentials=None, response_encoding="utf8")
        return self._apitools

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._api(), name)

    def insert_rows_json(self, table, json_rows, **kwargs):
        """``tabledata.insertAll`` on the emulator (``google.cloud.bigquery.Client.insert_rows_json``)."""
        if self._gcp is None:
            self._gcp = make_client(self.project, host=self.host)
        return self._gcp.insert_rows_json(table, json_rows, **kwargs)

    def __repr__(self) -> str:
        return f"EmulatorBeamClient({self.host!r}, {self.project!r})"
