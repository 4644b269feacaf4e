"""HTTP routes of periods: close a month, list closed months."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from assessment.periods import service
from assessment.periods.queries import closure_out
from assessment.periods.schemas import CloseRequest, CloseResult, ClosureOut
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/periods", tags=["periods"])


@router.post(
    "/{period}/close",
    status_code=201,
    response_model=CloseResult,
    summary="Close (freeze) a month for your township(s) and publish the results",
)
async def close_period(
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.CLOSE))],
    period: Annotated[str, Path(max_length=10, description="a month, e.g. 2026-10")],
    body: CloseRequest | None = None,
) -> CloseResult:
    settings = ctx.settings
    closures = await service.close_period(
        session,
        principal,
        period,
        township_code=body.township_code if body else None,
        now=ctx.now(),
        case_limit_days=settings.case_time_limit_days,
        bad_max_level=settings.bad_rating_max_level,
        public_rating_weight=settings.staff_score_weights["public_rating"],
    )
    return CloseResult(period=period, closures=[closure_out(c) for c in closures])


@router.get("", response_model=Page[ClosureOut], summary="Closed months of your areas, newest first")
async def list_closures(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ClosureOut]:
    rows = await service.list_closures(
        session, principal, period=period, township_code=township_code, limit=limit, cursor=cursor
    )
    items, next_cursor = page_of(rows, limit, created="closed_at")
    return Page[ClosureOut](items=[closure_out(c) for c in items], next_cursor=next_cursor)
