"""featureCollection and coordinates for Chinese base maps: same features as the typed API, fewer bytes of work."""

from __future__ import annotations

import uuid

import numpy as np
import pytest
import shapely
from shapely.geometry import box, mapping, shape

from hub.geo import datum
from hub.geo.generalize import pixel_deg
from tests.common import layer

FC = """query($layer: Layer!, $where: SpatialFilter, $zoom: Float, $crs: Crs, $props: [String!], $limit: Int,
              $after: String) {
  featureCollection(layer: $layer, where: $where, zoom: $zoom, crs: $crs, properties: $props, limit: $limit,
                    after: $after) }"""
BBOX = [115.58, 34.36, 115.64, 34.40]


def fc(run, **variables):
    out = run(FC, variables, role=variables.pop("role", "public"))
    assert "errors" not in out, out
    return out["data"]["featureCollection"]


def test_a_feature_collection_holds_exactly_the_typed_lists_features(run):
    got = fc(run, layer="COMPOUNDS", where={"bbox": BBOX}, props=["name", "managementMode"])
    typed = run(
        """query($w: SpatialFilter) { compounds(where: $w, first: 1000) { totalCount
                 nodes { compoundId name managementMode geometry } } }""",
        {"w": {"bbox": BBOX}},
    )["data"]["compounds"]
    assert got["type"] == "FeatureCollection"
    assert got["numberMatched"] == typed["totalCount"] == len(got["features"])
    by_id = {n["compoundId"]: n for n in typed["nodes"]}
    for f in got["features"]:
        node = by_id[f["id"]]
        assert f["properties"] == {"name": node["name"], "managementMode": node["managementMode"]}
        assert f["geometry"] == node["geometry"]


def test_only_the_asked_properties_come_back_and_unknown_ones_are_refused(run):
    got = fc(run, layer="GRIDS", where={"bbox": BBOX}, props=["code"], limit=5)
    assert all(set(f["properties"]) == {"code"} for f in got["features"])
    out = run(FC, {"layer": "GRIDS", "props": ["nonsense"]})
    assert out["errors"][0]["extensions"]["code"] == "BAD_INPUT" and "workerName" in out["errors"][0]["message"]


def test_personal_properties_follow_the_viewers_role(run):
    public = fc(run, layer="GRIDS", props=["workerName"], limit=20)
    assert all(f["properties"]["workerName"].endswith("*") for f in public["features"])
    refused = run(FC, {"layer": "GRIDS", "props": ["workerPhone"]})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    admin = fc(run, layer="GRIDS", props=["workerName", "workerPhone"], limit=20, role="admin")
    assert all(not f["properties"]["workerName"].endswith("*") for f in admin["features"])
    assert all(len(f["properties"]["workerPhone"]) == 11 for f in admin["features"])


def test_past_the_limit_the_collection_says_so_and_next_gets_the_rest(run):
    first = fc(run, layer="GRIDS", where={"bbox": BBOX}, limit=700)
    assert first["numberReturned"] == 700 < first["numberMatched"]
    assert "limit" in first["message"]
    ids = [f["id"] for f in first["features"]]
    after = first["next"]
    while after:
        page = fc(run, layer="GRIDS", where={"bbox": BBOX}, limit=700, after=after)
        ids += [f["id"] for f in page["features"]]
        after = page.get("next")
    expected = layer("grids")[layer("grids").geometry.intersects(box(*BBOX))]
    assert sorted(ids) == sorted(expected["code"]) and len(ids) == len(set(ids))


