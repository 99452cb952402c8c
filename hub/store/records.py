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
