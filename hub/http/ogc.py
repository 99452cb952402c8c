"""OGC API – Features (Part 1 Core, GeoJSON, HTML, OpenAPI 3.0; Part 2 CRS by reference) under ``/ogc``.

One collection per map layer of ``hub.domain.features``, served from the same pre-serialised
features as GraphQL's ``featureCollection`` and the tiles, under the same roles, masking and
disclosure log: QGIS, GDAL and OWSLib read the hub as they read any OGC API Features server.

    /ogc                                   landing page
    /ogc/conformance                       conformance classes
    /ogc/api                               OpenAPI 3.0 definition
    /ogc/collections                       the layers, with extents and CRSs
    /ogc/collections/{id}                  one layer
    /ogc/collections/{id}/queryables       its filterable properties (JSON Schema)
    /ogc/collections/{id}/items            its features: bbox, bbox-crs, datetime, limit, offset,
                                           properties, crs, and name=value for queryable properties
    /ogc/collections/{id}/items/{fid}      one feature

Every page answers JSON (GeoJSON for features) or HTML by ``f=json|html`` or the ``Accept`` header.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import anyio
import numpy as np
import orjson
import shapely
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from hub.domain import features as registry
from hub.domain import selection
from hub.domain.features import MapLayer
from hub.domain.model import Catalog
from hub.errors import NotFound
from hub.geo.collection import collection_bytes
from hub.http import ogc_html, openapi
from hub.http.negotiate import GEOJSON, HTML, JSON, answers_errors, viewer_of, wants_html
from hub.http.params import (
    CRS84,
    CRS_URIS,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    check_known,
    crs_uri,
    feature_query,
    integer,
    one,
)
from hub.services import Hub
from hub.services.features import feature_bytes, find_feature, select_features

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
ITEMS_PARAMS = ("bbox", "bbox-crs", "datetime", "limit", "offset", "properties", "crs", "f")
ITEM_PARAMS = ("properties", "crs", "f")
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
QUERYABLES = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
DISTRICT = [115.3, 34.1, 116.0, 34.6]
"""The extent shown for a layer with nothing in it yet (Suiyang District)."""
INLINE = 2_000
"""Pages of up to this many features are joined on the event loop (≈ 1 ms from kept features); larger ones
in a worker thread."""
TITLE = "睢阳区基层治理数据 Suiyang governance hub"


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _link(href: str, rel: str, kind: str, title: str = "") -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": kind}
    if title:
        link["title"] = title
    return link


def _self_links(request: Request, kind: str = JSON) -> list[dict[str, str]]:
    """``self`` in the format answered and ``alternate`` in the other."""
    html = wants_html(request)
    here, there = (HTML, kind) if html else (kind, HTML)
    return [
        _link(str(request.url.include_query_params(f="html" if html else "json")), "self", here, "this document"),
        _link(
            str(request.url.include_query_params(f="json" if html else "html")),
            "alternate",
            there,
            "this document as " + ("JSON" if html else "HTML"),
        ),
    ]


def _answer(request: Request, doc: dict[str, Any], page: str, kind: str = JSON) -> Response:
    if wants_html(request):
        return Response(ogc_html.render(page, doc, _base(request)), media_type=HTML)
    return Response(orjson.dumps(doc), media_type=kind)


def _spec(request: Request) -> MapLayer:
    name = request.path_params["collection"]
    spec = registry.LAYERS.get(name)
    if spec is None:
        raise NotFound(f"there is no collection {name!r}; one of {', '.join(registry.LAYERS)}", field="collectionId")
    return spec


@answers_errors
async def landing(request: Request) -> Response:
    check_known(request.query_params, ("f",))
    base = _base(request)
    doc = {
        "title": TITLE,
        "description": "Compounds, grids, the old town's sectors, occupied public space, incidents and merchants "
        "of Suiyang District, Shangqiu, as OGC API Features (GeoJSON, HTML; CRS84, EPSG:4326, CGCS2000 EPSG:4490).",
        "links": [
            *_self_links(request),
            _link(f"{base}/api", "service-desc", OPENAPI, "the API definition (OpenAPI 3.0)"),
            _link(f"{base}/api?f=html", "service-doc", HTML, "the API documentation"),
            _link(f"{base}/conformance", "conformance", JSON, "conformance classes"),
            _link(f"{base}/collections", "data", JSON, "the layers (collections)"),
        ],
    }
    return _answer(request, doc, "landing")


@answers_errors
async def conformance(request: Request) -> Response:
    check_known(request.query_params, ("f",))
    return _answer(request, {"links": _self_links(request), "conformsTo": CONFORMANCE}, "conformance")


@answers_errors
async def api(request: Request) -> Response:
    check_known(request.query_params, ("f",))
    doc = openapi.document(_base(request))
    if wants_html(request):
        return Response(ogc_html.render("api", doc, _base(request)), media_type=HTML)
    return Response(orjson.dumps(doc), media_type=OPENAPI)


def _bounds(catalog: Catalog, spec: MapLayer) -> list[float]:
    layer = spec.layer(catalog)
    key = ("bounds", spec.name)
    hit = catalog.memo.get(key)
    if hit is None or hit[0] != layer.version:
        geoms = layer.geoms
        box = shapely.total_bounds(geoms) if len(geoms) else np.full(4, np.nan)
        found = DISTRICT if np.isnan(box).any() else [round(v, 6) for v in box.tolist()]
        hit = catalog.memo[key] = (layer.version, found)
    return list(hit[1])


def _datetime(value: str | None, end: bool) -> str | None:
    if value is None or len(value) != 10:
        return value
    return f"{value}T{'23:59:59' if end else '00:00:00'}+08:00"  # a date is the local day


def collection_doc(catalog: Catalog, spec: MapLayer, base: str) -> dict[str, Any]:
    """One collection's description: extent, coordinate systems, and where its features are."""
    items = f"{base}/collections/{spec.name}/items"
    extent: dict[str, Any] = {"spatial": {"bbox": [_bounds(catalog, spec)], "crs": CRS84}}
    dated = selection.extent(catalog, spec)
    if dated is not None:
        extent["temporal"] = {"interval": [[_datetime(dated[0], False), _datetime(dated[1], True)]], "trs": TRS}
    return {
        "id": spec.name,
        "title": spec.title,
        "description": f"{spec.title}: {len(spec.layer(catalog)):,} features ({spec.geometry_type})"
        + (f", dated by {spec.time}" if spec.time else ""),
        "itemType": "feature",
        "extent": extent,
        "crs": list(CRS_URIS),
        "storageCrs": CRS84,
        "links": [
            _link(f"{base}/collections/{spec.name}", "self", JSON, "this collection"),
            _link(f"{base}/collections/{spec.name}?f=html", "alternate", HTML, "this collection as HTML"),
            _link(items, "items", GEOJSON, f"{spec.name} as GeoJSON"),
            _link(f"{items}?f=html", "items", HTML, f"{spec.name} as HTML"),
            _link(f"{base}/collections/{spec.name}/queryables", QUERYABLES, "application/schema+json", "queryables"),
        ],
    }


