"""Checks on a GeoJSON ``coordinates`` member: nesting, counts, numbers, lat/lon order, ranges, closed rings.

The machinery behind ``hub.geo.geojson.parse_geometry``, which is the entry point; these functions
are public so that other input (a bbox, a point) gets the same checks and the same messages.
Every error names its place as a dotted path, e.g. ``where.within.coordinates[0][3]``.

The nesting is walked in Python once per line or ring (never per position); all positions of a
geometry are then checked together as one numpy array.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import orjson

from hub.errors import GeometryError, SwappedCoordinatesError

LEVELS: dict[str, tuple[tuple[str, int], ...]] = {
    "Point": (),
    "MultiPoint": (("position", 1),),
    "LineString": (("position", 2),),
    "MultiLineString": (("line", 1), ("position", 2)),
    "Polygon": (("ring", 1), ("position", 4)),
    "MultiPolygon": (("polygon", 1), ("ring", 1), ("position", 4)),
}
"""For each type, its ``coordinates`` nesting from the outside in: (member noun, fewest members).
A Point's coordinates are one position."""

NOUN = {
    "Point": "point",
    "MultiPoint": "multipoint",
    "LineString": "line",
    "MultiLineString": "multiline",
    "Polygon": "polygon",
    "MultiPolygon": "multipolygon",
    "GeometryCollection": "geometry collection",
}
"""How messages name each geometry type."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """One array of positions (a line, a ring, a multipoint's points, or a point's single position)."""

    path: str
    positions: Sequence[Any]
    label: str  # "ring 0 of polygon 2", for the not-closed message
    ring: bool
    single: bool  # a Point: the path names the position itself


def count_positions(coords: Any, kind: str) -> int:
    """Positions in ``coords`` from list lengths alone, without looking at any position.

    Malformed parts count 0 (``walk`` reports them), so this is safe to call first, on anything.

    >>> count_positions([[[0, 0], [1, 0], [1, 1], [0, 0]], [[0, 0]]], "Polygon")
    5
    >>> count_positions("nonsense", "Polygon")
    0
    """
    return _count(coords, len(LEVELS[kind]))


def _count(coords: Any, depth: int) -> int:
    if not isinstance(coords, list | tuple):
        return 0
    if depth <= 1:
        return 1 if depth == 0 else len(coords)
    return sum(_count(c, depth - 1) for c in coords)


def walk(coords: Any, kind: str, path: str, leaves: list[Leaf]) -> Any:
    """Check the nesting of ``coords`` for ``kind``; append its arrays of positions to ``leaves``.

    Returns the nesting with each array of positions replaced by its index in ``leaves``.

    >>> leaves = []
    >>> walk([[[0, 0], [1, 0], [1, 1], [0, 0]]], "Polygon", "g.coordinates", leaves), leaves[0].label
    ([0], 'ring 0 of polygon')
    >>> walk([[0, 0], [1, 0], [1, 1], [0, 0]], "Polygon", "g.coordinates", [])
    Traceback (most recent call last):
    ...
    hub.errors.GeometryError: g.coordinates[0][0]: expected an array of positions, got the number 0 \
