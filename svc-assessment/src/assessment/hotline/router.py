"""HTTP routes of the hotline's three rates (接诉即办 三率) and the recurring problems (每月一题)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment.hotline import service
from assessment.hotline.queries import ranking_out, recurring_out
from assessment.hotline.schemas import HotlineLevel, HotlineRanking, RecurringList
from assessment.periods.params import PeriodParam
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.service import Ctx, ReadSession, require

router = APIRouter(prefix="/hotline", tags=["hotline"])


@router.get(
    "/rankings", response_model=HotlineRanking, summary="The three rates, score and rank per township or department"
)
async def ranking(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
    level: HotlineLevel = HotlineLevel.TOWNSHIP,
) -> HotlineRanking:
    settings = ctx.settings
    rows = await service.standings(
        session,
        principal,
        level,
        period.months,
        sources=settings.hotline_sources,
        weights=settings.hotline_score_weights,
        org=ctx.org,
    )
    return ranking_out(
        rows,
        period=period.text,
        level=level,
        weights=settings.hotline_score_weights,
        api_prefix=ctx.spec.api_prefix,
    )


@router.get(
    "/recurring",
    response_model=RecurringList,
    summary="每月一题: the same problem in the same area month after month",
    openapi_extra=problems({422: ["invalid_period"]}),
)
async def recurring(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> RecurringList:
    if period.kind != "month":
        raise Problem(422, "invalid_period", "Invalid request", "period: recurring problems are listed per month")
    settings = ctx.settings
    rows = await service.recurring(
        session,
        principal,
        period.text,
        township_code=township_code,
        min_months=settings.recurring_min_months,
        min_tickets=settings.recurring_min_tickets,
    )
    return recurring_out(
        rows, period=period.text, min_months=settings.recurring_min_months, min_tickets=settings.recurring_min_tickets
    )
