"""Logged patrols: the checks a patrol passes before it is stored, who may see its track, and how much
of a sector a day's patrols covered.

A patrol is a GPS track (a GeoJSON LineString, WGS84) walked by officers of one squad between two
moments, optionally with a time for every point. Location tracks are sensitive personal information
(PIPL Art. 28): only the patrol's own squad and admins see a track (:func:`track_visible_to`);
everyone else gets aggregates such as :func:`patrol_coverage`, which names grids and merchants but
never shows a line.

Times: an aware datetime is converted to Asia/Shanghai; a naive one (or an ISO text without an
offset) is taken to be Asia/Shanghai already. Messages number points from 1, as an officer counts
them ("point 7", "leg 12→13"); error fields use the 0-based JSON index (``track.coordinates[6]``).

Coverage accuracy. Tracks are buffered by 50 m and clipped to the sector in one transverse Mercator
centred on 大隅首 (``hub.geo.local``). Everything in the old town lies within 2.5 km of that centre,
where the projection's scale error is below 8e-8 (area 1.5e-7, a quarter of a square metre on a
1.67 km² sector); edges drawn straight in the projection instead of along geodesics differ by well
under a millimetre at the sector's 13 m vertex spacing. The buffer's round ends and joins are
polygons of 64 sides inscribed in the true circle, 0.16 % short of its area (13 m² for the two ends
of one track). The share is a ratio of two planar areas, so even the scale error cancels; the
square metres reported are the share times the sector's geodesic area.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

import numpy as np
import shapely

from hub.domain import guards
from hub.domain.access import OFFICER, PATROL_TRACK, Viewer
from hub.domain.roster import LOCAL, check_day, local_time
from hub.errors import AccessDenied, GeometryError, InputError, NotFound, StoreError
from hub.geo.geojson import parse_geometry
from hub.geo.local import local_projection
from hub.geo.measure import WGS84, geodesic_area, geodesic_length, meters_to_degrees
from hub.store.catalog import Catalog, Layer
from hub.store.records import OldTown, Patrol, Sector

T = TypeVar("T")

MAX_SPEED_KMH = 80.0
"""Fastest credible leg: a patrol car in town. Faster means a GPS jump or a wrong time."""
GPS_ERROR_M = 25.0
"""How far off a phone's fix may be in the old town's lanes. Each end of a leg may be off by this
much, so a leg counts as too fast only if even its shortest possible length is: walking jitter of
a few tens of metres between fixes a second apart is not a 100 km/h leg."""
MAX_DURATION = timedelta(hours=16)
CLOCK_SLACK = timedelta(minutes=5)
"""Tolerance for phone clocks: on ``now`` and on point times just outside the patrol's span."""
RING_MARGIN_M = 1000.0
"""How far beyond the 城郭路 ring a track may stray (streets just outside the embankment)."""
MAX_TRACK_POINTS = 28_800
"""One point every 2 s for 16 h."""
COVER_M = 50.0
"""A patrol covers what lies within this distance of its track."""
QUAD_SEGS = 16


# --- checking a patrol ---------------------------------------------------------------------------


