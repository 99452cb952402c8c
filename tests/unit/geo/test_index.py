"""The spatial index answers every filter exactly as a brute-force loop over all geometries would."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely import LineString, Point

from hub.geo.index import SpatialIndex
from hub.geo.measure import destination
from hub.geo.sectors import quadrants
from tests.unit.geo.shapes import CENTRE, OLD_TOWN_RADIUS_M, square_m

GEOD = Geod(ellps="WGS84")
QUADRANTS = quadrants(*CENTRE, OLD_TOWN_RADIUS_M)


def scatter(n: int, seed: int, kinds: str = "psl") -> list[shapely.Geometry | None]:
    """``n`` features within about 3 km of the centre: points, squares of 20–200 m, short lines, some None."""
    rng = np.random.default_rng(seed)
    out: list[shapely.Geometry | None] = []
    for _ in range(n):
        if rng.random() < 0.05:
            out.append(None)
            continue
        lon, lat = destination(*CENTRE, rng.uniform(0, 360), rng.uniform(0, 3_000))
        kind = kinds[rng.integers(len(kinds))]
        if kind == "p":
            out.append(Point(lon, lat))
        elif kind == "s":
            out.append(square_m(lon, lat, rng.uniform(20, 200)))
        else:
            out.append(LineString([(lon, lat), destination(lon, lat, rng.uniform(0, 360), rng.uniform(20, 400))]))
    return out


FEATURES = scatter(600, seed=1)


def brute(geoms, keep) -> list[int]:
    return [i for i, g in enumerate(geoms) if g is not None and keep(g)]


def assert_positions(got: np.ndarray, expected) -> None:
    assert got.dtype.kind == "i"
    assert np.all(np.diff(got) > 0), "positions must be sorted and distinct"
    assert got.tolist() == sorted(expected)


def metric_distances(geoms, lon: float, lat: float) -> np.ndarray:
    """Distance in metres from each geometry to the point, in CGCS2000 / 3-degree GK CM 117E (EPSG:4548)."""
    projected = gpd.GeoSeries(list(geoms), crs="EPSG:4326").to_crs("EPSG:4548")
    here = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs("EPSG:4548").iloc[0]
    return projected.distance(here).to_numpy()


@pytest.fixture
def index() -> SpatialIndex:
    return SpatialIndex(FEATURES)


# --- single filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bbox",
    [
        (115.600, 34.370, 115.610, 34.380),
        (115.609, 34.376, 115.6105, 34.3775),
        (115.0, 34.0, 116.0, 35.0),
        (116.0, 35.0, 116.1, 35.1),
        (115.6097, 34.37, 115.6097, 34.39),
        (115.61, 34.38, 115.60, 34.37),
    ],
    ids=["old-town-sw", "small", "everything", "nowhere", "zero-width", "inverted"],
)
def test_bbox_finds_what_truly_intersects_the_box(index, bbox):
    box = shapely.box(*bbox)
    expected = brute(FEATURES, box.intersects) if bbox[0] <= bbox[2] else []
    assert_positions(index.bbox(*bbox), expected)


def test_bbox_ignores_a_line_whose_envelope_overlaps_but_which_misses_the_box():
    layer = SpatialIndex([LineString([(115.60, 34.37), (115.61, 34.38)])])
    assert_positions(layer.bbox(115.608, 34.370, 115.610, 34.372), [])


QUERY_SHAPES = {
    **{f"quadrant-{code}": poly for code, poly in QUADRANTS.items()},
    "line": LineString([destination(*CENTRE, 225, 2_500), destination(*CENTRE, 45, 2_500)]),
    "feature-itself": next(g for g in FEATURES if g is not None and g.geom_type == "Polygon"),
    "far-away": shapely.box(116, 35, 116.1, 35.1),
}


@pytest.mark.parametrize("shape", QUERY_SHAPES.values(), ids=QUERY_SHAPES.keys())
def test_intersects_and_within_match_shapely_predicates_one_by_one(index, shape):
    assert_positions(index.intersects(shape), brute(FEATURES, shape.intersects))
    assert_positions(index.within(shape), brute(FEATURES, lambda g: g.within(shape)))


def test_contains_point_matches_a_loop_over_every_geometry(index):
    rng = np.random.default_rng(5)
    probes = [destination(*CENTRE, rng.uniform(0, 360), rng.uniform(0, 3_000)) for _ in range(200)]
    probes += [g.coords[0] for g in FEATURES if g is not None and g.geom_type == "Point"][:20]
    for lon, lat in probes:
        assert_positions(index.contains_point(lon, lat), brute(FEATURES, Point(lon, lat).intersects))


def north_radius_point():
    """A point halfway up the north radius, which NE and NW share: lon is exactly the centre's."""
    lon, lat = destination(*CENTRE, 0, OLD_TOWN_RADIUS_M / 2)
    assert lon == CENTRE[0]
    return lon, lat


