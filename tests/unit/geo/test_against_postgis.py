"""Differential checks: the hub's spatial answers against PostGIS's on the same seeded random data.

About 2,600 features (rectangles and star polygons from 2 m to 2 km, polygons with holes,
multipolygons, lines, points; a third of them snapped to a 0.0001° grid so that shared edges,
shared corners and points on edges are common) and 1,800 queries (boxes, polygons, points,
distances), each compared feature for feature: every (query, predicate) is one case, and each
disagreement fails the test with the query and the feature printed as WKT.

What counts as equal:

- bbox, intersects, within: the same set of features. Touching counts as intersecting, and a
  feature lying along the query's boundary is still within it, in both (they share GEOS's rules).
- contains a point: the hub answers which features the point is *in or on* (a point on a border
  shared by two sectors belongs to both, so it is never lost between them), which is PostGIS's
  ``ST_Covers``, and is compared with it. ``ST_Contains`` leaves out a point on the boundary; the
  test checks that this is the only difference (every extra is ``ST_Touches``).
- dWithin: the hub measures in a transverse Mercator centred on the point (``hub.geo.local``);
  PostGIS's ``ST_DWithin(geography, …)`` on the ellipsoid. A feature may be on different sides
  only where its geodesic distance (``ST_Distance(geography)``) is within 1 mm + 2 ppm of the
  threshold.
- Areas: ``hub.geo.measure.geodesic_area`` within 0.01 % of ``ST_Area(geography)``.
"""

from __future__ import annotations

import numpy as np
import psycopg
import pytest
import shapely

from hub.geo.index import SpatialIndex
from hub.geo.measure import destination, geodesic_area

SEED = 20240605
EXTENT = (115.55, 34.33, 115.72, 34.46)
GRID = 1e-4
M_LON = 111_320.0 * np.cos(np.radians(34.4))
M_LAT = 110_950.0


def _star(rng: np.random.Generator, cx: float, cy: float, size_m: float, corners: int) -> shapely.Polygon:
    angles = np.sort(rng.uniform(0, 2 * np.pi, corners))
    radii = size_m / 2 * rng.uniform(0.5, 1.0, corners)
    ring = np.column_stack([cx + radii * np.sin(angles) / M_LON, cy + radii * np.cos(angles) / M_LAT])
    return shapely.Polygon(np.round(ring, 7))


def _snapped_box(rng: np.random.Generator) -> shapely.Polygon:
    x0 = round(rng.uniform(115.60, 115.62) / GRID) * GRID
    y0 = round(rng.uniform(34.37, 34.39) / GRID) * GRID
    w, h = (int(v) * GRID for v in rng.integers(1, 20, 2))
    return shapely.box(round(x0, 4), round(y0, 4), round(x0 + w, 4), round(y0 + h, 4))


def features(rng: np.random.Generator) -> list[shapely.Geometry]:
    out: list[shapely.Geometry] = []
    for _ in range(700):  # random polygons over the district, 2 m to 2 km
        cx, cy = rng.uniform(EXTENT[0], EXTENT[2]), rng.uniform(EXTENT[1], EXTENT[3])
        size = float(np.exp(rng.uniform(np.log(2), np.log(2000))))
        out.append(_star(rng, cx, cy, size, int(rng.integers(3, 13))))
    for _ in range(800):  # snapped rectangles in the old town: shared edges and corners
        out.append(_snapped_box(rng))
    for _ in range(100):  # polygons with a hole, and multipolygons
        outer = _snapped_box(rng).buffer(GRID * 2, join_style="mitre")
        hole = outer.centroid.buffer(GRID * 0.8, quad_segs=2)
        out.append(shapely.Polygon(outer.exterior.coords, [hole.exterior.coords[::-1]]))
        out.append(shapely.MultiPolygon([_snapped_box(rng), _snapped_box(rng).buffer(0)]).buffer(0))
    for _ in range(400):  # lines
        pts = np.column_stack([rng.uniform(115.600, 115.625, 4), rng.uniform(34.365, 34.390, 4)])
        out.append(shapely.LineString(np.round(pts, 6)))
    for i in range(500):  # points, half of them on the grid (corners and edges of the rectangles)
        if i % 2:
            out.append(shapely.Point(round(rng.uniform(115.60, 115.62), 4), round(rng.uniform(34.37, 34.39), 4)))
        else:
            out.append(shapely.Point(rng.uniform(EXTENT[0], EXTENT[2]), rng.uniform(EXTENT[1], EXTENT[3])))
    return [g for g in out if not g.is_empty and g.is_valid]


