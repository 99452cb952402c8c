"""Exports of whole layers: ``/export/{layer}.geojson``, ``.csv`` and ``.gpkg``, with the API's filters.

The same selection as OGC API items (``hub.services.features``): ``bbox`` (and ``bbox-crs``),
``intersects`` and ``within`` (GeoJSON geometries), ``datetime`` on dated layers, ``name=value``
for each open property, and ``properties``; the same roles, masking and disclosure log (every
unmasked value in an export is logged). Parameters come in the query string, or, for a large
drawn area, as a JSON object in a POST body.

- GeoJSON: RFC 7946 (WGS84 lon/lat), streamed feature by feature in chunks, from the same
  pre-serialised features as the map answers, keeping nothing new in memory.
- CSV: UTF-8 with a byte-order mark, Chinese column headers and CRLF line ends, so Excel and WPS open
  it with the Chinese intact; geometry as WKT plus the lon/lat of a point on the feature.
- GeoPackage: written by GDAL through pyogrio in chunks (``crs``: CRS84/EPSG:4326 or CGCS2000
  EPSG:4490), in a temporary file streamed back and removed.

Tables of figures (not map layers) are exported as CSV at ``/export/figures/{name}.csv`` from the
``FIGURES`` registry below.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import numpy as np
import orjson
import shapely
from starlette.background import BackgroundTask
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from hub.domain import features as registry
from hub.domain.access import Viewer
from hub.domain.model import Catalog
from hub.errors import InputError, NotFound
from hub.http.negotiate import GEOJSON, answers_errors, viewer_of
from hub.http.params import CRS_URIS, EPSG_CODES, check_known, crs_uri, feature_query, one
from hub.services.features import FeatureSelection, feature_bytes, select_features

FORMATS = ("geojson", "csv", "gpkg")
PARAMS = ("bbox", "bbox-crs", "intersects", "within", "datetime", "properties")
CHUNK = 5_000
"""Features made and sent at a time: memory holds one chunk, whatever the export's size."""
GPKG_CHUNK = 100_000
BOM = "\ufeff"
CSV_MEDIA = "text/csv; charset=utf-8"
GPKG_MEDIA = "application/geopackage+sqlite3"
WKT, LON, LAT, FEATURE_ID = "几何(WKT)", "代表点经度", "代表点纬度", "要素ID"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Text a spreadsheet would run as a formula: written with a leading apostrophe (CSV injection)."""


@dataclass(frozen=True, slots=True)
class FigureTable:
    """A table of figures exported as CSV: Chinese headers, and its rows for a viewer."""

    headers: Sequence[str] | Callable[[QueryParams], Sequence[str]]
    """The header row, or how to make it from the parameters (a table whose columns follow its grouping)."""
    rows: Callable[[Catalog, Viewer, QueryParams], Iterable[Sequence[Any]]]
    params: tuple[str, ...] = ()
    """The query parameters it takes (others are refused)."""


FIGURES: dict[str, FigureTable] = {}
"""Tables of figures by name, served at ``/export/figures/{name}.csv`` (the analysts' grouped figures, issue 10,
register here)."""


def _catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.hub.data
    return catalog


async def _params(request: Request) -> QueryParams:
    """The query string's parameters, or a POST body's JSON object of them (for areas too large for a URL)."""
    if request.method != "POST":
        return request.query_params
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"the body is not JSON: {exc}", field="body") from None
    if not isinstance(body, dict):
        raise InputError("the body is a JSON object of parameters", field="body")
    return QueryParams([(k, v if isinstance(v, str) else orjson.dumps(v).decode()) for k, v in body.items()])


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@answers_errors
async def export(request: Request) -> Response:
    name, fmt = request.path_params["layer"], request.path_params["format"]
    if fmt not in FORMATS:
        raise NotFound(f"there is no .{fmt} export; one of {', '.join('.' + f for f in FORMATS)}", field="format")
    spec = registry.LAYERS.get(name)
    if spec is None:
        raise NotFound(f"there is no layer {name!r}; one of {', '.join(registry.LAYERS)}", field="layer")
    params = await _params(request)
    check_known(params, PARAMS + (("crs",) if fmt == "gpkg" else ()), spec)
    crs = crs_uri(one(params, "crs")) if fmt == "gpkg" else None
    query = feature_query(params, spec, shapes=True, max_vertices=request.app.state.settings.max_vertices)
    catalog, viewer = _catalog(request), viewer_of(request)
    chosen = await anyio.to_thread.run_sync(select_features, catalog, viewer, query)
    if fmt == "geojson":
        return StreamingResponse(
            _geojson(catalog, viewer, chosen), media_type=GEOJSON, headers=_attachment(f"{name}.geojson")
        )
    if fmt == "csv":
        return StreamingResponse(
            _in_threads(_csv_chunks(catalog, viewer, chosen)), media_type=CSV_MEDIA, headers=_attachment(f"{name}.csv")
        )
    assert crs is not None
    path = await anyio.to_thread.run_sync(write_gpkg, catalog, viewer, chosen, EPSG_CODES[crs])
    return FileResponse(
        path, media_type=GPKG_MEDIA, headers=_attachment(f"{name}.gpkg"), background=BackgroundTask(os.unlink, path)
    )


def _chunks(positions: np.ndarray, size: int = CHUNK) -> Iterator[np.ndarray]:
    for start in range(0, len(positions), size):
        yield positions[start : start + size]


async def _in_threads(parts: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Each part of a generator made in a worker thread (CPU work off the event loop)."""
    done = object()
    while (part := await anyio.to_thread.run_sync(next, parts, done)) is not done:
        yield part  # type: ignore[misc]


