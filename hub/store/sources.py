"""Read the files of an import into rows: GeoJSON, GeoPackage, Shapefile, CSV with WKT, and the JSON of the
demo data set's layout.

Files are read by GDAL through pyogrio; a file's kind of record is its name (``compounds.gpkg``,
``fee_years.csv``), a GeoPackage's layer names, or the one given. Columns are matched to fields by
their names in the store (``management_mode``), in the API (``managementMode``) or in the Chinese
headers of the hub's own exports (``管理模式``), so an exported file can be edited and imported back.
Geometry is brought to WGS84 from the file's coordinate system, or from the one declared (which wins:
data in GCJ-02 are often labelled WGS84): ``hub.geo.crs``. A CSV holds its geometry as WKT in a column
named ``WKT``, ``geometry`` or ``几何(WKT)``, read by shapely.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyogrio
import shapely

from hub.errors import InputError
from hub.geo import crs as crs_module
from hub.store import contract as c
from hub.store.checks import Batch, Row

SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".csv")
WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "几何(wkt)")
COMPUTED = {"area_m2", "aream2", "面积(平方米)", "代表点经度", "代表点纬度", "signed", "已签门前三包", "fid"}
"""Columns of the hub's own exports that are worked out from other values: ignored without a word."""
FEATURE_ID = "要素id"
DBF_NAME = 10
"""Characters a Shapefile keeps of a column's name."""
UNREADABLE = "__unreadable_geometry__"
DEMO_JSON = {
    "property_companies.json": (("companies", "property_companies"),),
    "meetings.json": (("meetings", "meetings"),),
    "management_history.json": (("periods", "management_periods"),),
    "fee_collection.json": (("years", "fee_years"),),
    "township_duty.json": (
        ("shifts", "duty_shifts"),
        ("lines", "duty_lines"),
        ("officers", "duty_officers"),
        ("rules", "duty_rules"),
    ),
    "guidance.json": (("events", "weather_events"), ("groups", "guidance_groups"), ("technicians", "technicians")),
    "safety.json": (("campaigns", "safety_campaigns"), ("steps", "case_steps")),
    "microservices.json": (("teams", "volunteer_teams"), ("volunteers", "volunteers"), ("steps", "case_steps")),
}
"""The demo layout's JSON files (not GeoJSON): the members holding records, and their kinds."""


def _columns(kind: c.Kind) -> dict[str, str]:
    """A column's name (lower case) → the field or nested member it fills."""
    out: dict[str, str] = {}
    for f in kind.fields:
        for name in f.names():
            out.setdefault(name.lower(), f.name)
    for child in kind.children:
        out.setdefault(child.member.lower(), child.member)
        out.setdefault(c.camel(child.member).lower(), child.member)
    cut: dict[str, set[str]] = {}
    for name, target in list(out.items()):  # a Shapefile's columns have at most 10 characters
        cut.setdefault(name[:DBF_NAME], set()).add(target)
    for name, targets in cut.items():
        if len(targets) == 1:
            out.setdefault(name, targets.pop())
    return out


def rows_of(records: list[dict[str, Any]], kind: c.Kind, source: str, geoms: Any, batch: Batch) -> None:
    """Add records (dicts by column name) and their WGS84 geometries (or None) to ``batch`` as rows of ``kind``."""
    columns = _columns(kind)
    if records:
        names = list(records[0])
        mapping = {n: columns.get(str(n).lower()) for n in names}
        if FEATURE_ID in (str(n).lower() for n in names) and kind.key[0] not in mapping.values():
            mapping.update({n: kind.key[0] for n in names if str(n).lower() == FEATURE_ID})
        quiet = COMPUTED | {FEATURE_ID, UNREADABLE}
        unused = [n for n, f in mapping.items() if f is None and str(n).lower() not in quiet]
        if unused:
            batch.ignored.append(f"{source}: {', '.join(map(str, unused))} are not fields of {kind.name}; ignored")
        pairs = [(n, f) for n, f in mapping.items() if f is not None]
        missing = [k for k in kind.key if k not in mapping.values()]
        if missing:
            known = ", ".join(kind.by_name[missing[0]].names())
            raise InputError(
                f"{source}: no column holds the {kind.label}'s key {missing[0]} (named one of {known}); "
                f"every row of {kind.name} needs it"
            )
    else:
        pairs = []
    for i, record in enumerate(records):
        values = {f: record.get(n) for n, f in pairs}
        geometry = None if geoms is None else geoms[i]
        batch.add(kind.name, Row(source, i + 1, values, geometry, unreadable=record.get(UNREADABLE)))


