"""HTTP route of the exports: a period's results per level as CSV or XLSX."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from assessment import export
from assessment.exports import tables
from assessment.periods.params import PeriodParam
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.service import Ctx, ReadSession, require

router = APIRouter(prefix="/exports", tags=["exports"])

EXPORT = "assessment.export.read"
Level = Literal["grid_workers", "units", "hotline_townships", "hotline_departments", "stationed"]
TITLES = {
    "grid_workers": "网格员考核结果",
    "units": "承办单位考核指标",
    "hotline_townships": "接诉即办三率（乡镇街道）",
    "hotline_departments": "接诉即办三率（部门）",
    "stationed": "派驻机构双重考核结果",
}


@router.get(
    "/results",
    summary="A period's results of one level as CSV or XLSX (Chinese headers)",
    response_class=Response,
    openapi_extra=problems({422: ["invalid_period"]}),
)
async def export_results(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(EXPORT))],
    period: PeriodParam,
    level: Level = "units",
    format: export.Format = "csv",
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> Response:
    settings = ctx.settings
    if level == "grid_workers":
        headers, rows = await tables.grid_workers(session, principal, period, township_code, settings)
    elif level == "units":
        headers, rows = await tables.handling_units(session, principal, period, township_code, settings, ctx.now())
    elif level == "stationed":
        headers, rows = await tables.stationed_units(session, principal, period, township_code, settings)
    else:
        which = "township" if level == "hotline_townships" else "department"
        headers, rows = await tables.hotline_rates(session, principal, period, which, settings, ctx.org)
    title = f"{period.text}{TITLES[level]}"
    return export.download(f"assessment-{level}-{period.text}", format, title, headers, rows)
