"""Issue 13, item 1: no exception in a DoFn can fail the run.

An exception is injected into every stage of ``pipeline/graph.py`` (read
feeds, per entry and per feed; NewEntries keying; fetch; extract;
learn-boilerplate; clean; language; classify; build row), each time for one
item only. The run must finish, the bad item must give exactly one errors row
with its stage, URL and reason, and every other story of the run must land.
"""
from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from hostile_server import HostileServer

import transforms.build_row
import transforms.clean
import transforms.extract
import transforms.fetch_pages
import transforms.language
import transforms.read_feeds
import transforms.source_boilerplate
from pipeline.graph import GraphConfig, build
from transforms.clean_rules import load_rules
from transforms.core.records import FeedSpec
from transforms.http_client import HttpSettings
from transforms.robots import HostGate
from transforms.security_model import SecurityClassifier

SETTINGS = HttpSettings(allow_private_hosts=True, connect_timeout=1, read_timeout=2, total_deadline=5, retries=0,
                        per_host_min_delay=0, per_host_concurrency=4)


class Boom(RuntimeError):
    pass


class Captured:
    stories: list = []
    errors: list = []


def _capture(item, key):
    getattr(Captured, key).append(item)      # DirectRunner runs in this process: module state is shared


class CaptureSink(beam.PTransform):
    def expand(self, outputs):      # any key may be missing (batch writes feed_status on its own)
        if "stories" in outputs:
            outputs["stories"] | "CapStories" >> beam.Map(_capture, "stories")
        if "errors" in outputs:
            outputs["errors"] | "CapErrors" >> beam.Map(_capture, "errors")
        return outputs


def _failing(module, name, when):
    """``module.name`` wrapped to raise Boom when ``when(*args)`` is true."""
    real = getattr(module, name)

    def wrapper(*args, **kwargs):
        if when(*args):
            raise Boom(f"injected into {name}")
        return real(*args, **kwargs)

    return wrapper


def _url_has(n):
    return lambda obj, *rest: getattr(obj, "link", None) == n or str(getattr(obj, "url", "")).endswith(n)


INJECTIONS = [   # (stage of the errors row, article number, how to inject)
    ("read_feeds", 1, lambda mp: mp.setattr(transforms.read_feeds, "_read_entry", _failing(
        transforms.read_feeds, "_read_entry", lambda e, *a: e.get("title") == "n1"))),
    ("new_entries", 2, lambda mp: mp.setattr(transforms.fetch_pages, "entry_key", _failing(
        transforms.fetch_pages, "entry_key", lambda e: e.link.endswith("/articles/2")))),
    ("fetch_page", 3, lambda mp: mp.setattr(transforms.fetch_pages, "fetch_page", _failing(
        transforms.fetch_pages, "fetch_page", lambda e, *a: e.link.endswith("/articles/3")))),
    ("extract", 4, lambda mp: mp.setattr(transforms.extract, "extract_article", _failing(
        transforms.extract, "extract_article", lambda html, url, *a: url.endswith("/articles/4")))),
    ("learn_boilerplate", 5, lambda mp: mp.setattr(transforms.source_boilerplate, "_emit", _failing(
        transforms.source_boilerplate, "_emit", lambda a: a.url.endswith("/articles/5")))),
    ("clean", 6, lambda mp: mp.setattr(transforms.clean, "clean_article", _failing(
        transforms.clean, "clean_article", lambda a, *r: a.url.endswith("/articles/6")))),
    ("language", 7, lambda mp: mp.setattr(transforms.language, "detect_language", _failing(
        transforms.language, "detect_language", lambda text, *r: text.split("\n")[0].endswith(" 7")))),
    ("classify", 8, lambda mp: mp.setattr(SecurityClassifier, "classify", _failing(
        SecurityClassifier, "classify", lambda self, title, *r: title.endswith(" 8")))),
    ("build_row", 9, lambda mp: mp.setattr(transforms.build_row, "build_row", _failing(
        transforms.build_row, "build_row", lambda a, *r: a.url.endswith("/articles/9")))),
]


@pytest.fixture(scope="module")
def srv():
    with HostileServer() as s:
        yield s


def _run(srv, feeds):
    HostGate.reset_all()
    Captured.stories.clear()
    Captured.errors.clear()
    cfg = GraphConfig(http=SETTINGS, clean_rules=load_rules(), run_id="iso", extract_timeout_s=None)
    with TestPipeline() as p:
        build(p, beam.Create(feeds), CaptureSink(), cfg)
    return ({r["url"].rsplit("/", 1)[-1] for r in Captured.stories},
            [(e.stage, e.url.rsplit("/", 1)[-1], e.error_type, e.message) for e in Captured.errors])


def test_an_exception_in_every_stage_costs_one_item_only(srv, monkeypatch):
    for _, _, inject in INJECTIONS:
        inject(monkeypatch)
    feed = FeedSpec(url=srv.url("/feeds/numbered.xml") + "?n=12", name="numbered", source="n")
    stories, errors = _run(srv, [feed])
    lost = {n for stage, n, _ in INJECTIONS if stage != "learn_boilerplate"}
    assert stories == {str(i) for i in range(1, 13)} - {str(n) for n in lost}
    for stage, n, _ in INJECTIONS:
        mine = [e for e in errors if e[0] == stage]
        assert len(mine) == 1, (stage, errors)
        assert "injected" in mine[0][3], mine
        if stage != "read_feeds":               # an entry that could not be read has no URL yet
            assert mine[0][1] == str(n), (stage, mine)
    assert len(errors) == len(INJECTIONS)


def test_an_exception_while_polling_one_feed_costs_that_feed_only(srv, monkeypatch):
    monkeypatch.setattr(transforms.read_feeds, "poll_feed", _failing(
        transforms.read_feeds, "poll_feed", lambda spec, *a: "n=2" in spec.url))
    feeds = [FeedSpec(url=srv.url("/feeds/numbered.xml") + "?n=2", name="bad", source="n"),
             FeedSpec(url=srv.url("/feeds/good.xml"), name="good", source="g")]
    stories, errors = _run(srv, feeds)
    assert stories == {"1", "2", "3"}                       # good.xml's three stories
    assert [(e[0], e[2]) for e in errors] == [("read_feeds", "unexpected")]
