"""The report's map: the vendored outline of Morocco and the label placer."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import random

import duckdb
import pytest
import report_testdata as td

from pipeline.report import maps
from pipeline.report.data import Filters, ReportData, duckdb_runner, fetch


def test_outline_file_is_small_licensed_and_has_what_the_map_draws():
    path = maps.OUTLINE
    assert path.stat().st_size < 50_000
    for name in ("README.md", "LICENSE-NaturalEarth.md", "build_outline.py"):
        assert (path.parent / name).exists(), name
    assert "public domain" in (path.parent / "LICENSE-NaturalEarth.md").read_text(encoding="utf-8")
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    assert "Western Sahara" in readme and "16 regions" in readme and "12 regions" in readme
    collection = json.loads(path.read_text(encoding="utf-8"))
    roles = {(f["properties"]["role"], f["properties"]["id"]) for f in collection["features"]}
    assert roles == {("territory", "MAR"), ("territory", "SAH"), ("boundary", "MAR-SAH"), ("admin1", "MAR-admin1")}
    features = {f["properties"]["id"]: f for f in collection["features"]}
    points = {k: [p for line in maps._lines(f["geometry"]) for p in line] for k, f in features.items()}
    # Morocco and Western Sahara together: from Tangier's cape to La Güera, Atlantic to Figuig
    everything = points["MAR"] + points["SAH"]
    assert 35.8 < max(p[1] for p in everything) < 36.0 and 20.7 < min(p[1] for p in everything) < 20.9
    assert -17.2 < min(p[0] for p in everything) < -17.0 and -1.1 < max(p[0] for p in everything) < -0.9
    # the dashed line is the parallel 27°40'N, from the coast to the Algerian border
    assert all(abs(p[1] - 27.667) < 0.01 for p in points["MAR-SAH"])
    assert min(p[0] for p in points["MAR-SAH"]) < -13 and max(p[0] for p in points["MAR-SAH"]) > -8.8
    # no admin-1 line is drawn inside Western Sahara
    assert min(p[1] for p in points["MAR-admin1"]) > 27.6


def _overlap(a, b) -> bool:
    return not (a.left + a.width <= b.left or b.left + b.width <= a.left
                or a.top + a.height <= b.top or b.top + b.height <= a.top)


@pytest.mark.parametrize("seed", range(40))
def test_labels_never_overlap_bubbles_labels_or_edges(seed):
    rng = random.Random(seed)
    n = rng.randint(2, 25)
    width, height = 480, 520
    points = [(rng.uniform(0, width), rng.uniform(0, height), rng.uniform(5, 20),
               "".join(rng.choice("ابتثجحخدذرزسشصضطظعغفقكلمنهوي") for _ in range(rng.randint(3, 12))))
              for _ in range(n)]
    boxes = maps.place_labels(points, width, height)
    assert len(boxes) == n
    placed = [(i, b) for i, b in enumerate(boxes) if b is not None]
    assert placed                                       # somebody always gets a label
    for (i, a), (j, b) in itertools.combinations(placed, 2):
        assert not _overlap(a, b), (seed, i, j)
    for i, box in placed:
        assert 0 <= box.left and box.left + box.width <= width and 0 <= box.top and box.top + box.height <= height
        assert box.width >= len(points[i][3]) * maps.CHAR_PX
        own = box.distance(points[i][0], points[i][1]) - points[i][2]
        for j, (x, y, r, _) in enumerate(points):
            assert box.distance(x, y) >= r, (seed, i, j)            # covers no bubble
            if j != i and own <= 3:                                 # touching (no leader line):
                assert box.distance(x, y) - r > own                 # its own bubble is the nearest


def test_crowded_places_get_leader_lines_or_are_listed():
    rows = [{"place": f"مكان{i}", "name_latin": None, "region": None, "lat": 33.5 + 0.05 * i, "lon": -7.5 + 0.05 * i,
             "stories": 10 - i} for i in range(10)]
    data = ReportData(totals={"stories": 1}, arabic_daily=[], category_daily=[], places=rows, known_places=[],
                      coverage=[], latest=[])
    fig, unlabelled = maps.map_figure(data)
    notes = fig.layout.annotations
    assert len(notes) + len(unlabelled) == 10 and len(notes) >= 5
    assert any(a.showarrow for a in notes)                  # some sit away from their bubble, with a line
    assert {a.text for a in notes}.isdisjoint(unlabelled)


def test_map_of_the_demo_warehouse(tmp_path):
    con = duckdb.connect()
    td.build_demo_warehouse(con)
    data = fetch(duckdb_runner(con), "duckdb", Filters(until=dt.date(2026, 11, 15)))
    fig, unlabelled = maps.map_figure(data)
    assert unlabelled == []
    assert sorted(a.text for a in fig.layout.annotations) == sorted([td.CASABLANCA, td.KHEMISSET])
    names = [t.name for t in fig.data]
    assert names[:3] == ["outline", "admin-1 lines (1997-2015)", "27°40′N line"]
    assert fig.data[0].fill == "toself" and fig.data[2].line.dash == "dash"
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == pytest.approx(1.1434, abs=1e-3)
    assert maps.map_figure(ReportData({"stories": 1}, [], [], [{"place": "x", "stories": 1}], [], [], [])) is None
