"""The article's figures come out of `stats`, computed from the records."""

import pytest
from pyproj import Geod

from tests.common import layer

STATS = """{ stats { compounds compoundsWithPartyBranch compoundsWithCommittee compoundsCollectingFees
  compoundsFormerlyUnmanaged jointMeetings issuesResolved occupiedAreaClearedM2 publicRoomsRecoveredM2
  squads officers } }"""


def test_stats_reproduce_the_article(run):
    s = run(STATS)["data"]["stats"]
    assert s["compounds"] == 619
    assert s["compoundsWithPartyBranch"] == 619
    assert s["compoundsWithCommittee"] == 619
    assert s["compoundsCollectingFees"] == 619
    assert s["compoundsFormerlyUnmanaged"] == 324
    assert s["jointMeetings"] == 334
    assert s["issuesResolved"] == 328
    assert s["occupiedAreaClearedM2"] == pytest.approx(3862, abs=1)
    assert s["publicRoomsRecoveredM2"] == pytest.approx(2407, abs=1)
    assert s["squads"] == 4
    assert s["officers"] == 66


def test_cleared_area_is_the_geodesic_sum_of_the_cleared_polygons(run):
    df = layer("occupations")
    geod = Geod(ellps="WGS84")
    want = sum(abs(geod.geometry_area_perimeter(g)[0]) for g in df.geometry[df["status"] == "CLEARED"])
    got = run(STATS)["data"]["stats"]["occupiedAreaClearedM2"]
    assert got == pytest.approx(want, abs=0.01)
