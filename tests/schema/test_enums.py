"""GraphQL enums that list domain codes list exactly those codes, in the domain's order."""

from __future__ import annotations

import pytest

from hub.domain import features, hazards, incidents, microservices, roster
from hub.schema.enums import (
    ExceptionKind,
    HazardAction,
    HazardState,
    IncidentAction,
    IncidentState,
    MapLayer,
    ServiceRequestAction,
    ServiceRequestState,
)


@pytest.mark.parametrize(
    ("enum", "codes"),
    [
        (IncidentState, incidents.STATES),
        (IncidentAction, incidents.ACTIONS),
        (ExceptionKind, roster.KINDS),
        (MapLayer, tuple(features.LAYERS)),
        (HazardState, hazards.STATES),
        (HazardAction, hazards.ACTIONS),
        (ServiceRequestState, microservices.STATES),
        (ServiceRequestAction, microservices.ACTIONS),
    ],
    ids=[
        "case states",
        "case actions",
        "roster exception kinds",
        "map layers",
        "hazard states",
        "hazard actions",
        "request states",
        "request actions",
    ],
)
def test_the_enum_lists_the_domains_codes(enum, codes):
    assert tuple(m.value for m in enum) == tuple(codes)
