"""Safety-hazard campaigns (安全生产隐患排查治理): a township's campaign inspects premises, each inspection records
the hazards found, and each hazard is rectified on the case workflow (``hub.domain.workflow``).

A campaign (宋集镇's "六查一打", say) belongs to one township, runs between two dates and names the
departments that inspect together (the township's safety office, the police station, market supervision, …).
Premises are points with a category (``CATEGORIES``: the article's key areas and key places). An inspection of
premises in a campaign records its hazards, each with a kind, a severity (一般隐患 ``GENERAL`` or 重大隐患
``MAJOR``) and the day it must be rectified by.

The rules of an inspection, checked before anything is written (the first that fails is the answer):

- the campaign exists; the caller is an inspector of its township (their token's) or an admin;
- the premises are known ones (by id) or new ones (name, category, point); a new category must be one of
  ``CATEGORIES`` (``BAD_INPUT`` naming them);
- the premises' point lies in a township (``OUTSIDE_AREA`` otherwise, saying whether it is in an urban
  subdistrict or outside the district), and that township is the campaign's (``NOT_ASSIGNED`` otherwise);
- the moment of the inspection is within the campaign's dates and not in the future; the departments are
  the campaign's;
- each hazard has a known kind and severity, a description of at most 2,000 characters, and a deadline that
  is not before the day it was found (``BAD_INPUT``: "a deadline before the finding").

States, and the moves between them (``None`` before the hazard is found)::

    FOUND       待交办   found by an inspection; the deadline runs
    ASSIGNED    已交办   assigned for rectification (交办: the premises are told, in writing)
    RECTIFYING  整改中   being rectified
    RECTIFIED   待复查   reported rectified, waiting for re-inspection (复查)
    VERIFIED    已销号   re-inspected and closed (销号)       } terminal: ``closed_at`` is set
    CANCELLED   已撤销   withdrawn (recorded in error)          }

    action            from                          to          who
    ASSIGN            FOUND                         ASSIGNED    inspectors of the township; admins
    START             ASSIGNED                      RECTIFYING  inspectors of the township; admins
    REPORT_RECTIFIED  ASSIGNED, RECTIFYING          RECTIFIED   inspectors of the township; admins
    VERIFY            RECTIFIED                     VERIFIED    inspectors of the township; admins
    SEND_BACK         RECTIFIED                     RECTIFYING  inspectors of the township; admins; note required
    CANCEL            FOUND, ASSIGNED, RECTIFYING   CANCELLED   admins (the district safety office); note required

A hazard is overdue while it is FOUND, ASSIGNED or RECTIFYING after the end of its deadline's day (local
time); one reported rectified is with the re-inspectors and no longer overdue.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from hub.domain.access import ADMIN, INSPECTOR, Viewer
from hub.domain.events import Event
from hub.domain.guidance import check_code, where_is
from hub.domain.locate import at_point
from hub.domain.roster import LOCAL, check_day, local_time
from hub.domain.workflow import Party, Workflow, clean_text, one_of
from hub.errors import AccessDenied, InputError, LimitExceeded, NotAssigned, NotFound, OutsideArea
from hub.geo.geojson import point
from hub.store import records as r
from hub.store.catalog import Catalog
from hub.store.contract import PREMISES_CATEGORIES

KIND = "hazard"
"""The kind of case of a hazard's steps (``CaseStep.kind``)."""