@pytest.mark.parametrize(
    ("where", "codes"),
    [
        (north_radius_point(), ["NE", "NW"]),
        (destination(*CENTRE, 90, OLD_TOWN_RADIUS_M), ["NE", "SE"]),  # the arc vertex both sectors have
        (CENTRE, ["NE", "SE", "SW", "NW"]),
        (destination(*CENTRE, 30, 500), ["NE"]),
    ],
    ids=["north-radius", "east-arc-vertex", "centre", "inside-ne"],
)
def test_a_point_on_a_border_between_sectors_is_found_in_both(where, codes):
    layer = SpatialIndex(list(QUADRANTS.values()))
    found = [list(QUADRANTS)[i] for i in layer.contains_point(*where)]
    assert found == codes


@pytest.mark.parametrize("meters", [200.0, 800.0, 2_000.0])
@pytest.mark.parametrize("origin", [CENTRE, destination(*CENTRE, 123, 1_000)], ids=["centre", "off-centre"])
def test_dwithin_on_points_matches_geodesic_distances(origin, meters):
    points = scatter(2_000, seed=2, kinds="p")
    present = [i for i, g in enumerate(points) if g is not None]
    xy = np.array([points[i].coords[0] for i in present])
    _, _, dist = GEOD.inv(np.full(len(xy), origin[0]), np.full(len(xy), origin[1]), xy[:, 0], xy[:, 1])
    close = {i for i, d in zip(present, dist, strict=True) if abs(d - meters) < 0.01}
    expected = {i for i, d in zip(present, dist, strict=True) if d <= meters}
    got = SpatialIndex(points).dwithin(*origin, meters)
    assert set(got.tolist()) - close == expected - close
    assert len(expected) >= 5


@pytest.mark.parametrize("meters", [300.0, 800.0])
def test_dwithin_on_polygons_and_lines_matches_a_metric_projection(index, meters):
    origin = destination(*CENTRE, 300, 700)
    dist = metric_distances(FEATURES, *origin)
    close = set(np.flatnonzero(np.abs(dist - meters) < 0.5).tolist())
    expected = set(np.flatnonzero(dist <= meters).tolist())
    got = set(index.dwithin(*origin, meters).tolist())
    assert got - close == expected - close
    assert len(expected - close) > 5


# --- several filters at once ------------------------------------------------------------------

FILTERS = {
    "bbox": (115.595, 34.365, 115.625, 34.390),
    "intersects": QUADRANTS["NE"],
    "within": shapely.buffer(Point(CENTRE), 0.02),
    "dwithin": (*destination(*CENTRE, 45, 600), 900.0),
}


def expected_for(name: str, value) -> tuple[set[int], set[int]]:
    """(matching positions, positions too close to a distance threshold to judge) by brute force."""
    if name == "bbox":
        return set(brute(FEATURES, shapely.box(*value).intersects)), set()
    if name == "intersects":
        return set(brute(FEATURES, value.intersects)), set()
    if name == "within":
        return set(brute(FEATURES, lambda g: g.within(value))), set()
    lon, lat, meters = value
    dist = metric_distances(FEATURES, lon, lat)
    return set(np.flatnonzero(dist <= meters).tolist()), set(np.flatnonzero(np.abs(dist - meters) < 0.5).tolist())


COMBOS = [c for r in range(1, 5) for c in itertools.combinations(FILTERS, r)]


@pytest.mark.parametrize("names", COMBOS, ids=["+".join(c) for c in COMBOS])
def test_query_returns_what_satisfies_every_filter(index, names):
    expected, close = set(range(len(FEATURES))), set()
    for name in names:
        hits, near = expected_for(name, FILTERS[name])
        expected &= hits
        close |= near
    got = index.query(**{name: FILTERS[name] for name in names})
    assert_positions(got, sorted(set(got.tolist())))
    assert set(got.tolist()) - close == expected - close


def test_query_without_filters_returns_every_present_geometry(index):
    assert_positions(index.query(), brute(FEATURES, lambda g: True))


