"""Records written and read back are the records the writer holds (no round trip needed)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import shapely

from hub.store import records as r
from hub.store import tables
from hub.store.sqlite import SQLiteDatabase

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2024, 6, 5, 21, 30, tzinfo=SH)
LINE = shapely.LineString([(115.61, 34.38), (115.612, 34.381), (115.613, 34.383)])
SQUARE = shapely.box(115.6100, 34.3800, 115.6101, 34.3801)

SAMPLES = [
    r.Incident(
        geometry=shapely.Point(115.61, 34.38),
        geojson="",
        client_id="c1",
        category="EMERGENCY",
        description="火情",
        photos=("https://x/1.jpg",),
        seen_at=AT,
        reported_at=AT,
        reported_by="admin:t",
        sector_code="NE",
        squad_code="SQ1",
        state="DISPATCHED",
        deadline=AT,
    ),
    r.IncidentStep(1, AT, "admin:t", "REGISTER", None, "DISPATCHED", "dispatched"),
    r.Patrol(
        geometry=LINE,
        geojson="",
        client_id="p1",
        squad_code="SQ1",
        officer_ids=("OF01", "OF02"),
        started_at=AT,
        ended_at=AT,
        point_times=(AT.isoformat(),) * 3,
        logged_by="officer:t",
    ),
    r.Occupation(
        geometry=SQUARE,
        geojson="",
        compound_id=1,
        kind="STORAGE",
        status="OCCUPIED",
        reported_on=date(2024, 6, 5),
        reported_by="officer:t",
    ),
    r.RosterRule("SQ1", date(2024, 1, 1), ("EARLY", "OFF"), (("OF01", 0), ("OF02", 1)), "admin:t"),
    r.RosterException(0, date(2024, 6, 5), "OF01", "LEAVE", note="年假", created_by="admin:t"),
    r.FrontageAgreement("M0001", date(2024, 6, 5), "OF01", ("SANITATION", "ORDER")),
    r.Compound(
        geometry=SQUARE,
        geojson="",
        id=9001,
        name="新建小区",
        community_code="411403001001",
        subdistrict_code="411403001",
        households=88,
        management_mode="PROPERTY_COMPANY",
        property_company_id="PC001",
        formerly_unmanaged=True,
        collects_fees=True,
        fee_yuan_per_m2_month=0.5,
    ),
    r.Committee("PROPERTY_MANAGEMENT_COMMITTEE", date(2024, 3, 1), 5, "张三", compound_id=9001),
    r.ManagementPeriod(0, 9001, date(2024, 3, 1), "PROPERTY_COMPANY", "PC001"),
    r.Meeting(0, 9001, date(2024, 6, 1), "JOINT_MEETING", ("COMMUNITY_PARTY", "OWNERS_COMMITTEE")),
    r.Problem(
        geometry=shapely.Point(115.61005, 34.38005),
        geojson="",
        meeting_id=1,
        compound_id=9001,
        category="HEATING",
        description="暖气不热",
        solved=True,
        solved_on=date(2024, 6, 20),
    ),
    r.PublicRoom(
        geometry=shapely.Point(115.61005, 34.38005),
        geojson="",
        compound_id=9001,
        floor_area_m2=42.5,
        use="ACTIVITY_ROOM",
        recovered_on=date(2024, 6, 2),
    ),
    r.CreditScore(2024, 91.5, "PC001"),
]


@pytest.fixture
def conn(stores):
    """A connection to a new store with foreign keys off (the samples refer to rows that are not there)."""
    target = stores.new()
    if stores.kind == "sqlite":
        with SQLiteDatabase(target) as db:
            writer = db._writer
            writer.execute("PRAGMA foreign_keys = OFF")
            yield writer
        return
    from hub.store.postgres import PgConnection, PostgresDatabase

    with PostgresDatabase(target) as db, db._pool.connection() as raw:
        raw.execute("SET session_replication_role = replica")  # no foreign key checks
        yield PgConnection(raw)
        raw.rollback()


@pytest.mark.parametrize("record", SAMPLES, ids=lambda x: type(x).__name__)
def test_the_stored_record_equals_the_row_read_back(conn, record):
    held = tables.insert(conn, record)
    back = tables.reread(conn, type(record), tables.key_of(held))
    assert held == back
    if isinstance(record, r.Spatial):
        assert held.geojson == back.geojson and shapely.equals(held.geometry, back.geometry)


def test_measures_are_geodesic_and_computed_at_write_time(conn):
    patrol = tables.insert(conn, SAMPLES[2])
    occupation = tables.insert(conn, SAMPLES[3])
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    assert patrol.length_m == pytest.approx(geod.geometry_length(LINE), abs=1e-6)
    assert occupation.area_m2 == pytest.approx(abs(geod.geometry_area_perimeter(SQUARE)[0]), abs=1e-6)


@pytest.mark.parametrize("record", SAMPLES, ids=lambda x: type(x).__name__)
def test_records_built_column_by_column_equal_those_made_one_by_one(record):
    import dataclasses

    fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    (built,) = tables.build(type(record), {k: [v] for k, v in fields.items()}, 1)
    assert built == record
    assert all(getattr(built, k) is v for k, v in fields.items())  # geometry and geojson too (not compared by ==)
    name = next(iter(fields))
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(built, name, None)  # still frozen


def test_reading_a_whole_table_gives_the_records_as_written(conn):
    written = [
        tables.insert(conn, r.RosterException(0, date(2024, 6, d), "OF01", "LEAVE", note=f"n{d}")) for d in (3, 4)
    ]
    written += [tables.insert(conn, SAMPLES[3]), tables.insert(conn, SAMPLES[3])]
    assert tables.read_all(conn, r.RosterException) == written[:2]
    back = tables.read_all(conn, r.Occupation)
    assert back == written[2:] and [b.geojson for b in back] == [w.geojson for w in written[2:]]
