"""Query parameters shared by OGC API Features and the exports: read, checked, and refused with the reason.

``bbox``, ``bbox-crs``, ``crs`` (OGC API Features Part 2 CRS URIs: CRS84, EPSG:4326, CGCS2000
EPSG:4490; the EPSG ones with latitude first), ``datetime``, ``properties``, ``limit``/``offset``,
and ``name=value`` for each open property of the layer. A parameter the endpoint does not know is
refused (400), as OGC API Features asks, so a misspelt filter never silently returns everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from starlette.datastructures import QueryParams

from hub.domain.features import LATLON, MapLayer
from hub.domain.filters import SpatialFilter
from hub.errors import InputError
from hub.services.features import FeatureQuery

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
CRS_URIS = {CRS84: "WGS84", EPSG_4326: LATLON, EPSG_4490: LATLON}
"""Coordinate systems by URI, and how the hub writes coordinates in each (``hub.domain.features.OUTPUT_CRS``)."""
CRS_ALIASES = {
    "CRS84": CRS84,
    "OGC:CRS84": CRS84,
    "EPSG:4326": EPSG_4326,
    "EPSG:4490": EPSG_4490,
    "http://www.opengis.net/def/crs/OGC/0/CRS84": CRS84,
}
"""Short spellings some clients send, taken for the URIs they mean."""
EPSG_CODES = {CRS84: 4326, EPSG_4326: 4326, EPSG_4490: 4490}
"""The EPSG code a file written in each coordinate system is labelled with (GeoPackage)."""

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000

SPATIAL = ("bbox", "bbox-crs")


def crs_uri(text: str | None, field: str = "crs") -> str:
    """The URI of a coordinate system the hub serves (CRS84 when none is given).

    >>> crs_uri("EPSG:4490")
    'http://www.opengis.net/def/crs/EPSG/0/4490'
    >>> crs_uri("EPSG:3857")
    Traceback (most recent call last):
    hub.errors.InputError: crs: 'EPSG:3857' is not served; one of http://www.opengis.net/def/crs/OGC/1.3/CRS84, \
http://www.opengis.net/def/crs/EPSG/0/4326, http://www.opengis.net/def/crs/EPSG/0/4490
    """
    if text is None:
        return CRS84
    uri = CRS_ALIASES.get(text.strip("[]").upper() if ":" in text and "//" not in text else text, text)
    if uri not in CRS_URIS:
        raise InputError(f"{text!r} is not served; one of {', '.join(CRS_URIS)}", field=field)
    return uri


def bbox(text: str, crs: str) -> list[float]:
    """``minx,miny,maxx,maxy`` (or six numbers, heights ignored) in ``crs`` as WGS84 [minLon, minLat, maxLon,
    maxLat]: EPSG:4326 and EPSG:4490 boxes come latitude first.

    >>> bbox("34.37,115.60,34.38,115.61", EPSG_4326)
    [115.6, 34.37, 115.61, 34.38]
    """
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"{text!r} is not four (or six) comma-separated numbers", field="bbox") from None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4:
        raise InputError(f"{text!r} has {len(values)} numbers; a bbox has four (or six)", field="bbox")
    if CRS_URIS[crs] == LATLON:
        values = [values[1], values[0], values[3], values[2]]
    return values


def one(params: QueryParams, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise InputError(f"{name} is given {len(values)} times; give it once", field=name)
    return values[0] if values else None


def check_known(params: QueryParams, known: Iterable[str], spec: MapLayer | None = None) -> None:
    """Refuse parameters the endpoint does not know, naming the ones it does."""
    allowed = set(known) | set(spec.open_props if spec else ())
    unknown = [k for k in params if k not in allowed]
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        raise InputError(
            f"unknown parameter {names}; this endpoint takes {', '.join(sorted(allowed))}", field=unknown[0]
        )


def integer(params: QueryParams, name: str, default: int, low: int, high: int | None = None) -> int:
    """A whole-number parameter at least ``low``; above ``high`` it is ``high`` (OGC: a server may cap limit)."""
    text = one(params, name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{text!r} is not a whole number", field=name) from None
    if value < low:
        raise InputError(f"{name} must be at least {low}, got {value}", field=name)
    return value if high is None else min(value, high)


def geometry(params: QueryParams, name: str) -> Any:
    """A GeoJSON geometry given as JSON text in a parameter (``intersects``, ``within``)."""
    text = one(params, name)
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"is not JSON: {exc}", field=name) from None


def feature_query(
    params: QueryParams,
    spec: MapLayer,
    *,
    crs: str = "WGS84",
    offset: int = 0,
    limit: int | None = None,
    shapes: bool = False,
    max_vertices: int = 10_000,
) -> FeatureQuery:
    """The query the parameters ask of a layer (``shapes``: also ``intersects`` and ``within`` GeoJSON)."""
    box_crs = crs_uri(one(params, "bbox-crs"), "bbox-crs")
    box_text = one(params, "bbox")
    properties = one(params, "properties")
    where = SpatialFilter.parse(
        bbox=None if box_text is None else bbox(box_text, box_crs),
        intersects=geometry(params, "intersects") if shapes else None,
        within=geometry(params, "within") if shapes else None,
        field="",
        max_vertices=max_vertices,
    )
    return FeatureQuery(
        layer=spec.name,
        where=where,
        equals={n: v for n in spec.open_props if (v := one(params, n)) is not None},
        datetime=one(params, "datetime"),
        properties=None if properties is None else [p.strip() for p in properties.split(",") if p.strip()],
        crs=crs,
        offset=offset,
        limit=limit,
    )
