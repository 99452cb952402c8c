"""What the map layers offer: their properties, who may see each, and their features as GeoJSON bytes.

One registry serves GraphQL's ``featureCollection`` and the vector tiles alike, so a property a
role may not see is absent from both. Geometry is never serialised per request: each feature's
GeoJSON (per zoom band and coordinate system) is made once and kept with the layer until that
record is written; tiling layers (subdistricts, communities, grids, sectors, townships, villages) are generalised as a
coverage per zoom band so neighbours keep their shared borders.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from hub.domain import access, hazards
from hub.domain.access import ANONYMOUS, Viewer
from hub.errors import AccessDenied, InputError
from hub.geo import datum
from hub.geo.collection import feature_bytes
from hub.geo.generalize import ZOOM_BANDS, band_for_zoom, visible
from hub.geo.geojson import geometry_json as geojson_text
from hub.store.catalog import Catalog, Layer

Getter = Callable[[Any, Viewer], Any]

Disclosed = tuple[tuple[str, tuple[Any, ...]], ...]
"""Personal data an answer shows unmasked: (kind, keys of whose) pairs, logged each time it is served."""


@dataclass(frozen=True, slots=True)
class Prop:
    get: Getter
    label: str = ""
    """Its name in Chinese, the column header of spreadsheet exports (``名称``)."""
    type: str = "string"
    """Its JSON Schema type (``string``, ``integer``, ``number``, ``boolean``) or a string format (``date``,
    ``date-time``): what OGC queryables and GeoPackage columns say, and how a filter value is read."""
    staff_only: bool = False
    """Refused to the public; other roles see the (masked, where masking applies) value."""
    personal: bool = False
    """The value depends on who asks (masking), so cached features are kept per viewer."""
    disclosed: tuple[str, Callable[[Viewer], bool]] | None = None
    """For personal data: its kind in the disclosure log, and who is served it unmasked."""

    @property
    def open(self) -> bool:
        """Served to anyone and the same for everyone: in GIS answers by default, and filterable."""
        return not (self.staff_only or self.personal)


def _attr(name: str) -> Getter:
    return lambda r, v: getattr(r, name)


def _iso(name: str) -> Getter:
    return lambda r, v: None if (x := getattr(r, name)) is None else x.isoformat()


@dataclass(frozen=True, slots=True)
class MapLayer:
    name: str
    catalog_attr: str
    feature_id: Callable[[Any], Any]
    props: dict[str, Prop]
    default: tuple[str, ...]
    """What map answers carry when no properties are asked for (lean, for drawing)."""
    title: str = ""
    """What the layer is, in Chinese and English (``小区 compounds``)."""
    geometry_type: str = "Polygon"
    time: str | None = None
    """The property that dates a feature (a ``date`` or ``date-time``), for time filters; None: undated."""
    extra: dict[str, Any] = field(default_factory=dict)

    def layer(self, catalog: Catalog) -> Layer[Any]:
        return getattr(catalog, self.catalog_attr)

    @property
    def open_props(self) -> tuple[str, ...]:
        """Every property served to anyone and the same for everyone (GIS answers' default; the filterable ones)."""
        return tuple(n for n, p in self.props.items() if p.open)


LAYERS: dict[str, MapLayer] = {
    m.name: m
    for m in (
        MapLayer(
            "subdistricts",
            "subdistricts",
            lambda r: r.code,
            {
                "code": Prop(_attr("code"), "街道代码"),
                "name": Prop(_attr("name"), "名称"),
                "areaM2": Prop(_attr("area_m2"), "面积(平方米)", "number"),
            },
            ("code", "name"),
            "街道 subdistricts",
        ),
        MapLayer(
            "communities",
            "communities",
            lambda r: r.code,
            {
                "code": Prop(_attr("code"), "社区代码"),
                "name": Prop(_attr("name"), "名称"),
                "subdistrictCode": Prop(_attr("subdistrict_code"), "街道代码"),
                "areaM2": Prop(_attr("area_m2"), "面积(平方米)", "number"),
            },
            ("code", "name"),
            "社区 communities",
        ),
        MapLayer(
            "grids",
            "grids",
            lambda r: r.code,
            {
                "code": Prop(_attr("code"), "网格代码"),
                "communityCode": Prop(_attr("community_code"), "社区代码"),
                "areaM2": Prop(_attr("area_m2"), "面积(平方米)", "number"),
                "workerName": Prop(
                    lambda r, v: access.worker_name(v, r.worker_name, access.WORKER_NAME, r.code),
                    "网格员",
                    personal=True,
                    disclosed=(access.WORKER_NAME, access.sees_worker_names),
                ),
                "workerPhone": Prop(
                    lambda r, v: access.worker_phone(v, r.worker_phone, r.code),
                    "网格员电话",
                    staff_only=True,
                    personal=True,
                    disclosed=(access.WORKER_PHONE, access.sees_worker_phones),
                ),
            },
            ("code",),
            "网格 unit grids",
        ),
        MapLayer(
            "sectors",
            "sectors",
            lambda r: r.code,
            {
                "code": Prop(_attr("code"), "片区代码"),
                "name": Prop(_attr("name"), "名称"),
                "squadCode": Prop(_attr("squad_code"), "分队代码"),
                "areaM2": Prop(_attr("area_m2"), "面积(平方米)", "number"),
            },
            ("code", "name"),
            "古城片区 old-town sectors",
        ),
        MapLayer(
            "townships",
            "townships",
            lambda r: r.code,
            {
                "code": Prop(_attr("code"), "乡镇代码"),
                "name": Prop(_attr("name"), "名称"),
                "kind": Prop(_attr("kind"), "类型"),
                "areaM2": Prop(_attr("area_m2"), "面积(平方米)", "number"),
            },
            ("code", "name"),
            "乡镇 townships",
        ),
        MapLayer(
            "villages",
            "villages",
            lambda r: r.code,
            {
                "code": Prop(_attr("code"), "行政村代码"),
                "name": Prop(_attr("name"), "名称"),
                "townshipCode": Prop(_attr("township_code"), "乡镇代码"),
                "areaM2": Prop(_attr("area_m2"), "面积(平方米)", "number"),
            },
            ("code", "name"),
            "行政村 administrative villages",
        ),
        MapLayer(
            "compounds",
            "compounds",
            lambda r: r.id,
            {
                "compoundId": Prop(_attr("id"), "小区编号", "integer"),
                "name": Prop(_attr("name"), "小区名称"),
                "subdistrictCode": Prop(_attr("subdistrict_code"), "街道代码"),
                "communityCode": Prop(_attr("community_code"), "社区代码"),
                "households": Prop(_attr("households"), "户数", "integer"),
                "yearBuilt": Prop(_attr("year_built"), "建成年份", "integer"),
                "managementMode": Prop(_attr("management_mode"), "管理模式"),
                "formerlyUnmanaged": Prop(_attr("formerly_unmanaged"), "原失管小区", "boolean"),
                "collectsFees": Prop(_attr("collects_fees"), "收缴物业费", "boolean"),
                "areaM2": Prop(_attr("area_m2"), "面积(平方米)", "number"),
            },
            ("compoundId", "name"),
            "小区 residential compounds",
        ),
        MapLayer(
            "occupations",
            "occupations",
            lambda r: r.id,
            {
                "occupationId": Prop(_attr("id"), "编号", "integer"),
                "compoundId": Prop(_attr("compound_id"), "小区编号", "integer"),
                "kind": Prop(_attr("kind"), "占用类型"),
                "status": Prop(_attr("status"), "状态"),
                "reportedOn": Prop(_iso("reported_on"), "发现日期", "date"),
                "clearedOn": Prop(_iso("cleared_on"), "清理日期", "date"),
                "areaM2": Prop(_attr("area_m2"), "面积(平方米)", "number"),
            },
            ("kind", "status"),
            "侵占公共空间 occupied public space",
            time="reportedOn",
        ),
        MapLayer(
            "incidents",
            "incidents",
            lambda r: r.id,
            {
                "caseNumber": Prop(_attr("id"), "案件编号", "integer"),
                "category": Prop(_attr("category"), "类别"),
                "state": Prop(_attr("state"), "状态"),
                "sectorCode": Prop(_attr("sector_code"), "片区代码"),
                "squadCode": Prop(_attr("squad_code"), "分队代码"),
                "seenAt": Prop(_iso("seen_at"), "发现时间", "date-time"),
                "deadline": Prop(_iso("deadline"), "处置时限", "date-time"),
                "description": Prop(
                    lambda r, v: access.free_text(v, r.description, access.INCIDENT_DESCRIPTION, r.id),
                    "描述",
                    staff_only=True,
                    personal=True,
                    disclosed=(access.INCIDENT_DESCRIPTION, access.sees_free_text),
                ),
            },
            ("caseNumber", "category", "state"),
            "城市管理案件 city-management incidents",
            "Point",
            time="seenAt",
        ),
        MapLayer(
            "guidance_visits",
            "guidance_visits",
            lambda r: r.id,
            {
                "visitId": Prop(_attr("id"), "编号", "integer"),
                "eventCode": Prop(_attr("event_code"), "天气过程代码"),
                "groupCode": Prop(_attr("group_code"), "指导组代码"),
                "townshipCode": Prop(_attr("township_code"), "乡镇代码"),
                "villageCode": Prop(_attr("village_code"), "行政村代码"),
                "site": Prop(_attr("site"), "地点类型"),
                "kind": Prop(_attr("kind"), "指导内容"),
                "visitedOn": Prop(_iso("visited_on"), "指导日期", "date"),
                "hazardsFound": Prop(_attr("hazards_found"), "发现隐患数", "integer"),
                "advice": Prop(
                    lambda r, v: access.free_text(v, r.advice, access.VISIT_ADVICE, r.id),
                    "技术指导意见",
                    staff_only=True,
                    personal=True,
                    disclosed=(access.VISIT_ADVICE, access.sees_free_text),
                ),
            },
            ("visitId", "kind", "hazardsFound"),
            "农技指导 agricultural guidance visits",
            "Point",
            time="visitedOn",
        ),
        MapLayer(
            "hazards",
            "hazards",
            lambda r: r.id,
            {
                "hazardId": Prop(_attr("id"), "隐患编号", "integer"),
                "campaignCode": Prop(_attr("campaign_code"), "专项行动代码"),
                "townshipCode": Prop(_attr("township_code"), "乡镇代码"),
                "villageCode": Prop(_attr("village_code"), "行政村代码"),
                "premisesId": Prop(_attr("premises_id"), "场所编号", "integer"),
                "category": Prop(_attr("category"), "场所类别"),
                "kind": Prop(_attr("kind"), "隐患类型"),
                "severity": Prop(_attr("severity"), "隐患等级"),
                "state": Prop(_attr("state"), "状态"),
                "open": Prop(lambda r, v: r.state in hazards.OPEN, "未销号", "boolean"),
                "foundAt": Prop(_iso("found_at"), "发现时间", "date-time"),
                "dueOn": Prop(_iso("due_on"), "整改期限", "date"),
                "description": Prop(
                    lambda r, v: access.free_text(v, r.description, access.HAZARD_DESCRIPTION, r.id),
                    "隐患描述",
                    staff_only=True,
                    personal=True,
                    disclosed=(access.HAZARD_DESCRIPTION, access.sees_free_text),
                ),
            },
            ("hazardId", "severity", "state", "open"),
            "安全生产隐患 safety hazards",
            "Point",
            time="foundAt",
        ),
        MapLayer(
            "merchants",
            "merchants",
            lambda r: r.id,
            {
                "code": Prop(_attr("id"), "商户代码"),
                "name": Prop(_attr("name"), "商户名称"),
                "trade": Prop(_attr("trade"), "经营类别"),
                "sectorCode": Prop(_attr("sector_code"), "片区代码"),
                "signed": Prop(lambda r, v: r.agreement is not None, "已签门前三包", "boolean"),
            },
            ("code", "name", "signed"),
            "沿街商户 street-front merchants",
            "Point",
        ),
    )
}

CRS_CODES = ("WGS84", "GCJ02", "BD09")
LATLON = "LATLON"
"""WGS84 with latitude first: the axis order of EPSG:4326 and of CGCS2000, EPSG:4490 (whose coordinates are
WGS84's to within a metre here, the same numbers at the 6 decimals served), for OGC API clients."""
OUTPUT_CRS = (*CRS_CODES, LATLON)
TOP_BAND = len(ZOOM_BANDS) - 1


def map_layer(name: str) -> MapLayer:
    spec = LAYERS.get(name)
    if spec is None:
        raise InputError(f"unknown layer {name!r}; one of {', '.join(LAYERS)}", field="layer")
    return spec


def check_properties(
    spec: MapLayer, viewer: Viewer, names: Sequence[str] | None, default: Sequence[str] | None = None
) -> tuple[str, ...]:
    """The properties to include: the asked ones (or ``default``, else the layer's defaults), refused with a
    reason if unknown or not for this viewer's role."""
    chosen = tuple(dict.fromkeys(names)) if names is not None else tuple(default or spec.default)
    unknown = [n for n in chosen if n not in spec.props]
    if unknown:
        raise InputError(
            f"{spec.name} has no {', '.join(unknown)}; its properties: {', '.join(spec.props)}", field="properties"
        )
    refused = [n for n in chosen if spec.props[n].staff_only and not viewer.sees_staff_names()]
    if refused:
        raise AccessDenied(f"{', '.join(refused)} of {spec.name} are for staff; send a token", field="properties")
    return chosen


def viewer_class(spec: MapLayer, props: tuple[str, ...], viewer: Viewer) -> Hashable:
    """What about the viewer changes the values: nothing, unless a personal property is asked for."""
    if any(spec.props[n].personal for n in props):
        return (viewer.role, viewer.squad_code)
    return None


def disclosed_kinds(spec: MapLayer, props: tuple[str, ...], viewer: Viewer) -> list[str]:
    """The kinds of personal data among ``props`` that this viewer is served unmasked (for the disclosure log)."""
    return [d[0] for n in props if (d := spec.props[n].disclosed) is not None and d[1](viewer)]


def disclosed(spec: MapLayer, props: tuple[str, ...], viewer: Viewer, records: Sequence[Any]) -> Disclosed:
    """What an answer holding these records shows this viewer unmasked: (kind, the records' keys) pairs."""
    kinds = disclosed_kinds(spec, props, viewer)
    if not kinds:
        return ()
    keys = tuple(spec.feature_id(r) for r in records)
    return tuple((kind, keys) for kind in kinds)


def log_views(viewer: Viewer, shown: Disclosed) -> None:
    """Report an answer's unmasked values to the viewer's disclosure log (every time it is served)."""
    for kind, keys in shown:
        for key in keys:
            viewer.saw(kind, key)


def check_crs(crs: str | None) -> str:
    code = (crs or "WGS84").upper().replace("-", "")
    if code not in CRS_CODES:
        raise InputError(f"unknown crs {crs!r}; one of {', '.join(CRS_CODES)}", field="crs")
    return code


def band(layer: Layer[Any], zoom: float | None) -> int:
    """The zoom band whose generalisation to use: the full geometry unless the layer tiles and a zoom is given."""
    return TOP_BAND if zoom is None or not layer.tiling else band_for_zoom(zoom)


def geometries(layer: Layer[Any], band_index: int) -> np.ndarray:
    return layer.generalized.band(band_index) if band_index != TOP_BAND else layer.geoms


def from_wgs84(geoms: Any, crs: str) -> Any:
    """Geometries (WGS84 lon/lat) in an output coordinate system (``OUTPUT_CRS``)."""
    if crs == LATLON:
        return shapely.transform(geoms, lambda xy: xy[:, ::-1])
    return datum.from_wgs84(geoms, crs)


def in_crs(geom: Any, stored_json: str, crs: str) -> str:
    """A geometry's GeoJSON in ``crs``: the text stored at write time for WGS84, converted otherwise."""
    return stored_json if crs == "WGS84" else geojson_text(from_wgs84(geom, crs))


def geometry_json(layer: Layer[Any], pos: int, band_index: int, crs: str, *, keep: bool = True) -> str:
    """The GeoJSON of one record at a zoom band in a coordinate system, made once and kept (unless not ``keep``)."""
    if band_index == TOP_BAND and crs == "WGS84":
        record = layer.records[pos]
        assert record is not None  # positions come from the index, which holds no deleted records
        return str(record.geojson)  # serialised when the record was written

    def build(p: int) -> str:
        return geojson_text(from_wgs84(geometries(layer, band_index)[p], crs))

    return layer.variant(("geom", band_index, crs), pos, build, keep=keep)


def drop_invisible(layer: Layer[Any], positions: np.ndarray, zoom: float | None, band_index: int) -> np.ndarray:
    """Positions without the polygons smaller than a pixel at ``zoom`` (all of them when no zoom is given)."""
    if zoom is None or len(positions) == 0:
        return positions
    geoms = geometries(layer, band_index)[positions]
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))  # points and lines are drawn at any size
    return positions[~polygonal | visible(geoms, zoom)]


