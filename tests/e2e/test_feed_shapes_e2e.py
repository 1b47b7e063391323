"""End to end: every feed shape of issue 14 (tests/feed_shapes.py) through the real
pipeline into DuckDB, on two loopback sites (127.0.0.1 and 127.0.0.2).

The right row for each shape: the right link, the right UTC instant or NULL
with its reason, readable text, one row per story, ``und`` for arabizi; the
hostile entries of issue 13 give one errors row each and cost no other story;
no credentials anywhere; a foreign ``rel=canonical`` overwrites nothing.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import duckdb
import pytest
from feed_shapes import ARABIC_SLUG, BY_ID, SHAPES, STORY
from hostile_server import HostileServer

from transforms.robots import HostGate

run_mod = pytest.importorskip("pipeline.run")

CONFIG = """
project: {contact_url: "https://example.org/tests"}
http: {connect_timeout: 1, read_timeout: 2, total_deadline: 5, retries: 1, backoff_base: 0.01, backoff_max: 0.02,
       per_host_min_delay: 0, per_host_concurrency: 4}
feeds: [{url: "http://unused.invalid/feed"}]
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """One pipeline run over every shape; yields (rows by path, errors, site A base, site B base)."""
    tmp = tmp_path_factory.mktemp("shapes")
    db, cfg = tmp / "w.duckdb", tmp / "c.yaml"
    cfg.write_text(CONFIG, encoding="utf-8")
    with HostileServer() as a, HostileServer(bind="127.0.0.2") as b:
        a.peer, b.peer = b.base, a.base
        HostGate.reset_all()
        argv = [x for s in SHAPES for x in ("--feed", a.url(s.feed))]
        argv += ["--feed", a.url("/feeds/good.xml").replace("http://", "http://editor:s3cret@")]
        argv += ["--config", str(cfg), "--warehouse", f"duckdb://{db}", "--allow-private-hosts"]
        assert run_mod.run(argv) == 0
        slug_hits = a.hits[quote(ARABIC_SLUG)]
        con = duckdb.connect(str(db), read_only=True)
        cols = [d[0] for d in con.execute("SELECT * FROM stories LIMIT 0").description]
        rows = [dict(zip(cols, r)) for r in con.execute("SELECT * FROM stories").fetchall()]
        errors = con.execute("SELECT stage, error_type, url, feed_url, message FROM errors").fetchall()
        states = [r[0] for r in con.execute("SELECT feed_url FROM feed_state").fetchall()]
        con.close()
    by_path = {}
    for r in rows:
        for base in (a.base, b.base):
            if r["url"].startswith(base):
                by_path.setdefault(r["url"][len(base):], []).append(r)
    yield {"rows": rows, "by_path": by_path, "errors": errors, "a": a.base, "b": b.base, "states": states,
           "slug_hits": slug_hits}


def _one(w, path):
    got = w["by_path"].get(path) or w["by_path"].get(quote(path))
    assert got and len(got) == 1, (path, sorted(w["by_path"]))
    return got[0]


@pytest.mark.parametrize("shape", [s for s in SHAPES if s.links], ids=lambda s: s.id)
def test_every_link_of_the_shape_is_one_readable_row(warehouse, shape):
    for path in shape.links:
        row = _one(warehouse, path)
        assert row["text"] and "\ufffd" not in row["text"], (path, row["text"][:80])
        if row["language"] == "ar":
            assert STORY[:40] in row["text"], (shape.id, path, row["text"][:80])
        title = shape.titles.get(path)
        if title:
            assert row["title"] == title, (shape.id, path, row["title"])


@pytest.mark.parametrize("shape", [s for s in SHAPES if s.dates], ids=lambda s: s.id)
def test_feed_dates_are_the_right_utc_instant_or_null_with_a_reason(warehouse, shape):
    for path, want in shape.dates.items():
        row = _one(warehouse, path)
        if want.startswith("NULL:"):
            assert row["published_at"] is None, (path, row["published_at"])
            assert want[5:] in (row["date_rejected"] or ""), (path, row["date_rejected"])
        else:
            assert row["published_at"] == dt.datetime.fromisoformat(want), (path, row["published_at"])
            assert row["date_source"] == "feed"


def test_one_story_under_two_spellings_is_one_row_fetched_once(warehouse):
    row = _one(warehouse, ARABIC_SLUG)
    assert row["canonical_url"] == warehouse["a"] + quote(ARABIC_SLUG)
    assert warehouse["slug_hits"] == 1


def test_arabizi_is_und_and_spanish_is_es_and_both_are_stored(warehouse):
    darija, spanish = _one(warehouse, "/shapes/p/darija"), _one(warehouse, "/shapes/p/spanish")
    assert darija["language"] == "und" and darija["is_security"] is None
    assert spanish["language"] == "es"


def test_hostile_entries_give_one_error_each_and_lose_nothing_else(warehouse):
    errs = [(t, u or "") for stage, t, u, f, m in warehouse["errors"] if stage == "read_feeds"]
    for shape in (BY_ID["bad-links"], BY_ID["credentials"], BY_ID["rss-guid"]):
        for kind, fragment in shape.errors:
            assert any(t == kind and fragment in u for t, u in errs), (kind, fragment, errs)
    assert sum(1 for t, u in errs if t == "bad_link") == 5
    assert not [e for e in warehouse["errors"] if e[1] in ("unexpected", "UnicodeEncodeError", "RowError")]


def test_bad_text_in_feed_titles_is_cleaned_and_capped(warehouse):
    titles = {p: _one(warehouse, p)["title"] for p in BY_ID["bad-text"].links}
    assert titles["/shapes/p/notitle-surrogate"] == "خبر \ufffd عاجل من فاس"
    assert titles["/shapes/p/notitle-nul"] == "خبر فيه أصفار"
    assert titles["/shapes/p/notitle-ansi"] == "خبر ملون"
    assert titles["/shapes/p/notitle-bidi"] == "خبر مقلوب"
    assert len(titles["/shapes/p/notitle-huge"]) == 10_000


def test_no_credentials_in_any_row(warehouse):
    blob = repr(warehouse["rows"]) + repr(warehouse["errors"]) + repr(warehouse["states"])
    assert "s3cret" not in blob and "editor@" not in blob
    assert _one(warehouse, "/shapes/p/creds-1")["url"] == warehouse["a"] + "/shapes/p/creds-1"


def test_foreign_and_javascript_canonicals_are_ignored_with_a_reason(warehouse):
    own = _one(warehouse, "/shapes/p/canon-a")
    assert own["canonical_url"] == warehouse["a"] + "/shapes/p/canon-a" and own["canonical_rejected"] is None
    assert own["title"] == "قصة الموقع الأصلي عن توقيف لص"
    foreign = _one(warehouse, "/shapes/p/canon-foreign")
    assert foreign["canonical_url"] == warehouse["b"] + "/shapes/p/canon-foreign"
    assert "another site" in foreign["canonical_rejected"]
    js = [_one(warehouse, f"/shapes/p/canon-js-{i}") for i in (1, 2)]
    assert len({r["article_id"] for r in js}) == 2
    assert all("not http(s)" in r["canonical_rejected"] for r in js)