CATEGORIES = PREMISES_CATEGORIES  # the store's contract holds the one list
CATEGORY_NAMES = {
    "WAREHOUSE": "仓储",
    "CONSTRUCTION_SITE": "建筑工地",
    "GAS": "燃气",
    "FACTORY": "生产企业",
    "SCHOOL": "学校",
    "SUPERMARKET": "超市",
    "RESTAURANT": "饭店",
    "CLOTHING_SHOP": "服装店",
    "BATH_CENTRE": "洗浴中心",
    "OTHER": "其他",
}
"""Premises categories: the article's key areas (仓储、建筑工地、燃气) and key places (学校、超市、饭店、服装店、
洗浴中心)."""
DEPARTMENTS = ("SAFETY_OFFICE", "POLICE_STATION", "MARKET_SUPERVISION", "FIRE", "EMERGENCY", "HOUSING")
DEPARTMENT_NAMES = {
    "SAFETY_OFFICE": "镇安全办",
    "POLICE_STATION": "派出所",
    "MARKET_SUPERVISION": "市场监管所",
    "FIRE": "消防",
    "EMERGENCY": "应急管理",
    "HOUSING": "住建",
}
KINDS = ("PRODUCTION_SITE", "EQUIPMENT", "FIRE_FACILITIES", "ELECTRICAL", "GAS", "EVACUATION", "STORAGE", "OTHER")
KIND_NAMES = {
    "PRODUCTION_SITE": "生产场所",
    "EQUIPMENT": "工艺设备",
    "FIRE_FACILITIES": "消防设施",
    "ELECTRICAL": "用电安全",
    "GAS": "燃气安全",
    "EVACUATION": "安全出口与疏散通道",
    "STORAGE": "危险物品存放",
    "OTHER": "其他",
}
GENERAL, MAJOR = "GENERAL", "MAJOR"
SEVERITIES = (GENERAL, MAJOR)
SEVERITY_NAMES = {GENERAL: "一般隐患", MAJOR: "重大隐患"}

FOUND, ASSIGNED, RECTIFYING, RECTIFIED, VERIFIED, CANCELLED = (
    "FOUND",
    "ASSIGNED",
    "RECTIFYING",
    "RECTIFIED",
    "VERIFIED",
    "CANCELLED",
)
STATES = (FOUND, ASSIGNED, RECTIFYING, RECTIFIED, VERIFIED, CANCELLED)
STATE_NAMES = {
    FOUND: "待交办",
    ASSIGNED: "已交办",
    RECTIFYING: "整改中",
    RECTIFIED: "待复查",
    VERIFIED: "已销号",
    CANCELLED: "已撤销",
}
REPORT = "REPORT"
"""The action of a hazard's first step (found by an inspection); not a move of the table."""
ASSIGN, START, REPORT_RECTIFIED, VERIFY, SEND_BACK, CANCEL = (
    "ASSIGN",
    "START",
    "REPORT_RECTIFIED",
    "VERIFY",
    "SEND_BACK",
    "CANCEL",
)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    ASSIGN: (frozenset({FOUND}), ASSIGNED),
    START: (frozenset({ASSIGNED}), RECTIFYING),
    REPORT_RECTIFIED: (frozenset({ASSIGNED, RECTIFYING}), RECTIFIED),
    VERIFY: (frozenset({RECTIFIED}), VERIFIED),
    SEND_BACK: (frozenset({RECTIFIED}), RECTIFYING),
    CANCEL: (frozenset({FOUND, ASSIGNED, RECTIFYING}), CANCELLED),
}
ACTIONS = tuple(TRANSITIONS)
AWAITING = frozenset({FOUND, ASSIGNED, RECTIFYING})
"""States in which the rectification is still owed, so the deadline can be missed."""
TERMINAL = frozenset({VERIFIED, CANCELLED})
OPEN = frozenset(STATES) - TERMINAL

MAX_DESCRIPTION = 2000
MAX_HAZARDS = 50
MAX_NAME = 100
FUTURE_TOLERANCE = timedelta(minutes=5)


def deadline(hazard: Any) -> datetime | None:
    """The end of a hazard's deadline day (local midnight after ``due_on``), the moment it becomes overdue.

    >>> deadline(r.Hazard(None, "", due_on=date(2023, 12, 15))).isoformat()
    '2023-12-16T00:00:00+08:00'
    """
    due = hazard.due_on
    return None if due is None else datetime.combine(due + timedelta(days=1), time(0), LOCAL)


WORKFLOW = Workflow(
    noun="hazard",
    states=STATES,
    names=STATE_NAMES,
    transitions=TRANSITIONS,
    terminal=TERMINAL,
    awaiting=AWAITING,
    party=Party(
        role=INSPECTOR,
        people="inspectors",
        unit="township",
        unit_of_viewer=lambda v: v.unit_code,
        unit_of_case=lambda x: x.township_code,
        actions=frozenset(ACTIONS) - {CANCEL},
        centre="district safety office",
    ),
    note_required=frozenset({SEND_BACK, CANCEL}),
    deadline=deadline,
    opened=lambda x: x.found_at,
)