@pytest.fixture(scope="module")
def data(pg_cluster):
    rng = np.random.default_rng(SEED)
    geoms = features(rng)
    queries = {
        "bbox": [tuple(_snapped_box(rng).bounds) if i % 2 else _random_box(rng) for i in range(300)],
        "intersects": [_snapped_box(rng) if i % 2 else _star(rng, *_old_town(rng), 400, 9) for i in range(300)],
        "within": [_snapped_box(rng) if i % 2 else _star(rng, *_old_town(rng), 800, 9) for i in range(300)],
        "contains": [
            (round(rng.uniform(115.60, 115.62), 4), round(rng.uniform(34.37, 34.39), 4))
            if i % 2
            else (float(rng.uniform(115.60, 115.62)), float(rng.uniform(34.37, 34.39)))
            for i in range(600)
        ],
        "dwithin": [(*_old_town(rng), float(rng.uniform(5, 3000))) for _ in range(300)],
    }
    with psycopg.connect(pg_cluster.new_database(), autocommit=True) as conn:
        conn.execute("CREATE TABLE f (id integer PRIMARY KEY, geom geometry(Geometry, 4326) NOT NULL)")
        with conn.cursor().copy("COPY f (id, geom) FROM STDIN") as copy:
            for i, g in enumerate(geoms):
                copy.write_row((i, _ewkb(g)))
        conn.execute("CREATE INDEX ON f USING gist (geom)")
        conn.execute("ANALYZE f")
        yield geoms, queries, conn


def _ewkb(g: shapely.Geometry) -> str:
    return shapely.to_wkb(shapely.set_srid(g, 4326), hex=True, include_srid=True)


def _random_box(rng: np.random.Generator) -> tuple[float, float, float, float]:
    x, y = _old_town(rng)
    w, h = rng.uniform(0.0005, 0.02, 2)
    return (x, y, x + w, y + h)


def _old_town(rng: np.random.Generator) -> tuple[float, float]:
    return float(rng.uniform(115.595, 115.625)), float(rng.uniform(34.365, 34.39))


def _postgis(conn: psycopg.Connection, sql: str, params: list[tuple]) -> list[set[int]]:
    """Feature ids for each query: ``sql`` takes one query's parameters and selects ids."""
    return [{r[0] for r in conn.execute(sql, p).fetchall()} for p in params]


def _disagreements(kind: str, hub: list[np.ndarray], pg: list[set[int]], queries: list, geoms: list) -> list[str]:
    found = []
    for q, (mine, theirs) in enumerate(zip(hub, pg, strict=True)):
        for f in sorted(set(mine.tolist()) ^ theirs):
            side = "hub only" if f in set(mine.tolist()) else "PostGIS only"
            query = queries[q].wkt if isinstance(queries[q], shapely.Geometry) else queries[q]
            found.append(f"{kind} query {q} {query} / feature {f} {geoms[f].wkt}: {side}")
    return found


def test_bbox_intersects_and_within_answer_as_postgis_does(data):
    geoms, queries, conn = data
    index = SpatialIndex(geoms)
    wrong: list[str] = []
    boxes = queries["bbox"]
    wrong += _disagreements(
        "bbox",
        [index.bbox(*b) for b in boxes],
        _postgis(conn, "SELECT id FROM f WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326))", boxes),
        [shapely.box(*b) for b in boxes],
        geoms,
    )
    for kind, fn in (("intersects", "ST_Intersects"), ("within", "ST_Within")):
        qs = queries[kind]
        wrong += _disagreements(
            kind,
            [getattr(index, kind)(q) for q in qs],
            _postgis(conn, f"SELECT id FROM f WHERE {fn}(geom, ST_GeomFromText(%s, 4326))", [(q.wkt,) for q in qs]),
            qs,
            geoms,
        )
    assert not wrong, f"{len(wrong)} disagreements, e.g.:\n" + "\n".join(wrong[:20])
    assert sum(len(index.within(q)) for q in queries["within"]) > 100  # the checks found things to agree on


