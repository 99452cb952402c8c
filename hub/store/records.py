"""The records the store keeps: plain, immutable data, one class per table.

These are the hub's entities. The store reads and writes them; ``hub.domain`` applies the rules of
the work to them; ``hub.schema`` shows them. Spatial records carry their shapely ``geometry``, the
``geojson`` text serialised once when the record was written (reused by every response), and
their geodesic measure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import shapely


@dataclass(frozen=True, slots=True)
class Spatial:
    """Fields every spatial record has."""

    geometry: shapely.Geometry = field(repr=False, compare=False)
    geojson: str = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Subdistrict(Spatial):
    code: str = ""
    name: str = ""
    kind: str = "subdistrict"
    area_m2: float = 0.0


@dataclass(frozen=True, slots=True)
class Community(Spatial):
    code: str = ""
    name: str = ""
    subdistrict_code: str = ""
    area_m2: float = 0.0


@dataclass(frozen=True, slots=True)
class Township(Spatial):
    """A rural township-level unit: a town (镇, ``kind`` ``town``) or a township (乡, ``township``), 9-digit code."""

    code: str = ""
    name: str = ""
    kind: str = "town"
    area_m2: float = 0.0


@dataclass(frozen=True, slots=True)
class Village(Spatial):
    """An administrative village (行政村) of a township, 12-digit code."""

    code: str = ""
    name: str = ""
    township_code: str = ""
    area_m2: float = 0.0


@dataclass(frozen=True, slots=True)
class Grid(Spatial):
    code: str = ""
    community_code: str = ""
    worker_name: str = ""
    worker_phone: str = ""
    area_m2: float = 0.0


@dataclass(frozen=True, slots=True)
class CreditScore:
    year: int
    score: float
    company_id: str = ""


@dataclass(frozen=True, slots=True)
class PropertyCompany:
    id: str
    name: str
    credit_code: str
    hotline: str
    scores: tuple[CreditScore, ...] = ()


@dataclass(frozen=True, slots=True)
class Committee:
    kind: str
    established_on: date
    members: int
    chair_name: str
    compound_id: int = 0


@dataclass(frozen=True, slots=True)
class PartyBranch:
    established_on: date
    provisional: bool
    secretary_name: str
    secretary_role: str
    owner_party_members: int
    retired_party_members: int
    deputies: int
    property_company_party_members: int
    compound_id: int = 0


@dataclass(frozen=True, slots=True)
class Compound(Spatial):
    id: int = 0
    name: str = ""
    community_code: str = ""
    subdistrict_code: str = ""
    households: int = 0
    year_built: int | None = None
    management_mode: str = ""
    property_company_id: str | None = None
    formerly_unmanaged: bool = False
    collects_fees: bool = False
    fee_yuan_per_m2_month: float | None = None
    building_heads: int = 0
    committee: Committee | None = None
    party_branch: PartyBranch | None = None
    area_m2: float = 0.0


@dataclass(frozen=True, slots=True)
class ManagementPeriod:
    """How a compound was managed from ``since`` until its next period (``UNMANAGED`` before it was taken in)."""

    id: int
    compound_id: int
    since: date | None
    """None: since the compound was built (or since before the records begin)."""
    mode: str
    property_company_id: str | None = None


@dataclass(frozen=True, slots=True)
class FeeYear:
    """Whether a compound collected property fees in a year, and what share of its households paid."""

    compound_id: int
    year: int
    collecting: bool
    rate: float | None = None


@dataclass(frozen=True, slots=True)
class Meeting:
    id: int
    compound_id: int
    held_on: date
    kind: str
    parties: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Problem(Spatial):
    id: int = 0
    meeting_id: int = 0
    compound_id: int = 0
    category: str = ""
    description: str = ""
    solved: bool = False
    solved_on: date | None = None


@dataclass(frozen=True, slots=True)
class Occupation(Spatial):
    id: int = 0
    compound_id: int = 0
    kind: str = ""
    status: str = ""
    reported_on: date | None = None
    cleared_on: date | None = None
    area_m2: float = 0.0
    reported_by: str = ""
    cleared_by: str = ""


@dataclass(frozen=True, slots=True)
class PublicRoom(Spatial):
    id: int = 0
    compound_id: int = 0
    floor_area_m2: float = 0.0
    """Floor area of the rooms (not ground area), as recorded by the housing security centre."""
    use: str = ""
    recovered_on: date | None = None


@dataclass(frozen=True, slots=True)
class Sector(Spatial):
    code: str = ""
    name: str = ""
    squad_code: str = ""
    area_m2: float = 0.0


@dataclass(frozen=True, slots=True)
class Squad:
    code: str
    name: str
    sector_code: str
    hotline: str


@dataclass(frozen=True, slots=True)
class Officer:
    id: str
    squad_code: str
    name: str
    phone: str
    service: str
    role: str
    shift_code: str


@dataclass(frozen=True, slots=True)
class Shift:
    code: str
    name: str
    start: str
    """Local start time, ``HH:MM``."""
    end: str
    """Local end time, ``HH:MM``; earlier than ``start`` (or ``24:00``-style) when the shift runs past midnight."""


@dataclass(frozen=True, slots=True)
class FrontageAgreement:
    merchant_id: str
    signed_on: date
    officer_id: str
    duties: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Merchant(Spatial):
    id: str = ""
    name: str = ""
    trade: str = ""
    sector_code: str | None = None
    frontage_geojson: str | None = None
    agreement: FrontageAgreement | None = None


@dataclass(frozen=True, slots=True)
class OldTown:
    """The old town's frame: the centre (大隅首) and the 城郭路 ring radius the sectors are drawn to."""

    centre_lon: float
    centre_lat: float
    centre_name: str
    radius_m: float


