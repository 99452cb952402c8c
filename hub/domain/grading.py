"""Property-company credit grades (Shangqiu scheme, 2022) and the red and black lists.

Thresholds are configuration keyed by city and year, so another city's scheme or a new year's
revision is a new table entry, not new code. The latest scheme not later than the score's year applies.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GradingScheme:
    """Minimum score per grade, best first; a score below the last minimum is ungraded."""

    city: str
    year: int
    minimums: tuple[tuple[str, float], ...]
    red_list: frozenset[str]
    black_list_from: str
    """The first grade (going down) that goes on the black list; ungraded scores do too."""


SCHEMES: tuple[GradingScheme, ...] = (
    GradingScheme(
        city="商丘市",
        year=2022,
        minimums=(("AAA", 100.0), ("AA", 90.0), ("A", 80.0), ("B", 70.0), ("C", 60.0)),
        red_list=frozenset({"AAA"}),
        black_list_from="C",
    ),
)


def scheme_for(year: int, city: str = "商丘市", schemes: tuple[GradingScheme, ...] = SCHEMES) -> GradingScheme:
    """The scheme in force in ``year``: the latest one of that city starting no later."""
    candidates = [s for s in schemes if s.city == city and s.year <= year]
    if not candidates:
        candidates = [s for s in schemes if s.city == city]
    if not candidates:
        raise LookupError(f"no grading scheme for {city}")
    return max(candidates, key=lambda s: s.year if s.year <= year else -s.year)


def grade(score: float, scheme: GradingScheme | None = None) -> str | None:
    """The grade of a score, or None below the lowest grade.

    >>> grade(100), grade(99.5), grade(80), grade(59.9)
    ('AAA', 'AA', 'A', None)
    """
    scheme = scheme or SCHEMES[0]
    for name, minimum in scheme.minimums:
        if score >= minimum:
            return name
    return None


def listing(score: float, scheme: GradingScheme | None = None) -> str | None:
    """``RED``, ``BLACK`` or None for a score.

    >>> listing(101), listing(85), listing(65), listing(40)
    ('RED', None, 'BLACK', 'BLACK')
    """
    scheme = scheme or SCHEMES[0]
    g = grade(score, scheme)
    if g in scheme.red_list:
        return "RED"
    names = [n for n, _ in scheme.minimums]
    if g is None or names.index(g) >= names.index(scheme.black_list_from):
        return "BLACK"
    return None