def test_a_limit_beyond_the_cap_is_refused(run):
    out = run(FC, {"layer": "GRIDS", "limit": 1_000_000})
    assert out["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


@pytest.mark.parametrize("zoom", [8, 10, 12, 14])
@pytest.mark.parametrize("name", ["COMMUNITIES", "SUBDISTRICTS", "SECTORS"])
def test_generalised_tilings_keep_shared_borders_with_no_gaps_or_overlaps(run, name, zoom):
    got = fc(run, layer=name, zoom=zoom, props=[])
    geoms = np.array([shape(f["geometry"]) for f in got["features"]], dtype=object)
    assert shapely.coverage_is_valid(geoms)
    areas = shapely.area(geoms)
    union = shapely.union_all(geoms).area
    assert union == pytest.approx(areas.sum(), rel=1e-9)
    full = shapely.union_all(np.array([shape(f["geometry"]) for f in fc(run, layer=name, props=[])["features"]]))
    # the outline moves by less than a pixel: the changed area is under one pixel along the perimeter
    changed = shapely.symmetric_difference(shapely.union_all(geoms), full).area
    assert changed < full.length * pixel_deg(zoom)[1]


def test_generalisation_drops_vertices_as_zoom_falls_and_sub_pixel_features_vanish(run):
    def vertices(z):
        return sum(
            len(shapely.get_coordinates(shape(f["geometry"])))
            for f in fc(run, layer="COMMUNITIES", zoom=z, props=[])["features"]
        )

    assert vertices(9) < vertices(13) < vertices(18)
    grids_z9 = fc(run, layer="GRIDS", zoom=9, props=[], limit=50_000)
    grids_z16 = fc(run, layer="GRIDS", zoom=16, props=[], limit=50_000)
    assert grids_z9["numberMatched"] < grids_z16["numberMatched"] == len(layer("grids"))


def test_geometry_in_gcj02_is_the_published_conversion(run):
    out = run("{ sectors { code wgs: geometry gcj: geometry(crs: GCJ02) bd: geometry(crs: BD09) } }")
    for s in out["data"]["sectors"]:
        wgs = np.array(s["wgs"]["coordinates"][0])
        gcj = np.array(s["gcj"]["coordinates"][0])
        x, y = datum.wgs84_to_gcj02(wgs[:, 0], wgs[:, 1])
        assert np.allclose(gcj[:, 0], x, atol=2e-6) and np.allclose(gcj[:, 1], y, atol=2e-6)
        bd = np.array(s["bd"]["coordinates"][0])
        bx, by = datum.wgs84_to_bd09(wgs[:, 0], wgs[:, 1])
        assert np.allclose(bd[:, 0], bx, atol=2e-6) and np.allclose(bd[:, 1], by, atol=2e-6)


def test_the_fast_path_honours_crs_from_a_variable(run):
    q = "query($c: Crs) { compounds(first: 5) { nodes { geometry(crs: $c) } } }"
    gcj = run(q, {"c": "GCJ02"})["data"]["compounds"]["nodes"]
    wgs = run(q, {"c": "WGS84"})["data"]["compounds"]["nodes"]
    assert gcj != wgs
    first = np.array(wgs[0]["geometry"]["coordinates"][0])
    x, _ = datum.wgs84_to_gcj02(first[:, 0], first[:, 1])
    assert np.allclose(np.array(gcj[0]["geometry"]["coordinates"][0])[:, 0], x, atol=2e-6)


def test_a_bbox_sent_in_gcj02_selects_the_same_features_as_its_wgs84_equivalent(run):
    (x0, y0), (x1, y1) = datum.wgs84_to_gcj02(BBOX[0], BBOX[1]), datum.wgs84_to_gcj02(BBOX[2], BBOX[3])
    q = "query($w: SpatialFilter) { compounds(where: $w, first: 1000) { totalCount nodes { compoundId } } }"
    wgs = run(q, {"w": {"bbox": BBOX}})["data"]["compounds"]
    gcj = run(q, {"w": {"bbox": [x0, y0, x1, y1], "crs": "GCJ02"}})["data"]["compounds"]
    assert wgs == gcj and wgs["totalCount"] > 100


def test_a_feature_collection_in_gcj02_is_the_wgs84_one_converted(run):
    wgs = fc(run, layer="SECTORS", props=["code"])
    gcj = fc(run, layer="SECTORS", props=["code"], crs="GCJ02")
    assert gcj["crs"] == "GCJ02"
    for a, b in zip(wgs["features"], gcj["features"], strict=True):
        back = datum.to_wgs84(shape(b["geometry"]), "GCJ02")
        assert shapely.hausdorff_distance(back, shape(a["geometry"])) < 4.5e-6  # under 0.5 m (6-decimal output)


def test_an_incident_reported_in_gcj02_lands_where_the_wgs84_point_is(writable):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from hub.geo.measure import destination
    from tests.common import CENTRE

    lon, lat = destination(*CENTRE, 135, 700)
    glon, glat = datum.wgs84_to_gcj02(lon, lat)
    now = datetime(2024, 6, 5, 21, 35, tzinfo=ZoneInfo("Asia/Shanghai"))
    out = writable(
        """mutation($i: ReportIncidentInput!) { reportIncident(input: $i) { userErrors { message }
        incident { sectorCode geometry } } }""",
        {
            "i": {
                "clientId": str(uuid.uuid4()),
                "category": "EMERGENCY",
                "lon": glon,
                "lat": glat,
                "crs": "GCJ02",
                "description": "x",
                "seenAt": "2024-06-05T21:30:00+08:00",
            }
        },
        now=now,
    )["data"]["reportIncident"]
    assert out["userErrors"] == []
    x, y = out["incident"]["geometry"]["coordinates"]
    assert abs(x - lon) < 1e-6 and abs(y - lat) < 1e-6
    assert mapping(shapely.Point(x, y))["type"] == "Point"


def test_points_are_kept_at_every_zoom(run):
    low = fc(run, layer="MERCHANTS", zoom=8, props=["code"], limit=50_000)
    assert low["numberMatched"] == len(layer("merchants"))


def test_a_write_shows_in_the_next_feature_collection_of_its_layer(writable):
    from tests.schema.test_field_reports import REPORT, square_inside

    compound = layer("compounds").iloc[3]
    where = {"bbox": list(compound.geometry.bounds)}
    q = """query($w: SpatialFilter) { featureCollection(layer: OCCUPATIONS, where: $w, properties: ["kind"]) }"""
    before = writable(q, {"w": where})["data"]["featureCollection"]
    again = writable(q, {"w": where})["data"]["featureCollection"]
    assert before == again
    poly = square_inside(compound.geometry)
    out = writable(REPORT, {"input": {"clientId": str(uuid.uuid4()), "geometry": mapping(poly), "kind": "PARKING"}})
    assert out["data"]["reportOccupation"]["userErrors"] == []
    after = writable(q, {"w": where})["data"]["featureCollection"]
    assert after["numberMatched"] == before["numberMatched"] + 1
    assert "PARKING" in {f["properties"]["kind"] for f in after["features"]}


def test_incident_descriptions_reach_staff_only_through_the_map_path(writable):
    from tests.schema.test_incidents_api import report

    assert report(writable)["userErrors"] == []
    q = "query($p: [String!]) { featureCollection(layer: INCIDENTS, properties: $p) }"
    public = writable(q, {"p": ["category", "description"]}, role="public")
    assert public["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    lean = writable(q, {"p": None}, role="public")["data"]["featureCollection"]
    assert lean["features"] and all("description" not in f["properties"] for f in lean["features"])
    staff = writable(q, {"p": ["category", "description"]}, role="analyst")["data"]["featureCollection"]
    assert all(f["properties"]["description"] for f in staff["features"])