@answers_errors
async def collections(request: Request) -> Response:
    check_known(request.query_params, ("f",))
    catalog, base = _hub(request).data, _base(request)
    doc = {
        "links": _self_links(request),
        "collections": [collection_doc(catalog, spec, base) for spec in registry.LAYERS.values()],
        "crs": list(CRS_URIS),
    }
    return _answer(request, doc, "collections")


@answers_errors
async def collection(request: Request) -> Response:
    spec = _spec(request)
    check_known(request.query_params, ("f",))
    doc = collection_doc(_hub(request).data, spec, _base(request))
    doc["links"][:2] = _self_links(request)
    return _answer(request, doc, "collection")


GEOMETRY_SCHEMAS = {
    "Polygon": "https://geojson.org/schema/Polygon.json",
    "Point": "https://geojson.org/schema/Point.json",
}


def queryables_doc(spec: MapLayer, url: str) -> dict[str, Any]:
    """The JSON Schema of what can be filtered on: the geometry and the layer's open properties."""
    props: dict[str, Any] = {
        "geometry": {"title": "geometry", "format": f"geometry-{spec.geometry_type.lower()}"},
    }
    props["geometry"]["$ref"] = GEOMETRY_SCHEMAS[spec.geometry_type]
    for name in spec.open_props:
        p = spec.props[name]
        schema = {"type": "string", "format": p.type} if p.type in ("date", "date-time") else {"type": p.type}
        props[name] = {"title": p.label, **schema}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url,
        "type": "object",
        "title": spec.title,
        "properties": props,
        "additionalProperties": False,
    }


