"""HTTP route of the dispatch centres' indicators (the dispatchers')."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from assessment import formulas
from assessment.centres import service
from assessment.periods.params import PeriodParam
from jiceng_shared.identity import Principal
from jiceng_shared.service import Ctx, ReadSession, require

router = APIRouter(prefix="/dispatch-centres", tags=["dispatch centres"])


class DispatchCentreIndicators(BaseModel):
    township_code: str
    name: str | None
    period: str
    counts: dict[str, int] = Field(description="dispatched, dispatched_on_time, dispatched_accurately")
    rates: dict[str, float | None]
    formulas: dict[str, formulas.Formula]


@router.get("", response_model=list[DispatchCentreIndicators], summary="On-time and accurate dispatch per township")
async def list_dispatch_centres(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> list[DispatchCentreIndicators]:
    counts = await service.centre_counts(session, principal, period.months, township_code)
    return [
        DispatchCentreIndicators(
            township_code=town,
            name=t.name if (t := ctx.org.township(town)) else None,
            period=period.text,
            counts=c,
            rates=formulas.rates(service.RATE_DEFS, c),
            formulas=formulas.explain(service.RATE_DEFS, c),
        )
        for town, c in sorted(counts.items())
    ]