@dataclass(frozen=True, slots=True)
class Token:
    id: str
    role: str
    squad_code: str | None
    label: str
    created_at: str
    revoked: bool = False
    group_code: str | None = None
    """A technician token's guidance group."""
    unit_code: str | None = None
    """The unit an inspector's token (a township) or a volunteer's token (a volunteer team) is bound to."""


@dataclass(frozen=True, slots=True)
class Incident(Spatial):
    """A case of digital city management, reported at a point and dispatched to a squad."""

    id: int = 0
    client_id: str = ""
    category: str = ""
    description: str = ""
    photos: tuple[str, ...] = ()
    seen_at: datetime | None = None
    reported_at: datetime | None = None
    reported_by: str = ""
    sector_code: str | None = None
    squad_code: str | None = None
    state: str = ""
    deadline: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IncidentStep:
    """One move of a case through the workflow: who, when, from which state to which."""

    incident_id: int
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str
    note: str = ""
    id: int = 0


@dataclass(frozen=True, slots=True)
class Patrol(Spatial):
    """A logged patrol: its GPS track (LineString, WGS84), who walked it, and when."""

    id: int = 0
    client_id: str = ""
    squad_code: str = ""
    officer_ids: tuple[str, ...] = ()
    started_at: datetime | None = None
    ended_at: datetime | None = None
    point_times: tuple[str, ...] = ()
    """ISO times of each track point, or empty when the phone sent none."""
    length_m: float = 0.0
    logged_by: str = ""


@dataclass(frozen=True, slots=True)
class RosterRule:
    """How a squad's officers rotate through shifts: a cycle of shift codes (``OFF`` for a day off) per team."""

    squad_code: str
    anchor: date
    """The date on which every team is at position 0 of its cycle."""
    cycle: tuple[str, ...]
    """Shift codes, one per day of the cycle; ``OFF`` is a day off."""
    teams: tuple[tuple[str, int], ...]
    """(officer id, offset into the cycle) for each officer of the squad."""
    updated_by: str = ""