# --- campaigns and premises ------------------------------------------------------------------------------


def campaign_of(catalog: Catalog, code: str, *, field: str = "campaign") -> r.SafetyCampaign:
    found = catalog.safety_campaigns.get(code)
    if found is None:
        known = ", ".join(sorted(catalog.safety_campaigns)) or "none"
        raise NotFound(f"no safety campaign {code!r}; known campaigns: {known}", field=field)
    return found


def check_campaign(catalog: Catalog, campaign: r.SafetyCampaign) -> None:
    """Raise unless a campaign can be stored: a code, a known township, a name, dates in order, known departments."""
    check_code(campaign.code, "campaign", field="code")
    if catalog.townships.get(campaign.township_code) is None:
        raise NotFound(f"no township {campaign.township_code!r}", field="township")
    check_day(campaign.starts_on, field="startsOn")
    if campaign.ends_on is not None:
        check_day(campaign.ends_on, field="endsOn")
    if not campaign.name.strip():
        raise InputError('a campaign needs a name (e.g. 宋集镇安全生产"六查一打"专项行动)', field="name")
    if campaign.ends_on is not None and campaign.ends_on < campaign.starts_on:
        raise InputError(f"{campaign.ends_on} is before startsOn ({campaign.starts_on})", field="endsOn")
    if not campaign.departments:
        raise InputError("name the departments taking part (e.g. SAFETY_OFFICE, POLICE_STATION)", field="departments")
    for i, d in enumerate(campaign.departments):
        one_of(d, DEPARTMENTS, "department", f"departments[{i}]")
        if d in campaign.departments[:i]:
            raise InputError(f"department {d} is given twice", field=f"departments[{i}]")
    old = catalog.safety_campaigns.get(campaign.code)
    if old is not None and old.township_code != campaign.township_code:
        raise InputError(
            f"campaign {campaign.code} is {old.township_code}'s; a campaign does not change township", field="township"
        )


def township_at(catalog: Catalog, lon: float, lat: float, *, field: str = "location") -> r.Township:
    """The township containing a point, or OutsideArea saying where the point is instead."""
    town = at_point(catalog.townships, lon, lat)
    if town is None:
        raise OutsideArea(
            f"({lon:g}, {lat:g}) is outside every township: {where_is(catalog, lon, lat)}; "
            "safety campaigns inspect premises in the townships",
            field=field,
        )
    return town


def new_premises(
    catalog: Catalog, viewer: Viewer, *, name: Any, category: Any, lon: float, lat: float, township_code: str
) -> r.Premises:
    """Premises to register at a point, which must lie in ``township_code`` (the campaign's or the inspector's)."""
    text = clean_text(name, "premises.name", MAX_NAME)
    if not text:
        raise InputError("name the premises (e.g. 宋集镇中心学校)", field="premises.name")
    one_of(category, CATEGORIES, "category", "premises.category")
    geom = point(lon, lat, field="premises.location")
    town = township_at(catalog, lon, lat, field="premises.location")
    if town.code != township_code:
        raise NotAssigned(
            f"({lon:g}, {lat:g}) lies in {town.name} ({town.code}), not in {township_code}; "
            "a campaign inspects premises in its own township",
            field="premises.location",
        )
    village = at_point(catalog.villages, lon, lat)
    return r.Premises(
        geometry=geom,
        geojson="",
        name=text,
        category=str(category),
        township_code=town.code,
        village_code=None if village is None else village.code,
        registered_by=viewer.actor,
    )


# --- inspections -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HazardInput:
    kind: str
    severity: str
    description: str
    due_on: date