def features(
    catalog: Catalog,
    viewer: Viewer,
    spec: MapLayer,
    positions: np.ndarray,
    props: tuple[str, ...],
    *,
    zoom: float | None = None,
    crs: str = "WGS84",
    keep: bool = True,
) -> list[bytes]:
    """Each position's Feature as bytes, built once per (band, crs, properties, viewer class) and kept.

    ``keep=False`` (whole-layer exports) uses what is kept but keeps nothing new, so memory stays flat.
    """
    layer = spec.layer(catalog)
    band_index = band(layer, zoom)
    who = viewer_class(spec, props, viewer)
    getters = [(n, spec.props[n].get) for n in props]
    records = layer.records
    key = ("feature", band_index, crs, props, who)
    # personal values: features are kept and reused, so they are built unlogged and views are logged below
    quiet = viewer if who is None else dataclasses.replace(viewer, log=None)

    def build(p: int) -> bytes:
        r = records[p]
        return feature_bytes(
            spec.feature_id(r),
            geometry_json(layer, p, band_index, crs, keep=keep),
            {n: get(r, quiet) for n, get in getters},
        )

    chosen = positions.tolist()
    out = layer.variants(key, chosen, build, keep=keep)
    if who is not None:
        log_views(viewer, disclosed(spec, props, viewer, [records[p] for p in chosen]))
    return out


