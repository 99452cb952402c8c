"""Spatial and attribute filters, and pages of results.

A :class:`SpatialFilter` is built from API input through ``hub.geo`` validation (so every bad
polygon is refused with its reason before any work is done); its parts combine with AND. Pages
are cut from sorted record positions; a cursor is the position of the last record seen, stable
under writes because positions are never reused.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any

import numpy as np
import shapely

from hub.domain.roster import LOCAL
from hub.errors import InputError, LimitExceeded
from hub.geo.datum import point_to_wgs84, to_wgs84
from hub.geo.geojson import bbox_bounds, parse_geometry, point
from hub.store.catalog import Layer

DEFAULT_PAGE = 100


@dataclass(frozen=True, slots=True)
class SpatialFilter:
    """Validated spatial conditions; every given one must hold."""

    bbox: tuple[float, float, float, float] | None = None
    """(minLon, minLat, maxLon, maxLat)."""
    intersects: shapely.Geometry | None = None
    within: shapely.Geometry | None = None
    dwithin: tuple[float, float, float] | None = None
    contains: tuple[float, float] | None = None
    order_from: tuple[float, float] | None = None
    """Not a condition: list the matches by geodesic distance from this point, nearest first."""

    def key(self) -> Hashable:
        """The filter as a hashable value (answers built from it can be remembered under it)."""
        geoms = tuple(None if g is None else shapely.to_wkb(g) for g in (self.intersects, self.within))
        return (self.bbox, *geoms, self.dwithin, self.contains)

    @property
    def empty(self) -> bool:
        return (
            self.bbox is None
            and self.intersects is None
            and self.within is None
            and self.dwithin is None
            and self.contains is None
        )

    def positions(self, layer: Layer[Any]) -> np.ndarray:
        """Sorted positions of the layer's records that meet every condition."""
        if self.empty:
            return layer.all_positions()
        pos = None
        if not (self.bbox is None and self.intersects is None and self.within is None and self.dwithin is None):
            pos = layer.query(bbox=self.bbox, intersects=self.intersects, within=self.within, dwithin=self.dwithin)
        if self.contains is not None:
            hits = layer.containing(*self.contains)
            pos = hits if pos is None else np.intersect1d(pos, hits)
        assert pos is not None  # not empty: some condition above was given
        return pos

    @classmethod
    def parse(
        cls,
        *,
        bbox: Sequence[float] | None = None,
        intersects: Any = None,
        within: Any = None,
        dwithin: tuple[float, float, float] | None = None,
        contains: tuple[float, float] | None = None,
        order_from: tuple[float, float] | None = None,
        field: str = "where",
        max_vertices: int = 10_000,
        crs: str = "WGS84",
    ) -> SpatialFilter:
        """Validate raw input (GeoJSON dicts, a bbox list, a point and distance) into a filter.

        Input in another coordinate system (``crs``: GCJ02, BD09) is converted to WGS84 here, at the
        edge, after it has been checked as given: geometries and points exactly, a bbox by its corners.
        """
        box = bbox_bounds(list(bbox), field=_at(field, "bbox")) if bbox is not None else None
        inter = (
            parse_geometry(intersects, field=_at(field, "intersects"), max_vertices=max_vertices)
            if intersects is not None
            else None
        )
        wi = (
            parse_geometry(within, field=_at(field, "within"), max_vertices=max_vertices)
            if within is not None
            else None
        )
        dw = None
        if dwithin is not None:
            lon, lat, meters = dwithin
            point(lon, lat, field=_at(field, "dWithin"))
            if not np.isfinite(meters) or meters < 0:
                raise InputError(
                    f"meters must be a finite number ≥ 0, got {meters}", field=_at(field, "dWithin.meters")
                )
            if meters > 100_000:
                raise LimitExceeded(
                    f"meters is {meters:g}; the limit is 100,000 (100 km)", field=_at(field, "dWithin.meters")
                )
            dw = (float(lon), float(lat), float(meters))
        if contains is not None:
            point(*contains, field=_at(field, "contains"))
            contains = (float(contains[0]), float(contains[1]))
        if order_from is not None:
            point(*order_from, field=f"{field}.orderByDistanceFrom")
            order_from = (float(order_from[0]), float(order_from[1]))
        if crs != "WGS84":
            if box is not None:
                minx, miny, maxx, maxy = box
                (x0, y0), (x1, y1) = point_to_wgs84(minx, miny, crs), point_to_wgs84(maxx, maxy, crs)
                box = (x0, y0, x1, y1)
            inter = None if inter is None else to_wgs84(inter, crs)
            wi = None if wi is None else to_wgs84(wi, crs)
            if dw is not None:
                dw = (*point_to_wgs84(dw[0], dw[1], crs), dw[2])
            if contains is not None:
                contains = point_to_wgs84(*contains, crs)
            if order_from is not None:
                order_from = point_to_wgs84(*order_from, crs)
        return cls(box, inter, wi, dw, contains, order_from)


