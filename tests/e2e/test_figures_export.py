"""The analysts' grouped figures as CSV over HTTP, read as a spreadsheet would (utf-8-sig, pandas)."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from tests.e2e.test_ogc import get

pytestmark = pytest.mark.e2e

CANONICAL = (
    "/export/figures/occupations.csv?groupBy=SUBDISTRICT,MONTH&dateBy=CLEARED&from=2023-01-01&to=2023-12-31"
    "&statuses=CLEARED"
)
GRAPHQL = """{ occupationFigures(groupBy: [SUBDISTRICT, MONTH], dateBy: CLEARED,
  during: {from: "2023-01-01", to: "2023-12-31"}, filter: {statuses: ["CLEARED"]}) {
  groups { key { subdistrict { code name } month } count clearedAreaM2 } } }"""


def test_cleared_area_per_subdistrict_and_month_comes_as_csv_with_chinese_headers_equal_to_the_api(server):
    r = get(server, CANONICAL)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="occupations.csv"'
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["街道代码", "街道", "月份", "占用处数", "面积(平方米)"]
    df = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig", dtype={"街道代码": str})
    api = server.graphql(GRAPHQL).json()["data"]["occupationFigures"]["groups"]
    assert len(df) == len(api)
    for (_, row), g in zip(df.iterrows(), api, strict=True):
        assert (row["街道代码"], row["街道"], row["月份"]) == (
            g["key"]["subdistrict"]["code"],
            g["key"]["subdistrict"]["name"],
            g["key"]["month"],
        )
        assert row["已清理面积(平方米)"] == pytest.approx(g["clearedAreaM2"])


@pytest.mark.parametrize(
    "name",
    ["compounds", "occupations", "public-rooms", "fees", "meetings", "problems", "incidents", "patrols", "frontage"],
)
def test_every_family_exports_its_total_without_a_grouping(server, name):
    r = get(server, f"/export/figures/{name}.csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and len(rows[0]) == len(rows[1])


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/export/figures/occupations.csv?groupBy=STATE", "groupBy[0]"),
        ("/export/figures/meetings.csv?from=2024-02-01&to=2024-01-01", "during.to"),
        ("/export/figures/meetings.csv?from=yesterday", "from"),
        ("/export/figures/meetings.csv?colour=red", "colour"),
    ],
)
def test_a_bad_question_is_a_400_naming_the_parameter_before_anything_is_sent(server, path, field):
    r = get(server, path)
    assert r.status_code == 400, r.text
    assert field in r.text