def check_patrol(
    catalog: Catalog,
    viewer: Viewer,
    *,
    client_id: str | None,
    squad_code: str,
    officer_ids: Sequence[str],
    started_at: datetime | str,
    ended_at: datetime | str,
    track: Any,
    point_times: Sequence[str | datetime] | None = None,
    now: datetime,
    field: str = "",
) -> Patrol:
    """Validate a patrol as sent by a phone and return the record to store (id 0, geojson "").

    The first problem found is refused; the error's ``field`` is the input name (``officerIds[1]``,
    ``track.coordinates[3]``), prefixed with ``field`` when one is given. In order: the viewer must
    be an officer of the squad or an admin (``AccessDenied``); the squad and officers must exist and
    belong together; ``started_at < ended_at``, at most 16 h apart and not in the future (5 min
    tolerance); the track a LineString of at least 2 points; ``point_times``, when given (an empty
    list counts as none), one ISO 8601 time per point, never going backwards and within the patrol
    (±5 min); every point within 1 km of the 城郭路 ring; then no leg faster than 80 km/h (with
    point times; allowing 25 m of GPS error at each end of a leg) or, without them, no average over
    80 km/h. Times are returned in Asia/Shanghai, and
    ``length_m`` is filled with the geodesic length (the store recomputes it the same way).

    >>> from hub.domain.access import ANONYMOUS
    >>> check_patrol(None, ANONYMOUS, client_id="p1", squad_code="SQ1", officer_ids=["OF01"],
    ...              started_at="2024-06-01T10:00", ended_at="2024-06-01T11:00", track=None,
    ...              now=datetime(2024, 6, 1, 12, tzinfo=LOCAL))
    Traceback (most recent call last):
    ...
    hub.errors.AccessDenied: squadCode: only officers of the squad and admins may log patrols; \
this request comes as public
    """

    def at(name: str) -> str:
        return f"{field}.{name}" if field else name

    _check_viewer(catalog, viewer, squad_code, at("squadCode"))
    client = guards.client_id(client_id, field=at("clientId"))
    officers = _officers(catalog, squad_code, officer_ids, at("officerIds"))
    start = _moment(started_at, at("startedAt"), "startedAt")
    end = _moment(ended_at, at("endedAt"), "endedAt")
    _check_span(start, end, _moment(now, "now", "now"), at("endedAt"))
    line = parse_geometry(track, field=at("track"), allowed={"LineString"}, max_vertices=MAX_TRACK_POINTS)
    xy = shapely.get_coordinates(line)
    if len(xy) < 2:
        raise GeometryError(f"a track needs at least 2 points, got {len(xy)}", field=at("track"))
    times = _point_times(point_times, len(xy), start, end, at("pointTimes"))
    _check_ring(_old_town(catalog), xy, at("track"))
    legs = _leg_lengths(xy)
    _check_speeds(legs, times, start, end, at("track"))
    return Patrol(
        geometry=line,
        geojson="",
        client_id=client,
        squad_code=squad_code,
        officer_ids=officers,
        started_at=start,
        ended_at=end,
        point_times=tuple(t.isoformat() for t in times) if times else (),
        length_m=float(legs.sum()),
        logged_by=viewer.actor,
    )


def _check_viewer(catalog: Catalog, viewer: Viewer, squad_code: str, field: str) -> None:
    if not (viewer.is_admin or viewer.role == OFFICER):
        msg = f"only officers of the squad and admins may log patrols; this request comes as {viewer.role}"
        raise AccessDenied(msg, field=field)
    if squad_code not in catalog.squads:
        raise NotFound(f"unknown squad {squad_code!r}; the squads are {', '.join(sorted(catalog.squads))}", field=field)
    if not viewer.is_admin and viewer.squad_code != squad_code:
        msg = (
            f"an officer of {viewer.squad_code} may not log patrols for {squad_code}; only its own officers and admins"
        )
        raise AccessDenied(msg, field=field)


def _officers(catalog: Catalog, squad_code: str, officer_ids: Sequence[str], field: str) -> tuple[str, ...]:
    ids = list(officer_ids or ())
    if not ids:
        raise InputError("a patrol needs at least one officer", field=field)
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if not isinstance(x, str):
            raise InputError(f"officer ids are strings, got {x!r}", field=f"{field}[{i}]")
        if x in seen:
            raise InputError(f"officer {x} is listed twice", field=f"{field}[{i}]")
        seen.add(x)
    unknown = [i for i, x in enumerate(ids) if x not in catalog.officers]
    if unknown:
        names = ", ".join(ids[i] for i in unknown)
        raise NotFound(f"unknown officer{'s' if len(unknown) > 1 else ''}: {names}", field=f"{field}[{unknown[0]}]")
    others = [i for i, x in enumerate(ids) if catalog.officers[x].squad_code != squad_code]
    if others:
        listed = " and ".join(f"{ids[i]} ({catalog.officers[ids[i]].squad_code})" for i in others)
        verb = "are not officers" if len(others) > 1 else "is not an officer"
        raise InputError(f"{listed} {verb} of {squad_code}", field=f"{field}[{others[0]}]")
    return tuple(ids)


