"""Generalised tilings stay tilings: no overlaps, no gaps, every band a valid coverage.

The test tilings are built here from first principles: the Voronoi cells of seeded random points
in a 0.1° box at 115.6 E 34.4 N, whose edge network is densified and bent by a smooth warp
(x + f(y), y + g(x) with |f'|, |g'| < 1, so it is one-to-one and cannot make edges cross) and
polygonised, so neighbours share every vertex. Waves of 0.4, 1.6 and 6.4 thousandths of a degree
give each band's tolerance something to remove.

"No gaps" is checked two ways. Simplifying only the shared edges (``simplify_boundary=False``)
must leave the union of the tiling exactly as it was (symmetric difference below 1e-9 of the
area). Simplifying the outline too (the default) changes the union by design, so there the check
is that the union gains no holes and no edge moves by as much as a pixel (Hausdorff distance
below twice the tolerance), while simplifying each polygon on its own opens gaps deeper than its
tolerance inside the outline.
"""

from __future__ import annotations

import itertools
import json
import math
from functools import cache

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from hub.errors import GeometryError, InputError
from hub.geo.generalize import (
    LAT,
    ZOOM_BANDS,
    Generalized,
    band_for_zoom,
    min_area_deg2,
    pixel_deg,
    pixel_size_m,
    simplify_coverage,
    tolerance_for_band,
    visible,
)
from tests.common import FIXTURES

BANDS = range(len(ZOOM_BANDS))
SIMPLIFIED_BANDS = [b for b in BANDS if tolerance_for_band(b) > 0]
WAVES = (4e-4, 1.6e-3, 6.4e-3)
"""Wavelengths in degrees of the warp; each wave's amplitude is 3 % of its wavelength."""


# --- test tilings ----------------------------------------------------------------------------


def _warp(x0: float, y0: float):
    def warp(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        dx = sum(0.03 * w * np.sin(2 * np.pi * (y - y0) / w + i) for i, w in enumerate(WAVES))
        dy = sum(0.03 * w * np.sin(2 * np.pi * (x - x0) / w + 2 * i + 1) for i, w in enumerate(WAVES))
        return np.column_stack([x + dx, y + dy])

    return warp


@cache
def voronoi_tiling(n: int = 300, seed: int = 7, side: float = 0.1) -> np.ndarray:
    """``n`` polygons tiling a ``side``-degree box about (115.6, 34.4), with bent shared edges."""
    x0, y0 = 115.6 - side / 2, 34.4 - side / 2
    frame = shapely.box(x0, y0, x0 + side, y0 + side)
    seeds = np.random.default_rng(seed).uniform((x0, y0), (x0 + side, y0 + side), size=(n, 2))
    edges = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame, only_edges=True)
    network = shapely.union_all([shapely.intersection(edges, frame), frame.boundary])  # noded lines
    bent = shapely.transform(shapely.segmentize(network, 1e-4), _warp(x0, y0))
    cells = shapely.get_parts(shapely.polygonize(shapely.get_parts(bent)))
    cells.flags.writeable = False
    return cells


@cache
def tiling_with_lakes() -> np.ndarray:
    """The Voronoi tiling with a round lake cut out of each of its three largest cells.

    Two lakes form one MultiPolygon (a feature in two parts), the third is a Polygon of its own;
    each lake's ring is also the hole of the cell around it, vertex for vertex.
    """
    cells = list(voronoi_tiling())
    lakes = []
    for i in np.argsort(shapely.area(voronoi_tiling()))[-3:]:
        radius = shapely.maximum_inscribed_circle(cells[i])
        lake = shapely.buffer(shapely.get_point(radius, 0), radius.length / 2, quad_segs=16)
        cells[i] = shapely.Polygon(cells[i].exterior.coords, [lake.exterior.coords])
        lakes.append(lake)
    arr = np.array([*cells, shapely.MultiPolygon(lakes[:2]), lakes[2]], dtype=object)
    arr.flags.writeable = False
    return arr


TILINGS = {"voronoi": voronoi_tiling, "lakes": tiling_with_lakes}


@cache
def simplified(name: str, band: int, simplify_boundary: bool = True) -> np.ndarray:
    return simplify_coverage(TILINGS[name](), tolerance_for_band(band), simplify_boundary=simplify_boundary)


# --- independent measures --------------------------------------------------------------------


def overlap_areas(geoms: np.ndarray) -> np.ndarray:
    """Area of the intersection of every pair of geometries whose interiors or boundaries meet."""
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    pairs = i < j
    return shapely.area(shapely.intersection(geoms[i[pairs]], geoms[j[pairs]]))