@dataclass(frozen=True, slots=True)
class InspectionInput:
    """An inspection as the caller describes it (a new premises' point already in WGS84)."""

    client_id: str
    campaign_code: str
    inspected_at: datetime
    premises_id: int | None = None
    premises_name: str | None = None
    premises_category: str | None = None
    lon: float | None = None
    lat: float | None = None
    departments: tuple[str, ...] = ()
    hazards: tuple[HazardInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Inspected:
    """What an inspection writes: the premises when new, the inspection, its hazards (ids 0, geojson empty)."""

    new_premises: r.Premises | None
    premises: r.Premises
    inspection: r.Inspection
    hazards: tuple[r.Hazard, ...]


def may_work_in(viewer: Viewer, township_code: str, doing: str) -> None:
    """Inspectors of the township and admins; others refused."""
    if viewer.role == ADMIN:
        return
    if viewer.role != INSPECTOR:
        raise AccessDenied(f"only inspectors and admins may {doing}; you are {viewer.role}")
    if viewer.unit_code != township_code:
        raise NotAssigned(
            f"you inspect in {viewer.unit_code or 'no township'}, not in {township_code}; an inspector works in the "
            "township their token names",
            field="campaignCode",
        )


def inspect(catalog: Catalog, viewer: Viewer, v: InspectionInput, *, now: datetime) -> Inspected:
    """What to store for an inspection, once every rule of the module docstring holds (raises the first that fails)."""
    campaign = campaign_of(catalog, v.campaign_code, field="campaignCode")
    may_work_in(viewer, campaign.township_code, "log inspections")
    if v.premises_id is not None:
        known = catalog.premises.get(v.premises_id)
        if known is None:
            raise NotFound(f"no premises {v.premises_id}", field="premisesId")
        if known.township_code != campaign.township_code:
            raise NotAssigned(
                f"premises {known.id} ({known.name}) are in {known.township_code}, not in campaign "
                f"{campaign.code}'s township {campaign.township_code}",
                field="premisesId",
            )
        premises, made = known, None
    else:
        if v.lon is None or v.lat is None:
            raise InputError(
                "give the premises: premisesId, or a new one's name, category, lon and lat", field="premises"
            )
        made = new_premises(
            catalog,
            viewer,
            name=v.premises_name,
            category=v.premises_category,
            lon=v.lon,
            lat=v.lat,
            township_code=campaign.township_code,
        )
        premises = made
    at = local_time(v.inspected_at, field="inspectedAt")
    now = local_time(now)
    if at > now + FUTURE_TOLERANCE:
        raise InputError(f"{at.isoformat(timespec='minutes')} is in the future", field="inspectedAt")
    day = at.date()
    if day < campaign.starts_on or (campaign.ends_on is not None and day > campaign.ends_on):
        to = campaign.ends_on.isoformat() if campaign.ends_on else "now"
        raise InputError(
            f"{day} is outside campaign {campaign.code} ({campaign.starts_on} to {to})", field="inspectedAt"
        )
    departments = v.departments or campaign.departments
    for i, d in enumerate(departments):
        if d not in campaign.departments:
            raise InputError(
                f"department {d!r} does not take part in {campaign.code}; its departments: "
                f"{', '.join(campaign.departments)}",
                field=f"departments[{i}]",
            )
    if len(v.hazards) > MAX_HAZARDS:
        raise LimitExceeded(f"{len(v.hazards)} hazards; at most {MAX_HAZARDS} per inspection", field="hazards")
    hazards = tuple(_hazard(campaign, premises, h, at, viewer, f"hazards[{i}]") for i, h in enumerate(v.hazards))
    inspection = r.Inspection(
        geometry=premises.geometry,
        geojson="",
        client_id=v.client_id,
        campaign_code=campaign.code,
        premises_id=premises.id,
        township_code=campaign.township_code,
        category=premises.category,
        inspected_on=day,
        departments=tuple(departments),
        hazards_found=len(hazards),
        logged_by=viewer.actor,
        logged_at=now,
    )
    return Inspected(made, premises, inspection, hazards)


def _hazard(
    campaign: r.SafetyCampaign, premises: r.Premises, h: HazardInput, at: datetime, viewer: Viewer, where: str
) -> r.Hazard:
    one_of(h.kind, KINDS, "kind of hazard", f"{where}.kind")
    one_of(h.severity, SEVERITIES, "severity", f"{where}.severity")
    check_day(h.due_on, field=f"{where}.dueOn")
    text = clean_text(h.description, f"{where}.description", MAX_DESCRIPTION)
    if not text:
        raise InputError("describe the hazard", field=f"{where}.description")
    if h.due_on < at.date():
        raise InputError(
            f"the deadline {h.due_on} is before the finding ({at.date()}): a hazard is rectified after it is found",
            field=f"{where}.dueOn",
        )
    return r.Hazard(
        geometry=premises.geometry,
        geojson="",
        campaign_code=campaign.code,
        premises_id=premises.id,
        township_code=premises.township_code,
        village_code=premises.village_code,
        category=premises.category,
        kind=h.kind,
        severity=h.severity,
        description=text,
        found_at=at,
        due_on=h.due_on,
        state=FOUND,
        reported_by=viewer.actor,
    )


def first_step(hazard: r.Hazard, actor: str) -> r.CaseStep:
    """The step that opens a stored hazard's history (found by its inspection)."""
    assert hazard.found_at is not None
    return r.CaseStep(KIND, hazard.id, hazard.found_at, actor, REPORT, None, FOUND)


def advance(viewer: Viewer, hazard: r.Hazard, action: str, *, note: Any, now: datetime) -> tuple[r.Hazard, r.CaseStep]:
    """Move a hazard by one action (the table of the module docstring); the changed hazard and its step."""
    changed, m = WORKFLOW.advance(viewer, hazard, action, note=note, now=now)
    return changed, r.CaseStep(KIND, hazard.id, m.at, viewer.actor, action, m.source, m.target, m.note)


# --- queries ---------------------------------------------------------------------------------------------


def uninspected(catalog: Catalog, campaign_code: str, category: str | None = None) -> list[r.Premises]:
    """Premises of the campaign's township (of one category) that no inspection of the campaign has visited yet."""
    campaign = campaign_of(catalog, campaign_code)
    if category is not None:
        one_of(category, CATEGORIES, "category", "category")
    seen = {x.premises_id for x in catalog.inspections if x.campaign_code == campaign.code}
    return [
        p
        for p in catalog.premises
        if p.township_code == campaign.township_code and p.id not in seen and category in (None, p.category)
    ]


@dataclass(frozen=True, slots=True)
class HazardFilter:
    campaign: str | None = None
    township: str | None = None
    category: str | None = None
    severity: str | None = None
    state: str | None = None
    open: bool | None = None
    """True: not verified or cancelled; False: verified or cancelled."""
    overdue: bool | None = None


def check_filter(catalog: Catalog, f: HazardFilter) -> None:
    if f.campaign is not None:
        campaign_of(catalog, f.campaign)
    if f.township is not None and catalog.townships.get(f.township) is None:
        raise NotFound(f"no township {f.township!r}", field="township")
    if f.category is not None:
        one_of(f.category, CATEGORIES, "category", "category")
    if f.severity is not None:
        one_of(f.severity, SEVERITIES, "severity", "severity")
    WORKFLOW.check_state(f.state)


def matches(x: r.Hazard, f: HazardFilter, now: datetime) -> bool:
    return (
        f.campaign in (None, x.campaign_code)
        and f.township in (None, x.township_code)
        and f.category in (None, x.category)
        and f.severity in (None, x.severity)
        and f.state in (None, x.state)
        and (f.open is None or (x.state in OPEN) == f.open)
        and (f.overdue is None or WORKFLOW.is_overdue(x, now) == f.overdue)
    )


def steps_of(catalog: Catalog, hazard_id: int) -> Sequence[r.CaseStep]:
    return catalog.case_steps.get((KIND, hazard_id), [])


def events(catalog: Catalog, written: Iterable[tuple[Any, bool]]) -> list[Event]:
    """The live events one committed transaction makes: one per hazard it found or moved, with the hazard as the
    catalog now holds it and its last step (kind ``REPORT`` for a new hazard, else the action), for the
    subscribers of its township. Published from the store's change notices, as the cases' are."""
    moved: dict[int, list[r.CaseStep]] = {}
    for record, deleted in written:
        if isinstance(record, r.CaseStep) and record.kind == KIND and not deleted:
            moved.setdefault(record.case_id, []).append(record)
    out = []
    for hazard_id, steps in moved.items():
        hazard = catalog.hazards.get(hazard_id)
        if hazard is not None:
            kind = REPORT if any(s.action == REPORT for s in steps) else steps[-1].action
            out.append(Event("hazard", kind, hazard.township_code, hazard, steps[-1]))
    return out
