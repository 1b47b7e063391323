"""The BigQuery set-up against a real BigQuery emulator (bqemulator on 127.0.0.1).

Each test gets its own dataset on one emulator per session (tests/bq_emulator.py),
and talks to it exactly as a user would: ``BIGQUERY_EMULATOR_HOST`` set, the
project's own clients. What the emulator does not prove is said in README
("Try the BigQuery warehouse without a Google Cloud account").
"""
from __future__ import annotations

import dataclasses

import pytest
from bq_emulator import bq_emulator, bq_env  # noqa: F401  (fixtures)
from google.cloud import bigquery

from pipeline.warehouse import cli as warehouse_cli
from pipeline.warehouse.bigquery_setup import init_bigquery, read_bigquery_state, table_definition
from pipeline.warehouse.places import place_rows
from pipeline.warehouse.uri import WarehouseError
from pipeline.warehouse.views import view_names
from transforms import bigquery_client
from transforms.core import schema


def _tables(client, project, dataset) -> dict[str, bigquery.Table]:
    return {t.table_id: client.get_table(t.reference) for t in client.list_tables(f"{project}.{dataset}")}


def _fields(table: bigquery.Table) -> list[tuple[str, str, str]]:
    return [(f.name, f.field_type, f.mode) for f in table.schema]


def test_emulator_host_convention():
    assert bigquery_client.emulator_host({}) is None
    assert bigquery_client.emulator_host({"BIGQUERY_EMULATOR_HOST": " "}) is None
    assert bigquery_client.emulator_host({"BIGQUERY_EMULATOR_HOST": "127.0.0.1:9050"}) == "http://127.0.0.1:9050"
    assert bigquery_client.emulator_host({"BIGQUERY_EMULATOR_HOST": "http://127.0.0.1:9050/"}) == "http://127.0.0.1:9050"


def test_make_client_follows_the_environment(monkeypatch):
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", "127.0.0.1:1")
    client = bigquery_client.make_client("p")
    assert client._connection.API_BASE_URL == "http://127.0.0.1:1"
    assert client.project == "p"


def test_init_command_creates_dataset_tables_views_from_the_schema(bq_env, capsys):
    assert warehouse_cli.main(["init", "--warehouse", bq_env.uri]) == 0
    assert "warehouse ready" in capsys.readouterr().out
    client = bq_env.client()
    tables = _tables(client, bq_env.project, bq_env.dataset)
    assert set(schema.TABLES) <= set(tables)
    for name, fields in schema.TABLES.items():
        assert _fields(tables[name]) == [(f.name, f.type, f.mode) for f in fields], name
        params = schema.TABLE_PARAMETERS.get(name, {})
        part = params.get("timePartitioning")
        if part:
            assert tables[name].time_partitioning.type_ == part["type"]
            assert tables[name].time_partitioning.field == part["field"]
        else:
            assert tables[name].time_partitioning is None
        assert (tables[name].clustering_fields or None) == (params.get("clustering", {}).get("fields") or None)
    views = {n for n, t in tables.items() if t.table_type == "VIEW"}
    assert set(view_names()) | {"feed_state_current"} <= views
    # Every view answers on the empty tables, in GoogleSQL as the emulator runs it.
    for view in views:
        assert bq_env.rows(f"SELECT COUNT(*) AS n FROM `{{p}}.{{d}}.{view}`") == [{"n": 0}]
    places = bq_env.rows("SELECT place, region, lat FROM `{p}.{d}.places`")
    assert len(places) == len(place_rows()) > 100
    assert len({p["place"] for p in places}) == len(places)


def test_init_twice_changes_nothing(bq_env):
    client = bq_env.client()
    first = init_bigquery(bq_env.project, bq_env.dataset, client=client)
    assert sorted(first["created"]) == sorted([bq_env.dataset, *schema.TABLES])
    before = {n: (_fields(t), t.time_partitioning, t.clustering_fields, t.view_query)
              for n, t in _tables(client, bq_env.project, bq_env.dataset).items()}
    places = bq_env.rows("SELECT * FROM `{p}.{d}.places` ORDER BY place")
    second = init_bigquery(bq_env.project, bq_env.dataset, client=client)
    assert second["created"] == [] and "altered" not in second
    assert sorted(second["existing"]) == sorted([bq_env.dataset, *schema.TABLES])
    after = {n: (_fields(t), t.time_partitioning, t.clustering_fields, t.view_query)
             for n, t in _tables(client, bq_env.project, bq_env.dataset).items()}
    assert after == before
    assert bq_env.rows("SELECT * FROM `{p}.{d}.places` ORDER BY place") == places


def test_init_on_an_older_schema_adds_the_missing_columns_and_keeps_rows(bq_env, monkeypatch):
    client = bq_env.client()
    client.create_dataset(f"{bq_env.project}.{bq_env.dataset}")
    old = table_definition(bq_env.project, bq_env.dataset, "stories")
    old.schema = [f for f in old.schema if f.name not in ("dateline", "date_rejected", "run_id")] + [
        bigquery.SchemaField("run_id", "STRING", mode="REQUIRED")]
    client.create_table(old)
    client.query(f"INSERT INTO `{bq_env.project}.{bq_env.dataset}.stories` "
                 "(article_id, url, canonical_url, source, fetched_at, run_id) VALUES "
                 "('a1', 'http://x.test/1', 'http://x.test/1', 'x', TIMESTAMP '2026-11-02 10:00:00+00', 'old')"
                 ).result()
    # A column another change adds to the one row schema (a DATE, say) must just work.
    extra = schema.Field("published_day", "DATE", "NULLABLE", "test-only column")
    monkeypatch.setitem(schema.TABLES, "stories", schema.STORIES + (extra,))
    report = init_bigquery(bq_env.project, bq_env.dataset, client=client)
    assert "stories" in report["altered"]
    names = [f.name for f in client.get_table(f"{bq_env.project}.{bq_env.dataset}.stories").schema]
    assert set(names) == {f.name for f in schema.TABLES["stories"]}
    assert names[-3:] == ["date_rejected", "dateline", "published_day"]
    got = bq_env.rows("SELECT article_id, dateline, published_day FROM `{p}.{d}.stories`")
    assert got == [{"article_id": "a1", "dateline": None, "published_day": None}]
    again = init_bigquery(bq_env.project, bq_env.dataset, client=client)
    assert "altered" not in again


