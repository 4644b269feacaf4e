"""HTTP routes of handling-unit indicators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment.items import service as items
from assessment.items.queries import rating_out
from assessment.paging import page_after, page_by_key
from assessment.periods.params import PeriodParam
from assessment.units import rules, service
from assessment.units.queries import unit_indicators, unit_month
from assessment.units.schemas import AreaIndicators, UnitCounts, UnitIndicators, UnitIndicatorsDetail, UnitRates
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
    out = []
    for area in areas:
        n, counts, depts = totals[area]
        township = ctx.org.township(area)
        out.append(
            AreaIndicators(
                area_code=area,
                dept=next(iter(depts)) if by_dept and len(depts) == 1 else None,
                name=township.name if township else None,
                period=period.text,
                units=n,
                counts=UnitCounts(**counts),
                rates=UnitRates(**rules.unit_rates(counts)),
                formulas=rules.unit_formulas(counts),
            )
        )
    return Page[AreaIndicators](items=out, next_cursor=next_cursor)


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
    base = unit_indicators(result.unit, period, result.indicators.total)
    return UnitIndicatorsDetail(
        **base.model_dump(),
        months=[unit_month(m, e) for m, e in result.indicators.by_month],
        manual_ratings=[rating_out(r) for r in manual.get(unit_code, [])],
    )
