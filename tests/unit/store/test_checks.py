"""Every row of an import is checked against the store's contract and its stored records, and each problem
is named: the file, the row, the field, the value and the reason."""

from __future__ import annotations

import pytest
import shapely

from hub.store.catalog import Catalog, load_catalog
from hub.store.checks import Batch, Row, check
from hub.store.existing import existing
from hub.store.importer import import_dataset
from hub.store.sqlite import SQLiteDatabase

SQUARE = shapely.Polygon([(115.70, 34.30), (115.701, 34.30), (115.701, 34.301), (115.70, 34.301)])
"""A square of about 92 m × 111 m, south of every demo compound."""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Catalog:
    db = SQLiteDatabase(tmp_path_factory.mktemp("checks") / "demo.db").open()
    import_dataset(db)
    with db.snapshot() as snap:
        loaded = load_catalog(snap)
    db.close()
    return loaded


def compound(catalog: Catalog, cid: int, **changes) -> dict:
    values = existing(catalog, "compounds").values((cid,))
    assert values is not None
    return {**values, **changes}


def run(catalog: Catalog, kind: str, *rows: dict, geometries=None, tolerance_m2: float = 1.0):
    batch = Batch()
    for i, values in enumerate(rows):
        geometry = None if geometries is None else geometries[i]
        batch.add(kind, Row("compounds.gpkg" if kind == "compounds" else f"{kind}.csv", i + 1, dict(values), geometry))
    return check(batch, catalog, tolerance_m2=tolerance_m2)


def only_problem(checked):
    assert len(checked.problems) == 1, checked.problems
    return checked.problems[0]


