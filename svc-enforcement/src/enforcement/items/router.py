"""HTTP routes of the enforcement-item list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from enforcement.items import service
from enforcement.items.schemas import ItemCreate, ItemOut, ItemRevise
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/items", tags=["enforcement items"])
Reader = Annotated[Principal, Depends(require(service.READ))]
Manager = Annotated[Principal, Depends(require(service.MANAGE))]
TownshipQuery = Annotated[str | None, Query(pattern=r"^\d{12}$", description="answer `delegated` for this township")]
OnQuery = Annotated[dt.date | None, Query(description="the date asked about; default today (county time)")]


def _today(ctx: Ctx) -> dt.date:
    return ctx.calendar.local_date(ctx.now())


@router.get("", response_model=Page[ItemOut], summary="The enforcement-item list in force on a date")
async def list_items(
    ctx: Ctx,
    session: ReadSession,
    _principal: Reader,
    township_code: TownshipQuery = None,
    on: OnQuery = None,
    delegated: Annotated[bool | None, Query(description="with township_code: only (not) delegated items")] = None,
    category: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ItemOut]:
    day = on or _today(ctx)
    revisions, next_cursor = await service.list_in_force(
        session,
        on=day,
        township_code=township_code,
        delegated=delegated,
        category=category,
        limit=limit,
        cursor=cursor,
    )
    labels = await service.labels_of(session, revisions)
    return Page[ItemOut](
        items=[service.to_out(r, day, labels, township_code) for r in revisions], next_cursor=next_cursor
    )


@router.post("", status_code=201, response_model=ItemOut, summary="Publish a new enforcement item (revision 1)")
async def create_item(body: ItemCreate, response: Response, ctx: Ctx, session: Tx, principal: Manager) -> ItemOut:
    today = _today(ctx)
    revision = await service.create_item(session, principal, body, today, now=ctx.now())
    labels = await service.labels_of(session, [revision])
    response.headers["Location"] = f"{ctx.spec.api_prefix}/items/{revision.code}"
    return service.to_out(revision, max(today, revision.effective_from), labels)


@router.get("/{code}", response_model=ItemOut, summary="One item as in force on a date")
async def get_item(
    code: str,
    ctx: Ctx,
    session: ReadSession,
    _principal: Reader,
    township_code: TownshipQuery = None,
    on: OnQuery = None,
) -> ItemOut:
    day = on or _today(ctx)
    revision = await service.get_in_force(session, code, day)
    labels = await service.labels_of(session, [revision])
    return service.to_out(revision, day, labels, township_code)


@router.put("/{code}", response_model=ItemOut, summary="Publish a new revision of an item (history is kept)")
async def revise_item(code: str, body: ItemRevise, ctx: Ctx, session: Tx, principal: Manager) -> ItemOut:
    today = _today(ctx)
    revision = await service.revise_item(session, principal, code, body, today, now=ctx.now())
    labels = await service.labels_of(session, [revision])
    return service.to_out(revision, max(today, revision.effective_from), labels)


@router.get(
    "/{code}/revisions", response_model=Page[ItemOut], summary="Every revision of an item, oldest first (one page)"
)
async def list_revisions(code: str, session: ReadSession, _principal: Reader) -> Page[ItemOut]:
    revisions = await service.list_revisions(session, code)
    labels = await service.labels_of(session, revisions)
    return Page(items=[service.to_out(r, r.effective_from, labels) for r in revisions])
