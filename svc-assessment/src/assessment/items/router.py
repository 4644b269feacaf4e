"""HTTP routes of the published list and of manual ratings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from assessment.items import service
from assessment.items.queries import item_out, rating_out
from assessment.items.schemas import (
    ItemCreate,
    ItemKind,
    ItemOut,
    ItemRevise,
    ManualRatingCreate,
    ManualRatingOut,
    RatedSubjectKind,
)
from assessment.paging import page_after, page_by_key
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["list and manual ratings"])


@router.get("/items", response_model=Page[ItemOut], summary="The published list: score items, pledges, veto items")
async def list_items(
    session: ReadSession,
    _principal: Annotated[Principal, Depends(require(service.ITEM_READ))],
    kind: ItemKind | None = None,
    subject_kind: RatedSubjectKind | None = None,
    in_force_on: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ItemOut]:
    found = await service.list_items(
        session, kind=kind, subject_kind=subject_kind, in_force_on=in_force_on, limit=limit, cursor=cursor
    )
    items, next_cursor = page_by_key(found, limit, lambda i: i.code)
    return Page[ItemOut](items=[item_out(i) for i in items], next_cursor=next_cursor)


@router.post("/items", status_code=201, response_model=ItemOut, summary="Publish an item on the county's list")
async def create_item(
    body: ItemCreate,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.ITEM_MANAGE))],
) -> ItemOut:
    item = await service.create_item(session, principal, body, now=ctx.now())
    response.headers["Location"] = f"{ctx.spec.api_prefix}/items?code={item.code}"
    return item_out(item)


@router.post(
    "/items/{code}/versions",
    status_code=201,
    response_model=ItemOut,
    summary="Publish the next version of an item (the earlier ones stay as history)",
    openapi_extra=problems(
        {409: ["concurrent_update"], 422: ["effective_from_in_past", "effective_date_before_latest"]}
    ),
)
async def revise_item(
    code: Annotated[str, Path(max_length=60)],
    body: ItemRevise,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.ITEM_MANAGE))],
) -> ItemOut:
    return item_out(await service.revise_item(session, principal, code, body, now=ctx.now()))


@router.get("/items/{code}/versions", response_model=Page[ItemOut], summary="Every version of an item, oldest first")
async def item_versions(
    code: Annotated[str, Path(max_length=60)],
    session: ReadSession,
    _principal: Annotated[Principal, Depends(require(service.ITEM_READ))],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ItemOut]:
    history = await service.item_history(session, code)
    versions, next_cursor = page_after(history, limit, cursor, lambda i: (i.revision,))
    return Page[ItemOut](items=[item_out(i) for i in versions], next_cursor=next_cursor)


@router.post(
    "/manual-ratings", status_code=201, response_model=ManualRatingOut, summary="Rate a clerk or a unit on a list item"
)
async def create_manual_rating(
    body: ManualRatingCreate,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.RATING_WRITE))],
) -> ManualRatingOut:
    rating = await service.create_rating(session, principal, body, now=ctx.now())
    return rating_out(rating)


@router.get(
    "/manual-ratings", response_model=Page[ManualRatingOut], summary="Manual ratings in your scope, newest first"
)
async def list_manual_ratings(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.RATING_READ))],
    period: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
    subject_kind: RatedSubjectKind | None = None,
    subject_id: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ManualRatingOut]:
    rows = await service.list_ratings(
        session,
        principal,
        period=period,
        subject_kind=subject_kind,
        subject_id=subject_id,
        limit=limit,
        cursor=cursor,
    )
    items, next_cursor = page_of(rows, limit)
    return Page[ManualRatingOut](items=[rating_out(r) for r in items], next_cursor=next_cursor)