at g.coordinates[0][0]; a Polygon's coordinates look like [[[lon, lat], ...], ...]
    """
    levels = LEVELS[kind]
    if not levels:
        leaves.append(Leaf(path, [coords], "", ring=False, single=True))
        return len(leaves) - 1
    shape = "[lon, lat]"
    for _ in levels:
        shape = f"[{shape}, ...]"
    return _walk_level(coords, levels, NOUN[kind], path, (), leaves, f"a {kind}'s coordinates look like {shape}")


def _walk_level(
    coords: Any, levels: tuple, owner: str, path: str, index: tuple[int, ...], leaves: list[Leaf], shape: str
) -> Any:
    (noun, fewest), rest = levels[0], levels[1:]
    if not isinstance(coords, list | tuple):
        msg = f"expected an array of {noun}s, got {json_type(coords)} at {path}; {shape}"
        raise GeometryError(msg, field=path)
    if coords and not isinstance(coords[0], list | tuple):  # nested one level too shallow
        msg = f"expected an array of {noun}s, got {json_type(coords[0])} at {path}[0]; {shape}"
        raise GeometryError(msg, field=f"{path}[0]")
    if len(coords) < fewest:
        plural = noun if fewest == 1 else f"{noun}s"
        msg = f"a {owner} needs at least {fewest} {plural}, got {len(coords)} at {path}"
        raise GeometryError(msg, field=path)
    if rest:
        return [_walk_level(c, rest, noun, f"{path}[{i}]", (*index, i), leaves, shape) for i, c in enumerate(coords)]
    ring = owner == "ring"
    label = f"ring {index[-1]} of polygon" + (f" {index[0]}" if len(index) > 1 else "") if ring else ""
    leaves.append(Leaf(path, coords, label, ring=ring, single=False))
    return len(leaves) - 1


def check_positions(leaves: list[Leaf]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check every position of every leaf in one vectorised pass; return (xy, leaf starts, leaf ends).

    Each position must be 2 or 3 finite numbers (Z is dropped from ``xy``), in [lon, lat] order and
    range; each ring's first and last positions must be equal.

    >>> line = Leaf("g.coordinates", [[115.6, 34.3, 9], [115.7, 34.4]], "", ring=False, single=False)
    >>> xy, starts, ends = check_positions([line])
    >>> xy.tolist(), starts.tolist(), ends.tolist()
    ([[115.6, 34.3], [115.7, 34.4]], [0], [2])
    >>> check_positions([Leaf("g.coordinates", [[115.6, 34.3], [115.7, 95]], "", ring=False, single=False)])
    Traceback (most recent call last):
    ...
    hub.errors.GeometryError: g.coordinates[1]: latitude 95 is outside [-90, 90] at g.coordinates[1]
    """
    sizes = np.fromiter((len(leaf.positions) for leaf in leaves), dtype=np.intp, count=len(leaves))
    ends = np.cumsum(sizes)
    starts = ends - sizes

    def where(i: int) -> str:
        k = int(np.searchsorted(ends, i, side="right"))
        return leaves[k].path if leaves[k].single else f"{leaves[k].path}[{i - starts[k]}]"

    flat = list(chain.from_iterable(leaf.positions for leaf in leaves))
    if not set(map(type, flat)) <= {list, tuple}:
        i = next(i for i, p in enumerate(flat) if not isinstance(p, list | tuple))
        msg = f"a position is an array of 2 or 3 numbers, got {json_type(flat[i])} at {where(i)}"
        raise GeometryError(msg, field=where(i))
    dims = np.fromiter(map(len, flat), dtype=np.intp, count=len(flat))
    bad = np.flatnonzero((dims < 2) | (dims > 3))
    if bad.size:
        i = int(bad[0])
        msg = f"a position needs 2 or 3 numbers, got {dims[i]} at {where(i)}"
        raise GeometryError(msg, field=where(i))
    value_ends = np.cumsum(dims)
    value_starts = value_ends - dims

    def value_path(j: int) -> str:
        i = int(np.searchsorted(value_ends, j, side="right"))
        return f"{where(i)}[{j - value_starts[i]}]"

    vals = as_numbers(list(chain.from_iterable(flat)), value_path)
    xy = np.column_stack([vals[value_starts], vals[value_starts + 1]])
    swapped = np.flatnonzero(looks_swapped(xy[:, 0], xy[:, 1]))
    if swapped.size:
        i = int(swapped[0])
        raise SwappedCoordinatesError(
            f"coordinates look like [lat, lon]; GeoJSON wants [lon, lat] (got {fmt_list(xy[i])} at {where(i)})",
            field=where(i),
        )
    check_ranges(xy, lambda i, axis: where(i))
    rings = np.array([leaf.ring for leaf in leaves], dtype=bool)
    open_ = rings & (xy[starts] != xy[np.maximum(ends - 1, 0)]).any(axis=1)
    if open_.any():
        k = int(np.flatnonzero(open_)[0])
        leaf = leaves[k]
        raise GeometryError(
            f"{leaf.label} is not closed: first position {fmt_list(xy[starts[k]])} differs from last "
            f"{fmt_list(xy[ends[k] - 1])} at {leaf.path}",
            field=leaf.path,
        )
    return xy, starts, ends


