"""HTTP route of the dispatch centres' indicators (the dispatchers')."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment.centres import service
from assessment.centres.queries import centre_out
from assessment.centres.schemas import DispatchCentreIndicators
from assessment.paging import page_after
from assessment.periods.params import PeriodParam
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, require

router = APIRouter(prefix="/dispatch-centres", tags=["dispatch centres"])


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
    return Page[DispatchCentreIndicators](
        items=[centre_out(ctx.org, town, period.text, counts[town]) for town in towns], next_cursor=next_cursor
    )