async def _geojson(catalog: Catalog, viewer: Viewer, chosen: FeatureSelection) -> AsyncIterator[bytes]:
    head = orjson.dumps({"type": "FeatureCollection", "numberMatched": chosen.number_matched})[:-1]
    yield head + b',"features":['

    def part(positions: np.ndarray, first: bool) -> bytes:
        text = b",".join(feature_bytes(catalog, viewer, chosen, positions, keep=False))
        return text if first else b"," + text

    for i, positions in enumerate(_chunks(chosen.matched)):
        yield await anyio.to_thread.run_sync(part, positions, i == 0)
    yield b"]}"


def _csv_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _lines(rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([[_csv_text(v) for v in row] for row in rows])
    return out.getvalue().encode("utf-8")


def _csv_chunks(catalog: Catalog, viewer: Viewer, chosen: FeatureSelection) -> Iterator[bytes]:
    spec = chosen.spec
    headers = [FEATURE_ID, *(spec.props[n].label or n for n in chosen.props), WKT, LON, LAT]
    yield BOM.encode() + _lines([headers])
    layer = spec.layer(catalog)
    for positions in _chunks(chosen.matched):
        values = registry.columns(catalog, viewer, spec, positions, chosen.props)
        geoms = layer.geoms[positions]
        points = shapely.point_on_surface(geoms)
        ids = [spec.feature_id(r) for r in layer.at(positions)]
        yield _lines(
            zip(
                ids,
                *values.values(),
                shapely.to_wkt(geoms, rounding_precision=6, trim=True).tolist(),
                np.round(shapely.get_x(points), 6).tolist(),
                np.round(shapely.get_y(points), 6).tolist(),
                strict=True,
            )
        )


def _field(kind: str, values: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """A column as GeoPackage wants it: typed values, and a mask of nulls (None when there are none)."""
    missing = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    if kind == "integer":
        data = np.array([0 if v is None else v for v in values], dtype=np.int64)
    elif kind == "number":
        data = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    elif kind == "boolean":
        data = np.array([bool(v) for v in values], dtype=bool)
    elif kind == "date":
        data = np.array([v or "NaT" for v in values], dtype="datetime64[D]")
    else:
        data = np.array(values, dtype=object)
    return data, (missing if missing.any() and kind in ("integer", "boolean") else None)


def _typed_column(catalog: Catalog, spec: registry.MapLayer, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """An open property's whole column, typed for GeoPackage, kept until the layer is written (exports of a
    layer slice it instead of reading every record again)."""
    layer = spec.layer(catalog)
    key = ("gpkg", spec.name, name)
    hit = catalog.memo.get(key)
    if hit is None or hit[0] != layer.version:
        values = registry.column(catalog, spec, name).tolist()
        hit = catalog.memo[key] = (layer.version, _field(spec.props[name].type, values))
    return hit[1]


def _fields(
    catalog: Catalog, viewer: Viewer, chosen: FeatureSelection, positions: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray | None]]:
    spec = chosen.spec
    personal = tuple(n for n in chosen.props if not spec.props[n].open)
    values = registry.columns(catalog, viewer, spec, positions, personal) if personal else {}
    out = []
    for n in chosen.props:
        if n in values:
            out.append(_field(spec.props[n].type, values[n]))
        else:
            data, mask = _typed_column(catalog, spec, n)
            out.append((data[positions], None if mask is None else mask[positions]))
    return out


def write_gpkg(catalog: Catalog, viewer: Viewer, chosen: FeatureSelection, epsg: int) -> str:
    """Write the selection to a new GeoPackage (a temporary file; the caller removes it) in chunks, through GDAL."""
    spec = chosen.spec
    layer = spec.layer(catalog)
    import pyogrio.raw  # GDAL and pandas take a third of a second to import: a worker's start does without them

    handle, path = tempfile.mkstemp(prefix=f"hub-{spec.name}-", suffix=".gpkg")
    os.close(handle)
    os.unlink(path)  # GDAL makes the file
    try:
        chunks = list(_chunks(chosen.matched, GPKG_CHUNK)) or [chosen.matched]
        for i, positions in enumerate(chunks):
            fields = _fields(catalog, viewer, chosen, positions)
            pyogrio.raw.write(
                path,
                geometry=shapely.to_wkb(layer.geoms[positions]),
                field_data=[f[0] for f in fields],
                fields=list(chosen.props),
                field_mask=[f[1] for f in fields],
                layer=spec.name,
                driver="GPKG",
                geometry_type=spec.geometry_type,
                crs=f"EPSG:{epsg}",
                encoding="UTF-8",
                append=i > 0,
                layer_metadata={"DESCRIPTION": spec.title},
            )
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)
        raise
    return path


@answers_errors
async def figures(request: Request) -> Response:
    name = request.path_params["name"]
    table = FIGURES.get(name)
    if table is None:
        known = ", ".join(FIGURES) or "none yet"
        raise NotFound(f"there is no table of figures {name!r}; tables: {known}", field="name")
    params = await _params(request)
    check_known(params, table.params)
    catalog, viewer = _catalog(request), viewer_of(request)
    # worked out before the answer starts, so a bad question is a 400 with its reason, not a broken download
    headers = table.headers(params) if callable(table.headers) else table.headers
    rows = await anyio.to_thread.run_sync(lambda: list(table.rows(catalog, viewer, params)))

    def parts() -> Iterator[bytes]:
        yield BOM.encode() + _lines([headers])
        yield _lines(rows)

    return StreamingResponse(_in_threads(parts()), media_type=CSV_MEDIA, headers=_attachment(f"{name}.csv"))


def routes() -> Sequence[BaseRoute]:
    """The export routes, to add to the app's."""
    return [
        Route("/export/figures/{name}.csv", figures, methods=["GET", "POST"]),
        Route("/export/{layer}.{format}", export, methods=["GET", "POST"]),
    ]


assert set(CRS_URIS) == set(EPSG_CODES)