def test_a_point_is_in_the_features_it_lies_in_or_on_as_st_covers_says(data):
    geoms, queries, conn = data
    index = SpatialIndex(geoms)
    points = queries["contains"]
    hub = [index.contains_point(x, y) for x, y in points]
    covers = _postgis(conn, "SELECT id FROM f WHERE ST_Covers(geom, ST_Point(%s, %s, 4326))", points)
    wrong = _disagreements("contains", hub, covers, [shapely.Point(p) for p in points], geoms)
    assert not wrong, f"{len(wrong)} disagreements, e.g.:\n" + "\n".join(wrong[:20])
    contains = _postgis(conn, "SELECT id FROM f WHERE ST_Contains(geom, ST_Point(%s, %s, 4326))", points)
    touching = _postgis(conn, "SELECT id FROM f WHERE ST_Touches(geom, ST_Point(%s, %s, 4326))", points)
    assert all(c - t == s - t and c <= s for c, s, t in zip(contains, covers, touching, strict=True))
    assert sum(len(t) for t in touching) > 50  # points on edges and corners were tried


def test_dwithin_agrees_with_the_ellipsoid_except_within_a_millimetre_of_the_threshold(data):
    geoms, queries, conn = data
    index = SpatialIndex(geoms)
    near = queries["dwithin"]
    hub = [index.dwithin(x, y, m) for x, y, m in near]
    pg = _postgis(
        conn, "SELECT id FROM f WHERE ST_DWithin(geom::geography, ST_Point(%s, %s, 4326)::geography, %s)", near
    )
    wrong = []
    for q, (mine, theirs) in enumerate(zip(hub, pg, strict=True)):
        x, y, m = near[q]
        for f in sorted(set(mine.tolist()) ^ theirs):
            d = conn.execute(
                "SELECT ST_Distance(geom::geography, ST_Point(%s, %s, 4326)::geography) FROM f WHERE id = %s", (x, y, f)
            ).fetchone()[0]
            if abs(d - m) > 1e-3 + 2e-6 * m:
                wrong.append(f"dwithin {x} {y} {m} m / feature {f} {geoms[f].wkt}: geodesic {d} m")
    assert not wrong, f"{len(wrong)} disagreements, e.g.:\n" + "\n".join(wrong[:20])
    assert sum(len(h) for h in hub) > 1000


def test_geodesic_areas_agree_with_st_area_on_the_ellipsoid_within_a_hundredth_of_a_percent(data):
    geoms, _, conn = data
    polygons = [(i, g) for i, g in enumerate(geoms) if g.geom_type in ("Polygon", "MultiPolygon")]
    theirs = dict(conn.execute("SELECT id, ST_Area(geom::geography) FROM f WHERE ST_Dimension(geom) = 2").fetchall())
    ours = geodesic_area(np.array([g for _, g in polygons], dtype=object))
    wrong = [
        f"area of feature {i} {g.wkt}: hub {a:.6f} m², PostGIS {theirs[i]:.6f} m²"
        for (i, g), a in zip(polygons, ours, strict=True)
        if abs(a - theirs[i]) > 1e-4 * theirs[i]
    ]
    assert not wrong, f"{len(wrong)} of {len(polygons)} areas disagree, e.g.:\n" + "\n".join(wrong[:20])
    assert len(polygons) > 1500


def test_the_hub_measures_a_known_square_as_the_ellipsoid_does(data):
    _, _, conn = data
    corner = (115.6097, 34.3767)
    east = destination(*corner, 90, 100)
    square = shapely.box(corner[0], corner[1], east[0], destination(*corner, 0, 100)[1])
    pg = conn.execute("SELECT ST_Area(ST_GeomFromText(%s, 4326)::geography)", (square.wkt,)).fetchone()[0]
    assert geodesic_area(square) == pytest.approx(pg, rel=1e-4)
    assert geodesic_area(square) == pytest.approx(10_000, rel=1e-3)  # a 100 m square, near enough