def columns(
    catalog: Catalog, viewer: Viewer, spec: MapLayer, positions: np.ndarray, props: tuple[str, ...]
) -> dict[str, list[Any]]:
    """The values of ``props`` for the records at ``positions``, column by column, as this viewer may see them
    (masked where masking applies); unmasked personal values are logged as served."""
    records = spec.layer(catalog).at(positions)
    who = viewer_class(spec, props, viewer)
    quiet = viewer if who is None else dataclasses.replace(viewer, log=None)
    out = {n: [spec.props[n].get(r, quiet) for r in records] for n in props}
    if who is not None:
        log_views(viewer, disclosed(spec, props, viewer, records))
    return out


def column(catalog: Catalog, spec: MapLayer, name: str) -> np.ndarray:
    """Every record's value of an open property, by position (None where a record was deleted), kept until
    the layer is written: attribute and time filters compare whole columns at once."""
    prop = spec.props[name]
    assert prop.open, f"{spec.name}.{name} depends on the viewer"
    layer = spec.layer(catalog)
    key = ("column", spec.name, name)
    hit = catalog.memo.get(key)
    if hit is not None and hit[0] == layer.version:
        return hit[1]
    values = np.empty(len(layer.records), dtype=object)
    values[:] = [None if r is None else prop.get(r, ANONYMOUS) for r in layer.records]
    values.setflags(write=False)
    catalog.memo[key] = (layer.version, values)
    return values


MAX_REMEMBERED_BYTES = 64 * 1024 * 1024


def remembered(catalog: Catalog, names: Sequence[str], key: Hashable, build: Callable[[], bytes]) -> bytes:
    """A whole answer (bytes) for ``key``, built once per version of the layers it reads.

    Map clients ask for the same views again and again; tiles are kept the same way. The answers
    kept are bounded in total size; the least recently used go first. Answers are built in worker threads
    as well as on the event loop: the kept answers change under a lock (the building does not hold it).
    """
    lock: threading.Lock = catalog.memo.setdefault("collections_lock", threading.Lock())
    store: OrderedDict[Hashable, bytes] = catalog.memo.setdefault("collections", OrderedDict())
    full_key = (key, tuple(LAYERS[n].layer(catalog).version for n in names))
    with lock:
        hit = store.get(full_key)
        if hit is not None:
            store.move_to_end(full_key)
            return hit
    body = build()
    with lock:
        if full_key not in store:
            store[full_key] = body
            size = catalog.memo.get("collections_bytes", 0) + len(body)
            while size > MAX_REMEMBERED_BYTES and store:
                _, old = store.popitem(last=False)
                size -= len(old)
            catalog.memo["collections_bytes"] = size
    return body
