"""Drawn areas, distances, nearest records and lists by distance, checked against pyproj and shapely in the test."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import mapping
from shapely.ops import nearest_points

from hub.geo.datum import wgs84_to_gcj02
from hub.geo.measure import destination
from tests.common import CENTRE, layer

GEOD = Geod(ellps="WGS84")
POINT = destination(*CENTRE, 200, 900)


def area_m2(geom: shapely.Geometry) -> float:
    return 0.0 if geom.is_empty else abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))[0])


@cache
def aeqd(lon: float, lat: float) -> Transformer:
    return Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84", always_xy=True)


def distance_m(geom: shapely.Geometry, lon: float, lat: float) -> float:
    """Geod.inv to the nearest point, found in an azimuthal equidistant projection about the point."""
    t = aeqd(lon, lat)
    planar = shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
    near = nearest_points(shapely.Point(0, 0), planar)[1]
    return float(GEOD.inv(lon, lat, *t.transform(near.x, near.y, direction="INVERSE"))[2])


def drawn_around_occupations() -> shapely.Geometry:
    """A polygon of about 1 km² crossing some of the demo's occupations."""
    occ = layer("occupations")
    c = occ.geometry.iloc[0].centroid
    return shapely.Polygon([destination(c.x, c.y, b, 700) for b in (10, 100, 190, 280)])


def test_the_occupied_area_inside_a_drawn_polygon_is_the_geodesic_area_of_the_intersections(run):
    area = drawn_around_occupations()
    occ = layer("occupations")
    pieces = [shapely.intersection(g, area) for g in occ.geometry]
    want_total = sum(area_m2(p) for p in pieces)
    want_cleared = sum(area_m2(p) for p, s in zip(pieces, occ["status"], strict=True) if s == "CLEARED")
    meeting = sum(1 for g in occ.geometry if g.intersects(area))
    out = run(
        """query($a: GeoJSON!) { drawnArea(area: {geometry: $a}) { areaM2 occupations occupationAreaM2
             clearedAreaM2 occupiedAreaM2 held { layer count } } }""",
        {"a": mapping(area)},
    )["data"]["drawnArea"]
    assert out["areaM2"] == pytest.approx(area_m2(area), rel=1e-9)
    assert out["occupations"] == meeting > 0
    assert out["occupationAreaM2"] == pytest.approx(want_total, abs=1e-6)
    assert out["clearedAreaM2"] == pytest.approx(want_cleared, abs=1e-6)
    assert out["occupiedAreaM2"] == pytest.approx(want_total - want_cleared, abs=1e-6)
    held = {h["layer"]: h["count"] for h in out["held"]}
    assert held["compounds"] == sum(1 for g in layer("compounds").geometry if g.intersects(area))


def test_a_polygon_cutting_an_occupation_in_two_counts_only_the_part_inside(run):
    occ = layer("occupations").geometry.iloc[3]
    minx, miny, maxx, maxy = occ.bounds
    half = shapely.box(minx - 0.001, miny - 0.001, (minx + maxx) / 2, maxy + 0.001)
    out = run(
        """query($a: GeoJSON!) { occupationFigures(clip: {geometry: $a}) { total { count areaM2 } } }""",
        {"a": mapping(half)},
    )["data"]["occupationFigures"]["total"]
    assert out["count"] == 1
    assert out["areaM2"] == pytest.approx(area_m2(shapely.intersection(occ, half)), abs=1e-6)
    assert 0 < out["areaM2"] < area_m2(occ)


def test_the_same_groupings_restricted_to_a_drawn_area(run):
    area = drawn_around_occupations()
    out = run(
        """query($a: GeoJSON!) { compoundFigures(groupBy: [SUBDISTRICT], clip: {geometry: $a}) {
             total { count areaM2 } groups { key { subdistrict { code } } count } } }""",
        {"a": mapping(area)},
    )["data"]["compoundFigures"]
    compounds = layer("compounds")
    inside = [g for g in compounds.geometry if g.intersects(area)]
    assert out["total"]["count"] == len(inside) == sum(g["count"] for g in out["groups"])
    assert out["total"]["areaM2"] == pytest.approx(
        sum(area_m2(shapely.intersection(g, area)) for g in inside), abs=1e-4
    )


@pytest.mark.parametrize(
    ("geometry", "code", "words"),
    [
        ({"type": "Polygon", "coordinates": []}, "BAD_GEOMETRY", "at least 1 ring"),
        (
            {"type": "Polygon", "coordinates": [[[115.60, 34.37], [115.61, 34.38], [115.61, 34.37], [115.60, 34.38],
                                                 [115.60, 34.37]]]},
            "BAD_GEOMETRY",
            "Self-intersection",
        ),
        ({"type": "Point", "coordinates": [115.6, 34.37]}, "BAD_GEOMETRY", "Polygon"),
    ],
)  # fmt: skip
def test_an_empty_or_self_intersecting_drawn_polygon_is_refused_with_the_reason(run, geometry, code, words):
    for document, field in (
        ("query($a: GeoJSON!) { drawnArea(area: {geometry: $a}) { areaM2 } }", "area"),
        ("query($a: GeoJSON!) { occupationFigures(clip: {geometry: $a}) { total { count } } }", "clip"),
    ):
        out = run(document, {"a": geometry})
        error = out["errors"][0]
        assert error["extensions"]["code"] == code and words in error["message"], error
        assert error["extensions"]["field"].startswith(field)


DISTANCE = """query($p: DistanceFrom!) {
  compounds(first: 1000) { nodes { compoundId distanceM(from: $p) } }
  sectors { code distanceM(from: $p) }
  merchants(first: 1000) { nodes { code distanceM(from: $p) } } }"""


