"""The BigQuery set-up code against a fake HTTP transport.

BigQuery itself is not reachable in CI: a real ``google.cloud.bigquery.Client``
(anonymous credentials) talks to :class:`FakeBigQuery`, a ``requests.Session``
that answers the REST calls from memory and records them, so the tests assert
the exact requests: dataset, table definitions (schema, partitioning,
clustering), the places load and the views, and idempotency (409 handled).
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
import requests
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from pipeline.warehouse.bigquery_setup import init_bigquery, read_bigquery_state
from pipeline.warehouse.uri import WarehouseError
from transforms.core import schema

P, D = "test-project", "news"


class FakeBigQuery(requests.Session):
    """Just enough of the BigQuery v2 REST API: datasets, tables, query jobs."""

    is_mtls = False

    def __init__(self, query_rows=None):
        super().__init__()
        self.calls: list[tuple[str, str, dict | None]] = []
        self.datasets: set = set()
        self.tables: dict = {}
        self.queries: list[str] = []
        self.query_rows = query_rows or {}      # regex on SQL -> (fields, rows)
        self.jobs: dict = {}

    def request(self, method, url, data=None, headers=None, **kwargs):
        response = self._route(method, url, data)
        response.request = requests.Request(method, url).prepare()
        return response

    def _route(self, method, url, data):
        path = urlsplit(url).path
        body = json.loads(data) if data else None
        self.calls.append((method, path, body))
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/datasets", path)
        if method == "POST" and m:
            ref = body["datasetReference"]["datasetId"]
            if ref in self.datasets:
                return _response(409, {"error": {"code": 409, "message": f"Already Exists: Dataset {ref}"}})
            self.datasets.add(ref)
            return _response(200, body)
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables", path)
        if method == "POST" and m:
            ref = body["tableReference"]["tableId"]
            if ref in self.tables:
                return _response(409, {"error": {"code": 409, "message": f"Already Exists: Table {ref}"}})
            self.tables[ref] = body
            return _response(200, body)
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)", path)
        if m and m.group(3) in self.tables:
            if method == "GET":
                return _response(200, {**self.tables[m.group(3)], "etag": "e1"})
            if method in ("PATCH", "PUT"):
                self.tables[m.group(3)] = {**self.tables[m.group(3)], **body}
                return _response(200, self.tables[m.group(3)])
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/jobs", path)
        if method == "POST" and m:
            sql = body["configuration"]["query"]["query"]
            self.queries.append(sql)
            job_id = body["jobReference"]["jobId"]
            self.jobs[job_id] = (sql, body)
            return _response(200, {**body, "status": {"state": "DONE"}})
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/queries/([^/]+)", path)
        if method == "GET" and m:
            sql, job = self.jobs[m.group(2)]
            fields, rows = self._result(sql)
            return _response(200, {"kind": "bigquery#getQueryResultsResponse", "jobComplete": True,
                                   "jobReference": job["jobReference"], "totalRows": str(len(rows)),
                                   "schema": {"fields": fields},
                                   "rows": [{"f": [{"v": v} for v in r]} for r in rows]})
        m = re.fullmatch(r"/bigquery/v2/projects/([^/]+)/jobs/([^/]+)", path)
        if method == "GET" and m:
            sql, job = self.jobs[m.group(2)]
            return _response(200, {**job, "status": {"state": "DONE"}})
        return _response(404, {"error": {"code": 404, "message": f"fake: no route for {method} {path}"}})

    def _result(self, sql: str):
        for pattern, (fields, rows) in self.query_rows.items():
            if re.search(pattern, sql):
                if isinstance(rows, Exception):
                    raise rows
                return fields, rows
        return [], []


def _response(status: int, payload: dict) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = json.dumps(payload).encode()
    r.headers["Content-Type"] = "application/json"
    r.url = "https://bigquery.invalid/"
    return r


def client_on(fake: FakeBigQuery) -> bigquery.Client:
    return bigquery.Client(project=P, credentials=AnonymousCredentials(), _http=fake)


def test_init_creates_dataset_tables_with_partitioning_and_clustering():
    fake = FakeBigQuery()
    report = init_bigquery(P, D, client=client_on(fake))
    assert D in fake.datasets and set(fake.tables) == {"stories", "errors", "feed_state", "source_lines", "places"}
    stories = fake.tables["stories"]
    assert stories["tableReference"] == {"projectId": P, "datasetId": D, "tableId": "stories"}
    assert stories["timePartitioning"] == {"type": "DAY", "field": "published_at"}
    assert stories["clustering"] == {"fields": ["source", "primary_category"]}
    sent = [(f["name"], f["type"], f["mode"]) for f in stories["schema"]["fields"]]
    assert sent == [(f.name, f.type, f.mode) for f in schema.STORIES]
    assert {"categories", "matched_terms", "places"} <= {n for n, _, m in sent if m == "REPEATED"}
    assert fake.tables["errors"]["timePartitioning"] == {"type": "DAY", "field": "at"}
    assert sorted(report["created"]) == sorted([D, "stories", "errors", "feed_state", "source_lines", "places"])


def test_init_creates_views_in_dependency_order():
    fake = FakeBigQuery()
    report = init_bigquery(P, D, client=client_on(fake))
    views = [q for q in fake.queries if "CREATE OR REPLACE VIEW" in q]
    names = [re.search(r"VIEW `[^`]+\.([a-z_]+)`", q).group(1) for q in views]
    assert names == report["views"]
    assert names[0] == "stories_current" and "feed_state_current" in names
    current = views[0]
    assert f"`{P}.{D}.stories`" in current and "ROW_NUMBER()" in current and "PARTITION BY s.article_id" in current
    for q in views[1:]:
        assert "{" not in q, "placeholder left unfilled"
    from pipeline.warehouse.views import view_names

    assert set(view_names()) <= set(names)


def test_init_loads_places_as_one_idempotent_script():
    fake = FakeBigQuery()
    init_bigquery(P, D, client=client_on(fake))
    scripts = [(sql, body) for sql, body in fake.jobs.values() if "places" in sql and "DELETE" in sql]
    assert len(scripts) == 1
    sql, body = scripts[0]
    assert sql.index("DELETE FROM") < sql.index("INSERT INTO") and "@places" in sql
    params = body["configuration"]["query"]["queryParameters"]
    rows = json.loads(params[0]["parameterValue"]["value"])
    assert len(rows) > 10 and set(rows[0]) == set(schema.column_names("places"))


def test_init_twice_is_idempotent():
    fake = FakeBigQuery()
    client = client_on(fake)
    init_bigquery(P, D, client=client)
    before = dict(fake.tables)
    report = init_bigquery(P, D, client=client)
    assert report["created"] == []
    assert sorted(report["existing"]) == sorted([D, "stories", "errors", "feed_state", "source_lines", "places"])
    assert fake.tables == before
    conflicts = [c for c in fake.calls if c[0] == "POST" and c[1].endswith(("/datasets", "/tables"))]
    assert len(conflicts) == 12          # 6 creations per run, the second six answered 409


def test_read_state_queries_the_views():
    fake = FakeBigQuery(query_rows={
        r"DISTINCT article_id": ([{"name": "article_id", "type": "STRING"}, {"name": "url", "type": "STRING"}],
                                 [["a1", None], ["a2", "https://x.invalid/story?id=2"]]),
        r"feed_state_current": ([{"name": "feed_url", "type": "STRING"}, {"name": "etag", "type": "STRING"}],
                                [["http://x.invalid/rss", '"v1"']]),
        r"source_lines": ([{"name": "source", "type": "STRING"}, {"name": "line_hash", "type": "STRING"},
                           {"name": "articles", "type": "INTEGER"}], [["x", "h1", "7"]]),
    })
    state = read_bigquery_state(P, D, client=client_on(fake))
    from transforms.urls import article_id

    # the stored id, and the id of the link a story was fetched from
    assert state.known_ids == sorted(["a1", "a2", article_id("https://x.invalid/story?id=2")])
    assert state.feed_state == {"http://x.invalid/rss": {"feed_url": "http://x.invalid/rss", "etag": '"v1"'}}
    assert state.line_history == {("x", "h1"): 7}


def test_read_state_on_missing_dataset_says_to_run_init():
    fake = FakeBigQuery()

    def not_found(method, url, data=None):
        if "/jobs" in url or "/queries/" in url:
            return _response(404, {"error": {"code": 404, "message": "Not found: Table news.stories"}})
        return original(method, url, data)

    original = fake._route
    fake._route = not_found
    with pytest.raises(WarehouseError, match="pipeline.warehouse init"):
        read_bigquery_state(P, D, client=client_on(fake))


def test_init_adds_columns_new_to_the_schema_to_existing_tables():
    fake = FakeBigQuery()
    init_bigquery(P, D, client=client_on(fake))
    old = fake.tables["stories"]
    old["schema"]["fields"] = [f for f in old["schema"]["fields"] if f["name"] not in ("dateline", "date_rejected")]
    report = init_bigquery(P, D, client=client_on(fake))
    assert report["altered"] == ["stories"]
    patch = [b for m, path, b in fake.calls if m == "PATCH" and path.endswith("/tables/stories")]
    assert len(patch) == 1
    names = [f["name"] for f in patch[0]["schema"]["fields"]]
    assert names[-2:] == ["date_rejected", "dateline"] and len(names) == len(schema.STORIES)
    again = init_bigquery(P, D, client=client_on(fake))
    assert "altered" not in again
