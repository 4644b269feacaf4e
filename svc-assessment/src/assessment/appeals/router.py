"""HTTP routes of appeals (申诉)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from assessment.appeals import rules, service
from assessment.appeals.queries import appeal_out
from assessment.appeals.schemas import AppealCreate, AppealDecision, AppealOut
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/appeals", tags=["appeals"])


@router.post(
    "",
    status_code=201,
    response_model=AppealOut,
    summary="Appeal a score or a count of a period",
    # 404: the appealed subject (unit, clerk, worker) is unknown or outside your scope
    openapi_extra=problems({404: ["not_found"], 409: ["period_not_ended", "appeal_window_closed"]}),
)
async def file_appeal(
    body: AppealCreate, ctx: Ctx, session: Tx, principal: Annotated[Principal, Depends(require(service.FILE))]
) -> AppealOut:
    appeal = await service.file_appeal(
        session, principal, body, now=ctx.now(), window_days=ctx.settings.appeal_window_days
    )
    return appeal_out(appeal)


@router.get("", response_model=Page[AppealOut], summary="Appeals in your scope, newest first")
async def list_appeals(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    status: rules.AppealStatus | None = None,
    subject_id: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[AppealOut]:
    found = await service.list_appeals(
        session,
        principal,
        status=status.value if status else None,
        subject_id=subject_id,
        limit=limit,
        cursor=cursor,
    )
    rows, next_cursor = page_of(found, limit, created="filed_at")
    return Page[AppealOut](items=[appeal_out(a) for a in rows], next_cursor=next_cursor)


@router.post(
    "/decisions",
    response_model=AppealOut,
    summary="Decide an appeal (the assessing level)",
    # 404: no such appeal in your scope
    openapi_extra=problems({403: ["own_appeal"], 404: ["not_found"], 409: ["appeal_decided"]}),
)
async def decide(
    body: AppealDecision, ctx: Ctx, session: Tx, principal: Annotated[Principal, Depends(require(service.DECIDE))]
) -> AppealOut:
    return appeal_out(await service.decide(session, principal, body, now=ctx.now()))
