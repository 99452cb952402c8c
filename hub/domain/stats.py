"""The district's headline figures, each computed from the records (never stored as a number)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain import hazards as hz
from hub.domain import incidents as cases
from hub.domain import microservices as ms
from hub.store.catalog import Catalog

CLEARED = "CLEARED"


@dataclass(frozen=True, slots=True)
class Stats:
    compounds: int
    compounds_with_party_branch: int
    compounds_with_committee: int
    compounds_collecting_fees: int
    compounds_formerly_unmanaged: int
    joint_meetings: int
    issues_raised: int
    issues_resolved: int
    occupied_area_cleared_m2: float
    occupied_area_remaining_m2: float
    public_rooms_recovered_m2: float
    squads: int
    officers: int
    subdistricts: int
    communities: int
    grids: int
    townships: int
    villages: int
    weather_events: int
    guidance_groups: int
    technicians: int
    guided_townships: int
    guidance_visits: int
    guidance_hazards_found: int
    duty_officers: int
    public_rooms: int
    merchants: int
    merchants_signed: int
    incidents: int
    incidents_registered: int
    incidents_closed: int
    patrols: int
    patrol_length_m: float
    safety_campaigns: int
    premises: int
    inspections: int
    hazards: int
    hazards_major: int
    hazards_open: int
    hazards_verified: int
    volunteer_teams: int
    volunteers: int
    service_requests: int
    service_requests_done: int


def compute_stats(catalog: Catalog) -> Stats:
    compounds = list(catalog.compounds)
    occupations = list(catalog.occupations)
    problems = list(catalog.problems)
    merchants = list(catalog.merchants)
    incidents = list(catalog.incidents)
    patrols = list(catalog.patrols)
    return Stats(
        compounds=len(compounds),
        compounds_with_party_branch=sum(c.party_branch is not None for c in compounds),
        compounds_with_committee=sum(c.committee is not None for c in compounds),
        compounds_collecting_fees=sum(c.collects_fees for c in compounds),
        compounds_formerly_unmanaged=sum(c.formerly_unmanaged for c in compounds),
        joint_meetings=len(catalog.meetings),
        issues_raised=len(problems),
        issues_resolved=sum(p.solved for p in problems),
        occupied_area_cleared_m2=sum(o.area_m2 for o in occupations if o.status == CLEARED),
        occupied_area_remaining_m2=sum(o.area_m2 for o in occupations if o.status != CLEARED),
        public_rooms_recovered_m2=sum(p.floor_area_m2 for p in catalog.public_rooms),
        squads=len(catalog.squads),
        officers=len(catalog.officers),
        subdistricts=len(catalog.subdistricts),
        communities=len(catalog.communities),
        grids=len(catalog.grids),
        townships=len(catalog.townships),
        villages=len(catalog.villages),
        weather_events=len(catalog.weather_events),
        guidance_groups=len(catalog.guidance_groups),
        technicians=len(catalog.technicians),
        guided_townships=len({t for g in catalog.guidance_groups.values() for t in g.township_codes}),
        guidance_visits=len(catalog.guidance_visits),
        guidance_hazards_found=sum(v.hazards_found for v in catalog.guidance_visits),
        duty_officers=len(catalog.duty_officers),
        public_rooms=len(catalog.public_rooms),
        merchants=len(merchants),
        merchants_signed=sum(m.agreement is not None for m in merchants),
        incidents=len(incidents),
        incidents_registered=sum(x.state not in (cases.REJECTED, cases.CANCELLED) for x in incidents),  # 立案数
        incidents_closed=sum(x.state == cases.CLOSED for x in incidents),
        patrols=len(patrols),
        patrol_length_m=sum(p.length_m for p in patrols),
        safety_campaigns=len(catalog.safety_campaigns),
        premises=len(catalog.premises),
        inspections=len(catalog.inspections),
        hazards=len(catalog.hazards),
        hazards_major=sum(h.severity == hz.MAJOR for h in catalog.hazards),
        hazards_open=sum(h.state in hz.OPEN for h in catalog.hazards),
        hazards_verified=sum(h.state == hz.VERIFIED for h in catalog.hazards),
        volunteer_teams=len(catalog.volunteer_teams),
        volunteers=len(catalog.volunteers),
        service_requests=len(catalog.service_requests),
        service_requests_done=sum(x.state in ms.DONE_STATES for x in catalog.service_requests),
    )
