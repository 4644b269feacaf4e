"""HTTP routes of ratings (staff reads) and rectifications; rating itself is public (see public/)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from approval.deps import if_match, set_etag
from approval.ratings import queries, service
from approval.ratings.models import Rectification
from approval.ratings.schemas import (
    AssignBody,
    CallbackBody,
    CloseBody,
    RatingOut,
    RectificationDetail,
    RectificationOut,
    RectificationStatus,
)
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["ratings"])
IfMatch = Annotated[int | None, Depends(if_match)]


def rectification_detail(principal: Principal, row: Rectification, response: Response) -> RectificationDetail:
    set_etag(response, row.version)
    return queries.rectification_detail(principal, row)


@router.get(
    "/ratings",
    response_model=Page[RatingOut],
    summary="Ratings in your scope (never who rated)",
    openapi_extra=problems({403: ["rater_protected"]}),
)
async def list_ratings(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    clerk_id: str | None = None,
    item_code: str | None = None,
    level: Annotated[int | None, Query(ge=1, le=5)] = None,
    bad: bool | None = None,
    application_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[RatingOut]:
    if application_id is not None and not service.reaches_raters(principal):
        raise service.rater_protected()
    rows = await service.list_ratings(
        session,
        principal,
        limit=limit,
        cursor=cursor,
        clerk_id=clerk_id,
        item_code=item_code,
        level=level,
        bad=bad,
        application_id=application_id,
    )
    items, next_cursor = page_of(rows, limit, created="rated_at")
    return Page[RatingOut](items=[queries.rating_out(r, principal) for r in items], next_cursor=next_cursor)


@router.get(
    "/rectifications",
    response_model=Page[RectificationOut],
    summary="Rectifications of bad ratings",
    openapi_extra=problems({403: ["rater_protected"]}),
)
async def list_rectifications(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.RECTIFICATION_READ))],
    status: RectificationStatus | None = None,
    clerk_id: str | None = None,
    assignee_username: str | None = None,
    application_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[RectificationOut]:
    if application_id is not None and not service.reaches_raters(principal):
        raise service.rater_protected()
    rows = await service.list_rectifications(
        session,
        principal,
        limit=limit,
        cursor=cursor,
        status=status,
        clerk_id=clerk_id,
        assignee_username=assignee_username,
        application_id=application_id,
    )
    items, next_cursor = page_of(rows, limit)
    return Page[RectificationOut](
        items=[queries.rectification_out(r, principal, RectificationOut) for r in items], next_cursor=next_cursor
    )


@router.get("/rectifications/{rectification_id}", response_model=RectificationDetail, summary="One rectification")
async def get_rectification(
    rectification_id: str,
    response: Response,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.RECTIFICATION_READ))],
) -> RectificationDetail:
    row = await service.get_rectification(session, principal, rectification_id)
    return rectification_detail(principal, row, response)


@router.post(
    "/rectifications/{rectification_id}/assign",
    response_model=RectificationDetail,
    summary="Assign the rectification to its handler (never the rated clerk)",
    openapi_extra=problems({422: ["rated_clerk"]}),
)
async def assign(
    rectification_id: str,
    body: AssignBody,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(service.ASSIGN))],
) -> RectificationDetail:
    row = await service.assign(session, principal, rectification_id, body, version, ctx.now())
    return rectification_detail(principal, row, response)


@router.post(
    "/rectifications/{rectification_id}/callback",
    response_model=RectificationDetail,
    summary="Record the call-back to the rater (回访)",
)
async def callback(
    rectification_id: str,
    body: CallbackBody,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(service.HANDLE))],
) -> RectificationDetail:
    row = await service.record_callback(session, principal, rectification_id, body, version, ctx.now())
    return rectification_detail(principal, row, response)


@router.post(
    "/rectifications/{rectification_id}/close",
    response_model=RectificationDetail,
    summary="Close with an outcome: fixed, explained, or appeal upheld",
)
async def close(
    rectification_id: str,
    body: CloseBody,
    response: Response,
    ctx: Ctx,
    session: Tx,
    version: IfMatch,
    principal: Annotated[Principal, Depends(require(service.HANDLE))],
) -> RectificationDetail:
    row = await service.close(session, principal, rectification_id, body, version, ctx.now())
    return rectification_detail(principal, row, response)
