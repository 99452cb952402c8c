"""Which features of a map layer meet attribute and time conditions, tested on whole columns at once.

The spatial part of a query is a :class:`hub.domain.filters.SpatialFilter`; this adds what OGC API
Features and the exports let a client say besides: a property equal to a value (``status=CLEARED``)
and a time interval on the layer's date or time property (``datetime=2024-01-01/..``). Only open
properties (``Prop.open``: the same for everyone) can be tested, so a filter never reveals a
masked value. Columns of values are kept per layer version (``features.column``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from hub.domain import features as registry
from hub.domain.features import MapLayer
from hub.domain.filters import TimeInterval, spans
from hub.errors import InputError
from hub.store.catalog import Catalog

TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")


@dataclass(frozen=True, slots=True)
class Conditions:
    """Attribute equalities and a time interval; every one given must hold."""

    equals: tuple[tuple[str, Any], ...] = ()
    during: TimeInterval | None = None

    @property
    def empty(self) -> bool:
        return not self.equals and self.during is None


def dated_layers() -> str:
    return ", ".join(f"{m.name} ({m.time})" for m in registry.LAYERS.values() if m.time)


def parse_conditions(spec: MapLayer, equals: Mapping[str, str], datetime_text: str | None = None) -> Conditions:
    """Conditions from text (query parameters): each name an open property of the layer, each value read as
    the property's type; refused with the reason otherwise.

    >>> c = parse_conditions(registry.LAYERS["compounds"], {"formerlyUnmanaged": "true", "households": "300"})
    >>> c.equals
    (('formerlyUnmanaged', True), ('households', 300))
    >>> parse_conditions(registry.LAYERS["compounds"], {"households": "lots"})
    Traceback (most recent call last):
    hub.errors.InputError: households: 'lots' is not an integer
    """
    parsed = []
    for name, text in equals.items():
        prop = spec.props.get(name)
        if prop is None or not prop.open:
            why = "has no property" if prop is None else "cannot be filtered on"
            raise InputError(
                f"{spec.name} {why} {name!r}; filter on: {', '.join(spec.open_props)}",
                field=name,
            )
        parsed.append((name, _value(prop.type, text, name)))
    during = None
    if datetime_text is not None:
        if spec.time is None:
            raise InputError(
                f"{spec.name} has no date or time to filter on; datetime applies to {dated_layers()}", field="datetime"
            )
        during = TimeInterval.parse(datetime_text)
    return Conditions(tuple(parsed), during)


def _value(kind: str, text: str, field: str) -> Any:
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "date":
            return date.fromisoformat(text).isoformat()
    except ValueError:
        article = "an" if kind == "integer" else "a"
        raise InputError(f"{text!r} is not {article} {kind}", field=field) from None
    if kind == "boolean":
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise InputError(f"{text!r} is not true or false", field=field)
    return text


def narrow(catalog: Catalog, spec: MapLayer, positions: np.ndarray, conditions: Conditions) -> np.ndarray:
    """The positions (sorted) whose records meet the conditions."""
    for name, value in conditions.equals:
        if positions.size == 0:
            break
        positions = positions[registry.column(catalog, spec, name)[positions] == value]
    if conditions.during is not None and positions.size:
        starts, ends = time_spans(catalog, spec)
        positions = positions[conditions.during.mask(starts[positions], ends[positions])]
    return positions


def time_spans(catalog: Catalog, spec: MapLayer) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) in epoch seconds of every record's date or time property, kept per layer version."""
    assert spec.time is not None
    layer = spec.layer(catalog)
    key = ("spans", spec.name)
    hit = catalog.memo.get(key)
    if hit is None or hit[0] != layer.version:
        hit = catalog.memo[key] = (layer.version, spans(registry.column(catalog, spec, spec.time).tolist()))
    return hit[1]


def extent(catalog: Catalog, spec: MapLayer) -> tuple[str | None, str | None] | None:
    """The first and last date or time of the layer's dated property (None for an undated layer)."""
    if spec.time is None:
        return None
    values = [v for v in registry.column(catalog, spec, spec.time).tolist() if v is not None]
    return (min(values), max(values)) if values else (None, None)
