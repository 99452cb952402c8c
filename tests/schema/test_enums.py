"""GraphQL enums that list domain codes list exactly those codes, in the domain's order."""

from __future__ import annotations

import pytest

from hub.domain import features, hazards, incidents, microservices, roster
from hub.schema.enums import (
    CommitteeKind,
    ExceptionKind,
    FrontageDuty,
    HazardAction,
    HazardState,
    IncidentAction,
    IncidentState,
    ManagementMode,
    MapLayer,
    OccupationKind,
    OccupationStatus,
    ServiceRequestAction,
    ServiceRequestState,
)
from hub.store import contract


@pytest.mark.parametrize(
    ("enum", "codes"),
    [
        (IncidentState, incidents.STATES),
        (IncidentAction, incidents.ACTIONS),
        (ExceptionKind, roster.KINDS),
        (MapLayer, tuple(features.LAYERS)),
        (ManagementMode, contract.MANAGEMENT_MODES),
        (CommitteeKind, contract.COMMITTEE_KINDS),
        (OccupationKind, contract.OCCUPATION_KINDS),
        (OccupationStatus, contract.OCCUPATION_STATUSES),
        (FrontageDuty, contract.FRONTAGE_DUTIES),
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
        "management modes",
        "committee kinds",
        "occupation kinds",
        "occupation statuses",
        "frontage duties",
        "hazard states",
        "hazard actions",
        "request states",
        "request actions",
    ],
)
def test_the_enum_lists_the_domains_codes(enum, codes):
    assert tuple(m.value for m in enum) == tuple(codes)