@dataclass(frozen=True, slots=True)
class RosterException:
    """A dated change to the rule: leave, a swap of shifts between two officers, or cover in another sector."""

    id: int
    on_date: date
    officer_id: str
    kind: str
    """LEAVE, SWAP or COVER."""
    shift_code: str | None = None
    """For COVER: the shift worked; for SWAP: unused (the two officers exchange their shifts)."""
    sector_code: str | None = None
    """For COVER: the sector covered."""
    swap_with: str | None = None
    note: str = ""
    created_by: str = ""


@dataclass(frozen=True, slots=True)
class DutyOfficer:
    """One of a township's duty officers (值班人员), who keep its 24-hour duty (值班值守) in turn."""

    id: str
    township_code: str
    name: str
    phone: str
    role: str
    """LEADER (带班领导) or STAFF (值班员)."""
    shift_code: str
    """The standing shift (``OFF`` when only the township's rule puts them on duty)."""


@dataclass(frozen=True, slots=True)
class DutyLine:
    """A township's duty telephone (值班电话), published instead of the duty officers' own phones."""

    township_code: str
    hotline: str


@dataclass(frozen=True, slots=True)
class DutyRule:
    """How a township's duty officers take their turns: a cycle of shift codes (``OFF`` for a day off)."""

    township_code: str
    anchor: date
    cycle: tuple[str, ...]
    teams: tuple[tuple[str, int], ...]
    """(duty officer id, offset into the cycle) for each duty officer of the township."""
    updated_by: str = ""


@dataclass(frozen=True, slots=True)
class DutyException:
    """A dated change to a township's duty roster: leave, a swap, or cover of another township."""

    id: int
    on_date: date
    staff_id: str
    kind: str
    """LEAVE, SWAP or COVER."""
    shift_code: str | None = None
    township_code: str | None = None
    """For COVER: the township covered."""
    swap_with: str | None = None
    note: str = ""
    created_by: str = ""


@dataclass(frozen=True, slots=True)
class WeatherEvent:
    """Extreme weather the agriculture bureau answers with guidance groups: the warning and the days it covers."""

    code: str
    kind: str
    """COLD_WAVE, BLIZZARD, GALE, FREEZING_RAIN, RAINSTORM, HEAT_WAVE, DROUGHT or OTHER."""
    name: str
    warning_level: str
    """BLUE, YELLOW, ORANGE or RED."""
    warned_at: datetime
    starts_on: date
    ends_on: date | None = None
    declared_by: str = ""


@dataclass(frozen=True, slots=True)
class GuidanceGroup:
    """A technical guidance group (农技指导组) formed for a weather event, and the townships it is sent to."""

    code: str
    event_code: str
    name: str
    township_codes: tuple[str, ...] = ()
    hotline: str = ""
    """The group's public contact (published instead of the technicians' own phones)."""
    updated_by: str = ""


@dataclass(frozen=True, slots=True)
class Technician:
    """An agricultural technician (农技人员) of the bureau, in one guidance group."""

    id: str
    group_code: str
    name: str
    phone: str
    specialty: str
    """CROPS, HORTICULTURE, PLANT_PROTECTION, SOIL_FERTILIZER or AGRI_MACHINERY."""
    role: str
    """LEADER or MEMBER."""


@dataclass(frozen=True, slots=True)
class GuidanceVisit(Spatial):
    """A guidance group's visit to a village, farm or greenhouse (a point) in a township, on a local date."""

    id: int = 0
    client_id: str = ""
    event_code: str = ""
    group_code: str = ""
    township_code: str = ""
    village_code: str | None = None
    site: str = ""
    """VILLAGE, FARM or GREENHOUSE."""
    kind: str = ""
    """WHEAT_FROST, GREENHOUSE_REINFORCEMENT, GREENHOUSE_HEATING or OTHER."""
    visited_on: date | None = None
    technician_ids: tuple[str, ...] = ()
    advice: str = ""
    """The advice given, as the technician wrote it (free text: staff only)."""
    hazards_found: int = 0
    """Safety hazards found at the site (险情: a sagging greenhouse, a heater too near the film, …)."""
    logged_by: str = ""
    logged_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CaseStep:
    """One move of a safety hazard or a micro-service request through its workflow (``kind``: ``hazard`` or
    ``service_request``); city-management cases keep theirs as :class:`IncidentStep`."""

    kind: str
    case_id: int
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str
    note: str = ""
    id: int = 0