@pytest.mark.parametrize(
    "filters",
    [
        {"intersects": None},
        {"within": shapely.Polygon()},
        {"intersects": QUADRANTS["NE"], "within": shapely.box(116, 35, 116.1, 35.1)},
        {"dwithin": (*CENTRE, -1.0)},
        {"dwithin": (*CENTRE, float("nan"))},
        {"dwithin": (float("nan"), CENTRE[1], 100.0)},
        {"bbox": (float("nan"), 34.0, 116.0, 35.0)},
    ],
    ids=["none", "empty", "disjoint", "negative-distance", "nan-distance", "nan-lon", "nan-bbox"],
)
def test_filters_that_cannot_match_give_an_empty_answer_not_an_error(index, filters):
    if "intersects" in filters and filters["intersects"] is None:
        assert_positions(index.intersects(None), [])
    else:
        assert_positions(index.query(**filters), [])
    assert_positions(index.contains_point(float("nan"), 34.0), [])


def test_an_empty_index_answers_every_question_with_nothing():
    layer = SpatialIndex()
    assert len(layer) == 0
    assert_positions(layer.query(**FILTERS), [])
    assert_positions(layer.contains_point(*CENTRE), [])
    assert_positions(layer.query(), [])


# --- writes -----------------------------------------------------------------------------------


def test_writes_are_seen_by_the_next_query(index):
    geoms = list(FEATURES)
    extra = scatter(60, seed=3)
    rng = np.random.default_rng(4)
    box = shapely.box(*FILTERS["bbox"])
    for step, new in enumerate(extra):
        action = ("replace", "append", "delete")[step % 3]
        if action == "append":
            assert index.append(new) == len(geoms)
            geoms.append(new)
        else:
            pos = int(rng.integers(len(geoms)))
            new = None if action == "delete" else new
            index.replace(pos, new) if action == "replace" else index.delete(pos)
            geoms[pos] = new
        if step % 10 == 9:
            assert_positions(index.bbox(*FILTERS["bbox"]), brute(geoms, box.intersects))
            assert_positions(index.contains_point(*CENTRE), brute(geoms, Point(CENTRE).intersects))
            assert_positions(index.query(within=QUADRANTS["SW"]), brute(geoms, lambda g: g.within(QUADRANTS["SW"])))
    assert index.geoms.tolist() == geoms


def test_a_query_snapshot_is_not_changed_by_a_later_write(index):
    before = index.geoms
    index.append(Point(CENTRE))
    index.delete(0)
    assert len(before) == len(FEATURES) and before[0] is FEATURES[0]
    with pytest.raises(ValueError, match="read-only"):
        index.geoms[1] = None


def test_bad_writes_are_refused(index):
    with pytest.raises(IndexError, match="outside the layer"):
        index.replace(len(FEATURES), Point(CENTRE))
    with pytest.raises(IndexError):
        index.delete(-1)
    with pytest.raises(TypeError, match="shapely geometries or None"):
        index.append("POINT (115.6 34.37)")
    with pytest.raises(TypeError):
        SpatialIndex([Point(CENTRE), (115.6, 34.37)])


def test_answers_stay_exact_through_many_writes_with_and_without_tree_rebuilds():
    """Replacements, appends and deletes interleaved with queries, checked against brute force each time."""
    import numpy as np

    rng = np.random.default_rng(5)

    def square():
        x, y = rng.uniform(115.5, 115.7), rng.uniform(34.3, 34.5)
        return shapely.box(x, y, x + rng.uniform(1e-4, 5e-3), y + rng.uniform(1e-4, 5e-3))

    geoms = [square() for _ in range(500)]
    layer = SpatialIndex(geoms)
    for step in range(600):  # well past the rebuild limit (64 dirty positions at this size)
        kind = rng.integers(3)
        if kind == 0:
            geoms.append(square())
            assert layer.append(geoms[-1]) == len(geoms) - 1
        else:
            pos = int(rng.integers(len(geoms)))
            geoms[pos] = square() if kind == 1 else None
            layer.replace(pos, geoms[pos])
        if step % 7 == 0:
            box = square().buffer(0.01)
            want = [i for i, g in enumerate(geoms) if g is not None and g.intersects(box)]
            assert layer.intersects(box).tolist() == want
            x, y = rng.uniform(115.5, 115.7), rng.uniform(34.3, 34.5)
            pt = shapely.Point(x, y)
            assert layer.contains_point(x, y).tolist() == [
                i for i, g in enumerate(geoms) if g is not None and g.intersects(pt)
            ]
    assert [g is None for g in layer.geoms.tolist()] == [g is None for g in geoms]