@answers_errors
async def queryables(request: Request) -> Response:
    spec = _spec(request)
    check_known(request.query_params, ("f",))
    doc = queryables_doc(spec, f"{_base(request)}/collections/{spec.name}/queryables")
    return _answer(request, doc, "queryables", "application/schema+json")


def _page_links(request: Request, offset: int, limit: int, returned: int, matched: int) -> list[dict[str, str]]:
    links = _self_links(request, GEOJSON)
    if offset + returned < matched:
        href = request.url.include_query_params(offset=offset + limit)
        links.append(_link(str(href), "next", GEOJSON, "the next page"))
    if offset > 0:
        href = request.url.include_query_params(offset=max(0, offset - limit))
        links.append(_link(str(href), "prev", GEOJSON, "the previous page"))
    collection_url = f"{_base(request)}/collections/{request.path_params['collection']}"
    links.append(_link(collection_url, "collection", JSON, "the collection"))
    return links


@answers_errors
async def items(request: Request) -> Response:
    spec = _spec(request)
    params = request.query_params
    check_known(params, ITEMS_PARAMS, spec)
    html = wants_html(request)
    crs = crs_uri(one(params, "crs"))
    limit = integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = integer(params, "offset", 0, 0)
    max_vertices = request.app.state.settings.max_vertices
    query = feature_query(params, spec, crs=CRS_URIS[crs], offset=offset, limit=limit, max_vertices=max_vertices)
    catalog, viewer = _hub(request).data, viewer_of(request)
    props = registry.check_properties(spec, viewer, query.properties, spec.open_props)

    def build() -> bytes:
        chosen = select_features(catalog, viewer, query)
        page = chosen.page
        members = {
            "numberMatched": chosen.number_matched,
            "numberReturned": len(page),
            "links": _page_links(request, offset, limit, len(page), chosen.number_matched),
        }
        return collection_bytes(feature_bytes(catalog, viewer, chosen, page), members)

    if registry.disclosed_kinds(spec, props, viewer):
        make = build  # unmasked personal data: logged each time it is served, so built (from kept features) each time
    else:
        key = ("ogc", str(request.url), registry.viewer_class(spec, props, viewer))

        def make() -> bytes:
            return registry.remembered(catalog, [spec.name], key, build)

    body = make() if limit <= INLINE else await anyio.to_thread.run_sync(make)
    if html:
        return Response(
            ogc_html.render("items", {**orjson.loads(body), "collection": spec.name}, _base(request)), media_type=HTML
        )
    return Response(body, media_type=GEOJSON, headers={"Content-Crs": f"<{crs}>"})


@answers_errors
async def item(request: Request) -> Response:
    spec = _spec(request)
    params = request.query_params
    check_known(params, ITEM_PARAMS)
    crs = crs_uri(one(params, "crs"))
    catalog, viewer = _hub(request).data, viewer_of(request)
    properties = one(params, "properties")
    names = None if properties is None else [p for p in properties.split(",") if p]
    props = registry.check_properties(spec, viewer, names, spec.open_props)
    pos = find_feature(catalog, spec, request.path_params["feature"])
    feature = registry.features(catalog, viewer, spec, np.array([pos]), props, crs=CRS_URIS[crs])[0]
    base = f"{_base(request)}/collections/{spec.name}"
    links = [*_self_links(request, GEOJSON), _link(base, "collection", JSON, "the collection")]
    if wants_html(request):
        doc = {**orjson.loads(feature), "links": links, "collection": spec.name}
        return Response(ogc_html.render("item", doc, _base(request)), media_type=HTML)
    body = feature[:-1] + b',"links":' + orjson.dumps(links) + b"}"
    return Response(body, media_type=GEOJSON, headers={"Content-Crs": f"<{crs}>"})


def routes() -> Sequence[BaseRoute]:
    """The OGC API's routes, to add to the app's."""
    return [
        Route("/ogc", landing),
        Mount(
            "/ogc",
            routes=[
                Route("/", landing),
                Route("/conformance", conformance),
                Route("/api", api),
                Route("/collections", collections),
                Route("/collections/{collection}", collection),
                Route("/collections/{collection}/queryables", queryables),
                Route("/collections/{collection}/items", items),
                Route("/collections/{collection}/items/{feature}", item),
            ],
        ),
    ]
