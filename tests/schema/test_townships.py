"""The rural side of the district over GraphQL: townships and villages as places, in `locate`, lists and spatial
filters, map layers and the figures' place groupings. Expectations come from the fixture files (geopandas)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import shapely

from tests.common import CENTRE, layer

TOWNSHIPS = {
    "411403100": "宋集镇",
    "411403101": "郭村镇",
    "411403102": "李口镇",
    "411403103": "高辛镇",
    "411403104": "坞墙镇",
    "411403105": "冯桥镇",
    "411403106": "路河镇",
    "411403107": "闫集镇",
    "411403108": "毛固堆镇",
    "411403110": "包公庙镇",
    "411403111": "临河店镇",
    "411403205": "娄店乡",
    "411403208": "勒马乡",
}
LOCATE = """query($lon: Float!, $lat: Float!) { locate(lon: $lon, lat: $lat) {
  subdistrict { code } community { code } grid { code } sector { code }
  township { code name kind } village { code name township { code } } } }"""


def inside(geom) -> tuple[float, float]:
    p = geom.representative_point()
    return p.x, p.y


def test_the_13_townships_are_listed_with_their_codes_names_and_kinds(run):
    out = run("{ townships(first: 100) { totalCount nodes { code name kind areaM2 } } }")["data"]["townships"]
    assert out["totalCount"] == 13
    assert {n["code"]: n["name"] for n in out["nodes"]} == TOWNSHIPS
    kinds = {n["name"]: n["kind"] for n in out["nodes"]}
    assert [k for k, v in kinds.items() if v == "township"] == ["娄店乡", "勒马乡"]
    files = layer("townships").set_index("code")
    for n in out["nodes"]:  # the geodesic area of the polygon in the file, measured by geopandas in a local UTM
        utm = files.loc[[n["code"]]].to_crs(files.estimate_utm_crs())
        assert n["areaM2"] == pytest.approx(float(utm.area.iloc[0]), rel=2e-3)


@pytest.mark.parametrize("code", ["411403102", "411403208", "411403107"])
def test_a_point_inside_a_village_locates_it_its_township_and_no_urban_unit(run, code):
    villages = layer("villages")
    village = villages[villages.township_code == code].iloc[-1]
    lon, lat = inside(village.geometry)
    loc = run(LOCATE, {"lon": lon, "lat": lat})["data"]["locate"]
    assert loc["township"]["code"] == code and loc["township"]["name"] == TOWNSHIPS[code]
    assert loc["village"] == {"code": village.code, "name": village["name"], "township": {"code": code}}
    assert loc["subdistrict"] is None and loc["community"] is None and loc["grid"] is None and loc["sector"] is None


def test_the_old_town_has_no_township_and_beyond_the_district_there_is_nothing(run):
    loc = run(LOCATE, {"lon": CENTRE[0], "lat": CENTRE[1]})["data"]["locate"]
    assert loc["subdistrict"]["code"] == "411403001" and loc["township"] is None and loc["village"] is None
    far = run(LOCATE, {"lon": 116.3, "lat": 34.0})["data"]["locate"]
    assert all(v is None for v in far.values())


def test_shunnan_village_of_the_article_is_found_by_name_in_likou_town(run):
    out = run('{ villages(township: "411403102", first: 100) { totalCount nodes { code name } } }')["data"]
    villages = layer("villages")
    assert out["villages"]["totalCount"] == int((villages.township_code == "411403102").sum())
    assert "顺南村" in {n["name"] for n in out["villages"]["nodes"]}


def test_villages_within_a_box_are_those_the_box_meets(run):
    box = [115.50, 34.20, 115.56, 34.26]
    out = run(
        "query($b: [Float!]) { villages(where: {bbox: $b}, first: 1000) { totalCount nodes { code } } }", {"b": box}
    )
    villages = layer("villages")
    expected = set(villages[villages.intersects(shapely.box(*box))].code)
    assert {n["code"] for n in out["data"]["villages"]["nodes"]} == expected and len(expected) > 3


def test_townships_containing_a_point_are_one(run):
    villages = layer("villages")
    lon, lat = inside(villages[villages.name == "顺南村"].geometry.iloc[0])
    doc = (
        "query($lon: Float!, $lat: Float!) { townships(where: {contains: {lon: $lon, lat: $lat}}) { nodes { name } } }"
    )
    assert run(doc, {"lon": lon, "lat": lat})["data"]["townships"]["nodes"] == [{"name": "李口镇"}]


def test_an_unknown_township_for_villages_is_refused_naming_it(run):
    out = run('{ villages(township: "411403999") { totalCount } }')
    assert out["errors"][0]["extensions"]["code"] == "NOT_FOUND" and "411403999" in out["errors"][0]["message"]


def test_a_township_lists_its_villages_and_a_village_its_township_by_global_id(run):
    out = run("{ townships(first: 100) { nodes { id code villages { code } } } }")["data"]["townships"]["nodes"]
    villages = layer("villages")
    for n in out:
        assert {v["code"] for v in n["villages"]} == set(villages[villages.township_code == n["code"]].code)
    node = run(f'{{ node(id: "{out[0]["id"]}") {{ ... on Township {{ name }} }} }}')["data"]["node"]
    assert node == {"name": TOWNSHIPS[out[0]["code"]]}


def test_the_township_and_village_layers_are_whole_feature_collections(run):
    fc = run('{ featureCollection(layer: TOWNSHIPS, properties: ["code", "name", "kind"]) }')["data"]
    features = fc["featureCollection"]["features"]
    assert {f["properties"]["code"] for f in features} == set(TOWNSHIPS)
    villages = run('{ featureCollection(layer: VILLAGES, zoom: 11, properties: ["code", "townshipCode"]) }')["data"]
    assert len(villages["featureCollection"]["features"]) == len(layer("villages"))


def test_stats_count_the_townships_and_villages(run):
    stats = run("{ stats { subdistricts townships villages } }")["data"]["stats"]
    assert stats == {"subdistricts": 6, "townships": 13, "villages": len(layer("villages"))}


def test_figures_group_by_township_and_village_with_urban_records_in_the_none_group(run):
    out = run(
        "{ compoundFigures(groupBy: [TOWNSHIP]) { total { count } groups { key { township { code } none } count } } }"
    )
    groups = out["data"]["compoundFigures"]["groups"]
    assert groups == [{"key": {"township": None, "none": ["TOWNSHIP"]}, "count": 619}]
    out = run('{ compoundFigures(filter: {villages: ["411403102201"]}) { total { count } } }')
    assert out["data"]["compoundFigures"]["total"]["count"] == 0
    bad = run('{ compoundFigures(filter: {townships: ["411403999"]}) { total { count } } }')
    assert bad["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_the_readme_example_for_townships_runs_and_finds_likou_town(run):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**The townships**") : readme.index("**Agricultural guidance in extreme weather**")]
    (example,) = re.findall(r"```graphql\n(.*?)```", section, re.S)
    out = run(example)
    assert "errors" not in out
    assert out["data"]["locate"]["township"]["name"] == "李口镇"
    assert out["data"]["villages"]["totalCount"] > 0