def as_numbers(values: Sequence[Any], where: Callable[[int], str], names: Sequence[str] = ()) -> np.ndarray:
    """``values`` as a float array, refusing non-numbers (booleans included) and non-finite values.

    The types are checked once per distinct type, not once per value. ``where`` maps an index to
    the path the error names; ``names`` optionally names each value in the message.

    >>> as_numbers([115, 34.5], lambda i: f"p[{i}]").tolist()
    [115.0, 34.5]
    >>> as_numbers([115, True], lambda i: f"p[{i}]", ["lon", "lat"])
    Traceback (most recent call last):
    ...
    hub.errors.GeometryError: p[1]: lat true is not a number at p[1]
    """

    def refuse(i: int, problem: str) -> GeometryError:
        name = f"{names[i]} " if names else ""
        return GeometryError(f"{name}{problem} at {where(i)}", field=where(i))

    if not all(_is_number_type(t) for t in set(map(type, values))):
        i = next(i for i, v in enumerate(values) if not _is_number_type(type(v)))
        raise refuse(i, f"{json_text(values[i])} is not a number")
    try:
        vals = np.array(values, dtype=np.float64)
    except OverflowError:  # an int beyond the float range
        vals = np.array([v if abs(v) < 1e308 else np.inf for v in values], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(vals))
    if bad.size:
        i = int(bad[0])
        if not isinstance(values[i], float) and abs(values[i]) >= 1e308:
            raise refuse(i, f"{str(values[i])[:12]}… is too large")
        raise refuse(i, f"{fmt(vals[i])} is not a finite number")
    return vals


def _is_number_type(t: type) -> bool:
    return t is float or t is int or (issubclass(t, numbers.Real) and not issubclass(t, bool | np.bool_))


def looks_swapped(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which positions look like [lat, lon]: China's lat/lon, or a latitude out of range fixed by swapping.

    China spans latitudes 3–54 and longitudes 73–136, so [34.38, 115.61] is Shangqiu given as
    [lat, lon] (read as [lon, lat], its latitude 115.61 is impossible). Read the same way, a
    position such as [30, 80] would be in the Arctic Ocean; a hub for Suiyang takes it as swapped.

    >>> looks_swapped(np.array([34.3767, 115.6097, 10.0]), np.array([115.6097, 34.3767, 170.0])).tolist()
    [True, False, True]
    """
    china = (x >= 3) & (x <= 54) & (y >= 73) & (y <= 136)
    fixed_by_swap = (np.abs(y) > 90) & (np.abs(y) <= 180) & (np.abs(x) <= 90)
    return china | fixed_by_swap


def check_ranges(xy: np.ndarray, where: Callable[[int, int], str]) -> None:
    """Refuse the first longitude outside [-180, 180], then the first latitude outside [-90, 90].

    ``where(i, axis)`` names the place of value ``xy[i, axis]``.

    >>> check_ranges(np.array([[115.6, 34.3], [-180.0, 90.0]]), lambda i, axis: f"p[{i}]")
    >>> check_ranges(np.array([[200.0, 34.3]]), lambda i, axis: f"p[{i}]")
    Traceback (most recent call last):
    ...
    hub.errors.GeometryError: p[0]: longitude 200 is outside [-180, 180] at p[0]
    """
    for axis, name, limit in ((0, "longitude", 180), (1, "latitude", 90)):
        bad = np.flatnonzero(np.abs(xy[:, axis]) > limit)
        if bad.size:
            i = int(bad[0])
            msg = f"{name} {fmt(xy[i, axis])} is outside [-{limit}, {limit}] at {where(i, axis)}"
            raise GeometryError(msg, field=where(i, axis))


# --- words for messages -----------------------------------------------------------------------


def fmt(v: Any) -> str:
    """A number as a person would write it: ``200`` not ``200.0``, full precision otherwise.

    >>> fmt(200.0), fmt(115.6097), fmt(float("nan"))
    ('200', '115.6097', 'nan')
    """
    f = float(v)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def fmt_list(vs: Any) -> str:
    """A position as ``[lon, lat]`` for messages.

    >>> fmt_list([115.0, 34.3767]), fmt_list([])
    ('[115, 34.3767]', '[]')
    """
    return "[" + ", ".join(fmt(v) for v in vs) + "]"


def json_text(v: Any) -> str:
    """``v`` as the client wrote it in JSON (``true``, ``null``, ``"115.6"``), or its repr.

    >>> json_text(True), json_text("115.6"), json_text({1, 2}) in ("{1, 2}", "{2, 1}")
    ('true', '"115.6"', True)
    """
    try:
        return orjson.dumps(v).decode()
    except TypeError:
        return repr(v)


def json_type(v: Any) -> str:
    """What a JSON value is, for "expected X, got Y" messages.

    >>> json_type([1]), json_type("a"), json_type(None), json_type(False)
    ('an array', 'the string "a"', 'null', 'a boolean')
    """
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, numbers.Number):
        return f"the number {json_text(v)}"
    if isinstance(v, str):
        return f"the string {json_text(v)}"
    if isinstance(v, list | tuple):
        return "an array"
    return "an object" if isinstance(v, dict) else type(v).__name__
