"""The analysts' grouped figures as CSV for spreadsheets: ``/export/figures/{family}.csv``.

Each family of ``hub.services.figures`` is a table of the exporter (``hub.http.export.FIGURES``): one row
per group, the key's columns first (code and name of each place, the period, the code), then the
measures, with Chinese headers. The parameters are the GraphQL field's, flattened: ``groupBy`` and the
filter lists comma-separated, ``from``/``to`` local dates, ``dateBy``, and ``bbox`` (WGS84). For example
``/export/figures/occupations.csv?groupBy=SUBDISTRICT,MONTH&dateBy=CLEARED&from=2023-01-01&to=2023-12-31
&statuses=CLEARED``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from starlette.datastructures import QueryParams

from hub.domain.access import Viewer
from hub.domain.figures.compute import FigureQuery, check
from hub.domain.filters import SpatialFilter
from hub.domain.model import Catalog
from hub.errors import InputError
from hub.http.export import FigureTable
from hub.http.params import one
from hub.services.figures import FiguresCommand, figure_table, key_columns

TABLES = {
    "compounds": "compounds",
    "occupations": "occupations",
    "public-rooms": "public_rooms",
    "fees": "fee_years",
    "meetings": "meetings",
    "problems": "problems",
    "incidents": "incidents",
    "patrols": "patrols",
    "frontage": "merchants",
    "guidance-visits": "guidance_visits",
    "hazards": "hazards",
    "service-requests": "service_requests",
}
"""Export name → figures family."""
FILTERS = {
    "subdistricts": "SUBDISTRICT",
    "communities": "COMMUNITY",
    "grids": "GRID",
    "compounds": "COMPOUND",
    "sectors": "SECTOR",
    "townships": "TOWNSHIP",
    "villages": "VILLAGE",
    "propertyCompanies": "PROPERTY_COMPANY",
    "kinds": "KIND",
    "categories": "CATEGORY",
    "statuses": "STATUS",
    "states": "STATE",
    "squads": "SQUAD",
    "guidanceGroups": "GUIDANCE_GROUP",
    "weatherEvents": "WEATHER_EVENT",
    "severities": "SEVERITY",
    "campaigns": "CAMPAIGN",
    "teams": "TEAM",
}
PARAMS = ("groupBy", "dateBy", "from", "to", "bbox", *FILTERS)

COUNTS = {
    "compounds": "小区数",
    "occupations": "占用处数",
    "public_rooms": "公共用房处数",
    "fee_years": "小区·年数",
    "meetings": "联席会议次数",
    "problems": "问题数",
    "incidents": "案件数",
    "patrols": "巡查次数",
    "merchants": "商户数",
    "guidance_visits": "指导次数",
    "hazards": "隐患数",
    "service_requests": "服务件数",
}
LABELS = {
    "subdistrict_code": "街道代码",
    "subdistrict_name": "街道",
    "community_code": "社区代码",
    "community_name": "社区",
    "grid_code": "网格代码",
    "compound_id": "小区编号",
    "compound_name": "小区",
    "sector_code": "片区代码",
    "sector_name": "片区",
    "township_code": "乡镇代码",
    "township_name": "乡镇",
    "village_code": "行政村代码",
    "village_name": "行政村",
    "property_company_code": "物业企业代码",
    "property_company_name": "物业企业",
    "squad_code": "分队代码",
    "squad_name": "分队",
    "guidance_group_code": "指导组代码",
    "guidance_group_name": "技术指导组",
    "weather_event_code": "天气过程代码",
    "weather_event_name": "天气过程",
    "kind": "类型",
    "category": "类别",
    "status": "状态",
    "state": "案件状态",
    "day": "日期",
    "month": "月份",
    "quarter": "季度",
    "year": "年份",
    "households": "户数",
    "area_m2": "面积(平方米)",
    "formerly_unmanaged": "原失管小区数",
    "collecting_fees": "收缴物业费小区数",
    "with_party_branch": "建立党支部小区数",
    "with_committee": "成立业委会(物管会)小区数",
    "cleared_count": "已清理处数",
    "cleared_area_m2": "已清理面积(平方米)",
    "occupied_count": "未清理处数",
    "occupied_area_m2": "未清理面积(平方米)",
    "floor_area_m2": "建筑面积(平方米)",
    "collecting": "收缴物业费小区数",
    "collecting_share": "收缴比例",
    "mean_collection_rate": "平均收缴率",
    "problems_raised": "提出问题数",
    "problems_solved": "解决问题数",
    "solved_share": "解决率",
    "solved": "已解决数",
    "mean_days_to_solve": "平均解决天数",
    "p90_days_to_solve": "解决天数(90%分位)",
    "registered": "立案数",
    "dispatched": "派遣数",
    "handled": "处置数",
    "handled_on_time": "按期处置数",
    "closed": "结案数",
    "closure_rate": "结案率",
    "on_time_closure_rate": "按期结案率",
    "overdue": "超期案件数",
    "sent_back": "返工数",
    "rework_rate": "返工率",
    "mean_handling_hours": "平均处置时长(小时)",
    "p90_handling_hours": "处置时长(90%分位,小时)",
    "length_m": "巡查里程(米)",
    "signed": "已签订数",
    "signed_share": "签订率",
    "hazards_found": "发现隐患数",
    "with_hazards": "发现隐患的指导次数",
    "technician_visits": "农技人员出动人次",
    "campaign_code": "专项行动代码",
    "campaign_name": "专项行动",
    "team_code": "志愿队代码",
    "team_name": "志愿队",
    "severity": "隐患等级",
    "major": "重大隐患数",
    "open": "未销号数",
    "rectified": "已整改数",
    "rectified_on_time": "按期整改数",
    "verified": "已销号数",
    "rectification_rate": "整改销号率",
    "on_time_rate": "按期整改率",
    "done": "已完成数",
    "done_on_time": "按期完成数",
    "rated": "已评价数",
    "mean_rating": "平均评分",
    "mean_days_to_done": "平均办结天数",
}


def _list(params: QueryParams, name: str) -> list[str]:
    text = one(params, name)
    return [] if text is None else [v.strip() for v in text.split(",") if v.strip()]


def _date(params: QueryParams, name: str) -> date | None:
    text = one(params, name)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{name} is {text!r}; a date is YYYY-MM-DD", field=name) from None


def command(family: str, params: QueryParams) -> FiguresCommand:
    """The question the parameters ask of a family (checked by the service as the GraphQL field's is)."""
    box = one(params, "bbox")
    try:
        corners = None if box is None else [float(v) for v in box.split(",")]
    except ValueError:
        raise InputError(f"bbox is {box!r}; four numbers: minLon,minLat,maxLon,maxLat", field="bbox") from None
    return FiguresCommand(
        family=family,
        group_by=_list(params, "groupBy"),
        where=SpatialFilter.parse(bbox=corners, field="bbox") if corners is not None else SpatialFilter(),
        start=_date(params, "from"),
        end=_date(params, "to"),
        date_by=one(params, "dateBy"),
        filters={grouping: values for name, grouping in FILTERS.items() if (values := _list(params, name))},
    )


def headers(family: str, params: QueryParams) -> Sequence[str]:
    """The header row: the key's columns of each grouping asked, then the family's measures, in Chinese."""
    group_by = tuple(_list(params, "groupBy"))
    fam = check(FigureQuery(family, group_by))  # the service's own refusal, before any row is made
    columns = [c for g in group_by for c in key_columns(g)] + list(fam.measures)
    return [COUNTS[family] if c == "count" else LABELS.get(c, c) for c in columns]


class _Reads:
    """The catalog, as the figures service reads it."""

    def __init__(self, data: Catalog) -> None:
        self.data = data


def table(family: str) -> FigureTable:
    def rows(catalog: Catalog, viewer: Viewer, params: QueryParams) -> list[tuple[Any, ...]]:
        return list(figure_table(_Reads(catalog), viewer, command(family, params)).rows)

    return FigureTable(headers=lambda params: headers(family, params), rows=rows, params=PARAMS)


def register(into: dict[str, FigureTable]) -> None:
    """Add the figures' tables to the exporter's registry."""
    for name, family in TABLES.items():
        into[name] = table(family)