def _moment(value: Any, field: str, what: str) -> datetime:
    """A datetime or ISO 8601 text as an aware Asia/Shanghai datetime (naive means local)."""
    if isinstance(value, datetime):
        return local_time(value, field=field)
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
        if parsed is None or len(text) <= 10:  # 10 characters or fewer is a date without a time
            raise InputError(
                f"{what} {value!r} is not an ISO 8601 date and time (such as 2024-06-01T10:02:00+08:00)", field=field
            )
        return local_time(parsed, field=field)
    raise InputError(f"{what} must be an ISO 8601 date and time, got {type(value).__name__}", field=field)


def _clock(t: datetime, ref: datetime) -> str:
    """A local time for messages: the time of day, with the date when it is not the reference's."""
    t, ref = t.astimezone(LOCAL), ref.astimezone(LOCAL)
    return t.strftime("%H:%M:%S" if t.date() == ref.date() else "%Y-%m-%d %H:%M:%S")


def _check_span(start: datetime, end: datetime, now: datetime, field: str) -> None:
    if not start < end:
        msg = f"endedAt {_clock(end, start)} is not after startedAt {_clock(start, start)}"
        raise InputError(msg, field=field)
    if end - start > MAX_DURATION:
        hours = (end - start) / timedelta(hours=1)
        msg = (
            f"the patrol lasts {hours:.1f} h; the longest a patrol may last is {MAX_DURATION / timedelta(hours=1):g} h"
        )
        raise InputError(msg, field=field)
    if end > now + CLOCK_SLACK:
        msg = f"endedAt {end.isoformat()} is in the future (now is {now.isoformat(timespec='seconds')})"
        raise InputError(msg, field=field)


def _point_times(
    values: Sequence[str | datetime] | None, n: int, start: datetime, end: datetime, field: str
) -> list[datetime]:
    if not values:
        return []
    if len(values) != n:
        raise InputError(f"{len(values)} point times for a track of {n} points; send one time per point", field=field)
    times = [_moment(v, f"{field}[{i}]", f"the time of point {i + 1}") for i, v in enumerate(values)]
    for i in range(1, n):
        if times[i] < times[i - 1]:
            raise InputError(
                f"point {i + 1} at {_clock(times[i], start)} comes before point {i} at {_clock(times[i - 1], start)}; "
                "point times must not go backwards",
                field=f"{field}[{i}]",
            )
    for i, t in enumerate(times):
        if t < start - CLOCK_SLACK:
            msg = f"point {i + 1} at {_clock(t, start)} is more than 5 minutes before startedAt {_clock(start, start)}"
            raise InputError(msg, field=f"{field}[{i}]")
        if t > end + CLOCK_SLACK:
            msg = f"point {i + 1} at {_clock(t, start)} is more than 5 minutes after endedAt {_clock(end, start)}"
            raise InputError(msg, field=f"{field}[{i}]")
    return times


def _old_town(catalog: Catalog) -> OldTown:
    if catalog.old_town is None:
        raise StoreError("the old town's centre and ring are not loaded")
    return catalog.old_town


def _check_ring(town: OldTown, xy: np.ndarray, field: str) -> None:
    n = len(xy)
    _, _, dist = WGS84.inv(np.full(n, town.centre_lon), np.full(n, town.centre_lat), xy[:, 0], xy[:, 1])
    limit = town.radius_m + RING_MARGIN_M
    outside = np.flatnonzero(np.asarray(dist) > limit)
    if outside.size:
        i = int(outside[0])
        raise InputError(
            f"point {i + 1} ({xy[i, 0]:.6f}, {xy[i, 1]:.6f}) is {dist[i]:,.0f} m from {town.centre_name}; "
            f"a patrol stays within {limit:,.0f} m of it (the 城郭路 ring at {town.radius_m:,.0f} m plus "
            f"{RING_MARGIN_M:,.0f} m)",
            field=f"{field}.coordinates[{i}]",
        )


