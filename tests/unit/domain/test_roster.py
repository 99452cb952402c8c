from datetime import UTC, datetime, time

import pytest

from hub.domain.roster import covers, local_time, minutes
from hub.store.records import Shift

NIGHT = Shift("NIGHT", "夜班", "20:00", "02:00")
EARLY = Shift("EARLY", "早班", "07:00", "15:00")


@pytest.mark.parametrize(
    ("shift", "at", "expected"),
    [
        (EARLY, time(6, 59), False),
        (EARLY, time(7, 0), True),
        (EARLY, time(14, 59), True),
        (EARLY, time(15, 0), False),
        (NIGHT, time(19, 59), False),
        (NIGHT, time(20, 0), True),
        (NIGHT, time(0, 0), True),
        (NIGHT, time(1, 59), True),
        (NIGHT, time(2, 0), False),
    ],
)
def test_a_shift_covers_from_its_start_up_to_but_not_including_its_end(shift, at, expected):
    assert covers(shift, at) is expected


def test_a_utc_moment_is_read_in_shanghai_time():
    assert local_time(datetime(2024, 6, 1, 13, 30, tzinfo=UTC)).hour == 21


def test_a_time_of_day_outside_the_clock_is_refused():
    with pytest.raises(ValueError, match="not a time of day"):
        minutes("25:00")
