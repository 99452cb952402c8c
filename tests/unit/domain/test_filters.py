import numpy as np
import pytest

from hub.domain.filters import SpatialFilter, check_first, paginate
from hub.errors import GeometryError, InputError, LimitExceeded


def test_pages_follow_each_other_without_gaps_or_repeats():
    positions = np.array([1, 4, 5, 9, 12, 13, 20])
    seen, after = [], None
    while True:
        page = paginate(positions, first=3, after=after)
        seen += page.positions.tolist()
        assert page.total == 7
        if not page.has_next:
            break
        after = int(page.positions[-1])
    assert seen == positions.tolist()


def test_a_page_larger_than_the_cap_is_refused_with_the_cap():
    with pytest.raises(LimitExceeded, match="at most 1,000"):
        check_first(1_000_000)
    with pytest.raises(InputError):
        check_first(-1)


def test_a_negative_distance_is_refused():
    with pytest.raises(InputError, match="meters"):
        SpatialFilter.parse(dwithin=(115.6, 34.4, -5))


def test_a_bad_polygon_in_a_filter_names_the_filter_field():
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[115.6, 34.4], [115.61, 34.41], [115.61, 34.4], [115.6, 34.41], [115.6, 34.4]]],
    }
    with pytest.raises(GeometryError) as info:
        SpatialFilter.parse(within=bowtie)
    assert info.value.field.startswith("where.within")
