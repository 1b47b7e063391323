"""End to end: the real pipeline against the local sample site, then SQL on the DuckDB file.

Runs ``pipeline.run.run`` exactly as ``python -m pipeline.run --sample`` does,
with the sample HTTP server on 127.0.0.1, twice into the same warehouse.
"""
from __future__ import annotations

import duckdb
import pytest
import yaml
from helpers import SAMPLE_SITE, free_port, query

from pipeline.run import run
from transforms.core import schema

MANIFEST = SAMPLE_SITE / "manifest.yaml"


@pytest.fixture(scope="module")
def manifest():
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e") / "sample.duckdb"
    port = str(free_port())  # the same port for both runs: story URLs must not change
    assert run(["--sample", "--sample-port", port, "--warehouse", f"duckdb:///{path}", "--run-id", "first"]) == 0
    con = duckdb.connect(str(path), read_only=True)
    first = {
        "stories": con.execute("SELECT count(*) FROM stories").fetchone()[0],
        "errors": con.execute("SELECT count(*) FROM errors WHERE run_id = 'first'").fetchone()[0],
    }
    con.close()
    assert run(["--sample", "--sample-port", port, "--warehouse", f"duckdb:///{path}", "--run-id", "second"]) == 0
    return path, first


def test_every_sample_article_lands_once(warehouse, manifest):
    path, first = warehouse
    articles = manifest["articles"]
    assert first["stories"] == manifest["expected_story_count"] == len(articles)
    rows = query(path, "SELECT canonical_url FROM stories")
    assert len(rows) == len({r[0] for r in rows}) == len(articles)
    stored_paths = {r[0].split("/", 3)[3] for r in rows}
    assert stored_paths == {a["path"].lstrip("/") for a in articles}


def test_rerun_adds_no_duplicates_and_refetches_nothing(warehouse, manifest):
    path, first = warehouse
    assert query(path, "SELECT count(*) FROM stories")[0][0] == first["stories"]
    # The second run found every entry already stored: it wrote no story rows.
    assert query(path, "SELECT count(*) FROM stories WHERE run_id = 'second'")[0][0] == 0


def test_rows_are_complete(warehouse):
    path, _ = warehouse
    cols = schema.column_names("stories")
    for values in query(path, f"SELECT {', '.join(cols)} FROM stories"):
        row = dict(zip(cols, values))
        for key in ("article_id", "url", "canonical_url", "source", "feed_url", "title", "published_at",
                    "fetched_at", "language", "text", "text_chars", "classifier_version", "run_id"):
            assert row[key] not in (None, ""), (key, row["url"])
        assert row["published_at"].tzinfo is not None
        assert row["text_chars"] >= 200
        if row["language"] == "ar":
            assert row["is_security"] is not None and row["security_score"] is not None
        else:
            assert row["is_security"] is None and row["categories"] == []


def test_labels_match_the_manifest(warehouse, manifest):
    path, _ = warehouse
    got = {r[0].split("/", 3)[3]: r[1:] for r in query(
        path, "SELECT canonical_url, language, is_security, places FROM stories")}
    for a in manifest["articles"]:
        language, is_security, places = got[a["path"].lstrip("/")]
        assert language == a["language"], a["path"]
        assert is_security == a["is_security"], a["path"]
        if a["language"] == "ar":
            for place in a.get("places") or []:
                assert place in places, (a["path"], place, places)


def test_broken_samples_are_dead_letters_and_good_rows_still_land(warehouse, manifest):
    path, _ = warehouse
    errors = query(path, "SELECT stage, url, error_type FROM errors WHERE run_id = 'first'")
    for expected in manifest["expected_errors"]:
        hits = [e for e in errors if e[1] and e[1].endswith(expected["url_path"])]
        assert hits, f"no errors row for {expected['url_path']}: {errors}"
        assert hits[0][0] == expected["stage"], hits
    assert query(path, "SELECT count(*) FROM stories WHERE run_id = 'first'")[0][0] == len(manifest["articles"])


def test_bad_config_and_unwritable_warehouse_exit_non_zero(tmp_path, capsys):
    bad = tmp_path / "feeds.yaml"
    bad.write_text("feeds:\n  - name: nothing\n")
    assert run(["--config", str(bad), "--warehouse", f"duckdb:///{tmp_path}/w.duckdb"]) == 2
    assert "has no 'url'" in capsys.readouterr().err
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    assert run(["--feed", "http://127.0.0.1:9/feed", "--warehouse", f"duckdb:///{blocker}/x/w.duckdb"]) == 2
    assert "cannot write warehouse" in capsys.readouterr().err


def test_a_duckdb_warehouse_with_a_remote_runner_is_refused(tmp_path, capsys):
    argv = ["--feed", "http://127.0.0.1:9/feed", "--runner", "DataflowRunner",
            "--warehouse", f"duckdb:///{tmp_path}/w.duckdb"]
    assert run(argv) == 2
    assert "use --warehouse bigquery:PROJECT.DATASET" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()