def test_places_merge_removes_places_no_longer_in_the_gazetteer(bq_env):
    client = bq_env.client()
    init_bigquery(bq_env.project, bq_env.dataset, client=client)
    client.query(f"INSERT INTO `{bq_env.project}.{bq_env.dataset}.places` (place) VALUES ('مكان قديم')").result()
    init_bigquery(bq_env.project, bq_env.dataset, client=client)
    assert bq_env.rows("SELECT COUNT(*) AS n FROM `{p}.{d}.places` WHERE place = 'مكان قديم'") == [{"n": 0}]
    assert bq_env.rows("SELECT COUNT(*) AS n FROM `{p}.{d}.places`") == [{"n": len(place_rows())}]


def test_read_state_reads_known_ids_latest_feed_state_and_line_history(bq_env):
    client = bq_env.client()
    init_bigquery(bq_env.project, bq_env.dataset, client=client)
    t = f"`{bq_env.project}.{bq_env.dataset}"
    client.query(
        f"INSERT INTO {t}.stories` (article_id, url, canonical_url, source, fetched_at, run_id) VALUES "
        "('a1', 'http://x.test/1', 'http://x.test/1', 'x', TIMESTAMP '2026-11-02 10:00:00+00', 'r1'), "
        "('a2', 'http://x.test/story?id=2', 'http://x.test/2', 'x', TIMESTAMP '2026-11-02 10:00:00+00', 'r1')"
    ).result()
    client.query(
        f"INSERT INTO {t}.feed_state` (feed_url, etag, last_polled_at, consecutive_failures) VALUES "
        "('http://x.test/rss', '\"v1\"', TIMESTAMP '2026-11-02 10:00:00+00', 0), "
        "('http://x.test/rss', '\"v2\"', TIMESTAMP '2026-11-02 11:00:00+00', 0)"
    ).result()
    client.query(f"INSERT INTO {t}.source_lines` (source, line_hash, articles) VALUES "
                 "('x', 'h1', 3), ('x', 'h1', 7), ('x', 'h2', 2)").result()
    state = read_bigquery_state(bq_env.project, bq_env.dataset, client=client)
    from transforms.urls import article_id

    # the stored ids, and the id of the link a story was fetched from
    assert state.known_ids == sorted({"a1", "a2", article_id("http://x.test/1"), article_id("http://x.test/story?id=2")})
    assert list(state.feed_state) == ["http://x.test/rss"]
    assert state.feed_state["http://x.test/rss"]["etag"] == '"v2"'
    assert state.line_history == {("x", "h1"): 7, ("x", "h2"): 2}


def test_read_state_on_a_dataset_not_set_up_says_to_run_init(bq_env):
    with pytest.raises(WarehouseError, match="pipeline.warehouse init"):
        read_bigquery_state(bq_env.project, bq_env.dataset)


def test_json_column_covers_every_schema_type():
    from pipeline.warehouse.bigquery_setup import json_column

    for fields in schema.TABLES.values():
        for f in fields:
            assert f.name in json_column(f, "r")
    date = json_column(schema.Field("d", "DATE"), "r")
    assert date == "SAFE_CAST(JSON_VALUE(r, '$.d') AS DATE)"
    with pytest.raises(ValueError):
        json_column(dataclasses.replace(schema.STORIES[0], mode="REPEATED", type="INTEGER"), "r")


def test_a_run_on_a_dataset_not_set_up_creates_it_first(bq_env):
    from pipeline.launch import read_state
    from pipeline.warehouse.uri import parse_warehouse

    state = read_state(parse_warehouse(bq_env.uri))
    assert (state.known_ids, state.feed_state, state.line_history) == ([], {}, {})
    tables = _tables(bq_env.client(), bq_env.project, bq_env.dataset)
    assert set(schema.TABLES) | {"stories_current", "feed_state_current"} <= set(tables)


def test_read_state_reads_the_clustering_window(bq_env):
    """story_signatures rows of the last ``cluster_window_s`` seconds come back as StorySignatures."""
    import datetime as dt

    from transforms.cluster_rows import signature_of_row, signature_row
    from transforms.cluster_stories import assign_all

    client = bq_env.client()
    init_bigquery(bq_env.project, bq_env.dataset, client=client)
    now = dt.datetime.now(dt.timezone.utc)
    text = " ".join(f"كلمة{i} في {i} خبر" for i in range(20))
    rows = []
    for aid, age in (("recent", dt.timedelta(hours=2)), ("old", dt.timedelta(days=3))):
        story = {"article_id": aid, "text": text, "fetched_at": now - age, "published_at": now - age}
        rows.append(signature_row(assign_all([signature_of_row(story)], [])[0], "r1"))
    errors = client.insert_rows_json(f"{bq_env.project}.{bq_env.dataset}.story_signatures",
                                     [schema.to_json_row(r) for r in rows])
    assert errors == []
    state = read_bigquery_state(bq_env.project, bq_env.dataset, client=client, cluster_window_s=86400)
    assert [s.article_id for s in state.signatures] == ["recent"]
    got = state.signatures[0]
    assert got.cluster_id == "recent" and got.signature is not None and got.numbers
