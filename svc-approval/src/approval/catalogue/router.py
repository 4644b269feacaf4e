"""HTTP routes of the catalogue (staff): read the lists in force, write new versions (county_admin)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from approval.catalogue import queries, service
from approval.catalogue.schemas import ItemBody, ItemCreate, ItemKind, ItemOut
from approval.deps import statutory_limits, today
from jiceng_shared.errors import not_found
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/catalogue/items", tags=["catalogue"])
Reader = Annotated[Principal, Depends(require(service.READ))]
Manager = Annotated[Principal, Depends(require(service.MANAGE))]


@router.get("", response_model=Page[ItemOut], summary="Catalogue items in force (on a date), newest version first")
async def list_items(
    ctx: Ctx,
    session: ReadSession,
    _principal: Reader,
    as_of: Annotated[dt.date | None, Query(description="default: today")] = None,
    kind: ItemKind | None = None,
    department: str | None = None,
    cross_township: bool | None = None,
    proxy: bool | None = None,
    in_service: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[ItemOut]:
    rows = await service.list_current(
        session,
        as_of or today(ctx),
        kind=kind,
        department=department,
        cross_township=cross_township,
        proxy=proxy,
        in_service=in_service,
        limit=limit,
        cursor=cursor,
    )
    items, next_cursor = page_of(rows, limit)
    out = [queries.item_out(i, await service.materials_of(session, i.id)) for i in items]
    return Page[ItemOut](items=out, next_cursor=next_cursor)


@router.post("", status_code=201, response_model=ItemOut, summary="Add an item to the catalogue (version 1)")
async def create_item(body: ItemCreate, response: Response, ctx: Ctx, session: Tx, principal: Manager) -> ItemOut:
    item = await service.create_item(
        session, principal, body, today=today(ctx), now=ctx.now(), limits=statutory_limits(ctx)
    )
    materials = await service.materials_of(session, item.id)
    response.headers["Location"] = f"{ctx.spec.api_prefix}/catalogue/items/{item.code}"
    return queries.item_out(item, materials)


@router.get("/{code}", response_model=ItemOut, summary="The version of an item in force on a date")
async def get_item(
    code: str,
    ctx: Ctx,
    session: ReadSession,
    _principal: Reader,
    as_of: Annotated[dt.date | None, Query(description="default: today")] = None,
) -> ItemOut:
    item = await service.current(session, code, as_of or today(ctx))
    if item is None:
        raise not_found("catalogue item", code)
    return queries.item_out(item, await service.materials_of(session, item.id))


@router.put(
    "/{code}", response_model=ItemOut, summary="Write a new version of an item (earlier ones stay as they were)"
)
async def put_item(code: str, body: ItemBody, ctx: Ctx, session: Tx, principal: Manager) -> ItemOut:
    item = await service.new_version(
        session, principal, code, body, today=today(ctx), now=ctx.now(), limits=statutory_limits(ctx)
    )
    materials = await service.materials_of(session, item.id)
    return queries.item_out(item, materials)


@router.get(
    "/{code}/versions", response_model=Page[ItemOut], summary="Every version of an item, oldest first (one page)"
)
async def list_versions(code: str, session: ReadSession, _principal: Reader) -> Page[ItemOut]:
    rows = await service.versions(session, code)
    return Page(items=[queries.item_out(i, await service.materials_of(session, i.id)) for i in rows])
