"""Tables read as columns: records made from them, a position at a time, equal the records read row by row."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
import shapely

from hub.store import Store, tables
from hub.store import records as r
from hub.store.catalog import COLUMNAR, Layer, read_columns
from hub.store.columns import LazyRecords, TableColumns


@pytest.fixture(scope="module")
def store(stores):
    s = Store(stores.demo()).open()
    yield s
    s.close()


def test_records_made_from_columns_equal_the_records_read_row_by_row(store):
    with store.db.snapshot() as reader:
        columns = read_columns(reader)
        for cls in COLUMNAR:
            rows = tables.read_all(reader, cls)
            cols = columns[cls]
            assert cols.n == len(rows), cls
            if not rows:
                continue
            spatial = issubclass(cls, r.Spatial)
            geoms = shapely.from_wkb(cols.wkb()) if spatial else None
            made = cols.records(np.arange(cols.n), geoms)
            assert made == rows, cls
            some = np.array([cols.n - 1, 0], dtype=np.intp)  # any positions, in any order
            assert cols.records(some, geoms) == [rows[-1], rows[0]]


def test_null_numbers_and_dates_and_free_text_survive_the_columns():
    names = ["geojson", "id", "compound_id", "kind", "status", "reported_on", "cleared_on", "area_m2", "reported_by"]
    geoms = [shapely.box(0, 0, 1, 1), shapely.box(1, 1, 2, 2), shapely.box(2, 2, 3, 3)]
    texts = [shapely.to_geojson(g) for g in geoms]
    rows = [
        (texts[0], 1, 7, "PARKING", "OCCUPIED", "2024-06-01", None, 12.5, "张三", shapely.to_wkb(geoms[0])),
        (texts[1], 2, None, "PARKING", "CLEARED", "2024-06-01", "2024-06-03", 0.0, "", shapely.to_wkb(geoms[1])),
        (texts[2], 3, 9, "STORAGE", "OCCUPIED", "2024-06-02", None, 3.25, "李四", shapely.to_wkb(geoms[2])),
    ]
    names.append("geom")
    cols = TableColumns.encode(r.Occupation, names, list(zip(*rows, strict=True)))
    made = cols.records(np.arange(3), np.asarray(geoms, dtype=object))
    assert [x.compound_id for x in made] == [7, None, 9]
    assert [x.cleared_on for x in made] == [None, date(2024, 6, 3), None]
    assert [x.geojson for x in made] == texts
    assert [x.reported_by for x in made] == ["张三", "", "李四"]
    assert made[0].kind is made[1].kind  # a repeated value is one object
    again = TableColumns(r.Occupation, 3, dict(cols.arrays))  # as read back from a snapshot
    assert again.records(np.arange(3), np.asarray(geoms, dtype=object)) == made


def test_a_layer_loaded_as_columns_answers_as_one_loaded_as_records(store):
    with store.db.snapshot() as reader:
        cols = TableColumns.read(reader, r.Occupation)
        rows = tables.read_all(reader, r.Occupation)
    lazy = Layer.from_columns("occupations", cols)
    eager = Layer("occupations", rows, lambda x: x.id)
    assert isinstance(lazy._records, LazyRecords) and lazy._records.live().all()
    box = (115.58, 34.36, 115.64, 34.40)
    assert lazy.query(bbox=box).tolist() == eager.query(bbox=box).tolist()
    made = sum(x is not None for x in lazy._records.made)
    assert 0 < made < len(rows) or made == len(rows) == len(lazy.query(bbox=box))  # those the query found
    assert lazy.at(lazy.query(bbox=box)) == eager.at(eager.query(bbox=box))
    assert lazy.get(rows[-1].id) == rows[-1]
    lazy.warm()
    assert type(lazy.records) is list and lazy.records == eager.records


def test_writes_to_a_layer_before_its_geometry_is_decoded_are_kept(store):
    with store.db.snapshot() as reader:
        cols = TableColumns.read(reader, r.Occupation)
        rows = tables.read_all(reader, r.Occupation)
    lazy = Layer.from_columns("occupations", cols)
    moved = r.Occupation(shapely.box(116.0, 35.0, 116.001, 35.001), "", rows[0].id, 1, "PARKING", "OCCUPIED")
    added = r.Occupation(shapely.box(117.0, 36.0, 117.001, 36.001), "", 10**6, 1, "PARKING", "OCCUPIED")
    lazy.upsert(moved)
    lazy.upsert(added)
    lazy.delete(rows[1].id)
    assert lazy._index._decode is not None  # still not decoded: the writes wait for it
    assert lazy.query(bbox=(115.99, 34.99, 116.01, 35.01)).tolist() == [0]
    assert lazy.query(bbox=(116.99, 35.99, 117.01, 36.01)).tolist() == [len(rows)]
    assert lazy.get(rows[1].id) is None and lazy.records[1] is None
    assert lazy.get(rows[0].id) == moved and lazy.get(10**6) == added
    assert len(lazy) == len(rows)
    assert 1 not in lazy.all_positions().tolist()


def test_every_kind_the_hub_writes_is_loaded_as_columns_or_read_with_the_data_set():
    from hub.store import applying

    assert set(COLUMNAR) | set(applying.KEPT) == set(tables.TABLES)
    assert not set(COLUMNAR) & set(applying.KEPT)
