"""Spatial filters return exactly the features whose geometry meets them, across pages.

Expectations come from the fixture files through geopandas (a brute-force shapely predicate, or
distances in the EPSG:4548 Gauss–Krüger projection), never from the hub's own index.
"""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import box, mapping

from hub.geo.measure import destination
from tests.common import CENTRE, layer

PAGE = """query($where: SpatialFilter, $after: String, $first: Int) {
  compounds(where: $where, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { compoundId } } } }"""


def all_pages(run, where, first=70):
    ids, after, total = [], None, None
    while True:
        out = run(PAGE, {"where": where, "after": after, "first": first})
        assert "errors" not in out, out
        conn = out["data"]["compounds"]
        total = conn["totalCount"]
        ids += [e["node"]["compoundId"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            return ids, total
        after = conn["pageInfo"]["endCursor"]


def expected_ids(mask):
    return sorted(int(i) for i in layer("compounds").loc[mask, "id"])


@pytest.mark.parametrize(
    "bbox",
    [
        (115.58, 34.36, 115.64, 34.40),
        (115.60, 34.37, 115.61, 34.38),
        (115.0, 34.0, 116.0, 35.0),
    ],
)
def test_a_bbox_returns_exactly_the_compounds_that_intersect_it_across_pages(run, bbox):
    df = layer("compounds")
    want = expected_ids(df.geometry.intersects(box(*bbox)))
    got, total = all_pages(run, {"bbox": list(bbox)})
    assert got == want
    assert total == len(want)


def test_an_empty_box_far_away_returns_nothing(run):
    got, total = all_pages(run, {"bbox": [100.0, 20.0, 100.1, 20.1]})
    assert (got, total) == ([], 0)


def test_a_polygon_filter_returns_the_compounds_that_intersect_it_and_within_those_inside_it(run):
    poly = shapely.Polygon([(115.59, 34.36), (115.63, 34.365), (115.625, 34.395), (115.595, 34.39)])
    df = layer("compounds")
    got, total = all_pages(run, {"intersects": mapping(poly)})
    assert got == expected_ids(df.geometry.intersects(poly)) and total == len(got)
    got, total = all_pages(run, {"within": mapping(poly)})
    assert got == expected_ids(df.geometry.within(poly)) and total == len(got)
    assert total > 0


@pytest.mark.parametrize("meters", [250.0, 800.0, 2500.0])
def test_a_distance_filter_matches_distances_measured_in_the_gauss_kruger_projection(run, meters):
    lon, lat = destination(*CENTRE, 30, 400)
    df = layer("compounds").to_crs("EPSG:4548")
    here = shapely.Point(*_project(lon, lat))
    dist = df.geometry.distance(here)
    got, total = all_pages(run, {"dWithin": {"lon": lon, "lat": lat, "meters": meters}})
    clear = (dist - meters).abs() > 1.0  # ignore features within a metre of the threshold
    want_inside = set(expected_ids(clear & (dist <= meters)))
    want_outside = set(expected_ids(clear & (dist > meters)))
    assert want_inside <= set(got)
    assert not (want_outside & set(got))
    assert total == len(got)


def test_conditions_combine_with_and(run):
    bbox = [115.58, 34.36, 115.64, 34.40]
    poly = shapely.Point(*CENTRE).buffer(0.01)
    df = layer("compounds")
    want = expected_ids(df.geometry.intersects(box(*bbox)) & df.geometry.intersects(poly))
    got, _ = all_pages(run, {"bbox": bbox, "intersects": mapping(poly)})
    assert got == want


def test_grids_and_occupations_take_the_same_filter(run):
    bbox = [115.60, 34.37, 115.62, 34.39]
    out = run(
        """query($w: SpatialFilter) { grids(where: $w, first: 1000) { totalCount }
        occupations(where: $w, first: 1000) { totalCount } }""",
        {"w": {"bbox": bbox}},
    )
    assert out["data"]["grids"]["totalCount"] == int(layer("grids").geometry.intersects(box(*bbox)).sum())
    assert out["data"]["occupations"]["totalCount"] == int(layer("occupations").geometry.intersects(box(*bbox)).sum())


def _project(lon, lat):
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:4548", always_xy=True).transform(lon, lat)