def _leg_lengths(xy: np.ndarray) -> np.ndarray:
    """Geodesic length of each leg in metres."""
    _, _, d = WGS84.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
    return np.atleast_1d(np.asarray(d, dtype=float))


def _duration(seconds: float) -> str:
    """A span for messages.

    >>> _duration(30), _duration(720), _duration(7500)
    ('30 s', '12 min', '2 h 5 min')
    """
    if seconds < 60:
        return f"{seconds:g} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    h, rest = divmod(round(seconds / 60), 60)
    return f"{h} h {rest} min" if rest else f"{h} h"


def _check_speeds(legs: np.ndarray, times: list[datetime], start: datetime, end: datetime, field: str) -> None:
    if not times:
        seconds = (end - start).total_seconds()
        mean = legs.sum() * 3.6 / seconds
        if mean > MAX_SPEED_KMH:
            raise InputError(
                f"the track is {legs.sum():,.0f} m long in {_duration(seconds)}, {mean:,.0f} km/h on average; "
                f"the limit is {MAX_SPEED_KMH:g} km/h",
                field=field,
            )
        return
    gaps = np.array([(b - a).total_seconds() for a, b in itertools.pairwise(times)])
    shortest = np.maximum(legs - 2 * GPS_ERROR_M, 0.0)  # each end may be off by GPS_ERROR_M
    at_least = np.divide(shortest * 3.6, gaps, out=np.where(shortest > 0, np.inf, 0.0), where=gaps > 0)
    fast = np.flatnonzero(at_least > MAX_SPEED_KMH)
    if fast.size:
        i = int(fast[0])
        speed = "an instant jump" if gaps[i] <= 0 else f"{legs[i] * 3.6 / gaps[i]:,.0f} km/h"
        raise InputError(
            f"leg {i + 1}→{i + 2} is {speed} ({legs[i]:,.0f} m in {gaps[i]:g} s, more than "
            f"{GPS_ERROR_M:g} m of GPS error at each end explains); the limit is {MAX_SPEED_KMH:g} km/h",
            field=f"{field}.coordinates[{i + 1}]",
        )


# --- privacy ---------------------------------------------------------------------------------------


def track_visible_to(viewer: Viewer, patrol: Patrol) -> bool:
    """Whether the viewer may see the patrol's track and point times: its own squad and admins only.

    >>> p = Patrol(geometry=None, geojson="", squad_code="SQ1")
    >>> track_visible_to(Viewer("officer", "SQ1"), p), track_visible_to(Viewer("officer", "SQ2"), p)
    (True, False)
    >>> track_visible_to(Viewer("admin"), p), track_visible_to(Viewer("analyst"), p)
    (True, False)
    """
    return viewer.sees_squad_in_full(patrol.squad_code)


def shown_track(viewer: Viewer, patrol: Patrol, value: T) -> T | None:
    """``value`` (the track, or its point times) if the viewer may see the patrol's track, logged as
    a disclosure; None otherwise."""
    if track_visible_to(viewer, patrol):
        viewer.saw(PATROL_TRACK, patrol.id)
        return value
    return None


# --- coverage --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of a sector one local day's patrols passed within 50 m of."""

    sector_code: str
    day: date
    share: float
    """Covered fraction of the sector's area, 0..1."""
    covered_m2: float
    sector_m2: float
    """The sector's geodesic area."""
    patrols: int
    """Patrols of that day whose track comes within 50 m of the sector."""
    grids_passed: list[str]
    """Codes of grids that intersect the sector and lie within 50 m of a track, sorted."""
    merchants_passed: list[str]
    """Ids of merchants in the sector within 50 m of a track, sorted."""
    length_m: float
    """Total geodesic length of those patrols' tracks (inside the sector and out)."""


def day_window(day: date) -> tuple[datetime, datetime]:
    """The local day as [start, end) in Asia/Shanghai.

    >>> start, end = day_window(date(2024, 6, 1))
    >>> start.isoformat(), end.isoformat()
    ('2024-06-01T00:00:00+08:00', '2024-06-02T00:00:00+08:00')
    """
    check_day(day)
    start = datetime.combine(day, time(0), tzinfo=LOCAL)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL)


