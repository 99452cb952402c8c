"""Calendar periods of figures: local days (Asia/Shanghai) as integers, and the periods they fall in.

A dated record keeps its local day as a day number (days since 1970-01-01, ``NO_DAY`` when it has none):
a date as it is, a moment by its local date in Asia/Shanghai, so a case reported at 23:30 on 31 January
local time (15:30 UTC) is a January case. Periods are numbered the same way (months since January 1970,
quarters since the first quarter of 1970, years since 1970) so grouping is integer arithmetic over arrays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from hub.domain.roster import FIRST_DAY, LAST_DAY, check_day, local_time
from hub.errors import InputError

NO_DAY = np.iinfo(np.int32).min
"""The day number of a record without that date."""
EPOCH = date(1970, 1, 1)

DAY, MONTH, QUARTER, YEAR = "DAY", "MONTH", "QUARTER", "YEAR"
UNITS = (DAY, MONTH, QUARTER, YEAR)


def day_number(value: date | datetime | None) -> int:
    """The local day number of a date or moment (``NO_DAY`` for None).

    >>> from zoneinfo import ZoneInfo
    >>> late = datetime(2024, 1, 31, 15, 30, tzinfo=ZoneInfo("UTC"))  # 23:30 on 31 January in Shanghai
    >>> day_number(late) == day_number(date(2024, 1, 31)), day_number(None) == NO_DAY
    (True, True)
    """
    if value is None:
        return int(NO_DAY)
    if isinstance(value, datetime):
        value = local_time(value).date()
    return (value - EPOCH).days


def day_numbers(values: Iterable[date | datetime | None]) -> np.ndarray:
    """``day_number`` of each value, as an int32 array.

    >>> day_numbers([date(1970, 1, 2), None]).tolist() == [1, NO_DAY]
    True
    """
    return np.fromiter((day_number(v) for v in values), dtype=np.int32)


def as_date(number: int) -> date:
    """The date of a day number.

    >>> as_date(19753)
    datetime.date(2024, 1, 31)
    """
    return EPOCH + timedelta(days=int(number))


def periods(days: np.ndarray, unit: str) -> np.ndarray:
    """The period number (in ``unit``) of each day number; -1 where there is no day.

    >>> d = np.array([day_number(date(2024, 1, 31)), day_number(date(2024, 2, 1)), NO_DAY], dtype=np.int32)
    >>> periods(d, MONTH).tolist(), periods(d, QUARTER).tolist(), periods(d, YEAR).tolist()
    ([648, 649, -1], [216, 216, -1], [54, 54, -1])
    """
    known = days != NO_DAY
    out = np.full(days.shape, -1, dtype=np.int64)
    d = days[known].astype("datetime64[D]")
    if unit == DAY:
        out[known] = days[known]
    elif unit == MONTH:
        out[known] = d.astype("datetime64[M]").astype(np.int64)
    elif unit == QUARTER:
        out[known] = d.astype("datetime64[M]").astype(np.int64) // 3
    elif unit == YEAR:
        out[known] = d.astype("datetime64[Y]").astype(np.int64)
    else:
        raise ValueError(f"unknown calendar unit {unit!r}")
    return out


def label(unit: str, number: int) -> date | str | int:
    """How a period is shown: a date, ``2024-01``, ``2024-Q1``, or the year.

    >>> label(DAY, 19753), label(MONTH, 648), label(QUARTER, 216), label(YEAR, 54)
    (datetime.date(2024, 1, 31), '2024-01', '2024-Q1', 2024)
    """
    if unit == DAY:
        return as_date(number)
    if unit == MONTH:
        return f"{1970 + number // 12:04d}-{number % 12 + 1:02d}"
    if unit == QUARTER:
        return f"{1970 + number // 4:04d}-Q{number % 4 + 1}"
    return 1970 + number


def span_count(unit: str) -> int:
    """How many periods of ``unit`` the hub's calendar (1970–2199) holds: the radix of a period key."""
    last = day_number(LAST_DAY)
    return int(periods(np.array([last], dtype=np.int32), unit)[0]) + 1


@dataclass(frozen=True, slots=True)
class DateRange:
    """Local dates from ``start`` to ``end``, both included; either may be open."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def checked(cls, start: date | None, end: date | None, *, field: str = "during") -> DateRange:
        """A range from API input; refused when reversed or outside 1970–2199.

        >>> DateRange.checked(date(2024, 2, 1), date(2024, 1, 1))
        Traceback (most recent call last):
        ...
        hub.errors.InputError: during.to: 2024-01-01 is before during.from (2024-02-01): the range is reversed
        """
        if start is not None:
            check_day(start, field=f"{field}.from")
        if end is not None:
            check_day(end, field=f"{field}.to")
        if start is not None and end is not None and end < start:
            raise InputError(f"{end} is before {field}.from ({start}): the range is reversed", field=f"{field}.to")
        return cls(start, end)

    @property
    def open(self) -> bool:
        return self.start is None and self.end is None

    def mask(self, days: np.ndarray) -> np.ndarray:
        """True for day numbers inside the range (a record without the date is outside a bounded range)."""
        keep = np.ones(days.shape, dtype=bool)
        if self.start is not None:
            keep &= days >= day_number(self.start)
        if self.end is not None:
            keep &= (days <= day_number(self.end)) & (days != NO_DAY)
        return keep

    def holds(self, day: date | None) -> bool:
        """Whether a date is in the range (no date is in an open range only).

        >>> r = DateRange(date(2024, 1, 1), date(2024, 1, 31))
        >>> r.holds(date(2024, 1, 31)), r.holds(None), DateRange().holds(None)
        (True, False, True)
        """
        if self.open:
            return True
        return day is not None and (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def days(self) -> list[date]:
        """Every date of a bounded range."""
        first = self.start or FIRST_DAY
        last = self.end or LAST_DAY
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]
