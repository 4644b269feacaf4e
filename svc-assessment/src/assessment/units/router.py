"""HTTP routes of handling-unit indicators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment.items import service as items
from assessment.paging import page_after, page_by_key
from assessment.periods.params import PeriodParam
from assessment.units import service
from assessment.units.queries import area_indicators, unit_detail, unit_indicators
from assessment.units.schemas import AreaIndicators, UnitIndicators, UnitIndicatorsDetail
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, require

router = APIRouter(prefix="/units", tags=["handling units"])


@router.get("", response_model=Page[UnitIndicators], summary="Handling units in your scope with their indicators")
async def list_units(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$", description="units of this township")] = None,
    dept: Annotated[str | None, Query(max_length=40, description="units of this department, e.g. psb")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[UnitIndicators]:
    results = await service.list_units(
        session,
        principal,
        period.months,
        township_code=township_code,
        dept=dept,
        limit=limit,
        cursor=cursor,
        now=ctx.now(),
        case_limit_days=ctx.settings.case_time_limit_days,
    )
    results, next_cursor = page_by_key(results, limit, lambda r: r.unit.code)
    return Page[UnitIndicators](
        items=[unit_indicators(r.unit, period, r.indicators.total) for r in results], next_cursor=next_cursor
    )


@router.get(
    "/by-area",
    response_model=Page[AreaIndicators],
    summary="Unit indicators summed per township (and the county's departments)",
)
async def list_area_totals(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[AreaIndicators]:
    totals = await service.area_totals(
        session, principal, period.months, now=ctx.now(), case_limit_days=ctx.settings.case_time_limit_days
    )
    # a caller who sees one department's units only sees that department's sum, named as such
    by_dept = all(b.dept is not None for b in principal.bindings_for(service.READ))
    areas, next_cursor = page_after(sorted(totals), limit, cursor, lambda area: (area,))
    return Page[AreaIndicators](
        items=[area_indicators(ctx.org, area, totals[area], period, by_dept=by_dept) for area in areas],
        next_cursor=next_cursor,
    )


@router.get(
    "/{unit_code}/indicators",
    response_model=UnitIndicatorsDetail,
    summary="One unit's indicators for a month, quarter or year, month by month",
)
async def get_unit_indicators(
    unit_code: str,
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
) -> UnitIndicatorsDetail:
    result = await service.get_unit(
        session,
        principal,
        unit_code,
        period.months,
        now=ctx.now(),
        case_limit_days=ctx.settings.case_time_limit_days,
    )
    manual = await items.ratings_of(session, "unit", [unit_code], period.months)
    return unit_detail(result, period, manual.get(unit_code, []))
