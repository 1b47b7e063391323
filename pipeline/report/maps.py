"""The report's map: places of security stories on an offline outline of Morocco.

No tiles and no topojson download: the outline is the vendored, simplified
Natural Earth file ``geodata/morocco_outline.geojson`` (public domain; its
README says what is drawn, from which edition, and how Western Sahara and the
regions are shown), drawn on plain longitude/latitude axes whose scale ratio
is that of an equirectangular projection at 29°N.

Labels are placed by :func:`place_labels`, a greedy search for a free spot
next to each bubble. Plotly has no label collision avoidance of its own, and
the usual library for it (adjustText) works on matplotlib artists only, so
this small placer is ours: it checks every label box against every bubble,
every placed label and the plot edges, in pixels.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import math
from pathlib import Path

import plotly.graph_objects as go

from pipeline.report.data import ReportData
from pipeline.report.figure import esc, layout

OUTLINE = Path(__file__).resolve().parent / "geodata" / "morocco_outline.geojson"
LON_RANGE = (-17.6, -0.7)
LAT_RANGE = (20.4, 36.6)
SCALE_RATIO = 1 / math.cos(math.radians(29))   # px per degree of latitude / px per degree of longitude
HEIGHT = 650
MARGIN = dict(l=60, r=20, t=75, b=50)
# The narrowest figure the labels are laid out for: the map's half of the page's
# two-column grid in a 1,200 px wide window. A wider figure has the same
# scale (it is bound by HEIGHT) and a narrower one a smaller scale, where labels
# could touch.
MIN_FIGURE_WIDTH = 560
FONT_PX = 12
CHAR_PX = 7.2          # width of one character at 12 px (DejaVu Sans, Arabic and Latin), generous
LAND = "#f3f0e6"
CAPTION = ("Outline: Natural Earth 1:10m (public domain), simplified. Dashed: the line at 27°40′N "
           "between Morocco and Western Sahara as Natural Earth's German point-of-view edition "
           "draws it; the status of Western Sahara is disputed and the map takes no side. Thin grey "
           "lines: Natural Earth's admin-1 lines, which are the 16 regions of 1997–2015, for "
           "orientation only (the region chart uses the 12 regions of 2015). Details: "
           "pipeline/report/geodata/README.md.")


@functools.lru_cache(maxsize=1)
def outline() -> dict:
    """The vendored outline as a GeoJSON FeatureCollection (raises OSError if missing)."""
    return json.loads(OUTLINE.read_text(encoding="utf-8"))


def _lines(geometry: dict) -> list[list[list[float]]]:
    """Every ring or line of a (Multi)Polygon or (Multi)LineString."""
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "LineString":
        return [coords]
    if kind in ("MultiLineString", "Polygon"):
        return list(coords)
    if kind == "MultiPolygon":
        return [ring for poly in coords for ring in poly]
    raise ValueError(f"unsupported geometry {kind}")


def _xy(lines) -> tuple[list, list]:
    xs, ys = [], []
    for line in lines:
        xs += [p[0] for p in line] + [None]
        ys += [p[1] for p in line] + [None]
    return xs, ys


def add_outline(fig: go.Figure) -> None:
    """Land fill and outline, the dashed Morocco / Western Sahara line, the admin-1 lines."""
    features = outline()["features"]
    by_role: dict[str, list] = {}
    for f in features:
        by_role.setdefault(f["properties"]["role"], []).extend(_lines(f["geometry"]))
    xs, ys = _xy(by_role.get("territory", []))
    fig.add_scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=LAND, hoverinfo="skip",
                    line=dict(color="#8a8a8a", width=1), name="outline", showlegend=False)
    xs, ys = _xy(by_role.get("admin1", []))
    fig.add_scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", name="admin-1 lines (1997-2015)",
                    line=dict(color="#cfcabb", width=0.7), showlegend=False)
    xs, ys = _xy(by_role.get("boundary", []))
    fig.add_scatter(x=xs, y=ys, mode="lines", hoverinfo="skip", name="27°40′N line",
                    line=dict(color="#6d6d6d", width=1.4, dash="dash"), showlegend=False)


@dataclasses.dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float

    def overlaps(self, other: "Box", pad: float = 2) -> bool:
        return not (self.left + self.width + pad <= other.left or other.left + other.width + pad <= self.left
                    or self.top + self.height + pad <= other.top or other.top + other.height + pad <= self.top)

    def hits_circle(self, cx: float, cy: float, r: float) -> bool:
        return self.distance(cx, cy) < r

    def distance(self, x: float, y: float) -> float:
        """From the point (x, y) to the nearest point of the box (0 inside)."""
        nx = min(max(x, self.left), self.left + self.width)
        ny = min(max(y, self.top), self.top + self.height)
        return math.hypot(nx - x, ny - y)

    def inside(self, width: float, height: float) -> bool:
        return self.left >= 0 and self.top >= 0 and self.left + self.width <= width and self.top + self.height <= height


# Directions to try, best first: right, left, above, below, the diagonals, then
# the eight directions between those (unit vectors; y down).
_DIRECTIONS = [(1, 0), (-1, 0), (0, -1), (0, 1)] + [
    (math.cos(math.radians(a)), -math.sin(math.radians(a))) for a in (45, 135, 315, 225, 22.5, 157.5, 337.5, 202.5,
                                                                       67.5, 112.5, 292.5, 247.5)]


LEADER_DISTANCES = (18, 36, 54, 72, 96, 120, 150)   # px from the bubble's edge, with a leader line


def place_labels(points: list[tuple[float, float, float, str]], width: float, height: float,
                 char_px: float = CHAR_PX, font_px: float = FONT_PX) -> list[Box | None]:
    """A label box per point, or None where no free spot was found.

    ``points``: ``(x, y, radius, text)`` in pixels of the plot area (y down),
    in order of importance (the first get the best spots). A box never
    overlaps another box, any point's circle, or the plot area's edges.
    Tries spots touching the circle first, where its own circle must be the
    nearest to it (so a label cannot be read as another bubble's); then spots
    further out (``LEADER_DISTANCES``), which get a leader line that crosses
    no other label.
    """
    boxes: list[Box | None] = []
    for i, (x, y, r, text) in enumerate(points):
        w, h = len(text) * char_px + 4, font_px + 7          # Chromium draws about 18 px high at 12 px
        chosen = None
        for extra in (2, *LEADER_DISTANCES):
            for dx, dy in _DIRECTIONS:
                d = r + extra
                cx, cy = x + dx * d, y + dy * d    # the box touches this point
                box = Box(cx - w / 2 + dx * w / 2, cy - h / 2 + dy * h / 2, w, h)
                if not box.inside(width, height):
                    continue
                if any(box.hits_circle(px, py, pr) for px, py, pr, _ in points):
                    continue
                if any(b is not None and box.overlaps(b) for b in boxes):
                    continue
                if extra == 2:
                    own = box.distance(x, y) - r
                    if any(box.distance(px, py) - pr <= own for j, (px, py, pr, _) in enumerate(points) if j != i):
                        continue
                elif _line_hits(x + dx * r, y + dy * r, cx, cy, boxes):
                    continue
                chosen = box
                break
            if chosen:
                break
        boxes.append(chosen)
    return boxes


def _line_hits(x0: float, y0: float, x1: float, y1: float, boxes: list[Box | None]) -> bool:
    """Does the segment (sampled every 3 px) pass through one of ``boxes``?"""
    steps = max(1, int(math.hypot(x1 - x0, y1 - y0) / 3))
    for k in range(steps + 1):
        px, py = x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps
        if any(b is not None and b.distance(px, py) == 0 for b in boxes):
            return True
    return False


def map_scale(width: float = MIN_FIGURE_WIDTH) -> tuple[float, float]:
    """Pixels per degree (longitude, latitude) of a map figure ``width`` px wide:
    the larger scale that fits both the height and the width."""
    plot_h = HEIGHT - MARGIN["t"] - MARGIN["b"]
    plot_w = width - MARGIN["l"] - MARGIN["r"]
    sy = min(plot_h / (LAT_RANGE[1] - LAT_RANGE[0]), plot_w / (LON_RANGE[1] - LON_RANGE[0]) * SCALE_RATIO)
    return sy / SCALE_RATIO, sy


def bubble_size(stories: int, biggest: int) -> float:
    """Marker diameter in px: area grows with the story count."""
    return 10 + 30 * (stories / biggest) ** 0.5


def map_figure(data: ReportData) -> tuple[go.Figure, list[str]] | None:
    """The map and the places left without a label (no room), or None when no place has coordinates."""
    located = [r for r in data.places if r.get("lat") is not None and r.get("lon") is not None]
    if not located:
        return None
    fig = go.Figure()
    add_outline(fig)
    if data.known_places:
        fig.add_scatter(x=[r["lon"] for r in data.known_places], y=[r["lat"] for r in data.known_places],
                        mode="markers", marker=dict(size=3, color="#b9b9b9"), name="gazetteer",
                        hoverinfo="skip", showlegend=False)
    biggest = max(r["stories"] for r in located)
    sizes = [bubble_size(r["stories"], biggest) for r in located]
    fig.add_scatter(x=[r["lon"] for r in located], y=[r["lat"] for r in located], mode="markers",
                    name="stories", text=[esc(r["place"]) for r in located],
                    customdata=[[r["stories"], esc(r.get("name_latin") or ""), esc(r.get("region") or "")]
                                for r in located],
                    hovertemplate="%{text} %{customdata[1]}: %{customdata[0]}<br>%{customdata[2]}<extra></extra>",
                    marker=dict(size=sizes, color="#d62728", opacity=0.7, line=dict(width=1, color="#800")))
    sx, sy = map_scale()
    plot_w = sx * (LON_RANGE[1] - LON_RANGE[0])
    plot_h = sy * (LAT_RANGE[1] - LAT_RANGE[0])
    points = [((r["lon"] - LON_RANGE[0]) * sx, (LAT_RANGE[1] - r["lat"]) * sy, s / 2, str(r["place"]))
              for r, s in zip(located, sizes)]
    order = sorted(range(len(points)), key=lambda i: -located[i]["stories"])
    boxes = place_labels([points[i] for i in order], plot_w, plot_h)
    annotations, unlabelled = [], []
    for i, box in zip(order, boxes):
        r, (x, y, radius, _) = located[i], points[i]
        if box is None:
            unlabelled.append(str(r["place"]))
            continue
        cx, cy = box.left + box.width / 2, box.top + box.height / 2
        near = box.distance(x, y) <= radius + 3          # touches its bubble: no leader line
        common = dict(x=r["lon"], y=r["lat"], xref="x", yref="y", text=esc(r["place"]),
                      font=dict(size=FONT_PX, color="#333"), bgcolor="rgba(255,255,255,0.75)", borderpad=1)
        if near:
            annotations.append(dict(common, showarrow=False, xanchor="center", yanchor="middle",
                                    xshift=cx - x, yshift=-(cy - y)))
        else:
            annotations.append(dict(common, showarrow=True, ax=cx - x, ay=cy - y, axref="pixel",
                                    ayref="pixel", arrowhead=0, arrowwidth=0.8, arrowcolor="#777",
                                    standoff=radius))
    layout(fig, "خريطة القصص الأمنية",
           "Security stories by place (bubble area = stories); grey dots: gazetteer places",
           height=HEIGHT, showlegend=False, annotations=annotations, margin=MARGIN,
           xaxis=dict(title="longitude", range=list(LON_RANGE), zeroline=False, showgrid=False,
                      automargin=False),
           yaxis=dict(title="latitude", range=list(LAT_RANGE), scaleanchor="x", scaleratio=SCALE_RATIO,
                      zeroline=False, showgrid=False, automargin=False))
    return fig, unlabelled
