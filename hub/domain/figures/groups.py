"""Grouping rows by several integer keys at once, and the measures over each group (numpy, no loop per row).

Keys are non-negative integers with -1 for "none" (a record on no polygon, without the date, without a
squad): "none" is a group like any other, so every row lands in exactly one group and the groups add up
to the total. The keys of a row are combined into one integer (mixed radix over each key's observed
range); groups are then found by counting (a dense table) or, when the combinations are too many, by
sorting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DENSE = 1 << 22
"""Combinations up to this many are grouped with a dense table (``bincount``); more by sorting."""


@dataclass(frozen=True)
class Grouped:
    """Rows grouped: the group of each row, and each group's keys (one column per grouping)."""

    of_row: np.ndarray
    keys: np.ndarray

    @property
    def size(self) -> int:
        return len(self.keys)

    def count(self, where: np.ndarray | None = None) -> np.ndarray:
        """Rows per group (only those where ``where`` is True, when given).

        >>> g = group([np.array([0, 1, 0, -1])])
        >>> g.keys.ravel().tolist(), g.count().tolist(), g.count(np.array([1, 1, 0, 0], bool)).tolist()
        ([-1, 0, 1], [1, 2, 1], [0, 1, 1])
        """
        weights = None if where is None else where.astype(np.float64)
        return np.bincount(self.of_row, weights=weights, minlength=self.size).astype(np.int64)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum per group; NaN values count as nothing.

        >>> group([np.array([0, 0, 1])]).sum(np.array([1.5, np.nan, 2.0])).tolist()
        [1.5, 2.0]
        """
        clean = np.where(np.isnan(values), 0.0, values) if values.dtype.kind == "f" else values.astype(np.float64)
        return np.bincount(self.of_row, weights=clean, minlength=self.size)

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Mean per group of the non-NaN values (NaN for a group without any).

        >>> group([np.array([0, 0, 1])]).mean(np.array([1.0, 3.0, np.nan])).tolist()
        [2.0, nan]
        """
        known = ~np.isnan(values)
        n = np.bincount(self.of_row[known], minlength=self.size)
        s = np.bincount(self.of_row[known], weights=values[known], minlength=self.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, s / np.maximum(n, 1), np.nan)

    def quantile(self, values: np.ndarray, q: float) -> np.ndarray:
        """The ``q`` quantile per group of the non-NaN values, interpolated linearly as ``numpy.quantile`` does.

        >>> group([np.array([0, 0, 0, 0, 1])]).quantile(np.array([4.0, 1.0, 3.0, 2.0, 7.0]), 0.9).round(2).tolist()
        [3.7, 7.0]
        """
        known = np.flatnonzero(~np.isnan(values))
        out = np.full(self.size, np.nan)
        if known.size == 0:
            return out
        g, v = self.of_row[known], values[known]
        order = np.lexsort((v, g))
        g, v = g[order], v[order]
        n = np.bincount(g, minlength=self.size)
        start = np.concatenate(([0], np.cumsum(n)[:-1]))
        has = n > 0
        pos = (n[has] - 1) * q
        lo = np.floor(pos).astype(np.int64)
        hi = np.ceil(pos).astype(np.int64)
        a, b = v[start[has] + lo], v[start[has] + hi]
        out[has] = a + (b - a) * (pos - lo)
        return out


def group(keys: list[np.ndarray]) -> Grouped:
    """Group rows by the given key columns (all the same length; -1 is "none"). No keys: one group of all.

    >>> g = group([np.array([2, 0, 2, -1]), np.array([5, 5, 5, 7])])
    >>> g.keys.tolist(), g.of_row.tolist()
    ([[-1, 7], [0, 5], [2, 5]], [2, 1, 2, 0])
    """
    n = len(keys[0]) if keys else 0
    if not keys:
        return Grouped(np.zeros(n, dtype=np.int64), np.empty((1, 0), dtype=np.int64))
    if n == 0:
        return Grouped(np.empty(0, dtype=np.int64), np.empty((0, len(keys)), dtype=np.int64))
    lows = [int(k.min()) for k in keys]
    spans = [int(k.max()) - low + 1 for k, low in zip(keys, lows, strict=True)]
    if int(np.prod(spans, dtype=object)) >= 1 << 62:  # too many combinations for one integer: sort the rows
        rows, of_row = np.unique(np.column_stack(keys).astype(np.int64), axis=0, return_inverse=True)
        return Grouped(of_row.reshape(-1).astype(np.int64), rows)
    combined = np.zeros(n, dtype=np.int64)
    for k, low, span in zip(keys, lows, spans, strict=True):
        combined = combined * span + (k.astype(np.int64) - low)
    total = int(np.prod(spans, dtype=object))
    if total <= DENSE:
        present = np.bincount(combined, minlength=total) > 0
        codes = np.flatnonzero(present)
        lookup = np.full(total, -1, dtype=np.int64)
        lookup[codes] = np.arange(len(codes))
        of_row = lookup[combined]
    else:
        codes, of_row = np.unique(combined, return_inverse=True)
    columns = []
    rest = codes.astype(np.int64)
    for low, span in zip(reversed(lows), reversed(spans), strict=True):
        columns.append(rest % span + low)
        rest = rest // span
    return Grouped(of_row.astype(np.int64), np.column_stack(columns[::-1]))
