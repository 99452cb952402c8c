"""What lies at a point: subdistrict, community, grid, compound, old-town sector, township and village, and who
is on duty there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from hub.domain.roster import Duty, on_duty
from hub.domain.township_duty import TownshipDuty, duty_at
from hub.geo.geojson import point
from hub.store import records as r
from hub.store.catalog import Catalog, Layer

S = TypeVar("S", bound=r.Spatial)


@dataclass(frozen=True, slots=True)
class Location:
    lon: float
    lat: float
    at: datetime
    subdistrict: r.Subdistrict | None
    community: r.Community | None
    grid: r.Grid | None
    compound: r.Compound | None
    sector: r.Sector | None
    township: r.Township | None
    village: r.Village | None
    on_duty: tuple[Duty, ...]
    township_on_duty: tuple[TownshipDuty, ...] = ()


def at_point(layer: Layer[Any], lon: float, lat: float) -> Any:
    """The record containing the point; on a border shared by several, the one with the lowest key (stable:
    the same point always answers the same, whatever order the records were written in). None when none does."""
    hits = layer.at(layer.containing(lon, lat))
    return min(hits, key=lambda r: layer.key_of(r), default=None)  # type: ignore[arg-type,return-value]


def locate(catalog: Catalog, lon: float, lat: float, at: datetime, *, field: str = "locate") -> Location:
    """Everything the hub knows at (lon, lat) at a moment; parts are None where nothing is there."""
    point(lon, lat, field=field)
    sector = at_point(catalog.sectors, lon, lat)
    duties = tuple(on_duty(catalog, sector.code, at)) if sector is not None else ()
    township = at_point(catalog.townships, lon, lat)
    return Location(
        lon=lon,
        lat=lat,
        at=at,
        subdistrict=at_point(catalog.subdistricts, lon, lat),
        community=at_point(catalog.communities, lon, lat),
        grid=at_point(catalog.grids, lon, lat),
        compound=at_point(catalog.compounds, lon, lat),
        sector=sector,
        township=township,
        village=at_point(catalog.villages, lon, lat),
        on_duty=duties,
        township_on_duty=tuple(duty_at(catalog, township.code, at)) if township is not None else (),
    )