@dataclass(frozen=True, slots=True)
class SafetyCampaign:
    """A township's safety-hazard campaign (安全生产隐患排查, e.g. 宋集镇's "六查一打"): its dates and the departments
    that inspect together."""

    code: str
    township_code: str
    name: str
    starts_on: date
    ends_on: date | None = None
    departments: tuple[str, ...] = ()
    """SAFETY_OFFICE (安全办), POLICE_STATION (派出所), MARKET_SUPERVISION (市场监管所), FIRE, EMERGENCY, HOUSING."""
    declared_by: str = ""


@dataclass(frozen=True, slots=True)
class Premises(Spatial):
    """A place the campaigns inspect (a point with a category): a warehouse, a school, a restaurant, …"""

    id: int = 0
    name: str = ""
    category: str = ""
    township_code: str = ""
    village_code: str | None = None
    registered_by: str = ""


@dataclass(frozen=True, slots=True)
class Inspection(Spatial):
    """One inspection of premises in a campaign (at the premises' point), on a local date."""

    id: int = 0
    client_id: str = ""
    campaign_code: str = ""
    premises_id: int = 0
    township_code: str = ""
    category: str = ""
    """The premises' category when inspected."""
    inspected_on: date | None = None
    departments: tuple[str, ...] = ()
    hazards_found: int = 0
    logged_by: str = ""
    logged_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Hazard(Spatial):
    """A safety hazard found by an inspection (at the premises' point): its severity, the day it must be rectified
    by, and its state on the workflow found → assigned → rectifying → rectified → verified."""

    id: int = 0
    inspection_id: int = 0
    campaign_code: str = ""
    premises_id: int = 0
    township_code: str = ""
    village_code: str | None = None
    category: str = ""
    """The premises' category."""
    kind: str = ""
    severity: str = ""
    """GENERAL (一般隐患) or MAJOR (重大隐患)."""
    description: str = ""
    """What was found, as the inspector wrote it (free text: staff only)."""
    found_at: datetime | None = None
    due_on: date | None = None
    """The rectification deadline: rectified by the end of this local day."""
    state: str = ""
    closed_at: datetime | None = None
    reported_by: str = ""


@dataclass(frozen=True, slots=True)
class VolunteerTeam:
    """A volunteer team of a subdistrict (党员志愿队, 关爱老人志愿者服务队, 业主驿站) and the communities it serves."""

    code: str
    name: str
    kind: str
    """PARTY_MEMBERS, ELDERLY_CARE or OWNERS_STATION."""
    subdistrict_code: str
    community_codes: tuple[str, ...] = ()
    hotline: str = ""
    """The team's public contact (published instead of the volunteers' own phones)."""


@dataclass(frozen=True, slots=True)
class Volunteer:
    """A volunteer of a team (personal data: name and phone)."""

    id: str
    team_code: str
    name: str
    phone: str
    role: str
    """LEADER or MEMBER."""


@dataclass(frozen=True, slots=True)
class ServiceRequest(Spatial):
    """A resident's request for a micro-service (微小服务) in a compound, through a volunteer team: taken, done and
    rated on its workflow. The point is the compound's."""

    id: int = 0
    client_id: str = ""
    team_code: str = ""
    compound_id: int = 0
    community_code: str = ""
    subdistrict_code: str = ""
    kind: str = ""
    channel: str = ""
    """WECHAT_GROUP, VISIT, PHONE or IN_PERSON: how the request reached the team."""
    description: str = ""
    """What was asked (free text: staff only)."""
    resident_name: str = ""
    resident_phone: str = ""
    requested_at: datetime | None = None
    deadline: datetime | None = None
    state: str = ""
    volunteer_ids: tuple[str, ...] = ()
    rating: int | None = None
    """The resident's rating, 1–5, once rated."""
    closed_at: datetime | None = None
    logged_by: str = ""
