"""The OpenAPI 3.0 definition of the hub's OGC API Features, made from the layer registry.

Each collection gets its own ``items`` path, so its queryable properties appear as the query
parameters they are (``status``, ``managementMode``…) with their types.
"""

from __future__ import annotations

from typing import Any

from hub.domain import features as registry
from hub.domain.features import MapLayer
from hub.http.params import CRS84, CRS_URIS, DEFAULT_LIMIT, MAX_LIMIT

EXCEPTION = {"$ref": "#/components/responses/Exception"}


def _param(name: str, description: str, schema: dict[str, Any], *, explode: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": explode,
    }


PARAMETERS: dict[str, dict[str, Any]] = {
    "bbox": _param(
        "bbox",
        "Features whose geometry intersects the box: minx,miny,maxx,maxy (six numbers with heights) in bbox-crs "
        "(CRS84 lon,lat by default; EPSG:4326 and EPSG:4490 lat,lon).",
        {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
    ),
    "bbox-crs": _param("bbox-crs", "The coordinate system of bbox.", {"type": "string", "enum": list(CRS_URIS)}),
    "crs": _param("crs", "The coordinate system of the answer's geometry.", {"type": "string", "enum": list(CRS_URIS)}),
    "datetime": _param(
        "datetime",
        "A date, a time, or an interval start/end ('..' for an open end) on the collection's date or time "
        "property (only for dated collections). Dates and times without an offset are Asia/Shanghai time.",
        {"type": "string"},
    ),
    "limit": _param(
        "limit",
        f"At most this many features (default {DEFAULT_LIMIT}; larger values are served as {MAX_LIMIT:,}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    ),
    "offset": _param(
        "offset", "Skip this many features (next/prev links carry it).", {"type": "integer", "minimum": 0}
    ),
    "properties": _param(
        "properties",
        "The properties to include, comma-separated (default: every property that is the same for everyone; "
        "personal ones, for staff, only when named).",
        {"type": "array", "items": {"type": "string"}},
    ),
    "f": _param("f", "The format: json (GeoJSON for features) or html.", {"type": "string", "enum": ["json", "html"]}),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _json(description: str, kind: str = "application/json") -> dict[str, Any]:
    return {
        "description": description,
        "content": {kind: {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}},
    }


def _filter(spec: MapLayer, name: str) -> dict[str, Any]:
    p = spec.props[name]
    schema = {"type": "string", "format": p.type} if p.type in ("date", "date-time") else {"type": p.type}
    return _param(name, f"{p.label}: features whose {name} equals this value.", schema)


def _items(spec: MapLayer) -> dict[str, Any]:
    names = ["bbox", "bbox-crs", "limit", "offset", "properties", "crs", "f"]
    if spec.time:
        names.insert(2, "datetime")
    return {
        "get": {
            "summary": f"Features of {spec.title}",
            "operationId": f"getFeatures_{spec.name}",
            "tags": ["Data"],
            "parameters": [_ref(n) for n in names] + [_filter(spec, n) for n in spec.open_props],
            "responses": {
                "200": _json("A page of features (GeoJSON FeatureCollection)", "application/geo+json"),
                "400": EXCEPTION,
                "403": EXCEPTION,
            },
        }
    }


def _item(spec: MapLayer) -> dict[str, Any]:
    return {
        "get": {
            "summary": f"One feature of {spec.title}",
            "operationId": f"getFeature_{spec.name}",
            "tags": ["Data"],
            "parameters": [
                {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}},
                _ref("properties"),
                _ref("crs"),
                _ref("f"),
            ],
            "responses": {"200": _json("A GeoJSON Feature", "application/geo+json"), "404": EXCEPTION},
        }
    }


def _get(summary: str, op: str, tag: str, *, path_id: bool = False) -> dict[str, Any]:
    params: list[dict[str, Any]] = [_ref("f")]
    if path_id:
        params.insert(0, {"name": "collectionId", "in": "path", "required": True, "schema": {"type": "string"}})
    responses: dict[str, Any] = {"200": _json(summary), "400": EXCEPTION}
    if path_id:
        responses["404"] = EXCEPTION
    return {"get": {"summary": summary, "operationId": op, "tags": [tag], "parameters": params, "responses": responses}}


def document(base: str) -> dict[str, Any]:
    """The OpenAPI 3.0 document of the API served at ``base`` (…/ogc)."""
    paths: dict[str, Any] = {
        "/": _get("The landing page", "getLandingPage", "Capabilities"),
        "/conformance": _get("The conformance classes", "getConformance", "Capabilities"),
        "/api": _get("This API definition", "getApi", "Capabilities"),
        "/collections": _get("The collections (map layers)", "getCollections", "Capabilities"),
        "/collections/{collectionId}": _get("One collection", "getCollection", "Capabilities", path_id=True),
        "/collections/{collectionId}/queryables": _get(
            "A collection's queryable properties (JSON Schema)", "getQueryables", "Capabilities", path_id=True
        ),
    }
    for spec in registry.LAYERS.values():
        paths[f"/collections/{spec.name}/items"] = _items(spec)
        paths[f"/collections/{spec.name}/items/{{featureId}}"] = _item(spec)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Suiyang governance hub: OGC API Features",
            "version": "1.0.0",
            "description": "The hub's map layers as OGC API Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; "
            f"Part 2 CRS: {', '.join(CRS_URIS)}; storage CRS {CRS84}). Send a bearer token for staff properties.",
        },
        "servers": [{"url": base}],
        "tags": [{"name": "Capabilities"}, {"name": "Data"}],
        "paths": paths,
        "components": {
            "parameters": PARAMETERS,
            "responses": {
                "Exception": {
                    "description": "What was wrong: a stable code, a description naming the parameter at fault.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["code"],
                                "properties": {
                                    "code": {"type": "string"},
                                    "description": {"type": "string"},
                                    "parameter": {"type": "string"},
                                },
                            }
                        }
                    },
                }
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