def inner_gap_area(geoms: np.ndarray, outline: shapely.Geometry, depth: float) -> float:
    """Area of the part of ``outline`` deeper than ``depth`` inside it that ``geoms`` leave uncovered."""
    return shapely.difference(shapely.buffer(outline, -depth), shapely.union_all(geoms)).area


def mercator_pixel(z: int, lat: float = LAT, lon: float = 115.6) -> shapely.Polygon:
    """The lon/lat outline of one 256-px-tile pixel at zoom ``z`` centred on (lon, lat)."""
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    half = math.pi * 6_378_137 / 256 / 2**z
    x, y = to_merc.transform(lon, lat)
    xs, ys = [x - half, x + half, x + half, x - half], [y - half, y - half, y + half, y + half]
    lons, lats = to_merc.transform(xs, ys, direction="INVERSE")
    return shapely.Polygon(zip(lons, lats, strict=True))


# --- the test tilings are what they claim to be ----------------------------------------------


@pytest.mark.parametrize("name", TILINGS)
def test_the_test_tilings_are_valid_coverages_of_the_whole_box(name):
    geoms = TILINGS[name]()
    assert len(geoms) == (300 if name == "voronoi" else 302)
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    union = shapely.union_all(geoms)
    assert union.geom_type == "Polygon" and shapely.get_num_interior_rings(union) == 0
    assert union.area == pytest.approx(0.01, rel=1e-5)  # the warp moves the box's edges a little
    assert shapely.area(geoms).sum() == pytest.approx(union.area, rel=1e-9)


# --- every band is a tiling ------------------------------------------------------------------


@pytest.mark.parametrize("band", BANDS)
@pytest.mark.parametrize("name", TILINGS)
def test_each_band_is_a_valid_coverage_of_the_same_kinds_of_polygon(name, band):
    before, after = TILINGS[name](), simplified(name, band)
    assert len(after) == len(before)
    assert shapely.coverage_is_valid(after)
    assert shapely.is_valid(after).all() and not shapely.is_empty(after).any()
    assert (shapely.get_type_id(after) == shapely.get_type_id(before)).all()
    assert (shapely.get_num_interior_rings(after) == shapely.get_num_interior_rings(before)).all()


@pytest.mark.parametrize("band", BANDS)
@pytest.mark.parametrize("name", TILINGS)
def test_no_two_simplified_polygons_overlap(name, band):
    after = simplified(name, band)
    total = shapely.area(after).sum()
    assert shapely.union_all(after).area == pytest.approx(total, rel=1e-9)
    areas = overlap_areas(after)
    assert len(areas) > len(after)  # neighbours do touch: the check has pairs to look at
    assert areas.max() <= 1e-15 * total


@pytest.mark.parametrize("band", BANDS)
@pytest.mark.parametrize("name", TILINGS)
def test_simplifying_only_the_shared_edges_leaves_the_union_as_it_was(name, band):
    before, after = TILINGS[name](), simplified(name, band, simplify_boundary=False)
    assert shapely.coverage_is_valid(after)
    union = shapely.union_all(before)
    assert shapely.symmetric_difference(union, shapely.union_all(after)).area <= 1e-9 * union.area


@pytest.mark.parametrize("band", SIMPLIFIED_BANDS)
@pytest.mark.parametrize("name", TILINGS)
def test_simplifying_the_outline_too_opens_no_holes_and_moves_no_edge_a_pixel(name, band):
    before, after = TILINGS[name](), simplified(name, band)
    tol = tolerance_for_band(band)
    union_before, union_after = shapely.union_all(before), shapely.union_all(after)
    assert union_after.geom_type == "Polygon" and shapely.get_num_interior_rings(union_after) == 0
    assert shapely.hausdorff_distance(union_before.boundary, union_after.boundary) < 2 * tol
    assert shapely.hausdorff_distance(shapely.boundary(before), shapely.boundary(after)).max() < 2 * tol
    assert inner_gap_area(after, union_before, 2 * tol) == 0.0


@pytest.mark.parametrize("band", SIMPLIFIED_BANDS)
@pytest.mark.parametrize("name", TILINGS)
def test_simplifying_each_polygon_alone_opens_gaps_and_overlaps(name, band):
    # the counter-test: the same checks on per-polygon Douglas–Peucker with the same tolerance fail
    before = TILINGS[name]()
    tol = tolerance_for_band(band)
    alone = shapely.simplify(before, tol)
    total = shapely.area(alone).sum()
    assert not shapely.coverage_is_valid(alone)
    assert overlap_areas(alone).sum() > 1e-6 * total
    assert shapely.union_all(alone).area < (1 - 1e-6) * total
    # Douglas–Peucker moves no edge by more than tol, so what is uncovered deeper inside is a gap
    assert inner_gap_area(alone, shapely.union_all(before), 1.01 * tol) > 1e-6 * total