def _at(field: str, name: str) -> str:
    """Where in the input a part is: ``where.bbox`` in GraphQL, ``bbox`` for a query parameter (no prefix)."""
    return f"{field}.{name}" if field else name


@dataclass(frozen=True, slots=True)
class Page:
    """One page of sorted positions, with the total count of matches."""

    positions: np.ndarray
    total: int
    has_next: bool
    has_previous: bool


def check_first(first: int | None, *, max_page: int = 1000, field: str = "first") -> int:
    """The page size to use; refuses negatives and sizes above the cap with a clear message."""
    if first is None:
        return min(DEFAULT_PAGE, max_page)
    if first < 0:
        raise InputError(f"first must be ≥ 0, got {first}", field=field)
    if first > max_page:
        raise LimitExceeded(
            f"first is {first:,}; at most {max_page:,} per page (use `after` for the next page)", field=field
        )
    return first


def paginate(positions: np.ndarray, *, first: int, after: int | None = None) -> Page:
    """The page of ``first`` positions that follow position ``after`` (exclusive) in sorted ``positions``."""
    total = len(positions)
    start = 0 if after is None else int(np.searchsorted(positions, after, side="right"))
    chunk = positions[start : start + first]
    return Page(chunk, total, start + first < total, start > 0)


def encode_cursor(position: int) -> str:
    """An opaque cursor naming a record's position in its layer.

    >>> decode_cursor(encode_cursor(41))
    41
    """
    return base64.b64encode(f"p:{position}".encode()).decode()


def decode_cursor(cursor: str | None, *, field: str = "after") -> int | None:
    """The position inside an opaque cursor, or a clear error when it is not one of ours."""
    if cursor is None:
        return None
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        if not text.startswith("p:"):
            raise ValueError
        return int(text[2:])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InputError(f"{cursor!r} is not a cursor from this connection", field=field) from None


@dataclass(frozen=True, slots=True)
class TimeInterval:
    """A closed interval of time, either end open (None), as OGC API's ``datetime`` gives it.

    >>> t = TimeInterval.parse("2024-06-01/..")
    >>> t.start.isoformat(), t.end
    ('2024-06-01T00:00:00+08:00', None)
    >>> TimeInterval.parse("2024-06-01").end.isoformat()  # a date is the whole local day
    '2024-06-01T23:59:59.999999+08:00'
    >>> TimeInterval.parse("2024-06-05T21:30:00Z").start == TimeInterval.parse("2024-06-06T05:30:00+08:00").end
    True
    """

    start: datetime | None
    end: datetime | None

    @classmethod
    def parse(cls, text: str, *, field: str = "datetime", tz: tzinfo = LOCAL) -> TimeInterval:
        """An instant, a date, or ``start/end`` with ``..`` (or nothing) for an open end; RFC 3339 / ISO 8601.
        Times without an offset and dates are local time (``tz``)."""
        parts = text.split("/")
        if len(parts) > 2 or not text.strip():
            raise InputError(f"{text!r} is not a date, a time or an interval{_TIME_HELP}", field=field)
        if len(parts) == 1:
            return cls(_instant(parts[0], tz, field, end=False), _instant(parts[0], tz, field, end=True))
        start = None if parts[0] in ("", "..") else _instant(parts[0], tz, field, end=False)
        end = None if parts[1] in ("", "..") else _instant(parts[1], tz, field, end=True)
        if start is not None and end is not None and start > end:
            raise InputError(f"{text!r} ends before it starts", field=field)
        return cls(start, end)

    def mask(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Which of the spans (epoch seconds; NaN: undated, never matches) meet this interval."""
        keep = ~(np.isnan(starts) | np.isnan(ends))
        if self.start is not None:
            keep &= ends >= self.start.timestamp()
        if self.end is not None:
            keep &= starts <= self.end.timestamp()
        return keep


_TIME_HELP = " (RFC 3339: 2024-06-01, 2024-06-01T08:00:00+08:00, 2024-06-01/2024-06-30, 2024-06-01/.., ../2024-06-30)"


def _instant(text: str, tz: tzinfo, field: str, *, end: bool) -> datetime:
    """The start (or, for a date, the end) of a date or time given as text."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.max if end else time.min)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not a date or time{_TIME_HELP}", field=field) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def spans(values: Sequence[Any], tz: tzinfo = LOCAL) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) in epoch seconds of ISO dates (the whole local day) or times (an instant); NaN for None.

    >>> s, e = spans(["2024-06-01", None, "2024-06-01T08:00:00+08:00"])
    >>> (e[0] - s[0]) // 3600, np.isnan(s[1]), s[2] == e[2] == s[0] + 8 * 3600
    (np.float64(23.0), np.True_, np.True_)
    """
    starts = np.full(len(values), np.nan)
    ends = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if v is not None:
            starts[i] = _instant(v, tz, "", end=False).timestamp()
            ends[i] = _instant(v, tz, "", end=True).timestamp()
    return starts, ends
