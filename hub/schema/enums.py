"""GraphQL enums; values are the codes the store keeps.

Some list codes the domain defines (case states and actions, roster exception kinds, map layers);
they are written out here so that types can be checked, and ``tests/schema/test_enums.py`` checks
that each lists exactly the domain's codes.
"""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(
    description="How a compound is managed: by a property company, by one its committee hires, by the "
    "residents themselves, or not at all (UNMANAGED: 失管/三无, no company, no committee, no supervising unit)."
)
class ManagementMode(Enum):
    PROPERTY_COMPANY = "PROPERTY_COMPANY"
    COMMITTEE_HIRED = "COMMITTEE_HIRED"
    SELF_MANAGED = "SELF_MANAGED"
    UNMANAGED = "UNMANAGED"


@strawberry.enum(description="业主委员会 (elected by owners) or 物业管理委员会 (set up, led by the branch).")
class CommitteeKind(Enum):
    OWNERS_COMMITTEE = "OWNERS_COMMITTEE"
    PROPERTY_MANAGEMENT_COMMITTEE = "PROPERTY_MANAGEMENT_COMMITTEE"


@strawberry.enum(description="Whether an occupation of public space has been cleared.")
class OccupationStatus(Enum):
    OCCUPIED = "OCCUPIED"
    CLEARED = "CLEARED"


@strawberry.enum(description="The roles a bearer token can carry; PUBLIC is the caller with no token.")
class Role(Enum):
    PUBLIC = "public"
    ANALYST = "analyst"
    OFFICER = "officer"
    TECHNICIAN = "technician"
    INSPECTOR = "inspector"
    VOLUNTEER = "volunteer"
    ADMIN = "admin"


@strawberry.enum(description="What occupies the public space.")
class OccupationKind(Enum):
    ENCLOSURE = "ENCLOSURE"
    CONSTRUCTION = "CONSTRUCTION"
    STORAGE = "STORAGE"
    PLANTING = "PLANTING"
    PARKING = "PARKING"


@strawberry.enum(description="The duties a 门前三包 agreement covers.")
class FrontageDuty(Enum):
    SANITATION = "SANITATION"
    ORDER = "ORDER"
    GREENERY = "GREENERY"


@strawberry.enum(
    description="Coordinate system: WGS84 (GPS, the hub's own), GCJ02 (AMap/Gaode, Tencent), BD09 (Baidu)."
)
class Crs(Enum):
    WGS84 = "WGS84"
    GCJ02 = "GCJ02"
    BD09 = "BD09"


@strawberry.enum(
    description=(
        "DISPATCHED 待处理 (the clock runs), HANDLING 处置中, HANDLED 待核查, VERIFIED 已核查, CLOSED 已结案, "
        "REJECTED 不予立案, CANCELLED 已撤销."
    )
)
class IncidentState(Enum):
    DISPATCHED = "DISPATCHED"
    HANDLING = "HANDLING"
    HANDLED = "HANDLED"
    VERIFIED = "VERIFIED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


@strawberry.enum(
    description="ACCEPT and REPORT_HANDLED: the assigned squad (or an admin); the rest: admins (command centre)."
)
class IncidentAction(Enum):
    ACCEPT = "ACCEPT"
    REPORT_HANDLED = "REPORT_HANDLED"
    VERIFY = "VERIFY"
    SEND_BACK = "SEND_BACK"
    CLOSE = "CLOSE"
    REJECT = "REJECT"
    CANCEL = "CANCEL"


@strawberry.enum(
    description="FOUND 待交办 (the deadline runs), ASSIGNED 已交办, RECTIFYING 整改中, RECTIFIED 待复查, "
    "VERIFIED 已销号, CANCELLED 已撤销."
)
class HazardState(Enum):
    FOUND = "FOUND"
    ASSIGNED = "ASSIGNED"
    RECTIFYING = "RECTIFYING"
    RECTIFIED = "RECTIFIED"
    VERIFIED = "VERIFIED"
    CANCELLED = "CANCELLED"


@strawberry.enum(description="CANCEL: admins; the others: the township's inspectors (or admins).")
class HazardAction(Enum):
    ASSIGN = "ASSIGN"
    START = "START"
    REPORT_RECTIFIED = "REPORT_RECTIFIED"
    VERIFY = "VERIFY"
    SEND_BACK = "SEND_BACK"
    CANCEL = "CANCEL"


@strawberry.enum(description="REQUESTED 待接单, TAKEN 已接单, DONE 已完成, RATED 已评价, CANCELLED 已取消.")
class ServiceRequestState(Enum):
    REQUESTED = "REQUESTED"
    TAKEN = "TAKEN"
    DONE = "DONE"
    RATED = "RATED"
    CANCELLED = "CANCELLED"


@strawberry.enum(description="Taken by the team's volunteers (or admins); RATE carries the resident's rating, 1–5.")
class ServiceRequestAction(Enum):
    TAKE = "TAKE"
    FINISH = "FINISH"
    RATE = "RATE"
    CANCEL = "CANCEL"


@strawberry.enum(
    name="RosterExceptionKind",
    description="LEAVE: off that day; SWAP: two officers exchange that day's shifts; COVER: work a shift in "
    "another sector.",
)
class ExceptionKind(Enum):
    LEAVE = "LEAVE"
    SWAP = "SWAP"
    COVER = "COVER"


@strawberry.enum(name="Layer", description="A map layer of the hub.")
class MapLayer(Enum):
    SUBDISTRICTS = "subdistricts"
    COMMUNITIES = "communities"
    GRIDS = "grids"
    SECTORS = "sectors"
    TOWNSHIPS = "townships"
    VILLAGES = "villages"
    COMPOUNDS = "compounds"
    OCCUPATIONS = "occupations"
    INCIDENTS = "incidents"
    GUIDANCE_VISITS = "guidance_visits"
    HAZARDS = "hazards"
    MERCHANTS = "merchants"
