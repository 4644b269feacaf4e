"""HTTP routes of window indicators: clerks and service centres."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment.paging import page_by_key
from assessment.periods.params import PeriodParam
from assessment.window import service
from assessment.window.queries import centre_out, clerk_detail, clerks_out
from assessment.window.schemas import CentreIndicators, ClerkDetail, ClerkIndicators
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, require

router = APIRouter(prefix="/window", tags=["window staff"])


def _weights(ctx: Ctx) -> dict[str, int]:
    return {
        "bad_max_level": ctx.settings.bad_rating_max_level,
        "public_rating_weight": ctx.settings.staff_score_weights["public_rating"],
    }


@router.get(
    "/clerks", response_model=Page[ClerkIndicators], summary="Window clerks in your scope with their indicators"
)
async def list_clerks(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
    township_code: Annotated[
        str | None, Query(pattern=r"^\d{12}$", description="clerks of this township's centre")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ClerkIndicators]:
    weights = _weights(ctx)
    results = await service.list_clerks(
        session,
        principal,
        period.months,
        township_code=township_code,
        limit=limit,
        cursor=cursor,
        bad_max_level=weights["bad_max_level"],
    )
    results, next_cursor = page_by_key(results, limit, lambda r: r.clerk.clerk_id)
    items = await clerks_out(session, results, period, weights)
    return Page[ClerkIndicators](items=items, next_cursor=next_cursor)


@router.get("/clerks/{clerk_id}", response_model=ClerkDetail, summary="One clerk's indicators and staff score")
async def get_clerk(
    clerk_id: str,
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
) -> ClerkDetail:
    weights = _weights(ctx)
    result = await service.get_clerk(
        session, principal, clerk_id, period.months, bad_max_level=weights["bad_max_level"]
    )
    return await clerk_detail(session, result, period, weights)


@router.get(
    "/centres", response_model=Page[CentreIndicators], summary="Service centres (one per township) in your scope"
)
async def list_centres(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    period: PeriodParam,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[CentreIndicators]:
    weights = _weights(ctx)
    results = await service.list_centres(
        session, principal, period.months, limit=limit, cursor=cursor, bad_max_level=weights["bad_max_level"]
    )
    results, next_cursor = page_by_key(results, limit, lambda r: r.township_code)
    items = [centre_out(r, period, weights) for r in results]
    return Page[CentreIndicators](items=items, next_cursor=next_cursor)
