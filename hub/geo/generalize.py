"""Generalisation by zoom for tilings (polygons that share borders), keeping the shared borders shared.

A tiling (subdistricts, communities, unit grids, the old-town sectors) is a *polygonal coverage*:
its polygons do not overlap and neighbours have identical vertices along their common edges.
Simplifying each polygon on its own moves a shared edge one way in one polygon and another way in
its neighbour, which opens slivers of gap and overlap. GEOS's coverage simplification
(``shapely.coverage_simplify``, GEOS ≥ 3.12) simplifies each shared edge once, for both sides, so
the result is again a coverage with no gaps or overlaps.

Zoom bands and tolerances
-------------------------
Clients ask by web-map zoom; zooms fall into ``ZOOM_BANDS`` and each band has one tolerance, set
by the size of a pixel at the band's *highest* zoom (the finest scale the band is drawn at). In
Web Mercator (256-px tiles, sphere of radius a = 6,378,137 m) a pixel is 2πa / (256 · 2^z)
metres of projected plane, on the ground ``156543.03392 · cos(lat) / 2^z`` metres, and
- 360 / (256 · 2^z) degrees of longitude (the projection is linear in longitude),
- that times cos(lat) degrees of latitude (dy/dφ = a / cos φ).
At 34.4° N a degree of latitude is the longer ground distance, so the pixel's side in degrees of
latitude is the smaller number. The tolerance is **half the pixel's height in degrees of
latitude**: 0.5 · 360 · cos(lat) / (256 · 2^z), about 1.1e-3° (126 m) at zoom 9 and 1.8e-5°
(2 m) at zoom 15. It errs on the fine side east–west, where the same number of degrees is
cos(lat) ≈ 0.83 as long on the ground.

GEOS simplifies with Visvalingam–Whyatt: a vertex goes when the triangle it makes with its
neighbours has an area (in degrees²) below tolerance². With half a pixel as the tolerance, every
vertex removed takes away or adds less than a quarter of a pixel of area, so no change is visible.

The top band (zoom ≥ 16) is not simplified. Coordinates are lon/lat degrees, as everywhere in the
hub; planar degree measures are what a Web Mercator renderer sees locally, so no projection is
needed. Functions taking a zoom from a client raise ``hub.errors.InputError``; arguments only code
supplies (a band number, a tolerance) raise ``ValueError``, as in ``hub.geo.sectors``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import shapely

from hub.errors import GeometryError, InputError

LAT = 34.4
"""Latitude (degrees north) at which pixel sizes are taken: the middle of Suiyang District."""

TILE_PX = 256
"""Tile size in pixels that zoom levels refer to (the web-map convention)."""


class ZoomBand(NamedTuple):
    """A range of zooms drawn from one simplified copy of a tiling."""

    lo: int
    """Lowest zoom in the band."""
    hi: int | None
    """Highest zoom in the band, whose pixel sets the tolerance; ``None`` for the unsimplified top band."""


ZOOM_BANDS: tuple[ZoomBand, ...] = (
    ZoomBand(0, 9),
    ZoomBand(10, 11),
    ZoomBand(12, 13),
    ZoomBand(14, 15),
    ZoomBand(16, None),
)
"""The zoom bands, lowest first; band ``i`` is ``ZOOM_BANDS[i]``. The last band is full detail."""


def band_for_zoom(z: float) -> int:
    """The index in ``ZOOM_BANDS`` of the band that serves zoom ``z``.

    A fractional zoom is rounded up (9.5 is served by the band of zoom 10), so the tolerance is
    never coarser than half a pixel at the scale drawn. Zooms past the last band's start use it.

    >>> band_for_zoom(9), band_for_zoom(10), band_for_zoom(9.5), band_for_zoom(22)
    (0, 1, 1, 4)
    >>> band_for_zoom(-1)
    Traceback (most recent call last):
    ...
    hub.errors.InputError: zoom: a zoom must be a number of at least 0, got -1
    """
    if isinstance(z, bool) or not isinstance(z, int | float) or not z >= 0:  # `not >=` catches nan
        raise InputError(f"a zoom must be a number of at least 0, got {z!r}", field="zoom")
    zi = math.ceil(z) if math.isfinite(z) else math.inf
    for i, band in enumerate(ZOOM_BANDS):
        if band.hi is None or zi <= band.hi:
            return i
    raise AssertionError("the last zoom band is open-ended")  # pragma: no cover


def pixel_deg(z: float, lat: float = LAT) -> tuple[float, float]:
    """Width and height (dlon, dlat) in degrees of one Web Mercator pixel at zoom ``z`` and ``lat``.

    >>> dlon, dlat = pixel_deg(16)
    >>> round(dlon * 1e6, 3), round(dlat * 1e6, 3)  # about 2 m × 2 m on the ground
    (21.458, 17.705)
    >>> pixel_deg(0, lat=0.0)  # the whole world is one 256-px tile
    (1.40625, 1.40625)
    """
    if not abs(lat) < 90:
        raise ValueError(f"a pixel size needs a latitude in (-90, 90), got {lat!r}")
    dlon = 360.0 / (TILE_PX * 2.0**z)
    return (dlon, dlon * math.cos(math.radians(lat)))


def pixel_size_m(z: float, lat: float = LAT) -> float:
    """Ground size in metres of one Web Mercator pixel at zoom ``z`` and latitude ``lat``.

    >>> round(pixel_size_m(9), 1), round(pixel_size_m(16), 2)
    (252.3, 1.97)
    >>> round(pixel_size_m(0, lat=0.0), 5)  # the equator at zoom 0
    156543.03392
    """
    return 156543.03392 * math.cos(math.radians(lat)) / 2.0**z


def tolerance_for_band(band: int, lat: float = LAT) -> float:
    """The simplification tolerance in degrees for band ``band``: half a pixel at its highest zoom.

    Half the pixel's height in degrees of latitude (see the module docstring); 0 for the top band.

    >>> [round(tolerance_for_band(b) * 1e6, 1) for b in range(len(ZOOM_BANDS))]
    [1133.1, 283.3, 70.8, 17.7, 0.0]
    >>> tolerance_for_band(len(ZOOM_BANDS))
    Traceback (most recent call last):
    ...
    ValueError: no zoom band 5; bands are 0..4
    """
    if isinstance(band, bool) or not isinstance(band, int | np.integer) or not 0 <= band < len(ZOOM_BANDS):
        raise ValueError(f"no zoom band {band!r}; bands are 0..{len(ZOOM_BANDS) - 1}")
    hi = ZOOM_BANDS[band].hi
    return 0.0 if hi is None else pixel_deg(hi, lat)[1] / 2


def min_area_deg2(z: float, lat: float = LAT) -> float:
    """The area in degrees² (lon × lat) of one pixel at zoom ``z``; smaller features are not drawn.

    >>> round(min_area_deg2(16) * 1e10, 3)  # about 2 m × 2 m
    3.799
    >>> min_area_deg2(0, lat=0.0)
    1.9775390625
    """
    dlon, dlat = pixel_deg(z, lat)
    return dlon * dlat


def visible(geoms: Any, z: float, *, lat: float = LAT) -> Any:
    """Whether each geometry covers at least one pixel at zoom ``z`` (planar area in degrees²).

    Slivers and specks below a pixel are dropped at that zoom. ``None`` and empty geometries are
    not visible; points and lines have no area, so they are never "visible" by this measure.
    Returns a bool for one geometry and a bool array for an array.

    >>> speck = shapely.box(115.6, 34.4, 115.6001, 34.4001)  # about 9 m × 11 m
    >>> bool(visible(speck, 12)), bool(visible(speck, 16))
    (False, True)
    >>> visible([None, shapely.Polygon()], 16).tolist()
    [False, False]
    """
    area = shapely.area(geoms)  # None gives nan, and nan >= x is False
    with np.errstate(invalid="ignore"):
        return np.greater_equal(area, min_area_deg2(z, lat))


def simplify_coverage(geoms: Any, tolerance: float, *, simplify_boundary: bool = True) -> np.ndarray:
    """Coverage-simplify a tiling: shared edges are simplified once, so no gaps or overlaps appear.

    ``geoms`` is an array (or sequence) of Polygons and MultiPolygons forming a coverage (no
    overlaps, identical vertices along shared edges); it is flattened, and the result is a new
    array in the same order. ``tolerance`` is in degrees (see ``tolerance_for_band``); a vertex is
    dropped when its triangle with its neighbours has less area than tolerance².

    - ``None`` stays ``None`` and an empty geometry stays as it is; they take no part.
    - Tolerance 0 returns the input unchanged (the same geometry objects, in a new array).
    - Nothing is dropped: GEOS (checked with 3.14) keeps every polygon, part and hole and at most
      shrinks a ring that is small for the tolerance to a triangle, so a feature never vanishes
      from a layer and keeps its type; use ``visible`` to drop specks at a zoom.
    - ``simplify_boundary=False`` keeps the outer boundary of the tiling (and its holes) as it is
      and simplifies only the edges between neighbours, so the union does not change.
    - Input that is not a valid coverage (check with ``shapely.coverage_is_valid``) is simplified
      too, but the result may overlap; this is not checked, as a tiling may be invalid for a while
      between the writes of one edit.

    Raises ``hub.errors.GeometryError`` for a non-empty geometry that is not a (Multi)Polygon and
    ``ValueError`` for a negative or nan tolerance.

    >>> left = shapely.Polygon([(0, 0), (1, 0), (1.01, 0.5), (1, 1), (0, 1)])  # shares the bent edge
    >>> right = shapely.Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1.01, 0.5)])
    >>> out = simplify_coverage([left, None, right], 0.1)
    >>> shapely.get_num_coordinates(out).tolist()  # the bend is gone from both sides
    [5, 0, 5]
    >>> out[1] is None, bool(shapely.coverage_is_valid(out))
    (True, True)
    >>> simplify_coverage([left], 0.0)[0] is left  # tolerance 0: unchanged
    True
    """
    if not tolerance >= 0:
        raise ValueError(f"a simplification tolerance must be at least 0, got {tolerance!r}")
    arr = _polygonal(geoms)
    out = arr.copy()
    if tolerance == 0:
        return out
    live = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if live.any():
        out[live] = shapely.coverage_simplify(arr[live], tolerance, simplify_boundary=simplify_boundary)
    return out


class Generalized:
    """A tiling with one simplified copy per zoom band, kept current on writes.

    All bands are computed up front (the top band is the input itself); ``at_zoom`` is then an
    index into a tuple. Positions are stable, as in ``hub.geo.index.SpatialIndex``: position ``i``
    is the ``i``-th geometry given or appended in every band, and ``replace(i, None)`` deletes.

    Coverage simplification is global (an edge's result depends on its neighbours, and a subset
    simplified alone would treat its outer edges as boundary and no longer match the rest), so
    every write recomputes every band: about 25 ms a band, 100 ms in all, for the district's 4,950
    grid polygons, and under 10 ms for its 63 communities.
    Writes are copy-on-write under a lock and publish the new bands in one assignment, so a reader
    never sees bands from two different states; returned arrays are read-only.

    >>> w, s, e, n = 115.600, 34.400, 115.610, 34.405  # two ~460 m cells; their border bends 9 m east
    >>> bend = (115.6051, 34.4025)
    >>> left = shapely.Polygon([(w, s), (115.605, s), bend, (115.605, n), (w, n)])
    >>> right = shapely.Polygon([(115.605, s), (e, s), (e, n), (115.605, n), bend])
    >>> gen = Generalized([left, right])
    >>> shapely.get_num_coordinates(gen.at_zoom(9)).tolist()  # the bend is under a pixel (252 m)
    [5, 5]
    >>> shapely.get_num_coordinates(gen.at_zoom(16)).tolist()  # the top band is the input
    [6, 6]
    >>> gen.replace(1, None)
    >>> gen.at_zoom(5)[1] is None
    True
    """

    def __init__(
        self, geoms: Iterable[shapely.Geometry | None] = (), *, lat: float = LAT, simplify_boundary: bool = True
    ) -> None:
        self.lat = float(lat)
        self.simplify_boundary = simplify_boundary
        self.tolerances: tuple[float, ...] = tuple(tolerance_for_band(b, self.lat) for b in range(len(ZOOM_BANDS)))
        self._lock = threading.Lock()
        self._bands = self._compute(_polygonal(list(geoms)))

    def __len__(self) -> int:
        return len(self._bands[-1])

    @property
    def geoms(self) -> np.ndarray:
        """The tiling as given (read-only; change it with ``replace`` and ``append``)."""
        return self._bands[-1]

    def band(self, band: int) -> np.ndarray:
        """The (read-only) simplified array for band ``band`` (an index into ``ZOOM_BANDS``)."""
        tolerance_for_band(band)  # the same check and message for a bad band
        return self._bands[band]

    def at_zoom(self, z: float) -> np.ndarray:
        """The (read-only) array to draw at zoom ``z``: the simplified copy for the zoom's band."""
        return self._bands[band_for_zoom(z)]

    def replace(self, pos: int, geom: shapely.Geometry | None) -> None:
        """Put ``geom`` at position ``pos`` (``None`` deletes) and recompute the bands.

        An edit that moves a shared border should replace both neighbours; between the two
        calls the tiling overlaps or has a gap, which simplification passes on but does not
        refuse. A geometry that is not polygonal raises ``GeometryError`` and changes nothing.
        """
        (checked,) = _polygonal([geom])
        with self._lock:
            n = len(self)
            if not 0 <= pos < n:
                raise IndexError(f"position {pos} is outside the tiling (0..{n - 1})")
            arr = self._bands[-1].copy()
            arr[pos] = checked
            self._bands = self._compute(arr)

    def append(self, geom: shapely.Geometry | None) -> int:
        """Add ``geom`` at the end, recompute the bands and return its position."""
        (checked,) = _polygonal([geom])
        with self._lock:
            n = len(self)
            arr = np.empty(n + 1, dtype=object)
            arr[:n] = self._bands[-1]
            arr[n] = checked
            self._bands = self._compute(arr)
            return n

    def _compute(self, arr: np.ndarray) -> tuple[np.ndarray, ...]:
        bands = tuple(
            simplify_coverage(arr, tol, simplify_boundary=self.simplify_boundary) if tol > 0 else arr
            for tol in self.tolerances
        )
        for b in bands:
            b.flags.writeable = False
        return bands


def _polygonal(geoms: Any) -> np.ndarray:
    """``geoms`` as a flat object array, refusing non-empty geometries that are not (Multi)Polygons."""
    if isinstance(geoms, shapely.Geometry) or geoms is None:
        geoms = [geoms]
    arr = np.empty(len(geoms), dtype=object) if isinstance(geoms, list | tuple) else None
    if arr is not None:
        arr[:] = geoms  # one element per item, whatever the items are
    else:
        arr = np.asarray(geoms, dtype=object).reshape(-1)
    types = shapely.get_type_id(arr)  # -1 for None; raises TypeError for things that are not geometries
    bad = ~np.isin(types, (-1, 3, 6)) & ~shapely.is_empty(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GeometryError(
            f"a tiling holds only Polygons and MultiPolygons; item {i} is a {arr[i].geom_type}", field=f"[{i}]"
        )
    return arr
