"""GraphQL enums that list domain codes list exactly those codes, in the domain's order."""

from __future__ import annotations

import pytest

from hub.domain import features, incidents, roster
from hub.schema.enums import ExceptionKind, IncidentAction, IncidentState, MapLayer


@pytest.mark.parametrize(
    ("enum", "codes"),
    [
        (IncidentState, incidents.STATES),
        (IncidentAction, incidents.ACTIONS),
        (ExceptionKind, roster.KINDS),
        (MapLayer, tuple(features.LAYERS)),
    ],
    ids=["case states", "case actions", "roster exception kinds", "map layers"],
)
def test_the_enum_lists_the_domains_codes(enum, codes):
    assert tuple(m.value for m in enum) == tuple(codes)
