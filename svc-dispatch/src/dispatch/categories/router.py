"""HTTP routes of categories: the dictionary is read by everyone, administered by the county."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from dispatch.categories import service
from dispatch.categories.schemas import CategoryCreate, CategoryOut, CategoryRetire, CategoryUpdate
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/categories", tags=["categories"])


@router.get(
    "", response_model=Page[CategoryOut], summary="Event categories with their dispatch and handling limits (one page)"
)
async def list_categories(
    session: ReadSession,
    _: Annotated[Principal, Depends(require(service.READ))],
    retired: Annotated[bool, Query(description="include retired categories")] = False,
) -> Page[CategoryOut]:
    return Page(items=[service.to_out(c) for c in await service.list_categories(session, retired=retired)])


@router.post("", status_code=201, response_model=CategoryOut, summary="Create a category (published to grid)")
async def create_category(
    body: CategoryCreate,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.MANAGE))],
) -> CategoryOut:
    s = ctx.settings
    category = await service.create_category(
        session,
        principal,
        body,
        now=ctx.now(),
        urgent_dispatch_minutes=s.urgent_dispatch_minutes,
        normal_dispatch_minutes=s.normal_dispatch_minutes,
    )
    response.headers["Location"] = f"{ctx.spec.api_prefix}/categories/{category.code}"
    return service.to_out(category)


@router.get("/{code}", response_model=CategoryOut, summary="One category with its limits")
async def get_category(
    code: str, session: ReadSession, _: Annotated[Principal, Depends(require(service.READ))]
) -> CategoryOut:
    return service.to_out(await service.get_category(session, code))


@router.patch("/{code}", response_model=CategoryOut, summary="Change a category's label or limits (new tickets only)")
async def update_category(
    code: str,
    body: CategoryUpdate,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.MANAGE))],
) -> CategoryOut:
    return service.to_out(await service.update_category(session, principal, code, body, now=ctx.now()))


@router.post(
    "/{code}/retire",
    response_model=CategoryOut,
    summary="Retire a category: no new incidents or tickets under it (a list routing it must go first)",
)
async def retire_category(
    code: str,
    body: CategoryRetire,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.MANAGE))],
) -> CategoryOut:
    return service.to_out(await service.retire_category(session, principal, code, body.version, now=ctx.now()))
