"""Same incident, many outlets: three fictional outlets on 127.0.0.1 through ``pipeline.run``.

Run 1 publishes incidents A (three outlets), B (two), C (three), D (one) and a
council story N, all in Casablanca in one week (tests/syndication_site.py).
Run 2, five days later, adds one more copy of A and a new incident E: the
copy joins A's cluster from the warehouse's stored window. Checked with SQL
on the DuckDB file: every copy shares one cluster_id (the earliest story's
article_id), no unrelated story joins, and the incident views count each
incident once. Then ``reclassify`` and a rerun of the same input into a
fresh warehouse keep the clusters.
"""
from __future__ import annotations

from collections import defaultdict

import pytest
import syndication_site as site
from helpers import free_port, query

from pipeline.run import run
from pipeline.sample.server import SampleServer


def _run(site_dir, db, port, config, run_id) -> None:
    with SampleServer(site_dir=site_dir, port=port) as server:
        site.write_config(config, server.base_url)
        argv = ["--config", str(config), "--warehouse", f"duckdb:///{db}", "--allow-private-hosts",
                "--run-id", run_id]
        assert run(argv) == 0


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("syndication")
    port = free_port()
    db, config = root / "w.duckdb", root / "feeds.yaml"
    for n in (1, 2):
        site.write_site(root / "site", n)
        _run(root / "site", db, port, config, f"run{n}")
    return root, db, port


def _clusters(db) -> dict:
    """path -> (cluster_id, article_id, story time)."""
    rows = query(db, "SELECT canonical_url, cluster_id, article_id, COALESCE(published_at, fetched_at) "
                     "FROM stories")
    return {"/" + url.split("/", 3)[3]: (cid, aid, t) for url, cid, aid, t in rows}


def test_every_story_was_written(runs):
    _, db, _ = runs
    assert set(_clusters(db)) == set(site.expected(2))


def test_copies_share_one_cluster_named_after_the_earliest_story(runs):
    _, db, _ = runs
    got = _clusters(db)
    by_incident = defaultdict(set)
    for path, incident in site.expected(2).items():
        by_incident[incident].add(path)
    cluster_of_incident = {}
    for incident, paths in by_incident.items():
        ids = {got[p][0] for p in paths}
        assert len(ids) == 1, (incident, ids)
        earliest = min(paths, key=lambda p: got[p][2])
        assert ids == {got[earliest][1]}, incident
        cluster_of_incident[incident] = ids.pop()
    # no unrelated story joins: one cluster per incident, all different
    assert len(set(cluster_of_incident.values())) == len(by_incident)


def test_the_later_copy_joined_the_cluster_from_the_stored_window(runs):
    _, db, _ = runs
    rows = query(db, "SELECT s.run_id, s.cluster_id = s.article_id, s.cluster_similarity, s.cluster_first_seen "
                     "FROM stories AS s WHERE s.canonical_url LIKE '%shahina-shira-ihala%'")
    assert len(rows) == 1
    run_id, founded, similarity, first_seen = rows[0]
    assert run_id == "run2" and not founded and similarity >= 0.1
    assert first_seen.isoformat().startswith("2026-11-17T19:10")        # atlas's story, in UTC


def test_story_clusters_view_lists_outlets_and_first_and_last_seen(runs):
    _, db, _ = runs
    rows = query(db, "SELECT c.stories, c.outlets, c.sources, c.first_seen, c.last_seen FROM story_clusters AS c "
                     "JOIN stories AS s ON s.article_id = c.cluster_id WHERE s.canonical_url LIKE '%casa-chira-truck%'")
    assert len(rows) == 1
    stories, outlets, sources, first, last = rows[0]
    assert (stories, outlets, sources) == (4, 3, ["atlas", "nabd", "sada"])
    assert first.isoformat().startswith("2026-11-17T19:10") and last.isoformat().startswith("2026-11-23T09:00")


def test_incident_views_count_each_incident_once(runs):
    _, db, _ = runs
    security = query(db, "SELECT count(*), count(DISTINCT cluster_id) FROM stories_current WHERE is_security")[0]
    incidents, articles = query(db, "SELECT sum(incidents), sum(articles) FROM security_incidents_weekly")[0]
    assert articles == security[0]
    assert incidents == security[1] == len(site.SECURITY_INCIDENTS)     # A B C D E, each once
    assert articles > incidents                                          # the copies are articles, not incidents
    weekly = dict(query(db, "SELECT week_start, sum(incidents) FROM security_incidents_weekly GROUP BY 1"))
    assert {str(k): v for k, v in weekly.items()} == {"2026-11-16": 4, "2026-11-23": 1}
    regions = {r[0] for r in query(db, "SELECT DISTINCT region FROM security_incidents_weekly")}
    assert regions == {"الدار البيضاء سطات"}


def test_reclassify_keeps_the_clusters(runs):
    _, db, _ = runs
    from pipeline.reclassify import main as reclassify

    before = query(db, "SELECT article_id, cluster_id, cluster_first_seen FROM stories ORDER BY 1")
    assert reclassify(["--warehouse", f"duckdb:///{db}"]) == 0
    assert query(db, "SELECT article_id, cluster_id, cluster_first_seen FROM stories ORDER BY 1") == before


def test_rerunning_the_same_input_gives_the_same_clusters(runs, tmp_path):
    root, db, port = runs
    fresh = tmp_path / "again.duckdb"
    for n in (1, 2):
        site.write_site(tmp_path / "site", n)
        _run(tmp_path / "site", fresh, port, tmp_path / "feeds.yaml", f"again{n}")
    assert {p: v[:2] for p, v in _clusters(fresh).items()} == {p: v[:2] for p, v in _clusters(db).items()}
    # and a rerun into the same warehouse fetches nothing and changes nothing
    before = query(db, "SELECT article_id, cluster_id FROM stories ORDER BY 1")
    _run(root / "site", db, port, root / "feeds.yaml", "run3")
    assert query(db, "SELECT article_id, cluster_id FROM stories ORDER BY 1") == before
