"""The figures services work without GraphQL: typed groups for the API, plain rows for exports."""

from __future__ import annotations

from datetime import date

import pytest

from hub.domain.access import ANONYMOUS
from hub.errors import InputError
from hub.services import Hub
from hub.services.figures import DrawnAreaCommand, FiguresCommand, drawn_area, figure_table, figures


def test_grouped_figures_come_as_plain_rows_with_codes_and_names_of_places(demo_store):
    cmd = FiguresCommand(
        "occupations",
        ["SUBDISTRICT", "MONTH"],
        start=date(2023, 1, 1),
        end=date(2023, 12, 31),
        date_by="CLEARED",
        filters={"STATUS": ["CLEARED"]},
    )
    table = figure_table(Hub(demo_store), ANONYMOUS, cmd)
    assert table.columns[:3] == ("subdistrict_code", "subdistrict_name", "month")
    assert "cleared_area_m2" in table.columns
    at = table.columns.index("cleared_area_m2")
    total = figures(Hub(demo_store), ANONYMOUS, cmd).total.values["cleared_area_m2"]
    assert sum(row[at] for row in table.rows) == pytest.approx(total)
    assert all(isinstance(row[0], str) and row[2].startswith("2023-") for row in table.rows)


def test_a_none_group_has_empty_key_cells(demo_store):
    table = figure_table(Hub(demo_store), ANONYMOUS, FiguresCommand("public_rooms", ["SECTOR"]))
    assert table.columns[:2] == ("sector_code", "sector_name")
    assert table.rows[-1][:2] == (None, None)  # rooms outside the old town: in no sector


def test_a_drawn_area_given_in_gcj02_is_converted_and_a_reversed_range_refused(demo_store):
    square = {"type": "Polygon", "coordinates": [[[115.6, 34.37], [115.62, 34.37], [115.62, 34.39], [115.6, 34.39],
                                                  [115.6, 34.37]]]}  # fmt: skip
    wgs = drawn_area(Hub(demo_store), ANONYMOUS, DrawnAreaCommand(square))
    gcj = drawn_area(Hub(demo_store), ANONYMOUS, DrawnAreaCommand(square, crs="GCJ02"))
    assert gcj.area_m2 == pytest.approx(wgs.area_m2, rel=1e-3) and gcj.held != ()
    with pytest.raises(InputError) as info:
        figures(Hub(demo_store), ANONYMOUS, FiguresCommand("meetings", start=date(2024, 1, 2), end=date(2024, 1, 1)))
    assert info.value.field == "during.to"
