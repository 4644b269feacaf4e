"""HTTP route of the dispatch centres' indicators (the dispatchers')."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from assessment import formulas
from assessment.centres import service
from assessment.paging import page_after
from assessment.periods.params import PeriodParam
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, require

router = APIRouter(prefix="/dispatch-centres", tags=["dispatch centres"])


class DispatchCentreIndicators(BaseModel):
    township_code: str
    name: str | None
    period: str
    counts: dict[str, int] = Field(description="dispatched, dispatched_on_time, dispatched_accurately")
    rates: dict[str, float | None]
    formulas: dict[str, formulas.Formula]


@router.get("", response_model=Page[DispatchCentreIndicators], summary="On-time and accurate dispatch per township")
async def list_dispatch_centres(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[DispatchCentreIndicators]:
    counts = await service.centre_counts(session, principal, period.months, township_code)
    towns, next_cursor = page_after(sorted(counts), limit, cursor, lambda town: (town,))
    items = [
        DispatchCentreIndicators(
            township_code=town,
            name=t.name if (t := ctx.org.township(town)) else None,
            period=period.text,
            counts=counts[town],
            rates=formulas.rates(service.RATE_DEFS, counts[town]),
            formulas=formulas.explain(service.RATE_DEFS, counts[town]),
        )
        for town in towns
    ]
    return Page[DispatchCentreIndicators](items=items, next_cursor=next_cursor)
