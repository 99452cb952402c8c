"""Figures over small hand-made catalogs: the place rule, local-time periods, the evaluation figures, refreshes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import shapely
from shapely import Point

from hub.domain.figures.compute import FigureQuery, compute
from hub.domain.figures.periods import DateRange
from hub.errors import InputError, NotFound
from hub.store import records as r
from hub.store.catalog import Catalog, Layer

LOCAL = ZoneInfo("Asia/Shanghai")
WEST = shapely.box(115.60, 34.37, 115.61, 34.38)
EAST = shapely.box(115.61, 34.37, 115.62, 34.38)


def layer(name: str, records: list, key=lambda x: x.code) -> Layer:
    return Layer(name, records, key)


def occupation(
    i: int, x: float, y: float, *, status="CLEARED", area=10.0, kind="STORAGE", cleared=None
) -> r.Occupation:
    return r.Occupation(
        geometry=shapely.box(x - 1e-5, y - 1e-5, x + 1e-5, y + 1e-5),
        geojson="",
        id=i,
        compound_id=1,
        kind=kind,
        status=status,
        reported_on=date(2023, 1, 5),
        cleared_on=cleared if status == "CLEARED" else None,
        area_m2=area,
    )


def catalog(occupations=(), incidents=(), steps=None) -> Catalog:
    subs = [
        r.Subdistrict(WEST, "", "411403001", "古城街道", "subdistrict", 1.0),
        r.Subdistrict(EAST, "", "411403002", "文化街道", "subdistrict", 1.0),
    ]
    return Catalog(
        subdistricts=layer("subdistricts", subs),
        occupations=layer("occupations", list(occupations), key=lambda x: x.id),
        incidents=layer("incidents", list(incidents), key=lambda x: x.id),
        incident_steps=steps or {},
    )


def by(fig, grouping):
    return {(getattr(g.key[grouping], "code", None) or g.key[grouping]): g.values for g in fig.groups}


def test_a_record_on_a_shared_border_belongs_to_the_first_subdistrict_and_one_outside_to_none():
    c = catalog(
        [
            occupation(1, 115.605, 34.375, area=10),  # west
            occupation(2, 115.61, 34.375, area=20),  # centroid on the shared border
            occupation(3, 115.615, 34.375, area=40),  # east
            occupation(4, 115.70, 34.375, area=80),  # on no subdistrict
        ]
    )
    fig = compute(c, FigureQuery("occupations", ("SUBDISTRICT",)))
    got = {k: v["area_m2"] for k, v in by(fig, "SUBDISTRICT").items()}
    assert got == {"411403001": 30.0, "411403002": 40.0, None: 80.0}
    assert fig.groups[-1].none == ("SUBDISTRICT",)  # "none" comes last
    assert sum(g.values["area_m2"] for g in fig.groups) == fig.total.values["area_m2"] == 150.0


def test_groups_add_up_to_the_total_for_every_summed_measure():
    c = catalog(
        [
            occupation(i, 115.60 + 0.0007 * i, 34.375, status="CLEARED" if i % 3 else "OCCUPIED", area=i, kind=k)
            for i, k in zip(range(1, 31), ["STORAGE", "PARKING", "ENCLOSURE"] * 10, strict=True)
        ]
    )
    fig = compute(c, FigureQuery("occupations", ("SUBDISTRICT", "KIND", "STATUS")))
    for name in fig.summed:
        assert sum(g.values[name] for g in fig.groups) == pytest.approx(fig.total.values[name])


def test_months_are_local_a_case_at_half_past_eleven_on_31_january_is_a_january_case():
    def incident(i: int, at: datetime) -> r.Incident:
        return r.Incident(
            geometry=Point(115.605, 34.375), geojson="", id=i, category="EMERGENCY", state="DISPATCHED",
            reported_at=at, seen_at=at, deadline=at + timedelta(hours=1), squad_code="SQ1",
        )  # fmt: skip

    late_january = datetime(2024, 1, 31, 15, 30, tzinfo=UTC)  # 23:30 on 31 January in Shanghai
    early_february = datetime(2024, 1, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 February in Shanghai
    c = catalog(incidents=[incident(1, late_january), incident(2, early_february)])
    fig = compute(c, FigureQuery("incidents", ("MONTH",), now=datetime(2024, 3, 1, tzinfo=LOCAL)))
    assert {g.key["MONTH"]: g.values["count"] for g in fig.groups} == {"2024-01": 1, "2024-02": 1}
    days = compute(c, FigureQuery("incidents", ("DAY",), now=datetime(2024, 3, 1, tzinfo=LOCAL)))
    assert [g.key["DAY"] for g in days.groups] == [date(2024, 1, 31), date(2024, 2, 1)]
    january = compute(c, FigureQuery("incidents", during=DateRange(date(2024, 1, 1), date(2024, 1, 31))))
    assert january.total.values["count"] == 1


def test_the_evaluation_figures_of_a_handful_of_cases_match_a_hand_count():
    t0 = datetime(2024, 6, 3, 9, 0, tzinfo=LOCAL)

    def case(i: int, state: str, *, handled_after: float | None, deadline_h: float = 4, sent_back: int = 0):
        x = r.Incident(
            geometry=Point(115.605, 34.375), geojson="", id=i, category="EXPOSED_RUBBISH", state=state,
            reported_at=t0, seen_at=t0, deadline=t0 + timedelta(hours=deadline_h), squad_code="SQ1",
            closed_at=t0 + timedelta(hours=10) if state in ("CLOSED", "REJECTED", "CANCELLED") else None,
        )  # fmt: skip
        steps = [r.IncidentStep(i, t0, "a", "REGISTER", None, "DISPATCHED")]
        if handled_after is not None:
            steps.append(
                r.IncidentStep(i, t0 + timedelta(hours=handled_after), "o", "REPORT_HANDLED", "HANDLING", "HANDLED")
            )
        steps += [r.IncidentStep(i, t0 + timedelta(hours=5), "a", "SEND_BACK", "HANDLED", "HANDLING")] * sent_back
        return x, steps

    made = [
        case(1, "CLOSED", handled_after=2),  # closed on time
        case(2, "CLOSED", handled_after=6, sent_back=1),  # closed late, sent back once
        case(3, "HANDLED", handled_after=3),  # handled on time, not closed
        case(4, "DISPATCHED", handled_after=None),  # open, past the deadline: overdue
        case(5, "HANDLING", handled_after=None, deadline_h=100),  # open, deadline not passed yet
        case(6, "REJECTED", handled_after=None),  # not registered
    ]
    c = catalog(incidents=[x for x, _ in made], steps={x.id: s for x, s in made})
    v = compute(c, FigureQuery("incidents", now=t0 + timedelta(hours=8))).total.values
    assert v["count"] == 6 and v["registered"] == 5 and v["dispatched"] == 5
    assert v["handled"] == 3 and v["handled_on_time"] == 2 and v["closed"] == 2 and v["overdue"] == 1
    assert v["closure_rate"] == pytest.approx(2 / 5)
    assert v["on_time_closure_rate"] == pytest.approx(1 / 4)  # due: cases 1–4 (closed or past the deadline)
    assert v["sent_back"] == 1 and v["rework_rate"] == pytest.approx(1 / 3)
    assert v["mean_handling_hours"] == pytest.approx((2 + 6 + 3) / 3)
    assert v["p90_handling_hours"] == pytest.approx(5.4)  # numpy's linear quantile of 2, 3, 6


def test_after_writes_the_refreshed_figures_equal_those_of_a_fresh_build():
    c = catalog([occupation(i, 115.601 + 0.001 * i, 34.375, area=i, cleared=date(2023, 3, i)) for i in range(1, 15)])
    q = FigureQuery("occupations", ("SUBDISTRICT", "MONTH"), date_by="CLEARED")
    compute(c, q)  # builds the columns
    c.occupations.upsert(occupation(3, 115.619, 34.371, area=300, cleared=date(2023, 4, 1)))  # moved east, April
    c.occupations.upsert(occupation(99, 115.611, 34.379, status="OCCUPIED", area=7))
    c.occupations.upsert(dataclasses.replace(c.occupations.get(5), status="OCCUPIED", cleared_on=None))
    refreshed = compute(c, q)
    c.memo.clear()
    fresh = compute(c, q)
    assert refreshed == fresh
    assert refreshed.total.values["count"] == 15


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (FigureQuery("occupations", ("STATE",)), "groupBy[0]"),
        (FigureQuery("occupations", ("KIND", "KIND")), "groupBy[1]"),
        (FigureQuery("occupations", date_by="HELD"), "dateBy"),
        (FigureQuery("nonsense"), "family"),
        (FigureQuery("occupations", attributes={"STATUS": ["GONE"]}), "filter.statuses[0]"),
        (FigureQuery("occupations", attributes={"STATE": ["CLOSED"]}), "filter.states"),
        (FigureQuery("occupations", places={"SUBDISTRICT": ["411403999"]}), "filter.subdistricts[0]"),
    ],
)
def test_questions_that_make_no_sense_are_refused_naming_the_argument(query, field):
    with pytest.raises(InputError) as info:
        compute(catalog([occupation(1, 115.605, 34.375)]), query)
    assert info.value.field == field
    if field.startswith("filter.subdistricts"):
        assert isinstance(info.value, NotFound)


def test_a_reversed_date_range_is_refused_naming_its_end():
    with pytest.raises(InputError) as info:
        DateRange.checked(date(2024, 2, 1), date(2024, 1, 1))
    assert info.value.field == "during.to" and "reversed" in info.value.message