def patrol_coverage(catalog: Catalog, sector_code: str, day: date, *, field: str = "sectorCode") -> Coverage:
    """The share of a sector within 50 m of the tracks of patrols on a local day (Asia/Shanghai).

    A patrol belongs to every day its [started_at, ended_at] overlaps (a night patrol counts on
    both days; one ending exactly at midnight does not count on the next). Grids must intersect the
    sector and merchants lie in it (on its border counts) to be listed. With no patrols the share is 0.
    """
    sector = catalog.sectors.get(sector_code)
    if sector is None:
        known = ", ".join(sorted(s.code for s in catalog.sectors))
        raise NotFound(f"unknown sector {sector_code!r}; the sectors are {known}", field=field)
    town = _old_town(catalog)
    proj = local_projection(town.centre_lon, town.centre_lat)
    sector_xy = proj.forward(sector.geometry)
    sector_m2 = sector.area_m2 or float(geodesic_area(sector.geometry))
    patrols = _day_patrols(catalog, sector, sector_xy, proj, day)
    if not patrols:
        return Coverage(sector_code, day, 0.0, 0.0, sector_m2, 0, [], [], 0.0)
    tracks = proj.forward(_array([p.geometry for p in patrols]))
    union = shapely.union_all(tracks)
    shapely.prepare(union)
    covered = shapely.buffer(union, COVER_M, quad_segs=QUAD_SEGS)
    share = min(1.0, shapely.intersection(covered, sector_xy).area / sector_xy.area)
    bounds = tuple(shapely.total_bounds(_array([p.geometry for p in patrols])).tolist())
    return Coverage(
        sector_code=sector_code,
        day=day,
        share=share,
        covered_m2=share * sector_m2,
        sector_m2=sector_m2,
        patrols=len(patrols),
        grids_passed=sorted(g.code for g in _passed(catalog.grids, sector, bounds, union, proj)),
        merchants_passed=sorted(m.id for m in _passed(catalog.merchants, sector, bounds, union, proj)),
        length_m=float(np.nansum(geodesic_length(_array([p.geometry for p in patrols])))),
    )


def _array(geoms: list[Any]) -> np.ndarray:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    return arr


def _grow(bounds: Sequence[float], meters: float) -> tuple[float, float, float, float]:
    """A lon/lat box grown by (at least) ``meters`` on every side."""
    minx, miny, maxx, maxy = bounds
    dlon, dlat = meters_to_degrees(meters, max(abs(miny), abs(maxy)))
    return (minx - dlon, miny - dlat, maxx + dlon, maxy + dlat)


def _day_patrols(catalog: Catalog, sector: Sector, sector_xy: Any, proj: Any, day: date) -> list[Patrol]:
    """The patrols overlapping the local day whose tracks come within 50 m of the sector."""
    start, end = day_window(day)
    near = catalog.patrols.at(catalog.patrols.query(bbox=_grow(sector.geometry.bounds, COVER_M)))
    dated = [
        p
        for p in near
        if p.geometry is not None
        and p.started_at is not None
        and p.ended_at is not None
        and local_time(p.started_at) < end
        and local_time(p.ended_at) > start
    ]
    if not dated:
        return []
    keep = shapely.dwithin(proj.forward(_array([p.geometry for p in dated])), sector_xy, COVER_M)
    return [p for p, k in zip(dated, keep.tolist(), strict=True) if k]


def _passed(layer: Layer[Any], sector: Sector, bounds: Sequence[float], union: Any, proj: Any) -> list[Any]:
    """Records of the layer that intersect the sector and lie within 50 m of the tracks (measured in metres)."""
    candidates = layer.at(layer.query(bbox=_grow(bounds, COVER_M), intersects=sector.geometry))
    if not candidates:
        return []
    keep = shapely.dwithin(proj.forward(_array([x.geometry for x in candidates])), union, COVER_M)
    return [x for x, k in zip(candidates, keep.tolist(), strict=True) if k]
