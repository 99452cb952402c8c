"""Case categories and their handling deadlines, as configuration (GB/T 30428, CJ/T 315).

Each city sets its own categories and deadlines; the hub ships plausible ones for the old town and
reads a replacement table from JSON (``load_categories``). A deadline is counted either in clock
hours or in working hours (:data:`WORKING_HOURS`: 08:00–12:00 and 14:30–18:00 Asia/Shanghai,
Monday to Friday), from the moment the case is dispatched (派遣; the clock starts).

The JSON file is an array of objects with the fields of :class:`Category`; ``deadline`` is an ISO
8601 duration of days, hours and minutes (``"PT4H"``, ``"PT30M"``, ``"P1DT12H"``)::

    [{"code": "EXPOSED_RUBBISH", "name": "暴露垃圾", "cls": "CITY_APPEARANCE",
      "deadline": "PT4H", "working_hours": true}]
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hub.errors import InputError

STREET_ORDER = "STREET_ORDER"
"""街面秩序"""
CITY_APPEARANCE = "CITY_APPEARANCE"
"""市容环境"""
ADVERTISING = "ADVERTISING"
"""宣传广告"""
CONSTRUCTION = "CONSTRUCTION"
"""施工管理"""
EMERGENCY = "EMERGENCY"
"""突发事件"""
CLASSES = (STREET_ORDER, CITY_APPEARANCE, ADVERTISING, CONSTRUCTION, EMERGENCY)


@dataclass(frozen=True, slots=True)
class Category:
    """A kind of case, the class it belongs to, and how long the squad has to handle it."""

    code: str
    name: str
    cls: str
    deadline: timedelta
    working_hours: bool
    """True: ``deadline`` counts only working hours; False: clock hours."""


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """When the working-hours clock runs: periods of the day on working days, in one time zone.

    ``holidays`` are weekdays off (national holidays); ``workdays`` are weekend days worked
    (调休 make-up days). Both are empty by default: the State Council calendar is yearly data.
    """

    periods: tuple[tuple[time, time], ...]
    weekdays: frozenset[int]
    """Working days of the week, Monday = 0."""
    tz: ZoneInfo
    holidays: frozenset[date] = field(default=frozenset())
    workdays: frozenset[date] = field(default=frozenset())

    def works_on(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() in self.weekdays and day not in self.holidays


WORKING_HOURS = WorkingHours(
    periods=((time(8, 0), time(12, 0)), (time(14, 30), time(18, 0))),
    weekdays=frozenset(range(5)),
    tz=ZoneInfo("Asia/Shanghai"),
)

_H = timedelta(hours=1)

DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("OUTSIDE_SHOP_TRADE", "店外经营", STREET_ORDER, 2 * _H, False),
    Category("UNLICENSED_VENDOR", "无照经营游商", STREET_ORDER, 2 * _H, False),
    Category("STREET_SCRAP_BUYING", "占道废品收购", STREET_ORDER, 2 * _H, False),
    Category("OPEN_AIR_BARBECUE", "露天烧烤", STREET_ORDER, 1 * _H, False),
    Category("STREET_HANGING", "沿街晾挂", STREET_ORDER, 4 * _H, True),
    Category("ILLEGAL_PARKING_MOTOR", "机动车乱停放", STREET_ORDER, 1 * _H, False),
    Category("ILLEGAL_PARKING_NONMOTOR", "非机动车乱停放", STREET_ORDER, 2 * _H, False),
    Category("EXPOSED_RUBBISH", "暴露垃圾", CITY_APPEARANCE, 4 * _H, True),
    Category("ILLEGAL_ADS", "非法小广告", ADVERTISING, 8 * _H, True),
    Category("CONSTRUCTION_SITE", "施工管理", CONSTRUCTION, 16 * _H, True),
    Category("EMERGENCY", "突发事件", EMERGENCY, 1 * _H, False),
)
"""The old town's table. Street-order deadlines are in clock hours because the squads' staggered
shifts cover the streets from 07:00 to 02:00; the rest follow office working hours."""

CATEGORIES: Mapping[str, Category] = {c.code: c for c in DEFAULT_CATEGORIES}


def deadline(category: Category, dispatched_at: datetime, hours: WorkingHours = WORKING_HOURS) -> datetime:
    """When a case of ``category`` dispatched at ``dispatched_at`` must be handled.

    A naive ``dispatched_at`` is local time and gives a naive answer; an aware one gives an answer
    in the same zone.

    >>> tz = WORKING_HOURS.tz
    >>> friday_5pm = datetime(2024, 6, 7, 17, 0, tzinfo=tz)
    >>> deadline(CATEGORIES["EXPOSED_RUBBISH"], friday_5pm).isoformat()  # 1 h on Friday, 3 h on Monday
    '2024-06-10T11:00:00+08:00'
    >>> deadline(CATEGORIES["EMERGENCY"], friday_5pm).isoformat()
    '2024-06-07T18:00:00+08:00'
    """
    if not category.working_hours:
        if dispatched_at.tzinfo is None:
            return dispatched_at + category.deadline
        return (dispatched_at.astimezone(UTC) + category.deadline).astimezone(dispatched_at.tzinfo)
    return add_working_time(dispatched_at, category.deadline, hours)


def add_working_time(start: datetime, duration: timedelta, hours: WorkingHours = WORKING_HOURS) -> datetime:
    """The moment ``duration`` of working time after ``start``.

    A duration that runs out exactly at the end of a period ends there (12:00, not 14:30).

    >>> tz = WORKING_HOURS.tz
    >>> add_working_time(datetime(2024, 6, 3, 11, 0), timedelta(hours=2))  # Monday: 11–12, 14:30–15:30
    datetime.datetime(2024, 6, 3, 15, 30)
    >>> add_working_time(datetime(2024, 6, 8, 9, 0, tzinfo=tz), timedelta(hours=1)).isoformat()  # Saturday
    '2024-06-10T09:00:00+08:00'
    """
    if duration < timedelta(0):
        raise ValueError(f"a working-time duration cannot be negative, got {duration}")
    if not hours.periods or not (hours.weekdays or hours.workdays):
        raise ValueError("working hours have no periods or no working days")
    local = start.replace(tzinfo=hours.tz) if start.tzinfo is None else start.astimezone(hours.tz)
    left = duration
    day = local.date()
    for _ in range(3700):  # ten years of days: ends unless the calendar has no working day at all
        if hours.works_on(day):
            for begin, end in hours.periods:
                a = max(datetime.combine(day, begin, hours.tz), local)
                b = datetime.combine(day, end, hours.tz)
                if a >= b:
                    continue
                if b - a >= left:
                    return _like(start, a + left, hours.tz)
                left -= b - a
        day += timedelta(days=1)
    raise ValueError("the working-hours calendar has no working time in the next ten years")


def _like(start: datetime, result: datetime, tz: ZoneInfo) -> datetime:
    if start.tzinfo is None:
        return result.replace(tzinfo=None)
    return result.astimezone(start.tzinfo)


# --- configuration file ----------------------------------------------------------------------

_FIELDS = ("code", "name", "cls", "deadline", "working_hours")
_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?")


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration of days, hours and minutes.

    >>> parse_duration("PT4H"), parse_duration("P1DT30M")
    (datetime.timedelta(seconds=14400), datetime.timedelta(days=1, seconds=1800))
    >>> parse_duration("4h")
    Traceback (most recent call last):
    ...
    ValueError: '4h' is not an ISO 8601 duration such as PT4H, PT30M or P1DT12H
    """
    m = _DURATION.fullmatch(text)
    if m is None or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as PT4H, PT30M or P1DT12H")
    d, h, mins = (int(x) if x else 0 for x in m.groups())
    return timedelta(days=d, hours=h, minutes=mins)


