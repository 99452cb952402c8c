"""`locate` over small hand-made catalogs: the township and village at a point, the lowest code on a shared border,
and nothing where no polygon is."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import shapely

from hub.domain.figures import places
from hub.domain.locate import locate
from hub.errors import InputError
from hub.store import records as r
from hub.store.catalog import Catalog, Layer

WEST = shapely.box(115.40, 34.20, 115.50, 34.30)
EAST = shapely.box(115.50, 34.20, 115.60, 34.30)
AT = datetime(2023, 12, 10, 9, 0, tzinfo=UTC)


def township(code: str, geom: shapely.Geometry) -> r.Township:
    return r.Township(geom, "", code, f"镇{code[-3:]}", "town")


def village(code: str, geom: shapely.Geometry) -> r.Village:
    return r.Village(geom, "", code, f"村{code[-3:]}", code[:9])


def catalog() -> Catalog:
    halves = [shapely.box(115.40, 34.20, 115.50, 34.25), shapely.box(115.40, 34.25, 115.50, 34.30)]
    return Catalog(
        townships=Layer("townships", [township("411403102", WEST), township("411403101", EAST)], lambda x: x.code),
        villages=Layer(
            "villages",
            [village("411403102201", halves[0]), village("411403102202", halves[1]), village("411403101201", EAST)],
            lambda x: x.code,
        ),
    )


def test_a_point_in_a_village_gives_the_village_and_its_township() -> None:
    loc = locate(catalog(), 115.45, 34.22, AT)
    assert (loc.township.code, loc.village.code) == ("411403102", "411403102201")
    assert loc.subdistrict is None and loc.sector is None and loc.on_duty == ()


def test_on_the_border_of_two_townships_the_lower_code_answers_whatever_the_order_of_the_records() -> None:
    loc = locate(catalog(), 115.50, 34.22, AT)
    assert loc.township.code == "411403101"  # 郭村镇 (101) before 李口镇 (102), though written second
    assert loc.village.code == "411403101201"


def test_outside_every_township_there_is_none() -> None:
    loc = locate(catalog(), 115.70, 34.22, AT)
    assert loc.township is None and loc.village is None


def test_a_point_off_the_globe_is_refused() -> None:
    with pytest.raises(InputError):
        locate(catalog(), 200.0, 34.22, AT)


def test_figures_place_records_in_townships_and_villages_by_their_points() -> None:
    c = catalog()
    x = np.array([115.45, 115.55, 115.45, 115.70, np.nan])
    y = np.array([34.22, 34.22, 34.28, 34.22, np.nan])
    towns = places.containing(c, places.TOWNSHIP, x, y)
    villages = places.containing(c, places.VILLAGE, x, y)
    codes = lambda layer, pos: [None if p < 0 else layer.records[p].code for p in pos.tolist()]  # noqa: E731
    assert codes(c.townships, towns) == ["411403102", "411403101", "411403102", None, None]
    assert codes(c.villages, villages) == ["411403102201", "411403101201", "411403102202", None, None]
