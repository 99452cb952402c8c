"""GeoJSON input is checked before anything else and refused with a reason; output is RFC 7946."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
import shapely
from shapely import LineString, MultiPolygon, Point, Polygon

from hub.errors import GeometryError, LimitExceeded, SwappedCoordinatesError
from hub.geo.geojson import bbox_polygon, geometry_json, parse_geometry, point, to_geojson
from tests.unit.geo.shapes import BOWTIE, SQUARE, polygon, ring

LINE = [[115.60, 34.37], [115.61, 34.38]]
HOLE = [[115.603, 34.373], [115.603, 34.376], [115.606, 34.376], [115.606, 34.373], [115.603, 34.373]]
SQUARE_SHAPE = Polygon([p for p in SQUARE])


# --- what is accepted -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"type": "Point", "coordinates": [115.6097, 34.3767]}, Point(115.6097, 34.3767)),
        ({"type": "Point", "coordinates": [115.6097, 34.3767, 52.5]}, Point(115.6097, 34.3767)),
        ({"type": "MultiPoint", "coordinates": LINE}, shapely.MultiPoint(LINE)),
        ({"type": "LineString", "coordinates": LINE}, LineString(LINE)),
        (
            {"type": "MultiLineString", "coordinates": [LINE, LINE[::-1]]},
            shapely.MultiLineString([LINE, LINE[::-1]]),
        ),
        (polygon(SQUARE, HOLE), Polygon(SQUARE, [HOLE])),
        ({"type": "MultiPolygon", "coordinates": [[SQUARE]]}, MultiPolygon([SQUARE_SHAPE])),
        (
            {"type": "GeometryCollection", "geometries": [{"type": "LineString", "coordinates": LINE}]},
            shapely.GeometryCollection([LineString(LINE)]),
        ),
        ({"type": "Feature", "properties": {}, "geometry": polygon(SQUARE)}, SQUARE_SHAPE),
        (orjson.dumps(polygon(SQUARE)), SQUARE_SHAPE),
        (orjson.dumps(polygon(SQUARE)).decode(), SQUARE_SHAPE),
        (
            {"type": "LineString", "coordinates": [(115.6, 34.37), (np.float64(115.61), np.int64(34))]},
            LineString([(115.6, 34.37), (115.61, 34)]),
        ),
        (
            {
                "type": "Point",
                "coordinates": [115.6, 34.37],
                "crs": {"properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
            },
            Point(115.6, 34.37),
        ),
    ],
    ids=[
        "point",
        "point-z",
        "multipoint",
        "line",
        "multiline",
        "polygon-hole",
        "multipolygon",
        "collection",
        "feature",
        "json-bytes",
        "json-str",
        "numpy-and-tuples",
        "crs84",
    ],
)
def test_a_well_formed_geometry_is_returned_as_the_same_2d_shape(obj, expected):
    got = parse_geometry(obj)
    assert shapely.equals_exact(got, expected, tolerance=0)
    assert not shapely.has_z(got)


# --- what is refused, and how it is named ----------------------------------------------------

NAN = float("nan")
BAD = [
    (
        "malformed-json",
        '{"type": "Point",',
        GeometryError,
        "where.within",
        "where.within is not valid JSON: ",
    ),
    (
        "not-an-object",
        [115.6, 34.37],
        GeometryError,
        "where.within",
        "expected a GeoJSON object, got an array",
    ),
    ("missing-type", {"coordinates": [115.6, 34.37]}, GeometryError, "where.within", 'has no "type"'),
    (
        "unknown-type",
        {"type": "Circle", "coordinates": [115.6, 34.37]},
        GeometryError,
        "where.within",
        'unknown geometry type "Circle"',
    ),
    (
        "lowercase-type",
        {"type": "polygon", "coordinates": [SQUARE]},
        GeometryError,
        "where.within",
        "case-sensitive: Polygon?",
    ),
    (
        "feature-collection",
        {"type": "FeatureCollection", "features": []},
        GeometryError,
        "where.within",
        "expected a GeoJSON geometry, got FeatureCollection",
    ),
    (
        "feature-without-geometry",
        {"type": "Feature", "geometry": None},
        GeometryError,
        "where.within.geometry",
        "the Feature has no geometry",
    ),
    (
        "missing-coordinates",
        {"type": "Polygon"},
        GeometryError,
        "where.within",
        'Polygon has no "coordinates"',
    ),
    (
        "ring-not-closed",
        polygon([*SQUARE[:-1], [115.60, 34.371]]),
        GeometryError,
        "where.within.coordinates[0]",
        "ring 0 of polygon is not closed: first position [115.6, 34.37] differs from last [115.6, 34.371]",
    ),
    (
        "hole-not-closed",
        {"type": "MultiPolygon", "coordinates": [[SQUARE], [SQUARE, [*HOLE[:-1], HOLE[1]]]]},
        GeometryError,
        "where.within.coordinates[1][1]",
        "ring 1 of polygon 1 is not closed",
    ),
    (
        "longitude-200",
        polygon([SQUARE[0], SQUARE[1], [200, 34.38], SQUARE[0]]),
        GeometryError,
        "where.within.coordinates[0][2]",
        "longitude 200 is outside [-180, 180] at where.within.coordinates[0][2]",
    ),
    (
        "latitude-95",
        {"type": "Point", "coordinates": [120, 95]},
        GeometryError,
        "where.within.coordinates",
        "latitude 95 is outside [-90, 90]",
    ),
    (
        "swapped-point",
        {"type": "Point", "coordinates": [34.3767, 115.6097]},
        SwappedCoordinatesError,
        "where.within.coordinates",
        "coordinates look like [lat, lon]; GeoJSON wants [lon, lat] (got [34.3767, 115.6097] at "
        "where.within.coordinates)",
    ),
    (
        "swapped-polygon",
        polygon([[y, x] for x, y in SQUARE]),
        SwappedCoordinatesError,
        "where.within.coordinates[0][0]",
        "got [34.37, 115.6] at where.within.coordinates[0][0]",
    ),
    (
        "swapped-outside-china",
        {"type": "Point", "coordinates": [-33.9, 151.2]},
        SwappedCoordinatesError,
        "where.within.coordinates",
        "look like [lat, lon]",
    ),
    (
        "nan",
        {"type": "LineString", "coordinates": [LINE[0], [NAN, 34.38]]},
        GeometryError,
        "where.within.coordinates[1][0]",
        "nan is not a finite number",
    ),
    (
        "infinity",
        {"type": "Point", "coordinates": [115.6, float("inf")]},
        GeometryError,
        "where.within.coordinates[1]",
        "inf is not a finite number",
    ),
    (
        "boolean",
        {"type": "Point", "coordinates": [True, 34.37]},
        GeometryError,
        "where.within.coordinates[0]",
        "true is not a number",
    ),
    (
        "string-number",
        {"type": "Point", "coordinates": ["115.6", 34.37]},
        GeometryError,
        "where.within.coordinates[0]",
        '"115.6" is not a number',
    ),
    (
        "null-number",
        {"type": "Point", "coordinates": [115.6, None]},
        GeometryError,
        "where.within.coordinates[1]",
        "null is not a number",
    ),
    (
        "one-position-line",
        {"type": "LineString", "coordinates": [LINE[0]]},
        GeometryError,
        "where.within.coordinates",
        "a line needs at least 2 positions, got 1",
    ),
    (
        "three-position-ring",
        polygon([*SQUARE[:2], SQUARE[0]]),
        GeometryError,
        "where.within.coordinates[0]",
        "a ring needs at least 4 positions, got 3",
    ),
    (
        "empty-polygon",
        {"type": "Polygon", "coordinates": []},
        GeometryError,
        "where.within.coordinates",
        "a polygon needs at least 1 ring, got 0",
    ),
    (
        "empty-line",
        {"type": "LineString", "coordinates": []},
        GeometryError,
        "where.within.coordinates",
        "a line needs at least 2 positions, got 0",
    ),
    (
        "empty-point",
        {"type": "Point", "coordinates": []},
        GeometryError,
        "where.within.coordinates",
        "a position needs 2 or 3 numbers, got 0",
    ),
    (
        "empty-part",
        {"type": "MultiPolygon", "coordinates": [[SQUARE], []]},
        GeometryError,
        "where.within.coordinates[1]",
        "a polygon needs at least 1 ring, got 0",
    ),
    (
        "four-numbers",
        {"type": "Point", "coordinates": [115.6, 34.37, 0, 1]},
        GeometryError,
        "where.within.coordinates",
        "a position needs 2 or 3 numbers, got 4",
    ),
    (
        "too-shallow",
        {"type": "Polygon", "coordinates": SQUARE},
        GeometryError,
        "where.within.coordinates[0][0]",
        "a Polygon's coordinates look like [[[lon, lat], ...], ...]",
    ),
    (
        "coordinates-string",
        {"type": "LineString", "coordinates": "115.6 34.37"},
        GeometryError,
        "where.within.coordinates",
        "expected an array of positions, got the string",
    ),
    (
        "nested-collection",
        {"type": "GeometryCollection", "geometries": [{"type": "GeometryCollection", "geometries": []}]},
        GeometryError,
        "where.within.geometries[0]",
        "nested GeometryCollections are not supported",
    ),
    (
        "feature-in-collection",
        {"type": "GeometryCollection", "geometries": [{"type": "Feature", "geometry": polygon(SQUARE)}]},
        GeometryError,
        "where.within.geometries[0]",
        "expected a GeoJSON geometry, got Feature",
    ),
    (
        "empty-collection",
        {"type": "GeometryCollection", "geometries": []},
        GeometryError,
        "where.within.geometries",
        "non-empty geometries array",
    ),
    (
        "collection-member-swapped",
        {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [34.37, 115.6]}]},
        SwappedCoordinatesError,
        "where.within.geometries[0].coordinates",
        "look like [lat, lon]",
    ),
    (
        "foreign-crs",
        {"type": "Point", "coordinates": [115.6, 34.37], "crs": {"properties": {"name": "EPSG:3857"}}},
        GeometryError,
        "where.within.crs",
        'crs "EPSG:3857" is not supported',
    ),
    (
        "bowtie",
        polygon(BOWTIE),
        GeometryError,
        "where.within",
        "polygon is not valid: Self-intersection[115.605 34.375]",
    ),
]


@pytest.mark.parametrize(("obj", "error", "field", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_geometry_is_refused_with_a_message_naming_the_place(obj, error, field, message):
    with pytest.raises(error) as caught:
        parse_geometry(obj, field="where.within")
    assert type(caught.value) is error
    assert caught.value.field == field
    assert message in caught.value.message


def test_allowed_types_narrow_what_is_accepted():
    with pytest.raises(GeometryError, match=r"expected Polygon or MultiPolygon, got LineString at where\.within"):
        parse_geometry(
            {"type": "LineString", "coordinates": LINE},
            field="where.within",
            allowed={"MultiPolygon", "Polygon"},
        )


def test_an_unknown_allowed_type_is_a_programming_error():
    with pytest.raises(ValueError, match="Circle"):
        parse_geometry({"type": "Point", "coordinates": [115.6, 34.37]}, allowed={"Circle"})


# --- the vertex cap ---------------------------------------------------------------------------


def test_a_polygon_of_100000_vertices_is_refused_before_any_array_is_built():
    huge = polygon(ring(99_999))
    with pytest.raises(LimitExceeded) as caught:
        parse_geometry(huge, field="where.within")
    assert caught.value.message == "polygon has 100,000 vertices; the limit is 10,000"
    assert caught.value.field == "where.within"


@pytest.mark.parametrize(
    ("obj", "limit", "refused"),
    [
        (polygon(ring(9_999)), 10_000, False),
        (polygon(ring(10_000)), 10_000, True),
        ({"type": "MultiPolygon", "coordinates": [[ring(50, lon=115.5)], [ring(50, lon=115.7)]]}, 101, True),
        ({"type": "MultiPolygon", "coordinates": [[ring(50, lon=115.5)], [ring(49, lon=115.7)]]}, 101, False),
        ({"type": "GeometryCollection", "geometries": [polygon(ring(9)), polygon(ring(9))]}, 19, True),
    ],
)
def test_the_vertex_cap_counts_every_position_of_every_part(obj, limit, refused):
    if refused:
        with pytest.raises(LimitExceeded, match=f"the limit is {limit:,}"):
            parse_geometry(obj, max_vertices=limit)
    else:
        parse_geometry(obj, max_vertices=limit)


# --- repair -----------------------------------------------------------------------------------


def test_repair_turns_a_bowtie_into_a_multipolygon_of_its_two_triangles():
    fixed = parse_geometry(polygon(BOWTIE), repair=True)
    assert fixed.geom_type == "MultiPolygon"
    assert len(fixed.geoms) == 2
    assert fixed.is_valid
    assert fixed.area == pytest.approx(2 * 0.01 * 0.005 / 2)  # two triangles, base 0.01°, height 0.005°


def test_repair_drops_a_collapsed_spike_and_keeps_the_polygon():
    spiked = [
        [115.60, 34.37],
        [115.62, 34.37],
        [115.62, 34.39],
        [115.61, 34.39],
        [115.61, 34.40],
        [115.61, 34.39],
        [115.60, 34.39],
        [115.60, 34.37],
    ]
    fixed = parse_geometry(polygon(spiked), repair=True)
    assert fixed.geom_type == "Polygon"
    assert fixed.area == pytest.approx(0.02 * 0.02)


@pytest.mark.parametrize(
    ("obj", "allowed", "message"),
    [
        (
            polygon([[115.6, 34.3], [115.7, 34.3], [115.8, 34.3], [115.6, 34.3]]),
            None,
            "repair would turn the polygon into nothing",
        ),
        (
            {"type": "LineString", "coordinates": [[115.6, 34.3], [115.6, 34.3]]},
            None,
            "repair would turn the line into a Point",
        ),
        (polygon(BOWTIE), {"Polygon"}, "repair gives a MultiPolygon, not Polygon"),
    ],
    ids=["collinear-ring", "zero-length-line", "not-allowed"],
)
def test_a_repair_that_changes_the_kind_of_geometry_is_refused(obj, allowed, message):
    with pytest.raises(GeometryError, match=message):
        parse_geometry(obj, repair=True, allowed=allowed)


# --- bbox and point ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bbox", "bounds"),
    [
        ([115.60, 34.37, 115.61, 34.38], (115.60, 34.37, 115.61, 34.38)),
        ((115, 34, 116, 35), (115, 34, 116, 35)),
        ([115.6, 34.37, 115.6, 34.37], (115.6, 34.37, 115.6, 34.37)),
    ],
    ids=["floats", "ints-tuple", "degenerate"],
)
def test_a_bbox_becomes_a_polygon_with_those_bounds(bbox, bounds):
    assert bbox_polygon(bbox).bounds == bounds


@pytest.mark.parametrize(
    ("bbox", "error", "field", "message"),
    [
        ([115.6, 34.37, 115.61], GeometryError, "where.bbox", "got an array of 3"),
        ("115.6,34.37,115.61,34.38", GeometryError, "where.bbox", "got the string"),
        ([115.6, 34.37, False, 34.38], GeometryError, "where.bbox[2]", "maxLon false is not a number"),
        ([115.6, NAN, 115.61, 34.38], GeometryError, "where.bbox[1]", "minLat nan is not a finite number"),
        (
            [34.37, 115.6, 34.38, 115.61],
            SwappedCoordinatesError,
            "where.bbox",
            "bbox looks like [minLat, minLon, maxLat, maxLon]",
        ),
        ([115.6, 34.37, 181, 34.38], GeometryError, "where.bbox[2]", "longitude 181 is outside [-180, 180]"),
        (
            [115.6, 34.38, 115.61, 34.37],
            GeometryError,
            "where.bbox",
            "minLat 34.38 is greater than maxLat 34.37",
        ),
        ([179.5, -17, -179.5, -16], GeometryError, "where.bbox", "cross the antimeridian are not supported"),
    ],
    ids=["three-numbers", "string", "boolean", "nan", "swapped", "range", "lat-order", "antimeridian"],
)
def test_a_bad_bbox_is_refused_with_the_reason(bbox, error, field, message):
    with pytest.raises(error) as caught:
        bbox_polygon(bbox)
    assert type(caught.value) is error
    assert (caught.value.field, message in caught.value.message) == (field, True)


@pytest.mark.parametrize(
    ("lon", "lat", "error", "message"),
    [
        (34.3767, 115.6097, SwappedCoordinatesError, "lon and lat look swapped"),
        (200, 34.37, GeometryError, "longitude 200 is outside [-180, 180] at where.near"),
        (115.6, NAN, GeometryError, "latitude nan is not a finite number"),
        (115.6, "34.37", GeometryError, 'latitude "34.37" is not a number'),
    ],
)
def test_a_bad_point_is_refused_with_the_reason(lon, lat, error, message):
    with pytest.raises(error) as caught:
        point(lon, lat, field="where.near")
    assert caught.value.field == "where.near"
    assert message in caught.value.message


def test_a_good_point_is_returned_as_is():
    assert point(115.6097, 34.3767, field="where.near").equals(Point(115.6097, 34.3767))


# --- output -----------------------------------------------------------------------------------


def test_output_is_compact_and_rounded_to_six_decimals():
    line = LineString([(115.60971249, 34.37670051), (115.6, -1e-9)])
    assert geometry_json(line) == '{"type":"LineString","coordinates":[[115.609712,34.376701],[115.6,0.0]]}'
    assert geometry_json(line, precision=2) == '{"type":"LineString","coordinates":[[115.61,34.38],[115.6,0.0]]}'


def test_output_turns_exteriors_counter_clockwise_and_holes_clockwise():
    cw = Polygon(SQUARE[::-1], [HOLE[::-1]])  # exterior clockwise, hole counter-clockwise
    assert not cw.exterior.is_ccw
    for text in to_geojson([cw, MultiPolygon([cw, Polygon(HOLE)])]):
        for part in shapely.get_parts(shapely.from_geojson(text)):
            assert part.exterior.is_ccw
            assert not any(hole.is_ccw for hole in part.interiors)


def test_output_orientation_is_the_same_without_orient_polygons(monkeypatch):
    shapes = [Polygon(SQUARE[::-1], [HOLE[::-1]]), MultiPolygon([Polygon(HOLE)]), LineString(LINE), None]
    expected = to_geojson(shapes)
    monkeypatch.delattr(shapely, "orient_polygons")
    assert to_geojson(shapes) == expected


@pytest.mark.parametrize(
    ("geom", "text"),
    [
        (None, "null"),
        (Polygon(), '{"type":"Polygon","coordinates":[]}'),
        (Point(), '{"type":"Point","coordinates":[]}'),
        (shapely.GeometryCollection(), '{"type":"GeometryCollection","geometries":[]}'),
    ],
)
def test_missing_and_empty_geometries_have_defined_output(geom, text):
    assert geometry_json(geom) == text


def test_output_parses_back_to_the_rounded_geometry():
    shapes = [Polygon(SQUARE, [HOLE]), LineString(LINE), Point(115.6097, 34.3767)]
    texts = to_geojson(np.array(shapes, dtype=object))
    assert [parse_geometry(t).equals(s) for t, s in zip(texts, shapes, strict=True)] == [True] * 3
    assert to_geojson([]) == []


def test_a_point_is_written_with_the_same_coordinates_as_the_array_path():
    rng = np.random.default_rng(7)
    xs, ys = rng.uniform(-180, 180, 2000), rng.uniform(-90, 90, 2000)
    points = shapely.points(xs, ys)
    for one, many in zip(points, to_geojson(points), strict=True):
        assert orjson.loads(geometry_json(one)) == orjson.loads(many)