@pytest.mark.parametrize("name", TILINGS)
def test_vertex_counts_fall_as_the_zoom_falls(name):
    counts = [int(shapely.get_num_coordinates(simplified(name, b)).sum()) for b in BANDS]
    assert counts[-1] == shapely.get_num_coordinates(TILINGS[name]()).sum()
    assert all(lo < hi for lo, hi in itertools.pairwise(counts)), counts


# --- edge cases ------------------------------------------------------------------------------


def test_none_and_empty_entries_keep_their_places_and_change_nothing_else():
    geoms = voronoi_tiling(40, 3, 0.03)
    tol = tolerance_for_band(1)
    mixed = np.array([None, *geoms[:20], shapely.Polygon(), *geoms[20:], shapely.MultiPolygon()], dtype=object)
    out = simplify_coverage(mixed, tol)
    assert out[0] is None and out[21].is_empty and out[-1].is_empty
    kept = np.array([*out[1:21], *out[22:-1]], dtype=object)
    assert shapely.equals_identical(kept, simplify_coverage(geoms, tol)).all()


def test_tolerance_zero_hands_back_the_same_geometries():
    geoms = voronoi_tiling(40, 3, 0.03)
    out = simplify_coverage(geoms, 0.0)
    assert out is not geoms and all(a is b for a, b in zip(out, geoms, strict=True))


def test_an_empty_tiling_simplifies_to_an_empty_array():
    assert simplify_coverage([], 1e-3).tolist() == []
    assert simplify_coverage([None, None], 1e-3).tolist() == [None, None]


def test_polygons_far_smaller_than_the_tolerance_shrink_to_triangles_but_stay():
    speck = shapely.box(115.6, 34.4, 115.60001, 34.40001)  # about 1 m: a speck at every zoom below 16
    pond = shapely.buffer(shapely.Point(115.7, 34.4), 1e-5, quad_segs=8)  # fills a hole in the field around it
    field = shapely.Polygon(shapely.box(115.69, 34.39, 115.71, 34.41).exterior.coords, [pond.exterior.coords])
    out = simplify_coverage([speck, pond, field], tolerance_for_band(0))
    assert shapely.coverage_is_valid(out) and shapely.is_valid(out).all()
    assert shapely.get_num_coordinates(out[:2]).tolist() == [4, 4]  # triangles
    assert shapely.get_num_interior_rings(out[2]) == 1
    assert not visible(out[:2], 16).any()  # specks are dropped at drawing time instead


@pytest.mark.parametrize(
    "geom",
    [
        shapely.Point(115.6, 34.4),
        shapely.LineString([(115.6, 34.4), (115.7, 34.4)]),
        shapely.GeometryCollection([shapely.box(0, 0, 1, 1)]),
    ],
    ids=["point", "line", "collection"],
)
def test_a_geometry_that_is_not_polygonal_is_refused(geom):
    with pytest.raises(GeometryError, match=f"item 1 is a {geom.geom_type}") as err:
        simplify_coverage([shapely.box(0, 0, 1, 1), geom], 0.1)
    assert err.value.code == "BAD_GEOMETRY" and err.value.field == "[1]"


def test_an_empty_geometry_of_any_kind_passes_through():
    empties = [shapely.Point(), shapely.LineString(), shapely.GeometryCollection()]
    assert all(a is b for a, b in zip(simplify_coverage(empties, 0.1), empties, strict=True))


@pytest.mark.parametrize("tolerance", [-1e-6, math.nan])
def test_a_negative_or_nan_tolerance_is_refused(tolerance):
    with pytest.raises(ValueError, match="tolerance must be at least 0"):
        simplify_coverage([shapely.box(0, 0, 1, 1)], tolerance)


# --- zooms, tolerances and pixels ------------------------------------------------------------


@pytest.mark.parametrize(
    ("zoom", "band"),
    [(0, 0), (9, 0), (9.01, 1), (10, 1), (11, 1), (12, 2), (13, 2), (14, 3), (15, 3), (15.5, 4), (16, 4), (24, 4)],
)
def test_zooms_map_to_their_bands(zoom, band):
    assert band_for_zoom(zoom) == band
    lo, hi = ZOOM_BANDS[band]
    assert lo <= math.ceil(zoom) and (hi is None or math.ceil(zoom) <= hi)