def test_an_unknown_code_is_refused_with_the_codes_allowed(catalog):
    p = only_problem(run(catalog, "compounds", compound(catalog, 3, management_mode="MAGIC")))
    assert (p.source, p.row, p.field, p.value) == ("compounds.gpkg", 1, "management_mode", "MAGIC")
    assert p.reason == "'MAGIC' is not one of PROPERTY_COMPANY, COMMITTEE_HIRED, SELF_MANAGED, UNMANAGED"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("households", "lots", "not a whole number"),
        ("households", 12.5, "not a whole number"),
        ("households", -3, "less than 0"),
        ("households", True, "true/false where a whole number is expected"),
        ("year_built", "1990s", "not a whole number"),
        ("collects_fees", "maybe", "not true or false"),
        ("fee_yuan_per_m2_month", "cheap", "not a number"),
        ("name", None, "a value is required here"),
        ("name", "   ", "a value is required here"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_with_why(catalog, field, value, reason):
    p = only_problem(run(catalog, "compounds", compound(catalog, 3, **{field: value})))
    assert (p.field, p.value, p.reason) == (field, value, reason)


def test_values_in_the_spellings_files_use_are_taken(catalog):
    checked = run(
        catalog,
        "compounds",
        compound(catalog, 3, households="420", collects_fees="否", year_built=1998.0, fee_yuan_per_m2_month="0.5"),
    )
    assert checked.ok, checked.problems
    values = checked.staged["compounds"][0].values
    assert (values["households"], values["collects_fees"], values["year_built"]) == (420, False, 1998)
    assert values["fee_yuan_per_m2_month"] == 0.5


def test_a_reference_to_a_code_stored_nowhere_names_the_missing_code(catalog):
    p = only_problem(run(catalog, "compounds", compound(catalog, 3, property_company_id="PC999")))
    assert (p.field, p.value) == ("property_company_id", "PC999")
    assert p.reason == "no property company PC999 (neither stored nor in this import)"


def test_a_reference_to_a_record_of_the_same_import_is_sound(catalog):
    company = {"id": "PC900", "name": "新物业", "credit_code": "91411403MA45ABCD0X", "hotline": "0370-1234567"}
    batch = Batch()
    batch.add("property_companies", Row("companies.csv", 1, company))
    batch.add("compounds", Row("compounds.gpkg", 1, {"id": 3, "property_company_id": "PC900",
                                                     "management_mode": "PROPERTY_COMPANY"}))  # fmt: skip
    checked = check(batch, catalog)
    assert checked.ok, checked.problems
    assert checked.counts() == {
        "property_companies": {"new": 1, "changed": 0, "unchanged": 0},
        "compounds": {"new": 0, "changed": 1, "unchanged": 0},
    }


def test_two_scores_of_one_year_in_one_company_row_are_a_duplicate(catalog):
    scores = [{"year": 2024, "score": 91}, {"year": 2024, "score": 95}]
    batch = Batch()
    batch.add("property_companies", Row("companies.csv", 4, {"id": "PC001", "scores": scores}))
    p = only_problem(check(batch, catalog))
    assert (p.row, p.field, p.reason) == (
        4,
        "scores[1].company_id",
        "duplicate credit score PC001/2024: row 4 has it too",
    )


def test_a_compound_whose_community_lies_in_another_subdistrict_is_refused(catalog):
    other = next(c for c in catalog.communities if c.subdistrict_code != compound(catalog, 3)["subdistrict_code"])
    p = only_problem(run(catalog, "compounds", compound(catalog, 3, community_code=other.code)))
    assert p.field == "community_code"
    assert f"lies in subdistrict {other.subdistrict_code}" in p.reason


def test_a_duplicate_code_names_the_row_that_has_it_first(catalog):
    row = compound(catalog, 3)
    p = only_problem(run(catalog, "compounds", row, dict(row, name="又一个")))
    assert (p.row, p.field, p.reason) == (2, "id", "duplicate compound 3: row 1 has it too")


def test_a_new_record_needs_every_value_without_a_default(catalog):
    row = {"id": 9001, "name": "新小区", "community_code": "411403001001", "subdistrict_code": "411403001"}
    checked = run(catalog, "compounds", row, geometries=[SQUARE])
    assert {(p.field, p.reason) for p in checked.problems} == {
        ("households", "a new compound needs a value here (the file has no such column)"),
        ("management_mode", "a new compound needs a value here (the file has no such column)"),
    }


def test_an_update_may_give_only_the_columns_it_changes(catalog):
    checked = run(catalog, "compounds", {"id": 3, "households": 321})
    assert checked.ok, checked.problems
    (staged,) = checked.staged["compounds"]
    assert staged.state == "changed"
    assert staged.values == compound(catalog, 3, households=321)
    assert staged.geometry.equals(catalog.compounds.get(3).geometry)


def test_a_row_equal_to_the_stored_record_is_unchanged(catalog):
    stored = catalog.compounds.get(3)
    checked = run(catalog, "compounds", compound(catalog, 3), geometries=[stored.geometry])
    assert checked.counts() == {"compounds": {"new": 0, "changed": 0, "unchanged": 1}}


def test_rules_across_fields_are_checked(catalog):
    p = only_problem(run(catalog, "compounds", compound(catalog, 3, management_mode="PROPERTY_COMPANY",
                                                         property_company_id=None)))  # fmt: skip
    assert p.field == "property_company_id" and "names it" in p.reason
    occupation = {"id": 1, "status": "CLEARED", "cleared_on": None}
    assert only_problem(run(catalog, "occupations", occupation)).reason == (
        "a cleared occupation has the date it was cleared"
    )


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        (
            shapely.Polygon([(115.70, 34.30), (115.701, 34.301), (115.701, 34.30), (115.70, 34.301)]),
            "not a valid Polygon: Self-intersection[115.7005 34.3005]",
        ),
        (shapely.Polygon(), "an empty Polygon"),
        (shapely.Point(115.70, 34.30), "a Point where a compound has a Polygon or MultiPolygon"),
        (shapely.Polygon([(34.30, 115.70), (34.30, 115.701), (34.301, 115.701)]), "coordinates look like lat/lon"),
        (shapely.box(500_000, 3_805_000, 500_100, 3_805_100), "is the file in a projected coordinate system?"),
    ],
)
def test_bad_geometry_is_refused_with_the_reason(catalog, geometry, reason):
    p = only_problem(run(catalog, "compounds", compound(catalog, 3), geometries=[geometry]))
    assert p.field == "geometry"
    assert reason in p.reason


def test_a_compound_overlapping_a_neighbour_beyond_the_tolerance_is_refused(catalog):
    neighbour = catalog.compounds.get(7)
    moved = shapely.affinity.translate(neighbour.geometry, xoff=0.00005)  # about 4.6 m east
    p = only_problem(run(catalog, "compounds", compound(catalog, 3), geometries=[moved]))
    assert p.field == "geometry" and p.reason.startswith("overlaps compound 7 by ")
    overlap = float(p.reason.split(" by ")[1].split(" m²")[0].replace(",", ""))
    assert 0.5 * neighbour.area_m2 < overlap < neighbour.area_m2
    assert run(catalog, "compounds", compound(catalog, 3), geometries=[moved], tolerance_m2=1e9).ok


def test_neighbouring_grids_that_share_a_border_do_not_overlap(catalog):
    grids = list(catalog.grids)[:50]
    values = [existing(catalog, "grids").values((g.code,)) for g in grids]
    assert run(catalog, "grids", *values, geometries=[g.geometry for g in grids]).ok


def test_nested_records_are_checked_as_their_own_kinds(catalog):
    committee = {"kind": "RESIDENTS", "established_on": "2023-02-30", "members": 5, "chair_name": "张三"}
    checked = run(catalog, "compounds", compound(catalog, 3, committee=committee))
    assert {(p.field, p.reason) for p in checked.problems} == {
        ("committee.kind", "'RESIDENTS' is not one of OWNERS_COMMITTEE, PROPERTY_MANAGEMENT_COMMITTEE"),
        ("committee.established_on", "not a date of the calendar"),
    }
