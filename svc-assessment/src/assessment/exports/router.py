"""HTTP route of the exports: a period's results per level as CSV or XLSX."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from assessment import export
from assessment.exports import tables
from assessment.exports.schemas import ExportLevel
from assessment.periods.params import PeriodParam
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.service import Ctx, ReadSession, require

router = APIRouter(prefix="/exports", tags=["exports"])

EXPORT = "assessment.export.read"


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
    level: ExportLevel = ExportLevel.UNITS,
    format: export.Format = "csv",
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> Response:
    settings = ctx.settings
    if level is ExportLevel.GRID_WORKERS:
        headers, rows = await tables.grid_workers(session, principal, period, township_code, settings)
    elif level is ExportLevel.UNITS:
        headers, rows = await tables.handling_units(session, principal, period, township_code, settings, ctx.now())
    elif level is ExportLevel.STATIONED:
        headers, rows = await tables.stationed_units(session, principal, period, township_code, settings)
    else:
        which = "township" if level is ExportLevel.HOTLINE_TOWNSHIPS else "department"
        headers, rows = await tables.hotline_rates(session, principal, period, which, settings, ctx.org)
    title = f"{period.text}{level.label_zh}"
    return export.download(f"assessment-{level.value}-{period.text}", format, title, headers, rows)