def load_categories(path: str | Path) -> dict[str, Category]:
    """Read a category table from a JSON file (see the module docstring); it replaces the defaults.

    Every problem is refused with an :class:`~hub.errors.InputError` naming the file and the
    entry, e.g. ``categories.json: entry 3 (EXPOSED_RUBBISH): cls 'LITTER' is not one of ...``.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the category table {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from None
    return parse_categories(data, source=str(path))


def parse_categories(data: Any, *, source: str = "categories") -> dict[str, Category]:
    """Check a decoded category table and return it keyed by code."""
    if not isinstance(data, list):
        raise InputError(f"{source}: expected a JSON array of categories, got {_kind(data)}")
    if not data:
        raise InputError(f"{source}: the category table is empty; list at least one category")
    out: dict[str, Category] = {}
    for i, entry in enumerate(data):
        category = _entry(entry, f"{source}: entry {i}")
        if category.code in out:
            raise InputError(f"{source}: entry {i}: code {category.code} is used twice")
        out[category.code] = category
    return out


def _entry(entry: Any, where: str) -> Category:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected an object, got {_kind(entry)}")
    code = entry.get("code")
    if isinstance(code, str):
        where = f"{where} ({code})"
    missing = [k for k in _FIELDS if k not in entry]
    unknown = sorted(set(entry) - set(_FIELDS))
    if missing:
        raise InputError(f"{where}: missing {', '.join(missing)}; every entry has {', '.join(_FIELDS)}")
    if unknown:
        raise InputError(f"{where}: unknown field {', '.join(unknown)}; the fields are {', '.join(_FIELDS)}")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise InputError(f"{where}: code must be UPPER_SNAKE_CASE text, got {json.dumps(code, ensure_ascii=False)}")
    name, cls, raw, working = entry["name"], entry["cls"], entry["deadline"], entry["working_hours"]
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}: name must be non-empty text")
    if cls not in CLASSES:
        raise InputError(f"{where}: cls {json.dumps(cls, ensure_ascii=False)} is not one of {', '.join(CLASSES)}")
    if not isinstance(raw, str):
        raise InputError(f"{where}: deadline must be an ISO 8601 duration string such as PT4H, got {_kind(raw)}")
    try:
        limit = parse_duration(raw)
    except ValueError as exc:
        raise InputError(f"{where}: deadline {exc}") from None
    if limit <= timedelta(0):
        raise InputError(f"{where}: deadline must be longer than zero, got {raw}")
    if not isinstance(working, bool):
        raise InputError(f"{where}: working_hours must be true or false, got {_kind(working)}")
    return Category(code, name.strip(), cls, limit, working)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {json.dumps(value, ensure_ascii=False)}"
    return "an array" if isinstance(value, list) else "an object"
