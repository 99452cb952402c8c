"""What a stored value may be: the codes each field takes, and each kind of record's fields and keys.

This is the store's side of a promise: no row it holds can make a query fail. Every row an import
or ``hub init`` brings is checked against these declarations before anything is written
(``hub.store.checks``), and the catalog checks every row it loads against the same ones, leaving out and
naming those that break them (``hub.store.faults``). The GraphQL enums of the same codes are checked equal
to these lists by ``tests/schema/test_enums.py``.

A :class:`Kind` is one kind of record an import can carry: its table, its key (the stable code), its
fields (:class:`Field`: type, codes, the kind it refers to, other names a file may give it), its
geometry, and the records nested in it (a compound's committee, a company's yearly scores).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

MANAGEMENT_MODES = ("PROPERTY_COMPANY", "COMMITTEE_HIRED", "SELF_MANAGED", "UNMANAGED")
"""How a compound is managed now; UNMANAGED: 失管/三无 (no company, no committee's hire, no supervising unit)."""
COMMITTEE_KINDS = ("OWNERS_COMMITTEE", "PROPERTY_MANAGEMENT_COMMITTEE")
SECRETARY_ROLES = ("COMMUNITY_COMMITTEE", "GRID_WORKER")
OCCUPATION_KINDS = ("ENCLOSURE", "CONSTRUCTION", "STORAGE", "PLANTING", "PARKING")
OCCUPATION_STATUSES = ("OCCUPIED", "CLEARED")
MEETING_KINDS = ("JOINT_MEETING", "DELIBERATION", "HEART_TO_HEART")
"""联席会议, 议事会, 恳谈会."""
PARTIES = ("COMMUNITY_PARTY", "RESIDENTS_COMMITTEE", "OWNERS_COMMITTEE", "PROPERTY_COMPANY")
PROBLEM_CATEGORIES = (
    "HEATING",
    "PARKING",
    "SANITATION",
    "EV_CHARGING",
    "GREENERY",
    "FEES",
    "OCCUPIED_SPACE",
    "ELEVATOR",
    "LEAKAGE",
    "SECURITY",
)
ROOM_USES = ("PROPERTY_OFFICE", "ACTIVITY_ROOM", "PARTY_SERVICE_STATION", "STORAGE")
TRADES = ("RESTAURANT", "SERVICES", "GROCERY", "CRAFTS", "CLOTHING")
FRONTAGE_DUTIES = ("SANITATION", "ORDER", "GREENERY")
UNIT_KINDS = ("subdistrict", "town", "township")
SERVICES = ("CITY_MANAGEMENT", "TRAFFIC_POLICE", "TRANSPORT")
TOWNSHIP_KINDS = ("town", "township")
"""镇 and 乡."""
DUTY_ROLES = ("LEADER", "STAFF")
VISIT_KINDS = ("WHEAT_FROST", "GREENHOUSE_REINFORCEMENT", "GREENHOUSE_HEATING", "OTHER")
"""小麦防冻, 棚室加固, 棚室增温, other guidance."""
VISIT_SITES = ("VILLAGE", "FARM", "GREENHOUSE")
EVENT_KINDS = ("COLD_WAVE", "BLIZZARD", "GALE", "FREEZING_RAIN", "RAINSTORM", "HEAT_WAVE", "DROUGHT", "OTHER")
"""寒潮, 暴雪, 大风, 冻雨, 暴雨, 高温, 干旱, other."""
WARNING_LEVELS = ("BLUE", "YELLOW", "ORANGE", "RED")
SPECIALTIES = ("CROPS", "HORTICULTURE", "PLANT_PROTECTION", "SOIL_FERTILIZER", "AGRI_MACHINERY")
TECHNICIAN_ROLES = ("LEADER", "MEMBER")
OFFICER_ROLES = ("LEADER", "DEPUTY", "OFFICER")
PREMISES_CATEGORIES = (
    "WAREHOUSE",
    "CONSTRUCTION_SITE",
    "GAS",
    "FACTORY",
    "SCHOOL",
    "SUPERMARKET",
    "RESTAURANT",
    "CLOTHING_SHOP",
    "BATH_CENTRE",
    "OTHER",
)
"""The codes of ``hub.domain.hazards`` (a test checks they agree)."""
DEPARTMENTS = ("SAFETY_OFFICE", "POLICE_STATION", "MARKET_SUPERVISION", "FIRE", "EMERGENCY", "HOUSING")
HAZARD_KINDS = (
    "PRODUCTION_SITE",
    "EQUIPMENT",
    "FIRE_FACILITIES",
    "ELECTRICAL",
    "GAS",
    "EVACUATION",
    "STORAGE",
    "OTHER",
)
SEVERITIES = ("GENERAL", "MAJOR")
HAZARD_STATES = ("FOUND", "ASSIGNED", "RECTIFYING", "RECTIFIED", "VERIFIED", "CANCELLED")
TEAM_KINDS = ("PARTY_MEMBERS", "ELDERLY_CARE", "OWNERS_STATION")
VOLUNTEER_ROLES = ("LEADER", "MEMBER")
SERVICE_KINDS = (
    "PHONE_BILL",
    "TOILET_UNBLOCKING",
    "LIGHT_BULB",
    "PLUMBING",
    "ELECTRICAL",
    "ERRAND",
    "ELDERLY_CARE",
    "OTHER",
)
CHANNELS = ("WECHAT_GROUP", "VISIT", "PHONE", "IN_PERSON")
REQUEST_STATES = ("REQUESTED", "TAKEN", "DONE", "RATED", "CANCELLED")
CASE_KINDS = ("hazard", "service_request")

TEXT, INT, FLOAT, BOOL, DATE, CODES, JSON = "text", "int", "float", "bool", "date", "codes", "json"
MOMENT = "moment"
TYPE_NAMES = {
    TEXT: "text",
    INT: "a whole number",
    FLOAT: "a number",
    BOOL: "true or false",
    DATE: "a date (YYYY-MM-DD)",
    MOMENT: "a time with its offset (ISO 8601)",
    CODES: "a list of codes",
    JSON: "a JSON object",
}

_MISSING: Any = object()


class Bad(ValueError):
    """A value a field does not take; the message says why."""


@dataclass(frozen=True)
class Field:
    """One field of a kind of record: its column, the type and codes it takes, the kind it refers to."""

    name: str
    type: str = TEXT
    required: bool = True
    """False: null (an empty cell) is a value."""
    choices: tuple[str, ...] = ()
    refers: str | None = None
    """The kind whose key this field holds (a broken reference is refused)."""
    pattern: tuple[str, str] | None = None
    """(regular expression, what it means) the text must match."""
    minimum: float | None = None
    maximum: float | None = None
    aliases: tuple[str, ...] = ()
    """Other names a file may give the column: the camelCase of the API and the Chinese headers of exports."""
    default: Any = _MISSING
    """The value of a new record whose file has no such column."""

    def names(self) -> tuple[str, ...]:
        """Every name a column of this field may have: the store's, the API's (camelCase), the others given."""
        return tuple(dict.fromkeys(n for a in (self.name, *self.aliases) for n in (a, camel(a))))

    def convert(self, raw: Any, *, ranges: bool = True) -> Any:
        """The value as the store keeps it (None for null), or ``Bad`` with the reason; ``ranges`` False checks
        the type and codes only (what a query needs), not patterns and ranges."""
        value = _CONVERT[self.type](blank(raw))
        if value is None:
            if self.required:
                raise Bad("a value is required here")
            return None
        if self.choices:
            wrong = [v for v in (value if self.type == CODES else [value]) if v not in self.choices]
            if wrong:
                raise Bad(f"{_show(wrong[0])} is not one of {', '.join(self.choices)}")
        if not ranges:
            return value
        if self.pattern is not None and not re.fullmatch(self.pattern[0], str(value)):
            raise Bad(f"not {self.pattern[1]}")
        if self.minimum is not None and value < self.minimum:
            raise Bad(f"less than {self.minimum:g}")
        if self.maximum is not None and value > self.maximum:
            raise Bad(f"more than {self.maximum:g}")
        return value


@dataclass(frozen=True)
class Child:
    """Records nested in a parent's row (a compound's ``committee``, a company's ``scores``)."""

    member: str
    """The parent row's member that holds them (an object, a list of objects, or their JSON text)."""
    kind: str
    parent_key: str
    """The child's field that holds the parent's key."""
    many: bool = False
    flatten: Callable[[dict[str, Any]], dict[str, Any]] = lambda d: d
    """The child's values from the nested object (a party branch's ``members`` object spread out)."""


@dataclass(frozen=True)
class Kind:
    """One kind of record an import carries."""

    name: str
    """Its name, which is also its table and the stem of the file that holds it (``compounds.gpkg``)."""
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    geometry: tuple[str, ...] = ()
    """The geometry types it takes (none: a kind without geometry)."""
    measured: bool = False
    """Its area on the ellipsoid is kept (polygons)."""
    disjoint: bool = False
    """Neighbours may touch but not overlap beyond the tolerance (a tiling, or compounds)."""
    children: tuple[Child, ...] = ()
    label: str = ""
    """What one record is called in messages (``compound``)."""
    importable: bool = True
    """``hub import`` takes it (the old town's frame comes with ``hub init`` only)."""
    rules: tuple[Callable[[dict[str, Any]], tuple[str, str] | None], ...] = ()
    """Checks across fields: (field, reason) when a row breaks one."""

    @property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def key_of(self, values: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(values.get(k) for k in self.key)


def camel(name: str) -> str:
    """The API's name of a column.

    >>> camel("fee_yuan_per_m2_month"), camel("id")
    ('feeYuanPerM2Month', 'id')
    """
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def blank(raw: Any) -> Any:
    """None for every spelling of an empty cell (None, NaN, NaT, blank text)."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    if isinstance(raw, str) and not raw.strip():
        return None
    if type(raw).__name__ == "NaTType":
        return None
    return raw


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():  # a code read as a number from a typed column
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise Bad(f"{type(raw).__name__} where text is expected")
    return str(raw).strip()


def _int(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise Bad("true/false where a whole number is expected")
    if isinstance(raw, int):
        return int(raw)
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and re.fullmatch(r"[+-]?\d+(\.0*)?", raw.strip()):
        return int(float(raw))
    raise Bad("not a whole number")


def _float(raw: Any) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise Bad("true/false where a number is expected")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise Bad("not a number") from None
    if not math.isfinite(value):
        raise Bad("not a finite number")
    return value


_TRUE = {"true", "t", "yes", "y", "1", "是"}
_FALSE = {"false", "f", "no", "n", "0", "否"}


def _bool(raw: Any) -> bool | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or type(raw).__name__ == "bool_":
        return bool(raw)
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise Bad("not true or false")


def _date(raw: Any) -> date | None:
    if raw is None:
        return None
    if isinstance(raw, datetime):
        if raw.time() != datetime.min.time():
            raise Bad("a time where a date is expected")
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip() if isinstance(raw, str) else None
    if text is not None and re.fullmatch(r"\d{4}[-/]\d{2}[-/]\d{2}(T00:00(:00)?)?", text):
        try:
            return date.fromisoformat(text[:10].replace("/", "-"))
        except ValueError:
            raise Bad("not a date of the calendar") from None
    raise Bad("not a date (YYYY-MM-DD)")


def _moment(raw: Any) -> datetime | None:
    if raw is None:
        return None
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw.strip())
        except ValueError:
            raise Bad("not a time (ISO 8601)") from None
    else:
        raise Bad("not a time (ISO 8601)")
    if value.tzinfo is None:
        raise Bad("a time without its offset (add +08:00)")
    return value


def _codes(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if type(raw).__name__ == "ndarray":  # a list field as GDAL reads it (StringList)
        raw = raw.tolist()
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("["):
            try:
                raw = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise Bad("not a JSON list") from None
        else:
            raw = [p.strip() for p in text.split(",") if p.strip()]
    if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
        raise Bad("not a list of codes")
    return tuple(raw)


def _json(raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise Bad("not valid JSON") from None
    if not isinstance(raw, dict | list):
        raise Bad("not a JSON object")
    return raw


_CONVERT: dict[str, Callable[[Any], Any]] = {
    TEXT: _text,
    INT: _int,
    FLOAT: _float,
    BOOL: _bool,
    DATE: _date,
    MOMENT: _moment,
    CODES: _codes,
    JSON: _json,
}


def _f(name: str, type_: str = TEXT, *aliases: str, **kw: Any) -> Field:
    return Field(name, type_, aliases=aliases, **kw)


def _digits(n: int) -> tuple[str, str]:
    return (rf"\d{{{n}}}", f"a {n}-digit code")


CREDIT_CODE = (r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", "an 18-character unified social credit code")
HH_MM = (r"([01]\d|2[0-4]):[0-5]\d", "a local time HH:MM")
YEAR = {"minimum": 1900, "maximum": 2100}


def _within(code: str, parent: str, what: str) -> Callable[[dict[str, Any]], tuple[str, str] | None]:
    def rule(v: dict[str, Any]) -> tuple[str, str] | None:
        c, p = v.get(code), v.get(parent)
        if c and p and not str(c).startswith(str(p)):
            return code, f"{c} does not start with its {what} code {p}"
        return None

    return rule


def _company_mode(v: dict[str, Any]) -> tuple[str, str] | None:
    mode, company = v.get("management_mode", v.get("mode")), v.get("property_company_id")
    if mode == "PROPERTY_COMPANY" and not company:
        return "property_company_id", "a compound managed by a property company names it (property_company_id)"
    if mode == "UNMANAGED" and company:
        return "property_company_id", f"an unmanaged compound has no property company, not {company}"
    return None


def _cleared(v: dict[str, Any]) -> tuple[str, str] | None:
    if v.get("status") == "CLEARED" and v.get("cleared_on") is None:
        return "cleared_on", "a cleared occupation has the date it was cleared"
    if v.get("status") == "OCCUPIED" and v.get("cleared_on") is not None:
        return "cleared_on", "an occupation still OCCUPIED has no date cleared"
    reported, cleared = v.get("reported_on"), v.get("cleared_on")
    if reported and cleared and cleared < reported:
        return "cleared_on", f"cleared on {cleared} before it was reported ({reported})"
    return None


def _solved(v: dict[str, Any]) -> tuple[str, str] | None:
    if v.get("solved") and v.get("solved_on") is None:
        return "solved_on", "a solved problem has the date it was solved"
    if v.get("solved") is False and v.get("solved_on") is not None:
        return "solved_on", "an open problem has no date solved"
    return None


def _branch_members(d: dict[str, Any]) -> dict[str, Any]:
    members = d.get("members")
    out = {k: v for k, v in d.items() if k != "members"}
    if isinstance(members, dict):
        out.update(members)
    return out


_CODE_NAME = (_f("code", TEXT), _f("name", TEXT, "名称"))
_COMPOUND_ID = _f("compound_id", INT, "小区编号", refers="compounds")

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "subdistricts",
            ("code",),
            (
                _f("code", TEXT, "街道代码", pattern=_digits(9)),
                _CODE_NAME[1],
                _f("kind", TEXT, choices=UNIT_KINDS, default="subdistrict"),
            ),
            ("Polygon", "MultiPolygon"),
            measured=True,
            disjoint=True,
            label="subdistrict",
        ),
        Kind(
            "communities",
            ("code",),
            (
                _f("code", TEXT, "社区代码", pattern=_digits(12)),
                _CODE_NAME[1],
                _f("subdistrict_code", TEXT, "街道代码", refers="subdistricts"),
            ),
            ("Polygon", "MultiPolygon"),
            measured=True,
            disjoint=True,
            label="community",
            rules=(_within("code", "subdistrict_code", "subdistrict"),),
        ),
        Kind(
            "grids",
            ("code",),
            (
                _f("code", TEXT, "网格代码", pattern=(r"\d{14,15}", "a 14- or 15-digit code")),
                _f("community_code", TEXT, "社区代码", refers="communities"),
                _f("worker_name", TEXT, "网格员"),
                _f("worker_phone", TEXT, "网格员电话"),
            ),
            ("Polygon", "MultiPolygon"),
            measured=True,
            disjoint=True,
            label="grid",
            rules=(_within("code", "community_code", "community"),),
        ),
        Kind(
            "property_companies",
            ("id",),
            (
                _f("id", TEXT, "code", "企业代码"),
                _f("name", TEXT, "名称"),
                _f("credit_code", TEXT, "统一社会信用代码", pattern=CREDIT_CODE),
                _f("hotline", TEXT, "服务电话"),
            ),
            children=(Child("scores", "credit_scores", "company_id", many=True),),
            label="property company",
        ),
        Kind(
            "credit_scores",
            ("company_id", "year"),
            (
                _f("company_id", TEXT, "企业代码", refers="property_companies"),
                _f("year", INT, "年度", **YEAR),
                _f("score", FLOAT, "信用分", minimum=0, maximum=200),
            ),
            label="credit score",
        ),
        Kind(
            "compounds",
            ("id",),
            (
                _f("id", INT, "compound_id", "小区编号", minimum=1),
                _f("name", TEXT, "小区名称", "名称"),
                _f("community_code", TEXT, "社区代码", refers="communities"),
                _f("subdistrict_code", TEXT, "街道代码", refers="subdistricts"),
                _f("households", INT, "户数", minimum=0),
                _f("year_built", INT, "建成年份", required=False, default=None, **YEAR),
                _f("management_mode", TEXT, "管理模式", choices=MANAGEMENT_MODES),
                _f("property_company_id", TEXT, "物业企业", required=False, default=None, refers="property_companies"),
                _f("formerly_unmanaged", BOOL, "原失管小区", default=False),
                _f("collects_fees", BOOL, "收缴物业费", default=False),
                _f("fee_yuan_per_m2_month", FLOAT, required=False, default=None, minimum=0, maximum=100),
                _f("building_heads", INT, default=0, minimum=0),
            ),
            ("Polygon", "MultiPolygon"),
            measured=True,
            disjoint=True,
            children=(
                Child("committee", "committees", "compound_id"),
                Child("party_branch", "party_branches", "compound_id", flatten=_branch_members),
            ),
            label="compound",
            rules=(_company_mode,),
        ),
        Kind(
            "committees",
            ("compound_id",),
            (
                _COMPOUND_ID,
                _f("kind", TEXT, choices=COMMITTEE_KINDS),
                _f("established_on", DATE),
                _f("members", INT, minimum=0),
                _f("chair_name", TEXT),
            ),
            label="committee",
        ),
        Kind(
            "party_branches",
            ("compound_id",),
            (
                _COMPOUND_ID,
                _f("established_on", DATE),
                _f("provisional", BOOL),
                _f("secretary_name", TEXT),
                _f("secretary_role", TEXT, choices=SECRETARY_ROLES),
                *(
                    _f(n, INT, minimum=0, default=0)
                    for n in (
                        "owner_party_members",
                        "retired_party_members",
                        "deputies",
                        "property_company_party_members",
                    )
                ),
            ),
            label="party branch",
        ),
        Kind(
            "meetings",
            ("id",),
            (
                _f("id", INT, minimum=1),
                _COMPOUND_ID,
                _f("held_on", DATE, "召开日期"),
                _f("kind", TEXT, "会议类型", choices=MEETING_KINDS),
                _f("parties", CODES, "参会方", choices=PARTIES, default=()),
            ),
            label="meeting",
        ),
        Kind(
            "problems",
            ("id",),
            (
                _f("id", INT, minimum=1),
                _f("meeting_id", INT, refers="meetings"),
                _COMPOUND_ID,
                _f("category", TEXT, "类别", choices=PROBLEM_CATEGORIES),
                _f("description", TEXT, "描述", default=""),
                _f("solved", BOOL, "已解决", default=False),
                _f("solved_on", DATE, "解决日期", required=False, default=None),
            ),
            ("Point",),
            label="problem",
            rules=(_solved,),
        ),
        Kind(
            "occupations",
            ("id",),
            (
                _f("id", INT, "occupation_id", "编号", minimum=1),
                _COMPOUND_ID,
                _f("kind", TEXT, "占用类型", choices=OCCUPATION_KINDS),
                _f("status", TEXT, "状态", choices=OCCUPATION_STATUSES),
                _f("reported_on", DATE, "发现日期", required=False, default=None),
                _f("cleared_on", DATE, "清理日期", required=False, default=None),
            ),
            ("Polygon", "MultiPolygon"),
            measured=True,
            label="occupation",
            rules=(_cleared,),
        ),
        Kind(
            "public_rooms",
            ("id",),
            (
                _f("id", INT, "room_id", minimum=1),
                _COMPOUND_ID,
                _f("floor_area_m2", FLOAT, "area_m2", "建筑面积(平方米)", minimum=0),
                _f("use", TEXT, "用途", choices=ROOM_USES),
                _f("recovered_on", DATE, "收回日期", required=False, default=None),
            ),
            ("Point",),
            label="public room",
        ),
        Kind(
            "merchants",
            ("id",),
            (
                _f("id", TEXT, "商户代码"),
                _f("name", TEXT, "商户名称"),
                _f("trade", TEXT, "经营类别", choices=TRADES),
                _f("sector_code", TEXT, "片区代码", required=False, default=None, refers="sectors"),
                _f("frontage", JSON, required=False, default=None),
            ),
            ("Point",),
            children=(Child("agreement", "frontage_agreements", "merchant_id"),),
            label="merchant",
        ),
        Kind(
            "frontage_agreements",
            ("merchant_id",),
            (
                _f("merchant_id", TEXT, refers="merchants"),
                _f("signed_on", DATE),
                _f("officer_id", TEXT, refers="officers"),
                _f("duties", CODES, choices=FRONTAGE_DUTIES),
            ),
            label="frontage agreement",
        ),
        Kind(
            "management_periods",
            ("id",),
            (
                _f("id", INT, minimum=1),
                _COMPOUND_ID,
                _f("since", DATE, required=False, default=None),
                _f("mode", TEXT, choices=MANAGEMENT_MODES),
                _f("property_company_id", TEXT, required=False, default=None, refers="property_companies"),
            ),
            label="management period",
            rules=(_company_mode,),
        ),
        Kind(
            "fee_years",
            ("compound_id", "year"),
            (
                _COMPOUND_ID,
                _f("year", INT, **YEAR),
                _f("collecting", BOOL),
                _f("rate", FLOAT, required=False, default=None, minimum=0, maximum=1),
            ),
            label="fee year",
        ),
        Kind(
            "townships",
            ("code",),
            (
                _f("code", TEXT, "乡镇代码", pattern=_digits(9)),
                _CODE_NAME[1],
                _f("kind", TEXT, choices=TOWNSHIP_KINDS, default="town"),
            ),
            ("Polygon", "MultiPolygon"),
            measured=True,
            disjoint=True,
            label="township",
        ),
        Kind(
            "villages",
            ("code",),
            (
                _f("code", TEXT, "村代码", pattern=_digits(12)),
                _CODE_NAME[1],
                _f("township_code", TEXT, "乡镇代码", refers="townships"),
            ),
            ("Polygon", "MultiPolygon"),
            measured=True,
            disjoint=True,
            label="village",
            rules=(_within("code", "township_code", "township"),),
        ),
        Kind(
            "duty_shifts",
            ("code",),
            (_f("code"), _f("name"), _f("start", pattern=HH_MM), _f("end", pattern=HH_MM)),
            label="duty shift",
            importable=False,
        ),
        Kind(
            "duty_lines",
            ("township_code",),
            (_f("township_code", refers="townships"), _f("hotline")),
            label="duty line",
            importable=False,
        ),
        Kind(
            "duty_officers",
            ("id",),
            (
                _f("id"),
                _f("township_code", refers="townships"),
                _f("name"),
                _f("phone"),
                _f("role", choices=DUTY_ROLES),
                _f("shift_code"),
            ),
            label="duty officer",
            importable=False,
        ),
        Kind(
            "duty_rules",
            ("township_code",),
            (_f("township_code", refers="townships"), _f("anchor", DATE), _f("cycle", JSON), _f("teams", JSON)),
            label="duty rule",
            importable=False,
        ),
        Kind(
            "weather_events",
            ("code",),
            (
                _f("code"),
                _f("kind", choices=EVENT_KINDS),
                _f("name"),
                _f("warning_level", choices=WARNING_LEVELS),
                _f("warned_at", MOMENT),
                _f("starts_on", DATE),
                _f("ends_on", DATE, required=False, default=None),
            ),
            label="weather event",
            importable=False,
        ),
        Kind(
            "guidance_groups",
            ("code",),
            (
                _f("code"),
                _f("event_code", refers="weather_events"),
                _f("name"),
                _f("township_codes", CODES),
                _f("hotline", default=""),
            ),
            label="guidance group",
            importable=False,
        ),
        Kind(
            "technicians",
            ("id",),
            (
                _f("id"),
                _f("group_code", refers="guidance_groups"),
                _f("name"),
                _f("phone"),
                _f("specialty", choices=SPECIALTIES),
                _f("role", choices=TECHNICIAN_ROLES),
            ),
            label="technician",
            importable=False,
        ),
        Kind(
            "guidance_visits",
            ("id",),
            (
                _f("id", INT, minimum=1),
                _f("client_id"),
                _f("event_code", refers="weather_events"),
                _f("group_code", refers="guidance_groups"),
                _f("township_code", refers="townships"),
                _f("village_code", required=False, default=None, refers="villages"),
                _f("site", choices=VISIT_SITES),
                _f("kind", choices=VISIT_KINDS),
                _f("visited_on", DATE),
                _f("technician_ids", CODES),
                _f("advice", default=""),
                _f("hazards_found", INT, minimum=0, default=0),
                _f("logged_by"),
                _f("logged_at", MOMENT),
            ),
            ("Point",),
            label="guidance visit",
            importable=False,
        ),
        Kind(
            "safety_campaigns",
            ("code",),
            (
                _f("code"),
                _f("township_code", refers="townships"),
                _f("name"),
                _f("starts_on", DATE),
                _f("ends_on", DATE, required=False, default=None),
                _f("departments", CODES, choices=DEPARTMENTS),
                _f("declared_by", default=""),
            ),
            label="safety campaign",
            importable=False,
        ),
        Kind(
            "premises",
            ("id",),
            (
                _f("id", INT, minimum=1),
                _f("name"),
                _f("category", choices=PREMISES_CATEGORIES),
                _f("township_code", refers="townships"),
                _f("village_code", required=False, default=None, refers="villages"),
                _f("registered_by", default=""),
            ),
            ("Point",),
            label="premises",
            importable=False,
        ),
        Kind(
            "inspections",
            ("id",),
            (
                _f("id", INT, minimum=1),
                _f("client_id"),
                _f("campaign_code", refers="safety_campaigns"),
                _f("premises_id", INT, refers="premises"),
                _f("township_code", refers="townships"),
                _f("category", choices=PREMISES_CATEGORIES),
                _f("inspected_on", DATE),
                _f("departments", CODES, choices=DEPARTMENTS),
                _f("hazards_found", INT, minimum=0, default=0),
                _f("logged_by"),
                _f("logged_at", MOMENT),
            ),
            ("Point",),
            label="inspection",
            importable=False,
        ),
        Kind(
            "hazards",
            ("id",),
            (
                _f("id", INT, minimum=1),
                _f("inspection_id", INT, refers="inspections"),
                _f("campaign_code", refers="safety_campaigns"),
                _f("premises_id", INT, refers="premises"),
                _f("township_code", refers="townships"),
                _f("village_code", required=False, default=None, refers="villages"),
                _f("category", choices=PREMISES_CATEGORIES),
                _f("kind", choices=HAZARD_KINDS),
                _f("severity", choices=SEVERITIES),
                _f("description", default=""),
                _f("found_at", MOMENT),
                _f("due_on", DATE),
                _f("state", choices=HAZARD_STATES),
                _f("closed_at", MOMENT, required=False, default=None),
                _f("reported_by"),
            ),
            ("Point",),
            label="hazard",
            importable=False,
        ),
        Kind(
            "volunteer_teams",
            ("code",),
            (
                _f("code"),
                _f("name"),
                _f("kind", choices=TEAM_KINDS),
                _f("subdistrict_code", refers="subdistricts"),
                _f("community_codes", CODES),
                _f("hotline", default=""),
            ),
            label="volunteer team",
            importable=False,
        ),
        Kind(
            "volunteers",
            ("id",),
            (
                _f("id"),
                _f("team_code", refers="volunteer_teams"),
                _f("name"),
                _f("phone"),
                _f("role", choices=VOLUNTEER_ROLES),
            ),
            label="volunteer",
            importable=False,
        ),
        Kind(
            "service_requests",
            ("id",),
            (
                _f("id", INT, minimum=1),
                _f("client_id"),
                _f("team_code", refers="volunteer_teams"),
                _COMPOUND_ID,
                _f("community_code", refers="communities"),
                _f("subdistrict_code", refers="subdistricts"),
                _f("kind", choices=SERVICE_KINDS),
                _f("channel", choices=CHANNELS),
                _f("description", default=""),
                _f("resident_name", default=""),
                _f("resident_phone", default=""),
                _f("requested_at", MOMENT),
                _f("deadline", MOMENT, required=False, default=None),
                _f("state", choices=REQUEST_STATES),
                _f("volunteer_ids", CODES),
                _f("rating", INT, required=False, default=None, minimum=1, maximum=5),
                _f("closed_at", MOMENT, required=False, default=None),
                _f("logged_by"),
            ),
            ("Point",),
            label="micro-service request",
            importable=False,
        ),
        Kind(
            "case_steps",
            ("id",),
            (
                _f("id", INT, minimum=1),
                _f("kind", choices=CASE_KINDS),
                _f("case_id", INT, minimum=1),
                _f("at", MOMENT),
                _f("actor"),
                _f("action"),
                _f("from_state", required=False, default=None),
                _f("to_state"),
                _f("note", default=""),
            ),
            label="workflow step",
            importable=False,
        ),
        Kind(
            "squads",
            ("code",),
            (_f("code"), _f("name"), _f("sector_code"), _f("hotline", default="")),
            label="squad",
            importable=False,
        ),
        Kind(
            "shifts",
            ("code",),
            (_f("code"), _f("name"), _f("start", pattern=HH_MM), _f("end", pattern=HH_MM)),
            label="shift",
            importable=False,
        ),
        Kind(
            "sectors",
            ("code",),
            (
                _f("code"),
                _f("name"),
                _f("squad_code", refers="squads"),
                _f("start_bearing", FLOAT, minimum=0, maximum=360),
                _f("end_bearing", FLOAT, minimum=0, maximum=360),
            ),
            ("Polygon",),
            measured=True,
            disjoint=True,
            label="sector",
            importable=False,
        ),
        Kind(
            "officers",
            ("id",),
            (
                _f("id"),
                _f("squad_code", refers="squads"),
                _f("name"),
                _f("phone"),
                _f("service", choices=SERVICES),
                _f("role", choices=OFFICER_ROLES),
                _f("shift_code", refers="shifts"),
            ),
            label="officer",
            importable=False,
        ),
    )
}

ORDER = (
    "subdistricts",
    "communities",
    "grids",
    "property_companies",
    "credit_scores",
    "compounds",
    "committees",
    "party_branches",
    "meetings",
    "management_periods",
    "fee_years",
    "problems",
    "occupations",
    "public_rooms",
    "squads",
    "sectors",
    "shifts",
    "officers",
    "merchants",
    "frontage_agreements",
    "townships",
    "villages",
    "duty_shifts",
    "duty_lines",
    "duty_officers",
    "duty_rules",
    "weather_events",
    "guidance_groups",
    "technicians",
    "guidance_visits",
    "safety_campaigns",
    "premises",
    "inspections",
    "hazards",
    "volunteer_teams",
    "volunteers",
    "service_requests",
    "case_steps",
)
"""Kinds in the order they are written: each after the kinds it refers to."""

IMPORTABLE = tuple(n for n in ORDER if KINDS[n].importable)
CHILD_KINDS = frozenset(c.kind for k in KINDS.values() for c in k.children)

assert set(ORDER) == set(KINDS)


def kind_named(name: str) -> Kind:
    """The kind of this name (its table, or the stem of a file), or ``Bad`` naming those there are."""
    kind = KINDS.get(name.strip().lower().replace("-", "_"))
    if kind is None or not kind.importable:
        raise Bad(f"{name!r} is not a kind of record the hub imports; one of {', '.join(IMPORTABLE)}")
    return kind