def _kind_for(path: Path, layer: str, given: str | None, several: bool, any_kind: bool = False) -> c.Kind:
    """The kind a layer holds: the one given, else the file's name, else the layer's (a GeoPackage's layers
    are named after their kinds); ``any_kind`` takes those only ``hub init`` loads too."""
    names = [given] if given else [layer] if several else [path.stem, layer]
    for name in names:
        if any_kind and name in c.KINDS:
            return c.KINDS[name]
        try:
            return c.kind_named(name)
        except c.Bad as exc:
            problem = exc
    where = f"{path.name} layer {layer}" if several else path.name
    raise InputError(f"{where}: {problem} (or say which with --kind)")


def read_file(
    path: Path, batch: Batch, *, kind: str | None = None, crs: str | None = None, any_kind: bool = False
) -> None:
    """Read one file (every layer of a GeoPackage) into ``batch`` (``any_kind``: kinds only ``hub init`` loads
    too, such as the old town's and the guidance's)."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path.name}: not a file the hub imports ({', '.join(SUFFIXES)})")
    if path.name in DEMO_JSON and kind is None:
        _read_demo_json(path, batch)
        return
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as exc:  # GDAL cannot open it: say so, with GDAL's reason
        raise InputError(f"{path.name}: GDAL cannot read it ({_first_line(exc)})") from exc
    for layer in layers:
        target = _kind_for(path, layer, kind, several=len(layers) > 1, any_kind=any_kind)
        _read_layer(path, layer, target, batch, crs)


def _read_layer(path: Path, layer: str, kind: c.Kind, batch: Batch, crs: str | None) -> None:
    source = path.name if len(pyogrio.list_layers(path)) == 1 else f"{path.name}:{layer}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL's notes on odd cells: every cell is checked below anyway
        try:
            frame = pyogrio.read_dataframe(path, layer=layer, datetime_as_string=True, on_invalid="ignore")
        except Exception as exc:
            raise InputError(f"{source}: GDAL cannot read it ({_first_line(exc)})") from exc
        info = pyogrio.read_info(path, layer=layer)
    geoms = None
    if "geometry" in getattr(frame, "columns", ()) and getattr(frame, "geometry", None) is not None:
        geoms = np.asarray(frame.geometry.array, dtype=object)
        frame = frame.drop(columns=frame.geometry.name)
    records = frame.to_dict("records")
    if geoms is None:
        geoms = _wkt_column(records, source, batch)
    if geoms is not None:
        geoms = None if not kind.geometry else _to_wgs84(geoms, crs or info.get("crs"), source)
    rows_of(records, kind, source, geoms, batch)


def _wkt_column(records: list[dict[str, Any]], source: str, batch: Batch) -> Any:
    """Geometries parsed from a WKT column (a CSV's), taken out of the records; None if there is none.
    Text that is not WKT gives a geometry of None, and the text is kept for the report."""
    if not records:
        return None
    column = next((n for n in records[0] if str(n).lower() in WKT_COLUMNS), None)
    if column is None:
        return None
    texts = [r.pop(column) for r in records]
    cleaned = np.asarray([t if isinstance(t, str) and t.strip() else None for t in texts], dtype=object)
    geoms = shapely.from_wkt(cleaned, on_invalid="ignore")
    for r, text, g in zip(records, texts, geoms, strict=True):
        if g is None and isinstance(text, str) and text.strip():
            r[UNREADABLE] = text
    return geoms


def _to_wgs84(geoms: np.ndarray, crs: str | None, source: str) -> np.ndarray:
    try:
        return np.asarray(crs_module.to_wgs84(geoms, crs or crs_module.WGS84), dtype=object)
    except InputError as exc:
        raise InputError(f"{source}: {exc.message}", field="crs") from exc


def _read_demo_json(path: Path, batch: Batch) -> None:
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path.name}: not valid JSON: {exc}") from exc
    for member, kind in DEMO_JSON[path.name]:
        records = doc.get(member) if isinstance(doc, dict) else None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise InputError(f"{path.name}: expected a JSON object with a list {member!r} of objects")
        source = path.name if len(DEMO_JSON[path.name]) == 1 else f"{path.name}:{member}"
        rows_of(records, c.KINDS[kind], source, None, batch)


def read_path(path: Path, *, kind: str | None = None, crs: str | None = None) -> Batch:
    """The rows of a file, or of every file of a folder whose name is a kind of record."""
    batch = Batch()
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and _is_kind(p))
        if not files:
            raise InputError(f"{path}: no file named after a kind of record ({', '.join(c.IMPORTABLE)})")
        for f in files:
            read_file(f, batch, crs=crs)
    else:
        read_file(path, batch, kind=kind, crs=crs)
    return batch


def _is_kind(path: Path) -> bool:
    if path.name in DEMO_JSON:
        return True
    try:
        c.kind_named(path.stem)
    except c.Bad:
        return path.suffix.lower() == ".gpkg"
    return True


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