def test_distances_equal_pyproj_to_the_nearest_point_within_half_a_metre(run):
    out = run(DISTANCE, {"p": {"lon": POINT[0], "lat": POINT[1]}})["data"]
    compounds = layer("compounds").set_index("id")
    for n in out["compounds"]["nodes"][::7]:
        assert n["distanceM"] == pytest.approx(distance_m(compounds.geometry[n["compoundId"]], *POINT), abs=0.5)
    sectors = layer("sectors").set_index("code")
    for s in out["sectors"]:
        assert s["distanceM"] == pytest.approx(distance_m(sectors.geometry[s["code"]], *POINT), abs=0.5)
    merchants = layer("merchants").set_index("id")
    for m in out["merchants"]["nodes"][::11]:
        assert m["distanceM"] == pytest.approx(distance_m(merchants.geometry[m["code"]], *POINT), abs=0.5)


def test_a_point_given_in_gcj02_measures_the_same_distance(run):
    lon, lat = wgs84_to_gcj02(*POINT)
    q = "query($p: DistanceFrom!) { sectors { code distanceM(from: $p) } }"
    wgs = run(q, {"p": {"lon": POINT[0], "lat": POINT[1]}})["data"]["sectors"]
    gcj = run(q, {"p": {"lon": float(lon), "lat": float(lat), "crs": "GCJ02"}})["data"]["sectors"]
    assert [s["distanceM"] for s in gcj] == pytest.approx([s["distanceM"] for s in wgs], abs=0.5)


@pytest.mark.parametrize(("layer_name", "k"), [("COMPOUNDS", 10), ("MERCHANTS", 25), ("GRIDS", 1)])
def test_nearest_k_equals_a_brute_force_sort(run, layer_name, k):
    files = {"COMPOUNDS": ("compounds", "id"), "MERCHANTS": ("merchants", "id"), "GRIDS": ("grids", "code")}
    name, key = files[layer_name]
    df = layer(name)
    brute = sorted((distance_m(g, *POINT), str(i)) for g, i in zip(df.geometry, df[key], strict=True))
    out = run(
        f"""{{ nearest(layer: {layer_name}, lon: {POINT[0]}, lat: {POINT[1]}, k: {k}) {{ distanceM
              node {{ ... on Compound {{ compoundId }} ... on Merchant {{ code }} ... on Grid {{ code }} }} }} }}"""
    )["data"]["nearest"]
    assert [h["distanceM"] for h in out] == pytest.approx([d for d, _ in brute[:k]], abs=0.5)
    got = [str(h["node"].get("compoundId", h["node"].get("code"))) for h in out]
    assert got == [i for _, i in brute[:k]]


def test_nearest_unsigned_merchants_within_a_distance(run):
    out = run(
        f"""{{ nearest(layer: MERCHANTS, lon: {CENTRE[0]}, lat: {CENTRE[1]}, k: 1000, maxMeters: 300, signed: false)
              {{ distanceM node {{ ... on Merchant {{ code }} }} }} }}"""
    )["data"]["nearest"]
    m = layer("merchants")
    want = sorted(
        d for g, a in zip(m.geometry, m["agreement"], strict=True) if a is None and (d := distance_m(g, *CENTRE)) <= 300
    )
    assert [h["distanceM"] for h in out] == pytest.approx(want, abs=0.5)


@pytest.mark.parametrize(
    ("args", "code", "field"),
    [
        ("k: 0", "BAD_INPUT", "k"),
        ("k: -3", "BAD_INPUT", "k"),
        ("k: 1001", "LIMIT_EXCEEDED", "k"),
        ("k: 5, maxMeters: -1", "BAD_INPUT", "maxMeters"),
        ("k: 5, signed: true", "BAD_INPUT", "signed"),
    ],
)
def test_nearest_refuses_k_out_of_range_and_filters_that_do_not_apply(run, args, code, field):
    out = run(f"{{ nearest(layer: COMPOUNDS, lon: 115.6, lat: 34.37, {args}) {{ distanceM }} }}")
    assert out["errors"][0]["extensions"]["code"] == code
    assert out["errors"][0]["extensions"]["field"] == field


@pytest.mark.parametrize("field", ["compounds", "merchants", "grids", "occupations", "communities"])
def test_every_list_with_a_spatial_filter_can_be_ordered_by_distance_page_after_page(run, field):
    q = f"""query($after: String, $p: PointInput, $d: DistanceFrom!) {{ {field}(where: {{
          bbox: [115.55, 34.33, 115.72, 34.46], orderByDistanceFrom: $p }}, first: 7, after: $after) {{
          totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ id distanceM(from: $d) }} }} }}"""
    point = {"lon": POINT[0], "lat": POINT[1]}
    seen, after = [], None
    for _ in range(3):
        page = run(q, {"after": after, "p": point, "d": point})["data"][field]
        seen += page["nodes"]
        after = page["pageInfo"]["endCursor"]
    distances = [n["distanceM"] for n in seen]
    assert distances == sorted(distances)
    assert len({n["id"] for n in seen}) == len(seen) == 21


def test_locate_takes_a_crs(run):
    lon, lat = destination(*CENTRE, 45, 500)
    glon, glat = wgs84_to_gcj02(lon, lat)
    q = (
        "query($lon: Float!, $lat: Float!, $crs: Crs) "
        "{ locate(lon: $lon, lat: $lat, crs: $crs) { lon lat sector { code } } }"
    )
    out = run(q, {"lon": float(glon), "lat": float(glat), "crs": "GCJ02"})["data"]["locate"]
    assert out["sector"]["code"] == "NE"
    assert (out["lon"], out["lat"]) == pytest.approx((lon, lat), abs=1e-5)
