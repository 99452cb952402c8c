"""GraphQL enums; values are the codes the store keeps."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="How a compound is managed.")
class ManagementMode(Enum):
    PROPERTY_COMPANY = "PROPERTY_COMPANY"
    COMMITTEE_HIRED = "COMMITTEE_HIRED"
    SELF_MANAGED = "SELF_MANAGED"


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
