"""Attribute and time conditions on map layers, checked against hand-made expectations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from hub.domain import features as registry
from hub.domain.filters import TimeInterval, spans
from hub.domain.selection import narrow, parse_conditions
from hub.errors import InputError

SHANGHAI = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024-06-01", datetime(2024, 6, 1, tzinfo=SHANGHAI), datetime(2024, 6, 2, tzinfo=SHANGHAI)),
        ("2024-06-01/..", datetime(2024, 6, 1, tzinfo=SHANGHAI), None),
        ("../2024-06-01", None, datetime(2024, 6, 2, tzinfo=SHANGHAI)),
        ("/2024-06-01", None, datetime(2024, 6, 2, tzinfo=SHANGHAI)),
        (
            "2024-06-01T00:00:00Z/2024-06-01T12:00:00Z",
            datetime(2024, 6, 1, 8, tzinfo=SHANGHAI),
            datetime(2024, 6, 1, 20, tzinfo=SHANGHAI),
        ),
        ("../..", None, None),
    ],
)
def test_datetime_text_reads_as_the_interval_it_names(text, start, end):
    t = TimeInterval.parse(text)
    assert t.start == start
    if end is None:
        assert t.end is None
    else:  # a date's end is its last microsecond
        assert end - timedelta(microseconds=1) <= t.end <= end


@pytest.mark.parametrize("text", ["2024-13-01", "yesterday", "2024-06-02/2024-06-01", "a/b/c", ""])
def test_bad_datetime_text_is_refused_with_the_text_named(text):
    with pytest.raises(InputError) as err:
        TimeInterval.parse(text)
    assert err.value.field == "datetime"


def test_a_day_meets_an_instant_inside_it_and_not_one_after_it():
    starts, ends = spans(["2024-06-01", "2024-06-01T23:30:00+08:00", None])
    inside = TimeInterval.parse("2024-06-01T15:00:00Z")  # 23:00 in Shanghai, still the 1st
    after = TimeInterval.parse("2024-06-01T16:00:00Z")  # midnight in Shanghai: the 2nd
    assert inside.mask(starts, ends).tolist() == [True, False, False]
    assert after.mask(starts, ends).tolist() == [False, False, False]
    assert TimeInterval.parse("2024-06-01T23:00:00+08:00/..").mask(starts, ends).tolist() == [True, True, False]


def test_only_open_properties_can_be_filtered():
    grids = registry.LAYERS["grids"]
    with pytest.raises(InputError, match="cannot be filtered"):
        parse_conditions(grids, {"workerName": "李四"})
    with pytest.raises(InputError, match="has no property"):
        parse_conditions(grids, {"colour": "red"})
    with pytest.raises(InputError, match="no date or time"):
        parse_conditions(grids, {}, "2024-06-01")


def test_conditions_narrow_the_demo_occupations_as_counted_by_hand(demo_store):
    spec = registry.LAYERS["occupations"]
    records = list(spec.layer(demo_store.data))
    everything = spec.layer(demo_store.data).all_positions()
    cleared = parse_conditions(spec, {"status": "CLEARED", "kind": "STORAGE"}, "2023-01-01/..")
    got = narrow(demo_store.data, spec, everything, cleared)
    expected = [
        r.id
        for r in records
        if r.status == "CLEARED" and r.kind == "STORAGE" and r.reported_on.isoformat() >= "2023-01-01"
    ]
    assert sorted(spec.feature_id(r) for r in spec.layer(demo_store.data).at(got)) == sorted(expected)
    assert narrow(demo_store.data, spec, np.array([], dtype=np.intp), cleared).size == 0
