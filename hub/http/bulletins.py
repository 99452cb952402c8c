"""A campaign's weekly bulletin (周通报) as a document: ``/export/bulletins/{campaign}.md``, ``.html`` or ``.csv``,
with ``week=YYYY-MM-DD`` (any day of the week; this week when omitted).

The figures are the GraphQL field's (``hazardBulletin``, from ``hub.services.hazards.bulletin``). The Markdown
is written here; the HTML is that Markdown rendered by markdown-it-py (CommonMark with GFM tables, raw HTML off,
so text from the records cannot inject markup) inside a small printable page; the CSV has the table with
Chinese headers and a byte-order mark for Excel and WPS, as the other exports. The documents carry figures,
categories and premises names only: no description of a hazard (free text) and no person.
"""

from __future__ import annotations

import csv
import html
import io
from datetime import date, datetime
from typing import Any

import anyio
from markdown_it import MarkdownIt
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from hub.domain import hazards as hz
from hub.domain.bulletin import MEASURE_NAMES, MEASURES, Bulletin
from hub.domain.roster import local_time
from hub.errors import InputError, NotFound
from hub.http.export import BOM, CSV_MEDIA, FORMULA_START
from hub.http.negotiate import answers_errors, viewer_of
from hub.http.params import check_known, one
from hub.services import hazards as services

FORMATS = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "csv": CSV_MEDIA}
PARAMS = ("week",)
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def _week(request: Request) -> date | None:
    text = one(request.query_params, "week")
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"week is {text!r}; give a date, YYYY-MM-DD", field="week") from None


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|")


def markdown(b: Bulletin) -> str:
    """The bulletin as Markdown: a heading, the headline figures, the table by category, the overdue hazards."""
    c = b.campaign
    town = b.township.name if b.township else c.township_code
    t = b.total.values
    rate = "—" if b.rectification_rate is None else f"{b.rectification_rate:.1%}"
    departments = "、".join(hz.DEPARTMENT_NAMES.get(d, d) for d in c.departments)
    lines = [
        f"# {c.name} 周通报（第{b.number}期）",
        "",
        f"{town}（{c.township_code}）　{b.week_start:%Y年%m月%d日}—{b.week_end:%m月%d日}　"
        f"统计截至 {local_time(b.as_of):%Y-%m-%d %H:%M}",
        "",
        f"参加部门：{departments}",
        "",
        f"本周排查场所 {t['inspected_this_week']} 处（检查 {t['inspections_this_week']} 次），"
        f"累计排查 {t['inspected']} 处，共有场所 {t['premises']} 处。"
        f"本周发现隐患 {t['found_this_week']} 处，其中重大隐患 {t['major_this_week']} 处；"
        f"累计发现 {t['found']} 处，已整改 {t['rectified']} 处，已销号 {t['verified']} 处（销号率 {rate}），"
        f"未销号 {t['open']} 处（重大 {t['open_major']} 处），超期未整改 {t['overdue']} 处。",
        "",
        "## 分类统计",
        "",
        "| 场所类别 | " + " | ".join(MEASURE_NAMES[m] for m in MEASURES) + " |",
        "|---|" + "---:|" * len(MEASURES),
    ]
    for line in (*b.lines, b.total):
        lines.append(f"| {_cell(line.name)} | " + " | ".join(str(line.values[m]) for m in MEASURES) + " |")
    lines += ["", "## 超期未整改隐患", ""]
    if not b.overdue:
        lines.append("无。")
    else:
        lines += ["| 隐患编号 | 场所 | 类别 | 隐患类型 | 等级 | 整改期限 | 状态 |", "|---:|---|---|---|---|---|---|"]
        for x in b.overdue:
            lines.append(_overdue_row(b, x))
    return "\n".join(lines) + "\n"


def _overdue_row(b: Bulletin, x: Any) -> str:
    premises = b.premises_names.get(x.premises_id, str(x.premises_id))
    return (
        f"| {x.id} | {_cell(premises)} | {hz.CATEGORY_NAMES.get(x.category, x.category)} | "
        f"{hz.KIND_NAMES.get(x.kind, x.kind)} | {hz.SEVERITY_NAMES.get(x.severity, x.severity)} | {x.due_on} | "
        f"{hz.STATE_NAMES.get(x.state, x.state)} |"
    )


def page(b: Bulletin, text: str) -> str:
    """The Markdown rendered as a printable HTML page."""
    title = html.escape(f"{b.campaign.name} 周通报（第{b.number}期）")
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>"
        "body{font-family:sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
        "table{border-collapse:collapse;font-size:.9rem}th,td{border:1px solid #999;padding:.2rem .4rem}"
        "th{background:#eee}</style></head><body>\n" + MARKDOWN.render(text) + "</body></html>\n"
    )


def table(b: Bulletin) -> bytes:
    """The table by category (and the total) as CSV with Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["场所类别代码", "场所类别", *(MEASURE_NAMES[m] for m in MEASURES)])
    for line in (*b.lines, b.total):
        name = line.name if not line.name.startswith(FORMULA_START) else "'" + line.name
        writer.writerow([line.category or "", name, *(line.values[m] for m in MEASURES)])
    return (BOM + out.getvalue()).encode("utf-8")


@answers_errors
async def bulletin(request: Request) -> Response:
    campaign, fmt = request.path_params["campaign"], request.path_params["format"]
    if fmt not in FORMATS:
        raise NotFound(f"there is no .{fmt} bulletin; one of {', '.join('.' + f for f in FORMATS)}", field="format")
    check_known(request.query_params, PARAMS)
    week = _week(request)
    hub, viewer = request.app.state.hub, viewer_of(request)
    now = datetime.now().astimezone()

    def build() -> bytes:
        b = services.bulletin(hub, viewer, campaign, week, now)
        if fmt == "csv":
            return table(b)
        text = markdown(b)
        return (page(b, text) if fmt == "html" else text).encode("utf-8")

    body = await anyio.to_thread.run_sync(build)
    name = f"{campaign}-{week.isoformat() if week else 'this-week'}.{fmt}"
    return Response(body, media_type=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def routes() -> list[BaseRoute]:
    return [Route("/export/bulletins/{campaign}.{format}", bulletin, methods=["GET"])]