@pytest.mark.parametrize("zoom", [-1, -0.5, math.nan, "9", None, True])
def test_a_zoom_that_is_not_a_number_of_at_least_zero_is_refused(zoom):
    with pytest.raises(InputError, match="a zoom must be a number of at least 0") as err:
        band_for_zoom(zoom)
    assert err.value.field == "zoom" and err.value.code == "BAD_INPUT"


def test_the_bands_cover_every_zoom_once_and_only_the_top_is_not_simplified():
    assert ZOOM_BANDS[0].lo == 0
    for (_, hi), (lo, _) in itertools.pairwise(ZOOM_BANDS):
        assert lo == hi + 1
    tolerances = [tolerance_for_band(b) for b in BANDS]
    assert tolerances[-1] == 0.0
    assert all(a > b for a, b in itertools.pairwise(tolerances))


@pytest.mark.parametrize("band", SIMPLIFIED_BANDS)
def test_the_tolerance_is_half_the_height_of_a_mercator_pixel_in_degrees(band):
    # independent: project one pixel's corners back from EPSG:3857 with PROJ
    minx, miny, maxx, maxy = mercator_pixel(ZOOM_BANDS[band].hi).bounds
    assert tolerance_for_band(band) == pytest.approx((maxy - miny) / 2, rel=1e-5)
    assert (maxy - miny) < (maxx - minx)  # the height is the smaller side in degrees: the finer choice


@pytest.mark.parametrize("band", [-1, 5, 1.0, True])
def test_a_band_that_does_not_exist_is_refused(band):
    with pytest.raises(ValueError, match="no zoom band"):
        tolerance_for_band(band)


@pytest.mark.parametrize("z", [0, 9, 13, 16, 20])
def test_the_pixel_is_the_projected_pixel_on_the_map_and_on_the_ground(z):
    pixel = mercator_pixel(z)
    minx, miny, maxx, maxy = pixel.bounds
    dlon, dlat = pixel_deg(z)
    assert dlon == pytest.approx(maxx - minx, rel=1e-9)
    assert dlat == pytest.approx(maxy - miny, rel=1e-5 if z >= 9 else 0.2)  # first order in the pixel
    assert min_area_deg2(z) == pytest.approx(pixel.area, rel=1e-5 if z >= 9 else 0.2)
    if z >= 9:  # on the ellipsoid a pixel is within 0.5 % of the spherical formula's ground size
        _, _, across = Geod(ellps="WGS84").inv(115.6, LAT, 115.6 + dlon, LAT)
        assert pixel_size_m(z) == pytest.approx(across, rel=5e-3)


def test_a_pixel_halves_with_each_zoom():
    assert pixel_size_m(10) == pytest.approx(pixel_size_m(9) / 2)
    assert min_area_deg2(10) == pytest.approx(min_area_deg2(9) / 4)


def test_features_under_a_pixel_are_not_visible():
    pixel = min_area_deg2(12)
    side = math.sqrt(pixel)
    under = shapely.box(115.6, 34.4, 115.6 + side * 0.7, 34.4 + side * 0.7)  # half a pixel of area
    sliver = shapely.box(115.6, 34.4, 115.6 + 0.01, 34.4 + pixel / 0.01 / 2)  # 900 m long, half a pixel of area
    over = shapely.box(115.6, 34.4, 115.6 + side * 1.1, 34.4 + side * 1.1)
    assert visible([under, sliver, over, None, shapely.Polygon(), shapely.Point(115.6, 34.4)], 12).tolist() == [
        False,
        False,
        True,
        False,
        False,
        False,
    ]
    assert visible([under, sliver], 13).tolist() == [True, True]  # a pixel at zoom 13 is a quarter


@pytest.mark.parametrize("z", [3, 9, 12, 16])
def test_the_cells_of_the_test_tiling_are_visible_when_they_cover_a_projected_pixel(z):
    cells = voronoi_tiling()
    area, pixel = shapely.area(cells), mercator_pixel(z).area
    assert not (np.abs(area / pixel - 1) < 1e-3).any()  # no cell so close to a pixel that rounding decides
    assert (visible(cells, z) == (area >= pixel)).all()


# --- Generalized -----------------------------------------------------------------------------


def small_tiling() -> np.ndarray:
    return voronoi_tiling(40, 3, 0.03)


def assert_same_bands(gen: Generalized, expected: np.ndarray) -> None:
    for b in BANDS:
        want = simplify_coverage(expected, tolerance_for_band(b))
        got = gen.band(b)
        assert len(got) == len(want)
        assert all((g is None and w is None) or shapely.equals_identical(g, w) for g, w in zip(got, want, strict=True))


