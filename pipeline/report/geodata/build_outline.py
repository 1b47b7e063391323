"""Build ``morocco_outline.geojson`` (the report map's outline) from Natural Earth files.

A developer's one-off tool, not run by the pipeline or the tests; the output
is committed next to this file. It needs ``shapely`` and ``pyshp``
(``pip install -e .[geodata]``), which the report itself does not::

    python pipeline/report/geodata/build_outline.py \\
        --admin0 ne_10m_admin_0_countries_deu.shp --admin1 build.json \\
        --out pipeline/report/geodata/morocco_outline.geojson

Inputs (both Natural Earth 5.1.x, public domain; where they came from is in
README.md beside this file):

* ``--admin0``: the 1:10m admin-0 countries shapefile in Natural Earth's
  German point-of-view edition (``ne_10m_admin_0_countries_deu``), which
  draws the whole of Western Sahara as one unit. Its ``MAR`` (Morocco) and
  ``SAH`` (W. Sahara) polygons become the two ``territory`` features and
  their shared edge (the 27°40′N line) the ``boundary`` feature. (Natural
  Earth's default, de facto, edition splits Western Sahara along the berm
  instead; its Moroccan edition draws no line. README.md says more.)
* ``--admin1``: the 1:10m admin-1 states/provinces GeoJSON. The edges
  between its ``MAR`` features, clipped to the admin-0 ``MAR`` polygon,
  become the ``admin1`` feature. Natural Earth's Moroccan admin-1 units are
  the 16 regions of 1997-2015, not the 12 regions of 2015; no line is kept
  inside the admin-0 ``SAH`` polygon.

Every geometry is simplified with Douglas-Peucker (shapely, ``--tolerance``
degrees, topology preserved) and rounded to 3 decimals (about 100 m), which
is far below what the report's map can show (about 25 px per degree).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
NE_VERSION = "5.1.x"


def _round(coords, nd=3):
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], nd), round(coords[1], nd)]
    return [_round(c, nd) for c in coords]


def _feature(geom, **props) -> dict:
    from shapely.geometry import mapping

    g = mapping(geom)
    return {"type": "Feature", "properties": props,
            "geometry": {"type": g["type"], "coordinates": _round(json.loads(json.dumps(g["coordinates"])))}}


def build(admin0: Path, admin1: Path, tolerance: float) -> dict:
    """The FeatureCollection: territories MAR and SAH, their boundary, the admin-1 lines.

    Raises ``KeyError`` when an input lacks the MAR or SAH unit.
    """
    import shapefile                      # pyshp
    from shapely.geometry import shape
    from shapely.ops import linemerge, unary_union

    territories = {}
    reader = shapefile.Reader(str(admin0))
    for rec in reader.iterShapeRecords():
        attrs = rec.record.as_dict()
        if attrs["ADM0_A3"] in ("MAR", "SAH"):
            territories[attrs["ADM0_A3"]] = (attrs["NAME_EN"], shape(rec.shape.__geo_interface__))
    mar, sah = territories["MAR"][1], territories["SAH"][1]
    boundary = linemerge(mar.boundary.intersection(sah.boundary))

    regions = [shape(f["geometry"]) for f in json.loads(Path(admin1).read_text(encoding="utf-8"))["features"]
               if f["properties"].get("adm0_a3") == "MAR"]
    if not regions:
        raise KeyError("no MAR features in the admin-1 file")
    edges = unary_union([r.boundary for r in regions])
    outer = unary_union(regions).boundary
    inner = edges.difference(outer.buffer(1e-6)).intersection(mar.buffer(-1e-6))
    inner = linemerge(inner) if inner.geom_type == "MultiLineString" else inner

    def simple(g):
        return g.simplify(tolerance, preserve_topology=True)

    source = f"Natural Earth {NE_VERSION} 1:10m (public domain); see README.md"
    return {
        "type": "FeatureCollection",
        "properties": {"source": source, "tolerance_deg": tolerance},
        "features": [
            _feature(simple(mar), role="territory", id="MAR", name=territories["MAR"][0],
                     note="Natural Earth admin-0 (German POV) 'Morocco', north of 27°40′N"),
            _feature(simple(sah), role="territory", id="SAH", name=territories["SAH"][0],
                     note="Natural Earth admin-0 (German POV) 'W. Sahara', the whole territory"),
            _feature(simple(boundary), role="boundary", id="MAR-SAH",
                     note="Natural Earth's line between the admin-0 units Morocco and W. Sahara (27°40′N)"),
            _feature(simple(inner), role="admin1", id="MAR-admin1",
                     note="edges between Natural Earth's Moroccan admin-1 units (the 16 regions of "
                          "1997-2015), inside the admin-0 'Morocco' polygon only"),
        ],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--admin0", type=Path, required=True, help="ne_10m_admin_0_countries*.shp")
    p.add_argument("--admin1", type=Path, required=True, help="ne_10m_admin_1_states_provinces as GeoJSON")
    p.add_argument("--tolerance", type=float, default=0.01, help="simplification, degrees (default 0.01)")
    p.add_argument("--out", type=Path, default=HERE / "morocco_outline.geojson")
    args = p.parse_args(argv)
    collection = build(args.admin0, args.admin1, args.tolerance)
    args.out.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(json.dumps(f["geometry"]["coordinates"]).split("],")) for f in collection["features"])
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB, about {points} points)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