@pytest.mark.parametrize("z", [0, 5, 9, 10, 11, 12, 13, 14, 15, 16, 18, 12.5])
def test_generalized_draws_each_zoom_with_the_simplification_of_its_band(z):
    geoms = small_tiling()
    gen = Generalized(geoms)
    want = simplify_coverage(geoms, tolerance_for_band(band_for_zoom(z)))
    assert shapely.equals_identical(gen.at_zoom(z), want).all()
    assert gen.at_zoom(z) is gen.band(band_for_zoom(z))


def test_the_top_band_is_the_tiling_itself():
    geoms = small_tiling()
    gen = Generalized(geoms)
    assert len(gen) == len(geoms) and all(a is b for a, b in zip(gen.at_zoom(16), geoms, strict=True))
    assert gen.geoms is gen.at_zoom(16)


def test_appending_gives_what_a_fresh_build_gives():
    geoms = small_tiling()
    gen = Generalized(geoms[:-1])
    assert gen.append(geoms[-1]) == len(geoms) - 1
    assert_same_bands(gen, geoms)


def test_merging_two_neighbours_by_replace_keeps_every_band_a_tiling():
    geoms = small_tiling()
    tree = shapely.STRtree(geoms)
    j = next(int(k) for k in tree.query(geoms[0], predicate="touches") if k != 0)
    merged = shapely.union(geoms[0], geoms[j])
    edited = geoms.copy()
    edited[0], edited[j] = merged, None
    assert shapely.coverage_is_valid(edited)  # the edit itself is a tiling

    gen = Generalized(geoms)
    gen.replace(0, merged)
    gen.replace(j, None)
    assert_same_bands(gen, edited)
    for b in BANDS:
        assert shapely.coverage_is_valid(gen.band(b)) and gen.band(b)[j] is None


def test_a_bad_write_changes_nothing():
    geoms = small_tiling()
    gen = Generalized(geoms)
    before = gen.band(0)
    with pytest.raises(GeometryError):
        gen.replace(0, shapely.Point(115.6, 34.4))
    with pytest.raises(GeometryError):
        gen.append(shapely.LineString([(0, 0), (1, 1)]))
    with pytest.raises(IndexError, match="outside the tiling"):
        gen.replace(len(geoms), None)
    assert gen.band(0) is before and len(gen) == len(geoms)


def test_the_arrays_handed_out_are_read_only():
    gen = Generalized(small_tiling())
    for z in (0, 16):
        with pytest.raises(ValueError, match="read-only"):
            gen.at_zoom(z)[0] = None


def test_an_empty_generalized_tiling_answers_every_zoom():
    gen = Generalized()
    assert len(gen) == 0 and gen.at_zoom(3).tolist() == []
    assert gen.append(shapely.box(115.6, 34.4, 115.61, 34.41)) == 0
    assert shapely.get_num_coordinates(gen.at_zoom(3)).tolist() == [5]


def test_a_reader_keeps_the_bands_it_was_given_across_a_write():
    gen = Generalized(small_tiling())
    held = gen.at_zoom(10)
    gen.replace(0, None)
    assert held[0] is not None and gen.at_zoom(10)[0] is None


# --- the Suiyang fixture tilings -------------------------------------------------------------


@cache
def fixture_tiling(name: str) -> np.ndarray | None:
    path = FIXTURES / f"{name}.geojson"
    if not path.exists():
        return None
    doc = json.loads(path.read_text(encoding="utf-8"))
    return np.array([shapely.from_geojson(json.dumps(f["geometry"])) for f in doc["features"]], dtype=object)


@cache
def fixture_generalized(name: str) -> Generalized:
    return Generalized(fixture_tiling(name))


@pytest.mark.parametrize("band", BANDS)
@pytest.mark.parametrize("name", ["subdistricts", "communities", "grids", "sectors"])
def test_the_suiyang_tilings_stay_valid_coverages_in_every_band(name, band):
    geoms = fixture_tiling(name)
    if geoms is None:
        pytest.skip(f"no fixture {name}.geojson")
    assert shapely.coverage_is_valid(geoms)  # a tiling to begin with
    after = fixture_generalized(name).band(band)
    assert shapely.coverage_is_valid(after)
    assert shapely.is_valid(after).all() and not shapely.is_empty(after).any()
    assert shapely.union_all(after).area == pytest.approx(shapely.area(after).sum(), rel=1e-9)
    assert shapely.get_num_coordinates(after).sum() <= shapely.get_num_coordinates(geoms).sum()
